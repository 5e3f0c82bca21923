/* runtime.c - starting MPI and agreeing on a verdict. */
#include "pas_core.h"
#include "pas_watch.h"

int pas_thread_level_ok(int provided, int required)
{
    /* The levels are ordered SINGLE < FUNNELED < SERIALIZED < MULTIPLE. */
    return provided >= required;
}

pas_status pas_init(int *argc, char ***argv)
{
    int provided = MPI_THREAD_SINGLE;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    if (!pas_thread_level_ok(provided, MPI_THREAD_FUNNELED))
        return PAS_ERR_UNSUPPORTED;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return PAS_OK;
}

pas_status pas_agree(MPI_Comm comm, int status)
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

pas_status pas_agree_own(MPI_Comm comm, int status)
{
    pas_status rc = pas_agree(comm, status);
    return rc != PAS_OK && status == PAS_OK ? PAS_ERR_REMOTE : rc;
}
