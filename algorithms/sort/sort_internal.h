/* sort_internal.h - what the pieces of the sort module share: the table of
 * per-kind operations (one instance per element kind, generated from the
 * *_body.h templates), MPI tags, and small helpers. */
#ifndef PAS_SORT_INTERNAL_H
#define PAS_SORT_INTERNAL_H

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pas_decomp.h"
#include "pas_sort.h"
#include "pas_watch.h"

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

/* Per-kind operations: the distributed algorithms are written once over
 * these; the loops inside are specialised per kind. */
typedef struct {
    size_t size;
    int (*less)(const void *a, const void *b);
    void (*radix)(void *a, void *tmp, size_t n);
    void (*mergesort)(void *a, void *tmp, size_t n);
    void (*quicksort)(void *a, size_t n);
    void (*merge2)(const void *a, size_t na, const void *b, size_t nb, void *out);
    size_t (*lower_bound)(const void *a, size_t n, const void *key);
    size_t (*upper_bound)(const void *a, size_t n, const void *key);
    int (*classify)(const void *a, size_t n, const void *spl, int s, void *out, uint64_t *counts);
    uint64_t (*hash)(const void *a, size_t n);
    size_t (*unsorted_at)(const void *a, size_t n); /* first i with a[i] < a[i-1], or n */
    /* floor((lo + hi) / 2) in the key space; lo <= hi */
    void (*midpoint)(const void *lo, const void *hi, void *mid);
    /* the successor of x in the key space (x not the maximum) */
    void (*next)(const void *x, void *out);
} sort_ops_t;

extern const sort_ops_t sort_ops_u64, sort_ops_pair;

static inline const sort_ops_t *sort_ops(pas_sort_kind_t kind)
{
    return kind == PAS_SORT_KIND_PAIR ? &sort_ops_pair : &sort_ops_u64;
}

static inline void *elem_at(const void *base, size_t i, size_t size)
{
    return (char *)base + i * size;
}

/* local: sort with the configured local sort, with scratch tmp of n
 * elements (NULL: allocate it). */
int sort_local_run_with(const sort_ops_t *ops, pas_sort_local_t how, void *a, size_t n, void *tmp);
static inline int sort_local_run(const sort_ops_t *ops, pas_sort_local_t how, void *a, size_t n)
{
    return sort_local_run_with(ops, how, a, n, NULL);
}

/* collective: the "local-sort" phase every distributed sort starts with,
 * agreed across ranks so that no rank goes on alone after a failure. */
static inline int sort_local_phase(MPI_Comm comm, const sort_ops_t *ops, pas_sort_local_t how,
                                   void *a, size_t n)
{
    int rc = pas_watch_phase("local-sort");
    return pas_agree(comm, rc ? rc : sort_local_run(ops, how, a, n));
}

/* collective: place s boundaries.  Boundary j lies in the run of keys equal
 * to splitter j: lt_local[j] of my keys are below that run and eq_local[j]
 * are in it.  With the global sums lt and eq, boundary[j] = clamp(target[j],
 * lt, lt + eq) (a global position), and take[j] of my equal keys go below it,
 * equal keys split by exact counts in rank order. */
int sort_boundaries(MPI_Comm comm, int s, const uint64_t *lt_local, const uint64_t *eq_local,
                    const uint64_t *target, uint64_t *boundary, uint64_t *take);

/* collective: point-to-point of count elements in pieces of at most limit. */
int sort_send_chunked(MPI_Comm comm, const void *buf, size_t count, size_t es, int dest, int tag,
                      size_t limit);
int sort_recv_chunked(MPI_Comm comm, void *buf, size_t count, size_t es, int src, int tag,
                      size_t limit);

/* collective: the global number of elements. */
static inline int sort_total(MPI_Comm comm, size_t n, uint64_t *total)
{
    uint64_t nl = n;
    *total = 0;
    return PAS_WATCHED("MPI_Allreduce", -1, 0, MPI_Allreduce(&nl, total, 1, MPI_UINT64_T, MPI_SUM, comm)) ==
                   MPI_SUCCESS
               ? PAS_OK
               : PAS_ERR_MPI;
}

/* local: the effective chunk limit (0 -> INT_MAX). */
static inline size_t sort_limit(size_t chunk_limit)
{
    return chunk_limit == 0 || chunk_limit > INT_MAX ? (size_t)INT_MAX : chunk_limit;
}

/* collective: draw a sample of about `per_rank_avg` * p keys over the ranks
 * (each rank in proportion to its share), gather and sort it on every rank.
 * Returns a malloc'd *sample of *m keys (the same on every rank). */
int sort_sample_gather(MPI_Comm comm, const sort_ops_t *ops, const void *a, size_t n,
                       size_t per_rank_avg, uint64_t seed, void **sample, size_t *m);
/* the same for a sample of about `want` keys in all (ranks draw in
 * proportion to their shares, so most draw none when want < p). */
int sort_sample_gather_total(MPI_Comm comm, const sort_ops_t *ops, const void *a, size_t n, uint64_t want,
                             uint64_t seed, void **sample, size_t *m);

/* local, pure: the block-distribution counts of the global positions
 * [lo, lo + len) over parts [first, first + parts) of a block distribution of
 * total items, added into counts[first ..]. */
void sort_block_counts(uint64_t total, int parts, int first, uint64_t lo, uint64_t len, uint64_t *counts);

/* collective: sorted pieces -> exact block distribution (rebalance):
 * a is sorted locally and globally ordered across ranks. */
int sort_rebalance(MPI_Comm comm, const sort_ops_t *ops, const pas_sort_config_t *cfg, void **data,
                   size_t *n, uint64_t *bytes_sent);

/* local: malloc of n elements (never NULL for n = 0), large ones on huge
 * pages (see pas_sort_malloc). */
static inline void *sort_alloc(size_t n, size_t size)
{
    if (size && n > (SIZE_MAX - 64) / size)
        return NULL;
    return pas_sort_malloc(n * size + 16);
}

/* local: parallel memcpy. */
void sort_copy(void *dst, const void *src, size_t bytes);

#endif
