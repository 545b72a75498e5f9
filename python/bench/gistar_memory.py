"""crimescape.gi_star on the 160,000-cell grid of scripts/bench/python_gistar.py (same
seeded data): the file path (out_dir=: the CLI's CSV/GeoJSON/PNG written and read back)
against the in-memory path (the default: numpy columns, no file), alternately in one
process, the two frames asserted identical. Figures in BENCHMARKS.md (Python module).

    pip install ./python && python python/bench/gistar_memory.py
"""

import tempfile
import time

import numpy as np
import pandas as pd

import crimescape as cs

N_SIDE, CELL = 400, 100.0
rng = np.random.default_rng(7)
n = 200_000
side = N_SIDE * CELL
u = rng.uniform(0, side, size=(n // 2, 2))
centres = rng.uniform(0.1 * side, 0.9 * side, size=(40, 2))
h = centres[rng.integers(0, 40, n // 2)] + rng.normal(0, 300, size=(n // 2, 2))
xy = np.clip(np.vstack([u, h]), 0.5, side - 0.5)
xy[0], xy[1] = (0.5, 0.5), (side - 0.5, side - 0.5)
df = pd.DataFrame({"x": 500000.0 + xy[:, 0], "y": 4000000.0 + xy[:, 1]})
inc = cs.load_incidents(df, crs="EPSG:32618", keep_outliers=True)
for perms in (999, 0):
    for rep in range(2):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter(); a = cs.gi_star(inc, cell=CELL, permutations=perms, seed=1, out_dir=d); tf = time.perf_counter() - t
        t = time.perf_counter(); b = cs.gi_star(inc, cell=CELL, permutations=perms, seed=1); tm = time.perf_counter() - t
        assert len(b) == N_SIDE * N_SIDE
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")), check_exact=True)
        print(f"permutations={perms}: files (out_dir) {tf:.2f} s, in memory {tm:.2f} s", flush=True)
