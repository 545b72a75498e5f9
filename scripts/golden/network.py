"""Golden numbers for crimescape's network module from PySAL spaghetti.

Run through scripts/golden/network.sh (it makes the venv). Writes into --out:

  lines.csv          x0,y0,x1,y1: the golden network, one straight line per arc
  incidents.csv      id,x,y: 80 points near the lines
  facilities.csv     id,x,y: 15 points near the lines
  snapped.csv        pattern,id,x,y: spaghetti's snapped coordinates
  distances.csv      i,j,d: spaghetti allneighbordistances("incidents"), i < j
  cross.csv          i,j,d: allneighbordistances("incidents", destpattern="facilities")
  k.csv              t,k: GlobalAutoK(incidents, nsteps=NSTEPS, upperbound=UPPER).xaxis/observed
  cross_k.csv        t,pairs_below,k: cross K from cross.csv (spaghetti has no cross K):
                     k = L * #{(i,j): d < t} / (n_A n_B), L = sum of arc lengths
  summary.json       versions, sizes, network length, parameters

The network: a 7 x 6 grid of nodes 100 m apart, each node jittered by up to 20 m
(numpy default_rng(2024)), edges between grid neighbours with 6 removed (dead ends and
T junctions appear), one diagonal in 5 cells and 3 dead-end spurs. Coordinates are
rounded to 1 cm. Every line is a single straight arc whose ends are exactly shared,
so spaghetti's arcs and crimescape's edges are the same (no crossings, no snapping).
Points: a random arc (uniform), a uniform position along it, an offset of up to 10 m
to either side, rounded to 1 cm.

With --timings, also times spaghetti on the libpysal geodanet example (Mesa, AZ,
287 crimes) and on a synthetic grid (see BENCHMARKS.md).
"""

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

import geopandas as gpd  # noqa: E402
import libpysal  # noqa: E402
import shapely  # noqa: E402
import spaghetti  # noqa: E402
from shapely.geometry import LineString, Point  # noqa: E402

NSTEPS = 25
UPPER = 600.0


def golden_network(rng):
    nx, ny, step = 7, 6, 100.0
    pts = {}
    for i in range(nx):
        for j in range(ny):
            jx, jy = rng.uniform(-20, 20, size=2)
            pts[(i, j)] = (round(i * step + jx, 2), round(j * step + jy, 2))
    edges = []
    for i in range(nx):
        for j in range(ny):
            if i + 1 < nx:
                edges.append(((i, j), (i + 1, j)))
            if j + 1 < ny:
                edges.append(((i, j), (i, j + 1)))
    drop = rng.choice(len(edges), size=6, replace=False)
    edges = [e for k, e in enumerate(edges) if k not in set(drop.tolist())]
    cells = rng.choice((nx - 1) * (ny - 1), size=5, replace=False)
    for c in cells.tolist():
        i, j = c % (nx - 1), c // (nx - 1)
        edges.append(((i, j), (i + 1, j + 1)))
    lines = [(pts[a], pts[b]) for a, b in edges]
    # spurs off three boundary nodes
    for (i, j), (dx, dy) in [((0, 2), (-60.0, 5.0)), ((6, 4), (70.0, -3.0)), ((3, 5), (4.0, 55.0))]:
        p = pts[(i, j)]
        lines.append((p, (round(p[0] + dx, 2), round(p[1] + dy, 2))))
    return lines


def points_near(lines, n, rng):
    out = []
    lengths = np.array([np.hypot(b[0] - a[0], b[1] - a[1]) for a, b in lines])
    for _ in range(n):
        k = rng.choice(len(lines), p=lengths / lengths.sum())
        (x0, y0), (x1, y1) = lines[k]
        t = rng.uniform(0.02, 0.98)
        off = rng.uniform(-10, 10)
        L = lengths[k]
        nx_, ny_ = -(y1 - y0) / L, (x1 - x0) / L
        out.append((round(x0 + t * (x1 - x0) + off * nx_, 2), round(y0 + t * (y1 - y0) + off * ny_, 2)))
    return out


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(repr(float(v)) if isinstance(v, (float, np.floating)) else str(v) for v in r) + "\n")


def golden(out):
    rng = np.random.default_rng(2024)
    lines = golden_network(rng)
    inc = points_near(lines, 80, rng)
    fac = points_near(lines, 15, rng)
    os.makedirs(out, exist_ok=True)
    write_csv(f"{out}/lines.csv", ["x0", "y0", "x1", "y1"], [(a[0], a[1], b[0], b[1]) for a, b in lines])
    write_csv(f"{out}/incidents.csv", ["id", "x", "y"], [(i, x, y) for i, (x, y) in enumerate(inc)])
    write_csv(f"{out}/facilities.csv", ["id", "x", "y"], [(i, x, y) for i, (x, y) in enumerate(fac)])

    gl = gpd.GeoDataFrame(geometry=[LineString(l) for l in lines])
    ntw = spaghetti.Network(in_data=gl)
    gi = gpd.GeoDataFrame({"id": range(len(inc))}, geometry=[Point(p) for p in inc])
    gf = gpd.GeoDataFrame({"id": range(len(fac))}, geometry=[Point(p) for p in fac])
    ntw.snapobservations(gi, "incidents")
    ntw.snapobservations(gf, "facilities")
    snapped = []
    for name in ["incidents", "facilities"]:
        sc = ntw.pointpatterns[name].snapped_coordinates
        for i in sorted(sc):
            snapped.append((name, i, sc[i][0], sc[i][1]))
    write_csv(f"{out}/snapped.csv", ["pattern", "id", "x", "y"], snapped)

    d = ntw.allneighbordistances("incidents")
    n = d.shape[0]
    write_csv(f"{out}/distances.csv", ["i", "j", "d"], [(i, j, d[i, j]) for i in range(n) for j in range(i + 1, n)])
    c = ntw.allneighbordistances("incidents", destpattern="facilities")
    write_csv(f"{out}/cross.csv", ["i", "j", "d"], [(i, j, c[i, j]) for i in range(c.shape[0]) for j in range(c.shape[1])])

    np.random.seed(1)
    k = ntw.GlobalAutoK(ntw.pointpatterns["incidents"], nsteps=NSTEPS, permutations=1, upperbound=UPPER)
    write_csv(f"{out}/k.csv", ["t", "k"], list(zip(k.xaxis.tolist(), k.observed.tolist())))

    total = float(sum(ntw.arc_lengths.values()))
    ts = np.linspace(0, UPPER, NSTEPS)
    flat = c.ravel()
    rows = []
    for t in ts:
        below = int((flat < t).sum())
        rows.append((float(t), below, total * below / (c.shape[0] * c.shape[1])))
    write_csv(f"{out}/cross_k.csv", ["t", "pairs_below", "k"], rows)

    summary = {
        "tool": "spaghetti",
        "versions": {
            "python": sys.version.split()[0],
            "spaghetti": spaghetti.__version__,
            "libpysal": libpysal.__version__,
            "numpy": np.__version__,
            "geopandas": gpd.__version__,
            "shapely": shapely.__version__,
        },
        "arcs": len(ntw.arcs),
        "vertices": len(ntw.vertices),
        "lines": len(lines),
        "incidents": len(inc),
        "facilities": len(fac),
        "network_length_m": total,
        "k_nsteps": NSTEPS,
        "k_upperbound_m": UPPER,
        "k_convention": "y = 2 * #{i<j: d_ij < t} / (n * lambda), lambda = n / L (spaghetti.analysis.global_auto_k)",
        "distance_convention": "shortest path between snapped points, snap distance not added (snap_dist=False); same arc: straight distance",
    }
    with open(f"{out}/summary.json", "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps(summary, indent=2))


def timings():
    res = {}
    # geodanet (Mesa, AZ): 287 crimes on 303 street lines, feet
    streets = libpysal.examples.get_path("streets.shp")
    crimes = libpysal.examples.get_path("crimes.shp")
    t0 = time.perf_counter()
    ntw = spaghetti.Network(in_data=streets)
    ntw.snapobservations(crimes, "crimes", attribute=False)
    t1 = time.perf_counter()
    np.random.seed(1)
    ntw.GlobalAutoK(ntw.pointpatterns["crimes"], nsteps=50, permutations=99)
    t2 = time.perf_counter()
    res["geodanet_287_crimes"] = {"build_and_snap_s": t1 - t0, "global_auto_k_99_perm_50_steps_s": t2 - t1}
    # a synthetic 30 x 30 grid (1740 arcs, 120 m blocks) with 1000 uniform points
    rng = np.random.default_rng(7)
    lines = []
    for i in range(30):
        for j in range(30):
            if i + 1 < 30:
                lines.append(LineString([(i * 120.0, j * 120.0), ((i + 1) * 120.0, j * 120.0)]))
            if j + 1 < 30:
                lines.append(LineString([(i * 120.0, j * 120.0), (i * 120.0, (j + 1) * 120.0)]))
    gl = gpd.GeoDataFrame(geometry=lines)
    pts = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in rng.uniform(0, 29 * 120.0, size=(1000, 2))])
    t0 = time.perf_counter()
    ntw = spaghetti.Network(in_data=gl)
    ntw.snapobservations(pts, "p")
    t1 = time.perf_counter()
    np.random.seed(1)
    ntw.GlobalAutoK(ntw.pointpatterns["p"], nsteps=20, permutations=9, upperbound=1000.0)
    t2 = time.perf_counter()
    res["grid_1740_arcs_1000_points"] = {"build_and_snap_s": t1 - t0, "global_auto_k_9_perm_20_steps_s": t2 - t1}
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--timings", action="store_true")
    a = ap.parse_args()
    golden(a.out)
    if a.timings:
        timings()
