/* local_radix.c - OpenMP radix sorts of uint64 keys and (k, v) pairs. */
#include "sort_internal.h"

#define PAS_SORT_BODY "local_radix_body.h"
#include "sort_kinds.h"
