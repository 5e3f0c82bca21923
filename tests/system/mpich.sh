#!/usr/bin/env bash
# mpich.sh - pas with a second MPI (issue 11): built with MPICH, as users of
# Cray MPICH, Intel MPI or MVAPICH build it, with warnings as errors, in its
# own directory (build/mpich, beside the Open MPI build); then its unit tests
# and the multi-rank cases at 1 to 4 ranks, launched by jobs/pas-launch, which
# must pick mpiexec.mpich for these programs.
#
# Which cases: every line of tests/cases/*.cases with NP <= 4 (PAS_MPICH_CASES
# and PAS_MPICH_MAX_NP change that): 193 runs, the 24 at 7 ranks skipped (the
# Open MPI pass runs them).  MPICH 4's ch4 device busy-polls, and pas's MPICH
# build yields instead when oversubscribed (algorithms/core/mpi_yield.c).
# Measured on a 2-core machine shared with five other jobs (load ~17): 15 min
# in all, 54 s of build and 818 s of runs.
#
# Installs Debian's mpich and libmpich-dev as root when missing; skips with a
# message where it cannot.
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0 skip=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
finish() {
    echo "mpich: $pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
    exit
}
# add OUTPUT_FILE: add its "N passed, N failed, N skipped" line to the totals
add() {
    local line
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$1" | tail -n 1)
    [ -n "$line" ] || { fail=$((fail + 1)); echo "  FAIL  no summary line in the run's output"; return; }
    read -r p f s < <(echo "$line" | sed 's/.*: //; s/[^0-9 ]//g')
    pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

if [ "${PAS_MPI:-1}" = 0 ]; then
    echo "  skip  the OpenMP-only build has no MPI"; skip=1; finish
fi
if ! command -v mpicc.mpich >/dev/null 2>&1 || ! command -v mpiexec.mpich >/dev/null 2>&1; then
    PAS_EXTRA_DEBS="mpich libmpich-dev" jobs/ensure-deps.sh core-test >"$log/deps" 2>&1
    if ! command -v mpicc.mpich >/dev/null 2>&1 || ! command -v mpiexec.mpich >/dev/null 2>&1; then
        echo "  skip  no MPICH here (mpicc.mpich, mpiexec.mpich), and it could not be installed:"
        tail -n 2 "$log/deps" | sed 's/^/        /'
        skip=1; finish
    fi
fi

build=build/mpich
bindir=build/mpich/bin
echo "== make MPICC=mpicc.mpich WERROR=1 BUILD=$build BINDIR=$bindir"
start=$(date +%s)
if make --no-print-directory -j"$(nproc)" MPICC=mpicc.mpich WERROR=1 BUILD="$build" BINDIR="$bindir" all \
    >"$log/build" 2>&1; then
    pass=$((pass + 1)); echo "  ok    built with MPICH, warnings as errors ($(( $(date +%s) - start )) s)"
else
    fail=$((fail + 1)); echo "  FAIL  the MPICH build failed:"
    grep -E 'error|warning' "$log/build" | head -n 20 | sed 's/^/        /'
    finish
fi

# The programs link MPICH, and pas-launch starts them with MPICH's hydra
# (it sets PMI_SIZE; Open MPI's mpirun would set OMPI_COMM_WORLD_SIZE).
if ldd "$bindir/pas-sort" | grep -q libmpich; then
    pass=$((pass + 1)); echo "  ok    $bindir/pas-sort links libmpich"
else
    fail=$((fail + 1)); echo "  FAIL  $bindir/pas-sort does not link libmpich:"; ldd "$bindir/pas-sort" | grep -i mpi
fi
who=$(jobs/pas-launch -n 2 -t 60 sh -c 'echo "${PMI_SIZE:-none}/${OMPI_COMM_WORLD_SIZE:-none}"' sh "$bindir/pas-sort" 2>&1 | sort -u)
if [ "$who" = "2/none" ]; then
    pass=$((pass + 1)); echo "  ok    pas-launch starts MPICH programs with mpiexec.mpich"
else
    fail=$((fail + 1)); echo "  FAIL  pas-launch did not use MPICH's launcher for an MPICH program: '$who'"
fi

echo "== unit tests (MPICH build)"
env -u PAS_TEST_TALLY PAS_BUILD="$build" PAS_MPI=1 tests/run-tests.sh --unit-only 2>&1 | tee "$log/unit"
add "$log/unit"

max="${PAS_MPICH_MAX_NP:-4}"
echo "== runs at 1 to $max ranks through mpiexec.mpich"
start=$(date +%s)
env -u PAS_TEST_TALLY PAS_BUILD="$build" PAS_BINDIR="$bindir" PAS_MPI=1 PAS_TEST_MAX_NP="$max" \
    PAS_CASES="${PAS_MPICH_CASES:-tests/cases/*.cases}" tests/run-tests.sh --cases-only 2>&1 | tee "$log/cases"
add "$log/cases"
echo "  (the runs took $(( $(date +%s) - start )) s)"
finish
