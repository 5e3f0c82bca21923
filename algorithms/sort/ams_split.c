/* ams_split.c - the pure pieces of the multi-level sample sort: how many
 * levels, how many groups per level, where a piece of a group's data goes,
 * and where each group boundary lands given the global histogram of the
 * splitter candidates. */
#include <math.h>

#include "sort_internal.h"

int pas_sort_ams_levels(uint64_t n, int p)
{
    if (p <= 1)
        return 1;
    /* latency-bound: two collectives beat r levels of rounds */
    if (n <= SORT_AMS_GATHER_MAX && (n < (uint64_t)p || n / (uint64_t)p <= 256))
        return 0;
    /* one all-to-all of p - 1 messages is still cheap: measured under
     * SimGrid (fat tree, 64K keys per rank), one level is faster at 16
     * ranks, even at 32, and 2.3x slower than two levels at 64 */
    if (p <= 32)
        return 1;
    return p <= 4096 ? 2 : 3;
}

int pas_sort_ams_groups(int p, int levels)
{
    if (p <= 2 || levels <= 1)
        return p < 1 ? 1 : p;
    int k = (int)llround(pow((double)p, 1.0 / levels));
    return k < 2 ? 2 : k > p ? p : k;
}

int pas_sort_ams_route(uint64_t total, int g, int first, uint64_t off, uint64_t len, int *dest,
                       uint64_t *count)
{
    int m = 0;
    if (len == 0 || g <= 0)
        return 0;
    uint64_t hi = off + len;
    for (int o = pas_decomp_block_owner(total, g, off); o < g && off < hi; o++) {
        pas_range_t r = pas_decomp_block_range(total, g, o);
        uint64_t e = r.hi < hi ? r.hi : hi;
        if (e > off) {
            dest[m] = first + o;
            count[m++] = e - off;
            off = e;
        }
    }
    return m;
}

void pas_sort_ams_place(int nc, const uint64_t *lt, const uint64_t *eq, uint64_t total, int nt,
                        const uint64_t *targets, uint64_t *boundary, int *cand)
{
    for (int t = 0; t < nt; t++) {
        uint64_t x = targets[t] > total ? total : targets[t];
        uint64_t best = 0, dist = x;
        int bc = -1;
        if (total - x < dist) {
            best = total;
            dist = total - x;
        }
        for (int i = 0; i < nc; i++) {
            uint64_t lo = lt[i], hi = lt[i] + eq[i], pos = x, d = 0;
            if (x < lo) {
                pos = lo;
                d = lo - x;
            } else if (x > hi) {
                pos = hi;
                d = x - hi;
            }
            if (d < dist || (d == dist && pos < best)) {
                best = pos;
                dist = d;
                bc = i;
            }
        }
        boundary[t] = best;
        cand[t] = bc;
    }
}
