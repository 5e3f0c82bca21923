# scale-lib.sh - helpers shared by scaling.sh and scaling.sbatch (sourced).

# scale_split I: the I-th "RxT" of $PAS_SPLITS (0-based).
scale_split() {
    local i=0 s
    for s in ${PAS_SPLITS:-1x1 2x1 1x2}; do
        [ "$i" = "$1" ] && { echo "$s"; return 0; }
        i=$((i + 1))
    done
    return 1
}

# scale_size_args R T: the size options, one word a line, for this split.
scale_size_args() {
    local p=$(($1 * $2)) base="${PAS_BASE_CORES:-1}" size="${PAS_SIZE:-1M}" o v
    v="$size"
    if [ "${PAS_SCALE:-strong}" = weak ]; then
        v=$(awk -v s="$(scale_count "$size")" -v p="$p" -v b="$base" -v r="${PAS_WEAK_ROOT:-1}" \
            'BEGIN { printf "%d", s * (p / b) ^ (1 / r) + 0.5 }')
    fi
    for o in ${PAS_SIZE_OPTS:---n}; do
        printf '%s\n%s\n' "$o" "$v"
    done
}

# scale_count 10M -> 10000000 (K M G x1000, Ki Mi Gi x1024, 1e6).
scale_count() {
    awk -v s="$1" 'BEGIN {
        m = 1; n = s
        if (n ~ /Ki$/) { m = 1024; sub(/Ki$/, "", n) } else if (n ~ /Mi$/) { m = 1048576; sub(/Mi$/, "", n) }
        else if (n ~ /Gi$/) { m = 1073741824; sub(/Gi$/, "", n) } else if (n ~ /K$/) { m = 1e3; sub(/K$/, "", n) }
        else if (n ~ /M$/) { m = 1e6; sub(/M$/, "", n) } else if (n ~ /G$/) { m = 1e9; sub(/G$/, "", n) }
        printf "%d", n * m }'
}

# scale_tag MODE R T: add "mode", "split" to each JSON row on stdin.
scale_tag() {
    sed -n "s/^{\(.*\)}\$/{\"mode\":\"$1\",\"split\":\"$2x$3\",\1}/p"
}

# scale_field KEY: KEY's value from the JSON row on stdin (strings unquoted).
scale_field() {
    sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}
