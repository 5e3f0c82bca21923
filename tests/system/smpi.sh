#!/usr/bin/env bash
# smpi.sh - a 64-rank simulated-cluster smoke test (SimGrid SMPI).
#
# Installs libsimgrid-dev when missing (as root), builds the programs with
# smpicc (jobs/smpi/build.sh into build/smpi), and runs each verified program at
# 64 simulated ranks: pas-scan on the flat cluster, sample sort on the fat
# tree, SUMMA on the flat cluster (each when built), and the multi-level sort
# (ams) at 256 ranks with 3 levels on the fat tree, checking for its PASS row
# (smpirun's exit status misses MPI_Abort), and the sort's compute model. A
# module that does not compile with smpicc is a failure. Last line:
# "smpi: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "  ok    $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL  $*"; }
finish() {
    echo "smpi: $pass passed, $fail failed, $skip skipped"
    [ $fail = 0 ]
    exit
}
start=$(date +%s)

if ! command -v smpicc >/dev/null 2>&1 || ! command -v smpirun >/dev/null 2>&1; then
    why=""
    if [ "$(id -u)" != 0 ]; then
        why="not root (install with: sudo apt-get install -y libsimgrid-dev)"
    elif ! command -v apt-get >/dev/null; then
        why="no apt-get on this system"
    else
        echo "smpi: installing libsimgrid-dev"
        export DEBIAN_FRONTEND=noninteractive
        if ! apt-get install -y -qq libsimgrid-dev >/tmp/pas-smpi-apt.log 2>&1; then
            apt-get update -qq >/dev/null 2>&1
            apt-get install -y -qq libsimgrid-dev >/tmp/pas-smpi-apt.log 2>&1 ||
                why="apt-get install failed: $(tail -n 1 /tmp/pas-smpi-apt.log)"
        fi
    fi
    if [ -n "$why" ] || ! command -v smpirun >/dev/null 2>&1; then
        echo "skipped: cannot install libsimgrid-dev: ${why:-smpirun still missing}"
        skip=1
        finish
    fi
fi

build="${PAS_SMPI_BUILD:-build/smpi}"
out=$(PAS_SMPI_BUILD="$build" jobs/smpi/build.sh 2>&1)
rc=$?
echo "$out" | sed 's/^/  /'
if [ $rc != 0 ]; then
    bad "make smpi (smpicc build): see $build/build.log"
    finish
elif echo "$out" | grep -q 'left out'; then
    bad "make smpi: a module does not compile with smpicc (above)"
else
    ok "make smpi: the same sources built with smpicc ($(( $(date +%s) - start ))s)"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
sim() { # WHAT PLATFORM PROGRAM ARGS... : $SIM_NP (64) simulated ranks, a PASS row expected
    local what="$1" plat="$2" prog="$3" np="${SIM_NP:-64}"
    shift 3
    if [ ! -x "$build/bin/$prog" ]; then
        skip=$((skip + 1))
        echo "  skip  $what: $prog is not built"
        return
    fi
    local t0=$(date +%s)
    jobs/smpi/smpi-run.sh -n "$np" -p "$plat" -t 120 "$build/bin/$prog" "$@" --quiet >"$log" 2>&1
    local rc=$? row
    row=$(grep -E "^$prog .* ${np}x1 .*PASS" "$log" | grep -E "${SIM_ROW:-.}")
    if [ $rc = 0 ] && [ -n "$row" ]; then
        ok "$what: $np ranks on the $plat platform, simulated $(sed -n 's/.*Simulated time: \([0-9.e+-]*\) seconds.*/\1/p' "$log")s in $(( $(date +%s) - t0 ))s"
    else
        bad "$what (exit $rc):"
        tail -n 8 "$log" | sed 's/^/        /'
    fi
}
sim "pas-scan" flat pas-scan --n 4M --reps 2
sim "sample sort" fattree pas-sort --algo sample --n 2M --reps 1 --warmup 0
SIM_NP=256 SIM_ROW="levels=3 " sim "ams sort, 3 levels" fattree pas-sort --algo ams --levels 3 --n 4M --reps 1 --warmup 0
sim "SUMMA" flat pas-matmul --algo summa --m 512 --n 512 --k 512 --peak-seconds 0 --reps 1 --warmup 0

# The sort's compute model (PAS_SMPI_KEYRATE, PAS_SMPI_MERGERATE; scale-sim.sh
# sets them): at 1 million keys per second, with all other compute free, each
# rank's local sort of 16K keys alone lasts 16 ms simulated; unmodelled, the
# whole run takes a few ms.
if [ -x "$build/bin/pas-sort" ]; then
    PAS_SMPI_KEYRATE=1 PAS_SMPI_MERGERATE=1 PAS_SMPI_CFG=--cfg=smpi/simulate-computation:no \
        jobs/smpi/smpi-run.sh -n 64 -p flat -t 120 "$build/bin/pas-sort" --algo ams --n 1M --reps 1 --warmup 0 \
        --quiet >"$log" 2>&1
    rc=$?
    st=$(sed -n 's/.*Simulated time: \([0-9.e+-]*\) seconds.*/\1/p' "$log")
    if [ $rc = 0 ] && grep -q ' PASS' "$log" && awk -v t="${st:-0}" 'BEGIN { exit !(t >= 0.016) }'; then
        ok "sort compute model: ams at 1 Mkeys/s, simulated ${st}s (>= 0.016)"
    else
        bad "sort compute model (PAS_SMPI_KEYRATE=1): exit $rc, simulated ${st:-?}s, expected a PASS and >= 0.016 s:"
        tail -n 5 "$log" | sed 's/^/        /'
    fi
fi

# The verification must still catch a wrong answer under the simulator.
if [ -x "$build/bin/pas-sort" ]; then
    jobs/smpi/smpi-run.sh -n 64 -p flat -t 120 "$build/bin/pas-sort" --algo sample --n 1M --reps 1 --warmup 0 \
        --corrupt drop --quiet >"$log" 2>&1
    rc=$?
    if [ $rc != 0 ] && grep -q 'FAIL' "$log" && ! grep -q ' PASS' "$log"; then
        ok "a corrupted sort FAILs under the simulator too (exit $rc)"
    else
        bad "pas-sort --corrupt drop under SMPI: exit $rc, no FAIL:"
        tail -n 5 "$log" | sed 's/^/        /'
    fi
fi
echo "smpi: finished in $(( $(date +%s) - start ))s"
finish
