/* local_merge.c - OpenMP merging (two runs, k runs) and merge sort. */
#include "sort_internal.h"

#define T uint64_t
#define SFX _u64
#define LESS(a, b) ((a) < (b))
#include "local_merge_body.h"
#undef T
#undef SFX
#undef LESS

#define T pas_sort_pair_t
#define SFX _pair
#define LESS(a, b) ((a).k < (b).k || ((a).k == (b).k && (a).v < (b).v))
#include "local_merge_body.h"
#undef T
#undef SFX
#undef LESS

void pas_sort_merge2_u64(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, uint64_t *out)
{
    mg_par__u64(a, na, b, nb, out);
}

void pas_sort_merge2_pair(const pas_sort_pair_t *a, size_t na, const pas_sort_pair_t *b, size_t nb,
                          pas_sort_pair_t *out)
{
    mg_par__pair(a, na, b, nb, out);
}

size_t pas_sort_merge_path_u64(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, size_t d)
{
    return mg_path__u64(a, na, b, nb, d);
}

void pas_sort_mergesort_u64(uint64_t *a, uint64_t *tmp, size_t n) { mg_sort_par__u64(a, tmp, n); }

void pas_sort_mergesort_pair(pas_sort_pair_t *a, pas_sort_pair_t *tmp, size_t n)
{
    mg_sort_par__pair(a, tmp, n);
}

static int merge_runs(pas_sort_kind_t kind, const void *base, const size_t *off, int k, void *out, void *tmp)
{
    const sort_ops_t *ops = sort_ops(kind);
    size_t es = ops->size, n = off[k];
    if (k <= 1) {
        sort_copy(out, base, n * es);
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
                ops->merge2(src + lo * es, mid - lo, src + mid * es, hi - mid, dst + lo * es);
            else
                sort_copy(dst + lo * es, src + lo * es, (mid - lo) * es);
            o[nr++] = lo;
        }
        o[nr] = n;
        runs = nr;
        src = dst;
        dst = (dst == (char *)out) ? other : out;
    }
    if (src != (const char *)out)
        sort_copy(out, src, n * es);
    free(o);
    return PAS_OK;
}

int pas_sort_merge_runs(pas_sort_kind_t kind, const void *base, const size_t *off, int k, void *out,
                        void *tmp)
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
        int rc = merge_runs(kind, base, off, k, out, tmp);
        smpi_execute((double)off[k] * rounds / rate);
        smpi_bench_begin();
        return rc;
    }
#endif
    return merge_runs(kind, base, off, k, out, tmp);
}
