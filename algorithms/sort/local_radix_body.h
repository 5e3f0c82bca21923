/* local_radix_body.h - radix sort over 8-bit digits, instantiated per kind by
 * local_radix.c through sort_kinds.h: T (element), ND (digits, least
 * significant first), DIGIT(x, d), VARY_ACC, VARY_OR, LESS(a, b), SORT_T.
 *
 * One parallel MSD pass on the most significant digit that varies, then the
 * 256 buckets are sorted by sequential LSD passes inside the cache, in
 * parallel (buckets that hold a large share recurse in parallel).  Digits
 * on which every key agrees are skipped; the histograms of all digits come
 * from one read of the data. */

#define RX(name) SORT_T(name)

/* Sequential sort of src[0..n) on digits 0..nd-1; the result ends in other
 * when want_other, else in src.  Large inputs take one MSD step on the top
 * varying digit and recurse, so that the LSD passes run on buckets that fit
 * in the L2 cache. */
static void RX(rx_seq_)(T *src, T *other, size_t n, int nd, int want_other)
{
    T *in = src, *out = other;
    if (n <= 48 || nd <= 0) {
        SORT_T(sort_insertion_)(src, n);
    } else {
        /* the digits that vary: OR of every key XOR the first */
        T acc, x0 = src[0];
        memset(&acc, 0, sizeof acc);
        for (size_t i = 0; i < n; i++)
            VARY_ACC(acc, src[i], x0);
        int dig[ND], nv = 0;
        for (int d = 0; d < nd; d++)
            if (DIGIT(acc, d))
                dig[nv++] = d;
        uint64_t cnt[2][256];
        if (nv > 0 && n > (1ull << 22)) { /* one MSD step, then buckets that fit the cache */
            int top = dig[nv - 1];
            uint64_t start[257], off[256];
            memset(cnt[0], 0, sizeof cnt[0]);
            for (size_t i = 0; i < n; i++)
                cnt[0][DIGIT(src[i], top)]++;
            start[0] = 0;
            for (int b = 0; b < 256; b++) {
                start[b + 1] = start[b] + cnt[0][b];
                off[b] = start[b];
            }
            for (size_t i = 0; i < n; i++) {
                T x = src[i];
                other[off[DIGIT(x, top)]++] = x;
            }
            for (int b = 0; b < 256; b++) {
                size_t c = start[b + 1] - start[b];
                RX(rx_seq_)(other + start[b], src + start[b], c, top, !want_other);
            }
            return;
        }
        /* LSD over the varying digits; the histogram of the next digit is
         * counted while scattering by the current one */
        memset(cnt[0], 0, sizeof cnt[0]);
        if (nv > 0)
            for (size_t i = 0; i < n; i++)
                cnt[0][DIGIT(src[i], dig[0])]++;
        for (int k = 0; k < nv; k++) {
            uint64_t off[256], sum = 0, *next = cnt[(k + 1) & 1];
            const uint64_t *cur = cnt[k & 1];
            for (int b = 0; b < 256; b++) {
                off[b] = sum;
                sum += cur[b];
            }
            if (k + 1 < nv) {
                int d = dig[k], dn = dig[k + 1];
                memset(next, 0, sizeof cnt[0]);
                for (size_t i = 0; i < n; i++) {
                    T x = in[i];
                    out[off[DIGIT(x, d)]++] = x;
                    next[DIGIT(x, dn)]++;
                }
            } else {
                int d = dig[k];
                for (size_t i = 0; i < n; i++) {
                    T x = in[i];
                    out[off[DIGIT(x, d)]++] = x;
                }
            }
            T *t = in;
            in = out;
            out = t;
        }
    }
    T *want = want_other ? other : src;
    if (in != want)
        memcpy(want, in, n * sizeof(T));
}

/* Sort a[0..n) on digits 0..nd-1 with scratch tmp; the result ends in a. */
static void RX(rx_msd_par_)(T *a, T *tmp, size_t n, int nd, int threads)
{
    if (n < (1u << 16)) {
        RX(rx_seq_)(a, tmp, n, nd, 0);
        return;
    }
    /* which digits vary: OR of every key XOR the first (one cheap pass) */
    T acc;
    memset(&acc, 0, sizeof acc);
    const T x0 = a[0];
    T *part = malloc(sizeof(T) * (size_t)threads);
    uint64_t(*h)[256] = malloc(sizeof(uint64_t) * 256 * (size_t)threads);
    if (!h || !part) {
        free(h);
        free(part);
        RX(rx_seq_)(a, tmp, n, nd, 0);
        return;
    }
    /* ... counting the most significant digit on the way: it is the one
     * to scatter by unless every key agrees on it */
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int t = 0; t < threads; t++) {
        pas_range_t r = pas_decomp_block_range(n, threads, t);
        uint64_t *ht = h[t];
        memset(ht, 0, sizeof(uint64_t) * 256);
        T v;
        memset(&v, 0, sizeof v);
        for (size_t i = r.lo; i < r.hi; i++) {
            VARY_ACC(v, a[i], x0);
            ht[DIGIT(a[i], nd - 1)]++;
        }
        part[t] = v;
    }
    for (int t = 0; t < threads; t++)
        VARY_OR(acc, part[t]);
    free(part);
    int top = -1;
    for (int d = nd - 1; d >= 0 && top < 0; d--)
        if (DIGIT(acc, d))
            top = d;
    if (top < 0) {
        free(h);
        return;
    }
    if (top != nd - 1) {
#pragma omp parallel for schedule(static, 1) num_threads(threads)
        for (int t = 0; t < threads; t++) {
            pas_range_t r = pas_decomp_block_range(n, threads, t);
            uint64_t *ht = h[t];
            memset(ht, 0, sizeof(uint64_t) * 256);
            for (size_t i = r.lo; i < r.hi; i++)
                ht[DIGIT(a[i], top)]++;
        }
    }
    uint64_t g[256];
    for (int b = 0; b < 256; b++) {
        g[b] = 0;
        for (int t = 0; t < threads; t++)
            g[b] += h[t][b];
    }
    uint64_t start[257];
    start[0] = 0;
    for (int b = 0; b < 256; b++)
        start[b + 1] = start[b] + g[b];
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int t = 0; t < threads; t++) {
        pas_range_t r = pas_decomp_block_range(n, threads, t);
        uint64_t off[256];
        for (int b = 0; b < 256; b++) {
            off[b] = start[b];
            for (int u = 0; u < t; u++)
                off[b] += h[u][b];
        }
        for (size_t i = r.lo; i < r.hi; i++) {
            T x = a[i];
            tmp[off[DIGIT(x, top)]++] = x;
        }
    }
    free(h);
    size_t big = n / (size_t)(2 * threads);
    if (big < (1u << 18))
        big = 1u << 18;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int b = 0; b < 256; b++) {
        size_t c = g[b];
        if (c <= big)
            RX(rx_seq_)(tmp + start[b], a + start[b], c, top, 1);
    }
    for (int b = 0; b < 256; b++) {
        size_t c = g[b];
        if (c > big) {
            RX(rx_msd_par_)(tmp + start[b], a + start[b], c, top, threads);
            pas_sort_copy(a + start[b], tmp + start[b], c * sizeof(T));
        }
    }
}

void RX(pas_sort_radix_)(T *a, T *tmp, size_t n)
{
    RX(rx_msd_par_)(a, tmp, n, ND, SORT_THREADS());
}

#undef RX
