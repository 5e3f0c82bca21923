/* run.c - the entry: check the spec, the stages and the options, then run
 * the pipeline on the engine the communicator calls for (MPI on 2+ ranks,
 * shared memory on 1). */
#include <string.h>

#include "pipe_internal.h"

void pas_pipe_opts_default(pas_pipe_opts_t *o)
{
    /* measured on the shared 2-core machine: 64-byte items through 3 ranks went
     * from 1.1-1.3 M items/s (256 items, 4 credits) to 1.9-3.2 (1024, 8) */
    *o = (pas_pipe_opts_t){.credits = 8, .batch_items = 1024, .batch_bytes = 256 << 10};
}

pas_status pas_pipe_run(MPI_Comm comm, const pas_pipe_spec_t *spec, const pas_pipe_stage_t *stages,
                        const pas_pipe_opts_t *opt, pas_pipe_metrics_t *metrics, char *err,
                        size_t errlen)
{
    int size;
    pas_pipe_metrics_t local;
    if (!metrics)
        metrics = &local;
    memset(metrics, 0, sizeof *metrics);
    if (MPI_Comm_size(comm, &size) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    int rc = pas_pipe_check(spec, opt, size, err, errlen);
    if (rc)
        return rc;
    for (int s = 0; s < spec->nstages; s++)
        if (!stages[s].process) {
            snprintf(err, errlen, "stage '%s' has no process callback", spec->name[s]);
            return PAS_ERR_ARG;
        }
    if (opt->engine == 2 && size > 1) {
        snprintf(err, errlen,
                 "the shared-memory engine runs on 1 rank (the job has %d); use engine 0", size);
        return PAS_ERR_ARG;
    }
    /* one rank never messages itself: its workers are threads over shared
     * memory (also the OpenMP-only build, where there is only one rank) */
    if (size == 1)
        return pas_pipe_engine_shm_run(spec, stages, opt, metrics, err, errlen);
    return pas_pipe_engine_mpi_run(comm, spec, stages, opt, metrics, err, errlen);
}
