/* sort_insertion_body.h - the insertion sort every local sort ends small
 * ranges with; instantiated per kind by sort_kinds.h (T, LESS, SORT_T). */

static inline void SORT_T(sort_insertion_)(T *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        T x = a[i];
        size_t j = i;
        while (j > 0 && LESS(x, a[j - 1])) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}
