#!/usr/bin/env bash
# crimescape.gi_star vs esda.G_Local (999 permutations, 160k cells) and crimescape.knox
# on 2,000 events, from one Python process (BENCHMARKS.md, "Python module").
#
#   scripts/bench/python_gistar.sh            # venv in /tmp/crimescape-bench-venv
#   VENV=... MATURIN_PEP517_ARGS="--profile ci" scripts/bench/python_gistar.sh
#
# Builds the wheel with the release profile unless MATURIN_PEP517_ARGS says otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-/tmp/crimescape-bench-venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "esda==2.9.0" "libpysal==4.14.1" numba pandas numpy
"$VENV/bin/python" -m pip install -q ./python
"$VENV/bin/python" scripts/bench/python_gistar.py "$@"
