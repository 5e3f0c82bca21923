# pas-job.sh - sourced by the pas job scripts (jobs/slurm/*.sbatch); not run alone.
#
# It finds the pas tree and its programs, derives the hybrid layout from Slurm's
# variables, launches with srun or mpirun, and retries a failing run a bounded
# number of times by requeueing the job. Everything is a variable with a default:
#
#   PAS_HOME       the pas checkout/installation (default: the submit directory
#                  if it holds jobs/slurm/pas-job.sh, else found from the script)
#   PAS_BINDIR     where the programs are (default: $PAS_HOME/bin)
#   PAS_LAUNCHER   srun | mpirun (default: srun inside Slurm, mpirun outside)
#   PAS_RANKS      MPI ranks (default: $SLURM_NTASKS, else 1)
#   PAS_THREADS    OpenMP threads per rank (default: $SLURM_CPUS_PER_TASK, else 1)
#   PAS_CPU_BIND   cores | threads | none (default: cores): srun --cpu-bind=...,
#                  mpirun --bind-to ...; use none when ranks x threads exceed cores
#   OMP_PLACES, OMP_PROC_BIND   (default: cores, close) exported to every rank
#   PAS_SRUN_ARGS, PAS_MPIRUN_ARGS   extra launcher arguments
#   PAS_TIMEOUT    kill the run after this many seconds (default: none)
#   PAS_RETRIES    requeue a failing job up to this many times (default: 0);
#                  then the failure is reported (stderr and $PAS_REPORT) and the
#                  job ends FAILED
#   PAS_REPORT     file that gets one line per attempt (default: none)

pas_job_die() { echo "pas-job: $*" >&2; exit 2; }

# The script's own path: under sbatch $0 is a spooled copy, so ask Slurm.
pas_job_script() {
    local c=""
    if [ -n "${SLURM_JOB_ID:-}" ] && command -v scontrol >/dev/null 2>&1; then
        c=$(scontrol show job "${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}" 2>/dev/null | sed -n 's/^ *Command=\([^ ]*\).*/\1/p' | head -n 1)
    fi
    echo "${c:-$0}"
}

pas_job_setup() {
    local name="$1"
    PAS_JOB_NAME="$name"
    if [ -z "${PAS_HOME:-}" ]; then
        if [ -n "${SLURM_SUBMIT_DIR:-}" ] && [ -f "$SLURM_SUBMIT_DIR/jobs/slurm/pas-job.sh" ]; then
            PAS_HOME="$SLURM_SUBMIT_DIR"
        else
            PAS_HOME=$(cd "$(dirname "$(pas_job_script)")/../.." 2>/dev/null && pwd)
        fi
    fi
    PAS_BINDIR="${PAS_BINDIR:-$PAS_HOME/bin}"
    PAS_RANKS="${PAS_RANKS:-${SLURM_NTASKS:-1}}"
    PAS_THREADS="${PAS_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"
    PAS_CPU_BIND="${PAS_CPU_BIND:-cores}"
    if [ -z "${PAS_LAUNCHER:-}" ]; then
        if [ -n "${SLURM_JOB_ID:-}" ] && command -v srun >/dev/null 2>&1; then
            PAS_LAUNCHER=srun
        else
            PAS_LAUNCHER=mpirun
        fi
    fi
    # One OpenMP thread team per rank, pinned next to each other on its cores.
    export OMP_NUM_THREADS="$PAS_THREADS"
    export OMP_PLACES="${OMP_PLACES:-cores}"
    export OMP_PROC_BIND="${OMP_PROC_BIND:-close}"
    # Slurm >= 22.05: srun no longer inherits sbatch's --cpus-per-task.
    export SRUN_CPUS_PER_TASK="$PAS_THREADS"
    # Open MPI refuses root unless told; test clusters run jobs as root.
    if [ "$(id -u)" = 0 ]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi
    # An attempt counter that survives requeues.
    PAS_ATTEMPT=$(( ${SLURM_RESTART_COUNT:-0} + 1 ))
    echo "pas-job: $name job ${SLURM_JOB_ID:-none}${SLURM_ARRAY_TASK_ID:+ array task $SLURM_ARRAY_TASK_ID} attempt $PAS_ATTEMPT" \
         "on ${SLURM_JOB_NODELIST:-$(hostname -s)}: $PAS_RANKS ranks x $PAS_THREADS threads," \
         "launcher $PAS_LAUNCHER, cpu-bind $PAS_CPU_BIND, OMP_PLACES=$OMP_PLACES OMP_PROC_BIND=$OMP_PROC_BIND"
}

# pas_job_cmd PROGRAM ARGS... : print nothing, fill the array PAS_CMD.
pas_job_cmd() {
    local prog="$1"
    shift
    case "$prog" in */*) ;; *) prog="$PAS_BINDIR/$prog" ;; esac
    [ -x "$prog" ] || pas_job_die "$prog is not built; run 'make' in $PAS_HOME or set PAS_BINDIR"
    PAS_CMD=()
    [ -n "${PAS_TIMEOUT:-}" ] && PAS_CMD+=(timeout -k 10 "$PAS_TIMEOUT")
    case "$PAS_LAUNCHER" in
    srun)
        PAS_CMD+=(srun --ntasks="$PAS_RANKS" --cpus-per-task="$PAS_THREADS" --cpu-bind="$PAS_CPU_BIND" ${PAS_SRUN_ARGS:-})
        ;;
    mpirun)
        local bind=none
        [ "$PAS_CPU_BIND" != none ] && bind="${PAS_CPU_BIND%s}"
        PAS_CMD+=(mpirun -np "$PAS_RANKS" -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND)
        if [ "$bind" = none ]; then
            PAS_CMD+=(--bind-to none)
        else
            PAS_CMD+=(--map-by "slot:PE=$PAS_THREADS" --bind-to "$bind")
        fi
        PAS_CMD+=(${PAS_MPIRUN_ARGS:-})
        ;;
    direct) [ "$PAS_RANKS" = 1 ] || pas_job_die "PAS_LAUNCHER=direct runs one rank, not $PAS_RANKS" ;;
    *) pas_job_die "PAS_LAUNCHER='$PAS_LAUNCHER' is not srun, mpirun or direct" ;;
    esac
    PAS_CMD+=("$prog" "$@")
}

# pas_job_run PROGRAM ARGS... : launch; returns the program's exit status.
pas_job_run() {
    pas_job_cmd "$@" || return $?
    echo "pas-job: ${PAS_CMD[*]}"
    "${PAS_CMD[@]}"
}

# pas_job_finish RC : record the attempt; on failure requeue while retries are
# left (the job starts again, SLURM_RESTART_COUNT one higher), else report.
pas_job_finish() {
    local rc="$1" retries="${PAS_RETRIES:-0}" verdict
    if [ "$rc" = 0 ]; then
        verdict=ok
    elif [ -n "${SLURM_JOB_ID:-}" ] && [ "$PAS_ATTEMPT" -le "$retries" ]; then
        verdict="failed (exit $rc), requeued for attempt $((PAS_ATTEMPT + 1)) of $((retries + 1))"
    else
        verdict="FAILED (exit $rc) after $PAS_ATTEMPT attempt(s); giving up"
    fi
    echo "pas-job: $PAS_JOB_NAME job ${SLURM_JOB_ID:-none} attempt $PAS_ATTEMPT: $verdict" >&2
    [ -n "${PAS_REPORT:-}" ] && echo "$(date -u +%FT%TZ) $PAS_JOB_NAME job ${SLURM_JOB_ID:-none} attempt $PAS_ATTEMPT: $verdict" >>"$PAS_REPORT"
    case "$verdict" in
    failed*)
        scontrol requeue "$SLURM_JOB_ID" || { echo "pas-job: scontrol requeue failed; the job ends FAILED" >&2; exit "$rc"; }
        # Slurm stops this instance now; do not report success meanwhile.
        sleep 60
        ;;
    esac
    exit "$rc"
}
