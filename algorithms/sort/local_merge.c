/* local_merge.c - OpenMP merging (two runs, k runs) and merge sort. */
#include "sort_internal.h"

#define PAS_SORT_BODY "local_merge_body.h"
#include "sort_kinds.h"

static void merge2(pas_sort_kind_t kind, const void *a, size_t na, const void *b, size_t nb,
                   void *out)
{
    if (kind == PAS_SORT_KIND_PAIR)
        pas_sort_merge2_pair(a, na, b, nb, out);
    else
        pas_sort_merge2_u64(a, na, b, nb, out);
}

static pas_status merge_runs(pas_sort_kind_t kind, const void *base, const size_t *off, int k,
                             void *out, void *tmp)
{
    size_t es = sort_kind_bytes(kind), n = off[k];
    if (k <= 1) {
        pas_sort_copy(out, base, n * es);
        return PAS_OK;
    }
    int rounds = 0;
    for (int w = 1; w < k; w *= 2)
        rounds++;
    size_t *o = malloc(sizeof(size_t) * (size_t)(k + 1));
    if (!o)
        return PAS_ERR_NOMEM;
    memcpy(o, off, sizeof(size_t) * (size_t)(k + 1));
    /* without tmp, base itself is the second buffer (its runs are consumed
     * by the first round) and an even number of rounds ends with a copy */
    char *other = tmp ? tmp : (char *)base;
    const char *src = base;
    char *dst = (rounds % 2 || !tmp) ? out : other;
    int runs = k;
    while (runs > 1) {
        int nr = 0;
        for (int r = 0; r < runs; r += 2) {
            size_t lo = o[r], mid = o[r + 1], hi = r + 2 <= runs ? o[r + 2] : mid;
            if (r + 1 < runs)
                merge2(kind, src + lo * es, mid - lo, src + mid * es, hi - mid, dst + lo * es);
            else
                pas_sort_copy(dst + lo * es, src + lo * es, (mid - lo) * es);
            o[nr++] = lo;
        }
        o[nr] = n;
        runs = nr;
        src = dst;
        dst = (dst == (char *)out) ? other : out;
    }
    if (src != (const char *)out)
        pas_sort_copy(out, src, n * es);
    free(o);
    return PAS_OK;
}

pas_status pas_sort_merge_runs(pas_sort_kind_t kind, const void *base, const size_t *off, int k,
                               void *out, void *tmp)
{
#ifdef PAS_SMPI_COMPAT_H
    /* Simulated (make smpi) with PAS_SMPI_MERGERATE=M: the merge still runs
     * but lasts, simulated, n ceil(log2 k) / M seconds (ceil(log2 k) rounds of
     * two-way merges, each one linear pass over the n keys; M million keys per
     * second and pass).  Unset: the time it took. */
    double rate = sort_smpi_rate("PAS_SMPI_MERGERATE");
    if (rate > 0 && k > 1) {
        int rounds = 0;
        for (int w = 1; w < k; w *= 2)
            rounds++;
        smpi_bench_end();
        pas_status rc = merge_runs(kind, base, off, k, out, tmp);
        smpi_execute((double)off[k] * rounds / rate);
        smpi_bench_begin();
        return rc;
    }
#endif
    return merge_runs(kind, base, off, k, out, tmp);
}
