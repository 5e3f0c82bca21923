#!/usr/bin/env bash
# memlimit.sh - the memory pre-flight uses the job's real limit (issue 11,
# rows 9 and 10).  Under a 3 GiB limit, as Slurm's --mem makes it, a run that
# needs more must fail at once with exit 2 and one line naming the limit that
# bound it, never be OOM-killed a minute later; a run that fits must still
# PASS.  The limits: a memory cgroup (v2 memory.max, else v1
# memory.limit_in_bytes; needs root and a writable cgroup tree, else
# skipped with a message), SLURM_MEM_PER_NODE, SLURM_MEM_PER_CPU, and
# RLIMIT_AS (ulimit -v).  And sizes whose memory need overflows 64 bits
# (--n 2^61, 2^60) are usage errors, not a crash or a wrapped estimate.
#
# Each run is at 1 rank (directly) and at 2 ranks (through jobs/pas-launch),
# under a generous timeout: it asserts the verdict, not a speed.
set -u
cd "$(dirname "$0")/../.."
bin="$PWD/${PAS_BINDIR:-bin}"
mpi="${PAS_MPI:-1}"
nps="1 2"
[ "$mpi" = 0 ] && nps="1"
work=$(mktemp -d)
cg=""
cleanup() {
    [ -n "$cg" ] && [ -d "$cg" ] && rmdir "$cg" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0 skip=0
ok()   { pass=$((pass + 1)); echo "  ok    $*"; }
bad()  { fail=$((fail + 1)); echo "  FAIL  $*"; }
skip() { skip=$((skip + 1)); echo "  skip  $*"; }

# launch NP PROGRAM ARGS...: 1 rank directly (no launcher in the way), else
# through pas-launch.  Prefix (env, a cgroup, a ulimit) comes from $wrap.
launch() {
    local np="$1"; shift
    if [ "$np" = 1 ]; then
        "${wrap[@]}" timeout -k 5 300 "$@"
    else
        "${wrap[@]}" jobs/pas-launch -n "$np" -t 300 "$@"
    fi
}

# refused NAME REGEX PROGRAM ARGS...: exit 2 at every rank count, stderr
# matching REGEX and naming the limit, no result row, not killed.
refused() {
    local name="$1" regex="$2"; shift 2
    local prog="$1"; shift
    for np in $nps; do
        launch "$np" "$bin/$prog" "$@" >"$work/out" 2>"$work/err" </dev/null
        local rc=$?
        local lines
        lines=$(grep -c "^$prog: " "$work/err")
        if [ $rc != 2 ]; then
            bad "$name np=$np: exit $rc, expected 2 (137: killed, out of memory?)"
            tail -n 5 "$work/err" | sed 's/^/        /'
        elif ! grep -Eq -- "$regex" "$work/err"; then
            bad "$name np=$np: stderr does not match /$regex/"
            tail -n 5 "$work/err" | sed 's/^/        /'
        elif [ "$lines" != 1 ] || grep -q PASS "$work/out"; then
            bad "$name np=$np: expected one error line and no result, got $lines lines"
            cat "$work/err" "$work/out" | sed 's/^/        /'
        else
            ok "$name np=$np: $(grep "^$prog: " "$work/err" | cut -c1-150)..."
        fi
    done
}

# fits NAME PROGRAM ARGS...: a small run under the same limit still PASSes.
fits() {
    local name="$1"; shift
    local prog="$1"; shift
    for np in $nps; do
        launch "$np" "$bin/$prog" "$@" --reps 1 --warmup 0 --quiet >"$work/out" 2>"$work/err" </dev/null
        local rc=$?
        if [ $rc = 0 ] && grep -q PASS "$work/out"; then
            ok "$name np=$np"
        else
            bad "$name np=$np: exit $rc, expected 0 and PASS"
            tail -n 5 "$work/err" | sed 's/^/        /'
        fi
    done
}

# Every limit: the same refusals and the same small run that fits.
under_limit() {
    local tag="$1" regex="$2"
    refused "$tag: pas-sort --n 4e8" "needs about .* per rank but the memory limit is .*$regex" pas-sort --n 4e8
    refused "$tag: pas-scan --n 4e8" "needs about .* per rank but the memory limit is .*$regex" pas-scan --n 4e8
    refused "$tag: pas-matmul 30000^3" "needs about .* per rank but the memory limit is .*$regex" \
        pas-matmul --m 30000 --n 30000 --k 30000 --peak-seconds 0
    refused "$tag: pas-pipeline 1 GiB records" "needs about .* per rank but the memory limit is .*$regex" \
        pas-pipeline --n 4 --size 1Gi
    fits "$tag: pas-sort --n 1e6 fits" pas-sort --n 1e6
    fits "$tag: pas-scan --n 1e6 fits" pas-scan --n 1e6
}

echo "== sizes whose memory need overflows 64 bits"
wrap=(env)
refused "pas-sort --n 2^61" "n=2305843009213693952 is too large: its memory need overflows 64 bits" pas-sort --n 2^61
# on 2 ranks half of it fits 64 bits: then it is a plain "needs N EiB" refusal
huge="(is too large: its memory need overflows 64 bits|needs about .* EiB per rank)"
refused "pas-sort --n 2^60" "n=1152921504606846976 $huge" pas-sort --n 2^60
refused "pas-sort --n 2^59 --type kv16" "n=576460752303423488 $huge" pas-sort --n 2^59 --type kv16
nps_save="$nps" nps=1 # no --mem-limit admits an estimate that overflowed
refused "pas-sort --n 2^60 --mem-limit 2^64-1" "overflows 64 bits" pas-sort --n 2^60 --mem-limit 18446744073709551615
nps="$nps_save"
refused "pas-scan --n 2^61" "overflows 64 bits" pas-scan --n 2^61
refused "pas-sort --n 2^64" "too large \(overflows 64 bits\)" pas-sort --n 2^64

echo "== SLURM_MEM_PER_NODE=3072 (a job with --mem=3G)"
wrap=(env SLURM_MEM_PER_NODE=3072)
under_limit "slurm per node" "SLURM_MEM_PER_NODE"

echo "== SLURM_MEM_PER_CPU=1536 x SLURM_CPUS_ON_NODE=2"
wrap=(env SLURM_MEM_PER_CPU=1536 SLURM_CPUS_ON_NODE=2)
refused "slurm per cpu: pas-sort --n 4e8" "SLURM_MEM_PER_CPU x SLURM_CPUS_ON_NODE" pas-sort --n 4e8

echo "== RLIMIT_AS (ulimit -v 3 GiB)"
if (ulimit -v 3145728) 2>/dev/null; then
    wrap=(sh -c 'ulimit -v 3145728 && exec "$@"' sh)
    under_limit "ulimit -v" "RLIMIT_AS"
else
    skip "ulimit -v: this shell cannot set RLIMIT_AS"
fi

echo "== a memory cgroup with a 3 GiB limit"
# make_cgroup: a child of this process's memory cgroup with a 3 GiB limit;
# sets cg (its directory) and cgfile (the limit file), or says why not.
make_cgroup() {
    local dir mnt rel
    if [ "$(id -u)" != 0 ]; then why="not root"; return 1; fi
    # v2: the unified hierarchy, where the memory controller is enabled
    rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
    mnt=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
    if [ -n "$rel" ] && [ -n "$mnt" ] && grep -qw memory "$mnt$rel/cgroup.controllers" 2>/dev/null; then
        dir="$mnt${rel%/}/pas-memlimit-$$"
        if (grep -qw memory "$mnt$rel/cgroup.subtree_control" || echo +memory >"$mnt$rel/cgroup.subtree_control") 2>/dev/null &&
           mkdir "$dir" 2>/dev/null; then
            cg="$dir"
            echo 3221225472 >"$dir/memory.max" 2>/dev/null && cgfile=memory.max && return 0
        fi
    fi
    # v1: the hierarchy with the memory controller
    rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3; exit}' /proc/self/cgroup)
    mnt=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ {print $5; exit}' /proc/self/mountinfo)
    if [ -n "$rel" ] && [ -n "$mnt" ] && [ -z "$cg" ]; then
        dir="$mnt${rel%/}/pas-memlimit-$$"
        if mkdir "$dir" 2>/dev/null; then
            cg="$dir"
            echo 3221225472 >"$dir/memory.limit_in_bytes" 2>/dev/null && cgfile=memory.limit_in_bytes && return 0
        fi
    fi
    why="cannot create a memory cgroup with a limit here (no writable v2 memory controller or v1 memory hierarchy)"
    return 1
}
why=""
if make_cgroup; then
    # every launch enters the cgroup first; its children (mpirun, ranks) inherit it
    wrap=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg")
    under_limit "cgroup $cgfile" "cgroup v[12] $cgfile of .*pas-memlimit"
else
    skip "cgroup: $why"
fi

echo "memlimit: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
