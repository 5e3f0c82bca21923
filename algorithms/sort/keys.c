/* keys.c - the element kinds (their operation tables, hashes, key-space
 * arithmetic) and the typed keys that map onto them. */
#include <math.h>

#include "sort_internal.h"

/* ---- uint64 keys ---------------------------------------------------------- */

static int less_u64(const void *a, const void *b) { return *(const uint64_t *)a < *(const uint64_t *)b; }

static uint64_t hash_u64(const void *base, size_t n)
{
    const uint64_t *a = base;
    uint64_t h = 0;
#pragma omp parallel for reduction(+ : h) schedule(static) if (n > PAS_OMP_MIN_N)
    for (size_t i = 0; i < n; i++)
        h += pas_mix64(a[i] ^ 0x5bd1e9955bd1e995ULL);
    return h;
}

static size_t unsorted_u64(const void *base, size_t n)
{
    const uint64_t *a = base;
    size_t first = n;
#pragma omp parallel for reduction(min : first) schedule(static) if (n > PAS_OMP_MIN_N)
    for (size_t i = 1; i < n; i++)
        if (a[i] < a[i - 1] && i < first)
            first = i;
    return first;
}

static void mid_u64(const void *lo, const void *hi, void *mid)
{
    uint64_t l = *(const uint64_t *)lo, h = *(const uint64_t *)hi;
    *(uint64_t *)mid = l + (h - l) / 2;
}

static void next_u64(const void *x, void *out) { *(uint64_t *)out = *(const uint64_t *)x + 1; }

/* ---- (k, v) pairs ---------------------------------------------------------- */

static inline int pair_less(pas_sort_pair_t a, pas_sort_pair_t b)
{
    return a.k < b.k || (a.k == b.k && a.v < b.v);
}

static int less_pair(const void *a, const void *b)
{
    return pair_less(*(const pas_sort_pair_t *)a, *(const pas_sort_pair_t *)b);
}

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
        if (pair_less(a[i], a[i - 1]) && i < first)
            first = i;
    return first;
}

typedef unsigned __int128 u128_t;

static u128_t pair_to(const pas_sort_pair_t *p) { return ((u128_t)p->k << 64) | p->v; }
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

static void next_pair(const void *x, void *out) { pair_from(pair_to(x) + 1, out); }

/* ---- the tables ------------------------------------------------------------ */

static void radix_u64(void *a, void *t, size_t n) { pas_sort_radix_u64(a, t, n); }
static void radix_pair(void *a, void *t, size_t n) { pas_sort_radix_pair(a, t, n); }
static void msort_u64(void *a, void *t, size_t n) { pas_sort_mergesort_u64(a, t, n); }
static void msort_pair(void *a, void *t, size_t n) { pas_sort_mergesort_pair(a, t, n); }
static void qsort_u64(void *a, size_t n) { pas_sort_quicksort_u64(a, n); }
static void qsort_pair(void *a, size_t n) { pas_sort_quicksort_pair(a, n); }
static void merge_u64(const void *a, size_t na, const void *b, size_t nb, void *out)
{
    pas_sort_merge2_u64(a, na, b, nb, out);
}
static void merge_pair(const void *a, size_t na, const void *b, size_t nb, void *out)
{
    pas_sort_merge2_pair(a, na, b, nb, out);
}

/* defined in partition.c */
size_t pt_lower__u64(const void *, size_t, const void *);
size_t pt_upper__u64(const void *, size_t, const void *);
int pt_classify__u64(const void *, size_t, const void *, int, void *, uint64_t *);
size_t pt_lower__pair(const void *, size_t, const void *);
size_t pt_upper__pair(const void *, size_t, const void *);
int pt_classify__pair(const void *, size_t, const void *, int, void *, uint64_t *);

const sort_ops_t sort_ops_u64 = {sizeof(uint64_t), less_u64,      radix_u64,     msort_u64,
                                 qsort_u64,        merge_u64,     pt_lower__u64, pt_upper__u64,
                                 pt_classify__u64, hash_u64,      unsorted_u64,  mid_u64,
                                 next_u64};
const sort_ops_t sort_ops_pair = {sizeof(pas_sort_pair_t), less_pair,      radix_pair,     msort_pair,
                                  qsort_pair,              merge_pair,     pt_lower__pair, pt_upper__pair,
                                  pt_classify__pair,       hash_pair,      unsorted_pair,  mid_pair,
                                  next_pair};

size_t pas_sort_kind_size(pas_sort_kind_t kind) { return sort_ops(kind)->size; }

uint64_t pas_sort_hash(pas_sort_kind_t kind, const void *a, size_t n) { return sort_ops(kind)->hash(a, n); }

static int local_run(const sort_ops_t *ops, pas_sort_local_t how, void *a, size_t n, void *scratch)
{
    if (n < 2)
        return PAS_OK;
    if (how == PAS_SORT_LOCAL_QUICK) {
        ops->quicksort(a, n);
        return PAS_OK;
    }
    void *tmp = scratch ? scratch : sort_alloc(n, ops->size);
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

int sort_local_run_with(const sort_ops_t *ops, pas_sort_local_t how, void *a, size_t n, void *scratch)
{
#ifdef PAS_SMPI_COMPAT_H
    /* Simulated (make smpi) with PAS_SMPI_KEYRATE=R: the sort still runs (its
     * result is verified) but lasts, simulated, n / R seconds (R million keys
     * per second: linear, as the default radix sort is), not the time it took
     * on this machine.  Unset: the time it took. */
    double rate = sort_smpi_rate("PAS_SMPI_KEYRATE");
    if (rate > 0 && n >= 2) {
        smpi_bench_end();
        int rc = local_run(ops, how, a, n, scratch);
        smpi_execute((double)n / rate);
        smpi_bench_begin();
        return rc;
    }
#endif
    return local_run(ops, how, a, n, scratch);
}

int pas_sort_local(pas_sort_kind_t kind, pas_sort_local_t how, void *data, size_t n)
{
    return sort_local_run(sort_ops(kind), how, data, n);
}

/* ---- typed keys ------------------------------------------------------------- */

static const char *const type_names[] = {"u64", "u32", "i64", "f32", "f64", "kv16", "rec100"};
static const size_t type_sizes[] = {8, 4, 8, 4, 8, 16, 100};

const char *pas_sort_type_name(pas_sort_type_t t)
{
    return (unsigned)t < sizeof type_names / sizeof *type_names ? type_names[t] : "?";
}

int pas_sort_type_parse(const char *name, pas_sort_type_t *t)
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

void pas_sort_encode(pas_sort_type_t t, const void *in, size_t n, uint64_t *keys)
{
#pragma omp parallel for schedule(static) if (n > PAS_OMP_MIN_N)
    for (size_t i = 0; i < n; i++) {
        switch (t) {
        case PAS_SORT_U32: keys[i] = ((const uint32_t *)in)[i]; break;
        case PAS_SORT_I64: keys[i] = pas_sort_key_i64(((const int64_t *)in)[i]); break;
        case PAS_SORT_F32: keys[i] = pas_sort_key_f32(((const float *)in)[i]); break;
        case PAS_SORT_F64: keys[i] = pas_sort_key_f64(((const double *)in)[i]); break;
        default: keys[i] = ((const uint64_t *)in)[i]; break;
        }
    }
}

void pas_sort_decode(pas_sort_type_t t, const uint64_t *keys, size_t n, void *out)
{
#pragma omp parallel for schedule(static) if (n > PAS_OMP_MIN_N)
    for (size_t i = 0; i < n; i++) {
        switch (t) {
        case PAS_SORT_U32: ((uint32_t *)out)[i] = (uint32_t)keys[i]; break;
        case PAS_SORT_I64: ((int64_t *)out)[i] = pas_sort_unkey_i64(keys[i]); break;
        case PAS_SORT_F32: ((float *)out)[i] = pas_sort_unkey_f32(keys[i]); break;
        case PAS_SORT_F64: ((double *)out)[i] = pas_sort_unkey_f64(keys[i]); break;
        default: ((uint64_t *)out)[i] = keys[i]; break;
        }
    }
}

pas_sort_pair_t pas_sort_rec100_pair(const unsigned char *rec, uint64_t g)
{
    pas_sort_pair_t p = {0, 0};
    for (int i = 0; i < 8; i++)
        p.k = p.k << 8 | rec[i];
    p.v = ((uint64_t)rec[8] << 56) | ((uint64_t)rec[9] << 48) | (g & ((1ULL << 48) - 1));
    return p;
}
