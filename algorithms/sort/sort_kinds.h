/* sort_kinds.h - the element kinds the typed kernels exist for, written once
 * (BLIS's INSERT_GENTFUNC idea).
 *
 * PAS_SORT_KINDS(X) expands X(T, S) once per kind: T the element type, S the
 * name suffix (pas_sort_radix_u64, pas_sort_radix_pair).  It serves the
 * declarations (sort_internal.h) and the operation tables (keys.c).
 *
 * A kernel written once as a template body over T, SFX, LESS(a, b) and the
 * radix digits (KEYBITS, TOPBIT, WBASE, RDIGIT, VARY_ACC, VARY_OR) is instantiated for every kind
 * by one line in its file:
 *     #define PAS_SORT_BODY "local_radix_body.h"
 *     #include "sort_kinds.h"
 * Each instance also gets the one insertion sort (sort_insertion_body.h).
 * A macro cannot #include, so the second spelling of the list is the #if
 * chain of sort_instance.h, included here once per kind; one body per file. */
#ifndef PAS_SORT_KINDS_H
#define PAS_SORT_KINDS_H

#include "pas_sort.h"

#define PAS_SORT_KINDS(X)                                                                          \
    X(uint64_t, u64)                                                                               \
    X(pas_sort_pair_t, pair)                                                                       \
    X(uint32_t, u32)

/* The orders of the kinds (the only place the (k, v) order is written). */
static inline int pas_sort_less_u64(uint64_t a, uint64_t b)
{
    return a < b;
}
static inline int pas_sort_less_pair(pas_sort_pair_t a, pas_sort_pair_t b)
{
    return a.k < b.k || (a.k == b.k && a.v < b.v);
}
static inline int pas_sort_less_u32(uint32_t a, uint32_t b)
{
    return a < b;
}

#define PAS_SORT_CAT_(a, b) a##b
#define PAS_SORT_CAT(a, b) PAS_SORT_CAT_(a, b)
/* name##SFX inside a template body: SORT_T(pas_sort_radix_) */
#define SORT_T(name) PAS_SORT_CAT(name, SFX)

#endif

#ifdef PAS_SORT_BODY
#define SORT_KIND 0
#include "sort_instance.h"
#undef SORT_KIND
#define SORT_KIND 1
#include "sort_instance.h"
#undef SORT_KIND
#define SORT_KIND 2
#include "sort_instance.h"
#undef SORT_KIND
#undef PAS_SORT_BODY
#endif
