#!/usr/bin/env bash
# structure.sh [BUILD] - the shape rules of issue 12, read off the objects with nm:
#  1. no circle of calls between the files of a module: for each module folder,
#     an edge A -> B when A.o uses a symbol that B.o defines; tsort finds loops
#     (programs, pas-*.o, sit on top and are left out);
#  2. every symbol libpas.a exports starts with pas_.
# Prints each violation; ends with "structure: N passed, N failed, 0 skipped".
set -u
cd "$(dirname "$0")/../.."
build="${1:-${PAS_BUILD:-build/mpi}}"
pass=0 fail=0
[ -f "$build/libpas.a" ] || { echo "structure: no $build/libpas.a; run make first"; exit 1; }
for dir in $(find "$build/obj" -name '*.o' ! -path '*/tests/*' -printf '%h\n' | sort -u); do
    module=${dir#"$build/obj/"}
    # objects of sources that still exist (a stale object of a renamed file
    # is not part of the module)
    objs=$(for o in "$dir"/*.o; do
        [ -e "$module/$(basename "$o" .o).c" ] && echo "$o"
    done | grep -v '/pas-[^/]*\.o$')
    [ -n "$objs" ] || continue
    # "FILE D SYMBOL" for definitions, "FILE U SYMBOL" for uses.
    edges=$(for o in $objs; do
        f=$(basename "$o" .o)
        nm -g --defined-only "$o" | awk -v f="$f" 'NF == 3 {print f, "D", $3}'
        nm -u "$o" | awk -v f="$f" '{print f, "U", $NF}'
    done | awk '$2 == "D" {def[$3] = $1; files[$1] = 1; next}
                {use[NR] = $1 " " $3}
                END {for (f in files) print f, f
                     for (i in use) {split(use[i], p, " ")
                         if ((p[2] in def) && def[p[2]] != p[1]) print p[1], def[p[2]]}}' | sort -u)
    loop=$(echo "$edges" | tsort 2>&1 >/dev/null)
    if [ -z "$loop" ]; then
        pass=$((pass + 1))
        [ -n "${PAS_TEST_VERBOSE:-}" ] && echo "  ok    $module: no circle of calls between its files"
    else
        fail=$((fail + 1))
        echo "  FAIL  $module: a circle of calls between its files:" \
            "$(echo "$loop" | grep -v 'input contains a loop' | sed 's/^tsort: //' | tr '\n' ' ')"
        echo "$edges" | awk '$1 != $2 {print "        " $1 " -> " $2}'
    fi
done
bad=$(nm -g --defined-only "$build/libpas.a" | awk 'NF == 3 {print $3}' | grep -v '^pas_' | sort -u)
if [ -z "$bad" ]; then
    pass=$((pass + 1))
    [ -n "${PAS_TEST_VERBOSE:-}" ] && echo "  ok    libpas.a exports only pas_ symbols"
else
    fail=$((fail + 1))
    echo "  FAIL  libpas.a exports $(echo "$bad" | wc -l) symbols without the pas_ prefix:" \
        "$(echo "$bad" | tr '\n' ' ')"
fi
echo "structure: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
