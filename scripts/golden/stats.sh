#!/bin/sh
# Golden numbers for crimescape's global autocorrelation, incremental spatial
# autocorrelation, nearest neighbour index, Ripley's K/L and cross-K
# (fixtures/golden/stats/). Makes a scratch venv with pinned reference tools and runs
# scripts/golden/stats.py. Needs python3 (3.11 used) and network access to PyPI.
#   sh scripts/golden/stats.sh            # writes fixtures/golden/stats/*
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV=${VENV:-${TMPDIR:-/tmp}/crimescape-golden-stats}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q \
  esda==2.9.0 libpysal==4.14.1 pointpats==2.5.5 \
  numpy==2.4.6 scipy==1.17.1 pandas==3.1.1 shapely==2.2.0 geopandas==1.2.0
"$VENV/bin/python" "$HERE/stats.py" "$ROOT"
