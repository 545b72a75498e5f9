#!/bin/sh
# Side-by-side wall time and peak memory of `crimescape clusters` and the reference tools
# (scikit-learn DBSCAN / HDBSCAN, the hdbscan library's boruvka_kdtree) on the same
# generated CSV. Run from the repository root:
#
#     scripts/bench/clusters.sh                  # the default cases below
#     CASES="dbscan:1000000" scripts/bench/clusters.sh
#
# A case is METHOD:N[:all]; METHOD is dbscan (eps 100 m, min_samples 10) or hdbscan
# (min_cluster_size 25); `all` makes every row the same point (the duplicate case).
# NO_BUILD=1 uses the existing release build. HDBSCAN_REFS (default "hdbscan-boruvka
# sklearn-hdbscan") picks the HDBSCAN reference tools. REF_MAX (default 100000) is the largest N the reference tools are run on (scikit-learn
# DBSCAN needs ~20 GB and 165 s at 10^6; the hdbscan library 282 s): raise it to run them.
# Creates a venv in $VENV (target/bench-venv) and installs scikit-learn, hdbscan and pandas
# when PyPI is reachable; without them only crimescape is measured. Every run is timed by
# /usr/bin/time -v (wall clock and maximum resident set size of the whole process, reading
# the CSV included); results go to $OUT/results.tsv (tool, case, wall s, peak MB, clusters,
# ARI against the reference where both ran). Check `uptime` first: the timings are only as
# quiet as the machine.
set -eu
OUT=${OUT:-target/bench-clusters}
VENV=${VENV:-target/bench-venv}
CASES=${CASES:-"dbscan:100000 dbscan:1000000 hdbscan:100000 hdbscan:1000000 hdbscan:4000:all"}
REF_MAX=${REF_MAX:-100000}
mkdir -p "$OUT"
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin crimescape --example cluster_points
BIN=target/release/crimescape
GEN=target/release/examples/cluster_points

REF=1
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" || REF=0
fi
if [ "$REF" = 1 ]; then
    "$VENV/bin/pip" install -q --only-binary=:all: scikit-learn hdbscan pandas || REF=0
fi
[ "$REF" = 1 ] || echo "reference tools unavailable: measuring crimescape only" >&2

# measure LABEL CMD...: runs CMD under /usr/bin/time -v; prints "wall_s peak_MB"
measure() {
    log="$OUT/$1.time"
    shift
    /usr/bin/time -v "$@" >"$log.stdout" 2>"$log"
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i] }
        /Maximum resident set size/ { m = $2 / 1024 }
        END { printf "%.2f %.0f\n", s, m }' "$log"
}

printf 'tool\tcase\twall_s\tpeak_MB\tclusters\tari_vs_crimescape\n' >"$OUT/results.tsv"
echo "load: $(uptime)" >"$OUT/conditions.txt"
for c in $CASES; do
    method=${c%%:*}
    rest=${c#*:}
    n=${rest%%:*}
    dup=""
    [ "$rest" != "$n" ] && dup=${rest#*:}
    name="$method-$n${dup:+-$dup}"
    csv="$OUT/points-$n${dup:+-$dup}.csv"
    [ -f "$csv" ] || "$GEN" "$n" "$csv" 7 $dup
    if [ "$method" = dbscan ]; then
        flags="--method dbscan --eps 100 --min-samples 10"
        refs="sklearn-dbscan"
    else
        flags="--method hdbscan --min-cluster-size 25"
        refs=${HDBSCAN_REFS:-"hdbscan-boruvka sklearn-hdbscan"}
    fi
    # shellcheck disable=SC2086
    set -- $(measure "crimescape-$name" "$BIN" clusters "$csv" $flags --quiet --force \
        -o "$OUT/crimescape-$name")
    k=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['n_clusters'])" \
        "$OUT/crimescape-$name/clusters.json" 2>/dev/null || echo "?")
    printf 'crimescape\t%s\t%s\t%s\t%s\t\n' "$name" "$1" "$2" "$k" | tee -a "$OUT/results.tsv"
    [ "$REF" = 1 ] && [ "$n" -le "$REF_MAX" ] || continue
    for tool in $refs; do
        set -- $(measure "$tool-$name" "$VENV/bin/python" scripts/bench/ref_clusters.py \
            "$tool" "$csv" "$OUT/$tool-$name.labels")
        k=$(sed -n 's/.*"clusters": \([0-9]*\).*/\1/p' "$OUT/$tool-$name.time.stdout")
        ari=$("$VENV/bin/python" scripts/bench/ari.py "$OUT/crimescape-$name/labels.csv" \
            "$OUT/$tool-$name.labels")
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$name" "$1" "$2" "$k" "$ari" \
            | tee -a "$OUT/results.tsv"
    done
done
echo "load after: $(uptime)" >>"$OUT/conditions.txt"
