/* local_merge_body.h - merging and merge sort, instantiated per kind by
 * local_merge.c through sort_kinds.h (T, LESS, SORT_T).  Merges are stable (ties take
 * from the first input) and split among threads by merge path. */

#define MG(name) SORT_T(name)

static void MG(mg_seq_)(const T *a, size_t na, const T *b, size_t nb, T *out)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        if (LESS(b[j], a[i]))
            out[k++] = b[j++];
        else
            out[k++] = a[i++];
    }
    if (i < na)
        memcpy(out + k, a + i, (na - i) * sizeof(T));
    if (j < nb)
        memcpy(out + k, b + j, (nb - j) * sizeof(T));
}

/* How many of the first d outputs come from a. */
static size_t MG(mg_path_)(const T *a, size_t na, const T *b, size_t nb, size_t d)
{
    size_t lo = d > nb ? d - nb : 0, hi = d < na ? d : na;
    while (lo < hi) {
        size_t i = lo + (hi - lo) / 2, j = d - i;
        if (j > 0 && !LESS(b[j - 1], a[i]))
            lo = i + 1;
        else
            hi = i;
    }
    return lo;
}

static void MG(mg_par_)(const T *a, size_t na, const T *b, size_t nb, T *out)
{
    size_t n = na + nb;
    if (n < (1u << 15)) {
        MG(mg_seq_)(a, na, b, nb, out);
        return;
    }
#pragma omp parallel
    {
        int nt = SORT_NTH(), t = SORT_TID();
        pas_range_t r = pas_decomp_block_range(n, nt, t);
        size_t i0 = MG(mg_path_)(a, na, b, nb, r.lo), i1 = MG(mg_path_)(a, na, b, nb, r.hi);
        MG(mg_seq_)(a + i0, i1 - i0, b + (r.lo - i0), (r.hi - i1) - (r.lo - i0), out + r.lo);
    }
}

/* Sequential bottom-up merge sort of a[0..n) with scratch tmp; result in a. */
static void MG(mg_sort_seq_)(T *a, T *tmp, size_t n)
{
    const size_t run = 24;
    for (size_t i = 0; i < n; i += run)
        SORT_T(sort_insertion_)(a + i, n - i < run ? n - i : run);
    T *src = a, *dst = tmp;
    for (size_t w = run; w < n; w *= 2) {
        for (size_t i = 0; i < n; i += 2 * w) {
            size_t m = i + w < n ? i + w : n, e = i + 2 * w < n ? i + 2 * w : n;
            MG(mg_seq_)(src + i, m - i, src + m, e - m, dst + i);
        }
        T *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(T));
}

/* Parallel merge sort: each thread sorts a block, then merges up a tree. */
static void MG(mg_sort_par_)(T *a, T *tmp, size_t n)
{
    int nt = SORT_THREADS();
    if (nt < 2 || n < (1u << 16)) {
        MG(mg_sort_seq_)(a, tmp, n);
        return;
    }
#pragma omp parallel for schedule(static, 1)
    for (int t = 0; t < nt; t++) {
        pas_range_t r = pas_decomp_block_range(n, nt, t);
        MG(mg_sort_seq_)(a + r.lo, tmp + r.lo, (size_t)pas_range_len(r));
    }
    T *src = a, *dst = tmp;
    for (int w = 1; w < nt; w *= 2) {
        for (int t = 0; t < nt; t += 2 * w) {
            uint64_t lo = pas_decomp_block_range(n, nt, t).lo;
            uint64_t mid = t + w < nt ? pas_decomp_block_range(n, nt, t + w).lo : n;
            uint64_t hi = t + 2 * w < nt ? pas_decomp_block_range(n, nt, t + 2 * w).lo : n;
            MG(mg_par_)(src + lo, mid - lo, src + mid, hi - mid, dst + lo);
        }
        T *x = src;
        src = dst;
        dst = x;
    }
    if (src != a)
        pas_sort_copy(a, src, n * sizeof(T));
}

void MG(pas_sort_merge2_)(const T *a, size_t na, const T *b, size_t nb, T *out)
{
    MG(mg_par_)(a, na, b, nb, out);
}

size_t MG(pas_sort_merge_path_)(const T *a, size_t na, const T *b, size_t nb, size_t d)
{
    return MG(mg_path_)(a, na, b, nb, d);
}

void MG(pas_sort_mergesort_)(T *a, T *tmp, size_t n)
{
    MG(mg_sort_par_)(a, tmp, n);
}

#undef MG
