#!/usr/bin/env bash
# bench-sort.sh - `make bench-sort`: pas-sort and its peers in one run on the
# same keys (default 1e8 uniform uint64), medians of several repetitions,
# then the table and the ratios the issue asks for.  At 2 ranks pas-sort runs
# three ways: --algo sample, ams (multi-level, --levels auto) and auto, and
# the table ends with their ratios (ams / sample, auto / sample: > 1 faster).
#   PAS_BINDIR (bin), SORT_PEERS (the peer binary), SORT_BENCH_N (1e8),
#   SORT_BENCH_REPS (5), SORT_BENCH_ROUNDS (2), PAS_MPI (1),
#   SORT_BENCH_AMS (extra options of the ams run, e.g. "--levels 2").
# First the local sort (--local radix, what every distributed sort and the
# OpenMP-only build sort with) against Highway's vqsort and IPS4o in one
# process (sort-local-bench, rounds interleaved, medians of per-round ratios):
# 1e8 (SORT_BENCH_N) uniform u64 on 1 thread (pinned with taskset) and on 2,
# then the shared-memory study set (10 distributions x u64 u32 i64 f64) at
# SORT_LOCAL_N (1e7) keys, 1 thread.  SORT_LOCAL_ROUNDS (5); SORT_LOCAL=0
# skips this part, SORT_DISTRIBUTED=0 the distributed part after it.
# Every configuration runs once per round, rounds interleaved, so a change
# in the machine's load hits all of them alike; the table shows the median
# over rounds of each run's median time.
set -u
cd "$(dirname "$0")/../../.."
bindir="${PAS_BINDIR:-bin}"
peers="${SORT_PEERS:-}"
n="${SORT_BENCH_N:-1e8}"
reps="${SORT_BENCH_REPS:-5}"
rounds="${SORT_BENCH_ROUNDS:-2}"
mpi="${PAS_MPI:-1}"
ams_args="${SORT_BENCH_AMS:-}"
localbench="${SORT_LOCAL_BENCH:-}"
local_n="${SORT_LOCAL_N:-1e7}"
local_rounds="${SORT_LOCAL_ROUNDS:-5}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

row() { printf '%-30s %-9s %10s %10s %14s %12s %10s %s\n' "$@"; }

# pas-sort prints one JSON object per result; pull fields out with sed.
field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^,\"}]*\).*/\1/p" "$2" | head -n 1; }

run_pas() { # name ranks threads [algorithm and its options; default sample]
    local f="$out/$1" name="$1" r="$2" t="$3"
    shift 3
    local algo=(--algo sample)
    [ $# -gt 0 ] && algo=("$@")
    if [ "$r" -gt 1 ] || [ "$mpi" = 1 ]; then
        jobs/pas-launch -n "$r" -t 900 "$bindir/pas-sort" --n "$n" "${algo[@]}" --threads "$t" \
            --reps "$reps" --warmup 1 --json >"$f" 2>"$f.err"
    else
        "$bindir/pas-sort" --n "$n" "${algo[@]}" --threads "$t" --reps "$reps" --warmup 1 --json >"$f" 2>"$f.err"
    fi
    set -- "$name" "$r" "$t"
    local med rate verdict sent rss
    med=$(field t_median "$f")
    rate=$(field rate "$f")
    verdict=$(field verdict "$f")
    sent=$(field sent_per_rank_max_mb "$f")
    rss=$(field peak_rss_max_mb "$f")
    med=$(awk -v x="${med:-0}" 'BEGIN{printf "%.4f", x}')
    rate=$(awk -v x="${rate:-0}" 'BEGIN{printf "%.2f", x}')
    echo "$1 $2 $3 $med $rate ${sent:-0} ${rss:-0} ${verdict:-FAIL}" >>"$out/table"
}

run_peer() { # peer
    [ -x "$peers" ] || return 0
    local line
    line=$("$peers" --peer "$1" --n "$n" --threads 2 --reps "$reps" 2>&1) || { echo "  $1: $line"; return 0; }
    local med rate rss ok
    med=$(echo "$line" | sed -n 's/.*median_s=\([0-9.]*\).*/\1/p')
    rate=$(echo "$line" | sed -n 's/.*mkeys_s=\([0-9.]*\).*/\1/p')
    rss=$(echo "$line" | sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p')
    ok=$(echo "$line" | sed -n 's/.*verified=\([a-z]*\).*/\1/p')
    echo "peer:$1 1 2 $med $rate 0 $(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}') $([ "$ok" = yes ] && echo PASS || echo FAIL)" >>"$out/table"
}

# ---- the local sort against vqsort and IPS4o -------------------------------
if [ "${SORT_LOCAL:-1}" != 0 ]; then
    if [ -x "$localbench" ]; then
        pin=()
        command -v taskset >/dev/null && pin=(taskset -c 0)
        echo "bench-sort local: pas --local radix vs vqsort (hwy::Sorter) and IPS4o, one process, $local_rounds interleaved rounds"
        echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), $(nproc) cores, $(date -u +%FT%TZ)"
        "${pin[@]}" "$localbench" --n "$n" --threads 1 --rounds "$local_rounds" --types u64 --dists uniform |
            tee "$out/local1"
        "$localbench" --n "$n" --threads 2 --rounds "$local_rounds" --types u64 --dists uniform |
            tee "$out/local2"
        "${pin[@]}" "$localbench" --n "$local_n" --threads 1 --rounds "$local_rounds" | tee "$out/localset"
        echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
        # "| pas-radix/vqsort R": the median over rounds of t_vqsort / t_pas
        ratio() { sed -n "s#.*| $1 \([0-9.]*\).*#\1#p" "$2" | head -n 1; }
        r1=$(ratio pas-radix/vqsort "$out/local1")
        r2=$(ratio pas-radix/vqsort "$out/local2")
        sp=$(ratio pas-radix/pas-radix-1thread "$out/local2")
        [ -n "$r1" ] && echo "pas / vqsort, 1 thread, uniform u64: ${r1}x   (target >= 1.2x)"
        [ -n "$r2" ] && echo "pas / vqsort over a one-pass partition, 2 threads: ${r2}x"
        [ -n "$sp" ] && echo "pas 2 threads / pas 1 thread: ${sp}x   (target >= 1.8x)"
        sed -n 's/.*| pas-radix\/vqsort \([0-9.]*\).*/\1/p' "$out/localset" | awk '
            { n++; if ($1 >= 1.0) ok++; if (min == "" || $1 < min) min = $1 }
            END { if (n) printf "pas / vqsort over the study set: %d of %d inputs >= 1.0x, lowest %.2fx   (target: all)\n", ok, n, min }'
        grep -q "^FAIL" "$out/local1" "$out/local2" "$out/localset" && { echo "bench-sort: a local sort FAILED its check"; exit 1; }
    else
        echo "bench-sort local: sort-local-bench not built (g++ missing?); local part skipped"
    fi
    echo
fi
[ "${SORT_DISTRIBUTED:-1}" = 0 ] && exit 0

echo "bench-sort: n=$n uniform uint64, $rounds rounds x $reps timed repetitions each (median), $(nproc) cores, $(date -u +%FT%TZ)"
echo "note: the machine may be shared; compare ratios from the same run, not absolute rates across runs"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
for round in $(seq 1 "$rounds"); do
    run_pas "pas-2threads" 1 2
    if [ "$mpi" = 1 ]; then
        run_pas "pas-2ranks-x-1thread" 2 1
        # shellcheck disable=SC2086 # ams_args: words on purpose
        run_pas "pas-ams-2ranks-x-1thread" 2 1 --algo ams $ams_args
        run_pas "pas-auto-2ranks-x-1thread" 2 1 --algo auto
    fi
    for p in gnu tbb boost; do run_peer "$p"; done
done
[ "$mpi" = 1 ] || echo "  (OpenMP-only build: no 2-rank run)"
[ -x "$peers" ] || echo "  (peer harness not built: g++ missing?)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
cp "$out/table" "$out/all"
# one line per configuration: the median over rounds (by time)
sort -k1,1 -k4,4g "$out/table" | awk '
    { k = $1; c[k]++; line[k, c[k]] = $0; if (!(k in order)) { order[k] = ++no; names[no] = k } }
    END { for (i = 1; i <= no; i++) { k = names[i]; print line[k, int((c[k] + 1) / 2)] } }' >"$out/median"
# keep the order of first appearance
awk 'NR == FNR { m[$1] = $0; next } !seen[$1]++ { print m[$1] }' "$out/median" "$out/table" >"$out/final"
mv "$out/final" "$out/table"

echo
row "sort" "ranksxthr" "median(s)" "Mkeys/s" "sent/rank(MB)" "peakRSS(MB)" "RSS/input" "verdict"
input_mb=$(awk -v n="$n" 'BEGIN{printf "%.1f", n*8/1e6}')
while read -r name r t med rate sent rss verdict; do
    per_rank=$(awk -v i="$input_mb" -v r="$r" 'BEGIN{printf "%.1f", i/r}')
    ratio=$(awk -v m="$rss" -v i="$per_rank" 'BEGIN{ if (i > 0) printf "%.2f", m*1.048576/i; else print "-"}')
    row "$name" "${r}x${t}" "$med" "$rate" "$sent" "$rss" "$ratio" "$verdict"
done <"$out/table"

echo
awk -v input="$input_mb" '
    { rate[$1] = $5 }
    $1 ~ /^peer:/ && $5 > best { best = $5; bestname = $1 }
    END {
        p2 = rate["pas-2threads"]; r2 = rate["pas-2ranks-x-1thread"]
        if (best > 0) printf "pas 2 threads / best peer (%s): %.2fx   (target >= 3x)\n", bestname, p2 / best
        printf "pas 2 threads: %.1f Mkeys/s   (target >= 120)\n", p2
        if (r2 > 0) printf "pas 2 ranks x 1 thread / pas 1 rank x 2 threads: %.2fx   (target >= 0.8x)\n", r2 / p2
        a2 = rate["pas-ams-2ranks-x-1thread"]; u2 = rate["pas-auto-2ranks-x-1thread"]
        if (r2 > 0 && a2 > 0) printf "ams / sample at 2 ranks x 1 thread: %.2fx   (target >= 0.95x)\n", a2 / r2
        if (r2 > 0 && u2 > 0) printf "auto / sample at 2 ranks x 1 thread: %.2fx\n", u2 / r2
    }' "$out/table"
# the same ratios round by round (each round runs every configuration once,
# back to back), and their median: steadier than a ratio of medians when the
# machine's load changes during the run
awk '
    { r = ++seen[$1]; t[$1, r] = $4; if (r > rounds) rounds = r }
    function med(a, n,   i, j, x) {
        for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function per_round(name, label,   r, n, s, line) {
        n = 0; line = ""
        for (r = 1; r <= rounds; r++)
            if (t[name, r] > 0 && t["pas-2ranks-x-1thread", r] > 0) {
                v[++n] = t["pas-2ranks-x-1thread", r] / t[name, r]; line = line sprintf(" %.2f", v[n])
            }
        if (n) printf "%s / sample per round (t_sample / t):%s, median %.2fx\n", label, line, med(v, n)
    }
    END { per_round("pas-ams-2ranks-x-1thread", "ams"); per_round("pas-auto-2ranks-x-1thread", "auto") }' "$out/all"
grep -h "FAIL" "$out/all" >/dev/null && { echo "bench-sort: a run FAILED its verification"; exit 1; }
exit 0
