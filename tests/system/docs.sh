#!/usr/bin/env bash
# docs.sh - the READMEs document every program once, and hold together:
#  - every program (bin/pas-*) has a README.md in the folder of its source;
#  - each option under "options:" in its --help appears in that README, each
#    under "common options:" in the one place for them, algorithms/core/README.md,
#    and the program's README links there;
#  - README.md (the front door) links each program's README and has the two
#    commands (make run, make test) at the start of a line;
#  - every relative link in every README.md resolves to a file that exists and,
#    for a #anchor into a Markdown file, to one of its headings (GitHub's ids).
# PAS_DOCS_ROOT checks another copy of the tree (the programs stay PAS_BINDIR's).
set -u
here=$(pwd)
cd "$(dirname "$0")/../.." || exit 2
bin="${PAS_BINDIR:-bin}"
case "$bin" in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ -n "${PAS_DOCS_ROOT:-}" ] && { cd "$here" && cd "$PAS_DOCS_ROOT" || exit 2; }
core=algorithms/core/README.md
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok    $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL  $*"; }

# has FILE OPT: OPT (--name) appears in FILE as a whole option, not as the
# start of a longer one (--n is not found in --nodes).
has() { grep -qE -- "(^|[^a-z0-9-])$2([^a-z0-9-]|\$)" "$1"; }

# anchors FILE: the ids GitHub gives the headings of FILE (outside code
# blocks): lower case, punctuation dropped, spaces to '-', repeats get -1, -2.
anchors() {
    LC_ALL=C awk '
        /^[ \t]*(```|~~~)/ { fence = !fence; next }
        fence || !/^#+[ \t]/ || /^#######/ { next }
        {
            h = tolower($0); sub(/^#+[ \t]+/, "", h); sub(/[ \t#]+$/, "", h)
            gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h)
            n = seen[h]++; print (n ? h "-" n : h)
        }' "$1"
}

# links FILE: the target of every [text](target) outside code blocks.
links() {
    awk '
        /^[ \t]*(```|~~~)/ { fence = !fence; next }
        fence { next }
        {
            s = $0
            while (match(s, /\]\([^) \t]+\)/)) {
                print substr(s, RSTART + 2, RLENGTH - 3)
                s = substr(s, RSTART + RLENGTH)
            }
        }' "$1"
}

# ---- each program: its README, its options there, the common ones in core --
[ -f "$core" ] || bad "$core is missing (the one place for the common options)"
nprog=0
for prog in "$bin"/pas-*; do
    [ -x "$prog" ] || continue
    nprog=$((nprog + 1))
    name=$(basename "$prog")
    src=$(find . -path ./build -prune -o -path ./.git -prune -o -name "$name.c" -print | head -n 1)
    if [ -z "$src" ]; then
        bad "$name: no source $name.c in the tree, so no README to check"
        continue
    fi
    readme="$(dirname "${src#./}")/README.md"
    if [ ! -f "$readme" ]; then
        bad "$name has no README ($readme, next to $src)"
        continue
    fi
    help=$("$prog" --help 2>/dev/null)
    own=$(printf '%s\n' "$help" | awk '/^options:/ {s = 1; next} /^common options:/ {s = 0} s' |
        grep -oE '^  --[a-z0-9-]+' | tr -d ' ')
    common=$(printf '%s\n' "$help" | awk '/^common options:/ {s = 1; next} /^$/ {s = 0} s' |
        grep -oE '^  --[a-z0-9-]+' | tr -d ' ')
    if [ -z "$own$common" ]; then
        bad "$name --help lists no options (expected 'options:' and 'common options:')"
        continue
    fi
    missing="" missing_common=""
    for opt in $own; do has "$readme" "$opt" || missing="$missing $opt"; done
    for opt in $common; do [ -f "$core" ] && has "$core" "$opt" || missing_common="$missing_common $opt"; done
    if [ -n "$missing" ]; then
        bad "$readme does not mention$missing ($name --help)"
    else
        ok "$name: its $(wc -w <<<"$own") options documented in $readme"
    fi
    if [ -n "$missing_common" ]; then
        bad "$core does not mention the common option(s)$missing_common ($name --help)"
    elif [ -n "$common" ]; then
        ok "$name: its $(wc -w <<<"$common") common options documented in $core"
    fi
    if [ -n "$common" ]; then
        rel=$(realpath -m --relative-to="$(dirname "$readme")" "$core")
        if links "$readme" | grep -qxF "$rel#common-options"; then
            ok "$readme links the common options ($rel#common-options)"
        else
            bad "$readme does not link the common options ($rel#common-options)"
        fi
    fi
    if links README.md | grep -qxF "$readme"; then
        ok "README.md links $readme"
    else
        bad "README.md does not link $readme ($name's README)"
    fi
done
[ $nprog -gt 0 ] || bad "no programs in $bin (build first: make)"

# ---- the front door's two commands -----------------------------------------
for cmd in "make run" "make test"; do
    if grep -q "^$cmd" README.md; then ok "README.md has '$cmd'"; else bad "README.md lacks '$cmd'"; fi
done

# ---- every relative link of every README resolves --------------------------
while IFS= read -r md; do
    md=${md#./}
    dir=$(dirname "$md")
    broken=""
    nlinks=0
    while IFS= read -r target; do
        case "$target" in http://* | https://* | mailto:*) continue ;; esac
        nlinks=$((nlinks + 1))
        path=${target%%#*}
        anchor=""
        [ "$path" != "$target" ] && anchor=${target#*#}
        if [ -z "$path" ]; then file=$md; else file="$dir/$path"; fi
        if [ ! -e "$file" ]; then
            broken="$broken $target (no such file)"
        elif [ -n "$anchor" ]; then
            case "$file" in
            *.md) anchors "$file" | grep -qxF -- "$anchor" || broken="$broken $target (no such heading)" ;;
            esac
        fi
    done < <(links "$md")
    if [ -n "$broken" ]; then
        bad "$md: broken link(s):$broken"
    else
        ok "$md: its $nlinks links resolve"
    fi
done < <(find . -path ./build -prune -o -path ./.git -prune -o -name README.md -print | sort)

echo "docs: $pass passed, $fail failed, 0 skipped"
[ $fail -eq 0 ]
