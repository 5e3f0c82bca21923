#!/usr/bin/env bash
# format-check.sh - every tracked *.c and *.h formatted as .clang-format says
# (clang-format --dry-run -Werror, file by file, so that the line names them).
# `make format` rewrites them in place; run it before committing.
# One check (all files as .clang-format says, or not): ends with
# "format: N passed, N failed, N skipped"; skips without clang-format.
set -u
cd "$(dirname "$0")/../.."
if ! command -v clang-format >/dev/null 2>&1; then
    echo "  skip  no clang-format here (jobs/ensure-deps.sh core-test installs it)"
    echo "format: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
n=0 fail=0 bad=()
while IFS= read -r f; do
    if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        n=$((n + 1))
    else
        fail=$((fail + 1)) bad+=("$f")
    fi
done < <(git ls-files '*.c' '*.h')
if [ "$fail" -gt 0 ]; then
    echo "  FAIL  $fail files differ from .clang-format (run make format): ${bad[*]:0:10}$([ "$fail" -gt 10 ] && echo ' ...')"
fi
if [ "$fail" -eq 0 ]; then
    [ -n "${PAS_TEST_VERBOSE:-}" ] && echo "  ok    $n files as .clang-format says"
    echo "format: 1 passed, 0 failed, 0 skipped"
else
    echo "format: 0 passed, 1 failed, 0 skipped"
fi
[ "$fail" -eq 0 ]
