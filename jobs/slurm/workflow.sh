#!/usr/bin/env bash
# workflow.sh - a chain of dependent jobs: generate keys, sort them with
# pas-sort, verify the result; each starts only when the previous one succeeded
# (--dependency=afterok), and a failure cancels the rest (--kill-on-invalid-dep).
#
#   workflow.sh [--dir DIR] [--n N] [--begin TIME] [--ranks R] [-- sbatch options]
#
#   --dir DIR     where input.bin and sorted.bin go (default: ./pas-workflow.$$),
#                 on a file system every node sees
#   --n N         keys (plain count, default 1000000)
#   --begin TIME  schedule the first job: now+60, 16:00, 2030-01-31T02:00 ...
#   --ranks R     pas-sort ranks (default 2)
# Prints the three job ids on one line: GEN SORT VERIFY.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir="./pas-workflow.$$"
n=1000000
begin=""
ranks=2
while [ $# -gt 0 ]; do
    case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --n) n="$2"; shift 2 ;;
    --begin) begin="$2"; shift 2 ;;
    --ranks) ranks="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "workflow.sh: unknown argument '$1'; see --help" >&2; exit 2 ;;
    esac
done
mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || { echo "workflow.sh: cannot create $dir" >&2; exit 1; }
export PAS_HOME="${PAS_HOME:-$(cd "$here/../.." && pwd)}"
sb() { sbatch --parsable --chdir="$dir" "$@" | cut -d';' -f1; }

gen=$(sb ${begin:+--begin="$begin"} -o "$dir/gen.out" "$@" "$here/gen-keys.sbatch" "$dir/input.bin" "$n") || exit 1
srt=$(sb --dependency=afterok:$gen --kill-on-invalid-dep=yes --nodes=1 --ntasks-per-node="$ranks" -o "$dir/sort.out" "$@" \
    "$here/sort.sbatch" --algo sample --type u64 --in "$dir/input.bin" --out "$dir/sorted.bin" --reps 1 --warmup 0) || exit 1
ver=$(sb --dependency=afterok:$srt --kill-on-invalid-dep=yes -o "$dir/verify.out" "$@" \
    "$here/verify-sorted.sbatch" "$dir/input.bin" "$dir/sorted.bin") || exit 1
echo "$gen $srt $ver"
