#!/usr/bin/env bash
# run-tests.sh [--unit-only|--cases-only] - the tests behind `make test` and `make check`.
#
#  1. Criterion unit tests: every $PAS_BUILD/tests/test_* binary.
#  2. Runs of self-checking programs listed in tests/cases/*.cases, each line
#       NP RC [T=seconds] [ERR=regex] PROGRAM ARGS...
#     run through jobs/pas-launch at NP ranks under a timeout; the exit code
#     must equal RC (or one of RC1,RC2,...: where the status is the
#     launcher's, Open MPI's and MPICH's differ: a rank's exit 3 or a SIGSEGV
#     is 3 or 139 under mpirun, but 9, 15 or 11 under mpiexec.mpich, which
#     reports how it ended the other ranks) and, with ERR=, stderr must
#     match the regex.  PROGRAM is
#     looked up in $PAS_BINDIR then $PAS_BUILD/tests.  In the OpenMP-only
#     build (PAS_MPI=0) lines with NP > 1 are skipped.
# PAS_CASES="tests/cases/sort.cases" runs only those files, PAS_TEST_FILTER=regex
# only matching lines, PAS_TEST_MAX_NP=N only lines with NP <= N (the others
# are skipped), PAS_TEST_VERBOSE=1 lists passing runs too.
# Ends with one line "N passed, N failed, N skipped"; exit 1 on any failure.
set -u
cd "$(dirname "$0")/.."
build="${PAS_BUILD:-build/mpi}"
bindir="${PAS_BINDIR:-bin}"
mpi="${PAS_MPI:-1}"
default_limit="${PAS_TEST_TIMEOUT:-60}"
filter="${PAS_TEST_FILTER:-}"
pass=0
fail=0
skip=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
label="$([ "$mpi" = 0 ] && echo "OpenMP-only" || echo "MPI")"

ok()   { pass=$((pass + 1)); [ -n "${PAS_TEST_VERBOSE:-}" ] && echo "  ok    $*"; return 0; }
bad()  { fail=$((fail + 1)); echo "  FAIL  $*"; }

[ "${1:-}" = --cases-only ] && echo "== (unit tests skipped: --cases-only)"
[ "${1:-}" = --cases-only ] || echo "== unit tests ($label build)"
for t in "$build"/tests/test_*; do
    [ "${1:-}" = --cases-only ] && break
    [ -x "$t" ] || continue
    name=$(basename "$t")
    "$t" --jobs 2 >"$log/unit.out" 2>&1
    rc=$?
    synth=$(grep 'Synthesis' "$log/unit.out" | sed 's/.*Synthesis: //')
    echo "  $name: ${synth:-no synthesis line (crashed?)}"
    tested=$(echo "$synth" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')
    passing=$(echo "$synth" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    pass=$((pass + ${passing:-0}))
    fail=$((fail + ${tested:-1} - ${passing:-0}))
    if [ $rc -ne 0 ]; then
        if [ -n "$tested" ] && [ "${tested}" = "${passing:-0}" ]; then
            fail=$((fail + 1)) # every test passed, yet the binary failed (sanitizer at exit?)
            echo "  FAIL  $name exited $rc after its tests passed"
            tail -n 10 "$log/unit.out" | sed 's/^/        /'
        fi
        [ -z "$tested" ] && echo "  FAIL  $name exited $rc"
        grep -E '\[(FAIL|----)\]|CRASH|Assertion' "$log/unit.out" | head -n 30 | sed 's/^/        /'
    fi
done

if [ "${1:-}" != --unit-only ]; then
    echo "== runs at 1 to 7 ranks ($label build)"
    abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; } # PAS_BINDIR=/tmp/x works too
    export PATH="$(abs "$bindir"):$(abs "$build")/tests:$PATH" PAS_MPI="$mpi"
    for f in ${PAS_CASES:-tests/cases/*.cases}; do
        [ -e "$f" ] || continue
        n=0
        while IFS= read -r line || [ -n "$line" ]; do
            n=$((n + 1))
            case "$line" in ''|'#'*) continue ;; esac
            [ -n "$filter" ] && ! [[ "$line" =~ $filter ]] && continue
            eval "set -- $line"
            np="$1" want="$2"; shift 2
            limit="$default_limit" err=""
            while :; do
                case "${1:-}" in
                T=*) limit="${1#T=}"; shift ;;
                ERR=*) err="${1#ERR=}"; shift ;;
                *) break ;;
                esac
            done
            if { [ "$mpi" = 0 ] && [ "$np" -gt 1 ]; } || [ "$np" -gt "${PAS_TEST_MAX_NP:-$np}" ]; then
                skip=$((skip + 1))
                continue
            fi
            where="$(basename "$f"):$n np=$np $*"
            start=$(date +%s%N)
            jobs/pas-launch -n "$np" -t "$limit" "$@" >"$log/out" 2>"$log/err" </dev/null
            rc=$?
            ms=$((($(date +%s%N) - start) / 1000000))
            if ! [[ ",$want," == *",$rc,"* ]]; then
                [ "$rc" = 124 ] && why="timed out after ${limit}s (hang?)" || why="exit $rc, expected $want"
                bad "$where: $why"
                tail -n 15 "$log/err" "$log/out" | sed 's/^/        /'
            elif [ -n "$err" ] && ! grep -Eq -- "$err" "$log/err"; then
                bad "$where: stderr does not match /$err/"
                tail -n 5 "$log/err" | sed 's/^/        /'
            else
                ok "$where (${ms} ms)"
            fi
        done <"$f"
    done
fi

echo "$label: $pass passed, $fail failed, $skip skipped"
[ -n "${PAS_TEST_TALLY:-}" ] && echo "$pass $fail $skip" >>"$PAS_TEST_TALLY"
[ "$fail" -eq 0 ]
