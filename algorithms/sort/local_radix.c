/* local_radix.c - OpenMP radix sorts of uint64 keys, (k, v) pairs and uint32 keys. */
#include "sort_internal.h"
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/* 0: the radix sorts use no SIMD paths (AVX-512 or AVX2) whatever the CPU
 * has; PAS_SORT_SIMD_AVX2: at most the AVX2 ones (tests set both to cover
 * the paths of CPUs without them) */
int pas_sort_radix_simd = 1;
size_t pas_sort_radix_inplace_bytes = (size_t)8 << 20;
size_t pas_sort_radix_inplace_bucket = 32768; /* RX_HOT / 2 */
size_t pas_sort_radix_inplace_levels;
size_t pas_sort_radix_inplace_maps;
size_t pas_sort_radix_inplace_retries;
int pas_sort_radix_inplace_last_bits;

#define PAS_SORT_BODY "local_radix_body.h"
#include "sort_kinds.h"
