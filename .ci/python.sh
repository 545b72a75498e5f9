#!/usr/bin/env bash
# CI stage of the Python module (issue 15): the binding crate's fmt/clippy, then a
# fresh venv with `pip install ./python` (the wheel built by maturin, PEP 517),
# pytest (python/tests) and the quickstart example.
#
# The wheel is built with the `ci` profile of python/Cargo.toml (no LTO, 16 codegen
# units, opt-level 2) through MATURIN_PEP517_ARGS: the same code, a shorter build.
# Users' `pip install ./python` builds the release profile.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=never
echo "== python: cargo fmt --check, clippy of the binding crate (t=${SECONDS}s)"
(cd python && cargo fmt -- --check)
# the root's target dir: the library's check artefacts of `cargo clippy` are reused
(cd python && CARGO_TARGET_DIR="$ROOT/target" cargo clippy --all-targets -- -D warnings)
echo "== python: the CLI to compare with (t=${SECONDS}s)"
cargo build --bin crimescape
export CRIMESCAPE_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/crimescape"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "== python: venv + pip install ./python (t=${SECONDS}s)"
python3 -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install -q --upgrade pip
# geopandas and matplotlib wheels install in ~15 s here: the GeoDataFrame paths are tested
"$PY" -m pip install -q pytest pandas numpy geopandas matplotlib
MATURIN_PEP517_ARGS="--profile ci" "$PY" -m pip install -v ./python 2>&1 \
  | grep -E "Finished|Built wheel|Successfully installed|error" || true
"$PY" -c "import crimescape; print('crimescape', crimescape.__version__)"
echo "== python: pytest (t=${SECONDS}s)"
(cd "$WORK" && "$PY" -m pytest -q "$ROOT/python/tests")
echo "== python: quickstart (t=${SECONDS}s)"
"$PY" examples/python/quickstart.py "$WORK/quickstart" >/dev/null
echo "== python done (t=${SECONDS}s)"
