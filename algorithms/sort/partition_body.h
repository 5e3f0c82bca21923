/* partition_body.h - positions in sorted arrays and classification of
 * unsorted keys by splitters, instantiated per kind by partition.c through
 * sort_kinds.h (T, LESS, SORT_T).  The void * signatures fit the operation
 * tables (sort_ops_t). */

#define PT(name) SORT_T(name)

size_t PT(pas_sort_lower_)(const void *base, size_t n, const void *key)
{
    const T *a = base;
    T x = *(const T *)key;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (LESS(a[m], x))
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

size_t PT(pas_sort_upper_)(const void *base, size_t n, const void *key)
{
    const T *a = base;
    T x = *(const T *)key;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (LESS(x, a[m]))
            hi = m;
        else
            lo = m + 1;
    }
    return lo;
}

/* Bucket of x among s sorted splitters: 2j for keys between splitter j-1
 * and j, 2j+1 for keys equal to splitter j. */
/* s >= 1 */
static inline size_t PT(pt_bucket_)(const T *spl, int s, T x)
{
    /* branch-free lower bound: the loop count depends on s only, the
     * comparisons become conditional moves or flags */
    size_t base = 0, len = (size_t)s;
    while (len > 1) {
        size_t half = len / 2;
        base += (size_t)LESS(spl[base + half - 1], x) * half;
        len -= half;
    }
    size_t lo = base + (size_t)LESS(spl[base], x);
    /* equal to splitter lo (spl[lo] >= x when lo < s) */
    size_t in = (size_t)(lo < (size_t)s), idx = lo - (1 - in);
    size_t eq = in & (size_t)!LESS(x, spl[idx]);
    return 2 * lo + eq;
}

pas_status PT(pas_sort_classify_)(const void *base, size_t n, const void *splv, int s, void *outv,
                                  uint64_t *counts)
{
    const T *a = base, *spl = splv;
    T *out = outv;
    int nb = 2 * s + 1, nt = n < (1u << 16) ? 1 : SORT_THREADS();
    if (s == 0) {
        memcpy(out, a, n * sizeof(T));
        counts[0] = n;
        return PAS_OK;
    }
    if (s == 1 && nt == 1) {
        /* one pass: keys below to the front, keys above to the back; keys
         * equal to the splitter are the splitter itself, so they are only
         * counted and written into the middle at the end */
        T p0 = spl[0];
        size_t lo = 0, hi = n;
        for (size_t i = 0; i < n; i++) {
            T x = a[i];
            size_t below = (size_t)LESS(x, p0), above = (size_t)LESS(p0, x);
            /* branch-free: both free slots get x, one of them is kept
             * (there is always a free slot: hi - lo >= n - i >= 1) */
            out[lo] = x;
            out[hi - 1] = x;
            lo += below;
            hi -= above;
        }
        for (size_t i = lo; i < hi; i++)
            out[i] = p0;
        counts[0] = lo;
        counts[1] = hi - lo;
        counts[2] = n - hi;
        return PAS_OK;
    }
    uint64_t *c = calloc((size_t)nt * (size_t)nb, sizeof(uint64_t));
    if (!c)
        return PAS_ERR_NOMEM;
#pragma omp parallel for schedule(static, 1) num_threads(nt)
    for (int t = 0; t < nt; t++) {
        pas_range_t r = pas_decomp_block_range(n, nt, t);
        uint64_t *ct = c + (size_t)t * (size_t)nb;
        /* four sets of counters, so increments of one bucket do not wait
         * on each other */
        uint64_t *c4 = calloc(4 * (size_t)nb, sizeof(uint64_t));
        size_t i = r.lo;
        if (c4) {
            for (; i + 4 <= r.hi; i += 4) {
                c4[PT(pt_bucket_)(spl, s, a[i])]++;
                c4[(size_t)nb + PT(pt_bucket_)(spl, s, a[i + 1])]++;
                c4[2 * (size_t)nb + PT(pt_bucket_)(spl, s, a[i + 2])]++;
                c4[3 * (size_t)nb + PT(pt_bucket_)(spl, s, a[i + 3])]++;
            }
            for (int b = 0; b < nb; b++)
                ct[b] = c4[b] + c4[nb + b] + c4[2 * nb + b] + c4[3 * nb + b];
            free(c4);
        }
        for (; i < r.hi; i++)
            ct[PT(pt_bucket_)(spl, s, a[i])]++;
    }
    /* offsets: bucket-major, thread-minor, so the output is stable */
    uint64_t sum = 0;
    for (int b = 0; b < nb; b++) {
        counts[b] = 0;
        for (int t = 0; t < nt; t++) {
            uint64_t v = c[(size_t)t * (size_t)nb + (size_t)b];
            c[(size_t)t * (size_t)nb + (size_t)b] = sum;
            sum += v;
            counts[b] += v;
        }
    }
#pragma omp parallel for schedule(static, 1) num_threads(nt)
    for (int t = 0; t < nt; t++) {
        pas_range_t r = pas_decomp_block_range(n, nt, t);
        uint64_t *ct = c + (size_t)t * (size_t)nb;
        for (size_t i = r.lo; i < r.hi; i++)
            out[ct[PT(pt_bucket_)(spl, s, a[i])]++] = a[i];
    }
    free(c);
    return PAS_OK;
}

#undef PT
