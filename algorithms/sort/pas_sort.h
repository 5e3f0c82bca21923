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
 * local unless marked "global" (the same on every rank).  A function that
 * returns pas_status says whether the status is "local" (this rank's view)
 * or "agreed" (the same on every rank, as pas_agree makes it).
 *
 * The pieces below this API (local kernels, exchange, selection, splitters,
 * ams's pure steps) are declared in sort_internal.h, for the module and its
 * tests.
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
    int levels;             /* global: ams levels (0: auto, from p and n/p) */
} pas_sort_config_t;

/* What a run did (local unless noted). */
typedef struct {
    pas_sort_algo_t algo; /* the algorithm that ran (auto resolved), global */
    uint64_t bytes_sent;  /* bytes this rank sent to other ranks */
    int exact_fallback;   /* sample: the sample missed the bound, exact splitting used;
                             ams: how many group splits (over all levels and groups) used
                             exact splitting (global) */
    int levels;           /* ams: levels run, 0 for the gather path of tiny inputs (global) */
} pas_sort_info_t;

/* local: defaults (auto, radix, eps 0.1, seed 1, no chunk limit). */
void pas_sort_config_default(pas_sort_config_t *cfg);

/* local: names ("auto", "sample", "merge", "quick", "mway", "ams"). */
const char *pas_sort_algo_name(pas_sort_algo_t algo);
pas_status pas_sort_algo_parse(const char *name, pas_sort_algo_t *algo); /* local */

/* local, pure: the algorithm auto picks for n keys (global) on p ranks. */
pas_sort_algo_t pas_sort_algo_choose(uint64_t n, int p);

/* collective, agreed: sort the distributed array with cfg->algo (auto
 * resolved by pas_sort_algo_choose; on one rank every algorithm is the local
 * sort, with no message).  info may be NULL. */
pas_status pas_sort(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                    size_t *n, pas_sort_info_t *info);

/* collective, agreed: the algorithms one by one (same contract as pas_sort). */
pas_status pas_sort_sample(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                           void **data, size_t *n, pas_sort_info_t *info);
pas_status pas_sort_merge(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                          void **data, size_t *n, pas_sort_info_t *info);
pas_status pas_sort_quick(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                          void **data, size_t *n, pas_sort_info_t *info);
pas_status pas_sort_mway(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                         void **data, size_t *n, pas_sort_info_t *info);
/* collective, agreed: ams, cfg->levels levels (0: auto).  Each level splits the
 * ranks into k ~ p^(1/r) groups of nearly equal size, sends each group its
 * key range (O(k) messages per rank) and recurses inside the groups; the
 * splitters come from a sample of O(k/eps) keys per level refined by global
 * histograms, so no rank's work grows with p.  Output within (1+eps) n/p. */
int pas_sort_ams(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                 size_t *n, pas_sort_info_t *info);

/* local, pure: bytes per rank a run is expected to need at its peak, for
 * the pre-flight check: n_global keys over p ranks of elem_size bytes.
 * Saturates: UINT64_MAX when the estimate does not fit 64 bits. */
uint64_t pas_sort_mem_estimate(pas_sort_algo_t algo, uint64_t n_global, int p, size_t elem_size,
                               double eps);

/* local: malloc for sort buffers: from 4 MiB up they are aligned to 2 MiB
 * and their whole 2 MiB pages advised to use transparent huge pages (where
 * the kernel grants them, 512 times fewer page faults on first touch: a
 * scratch buffer on 4 KiB pages cost a 1e7-key u32 sort more than half its
 * time); free() releases it. */
void *pas_sort_malloc(size_t bytes);

/* ---- local sorts (OpenMP, the calling thread's team size from omp_get_max_threads) */

/* local: sort n elements in place; PAS_OK or PAS_ERR_NOMEM (scratch of n elements). */
pas_status pas_sort_local(pas_sort_kind_t kind, pas_sort_local_t how, void *data, size_t n);

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
pas_status pas_sort_type_parse(const char *name, pas_sort_type_t *t); /* local */
size_t pas_sort_type_size(pas_sort_type_t t); /* bytes per record in memory and files */
/* local, pure: the kind that sorts records of t (pairs for kv16 and rec100). */
pas_sort_kind_t pas_sort_type_kind(pas_sort_type_t t);
/* local, pure: whether records of t travel by index after their (key, global
 * index) pairs are sorted (rec100; kv16 when stable). */
int pas_sort_type_fetched(pas_sort_type_t t, int stable);

/* local, pure: the pre-flight need of rank `rank` of p for a run over n
 * records of type t: the worst of the na algorithms (pas_sort_mem_estimate),
 * the whole input when `onerank` starts it on rank 0, and the typed records
 * kept beside the keys (three copies when they are fetched).  Saturates. */
uint64_t pas_sort_mem_need(const pas_sort_algo_t *algos, int na, uint64_t n, int p, int rank,
                           int onerank, pas_sort_type_t t, int stable, double eps);

/* local, pure: the order-preserving maps on bit patterns, written once:
 * i64 flips the sign bit (and is its own inverse); a float flips every bit
 * when negative, else the sign bit.  Branch-free, so loops over arrays of
 * them vectorise (the typed local sort maps its records in place by these). */
static inline uint64_t pas_sort_key_i64_bits(uint64_t b)
{
    return b ^ (1ULL << 63);
}
static inline uint64_t pas_sort_key_f64_bits(uint64_t b)
{
    return b ^ ((0 - (b >> 63)) | (1ULL << 63));
}
static inline uint64_t pas_sort_unkey_f64_bits(uint64_t k)
{
    return k ^ ((0 - ((k >> 63) ^ 1)) | (1ULL << 63));
}
static inline uint32_t pas_sort_key_f32_bits(uint32_t b)
{
    return b ^ ((0 - (b >> 31)) | (1U << 31));
}
static inline uint32_t pas_sort_unkey_f32_bits(uint32_t k)
{
    return k ^ ((0 - ((k >> 31) ^ 1)) | (1U << 31));
}

/* local, pure: order-preserving maps to uint64 (and back).  Floats: total
 * order -NaN < -inf < ... < -0.0 < +0.0 < ... < +inf < +NaN. */
static inline uint64_t pas_sort_key_f64(double x)
{
    uint64_t b;
    __builtin_memcpy(&b, &x, 8);
    return pas_sort_key_f64_bits(b);
}
static inline double pas_sort_unkey_f64(uint64_t k)
{
    uint64_t b = pas_sort_unkey_f64_bits(k);
    double x;
    __builtin_memcpy(&x, &b, 8);
    return x;
}
static inline uint64_t pas_sort_key_f32(float x)
{
    uint32_t b;
    __builtin_memcpy(&b, &x, 4);
    return pas_sort_key_f32_bits(b);
}
static inline float pas_sort_unkey_f32(uint64_t k)
{
    uint32_t b = pas_sort_unkey_f32_bits((uint32_t)k);
    float x;
    __builtin_memcpy(&x, &b, 4);
    return x;
}
static inline uint64_t pas_sort_key_i64(int64_t x)
{
    return pas_sort_key_i64_bits((uint64_t)x);
}
static inline int64_t pas_sort_unkey_i64(uint64_t k)
{
    return (int64_t)pas_sort_key_i64_bits(k);
}

/* local: encode n records of type t (u64, u32, i64, f32, f64) into keys, and
 * back.  OpenMP-parallel. */
void pas_sort_encode(pas_sort_type_t t, const void *in, size_t n, uint64_t *keys);
void pas_sort_decode(pas_sort_type_t t, const uint64_t *keys, size_t n, void *out);

/* local: sort n records of type t in place, by their own width (u32 and f32
 * as 32-bit keys, i64 and f64 as 64-bit ones mapped in place to their
 * order-preserving keys and back, kv16 by (key, value)), with the local sort
 * `how`; floats in the total order above.  PAS_OK, PAS_ERR_NOMEM (scratch
 * of n records; data unchanged), or PAS_ERR_ARG for rec100. */
pas_status pas_sort_local_typed(pas_sort_type_t t, pas_sort_local_t how, void *data, size_t n);

/* local: Sort Benchmark records: the (key, global index) pair of record g
 * (the 10-byte key: first 8 bytes in k, last 2 in v's top 16 bits, g in its
 * low 48). */
pas_sort_pair_t pas_sort_rec100_pair(const unsigned char *rec, uint64_t g);

/* local: the elements that sort count records of t at global indices
 * first..: keys (pas_sort_encode) for u64 .. f64; pairs for kv16 ((key,
 * value), or (key, global index) when stable) and rec100
 * (pas_sort_rec100_pair).  out holds count elements.  OpenMP-parallel. */
void pas_sort_elements(pas_sort_type_t t, int stable, const void *recs, uint64_t first,
                       size_t count, void *out);

/* collective, agreed: where each global record index lives: a malloc'd
 * *first_index of p+1 entries, the prefix sums of every rank's count. */
pas_status pas_sort_record_index(MPI_Comm comm, uint64_t count, uint64_t **first_index);

/* collective, agreed: after sorting pairs whose v's low `gbits` bits are
 * global indices into records distributed with first_index[r] (p+1 entries,
 * global) records per rank, fetch the records (rec_size bytes) in sorted
 * order into a malloc'd *out (npairs records). */
pas_status pas_sort_fetch_records(MPI_Comm comm, const pas_sort_pair_t *pairs, size_t npairs,
                                  int gbits, const void *records, size_t rec_size,
                                  const uint64_t *first_index, size_t chunk_limit, void **out,
                                  uint64_t *bytes_sent);

/* collective, agreed: fetched records (n of type t) carry the keys of the
 * sorted pairs and are the same multiset as the input (input_hash: the
 * global sum of pas_sort_hash_records); PAS_OK or PAS_ERR_VERIFY. */
pas_status pas_sort_check_fetched(MPI_Comm comm, pas_sort_type_t t, const pas_sort_pair_t *pairs,
                                  const void *fetched, size_t n, uint64_t input_hash);

/* ---- inputs ---------------------------------------------------------------- */

typedef enum {
    PAS_DIST_UNIFORM,
    PAS_DIST_GAUSSIAN,
    PAS_DIST_EXPONENTIAL,
    PAS_DIST_ZIPF,
    PAS_DIST_EQUAL,
    PAS_DIST_FEW2,
    PAS_DIST_FEW8,
    PAS_DIST_FEWSQRT,
    PAS_DIST_SORTED,
    PAS_DIST_REVERSE,
    PAS_DIST_ALMOST,
    PAS_DIST_BUCKET,
    PAS_DIST_STAGGERED,
    PAS_DIST_GGROUP,
    PAS_DIST_DETDUP,
    PAS_DIST_RANDDUP,
    PAS_DIST_ONERANK,
    PAS_DIST_SPECIAL,
    PAS_DIST_COUNT
} pas_sort_dist_t;

const char *pas_sort_dist_name(pas_sort_dist_t d);
pas_status pas_sort_dist_parse(const char *name, pas_sort_dist_t *d); /* local */
const char *pas_sort_dist_list(void);                                 /* "uniform|gaussian|..." */

/* local, pure: where rank r's part of n generated keys starts and how many it
 * holds (block distribution; PAS_DIST_ONERANK puts everything on rank 0). */
void pas_sort_dist_layout(pas_sort_dist_t d, uint64_t n, int p, int r, uint64_t *first,
                          uint64_t *count);

/* local, pure: the key at global index g of n, drawn with `bits` significant
 * bits (64 for u64).  Depends only on (d, seed, n, g, bits), except the
 * distributions that are defined by the rank layout (bucket, staggered,
 * g-group), which also take p. */
uint64_t pas_sort_dist_key(pas_sort_dist_t d, uint64_t seed, uint64_t n, int p, uint64_t g,
                           int bits);

/* local: fill keys[0..count) with the keys at global indices first.. (OpenMP). */
void pas_sort_generate_u64(pas_sort_dist_t d, uint64_t seed, uint64_t n, int p, uint64_t first,
                           size_t count, int bits, uint64_t *keys);

/* local: fill recs with the count records of type t at global indices
 * first.. (keys of d with the bits t holds: floats spread over +-1e6, kv16
 * values and rec100 payloads from the index).  OpenMP. */
void pas_sort_generate_records(pas_sort_type_t t, pas_sort_dist_t d, uint64_t seed, uint64_t n,
                               int p, uint64_t first, size_t count, void *recs);

/* ---- verification ----------------------------------------------------------- */

typedef struct {
    uint64_t count; /* global number of elements */
    uint64_t hash;  /* sum over elements of a mix of the element, mod 2^64 */
} pas_sort_digest_t;

/* local, pure: the order-independent hash of n elements. */
uint64_t pas_sort_hash(pas_sort_kind_t kind, const void *a, size_t n);

/* local, pure: the same for n records of `size` bytes (any layout). */
uint64_t pas_sort_hash_records(const void *recs, size_t n, size_t size);

/* collective, local status (an MPI error): the global digest of a distributed array. */
pas_status pas_sort_digest(MPI_Comm comm, pas_sort_kind_t kind, const void *a, size_t n,
                           pas_sort_digest_t *d);

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
 * PAS_OK if all checks pass, else PAS_ERR_VERIFY (agreed; an MPI error is
 * local). */
pas_status pas_sort_verify(MPI_Comm comm, pas_sort_kind_t kind, const void *a, size_t n,
                           const pas_sort_digest_t *input, uint64_t max_share,
                           pas_sort_check_t *check);

/* local, pure: the balance bound of sample sort, ceil((1+eps) n/p) (at least ceil(n/p)). */
uint64_t pas_sort_balance_bound(uint64_t n, int p, double eps);

/* ---- files ----------------------------------------------------------------- */

/* collective, agreed: read a binary file of records of rec_size bytes in parallel
 * (block distribution of records; each rank preads its block in pieces of
 * at most chunk_limit bytes, 0: 1 GiB, every count checked).  The file must
 * be the same, unchanged, on every rank from open to the last read (size,
 * inode, modification and change times).  PAS_ERR_FORMAT when the size is
 * not a multiple of rec_size; PAS_ERR_IO when it cannot be opened or read
 * or changed while read, with a line in why (local; PAS_ERR_REMOTE, why
 * "", on a rank whose read went well when another's failed).  Returns a malloc'd *data, *n local
 * records, *first the global index of the first, *total the global count.  Test hook:
 * PAS_TEST_PAUSE=read:FILE pauses rank 0 after its first piece. */
pas_status pas_sort_file_read(MPI_Comm comm, const char *path, size_t rec_size, size_t chunk_limit,
                              void **data, size_t *n, uint64_t *first, uint64_t *total, char *why,
                              size_t whylen);

/* collective, agreed (pas_outfile): write each rank's n records in rank order to the output f
 * (begun with pas_outfile_begin): written, synced, read back and compared,
 * then renamed into place (pas_outfile_write, pas_outfile_commit).  The
 * reason of a failure is in f->why on the rank that saw it. */
pas_status pas_sort_file_write(MPI_Comm comm, pas_outfile_t *f, size_t rec_size, size_t chunk_limit,
                               const void *data, size_t n);

#endif
