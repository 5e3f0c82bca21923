#!/usr/bin/env bash
# opt-run.sh LABEL PLATFORM RANKS [--cfg=...]...: one sort-ams weak run (64K uint64
# keys per rank) with scale-sim.sh's settings plus the given SimGrid options (given
# after smpi-run.sh's own: they win; the measurements before smpi-run.sh set
# network/crosstraffic:0 and, on flat, network/optim:Full ran without them, later
# ones name every option that differs from SimGrid's defaults); appends
# "label platform ranks wall_s cpu_s t_median simulated_time verdict" to options.tsv here.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
label="$1" plat="$2" p="$3"; shift 3
log="$here/logs/$label-$plat-$p.log"
mkdir -p "$here/logs"
t0=$(date +%s.%N)
TIMEFORMAT=%U+%S
{ time env PAS_SMPI_KEYRATE=94 PAS_SMPI_MERGERATE=216 PAS_SMPI_CLASSIFYRATE=300 \
    PAS_SMPI_CFG="--cfg=smpi/simulate-computation:no $*" \
    nice "$root/jobs/smpi/smpi-run.sh" -n "$p" -p "$plat" -t "${OPT_LIMIT:-1200}" \
    "$root/build/smpi/bin/pas-sort" --algo ams --dist uniform --n $((65536 * p)) \
    --reps 1 --warmup 0 --json --quiet >"$log" 2>&1; } 2>"$log.cpu"
rc=$?
cpu=$(awk -F+ '{ printf "%.1f", $1 + $2 }' "$log.cpu"); rm -f "$log.cpu"
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
tm=$(grep -m1 '^{' "$log" | sed -n 's/.*"t_median":\([^,]*\).*/\1/p')
sim=$(sed -n 's/.*Simulated time: \([0-9.e+-]*\).*/\1/p' "$log" | head -1)
v=$(grep -m1 '^{' "$log" | sed -n 's/.*"verdict":"\([A-Z]*\)".*/\1/p')
[ $rc = 0 ] || v="FAIL($rc)"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$plat" "$p" "$wall" "$cpu" "${tm:-}" "${sim:-}" "${v:-}" "$*" | tee -a "$here/options.tsv"
