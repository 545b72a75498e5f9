"""crimescape.gi_star vs esda.G_Local (999 permutations) on a 160,000-cell grid, and
crimescape.knox on 2,000 events, from one Python process. Run by python_gistar.sh.

Prints one line per measurement; the figures go to BENCHMARKS.md.
"""

import os
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import crimescape as cs

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N_SIDE, CELL = 400, 100.0  # 400 x 400 cells of 100 m = 160,000 cells

# incidents: 200,000 points, half uniform, half in 40 Gaussian hot spots (seeded)
rng = np.random.default_rng(7)
n = 200_000
side = N_SIDE * CELL
u = rng.uniform(0, side, size=(n // 2, 2))
centres = rng.uniform(0.1 * side, 0.9 * side, size=(40, 2))
h = centres[rng.integers(0, 40, n // 2)] + rng.normal(0, 300, size=(n // 2, 2))
xy = np.clip(np.vstack([u, h]), 0.5, side - 0.5)
# pin the extent so the grid is exactly 400 x 400 cells of 100 m
xy[0], xy[1] = (0.5, 0.5), (side - 0.5, side - 0.5)
df = pd.DataFrame({"x": 500000.0 + xy[:, 0], "y": 4000000.0 + xy[:, 1]})
inc = cs.load_incidents(df, crs="EPSG:32618", keep_outliers=True)

t = time.perf_counter()
gi = cs.gi_star(inc, cell=CELL, permutations=999, seed=1)
t_cs = time.perf_counter() - t
assert len(gi) == N_SIDE * N_SIDE, len(gi)
print(f"crimescape.gi_star: {len(gi)} cells, 999 permutations: {t_cs:.2f} s "
      f"(threads: {os.cpu_count()}; includes writing the CLI's CSV/GeoJSON/PNG to a temp folder)")
t = time.perf_counter()
cs.gi_star(inc, cell=CELL, permutations=0)
print(f"crimescape.gi_star: analytical z/p only: {time.perf_counter() - t:.2f} s")

if "--no-esda" not in sys.argv:
    import libpysal
    from esda.getisord import G_Local

    counts = gi.sort_values("cell_id")["count"].to_numpy(dtype=float)
    w = libpysal.weights.lat2W(N_SIDE, N_SIDE, rook=False)  # queen, id = row * ncols + col
    t = time.perf_counter()
    G_Local(counts[:1000], libpysal.weights.lat2W(25, 40, rook=False), star=True,
            transform="B", permutations=99, seed=1)
    t_warm = time.perf_counter() - t
    t = time.perf_counter()
    g = G_Local(counts, w, star=True, transform="B", permutations=999, seed=1, n_jobs=1)
    t_esda = time.perf_counter() - t
    dz = np.max(np.abs(g.Zs - gi.sort_values("cell_id")["gi_z"].to_numpy()))
    print(f"esda.G_Local(star=True, transform='B', permutations=999, n_jobs=1): {t_esda:.2f} s "
          f"(+ {t_warm:.1f} s numba warm-up on a small grid); max |z difference| {dz:.2e}")
    print(f"speed-up: {t_esda / t_cs:.1f}x")

# Knox on 2,000 events (golden input A, NearRepeat's defaults but 999 permutations)
a = os.path.join(REPO, "fixtures", "golden", "near_repeat", "A", "input.csv")
inc_a = cs.load_incidents(a, crs="local-m")
t = time.perf_counter()
kx = cs.knox(inc_a, space=[0, 100, 200, 300, 400], time=[0, 7, 14, 21, 28], nrep=999)
t_k = time.perf_counter() - t
print(f"crimescape.knox: {len(inc_a)} events, 999 permutations, manhattan: {t_k:.2f} s "
      f"(R NearRepeat 0.1.1 on the same input: 376.7 s, shared/golden/README.md)")
