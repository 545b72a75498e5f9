#!/usr/bin/env python3
"""Golden labels of scikit-learn DBSCAN and HDBSCAN on real data (Vancouver VPD 2020).

Recipe (creates its own venv; needs network access to PyPI once):

    scripts/golden/clusters_real.sh

or, with an environment that already has scikit-learn and pandas:

    python3 scripts/golden/clusters_real.py ../shared/data/vancouver/vpd_crimes_2020.csv \
        fixtures/golden/clusters_real/vancouver.csv.gz

Input: the `x`, `y` columns (EPSG:32610 metres) of every row, in file order, parsed as
float64 (the CSV text is the input; crimescape parses the same text to the same doubles).
Output (gzip CSV, one row per input row): `row, dbscan_label, dbscan_core, hdbscan_label`
with -1 = noise, for
  * sklearn.cluster.DBSCAN(eps=100, min_samples=10)   (defaults otherwise)
  * sklearn.cluster.HDBSCAN(min_cluster_size=25)       (defaults otherwise: min_samples=25
    counting the point itself, exact Prim MST, eom, allow_single_cluster=False)
and a JSON summary beside it (versions, counts, timings, and how far scikit-learn moves from
its own labels when the rows are permuted or when tied MST edges are merged in another order:
`row_permutation_ari`, `tie_order_ari`).
"""
import gzip
import json
import platform
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.metrics import adjusted_rand_score


def main(src, dst):
    df = pd.read_csv(src, usecols=["x", "y"], dtype={"x": "float64", "y": "float64"})
    X = df[["x", "y"]].to_numpy(dtype=np.float64, copy=True)
    t0 = time.perf_counter()
    db = DBSCAN(eps=100.0, min_samples=10).fit(X)
    t_db = time.perf_counter() - t0
    core = np.zeros(len(X), dtype=np.int8)
    core[db.core_sample_indices_] = 1
    t0 = time.perf_counter()
    hd = HDBSCAN(min_cluster_size=25, copy=True).fit(X)
    t_hd = time.perf_counter() - t0
    # sklearn against itself under row permutations (tie sensitivity)
    rng = np.random.default_rng(0)
    perm_ari = []
    for _ in range(2):
        p = rng.permutation(len(X))
        lab = HDBSCAN(min_cluster_size=25, copy=True).fit(X[p]).labels_
        back = np.empty_like(lab)
        back[p] = lab
        perm_ari.append(float(adjusted_rand_score(hd.labels_, back)))
    # the same MST with its tied edges merged in other orders (scikit-learn sorts the
    # edge weights with numpy's unstable argsort): the spread any tie rule can expect
    import sklearn.cluster._hdbscan.hdbscan as H
    process = H._process_mst
    tie_ari = {}
    def stable(m):
        return H.make_single_linkage(m[np.argsort(m["distance"], kind="stable")])
    H._process_mst = stable
    tie_ari["stable"] = float(adjusted_rand_score(
        hd.labels_, HDBSCAN(min_cluster_size=25, copy=True).fit(X).labels_))
    rng2 = np.random.default_rng(1)
    tie_ari["random"] = []
    for _ in range(3):
        def shuffled(m):
            return H.make_single_linkage(m[np.lexsort((rng2.random(len(m)), m["distance"]))])
        H._process_mst = shuffled
        tie_ari["random"].append(float(adjusted_rand_score(
            hd.labels_, HDBSCAN(min_cluster_size=25, copy=True).fit(X).labels_)))
    H._process_mst = process
    with gzip.open(dst, "wt", newline="") as f:
        f.write("row,dbscan_label,dbscan_core,hdbscan_label\n")
        for i in range(len(X)):
            f.write(f"{i},{db.labels_[i]},{core[i]},{hd.labels_[i]}\n")
    n_unique = len(np.unique(X, axis=0))
    summary = {
        "input": src,
        "rows": int(len(X)),
        "unique_locations": int(n_unique),
        "dbscan": {"eps": 100.0, "min_samples": 10,
                   "n_clusters": int(db.labels_.max() + 1),
                   "n_noise": int((db.labels_ < 0).sum()), "n_core": int(core.sum()),
                   "seconds": round(t_db, 3)},
        "hdbscan": {"min_cluster_size": 25,
                    "n_clusters": int(hd.labels_.max() + 1),
                    "n_noise": int((hd.labels_ < 0).sum()), "seconds": round(t_hd, 3),
                    "row_permutation_ari": perm_ari,
                    "tie_order_ari": tie_ari},
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "pandas": pd.__version__, "sklearn": sklearn.__version__},
    }
    with open(dst.replace(".csv.gz", ".json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
