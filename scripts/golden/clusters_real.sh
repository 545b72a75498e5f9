#!/bin/sh
# Regenerates fixtures/golden/clusters_real/ (see clusters_real.py). Run from the repository root.
set -eu
DATA=${DATA:-../shared/data/vancouver/vpd_crimes_2020.csv}
VENV=${VENV:-target/golden-venv}
[ -f "$DATA" ] || { echo "no $DATA: nothing to do"; exit 0; }
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q "scikit-learn==1.9.1" pandas
mkdir -p fixtures/golden/clusters_real
"$VENV/bin/python" scripts/golden/clusters_real.py "$DATA" fixtures/golden/clusters_real/vancouver.csv.gz
