#!/usr/bin/env bash
# fuzz.sh - a short libFuzzer run of every parser harness (tests/fuzz/fuzz_*.c),
# with AddressSanitizer and UBSan, from the seed corpus in tests/fuzz/corpus/.
# Inputs that once crashed live in tests/fuzz/regressions/<name>/ and are
# replayed first.  PAS_FUZZ_SECONDS per harness (default 10).
# A crash leaves its input in build/fuzz/artifacts/: copy it into
# tests/fuzz/regressions/<name>/ with the fix.
set -u
cd "$(dirname "$0")/../.."
secs="${PAS_FUZZ_SECONDS:-10}"
pass=0 fail=0 skip=0
if ! PAS_EXTRA_DEBS="clang libclang-rt-14-dev libomp-14-dev" jobs/ensure-deps.sh core >/dev/null 2>&1 || ! command -v clang >/dev/null; then
    echo "skipped: clang with libFuzzer (clang, libclang-rt-14-dev, libomp-14-dev) cannot be installed here"
    echo "fuzz: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
mkdir -p build
san="fuzzer-no-link,address,undefined"
mk="make --no-print-directory MPI=0 CC=clang SANITIZE=$san BUILD=build/fuzz BINDIR=build/fuzz/bin"
if ! $mk -j"$(nproc)" lib >build/fuzz-build.log 2>&1; then
    echo "  FAIL  the fuzzing build (clang, MPI=0) of libpas failed:"
    tail -n 20 build/fuzz-build.log
    echo "fuzz: 0 passed, 1 failed, 0 skipped"
    exit 1
fi
cppflags=$($mk -s print-PAS_CPPFLAGS)
layer=$($mk -s print-MPI_LAYER_OBJS)
ldlibs=$($mk -s print-PAS_LDLIBS | sed "s/-fsanitize=$san//")
mkdir -p build/fuzz/artifacts
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    bin=build/fuzz/fuzz_$name
    if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $cppflags \
        -fopenmp "$src" $layer build/fuzz/libpas.a $ldlibs -o "$bin" 2>build/fuzz/$name.log; then
        echo "  FAIL  fuzz_$name does not build:"; tail -n 5 build/fuzz/$name.log
        fail=$((fail + 1)); continue
    fi
    if [ -d tests/fuzz/regressions/$name ] && ls tests/fuzz/regressions/$name/* >/dev/null 2>&1; then
        if "$bin" tests/fuzz/regressions/$name/* >build/fuzz/$name.regress.log 2>&1; then
            pass=$((pass + 1)); echo "  ok    fuzz_$name: $(ls tests/fuzz/regressions/$name | wc -l) regression inputs replayed"
        else
            fail=$((fail + 1)); echo "  FAIL  fuzz_$name: a regression input crashes again"; tail -n 15 build/fuzz/$name.regress.log
        fi
    fi
    work=build/fuzz/corpus/$name
    mkdir -p "$work"
    cp -n tests/fuzz/corpus/$name/* "$work"/ 2>/dev/null
    if "$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -max_len=4096 \
        -artifact_prefix=build/fuzz/artifacts/${name}- "$work" >build/fuzz/$name.run.log 2>&1; then
        pass=$((pass + 1))
        echo "  ok    fuzz_$name: $(grep -o 'Done [0-9]* runs' build/fuzz/$name.run.log | tail -n 1) in ${secs}s"
    else
        fail=$((fail + 1))
        echo "  FAIL  fuzz_$name found a crash (input in build/fuzz/artifacts/):"
        grep -E 'ERROR|SUMMARY|artifact' build/fuzz/$name.run.log | head -n 8 | sed 's/^/        /'
    fi
done
echo "fuzz: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
