#!/usr/bin/env python3
"""ARI between crimescape's labels.csv (column `label`, empty = noise) and a reference
label file (one integer per row, -1 = noise); noise counts as one label, as in the tests.

    ari.py LABELS_CSV REF_LABELS
"""
import sys

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

ours = pd.read_csv(sys.argv[1], usecols=["label"])["label"].fillna(-1).astype(int).to_numpy()
ref = np.loadtxt(sys.argv[2], dtype=int)
print(f"{adjusted_rand_score(ref, ours):.6f}")
