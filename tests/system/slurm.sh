#!/usr/bin/env bash
# slurm.sh - every job script in jobs/ through a real Slurm on this machine.
#
# Installs slurm-wlm and munge when missing (as root), brings up a private
# two-node cluster (jobs/slurm/local-cluster.sh), submits all jobs at once, waits
# for them, checks their results, and tears the cluster down by its PIDs:
#   a two-node MPI job with srun and with mpirun; hybrid sort, matmul, pipeline
#   jobs; a scaling study as job arrays (CSV + PNG); a dependency chain
#   generate -> sort -> verify (afterok) started with --begin; a job that is
#   signalled before its time limit, checkpoints, requeues itself and ends with
#   output identical to an uninterrupted run; a pas-farm task list over both
#   nodes stopped by its time limit, requeued, resumed from its journal; a failing job retried a bounded
#   number of times, then reported; a broken chain cancelled by afterok.
# Last line: "slurm: N passed, N failed, N skipped". PAS_BINDIR (default bin).
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "  ok    $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL  $*"; }
skipped() { skip=$((skip + 1)); echo "  skip  $*"; }
finish() {
    echo "slurm: $pass passed, $fail failed, $skip skipped"
    [ $fail = 0 ]
    exit
}
start=$(date +%s)

# ---- Slurm itself -------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    why=""
    if [ "$(id -u)" != 0 ]; then
        why="not root (install with: sudo apt-get install -y slurm-wlm munge)"
    elif ! command -v apt-get >/dev/null; then
        why="no apt-get on this system"
    else
        echo "slurm: installing slurm-wlm and munge"
        export DEBIAN_FRONTEND=noninteractive
        if ! apt-get install -y -qq slurm-wlm munge >/tmp/pas-slurm-apt.log 2>&1; then
            apt-get update -qq >/dev/null 2>&1
            apt-get install -y -qq slurm-wlm munge >/tmp/pas-slurm-apt.log 2>&1 ||
                why="apt-get install failed: $(tail -n 1 /tmp/pas-slurm-apt.log)"
        fi
    fi
    if [ -n "$why" ] || ! command -v slurmctld >/dev/null; then
        echo "skipped: cannot install slurm-wlm: ${why:-slurmctld still missing}"
        skip=1
        finish
    fi
fi
if [ "${PAS_MPI:-1}" = 0 ]; then
    echo "skipped: the Slurm jobs need the MPI build (this is make MPI=0)"
    skip=1
    finish
fi
bindir=$(cd "${PAS_BINDIR:-bin}" 2>/dev/null && pwd)
if [ ! -x "$bindir/pas-scan" ]; then
    echo "slurm: ${PAS_BINDIR:-bin}/pas-scan is not built; run make first"
    fail=1
    finish
fi

work=$(mktemp -d /tmp/pas-slurm-test.XXXXXX)
cluster="$work/cluster"
down() {
    jobs/slurm/local-cluster.sh down --dir "$cluster" >/dev/null 2>&1
}
trap 'down; echo "slurm: interrupted"; exit 1' INT TERM
if ! jobs/slurm/local-cluster.sh up --dir "$cluster" --nodes 2 >"$work/up.log" 2>&1; then
    bad "local-cluster.sh up --nodes 2: $(tail -n 3 "$work/up.log")"
    tail -n 20 "$cluster"/log/*.log 2>/dev/null
    down
    finish
fi
trap 'down' EXIT
ok "local Slurm up: munged, slurmctld, slurmd n1 and n2 ($(( $(date +%s) - start ))s so far)"
export SLURM_CONF="$cluster/slurm.conf"
# Jobs spanning the two simulated nodes talk over TCP; the 8 CPUs per node are
# more than the real cores, so nothing is pinned.
export OMPI_MCA_btl=self,tcp PAS_CPU_BIND=none PAS_HOME="$root" PAS_BINDIR="$bindir" PAS_TIMEOUT=240
unset PAS_LAUNCHER PAS_ARGS PAS_RETRIES PAS_REPORT

if timeout 30 srun -N2 -n2 hostname >"$work/hostname.out" 2>&1 && [ "$(wc -l <"$work/hostname.out")" = 2 ]; then
    ok "srun -N2 -n2 hostname"
else
    bad "srun -N2 -n2 hostname: $(tail -n 2 "$work/hostname.out")"
fi

# ---- submit everything at once ------------------------------------------------
declare -A jid
sub() { # NAME sbatch-args... : submit, remember the id
    local name="$1" id
    shift
    id=$(sbatch --parsable -o "$work/$name.out" "$@" 2>"$work/$name.submit") && jid[$name]=${id%%;*} ||
        bad "$name: sbatch refused: $(tail -n 1 "$work/$name.submit")"
}
has() { [ -x "$bindir/$1" ]; }

sub mpi2-srun -N2 --ntasks-per-node=2 -c 1 jobs/slurm/scan.sbatch --n 2M --reps 2
PAS_LAUNCHER=mpirun sub mpi2-mpirun -N2 --ntasks-per-node=2 -c 1 jobs/slurm/scan.sbatch --n 2M --reps 2
sub sort -N1 --ntasks-per-node=2 -c 2 jobs/slurm/sort.sbatch --algo sample --n 2M --reps 1
if has pas-matmul; then
    sub matmul -N1 --ntasks-per-node=4 -c 1 jobs/slurm/matmul.sbatch --algo summa --m 384 --n 384 --k 384 --reps 1
fi
if has pas-pipeline; then
    sub pipeline -N1 --ntasks-per-node=3 -c 1 jobs/slurm/pipeline.sbatch --spec gen:1,work:1,write:1 --n 20K
fi

# Checkpoint, requeue, resume: the run needs about 40 s; Slurm checks time
# limits every 30 s, and with --signal=B:USR1@50 on a 1-minute limit the first
# check already sends USR1.
ck_args=(--spec gen:1,work:1,write:1 --n 100K --size 48 --ordered --quiet)
has pas-pipeline && PAS_WORKDIR="$work" sub ckpt -t 1 --signal=B:USR1@50 -N1 --ntasks-per-node=3 -c 1 \
    jobs/slurm/checkpoint.sbatch "${ck_args[@]}" --cost-us 400

# The task farm over both nodes: the time limit stops it, it requeues itself
# and resumes from its journal (about 40 s of tasks on 2 x 2 slots).
if has pas-farm; then
    seq 1 120 >"$work/farm.args"
    PAS_WORKDIR="$work" sub farm -t 1 --signal=B:USR1@50 -N2 --ntasks-per-node=1 -c 2 \
        jobs/slurm/farm.sbatch --command 'sleep 1.3 && echo {}' --args "$work/farm.args" --slots 2
fi

# A failing run (its verification catches a corrupted result), retried twice.
fail_prog=(pas-scan --n -5)
has pas-sort && fail_prog=(pas-sort --n 100K --corrupt drop --reps 1)
PAS_RETRIES=2 PAS_REPORT="$work/retry.report" sub retry -N1 --ntasks-per-node=2 -c 1 \
    jobs/slurm/$( [ "${fail_prog[0]}" = pas-sort ] && echo sort || echo scan ).sbatch "${fail_prog[@]:1}"

# The dependency chain, scheduled 20 s ahead; and one whose first job fails.
if has pas-sort; then
    wf_submit=$(date +%s)
    wf=$(jobs/slurm/workflow.sh --dir "$work/wf" --n 300000 --begin now+20 2>"$work/wf.submit") ||
        bad "workflow.sh: $(tail -n 1 "$work/wf.submit")"
    read -r jid[wf-gen] jid[wf-sort] jid[wf-verify] <<<"$wf"
    # A broken chain: the generator gets a bad count, so sort and verify never run.
    wfb=$(jobs/slurm/workflow.sh --dir "$work/wfb" --n 12x 2>"$work/wfb.submit") ||
        bad "workflow.sh (broken): $(tail -n 1 "$work/wfb.submit")"
    read -r jid[wfb-gen] jid[wfb-sort] jid[wfb-verify] <<<"$wfb"
else
    skipped "dependency chain generate -> sort -> verify: pas-sort is not built"
fi

# Scaling study: one job array per mode, then a collecting job.
PAS_CPU_BIND=none jobs/scale/scaling.sh --slurm --dir "$work/scale" --splits "1x1 2x1 1x2 2x2" --size 1M \
    -- "$bindir/pas-scan" --reps 2 >"$work/scale.submit" 2>&1 || bad "scaling.sh --slurm: $(tail -n 2 "$work/scale.submit")"
jid[scale-collect]=$(sed -n 's/.*collecting job \([0-9]*\).*/\1/p' "$work/scale.submit")
jid[scale-strong]=$(sed -n 's/.*strong scaling: job array \([0-9]*\).*/\1/p' "$work/scale.submit")

# ---- wait -----------------------------------------------------------------------
state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
field() { scontrol show job "$1" 2>/dev/null | sed -n "s/.* $2=\([^ ]*\).*/\1/p" | head -n 1; }
final() { case "$1" in ''|*PENDING*|*RUNNING*|*REQUEUE*|*COMPLETING*|*CONFIGURING*|*SUSPENDED*) return 1 ;; esac; }
deadline=$(( $(date +%s) + ${PAS_SLURM_TEST_LIMIT:-300} ))
while :; do
    left=0
    for n in "${!jid[@]}"; do
        [ -n "${jid[$n]}" ] || continue
        final "$(state "${jid[$n]}")" || left=$((left + 1))
    done
    [ $left = 0 ] && break
    if [ "$(date +%s)" -gt "$deadline" ]; then
        bad "$left job(s) still not finished after ${PAS_SLURM_TEST_LIMIT:-300}s:"
        squeue
        break
    fi
    sleep 2
done

# ---- check ----------------------------------------------------------------------
show() { sed 's/^/        /' "$work/$1.out" 2>/dev/null | tail -n "${2:-8}"; }
expect() { # NAME STATE REGEX WHAT
    local s
    s=$(state "${jid[$1]:-0}")
    if [ "$s" = "$2" ] && grep -Eq "$3" "$work/$1.out" 2>/dev/null; then
        ok "$4"
    else
        bad "$4: job ${jid[$1]:-?} is ${s:-unknown}, expected $2 and /$3/ in its output:"
        show "$1"
    fi
}
expect mpi2-srun COMPLETED 'pas-scan .* 4x1 .*PASS' "two-node MPI job, srun (scan.sbatch -N2 --ntasks-per-node=2)"
grep -q 'hosts *= 2' "$work/mpi2-srun.out" 2>/dev/null || bad "two-node MPI job: the ranks did not run on 2 nodes"
expect mpi2-mpirun COMPLETED 'pas-scan .* 4x1 .*PASS' "two-node MPI job, mpirun (PAS_LAUNCHER=mpirun)"
grep -q 'launcher mpirun' "$work/mpi2-mpirun.out" 2>/dev/null || bad "the mpirun job did not use mpirun"
expect sort COMPLETED 'pas-sort .* 2x2 .*PASS' "hybrid sort job: 2 ranks x 2 threads (OMP_NUM_THREADS from --cpus-per-task)"
if has pas-matmul; then
    expect matmul COMPLETED 'pas-matmul .* 4x1 .*PASS' "matmul job (matmul.sbatch, 4 ranks)"
else
    skipped "matmul job: pas-matmul is not built"
fi
if has pas-pipeline; then
    expect pipeline COMPLETED 'pas-pipeline .*PASS' "pipeline job (pipeline.sbatch, 3 ranks)"
    # Checkpoint-requeue-resume against an uninterrupted run of the same pipeline.
    ref="$work/ckpt-ref.out"
    jobs/pas-launch -n 3 -t 120 "$bindir/pas-pipeline" "${ck_args[@]}" --cost-us 0 --output "$ref" \
        >/dev/null 2>"$work/ckpt-ref.err" || true
    restarts=$(field "${jid[ckpt]:-0}" Restarts)
    got="$work/pas-ckpt.${jid[ckpt]:-0}.out"
    if [ "$(state "${jid[ckpt]:-0}")" = COMPLETED ] && [ "${restarts:-0}" -ge 1 ] && grep -q 'USR1 at' "$work/ckpt.out" &&
        [ -s "$ref" ] && cmp -s "$ref" "$got"; then
        ok "checkpoint job: USR1 before the limit, requeued $restarts time(s), output identical to an uninterrupted run ($(stat -c %s "$got") bytes)"
    else
        bad "checkpoint job ${jid[ckpt]:-?}: state $(state "${jid[ckpt]:-0}"), restarts ${restarts:-?}, output $( [ -s "$got" ] && { cmp -s "$ref" "$got" && echo identical || echo DIFFERENT; } || echo missing):"
        show ckpt 15
    fi
else
    skipped "pipeline job and checkpoint-requeue-resume: pas-pipeline is not built"
fi

if has pas-farm; then
    fj="$work/pas-farm.${jid[farm]:-0}.tsv"
    restarts=$(field "${jid[farm]:-0}" Restarts)
    okn=$(grep $'\tok\t' "$fj" 2>/dev/null | cut -f2 | sort -n | uniq | wc -l)
    twice=$(grep $'\tok\t' "$fj" 2>/dev/null | cut -f2 | sort -n | uniq -d | wc -l)
    franks=$(grep $'\tok\t' "$fj" 2>/dev/null | cut -f6 | sort -u | tr '\n' ' ')
    if [ "$(state "${jid[farm]:-0}")" = COMPLETED ] && [ "${restarts:-0}" -ge 1 ] && grep -q 'USR1 at' "$work/farm.out" &&
        [ "$okn" = 120 ] && [ "$twice" = 0 ] && [ "$franks" = "0 1 " ]; then
        ok "farm job over 2 nodes: stopped by the time limit, requeued $restarts time(s), resumed: 120 tasks succeeded, none twice, on ranks $franks"
    else
        bad "farm job ${jid[farm]:-?}: state $(state "${jid[farm]:-0}"), restarts ${restarts:-?}, $okn of 120 ok, $twice succeeded twice, ranks '$franks':"
        show farm 15
    fi
else
    skipped "farm job: pas-farm is not built"
fi

attempts=$(grep -c 'attempt' "$work/retry.report" 2>/dev/null)
if [ "$(state "${jid[retry]:-0}")" = FAILED ] && [ "${attempts:-0}" = 3 ] && tail -n 1 "$work/retry.report" | grep -q 'giving up'; then
    ok "failing job: 3 attempts (PAS_RETRIES=2), then reported: $(tail -n 1 "$work/retry.report" | cut -d' ' -f2-)"
else
    bad "failing job ${jid[retry]:-?}: state $(state "${jid[retry]:-0}"), ${attempts:-0} attempts (want FAILED after 3):"
    sed 's/^/        /' "$work/retry.report" 2>/dev/null
    show retry
fi

if has pas-sort; then
    s="$(state "${jid[wf-gen]:-0}")/$(state "${jid[wf-sort]:-0}")/$(state "${jid[wf-verify]:-0}")"
    if [ "$s" = COMPLETED/COMPLETED/COMPLETED ] && grep -q 'verify: PASS' "$work/wf/verify.out" 2>/dev/null; then
        ok "dependency chain generate -> sort -> verify (afterok): independent check PASS"
    else
        bad "dependency chain: states $s:"
        sed 's/^/        /' "$work"/wf/*.out 2>/dev/null | tail -n 12
    fi
    began=$(date -d "$(field "${jid[wf-gen]:-0}" StartTime)" +%s 2>/dev/null || echo 0)
    if [ "$began" -ge $((wf_submit + 19)) ]; then
        ok "scheduled run (--begin now+20): the chain started $((began - wf_submit))s after submission"
    else
        bad "scheduled run: the first job started $((began - wf_submit))s after submission, before --begin"
    fi
    s="$(state "${jid[wfb-gen]:-0}")/$(state "${jid[wfb-sort]:-0}")/$(state "${jid[wfb-verify]:-0}")"
    if [ "$s" = FAILED/CANCELLED/CANCELLED ]; then
        ok "broken chain: the generator failed, sort and verify were cancelled (afterok)"
    else
        bad "broken chain: states $s, expected FAILED/CANCELLED/CANCELLED"
    fi
fi

csv="$work/scale/scaling.csv"
rows=$(grep -c ',PASS$' "$csv" 2>/dev/null)
tasks=$(grep -o 'ArrayTaskId=[0-9]*' <(scontrol show job "${jid[scale-strong]:-0}" 2>/dev/null) | wc -l)
if [ "$(state "${jid[scale-collect]:-0}")" = COMPLETED ] && [ "${rows:-0}" = 8 ] && [ "$tasks" = 4 ] &&
    [ -s "$work/scale/scaling.png" ] && head -c 8 "$work/scale/scaling.png" | grep -q PNG; then
    ok "scaling study: 2 job arrays x 4 tasks (ranks x threads), $csv with 8 PASS rows, scaling.png"
elif [ "$(state "${jid[scale-collect]:-0}")" = COMPLETED ] && [ "${rows:-0}" = 8 ] && ! command -v gnuplot >/dev/null; then
    ok "scaling study: 2 job arrays x 4 tasks, 8 PASS rows (no gnuplot: no PNG)"
else
    bad "scaling study: collect job $(state "${jid[scale-collect]:-0}"), ${rows:-0} PASS rows of 8, $tasks array tasks:"
    sed 's/^/        /' "$work/scale/collect.out" 2>/dev/null | tail -n 12
fi

# ---- tear down: nothing of ours may survive --------------------------------------
down
trap - EXIT
unset SLURM_CONF
survivors=""
if [ -f "$cluster/pids.stopped" ]; then
    while read -r pid name; do
        [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ] && survivors="$survivors $name:$pid"
    done <"$cluster/pids.stopped"
fi
for f in /proc/[0-9]*/environ; do
    tr '\0' '\n' 2>/dev/null <"$f" | grep -qx "SLURM_CONF=$cluster/slurm.conf" || continue
    p=${f#/proc/}; p=${p%/environ}
    [ "$p" = $$ ] || survivors="$survivors $(cat /proc/"$p"/comm 2>/dev/null):$p"
done
if [ -z "$survivors" ] && [ -f "$cluster/pids.stopped" ]; then
    ok "local-cluster.sh down: every daemon it started is gone, no job step left"
else
    bad "after down, still running:$survivors"
fi
[ $fail = 0 ] && rm -rf "$work" || echo "slurm: outputs kept in $work"
echo "slurm: finished in $(( $(date +%s) - start ))s"
finish
