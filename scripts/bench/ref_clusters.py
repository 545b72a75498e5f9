#!/usr/bin/env python3
"""Reference side of scripts/bench/clusters.sh: one clustering run of a reference tool on
the CSV that crimescape reads (columns id,x,y,date; x, y in metres).

    ref_clusters.py TOOL CSV LABELS_OUT

TOOL: sklearn-dbscan (eps=100, min_samples=10), sklearn-hdbscan (min_cluster_size=25,
defaults otherwise: min_samples=25 counting the point itself), hdbscan-boruvka (the hdbscan
library, min_cluster_size=25, min_samples=24, which is the same core distance as
scikit-learn's 25 since the library counts without the point itself; algorithm
boruvka_kdtree, core_dist_n_jobs=2). Prints one JSON line (tool, n, clusters, noise, seconds
of the clustering call alone) and writes the labels (-1 = noise), one per row.
"""
import json
import sys
import time

import numpy as np
import pandas as pd

tool, path, out = sys.argv[1:4]
xy = pd.read_csv(path, usecols=["x", "y"]).to_numpy(dtype=np.float64)
t0 = time.perf_counter()
if tool == "sklearn-dbscan":
    from sklearn.cluster import DBSCAN

    labels = DBSCAN(eps=100.0, min_samples=10).fit(xy).labels_
elif tool == "sklearn-hdbscan":
    from sklearn.cluster import HDBSCAN

    labels = HDBSCAN(min_cluster_size=25).fit(xy).labels_
elif tool == "hdbscan-boruvka":
    import hdbscan

    labels = hdbscan.HDBSCAN(
        min_cluster_size=25,
        min_samples=24,
        algorithm="boruvka_kdtree",
        core_dist_n_jobs=2,
    ).fit(xy).labels_
else:
    sys.exit(f"unknown tool {tool}")
secs = time.perf_counter() - t0
np.savetxt(out, labels, fmt="%d")
print(
    json.dumps(
        {
            "tool": tool,
            "n": int(len(xy)),
            "clusters": int(labels.max() + 1),
            "noise": int((labels < 0).sum()),
            "seconds": round(secs, 3),
        }
    )
)
