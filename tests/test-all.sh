#!/usr/bin/env bash
# test-all.sh - everything `make test` runs, with one closing line:
# the hybrid build's unit tests and runs at 1-7 ranks, then the same sources
# built OpenMP-only (MPI=0) with their unit tests and single-process runs,
# then the checks of the code (tests/tools/) and the whole-system tests.
set -u
cd "$(dirname "$0")/.."
export PAS_TEST_TALLY
PAS_TEST_TALLY=$(mktemp)
syslog=$(mktemp)
all=$(mktemp) # everything printed, for the list of failures at the end
trap 'rm -f "$PAS_TEST_TALLY" "$syslog" "$all"' EXIT
mkdir -p build
mk="${MAKE:-make}"
status=0
start=$(date +%s)

if [ "${PAS_MPI:-1}" = 1 ]; then
    PAS_BUILD="${PAS_BUILD:-build/mpi}" PAS_BINDIR="${PAS_BINDIR:-bin}" PAS_MPI=1 tests/run-tests.sh 2>&1 |
        tee -a "$all"
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi
echo "== building the OpenMP-only variant (MPI=0)"
if $mk --no-print-directory -j"$(nproc)" MPI=0 BINDIR=build/serial/bin all >build/serial-build.log 2>&1; then
    PAS_BUILD=build/serial PAS_BINDIR=build/serial/bin PAS_MPI=0 tests/run-tests.sh 2>&1 | tee -a "$all"
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
else
    echo "  FAIL  the OpenMP-only build (make MPI=0) failed:" | tee -a "$all"
    tail -n 20 build/serial-build.log | sed 's/^/        /'
    echo "0 1 0" >>"$PAS_TEST_TALLY"
    status=1
fi

# Whole-system tests (a real Slurm, simulated clusters) and the checks of the
# code itself (its structure, its format): each script ends with a line
# "WORD: N passed, N failed, N skipped" and exits non-zero on failure; a
# script that cannot run here says so and counts as skipped.
for t in tests/tools/structure.sh tests/tools/format-check.sh tests/system/*.sh; do
    [ -x "$t" ] || continue
    echo "== $(basename "$t")"
    PAS_BUILD="${PAS_BUILD:-build/mpi}" PAS_MPI="${PAS_MPI:-1}" "$t" 2>&1 | tee "$syslog"
    rc=${PIPESTATUS[0]}
    cat "$syslog" >>"$all"
    [ $rc -ne 0 ] && ! grep -q 'FAIL' "$syslog" && echo "  FAIL  $(basename "$t") exited $rc" >>"$all"
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$syslog" | tail -n 1)
    sp=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
    sf=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    ss=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
    [ $rc -ne 0 ] && [ "${sf:-0}" = 0 ] && sf=1
    echo "${sp:-0} ${sf:-0} ${ss:-0}" >>"$PAS_TEST_TALLY"
    [ $rc -ne 0 ] && status=1
done

read -r p f s < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$PAS_TEST_TALLY")
echo
echo "make test finished in $(( $(date +%s) - start ))s"
# The failures again, last, where a log cut to its head and tail still shows them.
if [ $status -ne 0 ]; then
    echo "failures:"
    grep -E '^ *FAIL' "$all" | cut -c1-300
fi
echo "$p passed, $f failed, $s skipped"
exit $status
