/* local_radix.c - OpenMP radix sorts of uint64 keys and (k, v) pairs. */
#include "sort_internal.h"
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#define PAS_SORT_BODY "local_radix_body.h"
#include "sort_kinds.h"
