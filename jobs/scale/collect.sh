#!/usr/bin/env bash
# collect.sh DIR - gather a scaling study's JSON rows (DIR/raw/*.json) into
# DIR/scaling.csv with speedup and efficiency, print it as a table, and plot
# DIR/scaling.png (gnuplot; skipped with a message when gnuplot is missing).
#
# Baseline: for each mode and program/algorithm, the run on the fewest cores
# (ranks x threads), p0 cores taking t0 seconds (median). For p cores, t seconds:
#   strong: speedup = t0 / t        efficiency = speedup / (p / p0)
#   weak:   efficiency = t0 / t     speedup (scaled) = efficiency * p / p0
# Rows whose verdict is not PASS are kept in the CSV but not plotted.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/scale-lib.sh"
dir="${1:?usage: collect.sh DIR}"
csv="$dir/scaling.csv"
ls "$dir"/raw/*.json >/dev/null 2>&1 || { echo "collect.sh: no results in $dir/raw/" >&2; exit 1; }

{
    for f in "$dir"/raw/*.json; do
        while IFS= read -r row; do
            [ -n "$row" ] || continue
            r=$(echo "$row" | scale_field ranks)
            t=$(echo "$row" | scale_field threads)
            printf '%s,%s,%s,%s,%s,%s,"%s",%s,%s,%s,%s,%s,%s\n' \
                "$(echo "$row" | scale_field mode)" "$(echo "$row" | scale_field program)" \
                "$(echo "$row" | scale_field algorithm)" "$r" "$t" $((r * t)) \
                "$(echo "$row" | scale_field size)" "$(echo "$row" | scale_field t_min)" \
                "$(echo "$row" | scale_field t_median)" "$(echo "$row" | scale_field t_max)" \
                "$(echo "$row" | scale_field rate)" "$(echo "$row" | scale_field unit)" \
                "$(echo "$row" | scale_field verdict)"
        done <"$f"
    done
} | sort -t, -k1,1 -k2,3 -k6,6n -k4,4n >"$dir/rows.tmp"

# Append speedup and efficiency against each group's first (fewest cores) row.
awk -F, -v OFS=, '
BEGIN { print "mode,program,algorithm,ranks,threads,cores,size,t_min,t_median,t_max,rate,unit,speedup,efficiency,verdict" }
{
    key = $1 "," $2 "," $3
    if (!(key in p0) && $13 == "PASS" && $9 > 0) { p0[key] = $6; t0[key] = $9 }
    sp = ef = ""
    if ((key in p0) && $9 > 0) {
        rel = $6 / p0[key]
        if ($1 == "weak") { ef = t0[key] / $9; sp = ef * rel } else { sp = t0[key] / $9; ef = sp / rel }
        sp = sprintf("%.3f", sp); ef = sprintf("%.3f", ef)
    }
    print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, sp, ef, $13
}' "$dir/rows.tmp" >"$csv"
rm -f "$dir/rows.tmp"
echo "scaling study: $csv"
column -s, -t <"$csv" 2>/dev/null || cat "$csv"

"$here/plot.sh" "$csv" "$dir/scaling.png"
