/* local_quick.c - OpenMP quicksort (tasks) of keys and pairs. */
#include "sort_internal.h"

#define T uint64_t
#define SFX _u64
#define LESS(a, b) ((a) < (b))
#include "local_quick_body.h"
#undef T
#undef SFX
#undef LESS

#define T pas_sort_pair_t
#define SFX _pair
#define LESS(a, b) ((a).k < (b).k || ((a).k == (b).k && (a).v < (b).v))
#include "local_quick_body.h"
#undef T
#undef SFX
#undef LESS

void pas_sort_quicksort_u64(uint64_t *a, size_t n) { qk_sort__u64(a, n); }
void pas_sort_quicksort_pair(pas_sort_pair_t *a, size_t n) { qk_sort__pair(a, n); }
