#!/bin/sh
# National-size ingest (issue 17): generate a data.police.uk-style CSV of N rows over
# England and Wales (examples/national.rs), then time, each under /usr/bin/time -v
# (wall clock, maximum resident set size of the whole process):
#   crimescape info FILE                          (load + summary)
#   crimescape hotspots grid|kde|gistar FILE --cell 500 --extent hull
#   pandas.read_csv(FILE)                         (the reference, in a venv made here)
# Run from the repository root:
#
#     scripts/bench/ingest.sh                       # SIZES="1000000 10000000"
#     SIZES=50000000 HOTSPOTS="grid" scripts/bench/ingest.sh
#
# The CSVs go to $DATA (default /tmp/crimescape-national; ~180 bytes per row: 5*10^7
# rows is ~9 GB, check `df -h /tmp`) and are deleted at the end unless KEEP=1.
# NO_BUILD=1 uses the existing release build; NO_PANDAS=1 skips pandas; HOTSPOTS
# (default "grid kde gistar") picks the hot-spot commands; GISTAR_PERM (default 0)
# the Gi* permutations. Results: $OUT/results.tsv (tool, rows, wall s, peak MB,
# bytes/row = peak RSS / rows). Check `uptime` first: timings are as quiet as the machine.
set -eu
OUT=${OUT:-target/bench-ingest}
VENV=${VENV:-target/bench-venv}
DATA=${DATA:-/tmp/crimescape-national}
SIZES=${SIZES:-"1000000 10000000"}
HOTSPOTS=${HOTSPOTS:-"grid kde gistar"}
GISTAR_PERM=${GISTAR_PERM:-0}
mkdir -p "$OUT" "$DATA"
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin crimescape --example national
BIN=target/release/crimescape
GEN=target/release/examples/national

PANDAS=0
if [ -z "${NO_PANDAS:-}" ]; then
    PANDAS=1
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || PANDAS=0
    [ "$PANDAS" = 0 ] || "$VENV/bin/pip" install -q --only-binary=:all: pandas || PANDAS=0
    [ "$PANDAS" = 1 ] || echo "pandas unavailable: measuring crimescape only" >&2
fi

# measure LABEL CMD...: runs CMD under /usr/bin/time -v; prints "wall_s peak_MB"
measure() {
    log="$OUT/$1.time"
    shift
    /usr/bin/time -v "$@" >"$log.stdout" 2>"$log" || { echo "failed: $*" >&2; tail -5 "$log" >&2; }
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i] }
        /Maximum resident set size/ { m = $2 / 1024 }
        END { printf "%.2f %.0f\n", s, m }' "$log"
}

row() { # tool n "wall peak"
    set -- "$1" "$2" $3
    printf '%s\t%s\t%s\t%s\t%.0f\n' "$1" "$2" "$3" "$4" "$(echo "$4 * 1048576 / $2" | bc -l)" | tee -a "$OUT/results.tsv"
}

printf 'tool\trows\twall_s\tpeak_MB\tbytes_per_row\n' >"$OUT/results.tsv"
for n in $SIZES; do
    f="$DATA/national_$n.csv"
    [ -s "$f" ] || "$GEN" "$n" "$f"
    ls -l "$f" >&2
    row "crimescape info" "$n" "$(measure "info_$n" "$BIN" info "$f")"
    for h in $HOTSPOTS; do
        extra=""
        [ "$h" = gistar ] && extra="--permutations $GISTAR_PERM"
        # shellcheck disable=SC2086
        row "crimescape hotspots $h" "$n" "$(measure "${h}_$n" "$BIN" hotspots "$h" "$f" \
            --cell 500 --extent hull -o "$OUT/${h}_$n" --force $extra)"
    done
    if [ "$PANDAS" = 1 ]; then
        row "pandas read_csv" "$n" "$(measure "pandas_$n" "$VENV/bin/python" -c \
            "import sys, pandas; d = pandas.read_csv(sys.argv[1]); print(len(d))" "$f")"
    fi
    [ -n "${KEEP:-}" ] || rm -f "$f"
done
