#!/usr/bin/env python3
"""Copy a small slice of ../shared/golden/aoristic (R package aoristic 1.1.1 on
R 4.2.2; recipe and conventions in that folder's README.md) into
fixtures/golden/aoristic, so the parity tests run without ../shared.

Verbatim copies: input.csv, input_cases.csv, totals.csv, quirk_all_midnight_input.csv.
Sparse slices (id,hour,value; value text copied verbatim, zero cells left out,
hour `all` for a row holding the same value in all 168 cells, hour 0 for an all-zero row):
  weights_slice.csv       up to 4 rows of every case of input_cases.csv
  quirk_all_midnight.csv  all 8 rows of quirk_all_midnight_weights.csv (+ duration)
  r43sim_changed.csv      all 24 rows of weights_168_r43sim_changed.csv (+ duration)
Usage: python3 scripts/golden/aoristic_slice.py ../shared/golden/aoristic fixtures/golden/aoristic
"""
import csv
import os
import shutil
import sys

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for f in ("input.csv", "input_cases.csv", "totals.csv", "quirk_all_midnight_input.csv"):
    shutil.copyfile(os.path.join(src, f), os.path.join(dst, f))

cases = {}
with open(os.path.join(src, "input_cases.csv"), newline="") as fh:
    for r in csv.DictReader(fh):
        cases.setdefault(r["case"], []).append(r["id"])
keep = {i for ids in cases.values() for i in ids[:4]}


def sparse(name, out, extra, pick=None):
    with open(os.path.join(src, name), newline="") as fh:
        rd = csv.reader(fh)
        header = next(rd)
        with open(os.path.join(dst, out), "w", newline="") as oh:
            w = csv.writer(oh, lineterminator="\n")
            w.writerow(["id", "duration", "hour", "value"] if extra else ["id", "hour", "value"])
            for r in rd:
                if pick is not None and r[0] not in pick:
                    continue
                vals = r[1 + extra:]
                if vals[0] != "0" and all(v == vals[0] for v in vals):
                    # the uniform 1/168 rows: one line, hour "all"
                    w.writerow([r[0], r[1], "all", vals[0]] if extra else [r[0], "all", vals[0]])
                    continue
                for k, v in enumerate(vals):
                    if v != "0":
                        w.writerow([r[0], r[1], k + 1, v] if extra else [r[0], k + 1, v])
                if all(v == "0" for v in vals):
                    # keep all-zero rows visible
                    w.writerow([r[0], r[1], 0, "0"] if extra else [r[0], 0, "0"])


sparse("weights_168.csv", "weights_slice.csv", 0, keep)
sparse("quirk_all_midnight_weights.csv", "quirk_all_midnight.csv", 1)
sparse("weights_168_r43sim_changed.csv", "r43sim_changed.csv", 1)
