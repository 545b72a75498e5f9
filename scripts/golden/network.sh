#!/bin/sh
# Golden numbers for crimescape's network module (src/network/) from PySAL spaghetti.
#
#   scripts/golden/network.sh            # writes fixtures/golden/network/*
#   scripts/golden/network.sh --timings  # also times spaghetti (see BENCHMARKS.md)
#
# Makes a scratch venv with spaghetti from PyPI (versions pinned below), then runs
# scripts/golden/network.py. Nothing from spaghetti is copied into the repository:
# only the numbers it computes on a network and points this script generates.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
VENV=${VENV:-/tmp/crimescape-spaghetti-venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "spaghetti==1.7.6" "libpysal==4.14.1" "esda==2.9.0" \
        "geopandas==1.2.0" "shapely==2.2.0" "numpy==2.4.6" "pandas==3.1.1" "scipy==1.17.1" "rtree==1.4.1"
fi
"$VENV/bin/python" "$HERE/network.py" --out "$HERE/../../fixtures/golden/network" "$@"
