/* status.c - pas status codes, their text, and how they map to exit codes. */
#include "pas_core.h"

static const char *const status_text[] = {
#define STATUS_TEXT_(name, value, text) [-(value)] = text,
    PAS_STATUS_LIST(STATUS_TEXT_)
#undef STATUS_TEXT_
};
_Static_assert(sizeof status_text / sizeof *status_text == -PAS_ERR_LAST,
               "PAS_ERR_LAST must be one past the last status of PAS_STATUS_LIST");

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
