"""Golden numbers for crimescape's spatial statistics (run through stats.sh).

Writes into <root>/fixtures/golden/stats/:
  grid_a400.csv     cell_id,col,row,x,y,count: input A counted on a 400 m grid (all cells)
  points_a500.csv   id,x,y,value: the first 500 distinct points of A, value = number of
                    other A points within 300 m
  global.json       esda Moran / Geary / G on the grid (queen and rook bands, 'r' and 'b')
                    and on the points (KNN k = 6)
  incremental.json  esda Moran (DistanceBand binary, transformation 'r') at 10 bands
  ripley.json       pointpats k, l, k_test on A and on C (Chicago arson 2016)
  cross_k.json      independent numpy cross-K of A split into incidents / facilities
  nni.json          pointpats mean_nnd + numpy Clark-Evans (none / rectangular border)
Inputs (already in the repository): fixtures/golden/hotspots/A_input_xy.csv (2,000
synthetic points, EPSG-less metres) and fixtures/golden/near_repeat/C/input.csv (522
Chicago arsons, x/y EPSG:26971 m).
"""
import csv
import json
import math
import os
import sys
import time

import numpy as np
from scipy import spatial, stats

import esda
import libpysal
import pointpats
from pointpats import distance_statistics as ds

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
OUT = os.path.join(ROOT, "fixtures", "golden", "stats")
os.makedirs(OUT, exist_ok=True)
PERMS = 999


def read_xy(path, xcol="x", ycol="y"):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return np.array([[float(r[xcol]), float(r[ycol])] for r in rows])


def f(x):
    return None if x is None else float(x)


def moran(y, w, t):
    np.random.seed(20261130)
    m = esda.Moran(y, w, transformation=t, permutations=PERMS)
    return {
        "I": f(m.I), "EI": f(m.EI), "VI_norm": f(m.VI_norm), "z_norm": f(m.z_norm),
        "p_norm_two_sided": f(m.p_norm), "VI_rand": f(m.VI_rand), "z_rand": f(m.z_rand),
        "p_rand_two_sided": f(m.p_rand), "p_sim": f(m.p_sim), "EI_sim": f(m.EI_sim),
        "seI_sim": f(m.seI_sim), "z_sim": f(m.z_sim),
        "s0": f(m.w.s0), "s1": f(m.w.s1), "s2": f(m.w.s2),
    }


def geary(y, w, t):
    np.random.seed(20261130)
    g = esda.Geary(y, w, transformation=t, permutations=PERMS)
    return {
        "C": f(g.C), "EC": f(g.EC), "VC_norm": f(g.VC_norm), "z_norm": f(g.z_norm),
        "p_norm_one_sided": f(g.p_norm), "VC_rand": f(g.VC_rand), "z_rand": f(g.z_rand),
        "p_rand_one_sided": f(g.p_rand), "p_sim": f(g.p_sim), "EC_sim": f(g.EC_sim),
        "seC_sim": f(g.seC_sim),
    }


def general_g(y, w):
    np.random.seed(20261130)
    g = esda.G(y, w, permutations=PERMS)
    return {
        "G": f(g.G), "EG": f(g.EG), "VG": f(g.VG), "z_norm": f(g.z_norm),
        "p_norm_one_sided": f(g.p_norm), "p_sim": f(g.p_sim), "EG_sim": f(g.EG_sim),
        "seG_sim": f(g.seG_sim),
    }


timings = {}
t0 = time.time()
A = read_xy(os.path.join(ROOT, "fixtures/golden/hotspots/A_input_xy.csv"))
C = read_xy(os.path.join(ROOT, "fixtures/golden/near_repeat/C/input.csv"))

# ---- grid counts of A (shared grid convention, C = 400 m, every cell of the rectangle)
CELL = 400.0
x0 = math.floor(A[:, 0].min() / CELL) * CELL
y0 = math.floor(A[:, 1].min() / CELL) * CELL
ncols = int(math.floor((A[:, 0].max() - x0) / CELL)) + 1
nrows = int(math.floor((A[:, 1].max() - y0) / CELL)) + 1
col = np.floor((A[:, 0] - x0) / CELL).astype(int)
row = np.floor((A[:, 1] - y0) / CELL).astype(int)
counts = np.zeros(ncols * nrows)
np.add.at(counts, row * ncols + col, 1.0)
ids = np.arange(ncols * nrows)
cx = x0 + (ids % ncols + 0.5) * CELL
cy = y0 + (ids // ncols + 0.5) * CELL
centres = np.column_stack([cx, cy])
with open(os.path.join(OUT, "grid_a400.csv"), "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["cell_id", "col", "row", "x", "y", "count"])
    for i in ids:
        w.writerow([int(i), int(i % ncols), int(i // ncols), repr(float(cx[i])), repr(float(cy[i])), int(counts[i])])

# ---- points: first 500 distinct points of A, value = other A points within 300 m
_, first = np.unique(A, axis=0, return_index=True)
keep = np.sort(first)[:500]
P = A[keep]
tree_all = spatial.cKDTree(A)
value = np.array([len(tree_all.query_ball_point(p, 300.0)) - 1 for p in P], dtype=float)
with open(os.path.join(OUT, "points_a500.csv"), "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["id", "x", "y", "value"])
    for i, (p, v) in enumerate(zip(P, value)):
        w.writerow([i, repr(float(p[0])), repr(float(p[1])), int(v)])

# ---- global statistics
queen = lambda: libpysal.weights.DistanceBand(centres, threshold=CELL * math.sqrt(2) * (1 + 1e-9), binary=True, silence_warnings=True)
rook = lambda: libpysal.weights.DistanceBand(centres, threshold=CELL * (1 + 1e-9), binary=True, silence_warnings=True)
knn6 = lambda: libpysal.weights.KNN(P, k=6)
out = {"grid": {"cell": CELL, "x0": x0, "y0": y0, "ncols": ncols, "nrows": nrows}, "cases": {}}
t1 = time.time()
for name, wf, y in [("grid_queen", queen, counts), ("grid_rook", rook, counts), ("points_knn6", knn6, value)]:
    case = {}
    for t in ("r", "b"):
        case[f"moran_{t}"] = moran(y, wf(), t)
        case[f"geary_{t}"] = geary(y, wf(), t)
    case["g"] = general_g(y, wf())
    out["cases"][name] = case
timings["global (3 cases x 5 statistics, 999 permutations)"] = time.time() - t1
with open(os.path.join(OUT, "global.json"), "w") as fh:
    json.dump(out, fh, indent=1)

# ---- incremental spatial autocorrelation: esda Moran at 10 distance bands
t1 = time.time()
bands = []
for k in range(10):
    d = 400.0 + 200.0 * k
    wd = libpysal.weights.DistanceBand(centres, threshold=d * (1 + 1e-9), binary=True, silence_warnings=True)
    m = esda.Moran(counts, wd, transformation="r", permutations=0)
    bands.append({"distance": d, "I": f(m.I), "EI": f(m.EI), "VI_rand": f(m.VI_rand), "z_rand": f(m.z_rand),
                  "p_rand_two_sided": f(m.p_rand), "mean_neighbors": f(wd.mean_neighbors)})
timings["incremental (10 bands)"] = time.time() - t1
with open(os.path.join(OUT, "incremental.json"), "w") as fh:
    json.dump({"start": 400.0, "increment": 200.0, "transformation": "r", "bands": bands}, fh, indent=1)

# ---- Ripley K / L (pointpats), k_test with 999 simulations in the bounding box
rip = {}
t1 = time.time()
for name, pts, rmax, steps in [("A", A, 2000.0, 21), ("C", C, 3000.0, 16)]:
    support = np.linspace(0.0, rmax, steps)
    sk, kv = ds.k(pts, support=support)
    sl, lv = ds.l(pts, support=support)
    np.random.seed(20261130)
    kt = ds.k_test(pts, support=support, n_simulations=PERMS, keep_simulations=True, n_jobs=1)
    sims = kt.simulations
    xmin, ymin = pts.min(axis=0)
    xmax, ymax = pts.max(axis=0)
    rip[name] = {
        "n": int(len(pts)), "bbox": [f(xmin), f(ymin), f(xmax), f(ymax)],
        "area": f((xmax - xmin) * (ymax - ymin)),
        "support": [f(v) for v in sk], "k": [f(v) for v in kv], "l": [f(v) for v in lv],
        "k_test_statistic": [f(v) for v in kt.statistic], "k_test_pvalue": [f(v) for v in kt.pvalue],
        "sim_mean": [f(v) for v in sims.mean(axis=0)], "sim_sd": [f(v) for v in sims.std(axis=0)],
        "sim_min": [f(v) for v in sims.min(axis=0)], "sim_max": [f(v) for v in sims.max(axis=0)],
        "n_simulations": PERMS,
    }
timings["ripley k, l, k_test (A and C, 999 simulations)"] = time.time() - t1
with open(os.path.join(OUT, "ripley.json"), "w") as fh:
    json.dump(rip, fh, indent=1)

# ---- cross-K, independent numpy: incidents = A rows with index % 4 != 0, facilities = % 4 == 0
idx = np.arange(len(A))
inc, fac = A[idx % 4 != 0], A[idx % 4 == 0]
xmin, ymin = A.min(axis=0)
xmax, ymax = A.max(axis=0)
area = (xmax - xmin) * (ymax - ymin)
support = np.linspace(0.0, 2000.0, 21)
d = spatial.distance.cdist(inc, fac)
k12 = np.array([area * (d < r).sum() / (len(inc) * len(fac)) for r in support])
with open(os.path.join(OUT, "cross_k.json"), "w") as fh:
    json.dump({"n_incidents": int(len(inc)), "n_facilities": int(len(fac)),
               "bbox": [f(xmin), f(ymin), f(xmax), f(ymax)], "area": f(area),
               "support": [f(v) for v in support], "k12": [f(v) for v in k12]}, fh, indent=1)

# ---- nearest neighbour index (Clark-Evans), bbox area, none / rectangular border
nni = {}
for name, pts in [("A", A), ("C", C)]:
    pp = pointpats.PointPattern(pts)
    tree = spatial.cKDTree(pts)
    dist, _ = tree.query(pts, k=2)
    nn = dist[:, 1]
    xmin, ymin = pts.min(axis=0)
    xmax, ymax = pts.max(axis=0)
    a = (xmax - xmin) * (ymax - ymin)
    n = len(pts)
    border = np.minimum.reduce([pts[:, 0] - xmin, xmax - pts[:, 0], pts[:, 1] - ymin, ymax - pts[:, 1]])
    res = {"n": n, "area": f(a), "pointpats_mean_nnd": f(pp.mean_nnd)}
    for corr, dd in [("none", nn), ("rectangle", np.minimum(nn, border))]:
        mean = dd.mean()
        exp = 0.5 / math.sqrt(n / a)
        se = 0.26136 / math.sqrt(n * n / a)
        z = (mean - exp) / se
        res[corr] = {"mean": f(mean), "expected": f(exp), "nni": f(mean / exp), "se": f(se), "z": f(z),
                     "p_two_sided": f(2 * stats.norm.sf(abs(z))), "corrected_points": int((dd < nn).sum())}
    nni[name] = res
with open(os.path.join(OUT, "nni.json"), "w") as fh:
    json.dump(nni, fh, indent=1)

import scipy  # noqa: E402
versions = {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
            "esda": esda.__version__, "libpysal": libpysal.__version__, "pointpats": pointpats.__version__}
timings["total"] = time.time() - t0
with open(os.path.join(OUT, "versions.json"), "w") as fh:
    json.dump({"versions": versions, "seconds": {k: round(v, 2) for k, v in timings.items()}}, fh, indent=1)
print(json.dumps(versions), json.dumps({k: round(v, 2) for k, v in timings.items()}))
