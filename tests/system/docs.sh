#!/usr/bin/env bash
# docs.sh - the README documents every program and every option it takes:
# each --option in each program's --help appears in README.md, and the two
# commands of the README (make run, make test) are there.
set -u
cd "$(dirname "$0")/../.."
bin="${PAS_BINDIR:-bin}"
pass=0 fail=0
for prog in "$bin"/pas-*; do
    [ -x "$prog" ] || continue
    name=$(basename "$prog")
    missing=""
    for opt in $("$prog" --help 2>/dev/null | grep -oE '^  --[a-z0-9-]+' | tr -d ' '); do
        grep -q -- "$opt" README.md || missing="$missing $opt"
    done
    if ! grep -q "### $name" README.md; then
        fail=$((fail + 1)); echo "  FAIL  README.md has no section for $name"
    elif [ -n "$missing" ]; then
        fail=$((fail + 1)); echo "  FAIL  README.md does not mention$missing ($name --help)"
    else
        pass=$((pass + 1)); echo "  ok    $name: every option documented in README.md"
    fi
done
for cmd in "make run" "make test"; do
    if grep -q "^$cmd" README.md; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "  FAIL  README.md lacks '$cmd'"; fi
done
echo "docs: $pass passed, $fail failed, 0 skipped"
[ $fail -eq 0 ]
