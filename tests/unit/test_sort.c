/* Unit tests of the sort module's pure pieces: local sorts (radix passes,
 * merge sort, quicksort) against qsort, merging and merge path, k-way
 * merging, classification by splitters, splitter picking, equal-run
 * splitting, generators, the hash, typed keys, the balance bound, and the
 * pure pieces of ams (levels, groups, routing, boundary placement). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <criterion/criterion.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pas_decomp.h"
#include "pas_sort.h"
#include "sort_internal.h" /* the module's pieces below its public API */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_pair(const void *a, const void *b)
{
    const pas_sort_pair_t *x = a, *y = b;
    if (x->k != y->k)
        return x->k < y->k ? -1 : 1;
    return x->v < y->v ? -1 : x->v > y->v;
}

enum { PAT_RANDOM, PAT_EQUAL, PAT_SORTED, PAT_REVERSE, PAT_FEW, PAT_HIGHBIT, PAT_SMALL, PAT_COUNT };

static uint64_t pattern(int pat, size_t i, size_t n)
{
    switch (pat) {
    case PAT_RANDOM:
        return pas_mix64(i + 12345);
    case PAT_EQUAL:
        return 0xabcdef;
    case PAT_SORTED:
        return i * 3;
    case PAT_REVERSE:
        return (uint64_t)(n - i) << 40;
    case PAT_FEW:
        return pas_mix64(i) % 3 * 0x0101010101010101ULL;
    case PAT_HIGHBIT:
        return (pas_mix64(i) & 0xff00000000000000ULL) | 7;
    default:
        return pas_mix64(i) % 1000;
    }
}

static const size_t sizes[] = {0, 1, 2, 3, 47, 48, 49, 64, 1000, 4099, 70001, 300000};
#define NSIZES (sizeof sizes / sizeof sizes[0])

typedef void (*sort_u64_fn)(uint64_t *a, uint64_t *tmp, size_t n);

static void check_u64_sorter(sort_u64_fn fn, const char *name)
{
    for (size_t si = 0; si < NSIZES; si++)
        for (int pat = 0; pat < PAT_COUNT; pat++) {
            size_t n = sizes[si];
            uint64_t *a = malloc(n * 8 + 8), *b = malloc(n * 8 + 8), *t = malloc(n * 8 + 8);
            for (size_t i = 0; i < n; i++)
                a[i] = b[i] = pattern(pat, i, n);
            fn(a, t, n);
            qsort(b, n, 8, cmp_u64);
            cr_assert(memcmp(a, b, n * 8) == 0, "%s: n=%zu pattern %d differs from qsort", name, n,
                      pat);
            free(a);
            free(b);
            free(t);
        }
}

static void radix_fn(uint64_t *a, uint64_t *t, size_t n)
{
    pas_sort_radix_u64(a, t, n);
}
static void merge_fn(uint64_t *a, uint64_t *t, size_t n)
{
    pas_sort_mergesort_u64(a, t, n);
}
static void quick_fn(uint64_t *a, uint64_t *t, size_t n)
{
    (void)t;
    pas_sort_quicksort_u64(a, n);
}

Test(sort_local, radix_u64_matches_qsort)
{
    check_u64_sorter(radix_fn, "radix");
}
Test(sort_local, mergesort_u64_matches_qsort)
{
    check_u64_sorter(merge_fn, "mergesort");
}
Test(sort_local, quicksort_u64_matches_qsort)
{
    check_u64_sorter(quick_fn, "quicksort");
}

Test(sort_local, pair_sorts_match_qsort)
{
    for (size_t si = 0; si < NSIZES; si++)
        for (int pat = 0; pat < PAT_COUNT; pat++)
            for (int how = 0; how < 3; how++) {
                size_t n = sizes[si];
                pas_sort_pair_t *a = malloc(n * 16 + 16), *b = malloc(n * 16 + 16),
                                *t = malloc(n * 16 + 16);
                for (size_t i = 0; i < n; i++) {
                    a[i].k = pattern(pat, i, n);
                    a[i].v = pas_mix64(i) % 5;
                    b[i] = a[i];
                }
                if (how == 0)
                    pas_sort_radix_pair(a, t, n);
                else if (how == 1)
                    pas_sort_mergesort_pair(a, t, n);
                else
                    pas_sort_quicksort_pair(a, n);
                qsort(b, n, 16, cmp_pair);
                cr_assert(memcmp(a, b, n * 16) == 0, "pair sort %d: n=%zu pattern %d", how, n, pat);
                free(a);
                free(b);
                free(t);
            }
}

Test(sort_local, pas_sort_local_every_kind_and_method)
{
    size_t n = 5000;
    uint64_t *a = malloc(n * 8);
    for (int how = 0; how < 3; how++) {
        for (size_t i = 0; i < n; i++)
            a[i] = pas_mix64(i * 7 + (uint64_t)how);
        cr_assert_eq(pas_sort_local(PAS_SORT_KIND_U64, (pas_sort_local_t)how, a, n), PAS_OK);
        for (size_t i = 1; i < n; i++)
            cr_assert(a[i - 1] <= a[i]);
    }
    free(a);
}

/* The radix sort's leaves (a sorting network of up to 16 keys in AVX-512
 * registers where the CPU has it, else insertion) at every size from 1 to
 * 40, on random keys, keys with repeats, keys near UINT64_MAX (the value the
 * network pads with) and descending runs with repeats broken by a spike
 * every fifth key (not monotone: a falling input would be reversed before
 * it reached a leaf). */
Test(sort_local, radix_leaf_sizes)
{
    uint64_t a[40], b[40], t[40];
    for (size_t n = 1; n <= 40; n++)
        for (int pat = 0; pat < 4; pat++)
            for (uint64_t seed = 0; seed < 20; seed++) {
                for (size_t i = 0; i < n; i++) {
                    uint64_t r = pas_mix64(seed * 1000 + i * 7 + (uint64_t)pat);
                    a[i] = pat == 0   ? r
                           : pat == 1 ? r % 3
                           : pat == 2 ? UINT64_MAX - r % 4
                                      : (n - i) / 2 + (i % 5 == 2 ? n : 0);
                    b[i] = a[i];
                }
                pas_sort_radix_u64(a, t, n);
                qsort(b, n, 8, cmp_u64);
                cr_assert(memcmp(a, b, n * 8) == 0, "radix leaf: n=%zu pattern %d seed %d", n, pat,
                          (int)seed);
            }
}

/* Inputs of 1 to 10 distinct keys (the at-most-8 counting path, a
 * register of 8 u64 or 16 u32 keys at a time, and its way out at a ninth
 * key), the ninth key appearing first late in the input, with 0 and the
 * largest key among the keys; n not a multiple of 8 or 16; u64 and u32,
 * at each SIMD level (AVX-512, AVX2 alone, none). */
Test(sort_local, radix_few_distinct)
{
    size_t n = 5003;
    uint64_t *a = malloc(n * 8), *b = malloc(n * 8), *t = malloc(n * 8);
    uint32_t *x = malloc(n * 4), *y = malloc(n * 4), *u = malloc(n * 4);
    const int levels[] = {1, PAS_SORT_SIMD_AVX2, 0};
    for (int l = 0; l < 3; l++)
        for (int k = 1; k <= 10; k++) {
            int simd = levels[l];
            pas_sort_radix_simd = simd;
            for (size_t i = 0; i < n; i++) {
                uint64_t r =
                    pas_mix64(i + 100 * (uint64_t)k) % (uint64_t)(i < n - 9 ? (k > 8 ? 8 : k) : k);
                a[i] = b[i] = r == 0 ? UINT64_MAX : r == 1 ? 0 : pas_mix64(r);
                x[i] = y[i] = (uint32_t)(a[i] >> 32);
            }
            pas_sort_radix_u64(a, t, n);
            qsort(b, n, 8, cmp_u64);
            cr_assert(memcmp(a, b, n * 8) == 0, "radix few distinct: k=%d simd=%d", k, simd);
            pas_sort_radix_u32(x, u, n);
            qsort(y, n, 4, cmp_u32);
            cr_assert(memcmp(x, y, n * 4) == 0, "radix u32 few distinct: k=%d simd=%d", k, simd);
        }
    pas_sort_radix_simd = 1;
    free(a);
    free(b);
    free(t);
    free(x);
    free(y);
    free(u);
}

/* The at-most-8-keys path itself, at each SIMD level the CPU has (AVX-512;
 * AVX2, which CPUs that hide AVX-512 take): it sorts 1-8 distinct keys,
 * by a key map too (f64 bits, negatives among them), the last two met
 * first amid the registers and in the tail, and hands back nine untouched,
 * the ninth met first in the tail past the last whole step or amid the
 * registers. */
Test(sort_local, few8_path_at_each_simd_level)
{
#if defined(__x86_64__) && defined(__GNUC__)
    size_t n = 4099; /* whole registers (and steps of 4) and a tail of 3 */
    uint64_t *a = malloc(n * 8), *b = malloc(n * 8);
    uint32_t *x = malloc(n * 4), *y = malloc(n * 4);
    const int levels[] = {1, PAS_SORT_SIMD_AVX2};
    const int have[] = {__builtin_cpu_supports("avx512f") || __builtin_cpu_supports("avx2"),
                        __builtin_cpu_supports("avx2")};
    for (int l = 0; l < 2; l++)
        for (int k = 1; k <= 10; k++)
            for (int mapped = 0; mapped < 2; mapped++) {
                pas_sort_radix_simd = levels[l];
                for (size_t i = 0; i < n; i++) {
                    /* the ninth: 9 in the tail, 10 amid the whole registers;
                     * with 3 to 8 keys, the last two met first there too */
                    int m = k > 8 ? 8 : k > 2 ? k - 2 : k;
                    uint64_t r = pas_mix64(i + 7 * (uint64_t)k) % (uint64_t)m;
                    if (k > 8 && i == (k == 9 ? n - 1 : n / 2 + 5))
                        r = 8;
                    if (k > 2 && k <= 8 && (i == n / 2 + 5 || i == n - 1))
                        r = (uint64_t)k - (i == n - 1 ? 1 : 2);
                    double v = (double)r - 3.5; /* negative and positive doubles */
                    uint64_t bits;
                    memcpy(&bits, &v, 8);
                    a[i] = b[i] = mapped ? bits : r * 0x9e3779b97f4a7c15ull;
                    x[i] = y[i] = (uint32_t)(a[i] >> 32);
                }
                int got = pas_sort_few8_u64(a, n, mapped ? pas_sort_key_f64_bits : NULL);
                int got32 = pas_sort_few8_u32(x, n, NULL);
                if (k > 8 || !have[l]) {
                    cr_assert(!got && !got32, "few8 took nine keys (k=%d, level %d)", k, levels[l]);
                    cr_assert(memcmp(a, b, n * 8) == 0 && memcmp(x, y, n * 4) == 0,
                              "few8 changed an input it handed back (k=%d)", k);
                    continue;
                }
                cr_assert(got && got32, "few8 handed back %d keys (level %d)", k, levels[l]);
                if (mapped)
                    for (size_t i = 0; i < n; i++)
                        b[i] = pas_sort_key_f64_bits(b[i]);
                qsort(b, n, 8, cmp_u64);
                if (mapped)
                    for (size_t i = 0; i < n; i++)
                        b[i] = pas_sort_unkey_f64_bits(b[i]);
                qsort(y, n, 4, cmp_u32);
                cr_assert(memcmp(a, b, n * 8) == 0, "few8 u64: k=%d level %d mapped %d", k,
                          levels[l], mapped);
                cr_assert(memcmp(x, y, n * 4) == 0, "few8 u32: k=%d level %d", k, levels[l]);
            }
    /* over 4 MiB of keys, one key past 16-byte alignment: the write-out by
     * streaming stores, with its ends one key at a time */
    size_t big = (5u << 20) / 8 + 3;
    uint64_t *c = malloc((big + 1) * 8), *d = malloc(big * 8);
    uint32_t *z = malloc((2 * big + 1) * 4), *w = malloc(2 * big * 4);
    for (int l = 0; l < 2; l++) {
        if (!have[l])
            continue;
        pas_sort_radix_simd = levels[l];
        for (size_t i = 0; i < 2 * big; i++) {
            uint64_t r = pas_mix64(i + 11) % 5;
            if (i < big)
                c[1 + i] = d[i] = r << 60 | r;
            z[1 + i] = w[i] = (uint32_t)r * 0x01000001u;
        }
        cr_assert(pas_sort_few8_u64(c + 1, big, NULL) && pas_sort_few8_u32(z + 1, 2 * big, NULL),
                  "few8 handed back 5 keys (level %d)", levels[l]);
        qsort(d, big, 8, cmp_u64);
        qsort(w, 2 * big, 4, cmp_u32);
        cr_assert(memcmp(c + 1, d, big * 8) == 0 && memcmp(z + 1, w, 2 * big * 4) == 0,
                  "few8 over 4 MiB: level %d", levels[l]);
    }
    pas_sort_radix_simd = 1;
    free(a);
    free(b);
    free(x);
    free(y);
    free(c);
    free(d);
    free(z);
    free(w);
#endif
}

/* The radix sort's large-range path (the scatter through line buffers, at
 * least 4 MiB) and its parallel first level, for every kind, on inputs the
 * digit choice must get right: random, a few distinct values, keys that
 * differ only in low bits, only in the value word of a pair, and runs with
 * an offset destination (the buffers follow the cache line grid). */
Test(sort_local, radix_large_ranges_every_kind)
{
#ifdef _OPENMP
    if (omp_get_max_threads() < 2)
        omp_set_num_threads(2); /* the parallel level, hot buffer per thread: even on one core */
#endif
    size_t n = (33u << 20) / 8 + 123; /* > 32 MiB of u64, > 16 MiB of u32 */
    uint64_t *a = malloc(n * 8 + 64), *b = malloc(n * 8), *t = malloc(n * 8 + 64);
    uint32_t *y = malloc(n * 4 + 64), *yb = malloc(n * 4), *yt = malloc(n * 4 + 64);
    for (int pat = 0; pat < 4; pat++) {
        uint64_t *x = a + (pat & 1); /* an odd start: not on the line grid */
        uint32_t *z = y + pat;       /* u32: the high word, or the low one for pattern 2 */
        for (size_t i = 0; i < n; i++) {
            uint64_t r = pas_mix64(i * 31 + (uint64_t)pat);
            x[i] = pat == 0   ? r
                   : pat == 1 ? r % 5 * 0x0100000000000001ULL
                   : pat == 2 ? r & 0xfff
                              : r;
            b[i] = x[i];
            z[i] = yb[i] = (uint32_t)(x[i] >> (pat == 2 ? 0 : 32));
        }
        pas_sort_radix_u64(x, t + 1, n);
        qsort(b, n, 8, cmp_u64);
        cr_assert(memcmp(x, b, n * 8) == 0, "radix u64 large: pattern %d", pat);
        pas_sort_radix_u32(z, yt + 1, n);
        qsort(yb, n, 4, cmp_u32);
        cr_assert(memcmp(z, yb, n * 4) == 0, "radix u32 large: pattern %d", pat);
    }
    free(a);
    free(b);
    free(t);
    free(y);
    free(yb);
    free(yt);
    size_t m = (33u << 20) / 16 + 77;
    pas_sort_pair_t *p = malloc(m * 16), *q = malloc(m * 16), *u = malloc(m * 16);
    for (int pat = 0; pat < 3; pat++) {
        for (size_t i = 0; i < m; i++) {
            uint64_t r = pas_mix64(i + 5 * (uint64_t)pat);
            p[i].k = pat == 0 ? r : pat == 1 ? 42 : r % 3;
            p[i].v = pat == 0 ? i : pas_mix64(r) % (pat == 1 ? 1000 : 1u << 20);
            q[i] = p[i];
        }
        pas_sort_radix_pair(p, u, m);
        qsort(q, m, 16, cmp_pair);
        cr_assert(memcmp(p, q, m * 16) == 0, "radix pair large: pattern %d", pat);
    }
    free(p);
    free(q);
    free(u);
}

/* The in-place level (block permutation), brought down to every range of
 * more than 64K keys, one thread, every kind: sizes that end mid-block (the
 * last bucket's last block passes the end), keys whose digit lies low
 * (small keys), a skewed input (7 of 8 keys in a quarter of the buckets:
 * a second level inside a bucket, in place or through the scratch), a few distinct keys among
 * random ones, a sorted run with random keys after it, and pairs whose keys
 * are equal (the digit in the value word) or few (the level at the word
 * boundary), log-uniform keys (the digit of a prefix map: buckets of
 * aligned runs of prefixes, one heavy prefix a bucket alone), and keys of
 * 12 bits (one digit of them all, 4096 buckets of equal keys); with the level
 * for every range (bytes 0) and from 1.5 MiB (the
 * top level in place where n reaches it: 393216 u32 keys, 196608 u64,
 * 98304 pairs; buckets of more than 64K keys below it through the scratch).
 * Each sort checks that the level ran where n reached the threshold, and
 * on log-uniform u64 keys that it took the map. */
static uint64_t ip_key(int pat, size_t i)
{
    uint64_t r = pas_mix64(i * 7 + (uint64_t)pat * 1000003);
    switch (pat) {
    case 0:
        return r;
    case 1:
        return r % 100000;
    case 2: /* 7 of 8 keys in one top byte (whose buckets nest at 400009) */
        return r % 8 ? (r >> 8) | 0x5a00000000000000ULL : r;
    case 3: /* a few distinct keys, one key in 64 random */
        return r % 64 ? r % 5 * 0x0101010101010101ULL : r;
    case 4: /* ascending, then random */
        return i < 50000 ? i << 20 : r;
    case 5: /* log-uniform (skewed: the level takes its prefix map) */
        return r >> (r % 61);
    default: /* 12 bits (a digit of every varying bit: no level below) */
        return r % 4000;
    }
}
static void check_in_place_level(int threads, size_t bytes)
{
#ifdef _OPENMP
    omp_set_num_threads(threads);
#else
    if (threads > 1)
        return;
#endif
    pas_sort_radix_inplace_bytes = bytes;
    static const size_t ns[] = {65537, 70001, 131072, 200003, 400009};
    size_t nmax = 400009;
    uint64_t *a = malloc(nmax * 8), *b = malloc(nmax * 8), *t = malloc(nmax * 8);
    uint32_t *x = malloc(nmax * 4), *y = malloc(nmax * 4), *u = malloc(nmax * 4);
    pas_sort_pair_t *p = malloc(nmax * 16), *q = malloc(nmax * 16), *v = malloc(nmax * 16);
    for (size_t si = 0; si < sizeof ns / sizeof ns[0]; si++)
        for (int pat = 0; pat < 7; pat++) {
            size_t n = ns[si];
            for (size_t i = 0; i < n; i++) {
                a[i] = b[i] = ip_key(pat, i);
                x[i] = y[i] = (uint32_t)(a[i] >> (pat == 1 || pat >= 5 ? 0 : 32));
                p[i].k = pat == 3 ? 9 : pat == 4 ? a[i] % 3 : a[i];
                p[i].v = pat >= 3 ? pas_mix64(a[i] + i) : i;
                q[i] = p[i];
            }
            size_t lv_u64 = pas_sort_radix_inplace_levels, maps = pas_sort_radix_inplace_maps;
            pas_sort_radix_u64(a, t, n);
            cr_assert(n * 8 < bytes || pas_sort_radix_inplace_levels > lv_u64,
                      "in-place u64: n=%zu pattern %d: the level did not run", n, pat);
            cr_assert(n * 8 < bytes || pat != 5 || pas_sort_radix_inplace_maps > maps,
                      "in-place u64: n=%zu, log-uniform keys: no prefix map", n);
            qsort(b, n, 8, cmp_u64);
            cr_assert(memcmp(a, b, n * 8) == 0, "in-place u64: n=%zu pattern %d threads %d", n, pat,
                      threads);
            size_t lv_u32 = pas_sort_radix_inplace_levels;
            pas_sort_radix_u32(x, u, n);
            cr_assert(n * 4 < bytes || pas_sort_radix_inplace_levels > lv_u32,
                      "in-place u32: n=%zu pattern %d: the level did not run", n, pat);
            qsort(y, n, 4, cmp_u32);
            cr_assert(memcmp(x, y, n * 4) == 0, "in-place u32: n=%zu pattern %d threads %d", n, pat,
                      threads);
            size_t lv_pair = pas_sort_radix_inplace_levels;
            pas_sort_radix_pair(p, v, n);
            cr_assert(n * 16 < bytes || pas_sort_radix_inplace_levels > lv_pair,
                      "in-place pair: n=%zu pattern %d: the level did not run", n, pat);
            qsort(q, n, 16, cmp_pair);
            cr_assert(memcmp(p, q, n * 16) == 0, "in-place pair: n=%zu pattern %d threads %d", n,
                      pat, threads);
        }
    free(a);
    free(b);
    free(t);
    free(x);
    free(y);
    free(u);
    free(p);
    free(q);
    free(v);
    pas_sort_radix_inplace_bytes = (size_t)8 << 20;
}
Test(sort_local, radix_in_place_level)
{
    check_in_place_level(1, 0);
    check_in_place_level(1, 1572864);
}
/* on more threads: the stripes' classification, their empty blocks in the
 * permutation, every thread's buffers in the clean-up, the buckets sorted in
 * parallel (a part of the scratch each: with the in-place level from
 * 1.5 MiB, pattern 3's buckets of about 79K keys at 400009 go through it out
 * of place on 2 threads) and the
 * large ones with all threads */
Test(sort_local, radix_in_place_level_threads)
{
    for (int threads = 2; threads <= 3; threads++) {
        check_in_place_level(threads, 0);
        check_in_place_level(threads, 1572864);
    }
}

/* The in-place level's digit of 11 and 12 bits (its bucket target lowered
 * for 4.5M keys), and fewer bits where the threads' buffers would pass an
 * eighth of the keys (2 threads of u64 buffers; u32's blocks hold twice the
 * keys); each sort checked against qsort. */
Test(sort_local, radix_in_place_level_wide_digits)
{
    static const struct {
        int u32, threads;
        size_t bucket;
        int bits;
    } c[] = {{0, 1, 3000, 11}, {0, 1, 1024, 12}, {0, 2, 1024, 11}, {1, 1, 1024, 11}};
    size_t n = 4500000;
    uint64_t *a = malloc(n * 24), *b = a + n, *t = b + n;
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
#ifdef _OPENMP
        omp_set_num_threads(c[k].threads);
#else
        if (c[k].threads > 1)
            continue;
#endif
        pas_sort_radix_inplace_bucket = c[k].bucket;
        pas_sort_radix_inplace_last_bits = 0;
        uint32_t *x = (uint32_t *)a, *y = (uint32_t *)b;
        for (size_t i = 0; i < n; i++) {
            uint64_t r = pas_mix64(i + 31 * k);
            if (c[k].u32)
                x[i] = y[i] = (uint32_t)r;
            else
                a[i] = b[i] = r;
        }
        if (c[k].u32) {
            pas_sort_radix_u32(x, (uint32_t *)t, n);
            qsort(y, n, 4, cmp_u32);
        } else {
            pas_sort_radix_u64(a, t, n);
            qsort(b, n, 8, cmp_u64);
        }
        cr_assert(pas_sort_radix_inplace_last_bits == c[k].bits, "case %zu: %d bits, not %d", k,
                  pas_sort_radix_inplace_last_bits, c[k].bits);
        cr_assert(memcmp(a, b, n * (c[k].u32 ? 4 : 8)) == 0, "case %zu: wrong order", k);
    }
    pas_sort_radix_inplace_bucket = 32768;
    free(a);
}

/* A few distinct keys spread over the digits (50 u64 values, each with a
 * top digit of its own, random below; 0 to 99 as u32, half of them 0, a
 * digit that covers every varying bit) are written from the level's
 * counts: no level is counted
 * (its sample must not take them for skewed keys and move every block) */
Test(sort_local, radix_in_place_level_few_values_from_counts)
{
    pas_sort_radix_inplace_bytes = 0;
    size_t n = 200003;
    uint64_t *a = malloc(n * 36), *b = a + n, *t = b + n; /* one block for all */
    uint32_t *x = (uint32_t *)(t + n), *y = x + n, *u = y + n;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = pas_mix64(i + 17);
        a[i] = b[i] = (r % 50) << 57 | pas_mix64(r % 50) >> 7; /* a top digit each */
        x[i] = y[i] = (uint32_t)(r % 2 ? 0 : r % 100);         /* skewed: half are 0 */
    }
    size_t lv = pas_sort_radix_inplace_levels;
    pas_sort_radix_u64(a, t, n);
    pas_sort_radix_u32(x, u, n);
    cr_assert(pas_sort_radix_inplace_levels == lv, "%zu in-place levels ran for a few values",
              pas_sort_radix_inplace_levels - lv);
    qsort(b, n, 8, cmp_u64);
    qsort(y, n, 4, cmp_u32);
    cr_assert(memcmp(a, b, n * 8) == 0 && memcmp(x, y, n * 4) == 0, "few values: wrong order");
    free(a);
    pas_sort_radix_inplace_bytes = (size_t)8 << 20;
}

/* The in-place level takes its top varying bit from a sample of evenly
 * spaced keys: keys below 2^20 but for two that the sample misses (at 1
 * and n - 2: in the first and the last stripe) with a high bit (bit 50 of a
 * u64, bit 30 of a u32, the key word of a pair) make the classification
 * find the higher bit, put its buffered keys back and run again (counted);
 * with keys of twenty values in the sample (a few distinct keys, perhaps:
 * written in the order of their digit, so an unseen key whose digit is
 * below theirs would land first; more than 8, which AVX-512 CPUs sort
 * before any level), the level finds the top bit by a pass first.  On 1
 * and 2 threads, each sort checked to reach the level and against qsort. */
Test(sort_local, radix_in_place_level_top_bit_past_the_sample)
{
    pas_sort_radix_inplace_bytes = 0;
    const size_t n = 200003;
    uint64_t *a = malloc(n * 24), *b = a + n, *t = b + n;
    uint32_t *x = (uint32_t *)a, *y = (uint32_t *)b;
    pas_sort_pair_t *p = malloc(n * 48), *q = p + n, *v = q + n;
    for (int threads = 1; threads <= 2; threads++)
        for (int few = 0; few < 2; few++) {
#ifdef _OPENMP
            omp_set_num_threads(threads);
#else
            if (threads > 1)
                continue;
#endif
            for (int kind = 0; kind < 3; kind++) {
                for (size_t i = 0; i < n; i++) {
                    uint64_t r = pas_mix64(i + 1000 * (uint64_t)few),
                             k = few ? 3 + r % 20 : r >> 44;
                    int out = i == 1 || i == n - 2;
                    if (out && few) /* a digit of its own, below the others */
                        k = 1;
                    if (kind == 0)
                        a[i] = b[i] = out ? k | (uint64_t)1 << 50 : k;
                    else if (kind == 1)
                        x[i] = y[i] = out ? (uint32_t)k | 1u << 30 : (uint32_t)k;
                    else {
                        p[i].k = out;
                        p[i].v = k;
                        q[i] = p[i];
                    }
                }
                size_t re = pas_sort_radix_inplace_retries, lv = pas_sort_radix_inplace_levels;
                if (kind == 0) {
                    pas_sort_radix_u64(a, t, n);
                    qsort(b, n, 8, cmp_u64);
                } else if (kind == 1) {
                    pas_sort_radix_u32(x, (uint32_t *)t, n);
                    qsort(y, n, 4, cmp_u32);
                } else {
                    pas_sort_radix_pair(p, v, n);
                    qsort(q, n, 16, cmp_pair);
                }
                cr_assert(pas_sort_radix_inplace_levels > lv,
                          "kind %d threads %d few %d: the in-place level did not run", kind,
                          threads, few);
                cr_assert(few || pas_sort_radix_inplace_retries > re,
                          "kind %d threads %d: the level did not run again", kind, threads);
                cr_assert(!few || pas_sort_radix_inplace_retries == re,
                          "kind %d threads %d, few values: the level ran again", kind, threads);
                int ok = kind == 0   ? memcmp(a, b, n * 8) == 0
                         : kind == 1 ? memcmp(x, y, n * 4) == 0
                                     : memcmp(p, q, n * 16) == 0;
                cr_assert(ok, "kind %d threads %d few %d: wrong order", kind, threads, few);
            }
        }
    free(a);
    free(p);
    pas_sort_radix_inplace_bytes = (size_t)8 << 20;
}

/* The in-place level runs from 8 MiB whatever the scratch: a fresh
 * anonymous mapping (mmap: no page in memory yet) or one written before
 * (a caller's reused buffer), on one thread and on two. */
Test(sort_local, radix_in_place_level_with_a_cold_or_warm_scratch)
{
#ifdef __linux__
    size_t n = (size_t)1 << 21; /* 16 MiB */
    uint64_t *a = malloc(n * 8), *b = malloc(n * 8);
    for (int threads = 1; threads <= 2; threads++)
        for (int warm = 0; warm < 2; warm++) {
#ifdef _OPENMP
            omp_set_num_threads(threads);
#endif
            uint64_t *t =
                mmap(NULL, n * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            cr_assert(t != MAP_FAILED);
            if (warm)
                memset(t, 1, n * 8);
            for (size_t i = 0; i < n; i++)
                a[i] = b[i] = pas_mix64(i + (uint64_t)warm);
            size_t lv = pas_sort_radix_inplace_levels;
            pas_sort_radix_u64(a, t, n);
            cr_assert(pas_sort_radix_inplace_levels > lv,
                      "threads=%d warm=%d: the in-place level did not run", threads, warm);
            qsort(b, n, 8, cmp_u64);
            cr_assert(memcmp(a, b, n * 8) == 0, "threads=%d warm=%d: not sorted", threads, warm);
            munmap(t, n * 8);
        }
    free(a);
    free(b);
#endif
}

/* The presortedness check: sorted stays, non-increasing is reversed, anything
 * else is left alone (and said so), at sizes 0, 1, 2 and more. */
Test(sort_local, presorted_check)
{
    uint64_t a[5] = {1, 2, 2, 3, 9}, r[5] = {9, 3, 3, 3, 0}, m[5] = {1, 3, 2, 4, 5};
    cr_assert_eq(pas_sort_presorted_u64(a, 0), 1);
    cr_assert_eq(pas_sort_presorted_u64(a, 1), 1);
    cr_assert_eq(pas_sort_presorted_u64(a, 5), 1);
    cr_assert(a[0] == 1 && a[4] == 9);
    cr_assert_eq(pas_sort_presorted_u64(r, 5), 1);
    cr_assert(r[0] == 0 && r[1] == 3 && r[4] == 9, "reversed");
    cr_assert_eq(pas_sort_presorted_u64(m, 5), 0);
    cr_assert(m[1] == 3 && m[2] == 2, "an unsorted input is not touched");
    pas_sort_pair_t p[3] = {{5, 1}, {5, 0}, {4, 7}};
    cr_assert_eq(pas_sort_presorted_pair(p, 3), 1);
    cr_assert(p[0].k == 4 && p[1].v == 0 && p[2].v == 1);
}

/* The presortedness check reads blocks of 64 keys: a single descent (or, in
 * a non-increasing input, a single ascent) at every position of inputs
 * around the block size is found, the input left untouched, and the radix
 * sort still sorts it. */
Test(sort_local, presorted_check_one_step_out_of_order)
{
    uint64_t a[200], b[200], t[200];
    const size_t ns[] = {63, 64, 65, 128, 129, 200};
    for (int z = 0; z < 6; z++) {
        size_t n = ns[z];
        for (int down = 0; down < 2; down++)
            for (size_t p = 1; p < n; p++) {
                for (size_t i = 0; i < n; i++)
                    a[i] = down ? 2 * (n - i) : 2 * i + 2; /* strictly monotone */
                a[p] = down ? a[p - 1] + 1 : a[p - 1] - 1; /* one step the other way at p */
                memcpy(b, a, n * 8);
                cr_assert_eq(pas_sort_presorted_u64(a, n), 0, "n=%zu down=%d p=%zu", n, down, p);
                cr_assert(memcmp(a, b, n * 8) == 0, "untouched: n=%zu down=%d p=%zu", n, down, p);
                pas_sort_radix_u64(a, t, n);
                qsort(b, n, 8, cmp_u64);
                cr_assert(memcmp(a, b, n * 8) == 0, "radix: n=%zu down=%d p=%zu", n, down, p);
            }
    }
}

/* Typed keys through the default local sort: every type of the study set,
 * sizes 0, 1, 2, small and large, all-equal, and the float specials (-NaN <
 * -inf < ... < -0.0 < +0.0 < ... < +inf < +NaN: the order of keys.c), the
 * decoded result equal to the records sorted by that order. */
static int cmp_key_f64(const void *x, const void *y)
{
    uint64_t a = pas_sort_key_f64(*(const double *)x), b = pas_sort_key_f64(*(const double *)y);
    return a < b ? -1 : a > b;
}

Test(sort_local, typed_keys_through_the_radix_sort)
{
    static const size_t ns[] = {0, 1, 2, 3, 33, 1000, 70001};
    const pas_sort_type_t types[] = {PAS_SORT_U64, PAS_SORT_U32, PAS_SORT_I64, PAS_SORT_F64};
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++)
        for (int ti = 0; ti < 4; ti++)
            for (int eq = 0; eq < 2; eq++) {
                size_t n = ns[si], es = pas_sort_type_size(types[ti]);
                void *rec = malloc(n * es + 8), *ref = malloc(n * es + 8);
                uint64_t *k = malloc(n * 8 + 8), *kr = malloc(n * 8 + 8);
                pas_sort_generate_records(types[ti], eq ? PAS_DIST_EQUAL : PAS_DIST_UNIFORM, 3, n,
                                          1, 0, n, rec);
                pas_sort_encode(types[ti], rec, n, k);
                memcpy(kr, k, n * 8);
                cr_assert_eq(pas_sort_local(PAS_SORT_KIND_U64, PAS_SORT_LOCAL_RADIX, k, n), PAS_OK);
                qsort(kr, n, 8, cmp_u64);
                cr_assert(memcmp(k, kr, n * 8) == 0, "type %d n=%zu eq=%d", ti, n, eq);
                pas_sort_decode(types[ti], k, n, ref);
                for (size_t i = 1; i < n && types[ti] == PAS_SORT_I64; i++)
                    cr_assert(((int64_t *)ref)[i - 1] <= ((int64_t *)ref)[i]);
                free(rec);
                free(ref);
                free(k);
                free(kr);
            }
    /* the specials, many times over, in a random order */
    const double sp[] = {-NAN, NAN, -INFINITY, INFINITY, -0.0, 0.0, -1.5, 1.5, 1e-310, -1e-310};
    size_t n = 4000;
    double *d = malloc(n * 8), *e = malloc(n * 8);
    uint64_t *k = malloc(n * 8);
    for (size_t i = 0; i < n; i++)
        d[i] = e[i] = sp[pas_mix64(i) % 10];
    pas_sort_encode(PAS_SORT_F64, d, n, k);
    cr_assert_eq(pas_sort_local(PAS_SORT_KIND_U64, PAS_SORT_LOCAL_RADIX, k, n), PAS_OK);
    pas_sort_decode(PAS_SORT_F64, k, n, d);
    qsort(e, n, 8, cmp_key_f64);
    cr_assert(memcmp(d, e, n * 8) == 0, "f64 specials: the order of keys.c, bit for bit");
    cr_assert(signbit(d[0]) && isnan(d[0]), "-NaN first");
    cr_assert(!signbit(d[n - 1]) && isnan(d[n - 1]), "+NaN last");
    free(d);
    free(e);
    free(k);
}

/* The typed local sort (pas_sort_local_typed): every type it takes, each
 * local sort, sizes at the leaves (up to 33), through the hot buffer (1000,
 * 5003) and the parallel first level (70001, two threads; the wide levels
 * are radix_large_ranges_every_kind's), every generated distribution (sorted
 * and reversed among them), and, for floats, the specials mixed in; the result
 * must equal the records ordered by their keys (pas_sort_encode's order;
 * kv16 by key, then value), bit for bit.  With the AVX-512 paths on and
 * off (a CPU without them). */
static pas_sort_type_t cmp_type;
static int cmp_typed(const void *x, const void *y)
{
    uint64_t a, b;
    switch (cmp_type) {
    case PAS_SORT_KV16:
        return cmp_pair(x, y);
    case PAS_SORT_U32:
        a = *(const uint32_t *)x, b = *(const uint32_t *)y;
        break;
    case PAS_SORT_I64:
        a = pas_sort_key_i64(*(const int64_t *)x), b = pas_sort_key_i64(*(const int64_t *)y);
        break;
    case PAS_SORT_F32:
        a = pas_sort_key_f32(*(const float *)x), b = pas_sort_key_f32(*(const float *)y);
        break;
    case PAS_SORT_F64:
        a = pas_sort_key_f64(*(const double *)x), b = pas_sort_key_f64(*(const double *)y);
        break;
    default:
        a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    }
    return a < b ? -1 : a > b;
}

static void typed_check(pas_sort_type_t t, pas_sort_local_t how, void *rec, size_t n,
                        const char *what)
{
    size_t es = pas_sort_type_size(t);
    void *ref = malloc(n * es + 16);
    memcpy(ref, rec, n * es);
    cmp_type = t;
    qsort(ref, n, es, cmp_typed);
#ifdef _OPENMP
    omp_set_num_threads(n >= (1u << 16) ? 2 : 1); /* the parallel first level where n allows */
#endif
    cr_assert_eq(pas_sort_local_typed(t, how, rec, n), PAS_OK);
#ifdef _OPENMP
    omp_set_num_threads(1); /* the rest (generating, checking) on one */
#endif
    cr_assert(memcmp(rec, ref, n * es) == 0, "typed %s how=%d n=%zu: %s", pas_sort_type_name(t),
              (int)how, n, what);
    free(ref);
}

Test(sort_local, typed_local_sort_every_type_and_shape)
{
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    const pas_sort_type_t types[] = {PAS_SORT_U64, PAS_SORT_U32, PAS_SORT_I64,
                                     PAS_SORT_F32, PAS_SORT_F64, PAS_SORT_KV16};
    const pas_sort_local_t hows[] = {PAS_SORT_LOCAL_RADIX, PAS_SORT_LOCAL_MERGE,
                                     PAS_SORT_LOCAL_QUICK};
    static const size_t ns[] = {0, 1, 2, 15, 16, 17, 33, 1000, 5003, 70001};
    const double sp[] = {-NAN, NAN, -INFINITY, INFINITY, -0.0, 0.0, -1.5, 1.5, 1e-310, -1e-310};
    const int levels[] = {1, PAS_SORT_SIMD_AVX2, 0};
    for (int l = 0; l < 3; l++) {
        int simd = levels[l];
        pas_sort_radix_simd = simd;
        for (int ti = 0; ti < 6; ti++)
            for (size_t si = 0; si < sizeof ns / sizeof *ns; si++)
                for (int d = 0; d < PAS_DIST_COUNT; d++)
                    for (int special = 0; special < 3; special++) {
                        pas_sort_type_t t = types[ti];
                        int fl = t == PAS_SORT_F64 || t == PAS_SORT_F32;
                        if ((special && !fl) || (simd != 1 && ns[si] > 5003))
                            continue; /* below AVX-512: the smaller sizes suffice */
                        size_t n = ns[si], es = pas_sort_type_size(t);
                        char *rec = malloc(n * es + 16);
                        pas_sort_generate_records(t, (pas_sort_dist_t)d, 7, n, 1, 0, n, rec);
                        /* every third a special, or (2) every key one of 8: the count of
                         * at most 8 distinct values, by bits, ordered by key */
                        for (size_t i = 0; special && i < n; i += special == 2 ? 1 : 3) {
                            double v = sp[pas_mix64(i) % (special == 2 ? 8 : 10)];
                            if (t == PAS_SORT_F64)
                                ((double *)rec)[i] = v;
                            else
                                ((float *)rec)[i] = (float)v;
                        }
                        for (int h = 0; h < 3; h++) {
                            if (h && n > 5003) /* merge and quick: the smaller sizes suffice */
                                continue;
                            char *w = malloc(n * es + 16);
                            memcpy(w, rec, n * es);
                            typed_check(t, hows[h], w, n, pas_sort_dist_name((pas_sort_dist_t)d));
                            free(w);
                        }
                        free(rec);
                    }
    }
    pas_sort_radix_simd = 1;
    char r[100];
    cr_assert_eq(pas_sort_local_typed(PAS_SORT_REC100, PAS_SORT_LOCAL_RADIX, r, 1), PAS_ERR_ARG);
}

/* 32-bit keys through the radix sort: every 0/1 pattern of 1 to 16 keys
 * (the leaves: AVX-512's network, one register of 16; AVX2's ranks, ties
 * among them) and random ranges up to 40 keys (leaves and one narrow
 * level), at each SIMD level (AVX-512, AVX2 alone, none); the 0/1 patterns
 * for u64 keys too, their top bit set in one of the two values.  Few
 * distinct u32 keys and large u32 ranges (line buffers, two threads): the
 * tests radix_few_distinct and radix_large_ranges_every_kind. */
Test(sort_local, radix_u32_leaves)
{
    const int levels[] = {1, PAS_SORT_SIMD_AVX2, 0};
    for (int l = 0; l < 3; l++) {
        int simd = levels[l];
        pas_sort_radix_simd = simd;
        uint32_t a[16], b[16], t[16];
        uint64_t a8[16], b8[16], t8[16];
        for (size_t n = 1; n <= 16; n++)
            for (uint32_t bits = 0; bits < (1u << n); bits++) {
                for (size_t i = 0; i < n; i++) {
                    a[i] = b[i] = (bits >> i & 1) ? UINT32_MAX - 1 : 5;
                    a8[i] = b8[i] = (bits >> i & 1) ? 3 : UINT64_MAX - 8;
                }
                pas_sort_radix_u32(a, t, n);
                qsort(b, n, 4, cmp_u32);
                cr_assert(memcmp(a, b, n * 4) == 0, "u32 leaf: n=%zu bits=%x simd=%d", n, bits,
                          simd);
                pas_sort_radix_u64(a8, t8, n);
                qsort(b8, n, 8, cmp_u64);
                cr_assert(memcmp(a8, b8, n * 8) == 0, "u64 leaf: n=%zu bits=%x simd=%d", n, bits,
                          simd);
            }
        for (size_t n = 1; n <= 40; n++)
            for (uint64_t seed = 0; seed < 30; seed++) {
                uint32_t x[40], y[40], u[40];
                for (size_t i = 0; i < n; i++)
                    x[i] = y[i] =
                        (uint32_t)pas_mix64(seed * 977 + i) | (seed & 1 ? 0 : 0xfffffff0u);
                pas_sort_radix_u32(x, u, n);
                qsort(y, n, 4, cmp_u32);
                cr_assert(memcmp(x, y, n * 4) == 0, "u32 random: n=%zu seed %d", n, (int)seed);
            }
    }
    pas_sort_radix_simd = 1;
}

/* The AVX2 leaf itself (the radix sorts take it only on CPUs without
 * AVX-512, so the tests above may not reach it): every 0/1 pattern of 1 to
 * 16 keys and random keys with ties, u64 (the top bit set in some) and
 * u32, into another array and in place. */
Test(sort_local, leaf16_avx2_by_rank)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("popcnt")) {
        uint64_t z[1] = {0};
        cr_assert(!pas_sort_leaf16_avx2_u64(z, 1, z), "the AVX2 leaf ran without AVX2");
        return;
    }
    uint64_t a[17], b[17], d[17];
    uint32_t x[17], y[17], e[17];
    for (size_t n = 0; n <= 16; n++)
        for (uint32_t trial = 0; trial < (n <= 12 ? (1u << n) : 4096u) + 300; trial++) {
            for (size_t i = 0; i < n; i++) {
                uint64_t r = pas_mix64(trial * 31 + i);
                if (trial < (1u << n)) /* 0/1 patterns */
                    r = (trial >> i & 1) ? UINT64_MAX - 1 : 7;
                else if (trial & 1) /* ties: a few values, the top bit in some */
                    r = (r % 4) << 62 | (r >> 8) % 3;
                a[i] = b[i] = r;
                x[i] = y[i] = (uint32_t)(r >> 32) ^ (uint32_t)r;
            }
            d[n] = 42, e[n] = 42; /* nothing written past n */
            int in_place = trial & 2;
            cr_assert(pas_sort_leaf16_avx2_u64(a, n, in_place ? a : d) &&
                          pas_sort_leaf16_avx2_u32(x, n, in_place ? x : e),
                      "the AVX2 leaf did not run (n=%zu)", n);
            qsort(b, n, 8, cmp_u64);
            qsort(y, n, 4, cmp_u32);
            cr_assert(memcmp(in_place ? a : d, b, n * 8) == 0 && d[n] == 42,
                      "u64 leaf by rank: n=%zu trial %u", n, trial);
            cr_assert(memcmp(in_place ? x : e, y, n * 4) == 0 && e[n] == 42,
                      "u32 leaf by rank: n=%zu trial %u", n, trial);
        }
    cr_assert(!pas_sort_leaf16_avx2_u64(a, 17, d), "the AVX2 leaf took 17 keys");
#endif
}

Test(sort_merge, merge2_and_merge_path)
{
    for (int trial = 0; trial < 40; trial++) {
        size_t na = pas_mix64((uint64_t)trial) % 3000, nb = pas_mix64((uint64_t)trial + 99) % 3000;
        if (trial == 0)
            na = 0;
        if (trial == 1)
            nb = 0;
        if (trial == 2)
            na = 40000, nb = 50000; /* parallel path */
        uint64_t *a = malloc(na * 8 + 8), *b = malloc(nb * 8 + 8), *o = malloc((na + nb) * 8 + 8),
                 *r = malloc((na + nb) * 8 + 8);
        for (size_t i = 0; i < na; i++)
            a[i] = r[i] = pas_mix64(i) % 50; /* many ties across the inputs */
        for (size_t i = 0; i < nb; i++)
            b[i] = r[na + i] = pas_mix64(i + 7777) % 50;
        qsort(a, na, 8, cmp_u64);
        qsort(b, nb, 8, cmp_u64);
        qsort(r, na + nb, 8, cmp_u64);
        pas_sort_merge2_u64(a, na, b, nb, o);
        cr_assert(memcmp(o, r, (na + nb) * 8) == 0, "merge2 trial %d", trial);
        for (size_t d = 0; d <= na + nb; d += 1 + (na + nb) / 17) {
            size_t i = pas_sort_merge_path_u64(a, na, b, nb, d), j = d - i;
            cr_assert(i <= na && j <= nb);
            /* everything taken is <= everything left; ties go to a first */
            if (i > 0 && j < nb)
                cr_assert(a[i - 1] <= b[j]);
            if (j > 0 && i < na)
                cr_assert(b[j - 1] < a[i]);
        }
        free(a);
        free(b);
        free(o);
        free(r);
    }
}

Test(sort_merge, merge_runs_k_way)
{
    for (int k = 1; k <= 9; k++) {
        size_t off[10], n = 0;
        off[0] = 0;
        for (int r = 0; r < k; r++) {
            size_t len = r == 2 ? 0 : pas_mix64((uint64_t)(k * 10 + r)) % 500;
            n += len;
            off[r + 1] = n;
        }
        uint64_t *base = malloc(n * 8 + 8), *out = malloc(n * 8 + 8), *tmp = malloc(n * 8 + 8),
                 *ref = malloc(n * 8 + 8);
        for (size_t i = 0; i < n; i++)
            base[i] = ref[i] = pas_mix64(i + (uint64_t)k) % 100;
        for (int r = 0; r < k; r++)
            qsort(base + off[r], off[r + 1] - off[r], 8, cmp_u64);
        qsort(ref, n, 8, cmp_u64);
        uint64_t *copy = malloc(n * 8 + 8);
        memcpy(copy, base, n * 8);
        cr_assert_eq(pas_sort_merge_runs(PAS_SORT_KIND_U64, base, off, k, out, tmp), PAS_OK);
        cr_assert(memcmp(out, ref, n * 8) == 0, "k=%d", k);
        memset(out, 0, n * 8);
        cr_assert_eq(pas_sort_merge_runs(PAS_SORT_KIND_U64, copy, off, k, out, NULL),
                     PAS_OK); /* in place */
        cr_assert(memcmp(out, ref, n * 8) == 0, "k=%d without scratch", k);
        free(copy);
        free(base);
        free(out);
        free(tmp);
        free(ref);
    }
}

Test(sort_partition, classify_by_splitters_with_equality_buckets)
{
    static const uint64_t spl_sets[][4] = {
        {10, 20, 30, 40}, {10, 10, 10, 40}, {0, 0, 0, 0}, {5, 50, 50, 99}};
    for (int set = 0; set < 4; set++)
        for (int s = 0; s <= 4; s++) {
            size_t n = 100000;
            uint64_t *a = malloc(n * 8), *o = malloc(n * 8), counts[9];
            const uint64_t *spl = spl_sets[set];
            for (size_t i = 0; i < n; i++)
                a[i] = pas_mix64(i + (uint64_t)set) % 100;
            cr_assert_eq(pas_sort_classify(PAS_SORT_KIND_U64, a, n, spl, s, o, counts), PAS_OK);
            size_t pos = 0;
            for (int b = 0; b < 2 * s + 1; b++) {
                for (uint64_t c = 0; c < counts[b]; c++, pos++) {
                    uint64_t x = o[pos];
                    size_t lo = 0;
                    while (lo < (size_t)s && spl[lo] < x)
                        lo++;
                    int expect = (int)(2 * lo + (lo < (size_t)s && spl[lo] == x));
                    cr_assert_eq(b, expect, "set %d s=%d key %llu in bucket %d, expected %d", set,
                                 s, (unsigned long long)x, b, expect);
                }
            }
            cr_assert_eq(pos, n);
            /* the multiset is kept */
            cr_assert_eq(pas_sort_hash(PAS_SORT_KIND_U64, o, n),
                         pas_sort_hash(PAS_SORT_KIND_U64, a, n));
            free(a);
            free(o);
        }
}

Test(sort_partition, bounds)
{
    uint64_t a[] = {1, 3, 3, 3, 7, 9};
    uint64_t k3 = 3, k0 = 0, k10 = 10, k4 = 4;
    cr_assert_eq(pas_sort_lower_bound(PAS_SORT_KIND_U64, a, 6, &k3), 1);
    cr_assert_eq(pas_sort_upper_bound(PAS_SORT_KIND_U64, a, 6, &k3), 4);
    cr_assert_eq(pas_sort_lower_bound(PAS_SORT_KIND_U64, a, 6, &k0), 0);
    cr_assert_eq(pas_sort_upper_bound(PAS_SORT_KIND_U64, a, 6, &k10), 6);
    cr_assert_eq(pas_sort_lower_bound(PAS_SORT_KIND_U64, a, 6, &k4), 4);
    cr_assert_eq(pas_sort_lower_bound(PAS_SORT_KIND_U64, a, 0, &k4), 0);
}

Test(sort_partition, equal_runs_split_by_exact_counts)
{
    /* 3 ranks hold 4, 0 and 6 keys equal to the splitter, 10 keys below it */
    uint64_t eq[] = {4, 0, 6}, before[] = {0, 4, 4};
    for (uint64_t b = 0; b <= 30; b++) {
        uint64_t sum = 0;
        for (int r = 0; r < 3; r++) {
            uint64_t t = pas_sort_equal_take(b, 10, before[r], eq[r]);
            cr_assert(t <= eq[r]);
            sum += t;
        }
        uint64_t expect = b < 10 ? 0 : (b > 20 ? 10 : b - 10);
        cr_assert_eq(sum, expect, "boundary %llu", (unsigned long long)b);
    }
}

Test(sort_splitters, evenly_spaced_picks)
{
    uint64_t sample[100], spl[6];
    for (int i = 0; i < 100; i++)
        sample[i] = (uint64_t)i * 10;
    pas_sort_splitters_pick(PAS_SORT_KIND_U64, sample, 100, 4, spl);
    cr_assert_eq(spl[0], 250);
    cr_assert_eq(spl[1], 500);
    cr_assert_eq(spl[2], 750);
    pas_sort_splitters_pick(PAS_SORT_KIND_U64, sample, 3, 7, spl); /* fewer samples than ranks */
    for (int j = 1; j < 6; j++)
        cr_assert(spl[j - 1] <= spl[j]);
    pas_sort_splitters_pick(PAS_SORT_KIND_U64, sample, 0, 3, spl); /* no sample at all */
}

Test(sort_generate, same_key_for_same_seed_and_index_whatever_p)
{
    for (int d = 0; d < PAS_DIST_COUNT; d++) {
        if (d == PAS_DIST_BUCKET || d == PAS_DIST_STAGGERED || d == PAS_DIST_GGROUP)
            continue; /* defined by the rank layout */
        uint64_t n = 1000;
        for (uint64_t g = 0; g < n; g += 37)
            for (int p = 1; p <= 7; p++)
                cr_assert_eq(pas_sort_dist_key((pas_sort_dist_t)d, 42, n, p, g, 64),
                             pas_sort_dist_key((pas_sort_dist_t)d, 42, n, 1, g, 64),
                             "%s g=%llu p=%d", pas_sort_dist_name((pas_sort_dist_t)d),
                             (unsigned long long)g, p);
        /* pieces generated on any layout concatenate to the same global input */
        uint64_t *all = malloc(n * 8), *part = malloc(n * 8);
        pas_sort_generate_u64((pas_sort_dist_t)d, 42, n, 1, 0, n, 64, all);
        for (int p = 2; p <= 7; p += 5) {
            uint64_t pos = 0;
            for (int r = 0; r < p; r++) {
                uint64_t first, count;
                pas_sort_dist_layout((pas_sort_dist_t)d, n, p, r, &first, &count);
                if (count)
                    cr_assert_eq(first, pos);
                pas_sort_generate_u64((pas_sort_dist_t)d, 42, n, p, first, count, 64, part + first);
                pos += count;
            }
            cr_assert_eq(pos, n);
            cr_assert(memcmp(all, part, n * 8) == 0, "%s at p=%d",
                      pas_sort_dist_name((pas_sort_dist_t)d), p);
        }
        free(all);
        free(part);
    }
}

Test(sort_generate, shapes)
{
    uint64_t n = 10000;
    cr_assert_eq(pas_sort_dist_key(PAS_DIST_EQUAL, 1, n, 1, 5, 64),
                 pas_sort_dist_key(PAS_DIST_EQUAL, 1, n, 1, 9999, 64));
    for (uint64_t g = 1; g < n; g++)
        cr_assert(pas_sort_dist_key(PAS_DIST_SORTED, 1, n, 3, g - 1, 64) <=
                  pas_sort_dist_key(PAS_DIST_SORTED, 1, n, 3, g, 64));
    int distinct2 = 0;
    uint64_t first = pas_sort_dist_key(PAS_DIST_FEW2, 1, n, 1, 0, 64);
    for (uint64_t g = 0; g < 100; g++)
        distinct2 |= pas_sort_dist_key(PAS_DIST_FEW2, 1, n, 1, g, 64) != first;
    cr_assert(distinct2);
    for (uint64_t g = 0; g < n; g += 7) /* bits honoured */
        cr_assert(pas_sort_dist_key(PAS_DIST_UNIFORM, 1, n, 1, g, 32) < (1ULL << 32));
    uint64_t d;
    cr_assert_eq(pas_sort_dist_parse("zipf", (pas_sort_dist_t *)&d), PAS_OK);
    cr_assert_eq(pas_sort_dist_parse("nope", (pas_sort_dist_t *)&d), PAS_ERR_ARG);
}

Test(sort_hash, order_independent_and_detects_one_change)
{
    size_t n = 10000;
    uint64_t *a = malloc(n * 8);
    for (size_t i = 0; i < n; i++)
        a[i] = pas_mix64(i) % 97;
    uint64_t h = pas_sort_hash(PAS_SORT_KIND_U64, a, n);
    qsort(a, n, 8, cmp_u64);
    cr_assert_eq(pas_sort_hash(PAS_SORT_KIND_U64, a, n), h);
    for (size_t i = 0; i < n; i += 999) {
        a[i] += 1;
        cr_assert_neq(pas_sort_hash(PAS_SORT_KIND_U64, a, n), h,
                      "a changed key at %zu went unnoticed", i);
        a[i] -= 1;
    }
    cr_assert_neq(pas_sort_hash(PAS_SORT_KIND_U64, a, n - 1), h); /* a dropped key */
    pas_sort_pair_t p[3] = {{1, 2}, {3, 4}, {5, 6}}, q[3] = {{5, 6}, {1, 2}, {3, 4}},
                    r[3] = {{1, 2}, {3, 4}, {5, 7}};
    cr_assert_eq(pas_sort_hash(PAS_SORT_KIND_PAIR, p, 3), pas_sort_hash(PAS_SORT_KIND_PAIR, q, 3));
    cr_assert_neq(pas_sort_hash(PAS_SORT_KIND_PAIR, p, 3), pas_sort_hash(PAS_SORT_KIND_PAIR, r, 3));
    free(a);
}

/* The maps' exact bits, written out by hand (not by the maps): the keys are
 * what pas_sort_encode writes, so their values, not only their order, are
 * fixed. */
Test(sort_keys, key_bits_exact)
{
    static const uint64_t i64[][2] = {{0x8000000000000000u, 0},                    /* INT64_MIN */
                                      {0, 0x8000000000000000u},                    /* 0 */
                                      {0xffffffffffffffffu, 0x7fffffffffffffffu},  /* -1 */
                                      {0x7fffffffffffffffu, 0xffffffffffffffffu}}; /* INT64_MAX */
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(pas_sort_key_i64_bits(i64[i][0]), i64[i][1], "i64 row %d", i);
        cr_assert_eq(pas_sort_key_i64_bits(i64[i][1]), i64[i][0], "i64 back, row %d", i);
    }
    static const uint64_t f64[][2] = {{0, 0x8000000000000000u},                    /* +0.0 */
                                      {0x8000000000000000u, 0x7fffffffffffffffu},  /* -0.0 */
                                      {0x3ff0000000000000u, 0xbff0000000000000u},  /* 1.0 */
                                      {0xbff0000000000000u, 0x400fffffffffffffu},  /* -1.0 */
                                      {0x7ff0000000000000u, 0xfff0000000000000u},  /* +inf */
                                      {0xfff0000000000000u, 0x000fffffffffffffu},  /* -inf */
                                      {0x7ff8000000000000u, 0xfff8000000000000u},  /* NaN */
                                      {0xfff8000000000000u, 0x0007ffffffffffffu}}; /* -NaN */
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(pas_sort_key_f64_bits(f64[i][0]), f64[i][1], "f64 row %d", i);
        cr_assert_eq(pas_sort_unkey_f64_bits(f64[i][1]), f64[i][0], "f64 back, row %d", i);
    }
    static const uint32_t f32[][2] = {{0, 0x80000000u},            /* +0.0f */
                                      {0x80000000u, 0x7fffffffu},  /* -0.0f */
                                      {0x3f800000u, 0xbf800000u},  /* 1.0f */
                                      {0xbf800000u, 0x407fffffu},  /* -1.0f */
                                      {0x7f800000u, 0xff800000u},  /* +inf */
                                      {0xff800000u, 0x007fffffu}}; /* -inf */
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(pas_sort_key_f32_bits(f32[i][0]), f32[i][1], "f32 row %d", i);
        cr_assert_eq(pas_sort_unkey_f32_bits(f32[i][1]), f32[i][0], "f32 back, row %d", i);
    }
}

Test(sort_keys, float_total_order)
{
    double v[] = {-NAN, -INFINITY, -1e300, -1.0,  -1e-310,  -0.0,
                  0.0,  1e-310,    1.0,    1e300, INFINITY, NAN};
    for (size_t i = 1; i < sizeof v / sizeof v[0]; i++)
        cr_assert(pas_sort_key_f64(v[i - 1]) < pas_sort_key_f64(v[i]), "f64 order broken at %zu",
                  i);
    float f[] = {-NAN, -INFINITY, -3e38f, -1.0f, -0.0f, 0.0f, 1e-40f, 1.0f, INFINITY, NAN};
    for (size_t i = 1; i < sizeof f / sizeof f[0]; i++)
        cr_assert(pas_sort_key_f32(f[i - 1]) < pas_sort_key_f32(f[i]), "f32 order broken at %zu",
                  i);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        double back = pas_sort_unkey_f64(pas_sort_key_f64(v[i]));
        cr_assert(memcmp(&back, &v[i], 8) == 0);
        float fb = pas_sort_unkey_f32(pas_sort_key_f32((float)v[i]));
        float fo = (float)v[i];
        cr_assert(memcmp(&fb, &fo, 4) == 0);
    }
    int64_t s[] = {INT64_MIN, -5, -1, 0, 1, INT64_MAX};
    for (size_t i = 1; i < 6; i++)
        cr_assert(pas_sort_key_i64(s[i - 1]) < pas_sort_key_i64(s[i]));
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(pas_sort_unkey_i64(pas_sort_key_i64(s[i])), s[i]);
    double in[4] = {2.5, -0.0, NAN, -1}, out[4];
    uint64_t k[4];
    pas_sort_encode(PAS_SORT_F64, in, 4, k);
    pas_sort_decode(PAS_SORT_F64, k, 4, out);
    cr_assert(memcmp(in, out, sizeof in) == 0);
}

Test(sort_keys, rec100_pairs_order_by_the_ten_byte_key)
{
    unsigned char a[100] = {0}, b[100] = {0};
    a[9] = 1; /* differs only in the last key byte */
    pas_sort_pair_t pa = pas_sort_rec100_pair(a, 5), pb = pas_sort_rec100_pair(b, 6);
    cr_assert(pb.k == pa.k && pb.v < pa.v);
    b[0] = 1;
    pb = pas_sort_rec100_pair(b, 0);
    cr_assert(pa.k < pb.k);
    cr_assert_eq(pas_sort_rec100_pair(a, 77).v & 0xffff, 77);
}

Test(sort_config, names_bounds_and_estimates)
{
    pas_sort_algo_t a;
    cr_assert_eq(pas_sort_algo_parse("quick", &a), PAS_OK);
    cr_assert_eq(a, PAS_SORT_QUICK);
    cr_assert_eq(pas_sort_algo_parse("bogo", &a), PAS_ERR_ARG);
    cr_assert_str_eq(pas_sort_algo_name(PAS_SORT_MWAY), "mway");
    cr_assert_eq(pas_sort_algo_choose(1000, 7), PAS_SORT_MWAY);
    cr_assert_eq(pas_sort_algo_choose(100000000, 2), PAS_SORT_SAMPLE);
    cr_assert_eq(pas_sort_algo_choose(65536ULL * 1024, 1024), PAS_SORT_AMS);
    cr_assert_eq(pas_sort_algo_parse("ams", &a), PAS_OK);
    cr_assert_eq(a, PAS_SORT_AMS);
    cr_assert_eq(pas_sort_balance_bound(100, 4, 0.1), 28);
    cr_assert_eq(pas_sort_balance_bound(10, 7, 0.1), 2); /* never below ceil(n/p) */
    cr_assert_eq(pas_sort_balance_bound(0, 3, 0.1), 0);
    cr_assert(pas_sort_mem_estimate(PAS_SORT_MERGE, 1000000000, 8, 8, 0.1) >
              pas_sort_mem_estimate(PAS_SORT_SAMPLE, 1000000000, 8, 8, 0.1));
    /* sizes near 2^64 saturate instead of wrapping to a small estimate */
    for (int g = PAS_SORT_AUTO; g < PAS_SORT_ALGO_COUNT; g++) {
        cr_assert_eq(pas_sort_mem_estimate((pas_sort_algo_t)g, 1ULL << 61, 1, 8, 0.1), UINT64_MAX,
                     "algo %d", g);
        cr_assert_eq(pas_sort_mem_estimate((pas_sort_algo_t)g, 1ULL << 60, 2, 16, 0.1), UINT64_MAX,
                     "algo %d", g);
        cr_assert_eq(pas_sort_mem_estimate((pas_sort_algo_t)g, UINT64_MAX, 2, 8, 0.1), UINT64_MAX,
                     "algo %d", g);
    }
    cr_assert_lt(pas_sort_mem_estimate(PAS_SORT_SAMPLE, 1ULL << 40, 1024, 8, 0.1), 1ULL << 36);
    pas_sort_type_t t;
    cr_assert_eq(pas_sort_type_parse("rec100", &t), PAS_OK);
    cr_assert_eq(pas_sort_type_size(t), 100);
}

Test(sort_ams, level_choice)
{
    cr_assert_eq(pas_sort_ams_levels(1000, 1), 1);
    cr_assert_eq(pas_sort_ams_levels(1000, 7), 0);             /* tiny: gather */
    cr_assert_eq(pas_sort_ams_levels(100, 4096), 0);           /* n < p */
    cr_assert_eq(pas_sort_ams_levels(256ULL * 1000, 1000), 0); /* 256 per rank */
    cr_assert_eq(pas_sort_ams_levels(100000000, 2), 1);
    cr_assert_eq(pas_sort_ams_levels(65536ULL * 32, 32), 1);
    cr_assert_eq(pas_sort_ams_levels(65536ULL * 33, 33), 2);
    cr_assert_eq(pas_sort_ams_levels(65536ULL * 1024, 1024), 2);
    cr_assert_eq(pas_sort_ams_levels(65536ULL * 8192, 8192), 3);
    /* too big to gather to one rank: the levels, even at 64 keys per rank */
    cr_assert_eq(pas_sort_ams_levels(64ULL * 65536, 65536), 3);
}

Test(sort_ams, groups_per_level)
{
    cr_assert_eq(pas_sort_ams_groups(1, 3), 1);
    cr_assert_eq(pas_sort_ams_groups(2, 3), 2);
    cr_assert_eq(pas_sort_ams_groups(5, 1), 5); /* the last level: one rank per group */
    cr_assert_eq(pas_sort_ams_groups(7, 2), 3); /* round(sqrt 7) */
    cr_assert_eq(pas_sort_ams_groups(8, 3), 2);
    cr_assert_eq(pas_sort_ams_groups(3, 3), 2); /* never fewer than 2 */
    cr_assert_eq(pas_sort_ams_groups(1024, 2), 32);
    cr_assert_eq(pas_sort_ams_groups(4096, 3), 16);
    cr_assert_eq(pas_sort_ams_groups(1000, 3), 10);
}

/* Groups of floor/ceil(p/k) ranks for k not dividing p, and every piece of
 * a group's data routed to exactly the ranks whose block shares it covers. */
Test(sort_ams, group_splitting_and_routing)
{
    const int ps[] = {7, 10, 13, 100};
    const int ks[] = {3, 4, 5, 7};
    for (int a = 0; a < 4; a++) {
        int p = ps[a], k = ks[a], sum = 0;
        for (int j = 0; j < k; j++) {
            pas_range_t g = pas_decomp_block_range((uint64_t)p, k, j);
            int gs = (int)(g.hi - g.lo);
            cr_assert(gs == p / k || gs == (p + k - 1) / k, "p %d k %d group %d has %d ranks", p, k,
                      j, gs);
            cr_assert_eq((int)g.lo, sum);
            sum += gs;
        }
        cr_assert_eq(sum, p);
    }
    int dest[16];
    uint64_t cnt[16];
    /* 10 keys over 3 ranks (4 3 3) starting at rank 4: [3, 8) -> 1, 3, 1 */
    int m = pas_sort_ams_route(10, 3, 4, 3, 5, dest, cnt);
    cr_assert_eq(m, 3);
    cr_assert(dest[0] == 4 && cnt[0] == 1 && dest[1] == 5 && cnt[1] == 3 && dest[2] == 6 &&
              cnt[2] == 1);
    cr_assert_eq(pas_sort_ams_route(10, 3, 4, 3, 0, dest, cnt), 0);
    for (uint64_t total = 1; total < 40; total += 7)
        for (int g = 1; g <= 9; g++)
            for (uint64_t off = 0; off < total; off += 3)
                for (uint64_t len = 1; off + len <= total; len += 5) {
                    m = pas_sort_ams_route(total, g, 2, off, len, dest, cnt);
                    uint64_t at = off, got = 0;
                    for (int i = 0; i < m; i++) {
                        pas_range_t r = pas_decomp_block_range(total, g, dest[i] - 2);
                        cr_assert(cnt[i] > 0 && at >= r.lo && at + cnt[i] <= r.hi);
                        cr_assert(i == 0 || dest[i] == dest[i - 1] + 1);
                        at += cnt[i];
                        got += cnt[i];
                    }
                    cr_assert_eq(got, len);
                }
}

Test(sort_ams, boundary_placement)
{
    uint64_t b[4];
    int c[4];
    /* all keys equal: one candidate holds every position, exact boundaries */
    const uint64_t lt1[] = {0}, eq1[] = {100}, t1[] = {25, 50, 75};
    pas_sort_ams_place(1, lt1, eq1, 100, 3, t1, b, c);
    for (int i = 0; i < 3; i++)
        cr_assert(b[i] == t1[i] && c[i] == 0);
    /* distinct candidates at 10 and 50: the nearer one, the lower on ties */
    const uint64_t lt2[] = {10, 50}, eq2[] = {0, 0}, t2[] = {30, 31, 49};
    pas_sort_ams_place(2, lt2, eq2, 100, 3, t2, b, c);
    cr_assert(b[0] == 10 && c[0] == 0);
    cr_assert(b[1] == 50 && c[1] == 1);
    cr_assert(b[2] == 50 && c[2] == 1);
    /* a run of equal keys [40, 60] takes targets inside it exactly */
    const uint64_t lt3[] = {40}, eq3[] = {20}, t3[] = {45, 70, 85};
    pas_sort_ams_place(1, lt3, eq3, 100, 3, t3, b, c);
    cr_assert(b[0] == 45 && c[0] == 0 && b[1] == 60 && c[1] == 0);
    cr_assert(b[2] == 100 && c[2] == -1); /* the end is nearer than the run */
    /* no candidates: only 0 and the end */
    const uint64_t t4[] = {40, 60};
    pas_sort_ams_place(0, NULL, NULL, 100, 2, t4, b, c);
    cr_assert(b[0] == 0 && c[0] == -1 && b[1] == 100 && c[1] == -1);
    /* random tables: boundaries ascend with the targets, none is farther
     * from its target than the nearest candidate position */
    uint64_t lt[64], eq[64], tg[8], bb[8];
    int cc[8];
    for (int rep = 0; rep < 200; rep++) {
        uint64_t x = 0, r = (uint64_t)rep * 7919 + 1;
        for (int i = 0; i < 64; i++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            x += (r >> 33) % 50;
            lt[i] = x;
            eq[i] = (r >> 20) % 3 == 0 ? (r >> 40) % 30 : 0;
            x += eq[i];
        }
        uint64_t total = x + 10;
        for (int t = 0; t < 8; t++)
            tg[t] = total * (uint64_t)(t + 1) / 9;
        pas_sort_ams_place(64, lt, eq, total, 8, tg, bb, cc);
        for (int t = 0; t < 8; t++) {
            cr_assert(t == 0 || bb[t] >= bb[t - 1]);
            uint64_t d = bb[t] > tg[t] ? bb[t] - tg[t] : tg[t] - bb[t];
            for (int i = 0; i < 64; i++) {
                uint64_t lo = lt[i], hi = lt[i] + eq[i];
                uint64_t di = tg[t] < lo ? lo - tg[t] : tg[t] > hi ? tg[t] - hi : 0;
                cr_assert(d <= di);
            }
            if (cc[t] >= 0)
                cr_assert(bb[t] >= lt[cc[t]] && bb[t] <= lt[cc[t]] + eq[cc[t]]);
        }
    }
}
