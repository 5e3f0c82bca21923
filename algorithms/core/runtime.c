/* runtime.c - starting MPI, agreeing on a verdict, failing loudly. */
#include <stdlib.h>

#include "pas_core.h"
#include "pas_watch.h"

int pas_thread_level_ok(int provided, int required)
{
    /* The levels are ordered SINGLE < FUNNELED < SERIALIZED < MULTIPLE. */
    return provided >= required;
}

int pas_init(int *argc, char ***argv)
{
    int provided = MPI_THREAD_SINGLE;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "pas: MPI_Init_thread failed; check the MPI installation and launcher\n");
        exit(1);
    }
    if (!pas_thread_level_ok(provided, MPI_THREAD_FUNNELED)) {
        int rank = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        if (rank == 0)
            fprintf(stderr, "pas: the MPI library provides thread level %d, below "
                            "MPI_THREAD_FUNNELED (%d) that OpenMP regions need; use an MPI "
                            "built with thread support\n", provided, MPI_THREAD_FUNNELED);
        MPI_Finalize();
        exit(1);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return PAS_OK;
}

int pas_agree(MPI_Comm comm, int status)
{
    /* PAS_ERR_REMOTE ("another rank failed") never hides the real cause:
     * agree on the worst real error, and on whether anyone failed at all. */
    int in[2] = {status == PAS_ERR_REMOTE ? PAS_OK : status, status != PAS_OK ? -1 : 0};
    int out[2];
    if (PAS_WATCHED("MPI_Allreduce (verdict)", -1, -1,
                    MPI_Allreduce(in, out, 2, MPI_INT, MPI_MIN, comm)) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    if (out[0] != PAS_OK)
        return out[0];
    return out[1] ? PAS_ERR_REMOTE : PAS_OK;
}

void pas_mpi_fail(const char *what, int rc, const char *file, int line)
{
    char msg[MPI_MAX_ERROR_STRING] = "unknown MPI error";
    int len = 0, rank = -1;
    MPI_Error_string(rc, msg, &len);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr, "pas: rank %d: %s:%d: %s failed: %s\n", rank, file, line, what, msg);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1); /* not reached */
}
