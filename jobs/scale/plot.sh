#!/usr/bin/env bash
# plot.sh CSV PNG - speedup and efficiency curves of a scaling study (collect.sh's
# CSV) with gnuplot: one panel each for strong speedup, strong efficiency, weak
# efficiency and weak scaled speedup; one curve per program/algorithm and
# threads-per-rank, against the number of cores (ranks x threads); ideal dashed.
set -u
csv="${1:?usage: plot.sh CSV PNG}"
png="${2:?usage: plot.sh CSV PNG}"
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "plot.sh: gnuplot is not installed, no plot (apt-get install gnuplot-nox); the CSV is $csv"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One data file per mode/series: cores speedup efficiency.
awk -F, -v w="$work" 'NR > 1 && $15 == "PASS" && $13 != "" {
    s = $3 "_T=" $5; gsub(/[^A-Za-z0-9_.+=:-]/, "_", s)
    f = w "/" $1 "." s ".dat"; print $6, $13, $14 >> f
    if ($6 > maxc) maxc = $6
    if (minall == "" || $6 < minall) minall = $6
    if (!($1 in minc) || $6 < minc[$1]) minc[$1] = $6
} END { print maxc + 0 > (w "/maxc"); print minall + 0 > (w "/minall"); for (m in minc) print minc[m] > (w "/minc." m) }' "$csv"
maxc=$(cat "$work/maxc")
minall=$(cat "$work/minall")
[ "${maxc:-0}" -gt 0 ] || { echo "plot.sh: no PASS rows with speedups in $csv"; exit 1; }

panel() { # MODE COLUMN TITLE YLABEL IDEAL
    local mode="$1" col="$2" plots="" f name p0
    p0=$(cat "$work/minc.$mode" 2>/dev/null || echo 1)
    for f in "$work/$mode".*.dat; do
        [ -e "$f" ] || continue
        sort -n -o "$f" "$f"
        name=$(basename "$f" .dat)
        name=${name#"$mode".}
        plots="$plots${plots:+, }'$f' using 1:$col with linespoints lw 2 pt 7 title '${name//_/ }'"
    done
    echo "set title '$3'; set ylabel '$4'"
    case "$4" in *speedup*) echo "set logscale y 2; set yrange [*:*]; set offsets 0,0,0,0" ;; *) echo "unset logscale y; set yrange [0:*]; set offsets 0,0,graph 0.08,0" ;; esac
    if [ -z "$plots" ]; then
        echo "set label 1 'no $mode-scaling runs' at graph 0.5,0.5 center; plot 1 lc rgb 'white' notitle; unset label 1"
    else
        echo "plot ${5//P0/$p0} with lines dt 2 lc rgb 'gray40' title 'ideal', $plots"
    fi
}
{
    echo "set terminal pngcairo size 1400,1000 font ',11'"
    echo "set output '$png'"
    echo "set multiplot layout 2,2 title 'pas scaling study ($(basename "$csv"))'"
    echo "set grid; set key top left; set xlabel 'cores (ranks x threads)'"
    echo "set logscale x 2; set xrange [$minall * 0.8:$maxc * 1.25]; set yrange [0:*]"
    panel strong 2 'strong scaling: speedup' 'speedup t0/t' 'x/P0'
    panel strong 3 'strong scaling: efficiency' 'efficiency' '1'
    panel weak 3 'weak scaling: efficiency' 'efficiency t0/t' '1'
    panel weak 2 'weak scaling: scaled speedup' 'scaled speedup' 'x/P0'
    echo "unset multiplot"
} >"$work/plot.gp"
if gnuplot "$work/plot.gp" 2>"$work/err"; then
    echo "plot: $png"
else
    echo "plot.sh: gnuplot failed:" >&2
    cat "$work/err" >&2
    exit 1
fi
