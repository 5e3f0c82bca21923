#!/usr/bin/env bash
# run-local.sh - the main job (`make run`): every algorithm in jobs/run.d/,
# each verified by the program itself, on all local cores, as one table.
#
# Each jobs/run.d/*.run file lists runs, one per line: PROGRAM ARGS...
# Ranks: $PAS_RUN_RANKS (default: 2 when the node has 2+ cores and MPI is
# built, else 1); threads per rank are detected so the ranks fill the node.
set -u
cd "$(dirname "$0")/.."
bindir="${PAS_BINDIR:-bin}"
cores=$(nproc 2>/dev/null || echo 1)
if [ "${PAS_MPI:-1}" = 0 ]; then
    ranks=1
else
    ranks="${PAS_RUN_RANKS:-$([ "$cores" -ge 2 ] && echo 2 || echo 1)}"
fi
limit="${PAS_RUN_TIMEOUT:-900}"

printf '%-14s %-10s %-9s %-30s %10s %10s %10s %12s %-9s %s\n' program algorithm ranksxthr size \
    't_min(s)' 't_med(s)' 't_max(s)' rate unit verdict
runs=0
failed=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT
for f in jobs/run.d/*.run; do
    [ -e "$f" ] || continue
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in ''|'#'*) continue ;; esac
        eval "set -- $line"
        prog="$1"; shift
        runs=$((runs + 1))
        out=$(jobs/pas-launch -n "$ranks" -t "$limit" "$bindir/$prog" "$@" --quiet 2>"$err" </dev/null)
        rc=$?
        [ -n "$out" ] && printf '%s\n' "$out"
        if [ $rc -ne 0 ]; then
            failed=$((failed + 1))
            printf '%-14s %-10s %-9s %-30s %s\n' "$prog" - "$ranks" "$*" "FAIL (exit $rc): $(tail -n 1 "$err")"
        fi
    done <"$f"
done
echo
if [ $runs -eq 0 ]; then
    echo "make run: no runs found in jobs/run.d/*.run; the checkout is incomplete"
    exit 1
elif [ $failed -eq 0 ]; then
    echo "make run: $runs runs on $ranks rank(s) over $cores core(s), all verified (PASS)"
else
    echo "make run: $failed of $runs runs FAILED"
    exit 1
fi
