/* sort_internal.h - what the files of the sort module (and its tests) share,
 * below the public pas_sort.h.  The module is a one-way stack; a file calls
 * only into the layers below it:
 *
 *   entry.c                       entry, dispatch, settings, memory model
 *   sample merge quick mway ams   the distributed algorithms (ams -> sample)
 *   multiway_select splitters     phases: exact splitting, samples and splitters,
 *   rebalance exchange partition  block shares, the all-to-all, boundaries
 *   verify records generate file_io   checks, record fetch, inputs, files
 *   keys.c                        element tables (sort_ops_t), typed keys, local sort run
 *   local_radix local_merge local_quick partition   typed kernels (sort_kinds.h)
 *   buffers.c                     large allocations, parallel copy
 *
 * Statuses: every function returning pas_status says "local" (this rank's
 * verdict) or "agreed" (the same on every rank, no further pas_agree). */
#ifndef PAS_SORT_INTERNAL_H
#define PAS_SORT_INTERNAL_H

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pas_decomp.h"
#include "pas_sort.h"
#include "pas_watch.h"
#include "sort_kinds.h"

#ifdef _OPENMP
#include <omp.h>
#define SORT_THREADS() omp_get_max_threads()
#define SORT_TID() omp_get_thread_num()
#define SORT_NTH() omp_get_num_threads()
#else
#define SORT_THREADS() 1
#define SORT_TID() 0
#define SORT_NTH() 1
#endif

#ifdef PAS_SMPI_COMPAT_H
/* Simulated (make smpi) only: the rate in million keys per second that the
 * environment variable `var` gives (PAS_SMPI_KEYRATE, PAS_SMPI_MERGERATE), or
 * 0 when unset (then the work is charged the time it took here). */
static inline double sort_smpi_rate(const char *var)
{
    const char *e = getenv(var);
    double r = e ? strtod(e, NULL) : 0;
    return r > 0 ? r * 1e6 : 0;
}
#endif

/* ams: the gather path for tiny inputs holds at most this many keys. */
#define SORT_AMS_GATHER_MAX (1u << 18)

/* MPI tags of the sort module. */
enum {
    SORT_TAG_EXCHANGE = 3100,
    SORT_TAG_MERGE = 3200,
    SORT_TAG_REBALANCE = 3300,
    SORT_TAG_FETCH = 3400,
    SORT_TAG_AMS = 3500
};

/* ---- buffers.c ----------------------------------------------------------- */

/* pas_sort_malloc (huge-page buffers) is declared in pas_sort.h. */

/* local: parallel memcpy. */
void pas_sort_copy(void *dst, const void *src, size_t bytes);

/* local: malloc of n elements (never NULL for n = 0), large ones on huge
 * pages (see pas_sort_malloc); NULL when n * size overflows. */
void *pas_sort_alloc(size_t n, size_t size);

/* ---- typed kernels (local_radix.c, local_merge.c, local_quick.c, partition.c),
 * one instance per kind of sort_kinds.h; scratch tmp holds n elements ---------- */

/* 1 (the default): the radix sorts take their AVX-512 paths where the CPU
 * has it, else their AVX2 ones; tests set 0 to cover the paths of CPUs
 * without either, PAS_SORT_SIMD_AVX2 those of CPUs with AVX2 alone. */
extern int pas_sort_radix_simd;
#define PAS_SORT_SIMD_AVX2 2
/* 8 MiB (the default): a range of at least this many bytes takes the
 * in-place level (local_radix_body.h); tests lower it to cover that level
 * on small inputs, and read how many in-place levels have run, and how
 * many of them took the digit of a prefix map (skewed keys).  The level's
 * digit takes 10 to 12 bits, the fewest that leave buckets of at most
 * pas_sort_radix_inplace_bucket keys (32K: half the hot level; tests lower
 * it to reach 11 and 12 bits on inputs of a few million keys, and read
 * the bits of the last level run).  The level takes its top varying bit
 * from a sample and runs again when its classification finds a higher one
 * (counted in pas_sort_radix_inplace_retries). */
extern size_t pas_sort_radix_inplace_bytes;
extern size_t pas_sort_radix_inplace_bucket;
extern int pas_sort_radix_inplace_last_bits;
extern size_t pas_sort_radix_inplace_levels;
extern size_t pas_sort_radix_inplace_maps;
extern size_t pas_sort_radix_inplace_retries;

#define SORT_DECLARE_KERNELS(T, S)                                                                 \
    void pas_sort_radix_##S(T *a, T *tmp, size_t n);                                               \
    /* sorted: 1; non-increasing: reversed in place, 1; else 0 (stops early) */                    \
    int pas_sort_presorted_##S(T *a, size_t n);                                                    \
    void pas_sort_mergesort_##S(T *a, T *tmp, size_t n);                                           \
    void pas_sort_quicksort_##S(T *a, size_t n);                                                   \
    /* merge sorted a and b into out (parallel, stable: a first) */                                \
    void pas_sort_merge2_##S(const T *a, size_t na, const T *b, size_t nb, T *out);                \
    /* merge path: i such that a[0..i) and b[0..d-i) are the first d outputs */                    \
    size_t pas_sort_merge_path_##S(const T *a, size_t na, const T *b, size_t nb, size_t d);        \
    size_t pas_sort_lower_##S(const void *a, size_t n, const void *key);                           \
    size_t pas_sort_upper_##S(const void *a, size_t n, const void *key);                           \
    pas_status pas_sort_classify_##S(const void *a, size_t n, const void *spl, int s, void *out,   \
                                     uint64_t *counts);
PAS_SORT_KINDS(SORT_DECLARE_KERNELS)
#undef SORT_DECLARE_KERNELS
/* Inputs of at most 8 distinct keys (AVX-512 or AVX2, n >= 1024): sorted in place
 * by key(x) (NULL: the identity), 1; else 0, stopped at the first block
 * bringing a ninth (at once on random-like inputs), a unchanged. */
int pas_sort_few8_u64(uint64_t *a, size_t n, uint64_t (*key)(uint64_t));
int pas_sort_few8_u32(uint32_t *a, size_t n, uint32_t (*key)(uint32_t));
/* The leaf of CPUs with AVX2 and not AVX-512, for the tests: a[0..n), n <=
 * 16, sorted into d (d may be a) by rank, 1; 0 (nothing done) where the CPU
 * lacks AVX2 or n > 16. */
int pas_sort_leaf16_avx2_u64(const uint64_t *a, size_t n, uint64_t *d);
int pas_sort_leaf16_avx2_u32(const uint32_t *a, size_t n, uint32_t *d);

/* local, pure: bytes of one element of a kind. */
static inline size_t sort_kind_bytes(pas_sort_kind_t kind)
{
    return kind == PAS_SORT_KIND_PAIR ? sizeof(pas_sort_pair_t) : sizeof(uint64_t);
}

/* local: merge k sorted runs run i = base[off[i] .. off[i+1]) into out,
 * with scratch tmp of off[k] elements, or tmp = NULL to use base itself as
 * the scratch (base is overwritten then). */
pas_status pas_sort_merge_runs(pas_sort_kind_t kind, const void *base, const size_t *off, int k,
                               void *out, void *tmp);

/* local, pure: positions in a sorted array. */
size_t pas_sort_lower_bound(pas_sort_kind_t kind, const void *a, size_t n, const void *key);
size_t pas_sort_upper_bound(pas_sort_kind_t kind, const void *a, size_t n, const void *key);

/* local: partition of unsorted a[0..n) by s sorted splitters into 2s+1
 * buckets: bucket 2j holds keys strictly between splitter j-1 and j, bucket
 * 2j+1 keys equal to splitter j.  Writes the elements to out in bucket order
 * and the counts to counts[0..2s]; the order inside a bucket is not kept.
 * OpenMP-parallel. */
pas_status pas_sort_classify(pas_sort_kind_t kind, const void *a, size_t n, const void *splitters,
                             int s, void *out, uint64_t *counts);

/* ---- keys.c: per-kind operations ----------------------------------------- */

/* The distributed algorithms are written once over these; the loops inside
 * are specialised per kind. */
typedef struct {
    size_t size;
    int (*less)(const void *a, const void *b);
    void (*radix)(void *a, void *tmp, size_t n);
    int (*presorted)(void *a, size_t n); /* sorted (or reversed to sorted): 1, else 0 */
    void (*mergesort)(void *a, void *tmp, size_t n);
    void (*quicksort)(void *a, size_t n);
    void (*merge2)(const void *a, size_t na, const void *b, size_t nb, void *out);
    size_t (*lower_bound)(const void *a, size_t n, const void *key);
    size_t (*upper_bound)(const void *a, size_t n, const void *key);
    pas_status (*classify)(const void *a, size_t n, const void *spl, int s, void *out,
                           uint64_t *counts);
    uint64_t (*hash)(const void *a, size_t n);
    size_t (*unsorted_at)(const void *a, size_t n); /* first i with a[i] < a[i-1], or n */
    /* floor((lo + hi) / 2) in the key space; lo <= hi */
    void (*midpoint)(const void *lo, const void *hi, void *mid);
    /* the successor of x in the key space (x not the maximum) */
    void (*next)(const void *x, void *out);
} sort_ops_t;

extern const sort_ops_t pas_sort_ops_u64, pas_sort_ops_pair, pas_sort_ops_u32;

static inline const sort_ops_t *sort_ops(pas_sort_kind_t kind)
{
    return kind == PAS_SORT_KIND_PAIR ? &pas_sort_ops_pair : &pas_sort_ops_u64;
}

static inline void *elem_at(const void *base, size_t i, size_t size)
{
    return (char *)base + i * size;
}

/* local: sort with the configured local sort, with scratch tmp of n
 * elements (NULL: allocate it); PAS_OK or PAS_ERR_NOMEM. */
pas_status pas_sort_local_run_with(const sort_ops_t *ops, pas_sort_local_t how, void *a, size_t n,
                                   void *tmp);
/* the same, allocating the scratch */
pas_status pas_sort_local_run(const sort_ops_t *ops, pas_sort_local_t how, void *a, size_t n);

/* collective, agreed: the "local-sort" phase every distributed sort starts
 * with, agreed across ranks so that no rank goes on alone after a failure. */
pas_status pas_sort_local_phase(MPI_Comm comm, const sort_ops_t *ops, pas_sort_local_t how, void *a,
                                size_t n);

/* ---- exchange.c ------------------------------------------------------------ */

/* collective, agreed: all-to-all of elements of elem_size bytes:
 * send[scounts prefix] to each rank; receives into a malloc'd *recv (counts
 * in rcounts, p entries, may be NULL).  Counts are 64-bit: messages are
 * split into pieces of at most chunk_limit elements (0 = INT_MAX), so more
 * than 2^31 elements work.  *bytes_sent (may be NULL) adds the bytes sent to
 * other ranks.  One rank copies, without a message. */
pas_status pas_sort_exchange(MPI_Comm comm, size_t elem_size, const void *send,
                             const uint64_t *scounts, size_t chunk_limit, void **recv,
                             size_t *nrecv, uint64_t *rcounts, uint64_t *bytes_sent);

/* point-to-point, local: count elements in pieces of at most limit. */
pas_status pas_sort_send_chunked(MPI_Comm comm, const void *buf, size_t count, size_t es, int dest,
                                 int tag, size_t limit);
pas_status pas_sort_recv_chunked(MPI_Comm comm, void *buf, size_t count, size_t es, int src,
                                 int tag, size_t limit);

/* collective, agreed: the global number of elements (a local MPI error is
 * agreed too, so that no caller returns alone before a collective). */
static inline pas_status sort_total(MPI_Comm comm, size_t n, uint64_t *total)
{
    uint64_t nl = n;
    *total = 0;
    return pas_agree(comm, PAS_WATCHED("MPI_Allreduce", -1, 0,
                                       MPI_Allreduce(&nl, total, 1, MPI_UINT64_T, MPI_SUM, comm)) ==
                                   MPI_SUCCESS
                               ? PAS_OK
                               : PAS_ERR_MPI);
}

/* local: the effective chunk limit (0 -> INT_MAX). */
static inline size_t sort_limit(size_t chunk_limit)
{
    return chunk_limit == 0 || chunk_limit > INT_MAX ? (size_t)INT_MAX : chunk_limit;
}

/* ---- partition.c: boundaries inside runs of equal keys -------------------- */

/* local, pure: given boundary j at global position B[j] inside the run of
 * keys equal to splitter j (lt[j] = global count below it, eq_before[j] =
 * keys equal to it on lower ranks, eq_mine[j] on this rank), how many of my
 * equal keys go below the boundary. */
uint64_t pas_sort_equal_take(uint64_t boundary, uint64_t lt, uint64_t eq_before, uint64_t eq_mine);

/* collective, agreed: place s boundaries.  Boundary j lies in the run of
 * keys equal to splitter j: lt_local[j] of my keys are below that run and
 * eq_local[j] are in it.  With the global sums lt and eq, boundary[j] =
 * clamp(target[j], lt, lt + eq) (a global position), and take[j] of my equal
 * keys go below it, equal keys split by exact counts in rank order. */
pas_status pas_sort_boundaries(MPI_Comm comm, int s, const uint64_t *lt_local,
                               const uint64_t *eq_local, const uint64_t *target, uint64_t *boundary,
                               uint64_t *take);

/* ---- rebalance.c: block shares ---------------------------------------------- */

/* local, pure: the block-distribution counts of the global positions
 * [lo, lo + len) over parts [first, first + parts) of a block distribution of
 * total items, added into counts[first ..]. */
void pas_sort_block_counts(uint64_t total, int parts, int first, uint64_t lo, uint64_t len,
                           uint64_t *counts);

/* collective, agreed: sorted pieces -> exact block distribution (rebalance):
 * a is sorted locally and globally ordered across ranks. */
pas_status pas_sort_rebalance(MPI_Comm comm, const sort_ops_t *ops, const pas_sort_config_t *cfg,
                              void **data, size_t *n, uint64_t *bytes_sent);

/* ---- splitters.c ------------------------------------------------------------ */

/* collective, agreed: draw a sample of about `per_rank_avg` * p keys over the
 * ranks (each rank in proportion to its share), gather and sort it on every
 * rank.  Returns a malloc'd *sample of *m keys (the same on every rank). */
pas_status pas_sort_sample_gather(MPI_Comm comm, const sort_ops_t *ops, const void *a, size_t n,
                                  size_t per_rank_avg, uint64_t seed, void **sample, size_t *m);
/* the same for a sample of about `want` keys in all (ranks draw in
 * proportion to their shares, so most draw none when want < p), given the
 * keys of all ranks, total: one MPI_Allgather of counts, one
 * MPI_Allgatherv of keys and two agreements; the first also agrees the
 * caller's status so far (it fails with the worst of them).  nall: NULL, or
 * every rank's key count, the same on every rank (then no count moves:
 * each rank's share of the sample follows from it). */
pas_status pas_sort_sample_gather_total(MPI_Comm comm, const sort_ops_t *ops, const void *a,
                                        size_t n, uint64_t total, uint64_t want, uint64_t seed,
                                        pas_status status, const uint64_t *nall, void **sample,
                                        size_t *m);

/* local, pure: choose s = p-1 splitters from a sorted sample of m keys,
 * evenly spaced (sample[(j+1)*m/p]). */
void pas_sort_splitters_pick(pas_sort_kind_t kind, const void *sample, size_t m, int p,
                             void *splitters);

/* ---- multiway_select.c ------------------------------------------------------ */

/* collective, agreed: exact splitting of locally sorted arrays (multiway
 * selection by bisection of the key space): for each of the nt global target
 * ranks targets[i] (ascending, 0..n), the local position cut[i] such that the
 * elements before the cuts on all ranks are the targets[i] smallest, ties in
 * rank order.  a is sorted locally. */
pas_status pas_sort_select(MPI_Comm comm, pas_sort_kind_t kind, const void *a, size_t n,
                           const uint64_t *targets, int nt, uint64_t *cut);

/* collective, agreed: locally sorted data, in any global order -> exact block
 * shares, sorted: selection, one exchange, a p-way merge (the body of mway
 * and the exact fallback of sample sort).  *bytes adds the bytes sent. */
pas_status pas_sort_split_exact(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                                void **data, size_t *n, uint64_t *bytes);

/* ---- ams_split.c ------------------------------------------------------------ */

/* local, pure: the levels ams picks for n keys (global) on p ranks: 0 (the
 * gather path) for tiny inputs, 1 up to 32 ranks, then 2, and 3 above 4096. */
int pas_sort_ams_levels(uint64_t n, int p);

/* local, pure: the groups ams splits p ranks into with `levels` levels left
 * (round(p^(1/levels)), at least 2, at most p).  Group j holds the ranks
 * pas_decomp_block_range(p, k, j): sizes floor(p/k) or ceil(p/k). */
int pas_sort_ams_groups(int p, int levels);

/* local, pure: where a rank's piece [off, off + len) of group data of total
 * elements goes when the group's g ranks (first, first + 1, ...) receive
 * block shares of it: up to g (dest, count) pairs; returns how many. */
int pas_sort_ams_route(uint64_t total, int g, int first, uint64_t off, uint64_t len, int *dest,
                       uint64_t *count);

/* local, pure: splitter refinement.  nc candidate keys in ascending order,
 * candidate i with lt[i] keys (globally) below it and eq[i] equal to it, so a
 * boundary can sit at any global position in [lt[i], lt[i] + eq[i]], or at 0
 * or total.  For each of nt ascending targets, the achievable position
 * nearest to it (lower on ties): boundary[t], and the candidate it belongs
 * to in cand[t] (-1 for position 0 or total with no candidate there). */
void pas_sort_ams_place(int nc, const uint64_t *lt, const uint64_t *eq, uint64_t total, int nt,
                        const uint64_t *targets, uint64_t *boundary, int *cand);

#endif
