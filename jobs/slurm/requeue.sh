# requeue.sh - sourced by batch scripts (after pas-job.sh and pas_job_cmd) whose
# run survives its time limit: Slurm sends USR1 to the batch shell before the
# limit (--signal=B:USR1@SECONDS, with --requeue); the run is stopped with TERM
# (srun forwards it to every rank), the job requeues itself with `scontrol
# requeue`, and the requeued job (same id, SLURM_RESTART_COUNT + 1) runs the
# same command, which resumes from what the stopped run committed (a pipeline
# checkpoint, a farm journal).  checkpoint.sbatch and farm.sbatch use it.
#
#   pas_requeue_run STOPPING [NOTE]
#     runs "${PAS_CMD[@]}"; STOPPING is what the USR1 line says ("stopping the
#     run; its checkpoint holds the progress"); NOTE, a shell function, may add
#     to the requeue line (e.g. "; 40 tasks done").  A run stopped by USR1 that
#     did not finish is requeued (at most PAS_MAX_REQUEUES times, default 20)
#     and the script exits 0; otherwise the run's status goes to
#     pas_job_finish.

pas_requeue_run() {
    local stopping="$1" note="${2:-}" rc
    PAS_REQUEUE_STOP=0
    PAS_REQUEUE_MSG="$stopping"
    trap _pas_requeue_usr1 USR1
    echo "pas-job: ${PAS_CMD[*]}"
    "${PAS_CMD[@]}" &
    PAS_RUN_PID=$!
    # `wait` returns early when a trapped signal arrives: wait again for the run.
    wait "$PAS_RUN_PID"
    rc=$?
    while kill -0 "$PAS_RUN_PID" 2>/dev/null; do
        wait "$PAS_RUN_PID"
        rc=$?
    done
    if [ "$PAS_REQUEUE_STOP" = 1 ] && [ "$rc" != 0 ]; then
        if [ "$PAS_ATTEMPT" -gt "${PAS_MAX_REQUEUES:-20}" ]; then
            echo "pas-job: stopped $PAS_ATTEMPT times; not requeueing again (PAS_MAX_REQUEUES=${PAS_MAX_REQUEUES:-20})" >&2
            exit 1
        fi
        echo "pas-job: requeueing job $SLURM_JOB_ID (attempt $PAS_ATTEMPT ends, exit $rc${note:+$("$note")})"
        scontrol requeue "$SLURM_JOB_ID" || { echo "pas-job: scontrol requeue failed" >&2; exit 1; }
        sleep 60 # Slurm ends this instance now
        exit 0
    fi
    pas_job_finish "$rc"
}

_pas_requeue_usr1() {
    PAS_REQUEUE_STOP=1
    echo "pas-job: USR1 at $(date -u +%T): $PAS_REQUEUE_MSG"
    [ -n "${PAS_RUN_PID:-}" ] && kill -TERM "$PAS_RUN_PID" 2>/dev/null
}
