/* local_radix_body.h - MSD radix sort with one scratch buffer, instantiated per
 * kind by local_radix.c through sort_kinds.h: T (element), KEYBITS, TOPBIT,
 * WBASE, RDIGIT, VARY_ACC, VARY_OR, LESS(a, b), SORT_T.
 *
 * Each level reads its range for the OR of every key XOR the first (which
 * bits vary; a vectorised loop), then for the histogram of the digit below
 * the highest varying bit, then scatters the range; the buckets recurse.
 * Bits on which every key of a range agrees cost nothing (small keys, skewed
 * inputs), and a range of equal keys stops at once.
 *
 * Ranges of more than RX_HOT keys (in memory or the last-level cache) take a
 * wide digit, up to 12 bits, so that their buckets come out at most about
 * RX_HOT / 2 keys: a bucket then fits the L2 cache with room to spare.  Large
 * scatters write through a cache line of buffer per digit with streaming
 * stores (software write-combining).  A range of at most RX_HOT keys sorts
 * through the thread's hot buffer (RX_HOT keys, reused, so it stays in the
 * L2 for u64 and u32 keys; 1 MiB of pairs fills it): one scatter from the
 * range into the hot buffer by a digit of 4 to 8 keys per bucket (up to 16
 * above 32K keys: the digit is at most 12 bits), then each bucket is sorted
 * from the hot buffer into its final place (up to 16 u64 keys by a bitonic
 * network in AVX-512 registers where the CPU has them, two neighbouring
 * buckets of up to 8 keys through one pass of it; else by insertion),
 * so the final array is written once, in order, and no level writes into a
 * cold buffer at random places.
 * A range of at least 8 MiB, on one thread or on all, takes its level in
 * place (rx_inplace_: IPS4o's block permutation), so the scratch is
 * touched only for the buckets below it, not for all n keys (and a warm
 * scratch, a caller's reused buffer, sorts faster in place too, since the
 * leaves go in pairs: see pas_sort_radix_).  1e8 uniform u64 keys:
 * the in-place level (12 bits), buckets of about 24K keys scattered into
 * the hot buffer (12 bits), leaves of about 6 keys.
 * The order is the full order of T ((k, v) pairs by k, then v), so equal
 * elements are identical and stability does not arise.
 *
 * Before sorting, a sorted input returns at once and a non-increasing one
 * is reversed (two scans that stop at the first block out of order).  Large
 * inputs split the first level over the threads (the in-place level from
 * 8 MiB, else a scatter with a histogram per thread); its buckets then sort
 * in parallel, a large bucket with all threads. */

#define RX(name) SORT_T(name)

/* ranges up to this size are leaves (up to 16 u64 or u32 keys the AVX-512
 * network, or on CPUs with AVX2 alone each key at its rank; else insertion
 * sort) */
#define RX_SMALL 32
/* scatters of at least this many bytes write through line buffers */
#ifndef RX_WC_BYTES
#define RX_WC_BYTES (4u << 20)
#endif
/* ranges of at most this many keys sort through the hot buffer */
#ifndef RX_HOT
#define RX_HOT (1u << 16)
#endif
_Static_assert(RX_HOT == 1u << 16, "pas_sort_radix_inplace_bucket's default (local_radix.c, "
                                   "32768) is RX_HOT / 2: change both");
/* the few-distinct count prefetches this many elements (1 KiB) ahead: on
 * the Zen 5 VM measured the hardware prefetchers did not keep its one read
 * stream ahead (1e7 keys of two values sorted 2.6x (u64) and 3.8x (u32)
 * faster with it) */
#define RX_PF (1024 / sizeof(T))
/* ranges of at least this many keys (8 MiB unless a test says otherwise)
 * sort in place at their first level, by a digit of 10 to 12 bits, the
 * fewest that leave buckets of at most RX_HOT / 2 keys (the hot level then
 * makes leaves of 4 to 8 keys, sorted in pairs), moving blocks of RX_IP_B
 * keys (1 KiB: the buffers, one block per digit, take 1-4 MiB a thread,
 * fewer bits where they would pass an eighth of the keys).  Measured on
 * the Zen 5 VM, 1 thread, pas / vqsort: 1e8 u64 0.97 -> 1.11 with 12 bits
 * rather than 11, 5e7 u64 0.92 -> 1.17 and u32 0.70 -> 0.95 with 11 rather
 * than 10; earlier, against 8 to 12 bits and blocks of 128 B to 2 KiB,
 * 1 KiB blocks were best or within the noise of the best. */
#define RX_IP_MIN (pas_sort_radix_inplace_bytes / sizeof(T))
#define RX_IP_BITS(n)                                                                              \
    ((n) >> 10 <= pas_sort_radix_inplace_bucket   ? 10                                             \
     : (n) >> 11 <= pas_sort_radix_inplace_bucket ? 11                                             \
                                                  : 12)
#define RX_IP_B (1024 / sizeof(T))
/* the buffers' stride: a block and a cache line, so that the buffers' lines
 * at one offset do not all fall into the same few cache sets (keys that
 * cycle through the digits, as root-dup's do, fill every buffer in step:
 * 3x slower classification at 12 bits unpadded, measured) */
#define RX_IP_BS (RX_IP_B + 64 / sizeof(T))
/* skewed keys: the in-place level's map reads the top RX_IP_P varying bits
 * of RX_IP_SAMPLE keys (rx_ip_map_) */
#define RX_IP_P 16
#define RX_IP_SAMPLE 16384
/* the in-place level's digit of x: the map's bucket of its prefix at ps
 * (pm: the prefix's mask) where the level has a map, else its digit at s */
#define RX_IP_DIGIT(x, map, ps, pm, s, m)                                                          \
    ((map) ? (unsigned)(map)[(unsigned)RDIGIT((x), (ps)) & (pm)] : (unsigned)RDIGIT((x), (s)) & (m))
/* the widest digit */
#define RX_WBITS 12
#define RX_WMAX (1u << RX_WBITS)

#if KEYBITS == 64 && defined(__x86_64__) && defined(__GNUC__)
/* one layer of a bitonic network on the 8 keys of v: each lane meets the
 * lane j away (j = 1, 2, 4: the index vector ix) and keeps the larger where
 * mask mk has a bit, else the smaller */
#define RX_CX(v, ix, mk)                                                                           \
    do {                                                                                           \
        __m512i p_ = _mm512_permutexvar_epi64(ix, v);                                              \
        v = _mm512_mask_blend_epi64(mk, _mm512_min_epu64(v, p_), _mm512_max_epu64(v, p_));         \
    } while (0)

/* The sorted a[0..n), n <= 16 u64 keys, into d (d may be a): a bitonic
 * sorting network in one or two registers (missing keys are the largest
 * key), no branch on the keys. */
__attribute__((target("avx512f"))) static void rx_leaf16_avx512_(const uint64_t *a, size_t n,
                                                                 uint64_t *d)
{
    const __m512i top = _mm512_set1_epi64(-1);
    const __m512i x1 = _mm512_set_epi64(6, 7, 4, 5, 2, 3, 0, 1);
    const __m512i x2 = _mm512_set_epi64(5, 4, 7, 6, 1, 0, 3, 2);
    const __m512i x4 = _mm512_set_epi64(3, 2, 1, 0, 7, 6, 5, 4);
    if (n <= 8) {
        __mmask8 m = (__mmask8)((1u << n) - 1);
        __m512i v = _mm512_mask_loadu_epi64(top, m, a);
        RX_CX(v, x1, 0x66);
        RX_CX(v, x2, 0x3c);
        RX_CX(v, x1, 0x5a);
        RX_CX(v, x4, 0xf0);
        RX_CX(v, x2, 0xcc);
        RX_CX(v, x1, 0xaa);
        _mm512_mask_storeu_epi64(d, m, v);
        return;
    }
    __mmask8 m1 = (__mmask8)((1u << (n - 8)) - 1);
    __m512i v0 = _mm512_loadu_si512((const void *)a), v1 = _mm512_mask_loadu_epi64(top, m1, a + 8);
    /* each half sorted, the first up, the second down: a bitonic sequence */
    RX_CX(v0, x1, 0x66);
    RX_CX(v1, x1, 0x66);
    RX_CX(v0, x2, 0x3c);
    RX_CX(v1, x2, 0x3c);
    RX_CX(v0, x1, 0x5a);
    RX_CX(v1, x1, 0x5a);
    RX_CX(v0, x4, 0xf0);
    RX_CX(v1, x4, 0x0f);
    RX_CX(v0, x2, 0xcc);
    RX_CX(v1, x2, 0x33);
    RX_CX(v0, x1, 0xaa);
    RX_CX(v1, x1, 0x55);
    /* the merge */
    __m512i lo = _mm512_min_epu64(v0, v1), hi = _mm512_max_epu64(v0, v1);
    RX_CX(lo, x4, 0xf0);
    RX_CX(hi, x4, 0xf0);
    RX_CX(lo, x2, 0xcc);
    RX_CX(hi, x2, 0xcc);
    RX_CX(lo, x1, 0xaa);
    RX_CX(hi, x1, 0xaa);
    _mm512_storeu_si512((void *)d, lo);
    _mm512_mask_storeu_epi64(d + 8, m1, hi);
}
#undef RX_CX

#elif KEYBITS == 32 && defined(__x86_64__) && defined(__GNUC__)
/* one layer of a bitonic network on the 16 keys of v: each lane meets the
 * lane j away (the index vector ix) and keeps the larger where mask mk has
 * a bit, else the smaller */
#define RX_CX32(v, ix, mk)                                                                         \
    do {                                                                                           \
        __m512i p_ = _mm512_permutexvar_epi32(ix, v);                                              \
        v = _mm512_mask_blend_epi32(mk, _mm512_min_epu32(v, p_), _mm512_max_epu32(v, p_));         \
    } while (0)

/* The sorted a[0..n), n <= 16 u32 keys, into d (d may be a): a bitonic
 * sorting network in one register (missing keys are the largest key), no
 * branch on the keys.  Layer (k, j) pairs lane i with i ^ j; lane i keeps
 * the larger when bit j of i differs from bit k (the run's direction). */
__attribute__((target("avx512f"))) static void rx_leaf16_u32_avx512_(const uint32_t *a, size_t n,
                                                                     uint32_t *d)
{
    const __m512i x1 = _mm512_set_epi32(14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1);
    const __m512i x2 = _mm512_set_epi32(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2);
    const __m512i x4 = _mm512_set_epi32(11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4);
    const __m512i x8 = _mm512_set_epi32(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
    __mmask16 m = (__mmask16)(n >= 16 ? 0xffffu : (1u << n) - 1);
    __m512i v = _mm512_mask_loadu_epi32(_mm512_set1_epi32(-1), m, a);
    RX_CX32(v, x1, 0x6666); /* k = 2 */
    RX_CX32(v, x2, 0x3c3c); /* k = 4 */
    RX_CX32(v, x1, 0x5a5a);
    RX_CX32(v, x4, 0x0ff0); /* k = 8 */
    RX_CX32(v, x2, 0x33cc);
    RX_CX32(v, x1, 0x55aa);
    if (n <= 8) { /* lanes 0-7 are sorted up now (8-15 down) */
        _mm512_mask_storeu_epi32(d, m, v);
        return;
    }
    RX_CX32(v, x8, 0xff00); /* k = 16 */
    RX_CX32(v, x4, 0xf0f0);
    RX_CX32(v, x2, 0xcccc);
    RX_CX32(v, x1, 0xaaaa);
    _mm512_mask_storeu_epi32(d, m, v);
}
#undef RX_CX32

#endif

#if (KEYBITS == 64 || KEYBITS == 32) && defined(__x86_64__) && defined(__GNUC__)
/* The end of the at-most-8-keys paths below: the k values val[] and their
 * counts, sorted by key(x) (the identity when key is NULL), written out. */
static void RX(rx_few8_out_)(T *a, T *val, size_t *cnt, int k, T (*key)(T))
{
    T kv[8]; /* the values' keys */
    for (int j = 0; j < k; j++)
        kv[j] = key ? key(val[j]) : val[j];
    for (int p = 1; p < k; p++) /* the values in order, their counts along */
        for (int q = p; q > 0 && kv[q] < kv[q - 1]; q--) {
            T tk = kv[q];
            kv[q] = kv[q - 1];
            kv[q - 1] = tk;
            T tv = val[q];
            size_t tc = cnt[q];
            val[q] = val[q - 1];
            cnt[q] = cnt[q - 1];
            val[q - 1] = tv;
            cnt[q - 1] = tc;
        }
    size_t o = 0, n = 0;
    for (int j = 0; j < k; j++)
        n += cnt[j];
    /* a large output by streaming stores, past the caches it would only
     * flush (and without reading each line first); the parts of 16 bytes
     * not whole at each run's ends one key at a time */
    const int stream = n * sizeof(T) >= RX_WC_BYTES && (uintptr_t)a % sizeof(T) == 0;
    for (int j = 0; j < k; j++) {
        size_t e = o + cnt[j];
        if (stream) {
            for (; o < e && (uintptr_t)(a + o) % 16; o++)
                a[o] = val[j];
            T two[16 / sizeof(T)];
            for (size_t q = 0; q < 16 / sizeof(T); q++)
                two[q] = val[j];
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)two);
            for (; o + 16 / sizeof(T) <= e; o += 16 / sizeof(T))
                _mm_stream_si128((__m128i *)(void *)(a + o), v);
        }
        for (; o < e; o++)
            a[o] = val[j];
    }
    if (stream)
        _mm_sfence();
}

/* the index of y among the k values val[], y added as the k-th when new;
 * -1: y would be a ninth */
static inline int RX(rx_few8_find_)(T *val, int *k, T y)
{
    int j = 0;
    while (j < *k && val[j] != y)
        j++;
    if (j == *k) {
        if (j == 8)
            return -1;
        val[(*k)++] = y;
    }
    return j;
}

#if KEYBITS == 64 /* the lanes of a register: 8 u64 keys or 16 u32 */
#define RXV_LANES 8
#define RXV_MASK __mmask8
#define RXV_LOADZ(m, p) _mm512_maskz_loadu_epi64(m, p)
#define RXV_CMPEQ(m, x, y) _mm512_mask_cmpeq_epu64_mask(m, x, y)
#define RXV_SET1(y) _mm512_set1_epi64((long long)(y))
#else
#define RXV_LANES 16
#define RXV_MASK __mmask16
#define RXV_LOADZ(m, p) _mm512_maskz_loadu_epi32(m, p)
#define RXV_CMPEQ(m, x, y) _mm512_mask_cmpeq_epu32_mask(m, x, y)
#define RXV_SET1(y) _mm512_set1_epi32((int)(y))
#endif
/* Inputs of at most 8 distinct keys: if a[0..n) holds no more than 8
 * distinct keys, writes the sorted result into a and returns 1, else
 * returns 0, having stopped at the first block of keys that brings a
 * ninth (at once on random-like inputs).  Each block of one register of
 * keys is compared with each known key (a compare, a popcount); no
 * scatter, no scratch.  The order is that of key(x) (the identity when
 * key is NULL): i64 and f64 records are counted by their bits before any
 * key map, and only the distinct values are mapped. */
__attribute__((target("avx512f,popcnt"))) static int RX(rx_few8_avx512_)(T *a, size_t n,
                                                                         T (*key)(T))
{
    T val[8];
    size_t cnt[8] = {0};
    __m512i vv[8];
    int k = 0;
    size_t i = 0;
    for (; i < n; i += RXV_LANES) {
        size_t e = n - i < RXV_LANES ? n - i : RXV_LANES;
        RXV_MASK valid = (RXV_MASK)(e == RXV_LANES ? ~0u : (1u << e) - 1), seen = 0;
        /* may pass the end: the address is computed as an integer */
        __builtin_prefetch((const void *)((uintptr_t)(a + i) + RX_PF * sizeof(T)));
        __m512i x = RXV_LOADZ(valid, a + i);
        for (int j = 0; j < k; j++) {
            RXV_MASK q = RXV_CMPEQ(valid, x, vv[j]);
            cnt[j] += (size_t)__builtin_popcount(q);
            seen |= q;
        }
        for (unsigned rest = valid & ~seen; rest; rest &= rest - 1) { /* keys not met yet */
            T y = a[i + (unsigned)__builtin_ctz(rest)];
            int k0 = k, j = RX(rx_few8_find_)(val, &k, y);
            if (j < 0)
                return 0;
            if (k > k0)
                vv[j] = RXV_SET1(y);
            cnt[j]++;
        }
    }
    RX(rx_few8_out_)(a, val, cnt, k, key);
    return 1;
}
#undef RXV_LANES
#undef RXV_MASK
#undef RXV_LOADZ
#undef RXV_CMPEQ
#undef RXV_SET1

/* rx_few8_avx512_'s twin for CPUs with AVX2 and not AVX-512 (EPYC VMs that
 * hide AVX-512 have been seen): four registers of 4 u64 or 8 u32 keys a
 * step, each value's matches counted per lane (compares, a subtract: one
 * count's chain a step) and one movemask of them all for the keys not met
 * yet; the tail past the last whole step one key at a time.  Without it
 * such CPUs sorted 1e7 u64 of two values at 0.30x vqsort (the radix
 * levels). */
#if KEYBITS == 64
#define RXA_LANES 4
#define RXA_CMPEQ _mm256_cmpeq_epi64
#define RXA_SUB _mm256_sub_epi64
#define RXA_ADD _mm256_add_epi64
#define RXA_CMPGT _mm256_cmpgt_epi64
#define RXA_SIGN ((T)1 << 63)
#define RXA_MOVEMASK(x) ((unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(x)))
#define RXA_SET1(y) _mm256_set1_epi64x((long long)(y))
#else
#define RXA_LANES 8
#define RXA_CMPEQ _mm256_cmpeq_epi32
#define RXA_SUB _mm256_sub_epi32
#define RXA_ADD _mm256_add_epi32
#define RXA_CMPGT _mm256_cmpgt_epi32
#define RXA_SIGN ((T)1 << 31)
#define RXA_MOVEMASK(x) ((unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(x)))
#define RXA_SET1(y) _mm256_set1_epi32((int)(y))
#endif
#define RXA_ALL ((1u << RXA_LANES) - 1)
/* the keys of a[i + b*RXA_LANES..) not among the k values: new ones join
 * val[] (0: a ninth); every one counted in cnt[]; seen: the lanes matched */
__attribute__((target("avx2"))) static inline int RX(rx_few8_avx2_rest_)(const T *a, unsigned seen,
                                                                         T *val, size_t *cnt,
                                                                         __m256i *vv, __m256i *cv,
                                                                         int *k)
{
    for (unsigned rest = RXA_ALL & ~seen; rest; rest &= rest - 1) {
        T y = a[(unsigned)__builtin_ctz(rest)];
        int k0 = *k, j = RX(rx_few8_find_)(val, k, y);
        if (j < 0)
            return 0;
        if (*k > k0) {
            vv[j] = RXA_SET1(y);
            cv[j] = _mm256_setzero_si256();
        }
        cnt[j]++;
    }
    return 1;
}

__attribute__((target("avx2"))) static int RX(rx_few8_avx2_)(T *a, size_t n, T (*key)(T))
{
    enum { U = 4, STEP = U * RXA_LANES }; /* registers a step: a short chain per count */
    T val[8];
    size_t cnt[8] = {0};
    __m256i vv[8], cv[8]; /* the values; per lane, how many matched */
    int k = 0;
    size_t i = 0;
    while (i + STEP <= n) {
        /* the lanes' counts added up every 2^29 steps (4 a lane each: u32 holds them) */
        size_t stop = n - i < ((size_t)STEP << 29) ? n - n % STEP : i + ((size_t)STEP << 29);
        for (int j = 0; j < k; j++)
            cv[j] = _mm256_setzero_si256();
        for (; i < stop; i += STEP) {
            /* may pass the end: the address is computed as an integer */
            __builtin_prefetch((const void *)((uintptr_t)(a + i) + RX_PF * sizeof(T)));
            __builtin_prefetch((const void *)((uintptr_t)(a + i) + RX_PF * sizeof(T) + 64));
            __m256i x[U], any[U];
            for (int u = 0; u < U; u++) {
                x[u] = _mm256_loadu_si256((const __m256i *)(const void *)(a + i + u * RXA_LANES));
                any[u] = _mm256_setzero_si256();
            }
            for (int j = 0; j < k; j++) {
                __m256i q[U];
                for (int u = 0; u < U; u++) {
                    q[u] = RXA_CMPEQ(x[u], vv[j]);
                    any[u] = _mm256_or_si256(any[u], q[u]);
                }
                cv[j] = RXA_SUB(cv[j], RXA_ADD(RXA_ADD(q[0], q[1]), RXA_ADD(q[2], q[3])));
            }
            __m256i all = _mm256_and_si256(_mm256_and_si256(any[0], any[1]),
                                           _mm256_and_si256(any[2], any[3]));
            if (RXA_MOVEMASK(all) == RXA_ALL)
                continue;
            for (int u = 0; u < U; u++) /* a key not met yet */
                if (!RX(rx_few8_avx2_rest_)(a + i + u * RXA_LANES, RXA_MOVEMASK(any[u]), val, cnt,
                                            vv, cv, &k))
                    return 0;
        }
        for (int j = 0; j < k; j++) {
            T lane[RXA_LANES];
            _mm256_storeu_si256((__m256i *)(void *)lane, cv[j]);
            for (int l = 0; l < RXA_LANES; l++)
                cnt[j] += (size_t)lane[l];
        }
    }
    for (; i < n; i++) { /* the tail, one key at a time */
        int j = RX(rx_few8_find_)(val, &k, a[i]);
        if (j < 0)
            return 0;
        cnt[j]++;
    }
    RX(rx_few8_out_)(a, val, cnt, k, key);
    return 1;
}

/* The sorted a[0..n), n <= 16, into d (d may be a), for CPUs with AVX2 and
 * not AVX-512: each key goes to its rank, the keys below it plus the equal
 * ones before it, counted by a compare against every register of keys (no
 * branch on the keys; insertion sort's mispredictions cost more on the
 * hot level's leaves of about 6 keys).  Signed compares of the keys with
 * their top bit flipped. */
__attribute__((target("avx2,popcnt"))) static void RX(rx_leaf16_avx2_)(const T *a, size_t n, T *d)
{
    enum { R = 16 / RXA_LANES };
    T t[16];
    memcpy(t, a, n * sizeof(T));
    __m256i v[R];
    const int regs = (int)((n + RXA_LANES - 1) / RXA_LANES);
    for (size_t i = n; i < (size_t)regs * RXA_LANES; i++)
        t[i] = 0; /* lanes past n: compared too, their bits masked off */
    for (int r = 0; r < regs; r++)
        v[r] =
            _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(t + r * RXA_LANES)),
                             RXA_SET1(RXA_SIGN));
    const unsigned valid = (1u << n) - 1;
    for (size_t i = 0; i < n; i++) {
        __m256i x = RXA_SET1(t[i] ^ RXA_SIGN);
        unsigned lt = 0, eq = 0;
        for (int r = 0; r < regs; r++) {
            lt |= RXA_MOVEMASK(RXA_CMPGT(x, v[r])) << (r * RXA_LANES);
            eq |= RXA_MOVEMASK(RXA_CMPEQ(x, v[r])) << (r * RXA_LANES);
        }
        d[__builtin_popcount(lt & valid) + __builtin_popcount(eq & ((1u << i) - 1))] = t[i];
    }
}
#undef RXA_LANES
#undef RXA_CMPEQ
#undef RXA_SUB
#undef RXA_ADD
#undef RXA_CMPGT
#undef RXA_SIGN
#undef RXA_MOVEMASK
#undef RXA_SET1
#undef RXA_ALL
#define RX_HAVE_AVX512 1
#if KEYBITS == 64
#define RX_LEAF16 rx_leaf16_avx512_
#else
#define RX_LEAF16 rx_leaf16_u32_avx512_
#endif
#endif

/* Per-thread state: the hot buffer and the tables of the wide levels (NULL
 * when allocation failed or the range is small: the narrow levels alone). */
typedef struct {
    T *hot;                     /* RX_HOT elements */
    T *rep;                     /* RX_WMAX: one key per digit (rx_few_) */
    unsigned char *have, *fill; /* RX_WMAX each */
    uint32_t *tab;              /* 2 * RX_WMAX: histograms (rx_wcount_) */
    uint32_t *hoff;             /* RX_WMAX + 1: the hot level's bucket starts */
    void *wc;                   /* RX_WMAX cache lines (the write-combining buffers), or NULL */
    int avx512, avx2;           /* the leaves' SIMD paths this CPU has (avx2: and not avx512) */
} RX(rx_ctx_);

static void RX(rx_ctx_free_)(RX(rx_ctx_) * cx)
{
    free(cx->hot);
    free(cx->rep);
    free(cx->have);
    free(cx->tab);
    free(cx->wc);
    memset(cx, 0, sizeof *cx);
}

/* the state for sorting ranges of up to n keys (0: no buffers) */
static void RX(rx_ctx_init_)(RX(rx_ctx_) * cx, size_t n)
{
    memset(cx, 0, sizeof *cx);
#ifdef RX_HAVE_AVX512
    cx->avx512 = pas_sort_radix_simd && pas_sort_radix_simd != PAS_SORT_SIMD_AVX2 &&
                 __builtin_cpu_supports("avx512f");
    cx->avx2 = !cx->avx512 && pas_sort_radix_simd && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("popcnt");
#endif
    if (n <= RX_SMALL * 8)
        return;
    size_t h = n < RX_HOT ? n : RX_HOT;
    cx->hot = malloc(h * sizeof(T));
    cx->rep = malloc(RX_WMAX * sizeof(T));
    cx->have = malloc(2 * RX_WMAX);
    cx->tab = malloc((3 * RX_WMAX + 1) * sizeof(uint32_t));
    if (n * sizeof(T) >= RX_WC_BYTES)
        cx->wc = aligned_alloc(64, (size_t)64 * RX_WMAX);
    if (!cx->hot || !cx->rep || !cx->have || !cx->tab) {
        int a = cx->avx512, a2 = cx->avx2;
        RX(rx_ctx_free_)(cx);
        cx->avx512 = a;
        cx->avx2 = a2;
        return;
    }
    cx->fill = cx->have + RX_WMAX;
    cx->hoff = cx->tab + 2 * RX_WMAX;
}

/* The sorted a[0..n) (n <= RX_SMALL) into d; d may be a. */
static inline void RX(rx_leaf_)(T *a, size_t n, T *d, const RX(rx_ctx_) * cx)
{
#if defined(RX_HAVE_AVX512)
    if (n <= 16 && cx->avx512) {
        RX_LEAF16(a, n, d);
        return;
    }
    if (n <= 16 && cx->avx2) {
        RX(rx_leaf16_avx2_)(a, n, d);
        return;
    }
#endif
    SORT_T(sort_insertion_)(a, n);
    if (d != a)
        memcpy(d, a, n * sizeof(T));
}

/* digit bits for a range of n keys: about 8 keys per bucket, 3 to 8 bits */
static inline int RX(rx_bits_)(size_t n)
{
    int b = 3;
    while (b < 8 && ((size_t)1 << (b + 3)) < n)
        b++;
    return b;
}

/* digit bits for the hot level: RX_LEAF / 2 to RX_LEAF keys per bucket,
 * 3 to 12 bits (so up to 2 * RX_LEAF above 2^11 * RX_LEAF keys) */
#ifndef RX_LEAF
#define RX_LEAF 8
#endif
static inline int RX(rx_hbits_)(size_t n)
{
    int b = 3;
    while (b < RX_WBITS && ((size_t)RX_LEAF << b) < n)
        b++;
    return b;
}

/* digit bits for a wide level: buckets of at most about RX_HOT / 2 keys,
 * 8 to 12 bits */
static inline int RX(rx_wbits_)(size_t n)
{
    int b = 8;
    while (b < RX_WBITS && (n >> b) > RX_HOT / 2)
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

/* cnt = the histogram of the digit at shift s (mask m < RX_WMAX) over
 * a[0..n), counted in tab (2 * RX_WMAX): four tables in turn up to 1024
 * digits, two beyond (the tables stay in the L1), so that a run of keys with
 * one digit (skewed inputs) does not chain every increment to the one
 * before; in pieces of 2^30 keys (32-bit counters). */
static void RX(rx_wcount_)(const T *a, size_t n, int s, unsigned m, size_t *cnt, uint32_t *tab)
{
    const unsigned w = m + 1, k = w <= 1024 ? 4 : 2;
    memset(cnt, 0, sizeof(size_t) * w);
    for (size_t lo = 0; lo < n;) {
        size_t e = n - lo > ((size_t)1 << 30) ? lo + ((size_t)1 << 30) : n, i = lo;
        memset(tab, 0, sizeof(uint32_t) * w * k);
        uint32_t *t0 = tab, *t1 = tab + w, *t2 = tab + (k == 4 ? 2 * w : 0),
                 *t3 = tab + (k == 4 ? 3 * w : w);
        for (; i + 4 <= e; i += 4) {
            t0[(unsigned)RDIGIT(a[i], s) & m]++;
            t1[(unsigned)RDIGIT(a[i + 1], s) & m]++;
            t2[(unsigned)RDIGIT(a[i + 2], s) & m]++;
            t3[(unsigned)RDIGIT(a[i + 3], s) & m]++;
        }
        for (; i < e; i++)
            t0[(unsigned)RDIGIT(a[i], s) & m]++;
        for (unsigned d = 0; d < w; d++)
            cnt[d] += (size_t)t0[d] + t1[d] + (k == 4 ? (size_t)t2[d] + t3[d] : 0);
        lo = e;
    }
}

/* the same for a narrow digit (m <= 255), the tables on the stack */
static void RX(rx_count_)(const T *a, size_t n, int s, unsigned m, size_t *cnt)
{
    uint32_t tab[4 * 256];
    RX(rx_wcount_)(a, n, s, m, cnt, tab);
}

/* Scatter a[0..n) to o by the digit at shift s (mask m), off[d] the next
 * slot of digit d (advanced).  Large ranges (from memory) go through a
 * cache line of buffer per digit (wc: RX_WMAX lines; fill: RX_WMAX bytes),
 * written out whole with streaming stores (software write-combining): a
 * plain scatter to 256 or more places in memory misses the TLB and reads
 * every line before writing it, about 3x slower on the machines measured. */
static void RX(rx_scatter_)(const T *a, size_t n, T *o, int s, unsigned m, size_t *off, void *wc,
                            unsigned char *fill)
{
#if defined(__SSE2__)
    enum { W = 64 / sizeof(T) };
    if (wc && fill && 64 % sizeof(T) == 0 && (uintptr_t)o % sizeof(T) == 0) {
        T(*buf)[W] = wc;
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
                if (first == 0) {
                    T *line = o + off[d];
                    for (int q = 0; q < 4; q++)
                        _mm_stream_si128((__m128i *)line + q,
                                         _mm_load_si128((__m128i *)buf[d] + q));
                } else {
                    memcpy(o + off[d], buf[d] + first, (W - first) * sizeof(T));
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
        return;
    }
#else
    (void)wc;
    (void)fill;
#endif
    for (size_t i = 0; i < n; i++) {
        T x = a[i];
        o[off[(unsigned)RDIGIT(x, s) & m]++] = x;
    }
}

/* Few keys: when at most a quarter of the digits occur (cnt), checks whether
 * every key equals the first key of its digit (a pass that stops at the first
 * block of 1024 keys with a difference; rep and have: m + 1 entries); if so,
 * writes the sorted result into dst from those keys alone and returns 1: no
 * scatter and no level below for inputs of a few distinct keys.  Else 0. */
static int RX(rx_few_)(const T *a, T *dst, size_t n, int s, unsigned m, const size_t *cnt, T *rep,
                       unsigned char *have)
{
    unsigned used = 0;
    for (unsigned d = 0; d <= m; d++)
        used += cnt[d] != 0;
    if (used * 4 > m + 1)
        return 0;
    T diff;
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
    size_t j = 0;
    for (unsigned d = 0; d <= m; d++)
        for (size_t c = cnt[d]; c > 0; c--)
            dst[j++] = rep[d];
    return 1;
}

/* Sequential sort of a[0..n) by narrow digits (8 bits at most), the buffers
 * ping-ponging; the result ends in o (scratch of n) when to_o, else in a. */
static void RX(rx_buckets_)(T *a, T *o, const size_t *cnt, const size_t *start, unsigned m,
                            int next, int to_o, RX(rx_ctx_) * cx, int narrow);

static void RX(rx_rec_)(T *a, T *o, size_t n, int to_o, RX(rx_ctx_) * cx)
{
    if (n <= RX_SMALL) {
        RX(rx_leaf_)(a, n, to_o ? o : a, cx);
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
    T rep[256];
    unsigned char have[256];
    if (RX(rx_few_)(a, to_o ? o : a, n, s, m, cnt, rep, have))
        return;
    size_t off[256], start[257];
    start[0] = 0;
    for (unsigned d = 0; d <= m; d++) {
        off[d] = start[d];
        start[d + 1] = start[d] + cnt[d];
    }
    RX(rx_scatter_)(a, n, o, s, m, off, NULL, NULL);
    /* below the digit: bits s-1 .. ; at s = 0 (or 64 for pairs' k with the
     * v word left) the buckets hold equal keys or continue in the next word */
    RX(rx_buckets_)(a, o, cnt, start, m, s - 1, to_o, cx, 1);
}

/* One bucket of the hot level: bh[0..c) sorted into bd (next: the top bit
 * below the digit; -1: the keys are equal). */
static inline void RX(rx_hot_bucket_)(T *bh, size_t c, T *bd, int next, RX(rx_ctx_) * cx)
{
    if (next < 0 || c == 1)
        memcpy(bd, bh, c * sizeof(T));
    else if (c <= RX_SMALL)
        RX(rx_leaf_)(bh, c, bd, cx);
    else
        RX(rx_rec_)(bh, bd, c, 1, cx);
}

#if defined(RX_HAVE_AVX512)
/* The hot level's buckets (cnt[d] keys at st[d], d = 0..m) sorted from h into
 * dst at the same places, two neighbouring buckets of at most 8 keys at a
 * time through one pass of the 8-key network: u32, the two halves of one
 * register (the keys expanded into them, compressed out); u64, two registers
 * whose layers interleave.  One leaf call per bucket waited on each layer's
 * permute in turn, and sorted about 5 keys: 43% of a 1e7-key u32 sort on the
 * Zen 5 VM measured (perf).  Other buckets one at a time. */
__attribute__((target("avx512f"))) static void
RX(rx_hot_pairs_avx512_)(T *h, T *dst, const size_t *cnt, const uint32_t *st, unsigned m, int next,
                         RX(rx_ctx_) * cx)
{
    const __m512i top = _mm512_set1_epi64(-1);
#if KEYBITS == 64
    const __m512i x1 = _mm512_set_epi64(6, 7, 4, 5, 2, 3, 0, 1);
    const __m512i x2 = _mm512_set_epi64(5, 4, 7, 6, 1, 0, 3, 2);
    const __m512i x4 = _mm512_set_epi64(3, 2, 1, 0, 7, 6, 5, 4);
#define RX_CX2(ix, mk)                                                                             \
    do {                                                                                           \
        __m512i pa_ = _mm512_permutexvar_epi64(ix, va), pb_ = _mm512_permutexvar_epi64(ix, vb);    \
        va = _mm512_mask_blend_epi64(mk, _mm512_min_epu64(va, pa_), _mm512_max_epu64(va, pa_));    \
        vb = _mm512_mask_blend_epi64(mk, _mm512_min_epu64(vb, pb_), _mm512_max_epu64(vb, pb_));    \
    } while (0)
#else
    const __m512i x1 = _mm512_set_epi32(14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1);
    const __m512i x2 = _mm512_set_epi32(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2);
    const __m512i x4 = _mm512_set_epi32(11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4);
    /* the masks of the u32 leaf's first six layers, with every 8-lane half
     * sorted up (the last three layers: lane i keeps the larger where bit j
     * of i is set) */
#define RX_CX2(ix, mk)                                                                             \
    do {                                                                                           \
        __m512i p_ = _mm512_permutexvar_epi32(ix, v);                                              \
        v = _mm512_mask_blend_epi32((__mmask16)(mk * 0x101u), _mm512_min_epu32(v, p_),             \
                                    _mm512_max_epu32(v, p_));                                      \
    } while (0)
#endif
    unsigned d = 0;
    while (d <= m) {
        size_t ca = cnt[d], cb = d < m ? cnt[d + 1] : 0;
        if (ca > 8 || cb > 8) { /* this bucket alone */
            if (ca > 0)
                RX(rx_hot_bucket_)(h + st[d], ca, dst + st[d], next, cx);
            d++;
            continue;
        }
        const T *p = h + st[d];
        T *q = dst + st[d];
#if KEYBITS == 64
        __mmask8 ma = (__mmask8)((1u << ca) - 1), mb = (__mmask8)((1u << cb) - 1);
        __m512i va = _mm512_mask_loadu_epi64(top, ma, p),
                vb = _mm512_mask_loadu_epi64(top, mb, p + ca);
#else
        __mmask16 ld = (__mmask16)((1u << (ca + cb)) - 1),
                  k = (__mmask16)(((1u << ca) - 1) | (((1u << cb) - 1) << 8));
        __m512i v = _mm512_mask_expand_epi32(top, k, _mm512_maskz_loadu_epi32(ld, p));
#endif
        RX_CX2(x1, 0x66);
        RX_CX2(x2, 0x3c);
        RX_CX2(x1, 0x5a);
        RX_CX2(x4, 0xf0);
        RX_CX2(x2, 0xcc);
        RX_CX2(x1, 0xaa);
#if KEYBITS == 64
        _mm512_mask_storeu_epi64(q, ma, va);
        _mm512_mask_storeu_epi64(q + ca, mb, vb);
#else
        _mm512_mask_storeu_epi32(q, ld, _mm512_maskz_compress_epi32(k, v));
#endif
        d += 2;
    }
#undef RX_CX2
}
#endif

/* Sorts a[0..n) (RX_SMALL < n <= RX_HOT) into dst (dst may be a) through the
 * hot buffer: one scatter into it, then every bucket from it into dst. */
static void RX(rx_hot_)(const T *a, size_t n, T *dst, RX(rx_ctx_) * cx)
{
    T acc = RX(rx_vary_)(a, n);
    int t = TOPBIT(acc);
    if (t < 0) {
        if (dst != a)
            memcpy(dst, a, n * sizeof(T));
        return;
    }
    int b = RX(rx_hbits_)(n);
    unsigned m = (1u << b) - 1;
    int s = RX(rx_shift_)(t, b);
    size_t cnt[RX_WMAX];
    RX(rx_wcount_)(a, n, s, m, cnt, cx->tab);
    if (RX(rx_few_)(a, dst, n, s, m, cnt, cx->rep, cx->have))
        return;
    uint32_t *st = cx->hoff, off[RX_WMAX];
    st[0] = 0;
    for (unsigned d = 0; d <= m; d++) {
        off[d] = st[d];
        st[d + 1] = st[d] + (uint32_t)cnt[d];
    }
    T *h = cx->hot;
    for (size_t i = 0; i < n; i++) {
        T x = a[i];
        h[off[(unsigned)RDIGIT(x, s) & m]++] = x;
    }
    int next = s - 1;
#if defined(RX_HAVE_AVX512)
    if (cx->avx512) {
        RX(rx_hot_pairs_avx512_)(h, dst, cnt, st, m, next, cx);
        return;
    }
#endif
    for (unsigned d = 0; d <= m; d++)
        if (cnt[d] > 0)
            RX(rx_hot_bucket_)(h + st[d], cnt[d], dst + st[d], next, cx);
}

static void RX(rx_wide_)(T *a, T *o, size_t n, int to_o, RX(rx_ctx_) * cx);
static int RX(rx_inplace_)(T *a, T *o, size_t n, int threads, RX(rx_ctx_) * cx);
static void RX(rx_par_)(T *a, T *o, size_t n, int hint, int to_o, int threads, RX(rx_ctx_) * cx);

/* Sequential sort of a[0..n), the result in o when to_o, else in a: leaves,
 * the hot level, an in-place level (large ranges sorted where they lie), a
 * wide level, or (without buffers) the narrow levels. */
static void RX(rx_seq_)(T *a, T *o, size_t n, int to_o, RX(rx_ctx_) * cx)
{
    if (n <= RX_SMALL)
        RX(rx_leaf_)(a, n, to_o ? o : a, cx);
    else if (!cx->hot)
        RX(rx_rec_)(a, o, n, to_o, cx);
    else if (n <= RX_HOT)
        RX(rx_hot_)(a, n, to_o ? o : a, cx);
    else if (to_o || n < RX_IP_MIN || !RX(rx_inplace_)(a, o, n, 1, cx))
        RX(rx_wide_)(a, o, n, to_o, cx);
}

/* Fills the holes dst[0] (dn[0] slots) then dst[1] (dn[1]) from the
 * elements of src[0] (sn[0]), src[1], ... src[ns - 1]; the totals agree. */
static void RX(rx_fill_)(T *const dst[2], const size_t dn[2], const T *const *src, const size_t *sn,
                         int ns)
{
    int di = 0, si = 0;
    size_t dof = 0, sof = 0;
    while (di < 2 && si < ns) {
        if (dof == dn[di]) {
            di++;
            dof = 0;
        } else if (sof == sn[si]) {
            si++;
            sof = 0;
        } else {
            size_t k = dn[di] - dof < sn[si] - sof ? dn[di] - dof : sn[si] - sof;
            memcpy(dst[di] + dof, src[si] + sof, k * sizeof(T));
            dof += k;
            sof += k;
        }
    }
}

/* The buckets of the block of 2^j prefixes from lo (cum: the sample's
 * running counts): the block is one bucket when its count is at most
 * target (or it is one prefix), else its halves are cut in turn; map (NULL:
 * only counted) gets each prefix's bucket from nb on.  Returns the next
 * bucket number; stops counting past K. */
static unsigned RX(rx_ip_cut_)(const uint32_t *cum, unsigned lo, int j, uint64_t target,
                               uint16_t *map, unsigned nb, unsigned K)
{
    if (nb > K)
        return nb;
    if (j > 0 && cum[lo + (1u << j)] - cum[lo] > target) {
        nb = RX(rx_ip_cut_)(cum, lo, j - 1, target, map, nb, K);
        return RX(rx_ip_cut_)(cum, lo + (1u << (j - 1)), j - 1, target, map, nb, K);
    }
    if (map)
        for (unsigned p = lo; p < lo + (1u << j); p++)
            map[p] = (uint16_t)nb;
    return nb + 1;
}

/* The in-place level's digit for skewed keys: from a sample of a[0..n)
 * (RX_IP_SAMPLE keys, evenly spaced), the histogram of the prefix
 * (x >> ps) & pm (pm = 2^pb - 1, pb <= RX_IP_P); when the plain digit (the
 * prefix >> sh: kd values, K or fewer where its shift is clamped at the
 * word's base) would put more than 8 times its share of the sample in one
 * bucket, returns a map from prefix to bucket, else NULL: also when every
 * sampled key equals the first of its plain digit (a few distinct keys,
 * one a bucket already, written from the counts by rx_few_; the map moved
 * every block: 1e7 u64 keys of 12-100 values 14 -> 33 ms), and when memory
 * is short.  *fewp says whether rx_few_ may apply (the sample shows one
 * key per plain digit, on at most a quarter of the digits).  rep and have
 * (kd entries each) are scratch.  The buckets are aligned blocks of
 * prefixes, cut in halves while they hold more than a share of the sample
 * (the smallest share, doubled until K buckets suffice), so the keys of a
 * bucket agree on its block's bits and the level below starts under them
 * (an unaligned run of prefixes would vary in a high bit and waste the
 * next digit: measured, 0.81 -> 0.52 of vqsort on 1e7 exponential u64
 * keys).  A heavy prefix is a bucket of its own.  Uniform keys keep the
 * plain digit; exponential, log-uniform (zipf) and floating-point keys
 * (whose exponent bits vary first) get buckets of near their share instead
 * of a few holding most. */
static uint16_t *RX(rx_ip_map_)(const T *a, size_t n, int ps, int pb, int sh, unsigned K, T *rep,
                                unsigned char *have, int *fewp)
{
    const size_t ns = RX_IP_SAMPLE;
    const unsigned pm = (1u << pb) - 1;
    /* the plain digit's values: fewer than K where its shift is clamped at
     * the word's base */
    const unsigned kd = (pm >> sh) + 1 < K ? (pm >> sh) + 1 : K;
    *fewp = 1; /* unless the sample shows otherwise */
    if (n < ns)
        return NULL;
    uint32_t *cum = calloc((size_t)pm + 2, sizeof(uint32_t));
    if (!cum)
        return NULL;
    memset(have, 0, kd);
    int few = 1; /* every sampled key equals the first of its plain digit */
    unsigned used = 0;
    for (size_t k = 0; k < ns; k++) {
        T x = a[k * n / ns];
        unsigned p = (unsigned)RDIGIT(x, ps) & pm, d = p >> sh;
        cum[p + 1]++;
        if (!have[d]) {
            have[d] = 1;
            used++;
            rep[d] = x;
        } else if (few) {
            T v;
            memset(&v, 0, sizeof v);
            VARY_ACC(v, x, rep[d]);
            few = TOPBIT(v) < 0;
        }
    }
    uint64_t top = 0, sum = 0;
    for (unsigned p = 0; p <= pm; p++) {
        sum += cum[p + 1];
        if (p == pm || (p + 1) >> sh != p >> sh) { /* the end of a plain digit */
            top = sum > top ? sum : top;
            sum = 0;
        }
    }
    /* rx_few_ needs one key per digit and at most a quarter of the digits */
    *fewp = few && used * 4 <= K;
    /* a few distinct keys, by the sample, keep the plain digit */
    uint16_t *map = NULL;
    if (!few && top * kd > 8 * (uint64_t)ns &&
        (map = malloc(sizeof(uint16_t) * ((size_t)pm + 1)))) {
        for (unsigned p = 0; p <= pm; p++)
            cum[p + 1] += cum[p];
        uint64_t target = ns / K > 0 ? ns / K : 1;
        while (RX(rx_ip_cut_)(cum, 0, pb, target, NULL, 0, K) > K)
            target *= 2;
        /* one bucket would hand the whole range to the level below again
         * (it cannot be: the root holds every sample, more than target) */
        if (RX(rx_ip_cut_)(cum, 0, pb, target, map, 0, K) < 2) {
            free(map);
            map = NULL;
        }
    }
    free(cum);
    return map;
}

/* The in-place level's classification of a[lo..hi) (its digit: the map's
 * bucket of the prefix at ps when map is set, else the digit at s): each
 * key to its digit's block of buffer in tb (fill counts in tf, the keys of
 * full blocks in tc: both zeroed first); a full block is written back at
 * the stripe's write position, returned at the end.  The bits in which the
 * keys differ from x0 are or-ed into *vary (the level's top bit came from
 * a sample).  A function of its own, a loop per digit: inlined into the
 * parallel region, the loop kept s and m on the stack (10% slower
 * measured). */
static __attribute__((noinline)) size_t RX(rx_ip_stripe_)(T *a, size_t lo, size_t hi, T *tb,
                                                          size_t *tf, size_t *tc, T x0, T *vary,
                                                          int s, unsigned m, const uint16_t *map,
                                                          int ps, unsigned pm)
{
    const size_t B = RX_IP_B;
    size_t wpos = lo;
    T v;
    memset(&v, 0, sizeof v);
#define RX_IP_LOOP(digit)                                                                          \
    for (size_t i = lo; i < hi; i++) {                                                             \
        T x = a[i];                                                                                \
        VARY_ACC(v, x, x0);                                                                        \
        unsigned d = (digit);                                                                      \
        size_t f = tf[d];                                                                          \
        tb[d * RX_IP_BS + f] = x;                                                                  \
        if (++f == B) {                                                                            \
            memcpy(a + wpos, tb + d * RX_IP_BS, B * sizeof(T));                                    \
            wpos += B;                                                                             \
            tc[d] += B;                                                                            \
            f = 0;                                                                                 \
        }                                                                                          \
        tf[d] = f;                                                                                 \
    }
    if (map)
        RX_IP_LOOP((unsigned)map[(unsigned)RDIGIT(x, ps) & pm])
    else
        RX_IP_LOOP((unsigned)RDIGIT(x, s) & m)
#undef RX_IP_LOOP
    *vary = v;
    return wpos;
}

/* The permutation's moves of a block (RX_IP_B keys): the one at slot
 * swapped with the one in *cur, which then holds it (*spare: a free
 * block); and *cur put at slot, or into ovf where the slot passes n. */
static inline void RX(rx_ip_swap_)(T *slot, T **cur, T **spare)
{
    memcpy(*spare, slot, RX_IP_B * sizeof(T));
    memcpy(slot, *cur, RX_IP_B * sizeof(T));
    T *t = *cur;
    *cur = *spare;
    *spare = t;
}
static inline void RX(rx_ip_put_)(T *a, size_t n, T *slot, const T *cur, T *ovf)
{
    if ((size_t)(slot - a) + RX_IP_B > n)
        memcpy(ovf, cur, RX_IP_B * sizeof(T));
    else
        memcpy(slot, cur, RX_IP_B * sizeof(T));
}

/* The in-place level's permutation on threads threads (IPS4o's, Axtmann et
 * al.): bucket d's unprocessed full blocks lie in [w, r) of its range,
 * its empty blocks after them (the caller moved them so); wr[d] holds w in
 * its high half and r + RX_IP_RB in its low half, changed by one atomic
 * add (a read that finds w >= r has still lowered r: by one a thread at
 * most, as the thread moves on); rd[d] counts the threads taking a block
 * of bucket d.  Each thread takes the block at r - 1 of a bucket (from its
 * share of the buckets on, the next once none is left) into its swap
 * buffer and puts it at w of its digit's bucket: over a full block of
 * another digit (carrying that one on), past one of the same digit, or
 * into an empty slot once no thread is taking a block of that bucket (a
 * slot past r may be one just taken).  A slot past n goes to ovf.  Leaves
 * each bucket's w in wr's high half. */
#define RX_IP_RB ((int64_t)1 << 31)
#if defined(__x86_64__) && defined(__GNUC__)
#define RX_IP_SPIN() __builtin_ia32_pause()
#else
#define RX_IP_SPIN() ((void)0)
#endif
static void RX(rx_ip_permute_)(T *a, size_t n, unsigned K, uint64_t *wr, unsigned *rd, T *sw,
                               T *ovf, int threads, const uint16_t *map, int ps, unsigned pm, int s,
                               unsigned m)
{
    const size_t B = RX_IP_B;
#define RX_IP_DG(x) RX_IP_DIGIT(x, map, ps, pm, s, m)
#pragma omp parallel num_threads(threads)
    {
        const int id = SORT_TID();
        T *b1 = sw + (size_t)id * 2 * B, *b2 = b1 + B;
        unsigned d = (unsigned)((uint64_t)K * (unsigned)id / (unsigned)threads);
        for (unsigned moved = 0; moved < K;) {
            __atomic_fetch_add(&rd[d], 1, __ATOMIC_SEQ_CST);
            uint64_t p = __atomic_fetch_sub(&wr[d], 1, __ATOMIC_SEQ_CST);
            int64_t w = (int64_t)(p >> 32), r = (int64_t)(uint32_t)p - RX_IP_RB;
            if (w >= r) { /* none left here */
                __atomic_fetch_sub(&rd[d], 1, __ATOMIC_RELEASE);
                d = d + 1 < K ? d + 1 : 0;
                moved++;
                continue;
            }
            memcpy(b1, a + (size_t)(r - 1) * B, B * sizeof(T));
            __atomic_fetch_sub(&rd[d], 1, __ATOMIC_RELEASE);
            for (;;) {
                unsigned u = RX_IP_DG(b1[0]);
                uint64_t q = __atomic_fetch_add(&wr[u], (uint64_t)1 << 32, __ATOMIC_SEQ_CST);
                int64_t wu = (int64_t)(q >> 32), ru = (int64_t)(uint32_t)q - RX_IP_RB;
                T *slot = a + (size_t)wu * B;
                if (wu < ru) { /* a full block, not taken by any thread */
                    if (RX_IP_DG(slot[0]) != u)
                        RX(rx_ip_swap_)(slot, &b1, &b2);
                    continue;
                }
                while (__atomic_load_n(&rd[u], __ATOMIC_ACQUIRE) != 0)
                    RX_IP_SPIN();
                RX(rx_ip_put_)(a, n, slot, b1, ovf);
                break;
            }
        }
    }
#undef RX_IP_DG
}

/* The top bit in which a[0..n) differs from x0, over the keys (threads
 * threads, stripes of S) or, when sample is set, over RX_IP_SAMPLE evenly
 * spaced keys (never above the keys' own). */
static int RX(rx_ip_top_)(const T *a, size_t n, size_t S, int threads, T x0, int sample, T *part)
{
    T acc;
    memset(&acc, 0, sizeof acc);
    if (sample) {
        for (size_t k = 0; k < RX_IP_SAMPLE; k++)
            VARY_ACC(acc, a[k * n / RX_IP_SAMPLE], x0);
        return TOPBIT(acc);
    }
#pragma omp parallel for schedule(static, 1) num_threads(threads) if (threads > 1)
    for (int th = 0; th < threads; th++) {
        size_t lo = (size_t)th * S < n ? (size_t)th * S : n, hi = lo + S < n ? lo + S : n;
        T v;
        memset(&v, 0, sizeof v);
        for (size_t i = lo; i < hi; i++)
            VARY_ACC(v, a[i], x0);
        part[th] = v;
    }
    for (int th = 0; th < threads; th++)
        VARY_OR(acc, part[th]);
    return TOPBIT(acc);
}

/* An in-place level (the block permutation of IPS4o and IPS2Ra, Axtmann et
 * al.): a[0..n) (n > RX_SMALL) partitioned where it lies by a digit of
 * RX_IP_BITS(n) bits (more where that covers every varying bit, fewer where
 * the buffers would be too large; or the bucket of a prefix map: skewed
 * keys), then each bucket sorted in place, by threads threads (cx:
 * one state each).  Scratch: o[0..c) for a bucket of c keys on one thread,
 * the same first part of o for every bucket; on more, thread i's part of
 * big keys at o + i * big for buckets of at most big keys (big: n / (2 *
 * threads), at least RX_HOT, at most n / threads), and o[0..c) again for a
 * larger bucket, sorted by all threads after them.
 * So only a small part of the scratch is ever touched: a scatter into fresh
 * memory costs the kernel's zeroing of every page first (38% of a 1e8-key
 * sort on the Zen 5 VM measured), which vqsort, sorting in place, never
 * pays.  Returns 0 when its buffers cannot be had, the keys still a
 * permutation of a[0..n) (reordered only where the allocation failed after
 * a rerun): the caller sorts them out of place.
 *
 * 0. The top varying bit (which places the digit) comes from a sample of
 *    the keys, not a pass over them: the classification or-s every key's
 *    difference from a[0] and, should a key vary above it, puts its keys
 *    back and runs again from the true top bit.  A pass over the keys
 *    finds it first where the sample shows a few distinct keys (rx_few_
 *    writes them in the order of their digit).  Measured on the Zen 5 VM,
 *    1e8 u64 keys, 1 thread: the two passes it saves (this bit, and the
 *    digits' counts that the classification now keeps) took 0.07 s of
 *    0.67.
 * 1. Classification, each thread over its stripe (whole blocks): each key
 *    goes to its digit's buffer of one block (RX_IP_B elements) of the
 *    thread; a full buffer is written to the stripe at its write position,
 *    which never passes the keys read.  A stripe then begins with F blocks
 *    of one digit each and ends in empty blocks; the rest of its keys wait
 *    in the buffers.
 * 2. Permutation: bucket d owns the blocks from ceil(start[d] / B) up to
 *    ceil(start[d + 1] / B); w[d] is its next block to fill and
 *    [w[d], r[d]) its blocks still to be classified (or empty).  A full
 *    block taken from the end of a bucket's unclassified blocks goes to
 *    w[t] of its digit t, swapping out the block there while that one is
 *    full (which then moves on), else into the free slot; blocks of the
 *    right digit at w[t] are passed over.  A block whose slot would pass n
 *    is kept aside (ovf).  On more threads, each bucket's empty blocks are
 *    moved to its end first, and the threads move blocks at once
 *    (rx_ip_permute_).  1e8 u64 keys on a 16-core Xeon: the step took
 *    0.118 s on one thread, 0.034 s on 16; 16 threads sorted 5.5-6.1x
 *    faster than 1 with the step on one thread, 7.6-8.4x now.  On the
 *    2-core Zen 5 VM, quiet, 2 threads gain nothing (they move blocks at
 *    9.7 GB/s, one thread at 11; random 1 KiB block swaps alone reach 15
 *    on 2 threads).
 * 3. Clean-up, bucket by bucket in order: a bucket's full blocks end up to
 *    B - 1 keys into the next bucket's range or short of their own end;
 *    the keys past its end and those in the threads' buffers fill its head
 *    (the keys before its first block) and its tail. */
static int RX(rx_inplace_)(T *a, T *o, size_t n, int threads, RX(rx_ctx_) * cx)
{
    const size_t B = RX_IP_B;
    /* stripes of whole blocks, one a thread */
    const size_t S = ((n + (size_t)threads - 1) / (size_t)threads + B - 1) / B * B;
    const T x0 = a[0];
    T *part = malloc(sizeof(T) * (size_t)threads);
    if (!part)
        return 0;
    /* the top varying bit from a sample, checked by the classification
     * (exact: from a pass over the keys) */
    int t = RX(rx_ip_top_)(a, n, S, threads, x0, 1, part), exact = 0;
    if (t < 0) {
        t = RX(rx_ip_top_)(a, n, S, threads, x0, 0, part);
        exact = 1;
    }
    if (t < 0) { /* all equal */
        free(part);
        return 1;
    }
    unsigned K, m, pm;
    int bits, s, ps;
    const T **src;
    T *buf, *sw, *sw2, *ovf;
    size_t *st, *w, *r, *cnt, *fill, *F, *sn;
    uint16_t *map;
    for (;;) {
        bits = RX_IP_BITS(n);
        /* keys that vary in at most RX_WBITS bits of their word (a few
         * thousand values at most): a digit of all of them, so that each
         * bucket holds equal keys and no level runs below (1e7 root-dup
         * keys, 3162 values, pas / vqsort measured: u32 0.60 -> 0.95, i64
         * 0.68 -> 0.76, u64 0.72 -> 0.74) */
        if (t - WBASE(t) + 1 <= RX_WBITS && t - WBASE(t) + 1 > bits)
            bits = t - WBASE(t) + 1;
        /* the threads' buffers (K blocks each) at most an eighth of the keys */
        while (bits > 10 && ((size_t)threads << bits) * B > n / 8)
            bits--;
        K = 1u << bits;
        m = K - 1;
        s = RX(rx_shift_)(t, bits);
        /* skewed keys (a few digits hold most of them) take the digit of a
         * map from their top RX_IP_P varying bits instead */
        ps = RX(rx_shift_)(t, RX_IP_P);
        pm = (1u << (t - ps + 1)) - 1;
        int few;
        map = RX(rx_ip_map_)(a, n, ps, t - ps + 1, s - ps, K, cx->rep, cx->have, &few);
        if (few && !exact) { /* rx_few_ orders by the digit: t must be exact */
            free(map);
            t = RX(rx_ip_top_)(a, n, S, threads, x0, 0, part);
            exact = 1;
            continue;
        }
        src = malloc(sizeof(T *) * (size_t)(threads + 2));
        buf = malloc(sizeof(T) *
                     (RX_IP_BS * (size_t)K * (size_t)threads + (2 * (size_t)threads + 1) * B));
        st = malloc(sizeof(size_t) * (3 * (size_t)K + 1 + 2 * (size_t)K * (size_t)threads +
                                      3 * (size_t)threads + 2));
        if (!src || !buf || !st) {
            free(map);
            free(src);
            free(buf);
            free(st);
            free(part);
            return 0;
        }
        w = st + K + 1;
        r = w + K;
        cnt = r + K;
        fill = cnt + (size_t)K * (size_t)threads;
        F = fill + (size_t)K * (size_t)threads;
        sn = F + threads;
        sw = buf + (size_t)K * (size_t)threads * RX_IP_BS; /* two blocks a thread */
        sw2 = sw + B;
        ovf = sw + 2 * (size_t)threads * B;
        if (few) { /* a few distinct keys, perhaps: written from the counts */
#pragma omp parallel for schedule(static, 1) num_threads(threads) if (threads > 1)
            for (int th = 0; th < threads; th++) {
                size_t lo = (size_t)th * S < n ? (size_t)th * S : n, hi = lo + S < n ? lo + S : n;
                uint32_t own[2 * RX_WMAX]; /* where the thread's state has no tables */
                RX(rx_wcount_)
                (a + lo, hi - lo, s, m, cnt + (size_t)K * (size_t)th,
                 cx[th].tab ? cx[th].tab : own);
            }
            for (int th = 1; th < threads; th++)
                for (unsigned d = 0; d < K; d++)
                    cnt[d] += cnt[(size_t)K * (size_t)th + d];
            if (RX(rx_few_)(a, a, n, s, m, cnt, cx->rep, cx->have)) {
                free(map);
                free(src);
                free(buf);
                free(st);
                free(part);
                return 1;
            }
        }
        /* 1. classification, counting each digit's keys */
#pragma omp parallel for schedule(static, 1) num_threads(threads) if (threads > 1)
        for (int th = 0; th < threads; th++) {
            size_t lo = (size_t)th * S < n ? (size_t)th * S : n, hi = lo + S < n ? lo + S : n;
            T *tb = buf + (size_t)K * (size_t)th * RX_IP_BS;
            size_t *tf = fill + (size_t)K * (size_t)th, *tc = cnt + (size_t)K * (size_t)th, wpos;
            memset(tf, 0, sizeof(size_t) * K);
            memset(tc, 0, sizeof(size_t) * K);
            wpos = RX(rx_ip_stripe_)(a, lo, hi, tb, tf, tc, x0, &part[th], s, m, map, ps, pm);
            F[th] = (wpos - lo) / B;
        }
        T acc;
        memset(&acc, 0, sizeof acc);
        for (int th = 0; th < threads; th++)
            VARY_OR(acc, part[th]);
        const int top = TOPBIT(acc);
        if (top <= t) /* the digit covered the keys' top bit */
            break;
        /* a bit above the sample's varied: each stripe's buffered keys back
         * after its full blocks, and the level again from the true top bit */
        for (int th = 0; th < threads; th++) {
            if ((size_t)th * S >= n) /* no stripe: no keys */
                break;
            size_t pos = (size_t)th * S + F[th] * B;
            const T *tb = buf + (size_t)K * (size_t)th * RX_IP_BS;
            const size_t *tf = fill + (size_t)K * (size_t)th;
            for (unsigned d = 0; d < K; d++) {
                memcpy(a + pos, tb + d * RX_IP_BS, tf[d] * sizeof(T));
                pos += tf[d];
            }
        }
        free(map);
        free(src);
        free(buf);
        free(st);
        t = top;
        exact = 1;
        __atomic_fetch_add(&pas_sort_radix_inplace_retries, 1, __ATOMIC_RELAXED);
    }
    free(part);
    for (int th = 0; th < threads; th++) {
        size_t *c = cnt + (size_t)K * (size_t)th;
        const size_t *f = fill + (size_t)K * (size_t)th;
        for (unsigned d = 0; d < K; d++)
            c[d] += f[d];
    }
    for (int th = 1; th < threads; th++)
        for (unsigned d = 0; d < K; d++)
            cnt[d] += cnt[(size_t)K * (size_t)th + d];
    __atomic_fetch_add(&pas_sort_radix_inplace_levels, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&pas_sort_radix_inplace_last_bits, bits, __ATOMIC_RELAXED);
    if (map) {
        __atomic_fetch_add(&pas_sort_radix_inplace_maps, 1, __ATOMIC_RELAXED);
    }
    /* 2. permutation (block indices); block j is empty when it lies past
     * the full blocks of its stripe */
#define RX_IP_D(x) RX_IP_DIGIT(x, map, ps, pm, s, m)
#define RX_IP_EMPTY(j) ((j)*B >= (j)*B / S * S + F[(j)*B / S] * B)
    st[0] = 0;
    for (unsigned d = 0; d < K; d++) {
        st[d + 1] = st[d] + cnt[d];
        w[d] = (st[d] + B - 1) / B;
        r[d] = (st[d + 1] + B - 1) / B;
    }
    uint64_t *wr = NULL;
    if (threads > 1 && (n + B - 1) / B < ((size_t)1 << 30))
        wr = malloc((sizeof(uint64_t) + sizeof(unsigned)) * K);
    if (wr) { /* in parallel: each bucket's empty blocks moved to its end */
        unsigned *rd = (unsigned *)(wr + K);
        for (unsigned d = 0; d < K; d++) {
            size_t i = w[d], j = r[d];
            for (;;) {
                while (i < j && !RX_IP_EMPTY(i))
                    i++;
                while (j > i && RX_IP_EMPTY(j - 1))
                    j--;
                if (i >= j)
                    break;
                memcpy(a + i * B, a + (j - 1) * B, B * sizeof(T));
                i++;
                j--;
            }
            wr[d] = (uint64_t)w[d] << 32 | (uint64_t)((int64_t)i + RX_IP_RB);
            rd[d] = 0;
        }
        RX(rx_ip_permute_)(a, n, K, wr, rd, sw, ovf, threads, map, ps, pm, s, m);
        for (unsigned d = 0; d < K; d++)
            w[d] = (size_t)(wr[d] >> 32);
        free(wr);
    } else {
        for (unsigned d = 0; d < K; d++) {
            for (;;) {
                while (w[d] < r[d] && !RX_IP_EMPTY(w[d]) && RX_IP_D(a[w[d] * B]) == d)
                    w[d]++;
                while (r[d] > w[d] && RX_IP_EMPTY(r[d] - 1))
                    r[d]--;
                if (w[d] >= r[d])
                    break;
                r[d]--;
                memcpy(sw, a + r[d] * B, B * sizeof(T));
                for (;;) {
                    unsigned u = RX_IP_D(sw[0]);
                    while (w[u] < r[u] && !RX_IP_EMPTY(w[u]) && RX_IP_D(a[w[u] * B]) == u)
                        w[u]++;
                    T *slot = a + w[u] * B;
                    if (w[u] < r[u] && !RX_IP_EMPTY(w[u])) { /* swap with the full block there */
                        w[u]++;
                        RX(rx_ip_swap_)(slot, &sw, &sw2);
                        continue;
                    }
                    w[u]++;
                    RX(rx_ip_put_)(a, n, slot, sw, ovf);
                    break;
                }
            }
        }
    }
#undef RX_IP_EMPTY
    /* 3. clean-up (element indices) */
    for (unsigned d = 0; d < K; d++) {
        const size_t L = st[d], R = st[d + 1], AL = (L + B - 1) / B * B, W = w[d] * B;
        const size_t lim = AL > R ? AL : R, ov = W > lim ? W - lim : 0;
        /* the keys past the bucket's end: in a up to n, the rest in ovf */
        src[0] = ov ? a + lim : a; /* lim may pass n when ov is 0 */
        sn[0] = ov;
        src[1] = ovf;
        sn[1] = 0;
        if (ov && W > n) { /* the last block is in ovf: its part before n to a */
            size_t p = W - B;
            memcpy(a + p, ovf, (n - p) * sizeof(T));
            sn[0] = n - lim;
            src[1] = ovf + (n - p);
            sn[1] = W - n;
        }
        for (int th = 0; th < threads; th++) {
            src[2 + th] = buf + ((size_t)K * (size_t)th + d) * RX_IP_BS;
            sn[2 + th] = fill[(size_t)K * (size_t)th + d];
        }
        T *const dst[2] = {a + L, W < R ? a + W : a}; /* W may pass n when there is no tail */
        const size_t dn[2] = {(AL < R ? AL : R) - L, W < R ? R - W : 0};
        RX(rx_fill_)(dst, dn, src, sn, threads + 2);
    }
#undef RX_IP_D
    const int mapped = map != NULL;
    free(map);
    free(src);
    free(buf);
    /* the buckets, each where it lies */
    /* below the digit: with the map, whatever the buckets' keys vary in */
    const int below = mapped ? t : s - 1;
    if (below >= 0 && threads == 1) {
        for (unsigned d = 0; d < K; d++)
            if (st[d + 1] - st[d] > 1)
                RX(rx_seq_)(a + st[d], o, st[d + 1] - st[d], 0, cx);
    } else if (below >= 0) { /* else the buckets hold equal keys */
        size_t big = n / (size_t)(2 * threads);
        if (big < RX_HOT) /* the hot level needs no scratch: all such buckets in parallel */
            big = RX_HOT < n / (size_t)threads ? RX_HOT : n / (size_t)threads;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (unsigned d = 0; d < K; d++) {
            size_t c = st[d + 1] - st[d];
            if (c > 1 && c <= big) {
                int id = SORT_TID();
                RX(rx_seq_)(a + st[d], o + (size_t)id * big, c, 0, &cx[id]);
            }
        }
        for (unsigned d = 0; d < K; d++) {
            size_t c = st[d + 1] - st[d];
            if (c > big && !(c >= RX_IP_MIN && RX(rx_inplace_)(a + st[d], o, c, threads, cx)))
                RX(rx_par_)(a + st[d], o, c, below, 0, threads, cx);
        }
    }
    free(st);
    return 1;
}

/* the buckets of a level (cnt, start) lie in o; sorts each into its place,
 * in a when to_o is 0, else in o; next: the top bit below the digit;
 * narrow: by narrow digits alone (the hot buffer is in use) */
static void RX(rx_buckets_)(T *a, T *o, const size_t *cnt, const size_t *start, unsigned m,
                            int next, int to_o, RX(rx_ctx_) * cx, int narrow)
{
    for (unsigned d = 0; d <= m; d++) {
        size_t c = cnt[d];
        if (c == 0)
            continue;
        T *bo = o + start[d], *ba = a + start[d];
        if (next < 0 || c == 1) {
            if (!to_o)
                memcpy(ba, bo, c * sizeof(T));
        } else if (narrow) {
            RX(rx_rec_)(bo, ba, c, !to_o, cx);
        } else {
            RX(rx_seq_)(bo, ba, c, !to_o, cx);
        }
    }
}

/* A wide level: a[0..n) (n > RX_HOT) scattered into o by a digit of up to
 * RX_WBITS bits, the buckets sorted from there; result in o when to_o. */
static void RX(rx_wide_)(T *a, T *o, size_t n, int to_o, RX(rx_ctx_) * cx)
{
    size_t *cnt = malloc(sizeof(size_t) * (2 * RX_WMAX + 1));
    if (!cnt) {
        RX(rx_rec_)(a, o, n, to_o, cx);
        return;
    }
    size_t *start = cnt + RX_WMAX;
    T acc = RX(rx_vary_)(a, n);
    int t = TOPBIT(acc);
    if (t < 0) {
        if (to_o)
            memcpy(o, a, n * sizeof(T));
        free(cnt);
        return;
    }
    int b = RX(rx_wbits_)(n);
    unsigned m = (1u << b) - 1;
    int s = RX(rx_shift_)(t, b);
    RX(rx_wcount_)(a, n, s, m, cnt, cx->tab);
    if (RX(rx_few_)(a, to_o ? o : a, n, s, m, cnt, cx->rep, cx->have)) {
        free(cnt);
        return;
    }
    size_t *off = malloc(sizeof(size_t) * RX_WMAX);
    if (!off) {
        free(cnt);
        RX(rx_rec_)(a, o, n, to_o, cx);
        return;
    }
    start[0] = 0;
    for (unsigned d = 0; d <= m; d++) {
        off[d] = start[d];
        start[d + 1] = start[d] + cnt[d];
    }
    int wc = n * sizeof(T) >= RX_WC_BYTES;
    RX(rx_scatter_)(a, n, o, s, m, off, wc ? cx->wc : NULL, cx->fill);
    free(off);
    RX(rx_buckets_)(a, o, cnt, start, m, s - 1, to_o, cx, 0);
    free(cnt);
}

/* Parallel sort of a[0..n) (keys agree above `hint`) with threads threads
 * (cx: one state each); the result ends in o when to_o, else in a. */
static void RX(rx_par_)(T *a, T *o, size_t n, int hint, int to_o, int threads, RX(rx_ctx_) * cx)
{
    if (threads < 2 || n < (1u << 16)) {
        RX(rx_seq_)(a, o, n, to_o, &cx[0]);
        return;
    }
    /* in place from RX_IP_MIN, whether the scratch is in memory yet or not:
     * with a caller's reused (warm) buffer, measured on the Zen 5 VM with
     * pas-sort, in place against the scatter: 2e7 keys on 2 ranks x 1
     * thread 0.110 -> 0.092 s, 1e8 keys 0.538 -> 0.500 s, 1e8 on 1 rank x 2
     * threads 0.485 -> 0.440 s (out of place had been 10-20% faster before
     * the 12-bit level and the paired leaves; 2f632bb chose by residency) */
    if (!to_o && n >= RX_IP_MIN && cx[0].hot && RX(rx_inplace_)(a, o, n, threads, cx))
        return;
    T *part = malloc(sizeof(T) * (size_t)threads);
    size_t *h = malloc(sizeof(size_t) * RX_WMAX * (size_t)(2 * threads + 2) + sizeof(size_t));
    if (!h || !part) {
        free(h);
        free(part);
        RX(rx_seq_)(a, o, n, to_o, &cx[0]);
        return;
    }
    size_t *g = h + RX_WMAX * (size_t)threads, *start = g + RX_WMAX, *offs = start + RX_WMAX + 1;
    const int b = RX(rx_wbits_)(n / (size_t)threads);
    const unsigned m = (1u << b) - 1;
    int s = RX(rx_shift_)(hint, b);
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int th = 0; th < threads; th++) {
        pas_range_t r = pas_decomp_block_range(n, threads, th);
        size_t *ht = h + RX_WMAX * (size_t)th;
        T v;
        memset(&v, 0, sizeof v);
        memset(ht, 0, sizeof(size_t) * (m + 1));
        const T x0 = a[0];
        for (size_t i = r.lo; i < r.hi; i++) {
            VARY_ACC(v, a[i], x0);
            ht[(unsigned)RDIGIT(a[i], s) & m]++;
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
    if (RX(rx_shift_)(t, b) != s) {
        s = RX(rx_shift_)(t, b);
#pragma omp parallel for schedule(static, 1) num_threads(threads)
        for (int th = 0; th < threads; th++) {
            pas_range_t r = pas_decomp_block_range(n, threads, th);
            uint32_t own[2 * RX_WMAX]; /* where the thread's state has no tables */
            RX(rx_wcount_)
            (a + r.lo, r.hi - r.lo, s, m, h + RX_WMAX * (size_t)th, cx[th].tab ? cx[th].tab : own);
        }
    }
    start[0] = 0;
    for (unsigned d = 0; d <= m; d++) {
        g[d] = 0;
        for (int th = 0; th < threads; th++)
            g[d] += h[RX_WMAX * (size_t)th + d];
        start[d + 1] = start[d] + g[d];
    }
    for (unsigned d = 0; d <= m; d++) { /* each thread's first slot of each digit */
        size_t o1 = start[d];
        for (int th = 0; th < threads; th++) {
            offs[RX_WMAX * (size_t)th + d] = o1;
            o1 += h[RX_WMAX * (size_t)th + d];
        }
    }
    const int wc = n * sizeof(T) >= RX_WC_BYTES;
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int th = 0; th < threads; th++) {
        pas_range_t r = pas_decomp_block_range(n, threads, th);
        size_t *off = offs + RX_WMAX * (size_t)th;
        RX(rx_scatter_)(a + r.lo, r.hi - r.lo, o, s, m, off, wc ? cx[th].wc : NULL, cx[th].fill);
    }
    int next = s - 1;
    size_t big = n / (size_t)(2 * threads);
    if (big < (1u << 18))
        big = 1u << 18;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (unsigned d = 0; d <= m; d++) {
        size_t c = g[d];
        if (c == 0 || c > big)
            continue;
        if (next < 0 || c == 1) {
            if (!to_o)
                memcpy(a + start[d], o + start[d], c * sizeof(T));
        } else {
            RX(rx_seq_)(o + start[d], a + start[d], c, !to_o, &cx[SORT_TID()]);
        }
    }
    for (unsigned d = 0; d <= m; d++) {
        size_t c = g[d];
        if (c <= big)
            continue;
        if (next < 0) {
            if (!to_o)
                pas_sort_copy(a + start[d], o + start[d], c * sizeof(T));
        } else {
            RX(rx_par_)(o + start[d], a + start[d], c, next, !to_o, threads, cx);
        }
    }
    free(h);
}

#define MONO_T T
#define MONO_LESS(a, b) LESS(a, b)
#define MONO_NAME RX(rx_monotone_)
#include "sort_monotone_body.h"

int RX(pas_sort_presorted_)(T *a, size_t n)
{
    return RX(rx_monotone_)(a, n) != 0;
}

#if KEYBITS == 64 || KEYBITS == 32
int RX(pas_sort_leaf16_avx2_)(const T *a, size_t n, T *d)
{
#if defined(RX_HAVE_AVX512)
    if (n > 16 || !__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("popcnt"))
        return 0;
    RX(rx_leaf16_avx2_)(a, n, d);
    return 1;
#else
    (void)a;
    (void)n;
    (void)d;
    return 0;
#endif
}

int RX(pas_sort_few8_)(T *a, size_t n, T (*key)(T))
{
#if defined(RX_HAVE_AVX512)
    if (n < 1024 || !pas_sort_radix_simd)
        return 0;
    if (pas_sort_radix_simd != PAS_SORT_SIMD_AVX2 && __builtin_cpu_supports("avx512f"))
        return RX(rx_few8_avx512_)(a, n, key);
    return __builtin_cpu_supports("avx2") && RX(rx_few8_avx2_)(a, n, key);
#else
    (void)a;
    (void)n;
    (void)key;
    return 0;
#endif
}
#endif

void RX(pas_sort_radix_)(T *a, T *tmp, size_t n)
{
    if (RX(pas_sort_presorted_)(a, n))
        return;
#if defined(RX_HAVE_AVX512)
    if (RX(pas_sort_few8_)(a, n, NULL))
        return;
#endif
    int threads = SORT_THREADS();
    if ((size_t)threads > n >> 15) /* a thread per 32K keys at most */
        threads = (int)(n >> 15);
    if (threads < 1)
        threads = 1;
    RX(rx_ctx_) one, *cx = threads == 1 ? &one : malloc(sizeof *cx * (size_t)threads);
    if (!cx) {
        cx = &one;
        threads = 1;
    }
#pragma omp parallel for schedule(static, 1) num_threads(threads) if (threads > 1)
    for (int th = 0; th < threads; th++)
        RX(rx_ctx_init_)(&cx[th], n); /* first touched by its thread */
    RX(rx_par_)(a, tmp, n, KEYBITS - 1, 0, threads, cx);
    for (int th = 0; th < threads; th++)
        RX(rx_ctx_free_)(&cx[th]);
    if (cx != &one)
        free(cx);
}

#undef RX_SMALL
#undef RX_WC_BYTES
#undef RX_HOT
#undef RX_LEAF
#undef RX_WBITS
#undef RX_WMAX
#undef RX_PF
#undef RX_IP_MIN
#undef RX_IP_BITS
#undef RX_IP_B
#undef RX_IP_BS
#undef RX_IP_P
#undef RX_IP_SAMPLE
#undef RX_IP_DIGIT
#undef RX_IP_RB
#undef RX_IP_SPIN
#undef RX_HAVE_AVX512
#undef RX_LEAF16
#undef RX
