/* status.c - pas status codes, their text, and how they map to exit codes. */
#include "pas_core.h"

static const char *const status_text[] = {
    [0] = "success",
    [-PAS_ERR_ARG] = "invalid argument",
    [-PAS_ERR_NOMEM] = "out of memory",
    [-PAS_ERR_IO] = "I/O error",
    [-PAS_ERR_MPI] = "MPI error",
    [-PAS_ERR_VERIFY] = "verification failed",
    [-PAS_ERR_OVERFLOW] = "size or count overflows its type",
    [-PAS_ERR_UNSUPPORTED] = "not supported",
    [-PAS_ERR_FORMAT] = "malformed input data",
    [-PAS_ERR_TIMEOUT] = "timed out",
    [-PAS_ERR_INTERNAL] = "internal error (a bug in pas)",
    [-PAS_ERR_REMOTE] = "another rank failed",
};

const char *pas_strerror(int status)
{
    if (status > 0 || status <= PAS_ERR_LAST)
        return "unknown status";
    return status_text[-status];
}

int pas_exit_code(int status)
{
    if (status == PAS_OK)
        return 0;
    return status == PAS_ERR_ARG ? 2 : 1;
}
