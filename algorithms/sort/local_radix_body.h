/* local_radix_body.h - MSD radix sort with one scratch buffer, instantiated per
 * kind by local_radix.c through sort_kinds.h: T (element), KEYBITS, TOPBIT,
 * WBASE, RDIGIT, VARY_ACC, VARY_OR, LESS(a, b), SORT_T.
 *
 * Each level reads its range for the OR of every key XOR the first (which
 * bits vary; a vectorised loop), then for the histogram of the digit below
 * the highest varying bit, then scatters the range into the other buffer; the buckets recurse with
 * the buffers swapped.  The digit is the 8 (fewer for small ranges) bits
 * below the highest bit that varies inside the range, so bits on which every
 * key agrees cost nothing (small keys, skewed inputs), and a range of equal
 * keys stops at once.  Three levels sort 1e8 uniform keys: one from memory,
 * one in the last-level cache, one in L1, then insertion sorts of a few keys.
 * The order is the full order of T ((k, v) pairs by k, then v), so equal
 * elements are identical and stability does not arise.
 *
 * Before sorting, a sorted input returns at once and a non-increasing one
 * is reversed (two scans that stop at the first key out of order).  Large
 * inputs split the first level over the threads (a histogram per thread);
 * its buckets then sort in parallel, a large bucket with all threads. */

#define RX(name) SORT_T(name)

/* ranges up to this size are insertion-sorted */
#define RX_SMALL 32
/* scatters of at least this many bytes (beyond a cache: streaming stores would
 * push what the next level reads out of it) write through line buffers */
#ifndef RX_WC_BYTES
#define RX_WC_BYTES (32u << 20)
#endif

/* digit bits for a range of n keys: about 8 keys per bucket, 3 to 8 bits */
static inline int RX(rx_bits_)(size_t n)
{
    int b = 3;
    while (b < 8 && ((size_t)1 << (b + 3)) < n)
        b++;
    return b;
}

/* the shift of a digit of b bits whose top bit is t */
static inline int RX(rx_shift_)(int t, int b)
{
    int s = t - b + 1;
    return s < WBASE(t) ? WBASE(t) : s;
}

/* The OR of a[i] XOR a[0] over a[0..n): the bits that vary (a loop the
 * compiler vectorises; a range of equal keys stops here, before a histogram
 * whose every increment would wait for the one before). */
static T RX(rx_vary_)(const T *a, size_t n)
{
    T v;
    memset(&v, 0, sizeof v);
    const T x0 = a[0];
    for (size_t i = 0; i < n; i++)
        VARY_ACC(v, a[i], x0);
    return v;
}

/* cnt = the histogram of the digit at shift s (mask m) over a[0..n); large
 * ranges count into four tables in turn, so that a run of keys with one
 * digit (skewed inputs) does not chain every increment to the one before. */
static void RX(rx_count_)(const T *a, size_t n, int s, unsigned m, size_t *cnt)
{
    memset(cnt, 0, sizeof(size_t) * (m + 1));
    size_t i = 0;
    if (n >= 4096) {
        uint32_t c4[4][256];
        memset(c4, 0, sizeof c4);
        for (; i + 4 <= n && i < ((size_t)1 << 31); i += 4) {
            c4[0][(unsigned)RDIGIT(a[i], s) & m]++;
            c4[1][(unsigned)RDIGIT(a[i + 1], s) & m]++;
            c4[2][(unsigned)RDIGIT(a[i + 2], s) & m]++;
            c4[3][(unsigned)RDIGIT(a[i + 3], s) & m]++;
        }
        for (unsigned d = 0; d <= m; d++)
            cnt[d] = (size_t)c4[0][d] + c4[1][d] + c4[2][d] + c4[3][d];
    }
    for (; i < n; i++)
        cnt[(unsigned)RDIGIT(a[i], s) & m]++;
}

/* Scatter a[0..n) to o by the digit at shift s (mask m), off[d] the next
 * slot of digit d (advanced).  Large ranges (from memory) go through a
 * cache line of buffer per digit, written out whole with streaming stores
 * (software write-combining, when wc): a plain scatter to 256 places in memory
 * misses the TLB and reads every line before writing it, about 3x slower
 * on the machines measured. */
static void RX(rx_scatter_)(const T *a, size_t n, T *o, int s, unsigned m, size_t *off, int wc)
{
#if defined(__SSE2__)
    enum { W = 64 / sizeof(T) };
    if (wc && 64 % sizeof(T) == 0 && (uintptr_t)o % sizeof(T) == 0) {
        T(*buf)[W] = aligned_alloc(64, sizeof(T) * W * (m + 1));
        unsigned char *fill = malloc(m + 1);
        if (buf && fill) {
            /* element positions are counted from the cache line grid */
            const size_t o0 = ((uintptr_t)o % 64) / sizeof(T);
            for (unsigned d = 0; d <= m; d++)
                fill[d] = (unsigned char)((o0 + off[d]) % W);
            for (size_t i = 0; i < n; i++) {
                T x = a[i];
                unsigned d = (unsigned)RDIGIT(x, s) & m, f = fill[d];
                buf[d][f++] = x;
                if (f == W) {
                    size_t e = o0 + off[d], first = e % W; /* slots of this line already due */
                    T *line = o + off[d] - first;
                    if (first == 0) {
                        for (int q = 0; q < 4; q++)
                            _mm_stream_si128((__m128i *)line + q,
                                             _mm_load_si128((__m128i *)buf[d] + q));
                    } else {
                        memcpy(line + first, buf[d] + first, (W - first) * sizeof(T));
                    }
                    off[d] += W - first;
                    f = 0;
                }
                fill[d] = (unsigned char)f;
            }
            for (unsigned d = 0; d <= m; d++) { /* the partial last lines */
                size_t first = (o0 + off[d]) % W;
                if (fill[d] > first) {
                    memcpy(o + off[d], buf[d] + first, (fill[d] - first) * sizeof(T));
                    off[d] += fill[d] - first;
                }
            }
            _mm_sfence();
            free(buf);
            free(fill);
            return;
        }
        free(buf);
        free(fill);
    }
#else
    (void)wc;
#endif
    for (size_t i = 0; i < n; i++) {
        T x = a[i];
        o[off[(unsigned)RDIGIT(x, s) & m]++] = x;
    }
}

/* Few keys: when at most a quarter of the digits occur (cnt), checks whether
 * every key equals the first key of its digit (a pass that stops at the first
 * block of 1024 keys with a difference); if so, writes the sorted result (in
 * o when to_o, else in a) from those keys alone and returns 1: no scatter and
 * no level below for inputs of a few distinct keys.  Else returns 0. */
static int RX(rx_few_)(T *a, T *o, size_t n, int s, unsigned m, const size_t *cnt, int to_o)
{
    unsigned used = 0;
    for (unsigned d = 0; d <= m; d++)
        used += cnt[d] != 0;
    if (used * 4 > m + 1)
        return 0;
    T rep[256], diff;
    unsigned char have[256];
    memset(have, 0, m + 1);
    memset(&diff, 0, sizeof diff);
    for (size_t i = 0; i < n;) {
        size_t e = n - i > 1024 ? i + 1024 : n;
        for (; i < e; i++) {
            unsigned d = (unsigned)RDIGIT(a[i], s) & m;
            if (!have[d]) {
                rep[d] = a[i];
                have[d] = 1;
            }
            VARY_ACC(diff, a[i], rep[d]);
        }
        if (TOPBIT(diff) >= 0)
            return 0;
    }
    T *dst = to_o ? o : a;
    size_t j = 0;
    for (unsigned d = 0; d <= m; d++)
        for (size_t c = cnt[d]; c > 0; c--)
            dst[j++] = rep[d];
    return 1;
}

/* Sequential sort of a[0..n);
 * the result ends in o (scratch of n) when to_o, else in a. */
static void RX(rx_rec_)(T *a, T *o, size_t n, int to_o)
{
    if (n <= RX_SMALL) {
        SORT_T(sort_insertion_)(a, n);
        if (to_o)
            memcpy(o, a, n * sizeof(T));
        return;
    }
    size_t cnt[256];
    int b = RX(rx_bits_)(n);
    unsigned m = (1u << b) - 1;
    T acc = RX(rx_vary_)(a, n);
    int t = TOPBIT(acc);
    if (t < 0) { /* all equal */
        if (to_o)
            memcpy(o, a, n * sizeof(T));
        return;
    }
    int s = RX(rx_shift_)(t, b);
    RX(rx_count_)(a, n, s, m, cnt);
    if (RX(rx_few_)(a, o, n, s, m, cnt, to_o))
        return;
    size_t off[256], start[257];
    start[0] = 0;
    for (unsigned d = 0; d <= m; d++) {
        off[d] = start[d];
        start[d + 1] = start[d] + cnt[d];
    }
    RX(rx_scatter_)(a, n, o, s, m, off, n * sizeof(T) >= RX_WC_BYTES);
    /* below the digit: bits s-1 .. ; at s = 0 (or 64 for pairs' k with the
     * v word left) the buckets hold equal keys or continue in the next word */
    int next = s - 1;
    for (unsigned d = 0; d <= m; d++) {
        size_t c = cnt[d];
        if (c == 0)
            continue;
        T *bo = o + start[d], *ba = a + start[d];
        if (next < 0 || c == 1) {
            if (!to_o)
                memcpy(ba, bo, c * sizeof(T));
        } else {
            RX(rx_rec_)(bo, ba, c, !to_o);
        }
    }
}

/* Parallel sort of a[0..n) (keys agree above `hint`) with threads threads;
 * the result ends in o when to_o, else in a. */
static void RX(rx_par_)(T *a, T *o, size_t n, int hint, int to_o, int threads)
{
    if (threads < 2 || n < (1u << 16)) {
        RX(rx_rec_)(a, o, n, to_o);
        return;
    }
    T *part = malloc(sizeof(T) * (size_t)threads);
    size_t(*h)[256] = malloc(sizeof(size_t) * 256 * (size_t)threads);
    if (!h || !part) {
        free(h);
        free(part);
        RX(rx_rec_)(a, o, n, to_o);
        return;
    }
    const unsigned m = 255;
    int s = RX(rx_shift_)(hint, 8);
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int th = 0; th < threads; th++) {
        pas_range_t r = pas_decomp_block_range(n, threads, th);
        T v;
        memset(&v, 0, sizeof v);
        memset(h[th], 0, sizeof h[th]);
        const T x0 = a[0];
        for (size_t i = r.lo; i < r.hi; i++) {
            VARY_ACC(v, a[i], x0);
            h[th][(unsigned)RDIGIT(a[i], s) & m]++;
        }
        part[th] = v;
    }
    T acc;
    memset(&acc, 0, sizeof acc);
    for (int th = 0; th < threads; th++)
        VARY_OR(acc, part[th]);
    free(part);
    int t = TOPBIT(acc);
    if (t < 0) {
        free(h);
        if (to_o)
            pas_sort_copy(o, a, n * sizeof(T));
        return;
    }
    if (RX(rx_shift_)(t, 8) != s) {
        s = RX(rx_shift_)(t, 8);
#pragma omp parallel for schedule(static, 1) num_threads(threads)
        for (int th = 0; th < threads; th++) {
            pas_range_t r = pas_decomp_block_range(n, threads, th);
            RX(rx_count_)(a + r.lo, r.hi - r.lo, s, m, h[th]);
        }
    }
    size_t g[256], start[257];
    start[0] = 0;
    for (int d = 0; d < 256; d++) {
        g[d] = 0;
        for (int th = 0; th < threads; th++)
            g[d] += h[th][d];
        start[d + 1] = start[d] + g[d];
    }
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int th = 0; th < threads; th++) {
        pas_range_t r = pas_decomp_block_range(n, threads, th);
        size_t off[256];
        for (int d = 0; d < 256; d++) {
            off[d] = start[d];
            for (int u = 0; u < th; u++)
                off[d] += h[u][d];
        }
        RX(rx_scatter_)(a + r.lo, r.hi - r.lo, o, s, m, off, n * sizeof(T) >= RX_WC_BYTES);
    }
    free(h);
    int next = s - 1;
    size_t big = n / (size_t)(2 * threads);
    if (big < (1u << 18))
        big = 1u << 18;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int d = 0; d < 256; d++) {
        size_t c = g[d];
        if (c == 0 || c > big)
            continue;
        if (next < 0 || c == 1) {
            if (!to_o)
                memcpy(a + start[d], o + start[d], c * sizeof(T));
        } else {
            RX(rx_rec_)(o + start[d], a + start[d], c, !to_o);
        }
    }
    for (int d = 0; d < 256; d++) {
        size_t c = g[d];
        if (c <= big)
            continue;
        if (next < 0) {
            if (!to_o)
                pas_sort_copy(a + start[d], o + start[d], c * sizeof(T));
        } else {
            RX(rx_par_)(o + start[d], a + start[d], c, next, !to_o, threads);
        }
    }
}

/* 1: a[0..n) is sorted; -1: it is non-increasing (and not all equal); 0:
 * neither.  Stops at the first element that rules out both. */
static int RX(rx_monotone_)(const T *a, size_t n)
{
    size_t i = 1;
    while (i < n && !LESS(a[i], a[i - 1]))
        i++;
    if (i == n)
        return 1;
    for (size_t j = 1; j < n; j++)
        if (LESS(a[j - 1], a[j]))
            return 0;
    return -1;
}

int RX(pas_sort_presorted_)(T *a, size_t n)
{
    if (n < 2)
        return 1;
    int mono = RX(rx_monotone_)(a, n);
    if (mono == -1)
        for (size_t i = 0, j = n - 1; i < j; i++, j--) {
            T x = a[i];
            a[i] = a[j];
            a[j] = x;
        }
    return mono != 0;
}

void RX(pas_sort_radix_)(T *a, T *tmp, size_t n)
{
    if (RX(pas_sort_presorted_)(a, n))
        return;
    RX(rx_par_)(a, tmp, n, KEYBITS - 1, 0, SORT_THREADS());
}

#undef RX_SMALL
#undef RX_WC_BYTES
#undef RX
