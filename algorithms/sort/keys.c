/* keys.c - the element kinds (their operation tables, hashes, key-space
 * arithmetic), the typed keys that map onto them, and the local sort run
 * through a table (pas_sort_local_run, and the agreed local-sort phase every
 * distributed sort starts with). */
#include <math.h>

#include "sort_internal.h"

/* ---- uint64 keys, and uint32 keys (the typed local sort of u32 and f32) ---- */

/* one _Pragma per loop, on a line of its own: clang-format would join them */
// clang-format off
#define SCALAR_KEY_OPS(T, S)                                                                       \
    static uint64_t hash_##S(const void *base, size_t n)                                           \
    {                                                                                              \
        const T *a = base;                                                                         \
        uint64_t h = 0;                                                                            \
        _Pragma("omp parallel for reduction(+ : h) schedule(static) if (n > PAS_OMP_MIN_N)")       \
        for (size_t i = 0; i < n; i++)                                                             \
            h += pas_mix64(a[i] ^ 0x5bd1e9955bd1e995ULL);                                          \
        return h;                                                                                  \
    }                                                                                              \
    static size_t unsorted_##S(const void *base, size_t n)                                         \
    {                                                                                              \
        const T *a = base;                                                                         \
        size_t first = n;                                                                          \
        _Pragma("omp parallel for reduction(min : first) schedule(static) if (n > PAS_OMP_MIN_N)") \
        for (size_t i = 1; i < n; i++)                                                             \
            if (a[i] < a[i - 1] && i < first)                                                      \
                first = i;                                                                         \
        return first;                                                                              \
    }                                                                                              \
    static void mid_##S(const void *lo, const void *hi, void *mid)                                 \
    {                                                                                              \
        T l = *(const T *)lo, h = *(const T *)hi;                                                  \
        *(T *)mid = l + (h - l) / 2;                                                               \
    }                                                                                              \
    static void next_##S(const void *x, void *out)                                                 \
    {                                                                                              \
        *(T *)out = *(const T *)x + 1;                                                             \
    }
// clang-format on
SCALAR_KEY_OPS(uint64_t, u64)
SCALAR_KEY_OPS(uint32_t, u32)
#undef SCALAR_KEY_OPS

/* ---- (k, v) pairs ---------------------------------------------------------- */

static uint64_t hash_pair(const void *base, size_t n)
{
    const pas_sort_pair_t *a = base;
    uint64_t h = 0;
#pragma omp parallel for reduction(+ : h) schedule(static) if (n > PAS_OMP_MIN_N)
    for (size_t i = 0; i < n; i++)
        h += pas_mix64(a[i].k ^ pas_mix64(a[i].v + 0x2545f4914f6cdd1dULL));
    return h;
}

static size_t unsorted_pair(const void *base, size_t n)
{
    const pas_sort_pair_t *a = base;
    size_t first = n;
#pragma omp parallel for reduction(min : first) schedule(static) if (n > PAS_OMP_MIN_N)
    for (size_t i = 1; i < n; i++)
        if (pas_sort_less_pair(a[i], a[i - 1]) && i < first)
            first = i;
    return first;
}

typedef unsigned __int128 u128_t;

static u128_t pair_to(const pas_sort_pair_t *p)
{
    return ((u128_t)p->k << 64) | p->v;
}
static void pair_from(u128_t x, pas_sort_pair_t *p)
{
    p->k = (uint64_t)(x >> 64);
    p->v = (uint64_t)x;
}

static void mid_pair(const void *lo, const void *hi, void *mid)
{
    u128_t l = pair_to(lo), h = pair_to(hi);
    pair_from(l + (h - l) / 2, mid);
}

static void next_pair(const void *x, void *out)
{
    pair_from(pair_to(x) + 1, out);
}

/* ---- the tables ------------------------------------------------------------ */

/* the typed kernels behind void * signatures, one set per kind */
#define SORT_OPS_WRAPPERS(T, S)                                                                    \
    static int less_##S(const void *a, const void *b)                                              \
    {                                                                                              \
        return pas_sort_less_##S(*(const T *)a, *(const T *)b);                                    \
    }                                                                                              \
    static void radix_##S(void *a, void *t, size_t n)                                              \
    {                                                                                              \
        pas_sort_radix_##S(a, t, n);                                                               \
    }                                                                                              \
    static int presorted_##S(void *a, size_t n)                                                    \
    {                                                                                              \
        return pas_sort_presorted_##S(a, n);                                                       \
    }                                                                                              \
    static void msort_##S(void *a, void *t, size_t n)                                              \
    {                                                                                              \
        pas_sort_mergesort_##S(a, t, n);                                                           \
    }                                                                                              \
    static void qsort_##S(void *a, size_t n)                                                       \
    {                                                                                              \
        pas_sort_quicksort_##S(a, n);                                                              \
    }                                                                                              \
    static void merge_##S(const void *a, size_t na, const void *b, size_t nb, void *out)           \
    {                                                                                              \
        pas_sort_merge2_##S(a, na, b, nb, out);                                                    \
    }                                                                                              \
    const sort_ops_t pas_sort_ops_##S = {sizeof(T),                                                \
                                         less_##S,                                                 \
                                         radix_##S,                                                \
                                         presorted_##S,                                            \
                                         msort_##S,                                                \
                                         qsort_##S,                                                \
                                         merge_##S,                                                \
                                         pas_sort_lower_##S,                                       \
                                         pas_sort_upper_##S,                                       \
                                         pas_sort_classify_##S,                                    \
                                         hash_##S,                                                 \
                                         unsorted_##S,                                             \
                                         mid_##S,                                                  \
                                         next_##S};
PAS_SORT_KINDS(SORT_OPS_WRAPPERS)

size_t pas_sort_kind_size(pas_sort_kind_t kind)
{
    return sort_kind_bytes(kind);
}

uint64_t pas_sort_hash(pas_sort_kind_t kind, const void *a, size_t n)
{
    return sort_ops(kind)->hash(a, n);
}

static pas_status local_run(const sort_ops_t *ops, pas_sort_local_t how, void *a, size_t n,
                            void *scratch)
{
    if (n < 2)
        return PAS_OK;
    /* a sorted or reversed input costs one scan, before any scratch is
     * allocated (the scan stops at the first key out of order) */
    if (how == PAS_SORT_LOCAL_RADIX && ops->presorted(a, n))
        return PAS_OK;
    if (how == PAS_SORT_LOCAL_QUICK) {
        ops->quicksort(a, n);
        return PAS_OK;
    }
    void *tmp = scratch ? scratch : pas_sort_alloc(n, ops->size);
    if (!tmp)
        return PAS_ERR_NOMEM;
    if (how == PAS_SORT_LOCAL_MERGE)
        ops->mergesort(a, tmp, n);
    else
        ops->radix(a, tmp, n);
    if (!scratch)
        free(tmp);
    return PAS_OK;
}

pas_status pas_sort_local_run_with(const sort_ops_t *ops, pas_sort_local_t how, void *a, size_t n,
                                   void *scratch)
{
#ifdef PAS_SMPI_COMPAT_H
    /* Simulated (make smpi) with PAS_SMPI_KEYRATE=R: the sort still runs (its
     * result is verified) but lasts, simulated, n / R seconds (R million keys
     * per second: linear, as the default radix sort is), not the time it took
     * on this machine.  Unset: the time it took. */
    double rate = sort_smpi_rate("PAS_SMPI_KEYRATE");
    if (rate > 0 && n >= 2) {
        smpi_bench_end();
        pas_status rc = local_run(ops, how, a, n, scratch);
        smpi_execute((double)n / rate);
        smpi_bench_begin();
        return rc;
    }
#endif
    return local_run(ops, how, a, n, scratch);
}

pas_status pas_sort_local_run(const sort_ops_t *ops, pas_sort_local_t how, void *a, size_t n)
{
    return pas_sort_local_run_with(ops, how, a, n, NULL);
}

pas_status pas_sort_local_phase(MPI_Comm comm, const sort_ops_t *ops, pas_sort_local_t how, void *a,
                                size_t n)
{
    pas_status rc = pas_watch_phase("local-sort");
    return pas_agree(comm, rc ? rc : pas_sort_local_run(ops, how, a, n));
}

pas_status pas_sort_local(pas_sort_kind_t kind, pas_sort_local_t how, void *data, size_t n)
{
    return pas_sort_local_run(sort_ops(kind), how, data, n);
}

/* ---- typed keys ------------------------------------------------------------- */

static const char *const type_names[] = {"u64", "u32", "i64", "f32", "f64", "kv16", "rec100"};
static const size_t type_sizes[] = {8, 4, 8, 4, 8, 16, 100};

const char *pas_sort_type_name(pas_sort_type_t t)
{
    return (unsigned)t < sizeof type_names / sizeof *type_names ? type_names[t] : "?";
}

pas_status pas_sort_type_parse(const char *name, pas_sort_type_t *t)
{
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (name && strcmp(name, type_names[i]) == 0) {
            *t = (pas_sort_type_t)i;
            return PAS_OK;
        }
    return PAS_ERR_ARG;
}

size_t pas_sort_type_size(pas_sort_type_t t)
{
    return (unsigned)t < sizeof type_sizes / sizeof *type_sizes ? type_sizes[t] : 0;
}

pas_sort_kind_t pas_sort_type_kind(pas_sort_type_t t)
{
    return t == PAS_SORT_KV16 || t == PAS_SORT_REC100 ? PAS_SORT_KIND_PAIR : PAS_SORT_KIND_U64;
}

int pas_sort_type_fetched(pas_sort_type_t t, int stable)
{
    return t == PAS_SORT_REC100 || (t == PAS_SORT_KV16 && stable);
}

void pas_sort_encode(pas_sort_type_t t, const void *in, size_t n, uint64_t *keys)
{
#pragma omp parallel for schedule(static) if (n > PAS_OMP_MIN_N)
    for (size_t i = 0; i < n; i++) {
        switch (t) {
        case PAS_SORT_U32:
            keys[i] = ((const uint32_t *)in)[i];
            break;
        case PAS_SORT_I64:
            keys[i] = pas_sort_key_i64(((const int64_t *)in)[i]);
            break;
        case PAS_SORT_F32:
            keys[i] = pas_sort_key_f32(((const float *)in)[i]);
            break;
        case PAS_SORT_F64:
            keys[i] = pas_sort_key_f64(((const double *)in)[i]);
            break;
        default:
            keys[i] = ((const uint64_t *)in)[i];
            break;
        }
    }
}

void pas_sort_decode(pas_sort_type_t t, const uint64_t *keys, size_t n, void *out)
{
#pragma omp parallel for schedule(static) if (n > PAS_OMP_MIN_N)
    for (size_t i = 0; i < n; i++) {
        switch (t) {
        case PAS_SORT_U32:
            ((uint32_t *)out)[i] = (uint32_t)keys[i];
            break;
        case PAS_SORT_I64:
            ((int64_t *)out)[i] = pas_sort_unkey_i64(keys[i]);
            break;
        case PAS_SORT_F32:
            ((float *)out)[i] = pas_sort_unkey_f32(keys[i]);
            break;
        case PAS_SORT_F64:
            ((double *)out)[i] = pas_sort_unkey_f64(keys[i]);
            break;
        default:
            ((uint64_t *)out)[i] = keys[i];
            break;
        }
    }
}

/* In place: the bits of n records of t become their order-preserving
 * unsigned keys (back = 0) or return from them (back = 1) by the bit maps
 * of pas_sort.h (one XOR per key, vectorised).  Unsigned types are their
 * own keys. */
static void typed_keys(pas_sort_type_t t, void *data, size_t n, int back)
{
    if (t == PAS_SORT_I64) {
        uint64_t *a = data;
#pragma omp parallel for schedule(static) if (n > PAS_OMP_MIN_N)
        for (size_t i = 0; i < n; i++)
            a[i] = pas_sort_key_i64_bits(a[i]); /* its own inverse */
    } else if (t == PAS_SORT_F64) {
        uint64_t *a = data;
#pragma omp parallel for schedule(static) if (n > PAS_OMP_MIN_N)
        for (size_t i = 0; i < n; i++)
            a[i] = back ? pas_sort_unkey_f64_bits(a[i]) : pas_sort_key_f64_bits(a[i]);
    } else if (t == PAS_SORT_F32) {
        uint32_t *a = data;
#pragma omp parallel for schedule(static) if (n > PAS_OMP_MIN_N)
        for (size_t i = 0; i < n; i++)
            a[i] = back ? pas_sort_unkey_f32_bits(a[i]) : pas_sort_key_f32_bits(a[i]);
    }
}

/* The presortedness scan (sort_monotone_body.h) of i64, f64 and f32
 * records by their keys: the typed radix sort's shortcut, which then skips
 * the two passes of the key map. */
#define MONO_T uint64_t
#define MONO_LESS(a, b) (pas_sort_key_i64_bits(a) < pas_sort_key_i64_bits(b))
#define MONO_NAME monotone_i64
#include "sort_monotone_body.h"
#define MONO_T uint64_t
#define MONO_LESS(a, b) (pas_sort_key_f64_bits(a) < pas_sort_key_f64_bits(b))
#define MONO_NAME monotone_f64
#include "sort_monotone_body.h"
#define MONO_T uint32_t
#define MONO_LESS(a, b) (pas_sort_key_f32_bits(a) < pas_sort_key_f32_bits(b))
#define MONO_NAME monotone_f32
#include "sort_monotone_body.h"

/* 1: data[0..n) is in order; -1: it was in reverse order and is
 * now reversed; 0: neither */
static int typed_monotone(pas_sort_type_t t, void *data, size_t n)
{
    if (t == PAS_SORT_I64)
        return monotone_i64(data, n);
    if (t == PAS_SORT_F64)
        return monotone_f64(data, n);
    return monotone_f32(data, n);
}

pas_status pas_sort_local_typed(pas_sort_type_t t, pas_sort_local_t how, void *data, size_t n)
{
    const sort_ops_t *ops;
    switch (t) {
    case PAS_SORT_U64:
    case PAS_SORT_I64:
    case PAS_SORT_F64:
        ops = &pas_sort_ops_u64;
        break;
    case PAS_SORT_U32:
    case PAS_SORT_F32:
        ops = &pas_sort_ops_u32;
        break;
    case PAS_SORT_KV16:
        ops = &pas_sort_ops_pair;
        break;
    default:
        return PAS_ERR_ARG;
    }
    int mapped = t == PAS_SORT_I64 || t == PAS_SORT_F64 || t == PAS_SORT_F32;
    if (mapped && how == PAS_SORT_LOCAL_RADIX && n >= 2 && typed_monotone(t, data, n))
        return PAS_OK;
    /* at most 8 distinct values: counted by their bits, only they mapped */
    if (mapped && how == PAS_SORT_LOCAL_RADIX &&
        (t == PAS_SORT_F32
             ? pas_sort_few8_u32(data, n, pas_sort_key_f32_bits)
             : pas_sort_few8_u64(
                   data, n, t == PAS_SORT_I64 ? pas_sort_key_i64_bits : pas_sort_key_f64_bits)))
        return PAS_OK;
    typed_keys(t, data, n, 0);
    pas_status rc = pas_sort_local_run(ops, how, data, n);
    typed_keys(t, data, n, 1);
    return rc;
}

pas_sort_pair_t pas_sort_rec100_pair(const unsigned char *rec, uint64_t g)
{
    pas_sort_pair_t p = {0, 0};
    for (int i = 0; i < 8; i++)
        p.k = p.k << 8 | rec[i];
    p.v = ((uint64_t)rec[8] << 56) | ((uint64_t)rec[9] << 48) | (g & ((1ULL << 48) - 1));
    return p;
}
