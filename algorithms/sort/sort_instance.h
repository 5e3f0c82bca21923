/* sort_instance.h - one instance of the template PAS_SORT_BODY for the kind
 * SORT_KIND selects (0: uint64 keys, 1: (k, v) pairs, 2: uint32 keys (the
 * typed local sort of u32 and f32 only), as PAS_SORT_KINDS in
 * sort_kinds.h lists them); sort_kinds.h includes it once per kind.
 * Radix digits: KEYBITS bits in all, TOPBIT(acc) the highest set bit of an
 * OR of differences (-1: none), RDIGIT(x, s) the key shifted right by s (the
 * caller masks it), WBASE(t) the lowest shift a digit whose top bit is t may
 * take (a digit lies inside one 64-bit word). */

#if SORT_KIND == 0
#define T uint64_t
#define SFX u64
#define LESS(a, b) pas_sort_less_u64(a, b)
#define KEYBITS 64
#define TOPBIT(acc) ((acc) ? 63 - __builtin_clzll(acc) : -1)
#define WBASE(t) 0
#define RDIGIT(x, s) ((x) >> (s))
#define VARY_ACC(acc, x, x0) ((acc) |= (x) ^ (x0))
#define VARY_OR(acc, y) ((acc) |= (y))
#elif SORT_KIND == 1
#define T pas_sort_pair_t
#define SFX pair
#define LESS(a, b) pas_sort_less_pair(a, b)
#define KEYBITS 128 /* bits 64..127 are k, 0..63 are v */
#define TOPBIT(acc)                                                                                \
    ((acc).k ? 127 - __builtin_clzll((acc).k) : (acc).v ? 63 - __builtin_clzll((acc).v) : -1)
#define WBASE(t) ((t) >= 64 ? 64 : 0) /* a digit never straddles k and v */
#define RDIGIT(x, s) ((s) >= 64 ? (x).k >> ((s)-64) : (x).v >> (s))
#define VARY_ACC(acc, x, x0) ((acc).k |= (x).k ^ (x0).k, (acc).v |= (x).v ^ (x0).v)
#define VARY_OR(acc, y) ((acc).k |= (y).k, (acc).v |= (y).v)
#elif SORT_KIND == 2
#define T uint32_t
#define SFX u32
#define LESS(a, b) pas_sort_less_u32(a, b)
#define KEYBITS 32
#define TOPBIT(acc) ((acc) ? 31 - __builtin_clz(acc) : -1)
#define WBASE(t) 0
#define RDIGIT(x, s) ((x) >> (s))
#define VARY_ACC(acc, x, x0) ((acc) |= (x) ^ (x0))
#define VARY_OR(acc, y) ((acc) |= (y))
#else
#error "sort_instance.h: SORT_KIND must be 0, 1 or 2"
#endif

#include "sort_insertion_body.h"
#include PAS_SORT_BODY

#undef T
#undef SFX
#undef LESS
#undef KEYBITS
#undef TOPBIT
#undef WBASE
#undef RDIGIT
#undef VARY_ACC
#undef VARY_OR
