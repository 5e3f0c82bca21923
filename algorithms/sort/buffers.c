/* buffers.c - the bottom of the sort module: large allocations on huge
 * pages and the parallel copy. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

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

int pas_sort_resident(const void *p, size_t bytes)
{
#if defined(__linux__)
    const long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0 || bytes == 0)
        return 0;
    int in = 0;
    for (int k = 0; k < 16; k++) {
        uintptr_t q = ((uintptr_t)p + bytes / 16 * (size_t)k) & ~((uintptr_t)pg - 1);
        unsigned char v = 0;
        if (mincore((void *)q, 1, &v) == 0 && (v & 1))
            in++;
    }
    return in >= 8;
#else
    (void)p;
    (void)bytes;
    return 0;
#endif
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
