/* cyclic.c - block-cyclic distribution: blocks of nb dealt round-robin. */
#include "pas_decomp.h"

uint64_t pas_decomp_cyclic_count(uint64_t n, uint64_t nb, int p, int i, int first)
{
    uint64_t up = (uint64_t)p;
    uint64_t dist = ((uint64_t)i + up - (uint64_t)first) % up; /* distance from first */
    uint64_t nblocks = n / nb;                                 /* full blocks */
    uint64_t count = (nblocks / up) * nb;
    uint64_t extra = nblocks % up;
    if (dist < extra)
        count += nb;
    else if (dist == extra)
        count += n % nb; /* the last, partial block */
    return count;
}

int pas_decomp_cyclic_owner(uint64_t g, uint64_t nb, int p, int first)
{
    return (int)(((g / nb) + (uint64_t)first) % (uint64_t)p);
}

uint64_t pas_decomp_cyclic_g2l(uint64_t g, uint64_t nb, int p)
{
    return (g / (nb * (uint64_t)p)) * nb + g % nb;
}

uint64_t pas_decomp_cyclic_l2g(uint64_t l, uint64_t nb, int p, int i, int first)
{
    uint64_t up = (uint64_t)p;
    uint64_t dist = ((uint64_t)i + up - (uint64_t)first) % up;
    return ((l / nb) * up + dist) * nb + l % nb;
}
