#!/usr/bin/env bash
# scale-sim.sh - weak and strong scaling of sample sort and SUMMA on simulated
# clusters (SimGrid SMPI), up to thousands of ranks, as CSV tables and PNG plots,
# plus the simulator's prediction for 2 ranks against a real 2-rank run here.
#
#   scale-sim.sh [--max RANKS] [--min RANKS] [--platform flat|fattree|both] [--dir DIR] [--quick]
#
#   --max      largest rank count, a power of 2 (default 1024; 4096 fits the platforms)
#   --min      smallest rank count, the baseline of speedup/efficiency (default 64)
#   --platform which simulated cluster(s) (default both)
#   --dir      results (default build/scale-sim): <platform>/scaling.csv and .png,
#              compare-2ranks.csv, and summary.txt with the efficiency tables
#   --quick    small sizes (a check of the script, not a study)
#   --only S   one study: sort, summa or scan (default: sort and summa)
# Programs come from `make smpi` (build/smpi/bin, or PAS_SMPI_BINDIR) and, for
# the 2-rank comparison, the normal build (bin/, or PAS_BINDIR). Without
# pas-sort or pas-matmul the study uses pas-scan and says so.
# Sizes: sort strong 16M keys, weak 16K keys per rank; SUMMA strong n=4096,
# weak n = 2048 (p/64)^(1/3) (constant flops per rank); scan strong 64M, weak 1M per rank.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
maxp=1024 minp=64 plats="flat fattree" dir="$root/build/scale-sim" quick=0 only=""
while [ $# -gt 0 ]; do
    case "$1" in
    --max) maxp="$2"; shift 2 ;;
    --min) minp="$2"; shift 2 ;;
    --platform) plats="$2"; [ "$plats" = both ] && plats="flat fattree"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scale-sim.sh: unknown argument '$1'; see --help" >&2; exit 2 ;;
    esac
done
. "$root/jobs/scale/scale-lib.sh"
sbin="${PAS_SMPI_BINDIR:-$root/build/smpi/bin}"
rbin="${PAS_BINDIR:-$root/bin}"
[ -x "$sbin/pas-scan" ] || { echo "scale-sim.sh: $sbin has no SimGrid build; run 'make smpi' first" >&2; exit 2; }
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)
summary="$dir/summary.txt"
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }

# Each study: NAME PROGRAM FIXED-ARGS SIZE-OPTS STRONG-SIZE WEAK-SIZE-AT-MIN WEAK-ROOT
studies=()
if [ -x "$sbin/pas-sort" ]; then
    studies+=("sort|pas-sort|--algo sample --dist uniform --reps 1 --warmup 0|--n|16M|$((16384 * minp))|1")
else
    say "note: pas-sort is not in $sbin: no sample sort study (pas-scan stands in)"
fi
if [ -x "$sbin/pas-matmul" ]; then
    studies+=("summa|pas-matmul|--algo summa --peak-seconds 0 --reps 1 --warmup 0|--m --n --k|4096|2048|3")
else
    say "note: pas-matmul is not in $sbin: no SUMMA study (pas-scan stands in)"
fi
[ ${#studies[@]} = 2 ] || studies+=("scan|pas-scan|--reps 1 --warmup 0|--n|64M|$((1000000 * minp))|1")
if [ $quick = 1 ]; then
    for i in "${!studies[@]}"; do
        IFS='|' read -r name prog fixed opts strong weak wroot <<<"${studies[$i]}"
        case "$name" in sort) strong=1M weak=$((4096 * minp)) ;; summa) strong=512 weak=256 ;; scan) strong=4M weak=$((65536 * minp)) ;; esac
        studies[$i]="$name|$prog|$fixed|$opts|$strong|$weak|$wroot"
    done
fi
if [ -n "$only" ]; then
    kept=()
    for st in "${studies[@]}"; do [ "${st%%|*}" = "$only" ] && kept+=("$st"); done
    [ ${#kept[@]} -gt 0 ] || { echo "scale-sim.sh: --only '$only': no such study here" >&2; exit 2; }
    studies=("${kept[@]}")
fi
ranks=""
for ((p = minp; p <= maxp; p *= 2)); do ranks="$ranks $p"; done

failed=0
for plat in $plats; do
    pdir="$dir/$plat"
    mkdir -p "$pdir/raw"
    if [ -n "$only" ]; then rm -f "$pdir"/raw/*-"$only"-*.json; else rm -f "$pdir"/raw/*.json; fi
    for st in "${studies[@]}"; do
        IFS='|' read -r name prog fixed opts strong weak wroot <<<"$st"
        for mode in strong weak; do
            for p in $ranks; do
                size=$strong
                [ $mode = weak ] && size=$(PAS_SCALE=weak PAS_SIZE=$weak PAS_BASE_CORES=$minp PAS_WEAK_ROOT=$wroot \
                    PAS_SIZE_OPTS=--x scale_size_args "$p" 1 | tail -n 1)
                args=()
                for o in $opts; do args+=("$o" "$size"); done
                t0=$(date +%s)
                out="$pdir/raw/$mode-$name-$p.json"
                "$here/smpi-run.sh" -n "$p" -p "$plat" -t 3600 "$sbin/$prog" $fixed "${args[@]}" --json --quiet \
                    >"$pdir/raw/$mode-$name-$p.log" 2>&1
                rc=$?
                grep '^{' "$pdir/raw/$mode-$name-$p.log" | scale_tag "$mode" "$p" 1 >"$out"
                wall=$(( $(date +%s) - t0 ))
                sim=$(sed -n 's/.*Simulated time: \([0-9.e+-]*\) seconds.*/\1/p' "$pdir/raw/$mode-$name-$p.log")
                verdict=$(scale_field verdict <"$out")
                printf '%-8s %-6s %-6s %5d ranks  %-14s simulated %-10s wall %4ss  %s\n' "$plat" "$name" "$mode" "$p" \
                    "${opts%% *} $size" "${sim:-?}s" "$wall" "${verdict:-FAIL (exit $rc)}"
                if [ $rc != 0 ] || [ "$verdict" != PASS ]; then
                    failed=1
                    tail -n 5 "$pdir/raw/$mode-$name-$p.log" | sed 's/^/    /'
                fi
            done
        done
    done
    say ""
    say "== $plat: efficiency against $minp ranks (one simulated host per rank, 1 thread)"
    "$here/../scale/collect.sh" "$pdir" >"$pdir/collect.log" 2>&1 || failed=1
    awk -F, 'NR > 1 { printf "%-7s %-11s %-10s %6d ranks  %-28s t_med %-12s speedup %-8s efficiency %s\n", $1, $2, $3, $6, $7, $9, $13, $14 }' \
        "$pdir/scaling.csv" | tee -a "$summary"
    grep '^plot' "$pdir/collect.log"
done

# The prediction for 2 ranks (this machine as a 2-host platform) against a real run.
say ""
say "== 2 ranks: simulated (platform local-2: this machine's 2 cores) vs real (jobs/pas-launch -n 2, 1 thread per rank)"
cmp_csv="$dir/compare-2ranks.csv"
echo "program,algorithm,size,simulated_t_median,real_t_median,sim_over_real" >"$cmp_csv"
for st in "${studies[@]}"; do
    IFS='|' read -r name prog fixed opts strong weak wroot <<<"$st"
    [ -x "$rbin/$prog" ] || { say "  $prog: not in $rbin (the MPI build), no real run to compare"; continue; }
    size=$strong
    [ $quick = 1 ] || case "$name" in sort) size=4M ;; summa) size=2048 ;; esac
    args=()
    for o in $opts; do args+=("$o" "$size"); done
    fixed2=${fixed/--reps 1/--reps 5}
    sim=$("$here/smpi-run.sh" -n 2 -p local "$sbin/$prog" $fixed2 "${args[@]}" --json --quiet 2>&1 | grep '^{' | scale_field t_median)
    real=$(OMP_NUM_THREADS=1 "$root/jobs/pas-launch" -n 2 -t 600 "$rbin/$prog" $fixed2 "${args[@]}" --threads 1 --json --quiet 2>/dev/null |
        grep '^{' | scale_field t_median)
    ratio=$(awk -v s="${sim:-0}" -v r="${real:-0}" 'BEGIN { if (r > 0 && s > 0) printf "%.3f", s / r; else print "n/a" }')
    echo "$prog,$name,${opts%% *} $size,$sim,$real,$ratio" >>"$cmp_csv"
    say "  $(printf '%-11s %-6s %-12s simulated %-12s real %-12s simulated/real %s' "$prog" "$name" "${opts%% *}=$size" "${sim:-?}s" "${real:-?}s" "$ratio")"
done
say ""
say "tables: $dir/*/scaling.csv, plots: $dir/*/scaling.png, 2-rank comparison: $cmp_csv"
exit $failed
