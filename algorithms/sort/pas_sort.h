/* pas_sort.h - distributed sorting across ranks (MPI) and inside a rank
 * (OpenMP): sample sort, merge sort, quicksort and exact multiway-merge sort,
 * the local sorts they use, typed keys, input generators, MPI-IO files and a
 * verification that never gathers the data to one rank.
 *
 * Data model.  The distributed sorts move one of two element kinds:
 *   PAS_SORT_KIND_U64   uint64_t keys, ordered as unsigned integers;
 *   PAS_SORT_KIND_PAIR  pas_sort_pair_t {k, v}, ordered by (k, v).
 * Every user key type maps onto them: uint32, int64, float and double keys are
 * encoded into order-preserving uint64 keys (pas_sort_encode), 16-byte
 * key-value records are pairs, and records with payloads that must stay
 * stable or are larger than 16 bytes (100-byte Sort Benchmark records) are
 * sorted as (key, global index) pairs and fetched afterwards
 * (pas_sort_fetch_records).
 *
 * Ownership: the distributed sorts take a malloc'd array *data of *n local
 * elements and replace it with a malloc'd array holding this rank's part of
 * the sorted output (the counts change: mway and merge end in exact block
 * shares, sample within (1+eps) n/p).  On failure *data is still a valid
 * malloc'd array of *n elements for the caller to free, in no given order.
 * info, when not NULL, is filled by pas_sort and added to by the others.
 *
 * SPMD: functions taking an MPI_Comm are collective over it; arguments are
 * local unless marked "global" (the same on every rank).
 */
#ifndef PAS_SORT_H
#define PAS_SORT_H

#include <stddef.h>
#include <stdint.h>

#include "pas_core.h"
#include "pas_outfile.h"

/* ---- element kinds ------------------------------------------------------ */

typedef struct {
    uint64_t k, v;
} pas_sort_pair_t;

typedef enum { PAS_SORT_KIND_U64, PAS_SORT_KIND_PAIR } pas_sort_kind_t;

/* local: bytes of one element of a kind. */
size_t pas_sort_kind_size(pas_sort_kind_t kind);

/* ---- algorithms and their settings ------------------------------------- */

typedef enum {
    PAS_SORT_AUTO,
    PAS_SORT_SAMPLE, /* splitters from a sample, one all-to-all, local sort */
    PAS_SORT_MERGE,  /* local sort, pairwise merges up a tree, rebalance */
    PAS_SORT_QUICK,  /* pivot, split the communicator in proportion, recurse */
    PAS_SORT_MWAY,   /* local sort, exact splitting by global rank, p-way merge */
    PAS_SORT_AMS,    /* multi-level sample sort: r levels of k-way splits, k ~ p^(1/r) */
    PAS_SORT_ALGO_COUNT
} pas_sort_algo_t;

typedef enum { PAS_SORT_LOCAL_RADIX, PAS_SORT_LOCAL_MERGE, PAS_SORT_LOCAL_QUICK } pas_sort_local_t;

typedef struct {
    pas_sort_algo_t algo;   /* global */
    pas_sort_local_t local; /* global: the sort used inside each rank */
    double eps;             /* global: sample sort bounds every output by (1+eps) n/p */
    uint64_t seed;          /* global: for sampling */
    size_t chunk_limit;     /* global: most elements in one MPI message; 0 = INT_MAX.
                               Tests set it small to exercise the chunked exchange. */
    size_t samples;         /* global: sample sort's samples per rank (0: 8/eps^2 + 16);
                               too few make it fall back to exact splitting */
    int levels;             /* global: ams levels (0: auto, pas_sort_ams_levels) */
} pas_sort_config_t;

/* What a run did (local unless noted). */
typedef struct {
    pas_sort_algo_t algo;  /* the algorithm that ran (auto resolved), global */
    uint64_t bytes_sent;   /* bytes this rank sent to other ranks */
    int exact_fallback;    /* sample: the sample missed the bound, exact splitting used;
                              ams: how many group splits (over all levels and groups) used
                              exact splitting (global) */
    int levels;            /* ams: levels run, 0 for the gather path of tiny inputs (global) */
} pas_sort_info_t;

/* local: defaults (auto, radix, eps 0.1, seed 1, no chunk limit). */
void pas_sort_config_default(pas_sort_config_t *cfg);

/* local: names ("auto", "sample", "merge", "quick", "mway", "ams"). */
const char *pas_sort_algo_name(pas_sort_algo_t algo);
int pas_sort_algo_parse(const char *name, pas_sort_algo_t *algo);

/* local, pure: the algorithm auto picks for n keys (global) on p ranks. */
pas_sort_algo_t pas_sort_algo_choose(uint64_t n, int p);

/* collective: sort the distributed array with cfg->algo (auto resolved by
 * pas_sort_algo_choose). info may be NULL. */
int pas_sort(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
             size_t *n, pas_sort_info_t *info);

/* collective: the algorithms one by one (same contract as pas_sort). */
int pas_sort_sample(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                    size_t *n, pas_sort_info_t *info);
int pas_sort_merge(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                   size_t *n, pas_sort_info_t *info);
int pas_sort_quick(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                   size_t *n, pas_sort_info_t *info);
int pas_sort_mway(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                  size_t *n, pas_sort_info_t *info);
/* ams: cfg->levels levels (0: pas_sort_ams_levels).  Each level splits the
 * ranks into k ~ p^(1/r) groups of nearly equal size, sends each group its
 * key range (O(k) messages per rank) and recurses inside the groups; the
 * splitters come from a sample of O(k/eps) keys per level refined by global
 * histograms, so no rank's work grows with p.  Output within (1+eps) n/p. */
int pas_sort_ams(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                 size_t *n, pas_sort_info_t *info);

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

/* local, pure: bytes per rank a run is expected to need at its peak, for
 * the pre-flight check: n_global keys over p ranks of elem_size bytes.
 * Saturates: UINT64_MAX when the estimate does not fit 64 bits. */
uint64_t pas_sort_mem_estimate(pas_sort_algo_t algo, uint64_t n_global, int p, size_t elem_size,
                               double eps);

/* local: malloc for large sort buffers: at least 64 MiB are aligned to 2 MiB
 * and advised to use transparent huge pages (far fewer page faults on first
 * touch); free() releases it. */
void *pas_sort_malloc(size_t bytes);

/* ---- local sorts (OpenMP, the calling thread's team size from omp_get_max_threads) */

/* local: sort n elements in place; PAS_OK or PAS_ERR_NOMEM (scratch of n elements). */
int pas_sort_local(pas_sort_kind_t kind, pas_sort_local_t how, void *data, size_t n);

/* local: the pieces, with caller-provided scratch `tmp` of n elements. */
void pas_sort_radix_u64(uint64_t *a, uint64_t *tmp, size_t n);
void pas_sort_radix_pair(pas_sort_pair_t *a, pas_sort_pair_t *tmp, size_t n);
void pas_sort_mergesort_u64(uint64_t *a, uint64_t *tmp, size_t n);
void pas_sort_mergesort_pair(pas_sort_pair_t *a, pas_sort_pair_t *tmp, size_t n);
void pas_sort_quicksort_u64(uint64_t *a, size_t n);
void pas_sort_quicksort_pair(pas_sort_pair_t *a, size_t n);

/* local: merge sorted a[0..na) and b[0..nb) into out (parallel, stable: a first). */
void pas_sort_merge2_u64(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, uint64_t *out);
void pas_sort_merge2_pair(const pas_sort_pair_t *a, size_t na, const pas_sort_pair_t *b, size_t nb,
                          pas_sort_pair_t *out);

/* local: merge k sorted runs run i = base[off[i] .. off[i+1]) into out,
 * with scratch tmp of off[k] elements, or tmp = NULL to use base itself as
 * the scratch (base is overwritten then). */
int pas_sort_merge_runs(pas_sort_kind_t kind, const void *base, const size_t *off, int k, void *out,
                         void *tmp);

/* local, pure: the split of merging a and b at output position d (merge
 * path): returns i such that a[0..i) and b[0..d-i) are the first d outputs. */
size_t pas_sort_merge_path_u64(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, size_t d);

/* ---- partitioning ------------------------------------------------------- */

/* local, pure: positions in a sorted array. */
size_t pas_sort_lower_bound(pas_sort_kind_t kind, const void *a, size_t n, const void *key);
size_t pas_sort_upper_bound(pas_sort_kind_t kind, const void *a, size_t n, const void *key);

/* local: partition of unsorted a[0..n) by s sorted splitters into 2s+1
 * buckets: bucket 2j holds keys strictly between splitter j-1 and j, bucket
 * 2j+1 keys equal to splitter j.  Writes the elements to out in bucket order
 * and the counts to counts[0..2s]; the order inside a bucket is not kept.
 * OpenMP-parallel. */
int pas_sort_classify(pas_sort_kind_t kind, const void *a, size_t n, const void *splitters, int s,
                      void *out, uint64_t *counts);

/* local, pure: given boundary j at global position B[j] inside the run of
 * keys equal to splitter j (lt[j] = global count below it, eq_before[j] =
 * keys equal to it on lower ranks, eq_mine[j] on this rank), how many of my
 * equal keys go below the boundary. */
uint64_t pas_sort_equal_take(uint64_t boundary, uint64_t lt, uint64_t eq_before, uint64_t eq_mine);

/* ---- splitters and multiway selection ----------------------------------- */

/* local, pure: choose s = p-1 splitters from a sorted sample of m keys,
 * evenly spaced (sample[(j+1)*m/p]). */
void pas_sort_splitters_pick(pas_sort_kind_t kind, const void *sample, size_t m, int p, void *splitters);

/* collective: exact splitting of locally sorted arrays (multiway selection by
 * bisection of the key space): for each of the nt global target ranks
 * targets[i] (ascending, 0..n), the local position cut[i] such that the
 * elements before the cuts on all ranks are the targets[i] smallest, ties in
 * rank order.  a is sorted locally. */
int pas_sort_select(MPI_Comm comm, pas_sort_kind_t kind, const void *a, size_t n,
                    const uint64_t *targets, int nt, uint64_t *cut);

/* ---- exchange ----------------------------------------------------------- */

/* collective: all-to-all of elements of elem_size bytes: send[scounts prefix]
 * to each rank; receives into a malloc'd *recv (counts in rcounts, p entries,
 * may be NULL).  Counts are 64-bit: messages are split into pieces of at
 * most chunk_limit elements (0 = INT_MAX), so more than 2^31 elements work.
 * *bytes_sent (may be NULL) adds the bytes sent to other ranks. */
int pas_sort_exchange(MPI_Comm comm, size_t elem_size, const void *send, const uint64_t *scounts,
                      size_t chunk_limit, void **recv, size_t *nrecv, uint64_t *rcounts,
                      uint64_t *bytes_sent);

/* ---- typed keys ---------------------------------------------------------- */

typedef enum {
    PAS_SORT_U64,
    PAS_SORT_U32,
    PAS_SORT_I64,
    PAS_SORT_F32,
    PAS_SORT_F64,
    PAS_SORT_KV16,  /* {uint64 key, uint64 value}, ordered by key */
    PAS_SORT_REC100 /* 100-byte records, 10-byte big-endian key first */
} pas_sort_type_t;

const char *pas_sort_type_name(pas_sort_type_t t);
int pas_sort_type_parse(const char *name, pas_sort_type_t *t);
size_t pas_sort_type_size(pas_sort_type_t t); /* bytes per record in memory and files */

/* local, pure: order-preserving maps to uint64 (and back).  Floats: total
 * order -NaN < -inf < ... < -0.0 < +0.0 < ... < +inf < +NaN. */
static inline uint64_t pas_sort_key_f64(double x)
{
    uint64_t b;
    __builtin_memcpy(&b, &x, 8);
    return (b >> 63) ? ~b : b | (1ULL << 63);
}
static inline double pas_sort_unkey_f64(uint64_t k)
{
    uint64_t b = (k >> 63) ? k & ~(1ULL << 63) : ~k;
    double x;
    __builtin_memcpy(&x, &b, 8);
    return x;
}
static inline uint64_t pas_sort_key_f32(float x)
{
    uint32_t b;
    __builtin_memcpy(&b, &x, 4);
    return (b >> 31) ? (uint32_t)~b : b | (1U << 31);
}
static inline float pas_sort_unkey_f32(uint64_t k)
{
    uint32_t b = (k >> 31) & 1 ? (uint32_t)k & ~(1U << 31) : ~(uint32_t)k;
    float x;
    __builtin_memcpy(&x, &b, 4);
    return x;
}
static inline uint64_t pas_sort_key_i64(int64_t x) { return (uint64_t)x ^ (1ULL << 63); }
static inline int64_t pas_sort_unkey_i64(uint64_t k) { return (int64_t)(k ^ (1ULL << 63)); }

/* local: encode n records of type t (u64, u32, i64, f32, f64) into keys, and
 * back.  OpenMP-parallel. */
void pas_sort_encode(pas_sort_type_t t, const void *in, size_t n, uint64_t *keys);
void pas_sort_decode(pas_sort_type_t t, const uint64_t *keys, size_t n, void *out);

/* local: Sort Benchmark records: the (key, global index) pair of record g
 * (the 10-byte key: first 8 bytes in k, last 2 in v's top 16 bits, g in its
 * low 48). */
pas_sort_pair_t pas_sort_rec100_pair(const unsigned char *rec, uint64_t g);

/* collective: after sorting pairs whose v's low `gbits` bits are global
 * indices into records distributed with first_index[r] (p+1 entries, global)
 * records per rank, fetch the records (rec_size bytes) in sorted order into a
 * malloc'd *out (npairs records). */
int pas_sort_fetch_records(MPI_Comm comm, const pas_sort_pair_t *pairs, size_t npairs, int gbits,
                           const void *records, size_t rec_size, const uint64_t *first_index,
                           size_t chunk_limit, void **out, uint64_t *bytes_sent);

/* ---- inputs ---------------------------------------------------------------- */

typedef enum {
    PAS_DIST_UNIFORM, PAS_DIST_GAUSSIAN, PAS_DIST_EXPONENTIAL, PAS_DIST_ZIPF, PAS_DIST_EQUAL,
    PAS_DIST_FEW2, PAS_DIST_FEW8, PAS_DIST_FEWSQRT, PAS_DIST_SORTED, PAS_DIST_REVERSE,
    PAS_DIST_ALMOST, PAS_DIST_BUCKET, PAS_DIST_STAGGERED, PAS_DIST_GGROUP, PAS_DIST_DETDUP,
    PAS_DIST_RANDDUP, PAS_DIST_ONERANK, PAS_DIST_SPECIAL, PAS_DIST_COUNT
} pas_sort_dist_t;

const char *pas_sort_dist_name(pas_sort_dist_t d);
int pas_sort_dist_parse(const char *name, pas_sort_dist_t *d);
const char *pas_sort_dist_list(void); /* "uniform|gaussian|..." */

/* local, pure: where rank r's part of n generated keys starts and how many it
 * holds (block distribution; PAS_DIST_ONERANK puts everything on rank 0). */
void pas_sort_dist_layout(pas_sort_dist_t d, uint64_t n, int p, int r, uint64_t *first, uint64_t *count);

/* local, pure: the key at global index g of n, drawn with `bits` significant
 * bits (64 for u64).  Depends only on (d, seed, n, g, bits), except the
 * distributions that are defined by the rank layout (bucket, staggered,
 * g-group), which also take p. */
uint64_t pas_sort_dist_key(pas_sort_dist_t d, uint64_t seed, uint64_t n, int p, uint64_t g, int bits);

/* local: fill keys[0..count) with the keys at global indices first.. (OpenMP). */
void pas_sort_generate_u64(pas_sort_dist_t d, uint64_t seed, uint64_t n, int p, uint64_t first,
                           size_t count, int bits, uint64_t *keys);

/* ---- verification ----------------------------------------------------------- */

typedef struct {
    uint64_t count; /* global number of elements */
    uint64_t hash;  /* sum over elements of a mix of the element, mod 2^64 */
} pas_sort_digest_t;

/* local, pure: the order-independent hash of n elements. */
uint64_t pas_sort_hash(pas_sort_kind_t kind, const void *a, size_t n);

/* local, pure: the same for n records of `size` bytes (any layout). */
uint64_t pas_sort_hash_records(const void *recs, size_t n, size_t size);

/* collective: the global digest of a distributed array. */
int pas_sort_digest(MPI_Comm comm, pas_sort_kind_t kind, const void *a, size_t n, pas_sort_digest_t *d);

typedef struct {
    int sorted_local;   /* every rank sorted inside (global) */
    int sorted_across;  /* rank boundaries in order, empty ranks skipped (global) */
    int same_multiset;  /* count and hash match the input's digest (global) */
    int balanced;       /* max share <= limit (global) */
    double balance;     /* max share / average share (global; 1 for n = 0) */
    uint64_t max_share; /* global */
} pas_sort_check_t;

/* collective: verify a sorted distributed array against the input digest.
 * max_share: the most elements any rank may hold (0: no limit).  Returns
 * PAS_OK if all checks pass, else PAS_ERR_VERIFY (same on every rank). */
int pas_sort_verify(MPI_Comm comm, pas_sort_kind_t kind, const void *a, size_t n,
                    const pas_sort_digest_t *input, uint64_t max_share, pas_sort_check_t *check);

/* local, pure: the balance bound of sample sort, ceil((1+eps) n/p) (at least ceil(n/p)). */
uint64_t pas_sort_balance_bound(uint64_t n, int p, double eps);

/* ---- files ----------------------------------------------------------------- */

/* collective: read a binary file of records of rec_size bytes in parallel
 * (block distribution of records; each rank preads its block in pieces of
 * at most chunk_limit bytes, 0: 1 GiB, every count checked).  The file must
 * be the same, unchanged, on every rank from open to the last read (size,
 * inode, modification and change times).  PAS_ERR_FORMAT when the size is
 * not a multiple of rec_size; PAS_ERR_IO when it cannot be opened or read
 * or changed while read, with a line in why (local, may be "" on ranks that
 * only saw another fail).  Returns a malloc'd *data, *n local records,
 * *first the global index of the first, *total the global count.  Test hook:
 * PAS_TEST_PAUSE=read:FILE pauses rank 0 after its first piece. */
int pas_sort_file_read(MPI_Comm comm, const char *path, size_t rec_size, size_t chunk_limit,
                       void **data, size_t *n, uint64_t *first, uint64_t *total, char *why, size_t whylen);

/* collective: write each rank's n records in rank order to the output f
 * (begun with pas_outfile_begin): written, synced, read back and compared,
 * then renamed into place (pas_outfile_write, pas_outfile_commit).  The
 * reason of a failure is in f->why on the rank that saw it. */
int pas_sort_file_write(MPI_Comm comm, pas_outfile_t *f, size_t rec_size, size_t chunk_limit,
                        const void *data, size_t n);

#endif
