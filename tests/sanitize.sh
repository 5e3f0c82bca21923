#!/usr/bin/env bash
# sanitize.sh - the tests again under sanitizers (CI runs this after make test).
#
#  1. AddressSanitizer + UndefinedBehaviorSanitizer, hybrid MPI build
#     (make SANITIZE=address,undefined): unit tests and every case up to
#     PAS_SAN_MAX_NP ranks (default 4).  Leak checking is off for MPI runs:
#     Open MPI keeps allocations past MPI_Finalize.
#  2. ThreadSanitizer, OpenMP-only build with clang and LLVM's OpenMP runtime
#     (make MPI=0 CC=clang SANITIZE=thread), whose Archer tool tells TSan
#     about OpenMP's synchronisation (GCC's libgomp does not, and gives false
#     reports): every single-process case.  Criterion itself cannot run under
#     TSan, so the unit tests are covered by step 1.
# Any sanitizer report fails the run (halt_on_error / exitcode).
set -u
cd "$(dirname "$0")/.."
export PAS_TEST_TALLY
PAS_TEST_TALLY=$(mktemp)
trap 'rm -f "$PAS_TEST_TALLY"' EXIT
mkdir -p build
status=0
jobs=$(nproc 2>/dev/null || echo 2)
# Sanitized runs are slower: give each case more time.
export PAS_TEST_TIMEOUT="${PAS_TEST_TIMEOUT:-240}"

PAS_EXTRA_DEBS="clang libclang-rt-14-dev libomp-14-dev" jobs/ensure-deps.sh core-test || exit 1

echo "== ASan+UBSan build"
if make -j"$jobs" SANITIZE=address,undefined BUILD=build/asan BINDIR=build/asan/bin all >build/asan.log 2>&1; then
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=86 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 \
    PAS_BUILD=build/asan PAS_BINDIR=build/asan/bin PAS_MPI=1 \
    PAS_TEST_FILTER="${PAS_SAN_FILTER:-^[1-${PAS_SAN_MAX_NP:-4}] }" tests/run-tests.sh || status=1
else
    tail -n 20 build/asan.log; echo "0 1 0" >>"$PAS_TEST_TALLY"; status=1
fi

echo "== TSan build (OpenMP only, clang + libomp + Archer)"
archer=$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | head -n 1)
if make -j"$jobs" MPI=0 CC=clang SANITIZE=thread BUILD=build/tsan BINDIR=build/tsan/bin progs tests >build/tsan.log 2>&1; then
    OMP_TOOL_LIBRARIES="$archer" TSAN_OPTIONS="halt_on_error=1:exitcode=88:suppressions=$PWD/tests/tsan.supp" \
    PAS_BUILD=build/tsan PAS_BINDIR=build/tsan/bin PAS_MPI=0 \
    PAS_TEST_FILTER="${PAS_SAN_FILTER:-}" tests/run-tests.sh --cases-only || status=1
else
    tail -n 20 build/tsan.log; echo "0 1 0" >>"$PAS_TEST_TALLY"; status=1
fi

read -r p f s < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$PAS_TEST_TALLY")
echo "sanitizers: $p passed, $f failed, $s skipped"
exit $status
