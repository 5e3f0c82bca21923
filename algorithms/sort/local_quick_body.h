/* local_quick_body.h - quicksort with a three-way partition (so runs of equal
 * keys cost nothing), median-of-three pivots at scattered positions, insertion sort for small
 * ranges, and OpenMP tasks for large halves.  Instantiated per kind by
 * local_quick.c through sort_kinds.h (T, LESS, SORT_T). */

#define QK(name) SORT_T(name)

static void QK(qk_rec_)(T *a, size_t n, int depth)
{
    while (n > 32) {
        /* the median of three scattered positions (a hash of n): the ends and
         * the middle made sorted and reversed inputs quadratic, as the
         * three-way partition leaves the upper part reversed */
        uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 32;
        T x = a[h % n], y = a[(h >> 21) % n], z = a[(h >> 42) % n], p;
        if (LESS(x, y))
            p = LESS(y, z) ? y : (LESS(x, z) ? z : x);
        else
            p = LESS(x, z) ? x : (LESS(y, z) ? z : y);
        /* Dijkstra: [0, lt) < p, [lt, i) == p, (gt, n) > p */
        size_t lt = 0, i = 0, gt = n;
        while (i < gt) {
            if (LESS(a[i], p)) {
                T t = a[lt];
                a[lt++] = a[i];
                a[i++] = t;
            } else if (LESS(p, a[i])) {
                T t = a[--gt];
                a[gt] = a[i];
                a[i] = t;
            } else {
                i++;
            }
        }
        size_t nl = lt, nr = n - gt;
        T *r = a + gt;
        if (depth > 0 && nl > (1u << 14) && nr > (1u << 14)) {
#pragma omp task firstprivate(a, nl, depth)
            QK(qk_rec_)(a, nl, depth - 1);
            a = r;
            n = nr;
            depth--;
            continue;
        }
        if (nl < nr) {
            QK(qk_rec_)(a, nl, depth);
            a = r;
            n = nr;
        } else {
            QK(qk_rec_)(r, nr, depth);
            n = nl;
        }
    }
    SORT_T(sort_insertion_)(a, n);
}

void QK(pas_sort_quicksort_)(T *a, size_t n)
{
    if (SORT_THREADS() < 2 || n < (1u << 16)) {
        QK(qk_rec_)(a, n, 0);
        return;
    }
#pragma omp parallel
#pragma omp single
    QK(qk_rec_)(a, n, 12);
}

#undef QK
