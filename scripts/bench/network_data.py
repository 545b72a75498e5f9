"""Inputs for timing `crimescape network` at the issue-20 sizes (see BENCHMARKS.md).

    python3 scripts/bench/network_data.py OUTDIR

writes OUTDIR/streets.geojson (a 224 x 224 irregular grid, 80-160 m blocks: 99,904
street segments, one line per block side, local metres), OUTDIR/incidents_1e5.csv and
OUTDIR/incidents_1e4.csv (uniform along the streets, up to 10 m to either side; id,x,y).
Standard library only; seeded.
"""
import json
import random
import sys

out = sys.argv[1]
rng = random.Random(1)
k = 224
xs, ys = [0.0], [0.0]
for _ in range(k - 1):
    xs.append(round(xs[-1] + rng.uniform(80, 160), 2))
    ys.append(round(ys[-1] + rng.uniform(80, 160), 2))
lines = []
for j in range(k):
    for i in range(k - 1):
        lines.append(((xs[i], ys[j]), (xs[i + 1], ys[j])))
for i in range(k):
    for j in range(k - 1):
        lines.append(((xs[i], ys[j]), (xs[i], ys[j + 1])))
feats = [
    {"type": "Feature", "properties": {"id": f"s{n}"}, "geometry": {"type": "LineString", "coordinates": [list(a), list(b)]}}
    for n, (a, b) in enumerate(lines)
]
with open(f"{out}/streets.geojson", "w") as f:
    json.dump({"type": "FeatureCollection", "features": feats}, f)
lengths = [abs(b[0] - a[0]) + abs(b[1] - a[1]) for a, b in lines]
total = sum(lengths)
cum = []
s = 0.0
for l in lengths:
    s += l
    cum.append(s)


def points(n):
    import bisect
    rows = []
    for i in range(n):
        u = rng.random() * total
        e = min(bisect.bisect_right(cum, u), len(lines) - 1)
        (x0, y0), (x1, y1) = lines[e]
        t = rng.random()
        off = rng.uniform(-10, 10)
        if y0 == y1:
            rows.append((i, x0 + t * (x1 - x0), y0 + off))
        else:
            rows.append((i, x0 + off, y0 + t * (y1 - y0)))
    return rows


for n, name in [(100_000, "incidents_1e5.csv"), (10_000, "incidents_1e4.csv")]:
    with open(f"{out}/{name}", "w") as f:
        f.write("id,x,y\n")
        for i, x, y in points(n):
            f.write(f"{i},{x:.2f},{y:.2f}\n")
