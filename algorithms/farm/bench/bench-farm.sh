#!/usr/bin/env bash
# bench-farm.sh - `make bench-farm`: pas-farm against xargs -P and GNU parallel
# on the same task lists, run through a shell by every runner, in one run:
#   null tasks (`true`, FARM_BENCH_NULL, default 10000) and short tasks
#   (`sleep 0.005`, FARM_BENCH_SLEEP, default 2000);
#   pas-farm started directly as on one node (no launcher: one rank), at 1 rank
#   under mpirun (slots = cores) and 2 ranks (cores / 2 slots each),
#   `xargs -P J` and `parallel -j J` (J = cores, at most 2 by default: FARM_BENCH_J);
# each FARM_BENCH_ROUNDS times (default 3) in turn; medians, tasks/s, overhead
# per task (wall * J / tasks - task time), ratios.  Then the library farm's rate
# for empty C callbacks (t_farm --bench, FARM_BENCH_LIB tasks, 1 and 2 ranks).
set -u
cd "$(dirname "$0")/../../.."
bin="${PAS_BINDIR:-bin}"
build="${PAS_BUILD:-build/mpi}"
mpi="${PAS_MPI:-1}"
nnull="${FARM_BENCH_NULL:-10000}"
nsleep="${FARM_BENCH_SLEEP:-2000}"
rounds="${FARM_BENCH_ROUNDS:-3}"
nlib="${FARM_BENCH_LIB:-1000000}"
cores=$(nproc)
j="${FARM_BENCH_J:-$([ "$cores" -ge 2 ] && echo 2 || echo 1)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
yes true | head -n "$nnull" >"$work/null.tasks"
yes 'sleep 0.005' | head -n "$nsleep" >"$work/sleep.tasks"
have_parallel=0
parallel --version 2>/dev/null | grep -q 'GNU parallel' && have_parallel=1
[ $have_parallel = 1 ] || echo "bench-farm: GNU parallel not found (apt-get install parallel): its rows are skipped"

runners="farm0 farm1"
[ "$mpi" = 1 ] && runners="$runners farm2"
runners="$runners xargs"
[ $have_parallel = 1 ] && runners="$runners parallel"

run() { # runner tasks-file -> seconds, or FAIL
    local t0 t1 rc
    t0=$(date +%s.%N)
    case "$1" in
    farm0) "$bin/pas-farm" --tasks "$2" --slots "$j" --quiet >/dev/null 2>"$work/err" ;;
    farm1) jobs/pas-launch -n 1 -t 3600 "$bin/pas-farm" --tasks "$2" --slots "$j" --quiet >/dev/null 2>"$work/err" ;;
    farm2) jobs/pas-launch -n 2 -t 3600 "$bin/pas-farm" --tasks "$2" --slots $(( (j + 1) / 2 )) --quiet >/dev/null 2>"$work/err" ;;
    xargs) tr '\n' '\0' <"$2" | xargs -0 -n 1 -P "$j" sh -c >/dev/null 2>"$work/err" ;;
    parallel) parallel --will-cite -j "$j" <"$2" >/dev/null 2>"$work/err" ;;
    esac
    rc=$?
    t1=$(date +%s.%N)
    [ $rc = 0 ] && echo "$t1 - $t0" | bc -l || echo FAIL
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# The floor a process-per-task runner cannot beat: the same short task run one
# at a time by `xargs -P 1` lasts the sleep plus starting a shell and `sleep`
# (fork, exec, dynamic loading): J divided by that is the rate reachable at J
# at a time with free cores, the "ideal" of J x 200/s less the start cost.
nfloor=$((nsleep < 400 ? nsleep : 400))
head -n "$nfloor" "$work/sleep.tasks" >"$work/floor.tasks"

echo "bench-farm: $nnull null tasks, $nsleep x sleep 0.005, $j at a time, $rounds rounds, $cores cores"
for wl in null sleep; do
    n=$([ $wl = null ] && echo "$nnull" || echo "$nsleep")
    for r in $(seq 1 "$rounds"); do
        [ $wl = sleep ] && { tr '\n' '\0' <"$work/floor.tasks" | (t0=$(date +%s.%N); xargs -0 -n 1 -P 1 sh -c >/dev/null 2>&1; t1=$(date +%s.%N); echo "($t1 - $t0) / $nfloor" | bc -l) >>"$work/floor"; }
        for who in $runners; do
            s=$(run "$who" "$work/$wl.tasks")
            [ "$s" = FAIL ] && { echo "bench-farm: $who failed on $wl: $(tail -n 1 "$work/err")"; continue; }
            echo "$s" >>"$work/$wl.$who"
        done
    done
done
printf '\n%-9s %-18s %10s %11s %14s %12s %12s\n' workload runner 'med(s)' 'tasks/s' 'overhead(ms)' 'vs xargs' 'vs parallel'
for wl in null sleep; do
    n=$([ $wl = null ] && echo "$nnull" || echo "$nsleep")
    task=$([ $wl = null ] && echo 0 || echo 0.005)
    xm=$(median <"$work/$wl.xargs" 2>/dev/null)
    pm=$( [ -f "$work/$wl.parallel" ] && median <"$work/$wl.parallel" || echo nan)
    for who in $runners; do
        [ -f "$work/$wl.$who" ] || continue
        m=$(median <"$work/$wl.$who")
        name=$(case $who in farm0) echo "pas-farm, no mpirun";; farm1) echo "pas-farm 1 rank";; farm2) echo "pas-farm 2 ranks";; xargs) echo "xargs -P $j";; parallel) echo "parallel -j $j";; esac)
        awk -v wl="$wl" -v name="$name" -v m="$m" -v n="$n" -v j="$j" -v task="$task" -v xm="$xm" -v pm="$pm" 'BEGIN {
            printf "%-9s %-18s %10.3f %11.1f %14.3f %11.2fx %11sx\n", wl, name, m, n / m, (m * j / n - task) * 1000,
                   xm / m, pm == "nan" ? "-" : sprintf("%.2f", pm / m) }'
    done
done
echo "(ratios: the peer's median time over this runner's: > 1 means this runner is faster)"
echo "ideal for sleep 0.005 at $j at a time: $(echo "$j * 200" | bc) tasks/s"
fm=$(median <"$work/floor")
sm=$(median <"$work/sleep.farm0" 2>/dev/null || echo nan)
awk -v f="$fm" -v j="$j" -v n="$nsleep" -v sm="$sm" 'BEGIN {
    printf "one at a time (xargs -P 1, %s tasks): %.3f ms per sleep 0.005 task, so at most %.1f tasks/s at %d at a time", "'"$nfloor"'", f * 1000, j / f, j
    if (sm != "nan") printf "; pas-farm (no mpirun) reaches %.0f%% of that", 100 * (n / sm) / (j / f)
    printf "\n" }'
echo
for np in 1 2; do
    [ "$mpi" = 0 ] && [ $np = 2 ] && continue
    jobs/pas-launch -n $np -t 600 "$build/tests/t_farm" --bench "$nlib" --slots 1 --reps "$rounds" 2>&1 | grep -E 'library farm|FAIL|error'
done
