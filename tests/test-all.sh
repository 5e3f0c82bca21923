#!/usr/bin/env bash
# test-all.sh - everything `make test` runs, with one closing line:
# the hybrid build's unit tests and runs at 1-7 ranks, then the same sources
# built OpenMP-only (MPI=0) with their unit tests and single-process runs.
set -u
cd "$(dirname "$0")/.."
export PAS_TEST_TALLY
PAS_TEST_TALLY=$(mktemp)
trap 'rm -f "$PAS_TEST_TALLY"' EXIT
mk="${MAKE:-make}"
status=0
start=$(date +%s)

if [ "${PAS_MPI:-1}" = 1 ]; then
    PAS_BUILD="${PAS_BUILD:-build/mpi}" PAS_BINDIR="${PAS_BINDIR:-bin}" PAS_MPI=1 tests/run-tests.sh || status=1
fi
echo "== building the OpenMP-only variant (MPI=0)"
if $mk --no-print-directory -j"$(nproc)" MPI=0 BINDIR=build/serial/bin all >/tmp/pas-serial-build.log 2>&1; then
    PAS_BUILD=build/serial PAS_BINDIR=build/serial/bin PAS_MPI=0 tests/run-tests.sh || status=1
else
    echo "  FAIL  the OpenMP-only build (make MPI=0) failed:"
    tail -n 20 /tmp/pas-serial-build.log | sed 's/^/        /'
    echo "0 1 0" >>"$PAS_TEST_TALLY"
    status=1
fi

read -r p f s < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$PAS_TEST_TALLY")
echo
echo "make test finished in $(( $(date +%s) - start ))s"
echo "$p passed, $f failed, $s skipped"
exit $status
