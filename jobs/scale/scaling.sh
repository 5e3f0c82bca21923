#!/usr/bin/env bash
# scaling.sh - strong and weak scaling study of one pas program: one run per
# ranks x threads split, collected into CSV and plotted (speedup, efficiency).
#
#   scaling.sh [options] [--] PROGRAM [ARGS...]
#
#   --mode strong|weak|both   (default both)
#   --splits "1x1 2x1 1x2 2x2" ranks x threads per run (default "1x1 2x1 1x2 2x2")
#   --size N                  problem size: strong = N, weak = N x cores^(1/root) (default 1M)
#   --size-opts "--n"         the program's size option(s) (matmul: "--m --n --k")
#   --weak-root R             1 for sorts/scans, 3 for m, n, k of a matrix product (default 1)
#   --dir DIR                 results: DIR/raw/*.json, DIR/scaling.csv, DIR/scaling.png
#                             (default build/scale/<program>)
#   --slurm                   submit one job array per mode (jobs/scale/scaling.sbatch)
#                             and a collecting job after them (afterany); else run
#                             here, one split after the other, through jobs/pas-launch
#   --wait                    with --slurm: wait for the collecting job
#   --timeout S               per run (default 600)
#   --sbatch "OPTS"           extra sbatch options (partition, account, time)
# PAS_BINDIR picks the programs (default bin/). Example:
#   jobs/scale/scaling.sh --size 20M -- pas-sort --algo sample --reps 3
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/scale-lib.sh"
modes=both splits="1x1 2x1 1x2 2x2" size=1M size_opts="--n" weak_root=1 dir="" slurm=0 wait=0 timeout=600 sbatch_opts=""
while [ $# -gt 0 ]; do
    case "$1" in
    --mode) modes="$2"; shift 2 ;;
    --splits) splits="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --size-opts) size_opts="$2"; shift 2 ;;
    --weak-root) weak_root="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --slurm) slurm=1; shift ;;
    --wait) wait=1; shift ;;
    --timeout) timeout="$2"; shift 2 ;;
    --sbatch) sbatch_opts="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "scaling.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "scaling.sh: no program given; usage: scaling.sh [options] PROGRAM [ARGS]" >&2; exit 2; }
case "$modes" in both) modes="strong weak" ;; strong|weak) ;; *) echo "scaling.sh: --mode '$modes' is not strong, weak or both" >&2; exit 2 ;; esac
for s in $splits; do
    case "$s" in [1-9]*x[1-9]*) ;; *) echo "scaling.sh: split '$s' is not RANKSxTHREADS (e.g. 2x4)" >&2; exit 2 ;; esac
done
prog="$1"
shift
bindir="${PAS_BINDIR:-$root/bin}"
case "$prog" in */*) ;; *) prog="$bindir/$prog" ;; esac
[ -x "$prog" ] || { echo "scaling.sh: $prog is not built; run make (or set PAS_BINDIR)" >&2; exit 2; }
dir="${dir:-$root/build/scale/$(basename "$prog")}"
mkdir -p "$dir/raw" && dir=$(cd "$dir" && pwd)
rm -f "$dir"/raw/*.json

# Base cores: the smallest split.
base=$(for s in $splits; do echo $((${s%x*} * ${s#*x})); done | sort -n | head -n 1)
maxc=$(for s in $splits; do echo $((${s%x*} * ${s#*x})); done | sort -n | tail -n 1)
export PAS_SPLITS="$splits" PAS_SIZE="$size" PAS_SIZE_OPTS="$size_opts" PAS_WEAK_ROOT="$weak_root" \
    PAS_BASE_CORES="$base" PAS_SCALE_DIR="$dir" PAS_HOME="$root" PAS_BINDIR="$bindir"
nsplits=$(echo $splits | wc -w)

if [ $slurm = 1 ]; then
    command -v sbatch >/dev/null || { echo "scaling.sh: --slurm needs sbatch (Slurm's client) on the PATH" >&2; exit 2; }
    arrays=""
    for m in $modes; do
        a=$(PAS_SCALE=$m PAS_TIMEOUT=$timeout sbatch --parsable --array=0-$((nsplits - 1)) \
            --ntasks-per-node="$maxc" --cpus-per-task=1 -o "$dir/$m-%a.out" $sbatch_opts \
            "$here/scaling.sbatch" "$prog" "$@") || exit 1
        arrays="$arrays:${a%%;*}"
        echo "scaling.sh: $m scaling: job array ${a%%;*} ($nsplits tasks: $splits)"
    done
    w=()
    [ $wait = 1 ] && w=(--wait)
    c=$(sbatch --parsable "${w[@]}" --dependency="afterany$arrays" -n 1 -J pas-scale-collect -o "$dir/collect.out" \
        $sbatch_opts --wrap "'$here/collect.sh' '$dir'")
    rc=$?
    echo "scaling.sh: collecting job ${c%%;*} (after the arrays): $dir/collect.out, $dir/scaling.csv, $dir/scaling.png"
    [ $wait = 1 ] && cat "$dir/collect.out"
    exit $rc
fi

failed=0
for m in $modes; do
    i=0
    for s in $splits; do
        r=${s%x*} t=${s#*x}
        mapfile -t size_args < <(PAS_SCALE=$m scale_size_args "$r" "$t")
        echo "== $m $s: $(basename "$prog") $* ${size_args[*]}"
        out="$dir/raw/$m-$i.json"
        OMP_NUM_THREADS=$t "$root/jobs/pas-launch" -n "$r" -t "$timeout" "$prog" "$@" "${size_args[@]}" \
            --threads "$t" --json --quiet >"$out.part"
        rc=$?
        scale_tag "$m" "$r" "$t" <"$out.part" >"$out" && rm -f "$out.part"
        [ $rc = 0 ] || { echo "scaling.sh: the $m $s run failed (exit $rc)" >&2; failed=1; }
        i=$((i + 1))
    done
done
"$here/collect.sh" "$dir" || failed=1
exit $failed
