#!/usr/bin/env bash
# scale-sim.sh - weak and strong scaling of matrix multiply and sample sort on
# simulated clusters (SimGrid SMPI), 64 to 4096 ranks, in pieces: CSV, PNG
# plots and markdown tables, plus the simulator's prediction for 2 ranks
# against a real 2-rank run here.
#
#   scale-sim.sh [--only LIST] [--mode weak|strong|both] [--max RANKS] [--min RANKS]
#                [--platform flat|fattree|crossbar|both|all] [--dir DIR] [--timeout S] [--quick]
#
#   --only     comma-separated pieces (default: matmul,sort,compare):
#                matmul       pas-matmul --algo auto (SUMMA, or 2.5D where auto picks it);
#                             PAS_SIM_MATMUL_ARGS adds options (e.g. "--panel 128")
#                sort-sample  pas-sort --algo sample (single level)
#                sort-ams     pas-sort --algo ams (multi-level; skipped with a message
#                             when this pas-sort does not know it); PAS_SIM_AMS_ARGS adds
#                             options (e.g. "--levels 2")
#                sort         both sorts;  compare  the 2-rank simulated vs real run
#                tables       no runs: only rebuild the CSV, tables and plots from DIR
#   --mode     weak, strong or both (default both)
#   --max      largest rank count, a power of 2 (default 1024; the platforms hold 4096)
#   --min      smallest rank count, the baseline of speedup/efficiency (default 64)
#   --platform which simulated cluster(s) (default both: flat and fattree; all adds
#              crossbar, the non-blocking switch)
#   --dir      results (default build/scale-sim); a piece replaces only its own
#              runs at the rank counts it runs, and the tables are rebuilt from
#              every run in DIR
#   --timeout  wall seconds per simulated run (default 1200); a run past it is a
#              TIMEOUT row, one killed before it (out of memory) a KILLED row
#   --quick    small sizes (a check of the script, not a study)
# Sizes: matmul weak n = 2048 (p/64)^(1/3) (constant flops per rank), strong
# n = 4096; sort weak 64K and 1M uint64 keys per rank (1M only where the keys of
# all ranks, times 4 for buffers, fit PAS_SIM_MEM_GB, default 12; SORT_WEAK_PER
# sets the per-rank sizes), strong 16M keys.
# Compute: matmul's local multiplies last 2mnk / PAS_SIM_GFLOPS (default 30,
# this machine's one-core kernel rate) simulated seconds and everything else
# between MPI calls is free (smpi/simulate-computation:no), so that other work
# on this shared machine does not enter the simulated times; the multiplies
# still run and every product is verified.  Likewise the sorts' local sorts
# last n / PAS_SIM_KEYRATE (default 94 million keys/s: one radix sort of 64K
# uint64 keys, one core, here) and their merges of k received runs
# n ceil(log2 k) / PAS_SIM_MERGERATE (default 216 million keys/s per two-way
# pass) and sample's classification n ceil(log2(s + 1)) / PAS_SIM_CLASSIFYRATE
# (default 300 million keys/s per binary-search level); the rest (copies,
# splitter selection) is then free.
# Every piece runs with smpi/grow-injected-times:no: SimGrid charges a failed
# MPI_Test smpi/test (1 us, smpi-run.sh) times a count of failed tests that
# all simulated ranks share (reset by any success), so by default a poll's
# cost grew with the rank count (at 4096 ranks matmul's first panel broadcast
# took 1 to 5 ms; jobs/README.md).  With it a test costs 1 us.  (The sort
# tables before 2026-12-03 evening ran without it: about 1% longer.)
# PAS_SIM_KEYRATE=0: the sorts replay their compute bursts as timed here.
# Output in DIR: scale-sim.csv (every run), summary.md (the tables),
# <platform>-<piece>.png, raw/<platform>/*.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
maxp=1024 minp=64 plats="flat fattree" dir="$root/build/scale-sim" quick=0 only="matmul,sort,compare" modes="weak strong"
limit=1200
while [ $# -gt 0 ]; do
    case "$1" in
    --max) maxp="$2"; shift 2 ;;
    --min) minp="$2"; shift 2 ;;
    --platform) plats="$2"; [ "$plats" = both ] && plats="flat fattree"
                [ "$plats" = all ] && plats="flat fattree crossbar"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --timeout) limit="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --only) only="$2"; shift 2 ;;
    --mode) modes="$2"; [ "$modes" = both ] && modes="weak strong"; shift 2 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scale-sim.sh: unknown argument '$1'; see --help" >&2; exit 2 ;;
    esac
done
for v in "$maxp" "$minp" "$limit"; do
    case "$v" in ''|*[!0-9]*) echo "scale-sim.sh: '$v' is not a positive number; see --help" >&2; exit 2 ;; esac
done
for m in $modes; do
    case "$m" in weak|strong) ;; *) echo "scale-sim.sh: --mode '$m' is not weak, strong or both" >&2; exit 2 ;; esac
done
for pl in $plats; do
    case "$pl" in flat|fattree|crossbar) ;; *) echo "scale-sim.sh: --platform '$pl' is not flat, fattree, crossbar, both or all" >&2; exit 2 ;; esac
done
pieces=""
for w in ${only//,/ }; do
    case "$w" in
    matmul|sort-sample|sort-ams|compare) pieces="$pieces $w" ;;
    tables) ;;
    sort) pieces="$pieces sort-sample sort-ams" ;;
    *) echo "scale-sim.sh: --only '$w' is not matmul, sort, sort-sample, sort-ams, compare or tables" >&2; exit 2 ;;
    esac
done
sbin="${PAS_SMPI_BINDIR:-$root/build/smpi/bin}"
rbin="${PAS_BINDIR:-$root/bin}"
[ -z "${pieces// /}" ] || [ -x "$sbin/pas-matmul" ] || [ -x "$sbin/pas-sort" ] || # --only tables runs nothing
    { echo "scale-sim.sh: $sbin has no SimGrid build; run 'make smpi' first" >&2; exit 2; }
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)
gflops="${PAS_SIM_GFLOPS:-30}" memgb="${PAS_SIM_MEM_GB:-12}"
keyrate="${PAS_SIM_KEYRATE:-94}" mergerate="${PAS_SIM_MERGERATE:-216}" classifyrate="${PAS_SIM_CLASSIFYRATE:-300}"
ranks=""
for ((p = minp; p <= maxp; p *= 2)); do ranks="$ranks $p"; done

# Does this pas-sort know --algo ams?  (Another branch adds it.)
sort_knows_ams() {
    local help
    if [ -x "$rbin/pas-sort" ]; then
        help=$("$rbin/pas-sort" --help 2>&1)
        echo "$help" | grep -q -E '(\||[ "])ams(\||[ "]|$)'
    else
        # SimGrid takes --help for itself: sort 64 keys on one simulated rank instead
        "$here/smpi-run.sh" -n 1 -p flat "$sbin/pas-sort" --algo ams --n 64 --reps 1 --warmup 0 --quiet >/dev/null 2>&1
    fi
}

# piece MODE P -> "PROGRAM|ARGS|SIZE-LABEL" (empty: no run, the reason on stderr)
piece_run() {
    local piece="$1" mode="$2" p="$3" n per
    case "$piece" in
    matmul)
        if [ "$mode" = weak ]; then
            n=$(awk -v p="$p" -v q="$quick" 'BEGIN { printf "%d", (q ? 256 : 2048) * (p / 64) ^ (1 / 3) + 0.5 }')
        else
            n=$([ $quick = 1 ] && echo 512 || echo 4096)
        fi
        local mx="${PAS_SIM_MATMUL_ARGS:-}"
        if [ "$mode" = weak ]; then
            echo "pas-matmul|--algo auto --peak-seconds 0 --m $n --n $n --k $n $mx|n=$([ $quick = 1 ] && echo 256 || echo 2048)(p/64)^(1/3)${mx:+ $mx}"
        else
            echo "pas-matmul|--algo auto --peak-seconds 0 --m $n --n $n --k $n $mx|n=$n${mx:+ $mx}"
        fi
        ;;
    sort-sample|sort-ams)
        local algo=${piece#sort-} extra=""
        [ "$algo" = ams ] && extra="${PAS_SIM_AMS_ARGS:-}"
        if [ "$mode" = strong ]; then
            n=$([ $quick = 1 ] && echo 1048576 || echo 16777216)
            echo "pas-sort|--algo $algo $extra --dist uniform --n $n|n=$n"
        else
            for per in ${SORT_WEAK_PER:-65536 1048576}; do
                [ $quick = 1 ] && per=$((per / 16))
                n=$((per * p))
                if [ $((n * 8 * 4 / 1073741824)) -ge "$memgb" ]; then
                    echo "  skip $piece weak $p ranks x $per keys: about $((n * 32 / 1073741824)) GiB, over PAS_SIM_MEM_GB=$memgb" >&2
                    continue
                fi
                echo "pas-sort|--algo $algo $extra --dist uniform --n $n|$per/rank"
            done
        fi
        ;;
    esac
}

failed=0
for piece in $pieces; do
    [ "$piece" = compare ] && continue
    prog=pas-matmul
    [ "$piece" = matmul ] || prog=pas-sort
    if [ ! -x "$sbin/$prog" ]; then
        echo "scale-sim.sh: $prog is not in $sbin: piece $piece skipped"
        continue
    fi
    if [ "$piece" = sort-ams ] && ! sort_knows_ams; then
        echo "scale-sim.sh: this pas-sort does not know --algo ams (the multi-level sort is on another branch): piece sort-ams skipped"
        continue
    fi
    cfg="--cfg=smpi/grow-injected-times:no" envs=()
    if [ "$piece" = matmul ]; then
        cfg="$cfg --cfg=smpi/simulate-computation:no"
        envs=(PAS_SMPI_GFLOPS="$gflops")
    elif [ "$keyrate" != 0 ]; then
        cfg="$cfg --cfg=smpi/simulate-computation:no"
        envs=(PAS_SMPI_KEYRATE="$keyrate" PAS_SMPI_MERGERATE="$mergerate" PAS_SMPI_CLASSIFYRATE="$classifyrate")
    fi
    for plat in $plats; do
        raw="$dir/raw/$plat"
        mkdir -p "$raw"
        for mode in $modes; do
            for p in $ranks; do
                piece_run "$piece" "$mode" "$p" | while IFS='|' read -r prg args label; do
                    base="$raw/$piece-$mode-$p-$(echo "$label" | tr -c 'A-Za-z0-9.\n' _)"
                    rm -f "$base".* # only this run's: another size or PAS_SIM_MATMUL_ARGS keeps its own
                    t0=$(date +%s)
                    env "${envs[@]}" PAS_SMPI_CFG="${PAS_SMPI_CFG:-} $cfg" nice "$here/smpi-run.sh" -n "$p" -p "$plat" -t "$limit" \
                        "$sbin/$prg" $args --reps 1 --warmup 0 --json --quiet >"$base.log" 2>&1
                    rc=$?
                    wall=$(( $(date +%s) - t0 ))
                    row=$(grep -m1 '^{' "$base.log")
                    verdict=$(echo "$row" | sed -n 's/.*"verdict":"\([A-Z]*\)".*/\1/p')
                    [ $rc = 0 ] || verdict=FAIL
                    # 124: timeout; 137 (SIGKILL) before the limit: the kernel's OOM killer
                    if [ $rc = 124 ] || { [ $rc = 137 ] && [ "$wall" -ge "$limit" ]; }; then
                        verdict=TIMEOUT
                    elif [ $rc = 137 ]; then
                        verdict=KILLED
                    fi
                    # one line: platform piece mode p label wall rc verdict JSON
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$plat" "$piece" "$mode" "$p" "$label" "$wall" "$rc" \
                        "${verdict:-FAIL}" "${row:-{\}}" >"$base.row"
                    printf '%-8s %-12s %-6s %5d ranks  %-12s wall %5ss  %s\n' "$plat" "$piece" "$mode" "$p" "$label" "$wall" \
                        "${verdict:-FAIL (exit $rc)}"
                    [ "$verdict" = PASS ] || tail -n 4 "$base.log" | sed 's/^/    /'
                done
            done
        done
    done
done

# ---- the tables: every run in DIR -------------------------------------------------
csv="$dir/scale-sim.csv"
cat "$dir"/raw/*/*.row 2>/dev/null | awk -F'\t' -v OFS=, '
function field(k,   r) { r = row; if (!match(r, "\"" k "\":\"?[^\",}]*")) return ""; r = substr(r, RSTART, RLENGTH); sub(/^"[^"]*":"?/, "", r); return r }
{
    row = $9; n++
    K[n] = $1 "," $2 "," $3 "," $5; P[n] = $4; T[n] = field("t_median") + 0; V[n] = $8
    L[n] = K[n] "," $4 "," field("size")
    R[n] = field("algorithm") "," field("t_median") ",EFF," field("words") "," field("w/2D") "," field("w/3D") "," \
           field("grid") "," field("wait") "," field("levels") "," (field("exact_fallback") != "" ? field("exact_fallback") : field("fallback")) "," $6 "," $8
    if (V[n] == "PASS" && T[n] > 0 && (!(K[n] in p0) || $4 < p0[K[n]])) { p0[K[n]] = $4; t0[K[n]] = T[n] }
}
END {
    for (i = 1; i <= n; i++) {
        e = ""
        if ((K[i] in p0) && V[i] == "PASS")
            e = sprintf("%.3f", K[i] ~ /,weak,/ ? t0[K[i]] / T[i] : t0[K[i]] / T[i] / (P[i] / p0[K[i]]))
        r = R[i]; sub(/EFF/, e, r)
        print L[i], r
    }
}' | sort -t, -k1,1 -k2,2 -k3,3r -k4,4 -k5,5n >"$csv.tmp"
{
    echo "platform,piece,mode,series,ranks,size,algorithm,t_median,efficiency,words,w_2D,w_3D,grid,wait,levels,exact_fallback,wall_s,verdict"
    cat "$csv.tmp"
} >"$csv"
rm -f "$csv.tmp"
echo "runs: $csv ($(( $(wc -l <"$csv") - 1 )) rows)"

md="$dir/summary.md"
{
    cols=$(awk -F, 'NR > 1 { print $5 }' "$csv" | sort -n -u | tr '\n' ' ')
    for plat in $(awk -F, 'NR > 1 { print $1 }' "$csv" | sort -u); do
        echo "### $plat: efficiency against the fewest ranks (weak: t0/t; strong: t0 p0/(t p))"
        echo
        printf '| piece | mode | size |'; for p in $cols; do printf ' %s |' "$p"; done; echo
        printf '|---|---|---|'; for p in $cols; do printf -- '---|'; done; echo
        awk -F, -v pl="$plat" -v cols="$cols" 'NR > 1 && $1 == pl {
            k = $2 "|" $3 "|" $4; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
            e[k, $5] = ($18 == "PASS" ? $9 : $18)
        } END {
            m = split(cols, c, " ")
            for (i = 1; i <= n; i++) {
                split(order[i], f, "|"); printf "| %s | %s | %s |", f[1], f[2], f[3]
                for (j = 1; j <= m; j++) printf " %s |", ((order[i], c[j]) in e ? e[order[i], c[j]] : "")
                print ""
            }
        }' "$csv"
        echo
        if awk -F, -v pl="$plat" 'NR > 1 && $1 == pl && $2 == "matmul" { f = 1 } END { exit !f }' "$csv"; then
            echo "### $plat: matmul, words received per rank (max) against the 2D bound N^2/sqrt(p) and the 3D bound N^2/p^(2/3)"
            echo
            echo "| mode | ranks | size | algorithm | grid (rows x cols x layers) | t_median (s) | wait (s) | words | words/2D | words/3D |"
            echo "|---|---|---|---|---|---|---|---|---|---|"
            awk -F, -v pl="$plat" 'NR > 1 && $1 == pl && $2 == "matmul" {
                printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $3, $5, $6, $7, $13, $8, $14, $10, $11, $12 }' "$csv"
            echo
        fi
        if awk -F, -v pl="$plat" 'NR > 1 && $1 == pl && $2 ~ /^sort/ { f = 1 } END { exit !f }' "$csv"; then
            echo "### $plat: sort, time (s) of sample and ams, and the speed of ams over sample (t_sample / t_ams)"
            echo
            echo "| mode | size | ranks | t sample | t ams | ams/sample | ams levels | exact fallback (sample, ams) |"
            echo "|---|---|---|---|---|---|---|---|"
            awk -F, -v pl="$plat" 'NR > 1 && $1 == pl && $2 ~ /^sort-/ {
                a = substr($2, 6); k = $3 "|" $4 "|" $5; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
                t[k, a] = ($18 == "PASS" ? $8 : $18); fb[k, a] = ($18 == "PASS" ? ($16 == "" ? 0 : $16) : "-")
                if (a == "ams") lv[k] = $15
            } END {
                for (i = 1; i <= n; i++) {
                    k = order[i]; split(k, f, "|"); s = t[k, "sample"]; m = t[k, "ams"]
                    r = (s + 0 > 0 && m + 0 > 0) ? sprintf("%.2f", s / m) : "n/a"
                    printf "| %s | %s | %s | %s | %s | %s | %s | %s, %s |\n", f[1], f[2], f[3], s == "" ? "not run" : s, m == "" ? "not run" : m, r, lv[k],
                        ((k, "sample") in fb) ? fb[k, "sample"] : "-", ((k, "ams") in fb) ? fb[k, "ams"] : "-"
                }
            }' "$csv"
            echo
        fi
    done
} >"$md"
[ -s "$md" ] && { echo "tables: $md"; cat "$md"; }

# ---- plots: efficiency per platform and piece (collect.sh's CSV columns for plot.sh)
for plat in $(awk -F, 'NR > 1 { print $1 }' "$csv" | sort -u); do
    for piece in $(awk -F, -v pl="$plat" 'NR > 1 && $1 == pl { print $2 }' "$csv" | sort -u); do
        pc="$dir/$plat-$piece.plot.csv"
        awk -F, -v OFS=, -v pl="$plat" -v pc="$piece" '
            NR == 1 { print "mode,program,algorithm,ranks,threads,cores,size,t_min,t_median,t_max,rate,unit,speedup,efficiency,verdict"; next }
            $1 == pl && $2 == pc && $9 != "" {
                if (!(($3, $4) in p0)) p0[$3, $4] = $5
                name = pc ($3 == "weak" ? " " $4 : ""); gsub(/,/, "", name)
                print $3, pc, name, $5, 1, $5, "", $8, $8, $8, "", "", sprintf("%.3f", $9 * $5 / p0[$3, $4]), $9, $18
            }' "$csv" >"$pc"
        "$root/jobs/scale/plot.sh" "$pc" "$dir/$plat-$piece.png" | grep -v '^$'
        rm -f "$pc"
    done
done

# ---- the prediction for 2 ranks (this machine as a 2-host platform) against a real run
case " $pieces " in *" compare "*)
    echo "== 2 ranks: simulated (platform local-2: this machine's 2 cores) vs real (jobs/pas-launch -n 2, 1 thread per rank)"
    cmp_csv="$dir/compare-2ranks.csv"
    echo "program,args,simulated_t_median,real_t_median,sim_over_real" >"$cmp_csv"
    for spec in "pas-matmul|--algo summa --peak-seconds 0 --m 2048 --n 2048 --k 2048" "pas-sort|--algo sample --n 4M"; do
        IFS='|' read -r prog args <<<"$spec"
        [ -x "$rbin/$prog" ] && [ -x "$sbin/$prog" ] || { echo "  $prog: not in $rbin and $sbin"; continue; }
        sim=$("$here/smpi-run.sh" -n 2 -p local "$sbin/$prog" $args --reps 5 --json --quiet 2>&1 | grep '^{' |
            sed -n 's/.*"t_median":\([^,]*\).*/\1/p')
        real=$(OMP_NUM_THREADS=1 "$root/jobs/pas-launch" -n 2 -t 600 "$rbin/$prog" $args --reps 5 --threads 1 --json --quiet 2>/dev/null |
            grep '^{' | sed -n 's/.*"t_median":\([^,]*\).*/\1/p')
        ratio=$(awk -v s="${sim:-0}" -v r="${real:-0}" 'BEGIN { if (r > 0 && s > 0) printf "%.3f", s / r; else print "n/a" }')
        echo "$prog,$args,$sim,$real,$ratio" >>"$cmp_csv"
        echo "  $prog $args: simulated ${sim:-?}s real ${real:-?}s simulated/real $ratio"
    done
    ;;
esac
awk -F, 'NR > 1 && $18 != "PASS" { bad = 1 } END { exit bad }' "$csv" || failed=1
exit $failed
