/* buffers.c - the bottom of the sort module: large allocations on huge
 * pages and the parallel copy. */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "sort_internal.h"

void *pas_sort_malloc(size_t bytes)
{
    if (bytes < ((size_t)4 << 20))
        return malloc(bytes);
    void *p = NULL;
    const size_t huge = (size_t)2 << 20;
    if (posix_memalign(&p, huge, bytes))
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, (bytes / huge) * huge, MADV_HUGEPAGE);
#endif
    return p;
}

void *pas_sort_alloc(size_t n, size_t size)
{
    if (size && n > (SIZE_MAX - 64) / size)
        return NULL;
    return pas_sort_malloc(n * size + 16);
}

void pas_sort_copy(void *dst, const void *src, size_t bytes)
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
