/* local_quick.c - OpenMP quicksort (tasks) of keys and pairs. */
#include "sort_internal.h"

#define PAS_SORT_BODY "local_quick_body.h"
#include "sort_kinds.h"
