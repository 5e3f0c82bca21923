/* generate.c - input distributions.  Each key is a pure function of (seed,
 * global index) (and n), so the same seed gives the same global input for
 * any number of ranks; only the distributions that are defined by the rank
 * layout (bucket-sorted, staggered, g-group) use p, and onerank only moves
 * where the keys start. */
#include <math.h>

#include "sort_internal.h"

static const char *const dist_names[] = {"uniform", "gaussian", "exponential", "zipf",   "equal",
                                         "few2",    "few8",     "fewsqrt",     "sorted", "reverse",
                                         "almost",  "bucket",   "staggered",   "ggroup", "detdup",
                                         "randdup", "onerank",  "special"};

const char *pas_sort_dist_name(pas_sort_dist_t d)
{
    return (unsigned)d < PAS_DIST_COUNT ? dist_names[d] : "?";
}

pas_status pas_sort_dist_parse(const char *name, pas_sort_dist_t *d)
{
    for (int i = 0; i < PAS_DIST_COUNT; i++)
        if (name && strcmp(name, dist_names[i]) == 0) {
            *d = (pas_sort_dist_t)i;
            return PAS_OK;
        }
    return PAS_ERR_ARG;
}

const char *pas_sort_dist_list(void)
{
    return "uniform|gaussian|exponential|zipf|equal|few2|few8|fewsqrt|sorted|reverse|almost|bucket|"
           "staggered|ggroup|detdup|randdup|onerank|special";
}

void pas_sort_dist_layout(pas_sort_dist_t d, uint64_t n, int p, int r, uint64_t *first,
                          uint64_t *count)
{
    if (d == PAS_DIST_ONERANK) {
        *first = 0;
        *count = r == 0 ? n : 0;
        return;
    }
    pas_range_t b = pas_decomp_block_range(n, p, r);
    *first = b.lo;
    *count = pas_range_len(b);
}

static inline uint64_t span_of(int bits)
{
    return bits >= 64 ? UINT64_MAX : (1ULL << bits) - 1;
}

/* a value in [0, 1) scaled onto [0, 2^bits) */
static inline uint64_t scale_unit(double u, int bits)
{
    if (u < 0)
        u = 0;
    double x = u * ldexp(1.0, bits);
    uint64_t span = span_of(bits);
    return x >= (double)span ? span : (uint64_t)x;
}

/* num / den of the key space */
static inline uint64_t scale_frac(uint64_t num, uint64_t den, int bits)
{
    return den ? (uint64_t)((unsigned __int128)span_of(bits) * num / den) : 0;
}

uint64_t pas_sort_dist_key(pas_sort_dist_t d, uint64_t seed, uint64_t n, int p, uint64_t g,
                           int bits)
{
    uint64_t r = pas_mix64(seed ^ pas_mix64(g + 0x632be59bd9b4e019ULL));
    uint64_t span = span_of(bits);
    if (p < 1)
        p = 1;
    switch (d) {
    case PAS_DIST_UNIFORM:
    case PAS_DIST_ONERANK:
        return bits >= 64 ? r : r >> (64 - bits);
    case PAS_DIST_GAUSSIAN: {
        double u = pas_unit(r) + pas_unit(pas_mix64(r + 1)) + pas_unit(pas_mix64(r + 2)) +
                   pas_unit(pas_mix64(r + 3));
        return scale_unit(u / 4, bits);
    }
    case PAS_DIST_EXPONENTIAL: {
        double u = -log(1.0 - pas_unit(r)) / 10.0;
        return scale_unit(u < 1 ? u : 0.9999999, bits);
    }
    case PAS_DIST_ZIPF: { /* P(k) ~ 1/k on 1..K */
        uint64_t kmax = n < 2 ? 2 : n;
        if (kmax > span)
            kmax = span;
        double k = floor(exp(pas_unit(r) * log((double)kmax + 1.0)));
        uint64_t v = k < 1 ? 0 : (uint64_t)k - 1;
        return v > span ? span : v;
    }
    case PAS_DIST_EQUAL:
        return pas_mix64(seed) & span;
    case PAS_DIST_FEW2:
    case PAS_DIST_FEW8: {
        uint64_t c = d == PAS_DIST_FEW2 ? 2 : 8;
        return pas_mix64(seed + 77 + r % c) & span;
    }
    case PAS_DIST_FEWSQRT: { /* root-dup: g mod sqrt(n) */
        uint64_t q = (uint64_t)sqrt((double)n);
        return (g % (q ? q : 1)) & span;
    }
    case PAS_DIST_SORTED:
        return scale_frac(g, n, bits);
    case PAS_DIST_REVERSE:
        return scale_frac(n - 1 - g, n, bits);
    case PAS_DIST_ALMOST: /* sorted, about 1% of the keys moved anywhere */
        return r % 100 == 0 ? scale_frac(pas_mix64(r) % (n ? n : 1), n, bits)
                            : scale_frac(g, n, bits);
    case PAS_DIST_BUCKET:
    case PAS_DIST_STAGGERED:
    case PAS_DIST_GGROUP: {
        int rank = pas_decomp_block_owner(n, p, g);
        pas_range_t b = pas_decomp_block_range(n, p, rank);
        uint64_t l = g - b.lo, nl = pas_range_len(b);
        uint64_t bucket;
        if (d == PAS_DIST_BUCKET) { /* block j of every rank in key range j */
            bucket = nl ? l * (uint64_t)p / nl : 0;
        } else if (d == PAS_DIST_STAGGERED) {
            bucket = rank < p / 2 ? 2 * (uint64_t)rank + 1 : 2 * (uint64_t)(rank - p / 2);
            if (bucket >= (uint64_t)p)
                bucket = (uint64_t)p - 1;
        } else { /* groups of g = 2 ranks; group j spreads over g buckets from j g + p/2 */
            int gs = p < 2 ? 1 : 2, grp = rank / gs;
            uint64_t k = nl ? l * (uint64_t)gs / nl : 0;
            bucket = ((uint64_t)grp * gs + (uint64_t)p / 2 + k) % (uint64_t)p;
        }
        uint64_t lo = scale_frac(bucket, (uint64_t)p, bits),
                 hi = scale_frac(bucket + 1, (uint64_t)p, bits);
        return lo + (hi > lo ? r % (hi - lo) : 0);
    }
    case PAS_DIST_DETDUP: { /* n/2 keys of one value, n/4 of the next, ... */
        uint64_t level = 0, left = n, pos = g;
        while (left > 1 && pos >= left / 2) {
            pos -= left / 2;
            left -= left / 2;
            level++;
        }
        return scale_frac(level, 64, bits);
    }
    case PAS_DIST_RANDDUP: { /* runs of 1..32 keys, values from a range of 64 */
        uint64_t block = g / 32, in = g % 32;
        uint64_t len = 1 + pas_mix64(seed ^ block) % 32;
        uint64_t run = block * 32 + (in / len) * len;
        return scale_frac(pas_mix64(seed + run) % 64, 64, bits);
    }
    case PAS_DIST_SPECIAL: { /* bit patterns: zeros, infinities, NaNs of both signs, random */
        static const uint64_t pat64[] = {0,
                                         1ULL << 63,
                                         0x7ff0000000000000ULL,
                                         0xfff0000000000000ULL,
                                         0x7ff8000000000000ULL,
                                         0xfff8000000000000ULL,
                                         1,
                                         0x8000000000000001ULL};
        static const uint64_t pat32[] = {0,          1U << 31,   0x7f800000, 0xff800000,
                                         0x7fc00000, 0xffc00000, 1,          0x80000001};
        if (r & 1)
            return (bits >= 64 ? pas_mix64(r) : pas_mix64(r) >> (64 - bits));
        return bits >= 64 ? pat64[(r >> 1) % 8] : (pat32[(r >> 1) % 8] & span);
    }
    default:
        return 0;
    }
}

void pas_sort_generate_u64(pas_sort_dist_t d, uint64_t seed, uint64_t n, int p, uint64_t first,
                           size_t count, int bits, uint64_t *keys)
{
#pragma omp parallel for schedule(static) if (count > PAS_OMP_MIN_N)
    for (size_t i = 0; i < count; i++)
        keys[i] = pas_sort_dist_key(d, seed, n, p, first + i, bits);
}

void pas_sort_generate_records(pas_sort_type_t t, pas_sort_dist_t d, uint64_t seed, uint64_t n,
                               int p, uint64_t first, size_t count, void *recs)
{
    int special = d == PAS_DIST_SPECIAL;
    /* significant bits of the keys: floats get what their mantissa holds,
     * and the special bit patterns the whole word */
    int bits = t == PAS_SORT_U32 ? 32 : t == PAS_SORT_F32 ? 24 : t == PAS_SORT_F64 ? 53 : 64;
    if (special && t == PAS_SORT_F32)
        bits = 32;
    if (special && t == PAS_SORT_F64)
        bits = 64;
    size_t rs = pas_sort_type_size(t);
#pragma omp parallel for schedule(static) if (count > PAS_OMP_MIN_N)
    for (size_t i = 0; i < count; i++) {
        uint64_t g = first + i;
        unsigned char *r = (unsigned char *)recs + i * rs;
        uint64_t k = pas_sort_dist_key(d, seed, n, p, g, bits);
        switch (t) {
        case PAS_SORT_U32:
            ((uint32_t *)recs)[i] = (uint32_t)k;
            break;
        case PAS_SORT_I64:
            ((int64_t *)recs)[i] = pas_sort_unkey_i64(k);
            break;
        case PAS_SORT_F32:
            if (special) {
                uint32_t b = (uint32_t)k;
                memcpy(r, &b, 4);
            } else {
                ((float *)recs)[i] = (float)(((double)k / 16777216.0 - 0.5) * 2e6);
            }
            break;
        case PAS_SORT_F64:
            if (special)
                memcpy(r, &k, 8);
            else
                ((double *)recs)[i] = ((double)k / 9007199254740992.0 - 0.5) * 2e6;
            break;
        case PAS_SORT_KV16:
            ((uint64_t *)r)[0] = k;
            ((uint64_t *)r)[1] = pas_mix64(g ^ 0xfeedULL);
            break;
        case PAS_SORT_REC100: {
            for (int b = 0; b < 8; b++)
                r[b] = (unsigned char)(k >> (56 - 8 * b));
            uint64_t x = pas_mix64(k);
            r[8] = (unsigned char)x;
            r[9] = (unsigned char)(x >> 8);
            uint64_t f = pas_mix64(g);
            for (int b = 10; b < 100; b++) {
                if (b % 8 == 2)
                    f = pas_mix64(f + (uint64_t)b);
                r[b] = (unsigned char)(f >> (8 * (b % 8)));
            }
            break;
        }
        default:
            ((uint64_t *)recs)[i] = k;
            break;
        }
    }
}
