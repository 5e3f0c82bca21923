/* block.c - balanced 1D block distribution and its owners. */
#include "pas_decomp.h"

pas_range_t pas_decomp_block_range(uint64_t n, int p, int i)
{
    uint64_t q = n / (uint64_t)p, r = n % (uint64_t)p, ui = (uint64_t)i;
    uint64_t lo = ui * q + (ui < r ? ui : r);
    return (pas_range_t){lo, lo + q + (ui < r)};
}

uint64_t pas_decomp_block_count(uint64_t n, int p, int i)
{
    return n / (uint64_t)p + ((uint64_t)i < n % (uint64_t)p);
}

int pas_decomp_block_owner(uint64_t n, int p, uint64_t g)
{
    if (g >= n)
        return -1;
    uint64_t q = n / (uint64_t)p, r = n % (uint64_t)p;
    uint64_t big = r * (q + 1); /* items held by the r parts with one more */
    if (g < big)
        return (int)(g / (q + 1));
    return (int)(r + (g - big) / q); /* q > 0 here, since g < n and g >= big */
}

pas_block2d_t pas_decomp_block2d(uint64_t m, uint64_t n, int rows, int cols, int r, int c)
{
    return (pas_block2d_t){pas_decomp_block_range(m, rows, r), pas_decomp_block_range(n, cols, c)};
}
