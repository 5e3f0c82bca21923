/* local_radix.c - OpenMP radix sorts of uint64 keys and (k, v) pairs. */
#include "sort_internal.h"

#define T uint64_t
#define SFX _u64
#define ND 8
#define DIGIT(x, d) ((unsigned)((x) >> (8 * (d))) & 0xffu)
#define LESS(a, b) ((a) < (b))
#define VARY_ACC(acc, x, x0) ((acc) |= (x) ^ (x0))
#define VARY_OR(acc, y) ((acc) |= (y))
#include "local_radix_body.h"
#undef T
#undef SFX
#undef ND
#undef DIGIT
#undef LESS
#undef VARY_ACC
#undef VARY_OR

#define T pas_sort_pair_t
#define SFX _pair
#define ND 16
#define DIGIT(x, d) ((d) < 8 ? (unsigned)((x).v >> (8 * (d))) & 0xffu : (unsigned)((x).k >> (8 * ((d)-8))) & 0xffu)
#define LESS(a, b) ((a).k < (b).k || ((a).k == (b).k && (a).v < (b).v))
#define VARY_ACC(acc, x, x0) ((acc).k |= (x).k ^ (x0).k, (acc).v |= (x).v ^ (x0).v)
#define VARY_OR(acc, y) ((acc).k |= (y).k, (acc).v |= (y).v)
#include "local_radix_body.h"
#undef T
#undef SFX
#undef ND
#undef DIGIT
#undef LESS
#undef VARY_ACC
#undef VARY_OR

void pas_sort_radix_u64(uint64_t *a, uint64_t *tmp, size_t n)
{
    rx_msd_par__u64(a, tmp, n, 8, SORT_THREADS());
}

void pas_sort_radix_pair(pas_sort_pair_t *a, pas_sort_pair_t *tmp, size_t n)
{
    rx_msd_par__pair(a, tmp, n, 16, SORT_THREADS());
}

void sort_copy(void *dst, const void *src, size_t bytes)
{
    if (bytes < (1u << 20)) {
        memcpy(dst, src, bytes);
        return;
    }
#pragma omp parallel
    {
        pas_range_t r = pas_decomp_block_range(bytes, SORT_NTH(), SORT_TID());
        memcpy((char *)dst + r.lo, (const char *)src + r.lo, (size_t)pas_range_len(r));
    }
}
