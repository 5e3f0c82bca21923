/* sort_instance.h - one instance of the template PAS_SORT_BODY for the kind
 * SORT_KIND selects (0: uint64 keys, 1: (k, v) pairs, as PAS_SORT_KINDS in
 * sort_kinds.h lists them); sort_kinds.h includes it once per kind. */

#if SORT_KIND == 0
#define T uint64_t
#define SFX u64
#define LESS(a, b) pas_sort_less_u64(a, b)
#define ND 8
#define DIGIT(x, d) ((unsigned)((x) >> (8 * (d))) & 0xffu)
#define VARY_ACC(acc, x, x0) ((acc) |= (x) ^ (x0))
#define VARY_OR(acc, y) ((acc) |= (y))
#elif SORT_KIND == 1
#define T pas_sort_pair_t
#define SFX pair
#define LESS(a, b) pas_sort_less_pair(a, b)
#define ND 16 /* the v digits first: least significant first */
#define DIGIT(x, d)                                                                                \
    ((d) < 8 ? (unsigned)((x).v >> (8 * (d))) & 0xffu : (unsigned)((x).k >> (8 * ((d)-8))) & 0xffu)
#define VARY_ACC(acc, x, x0) ((acc).k |= (x).k ^ (x0).k, (acc).v |= (x).v ^ (x0).v)
#define VARY_OR(acc, y) ((acc).k |= (y).k, (acc).v |= (y).v)
#else
#error "sort_instance.h: SORT_KIND must be 0 or 1"
#endif

#include "sort_insertion_body.h"
#include PAS_SORT_BODY

#undef T
#undef SFX
#undef LESS
#undef ND
#undef DIGIT
#undef VARY_ACC
#undef VARY_OR
