/* matmul_internal.h - what the files of the matmul module (and its tests)
 * share; not part of the public interface.  The module is a one-way stack:
 *   pas_matmul.h      the public API
 *   multiply.c        entry and dispatch (pas_matmul): operands, then one of
 *   replicate.c       2.5D: replicate A and B over the layers, SUMMA on a k
 *                     slice per layer, reduce C (and the layer arrangement)
 *   summa.c           SUMMA over panels and buffer slots
 *   cannon.c          Cannon over two operand blocks (skew, shift)
 *   broadcast.c       SUMMA's panel broadcast (binomial trees)
 *   local_gemm.c      the local kernel (local_gemm_tmpl.h per element type,
 *                     instantiated by matmul_instance.h)
 *   verify.c, peak.c  Freivalds' check and the FMA peak, beside the stack
 * Each file calls only down this list. */
#ifndef MATMUL_INTERNAL_H
#define MATMUL_INTERNAL_H

#include <stddef.h>

#include "pas_core.h"
#include "pas_matmul.h"

/* Vector width and register tile.  AVX-512: 32 zmm registers hold a
 * 32 x 6 double tile (24 accumulators) plus four A vectors and a broadcast;
 * measured on Zen 4 (32 KiB L1d) about 3% faster than 16 x 14, whose 28 KiB
 * B micro-panel fills L1.  AVX2: 16 ymm registers hold 8 x 6 (12). */
#if defined(__AVX512F__)
#define PAS_VBYTES 64
#define PAS_MR_VECS_DEFAULT 4
#define PAS_NR_DEFAULT 6
#elif defined(__AVX__)
#define PAS_VBYTES 32
#define PAS_MR_VECS_DEFAULT 2
#define PAS_NR_DEFAULT 6
#else
#define PAS_VBYTES 16
#define PAS_MR_VECS_DEFAULT 2
#define PAS_NR_DEFAULT 4
#endif
/* -DPAS_MATMUL_MR_VECS=V -DPAS_MATMUL_NR=N build other tiles (tuning):
 * MR = V vectors, V x NR accumulators. */
#ifndef PAS_MATMUL_MR_VECS
#define PAS_MATMUL_MR_VECS PAS_MR_VECS_DEFAULT
#endif
#ifdef PAS_MATMUL_NR
#define PAS_NR_TILE PAS_MATMUL_NR
#else
#define PAS_NR_TILE PAS_NR_DEFAULT
#endif
#define PAS_MR_d (PAS_MATMUL_MR_VECS * PAS_VBYTES / 8)
#define PAS_MR_s (PAS_MATMUL_MR_VECS * PAS_VBYTES / 4)
#define PAS_NR_d PAS_NR_TILE
#define PAS_NR_s PAS_NR_TILE

/* Cache blocking: MC x KC A block in L2, KC x NC B block in L3; the KC x NR
 * B micro-panel is reused from L1/L2 (the A micro-panel streaming through L1
 * evicts it, hence PAS_PF_B).  The table below is for Zen 4 and Zen 5 (and
 * any CPU whose caches are unknown), chosen by sweeps of PAS_MATMUL_BLOCKS on
 * Zen 4 (32 KiB L1d, 1 MiB L2) with 2 threads, interleaved with OpenBLAS
 * (algorithms/matmul/bench/kernel_vs_blas.c): 256 x 512 x 4096 beat 256 x
 * 384, 192 x 512, 128 x 768, 320 x 384 and NC = 1024 or 2048 by 1-3%.  Other
 * CPUs get blocks from their cache sizes (pas_matmul_blocks_for). */
#define PAS_KC_d 512
#define PAS_MC_d 256
#define PAS_NC_d 4096
#define PAS_KC_s 768
#define PAS_MC_s 256
#define PAS_NC_s 4096

/* The CPU as the blocking rule sees it: AMD or not, cpuid family, and the
 * L1 data, L2 and L3 sizes in bytes (0: unknown). */
typedef struct {
    int amd, family;
    size_t l1d, l2, l3;
} pas_matmul_cpu_t;

/* local, pure: the cache blocks out = {MC, KC, NC} for elements of elem
 * bytes and an mr x nr register tile on cpu.  AMD family 25 or 26 (Zen 4,
 * Zen 5; also Zen 3), or unknown L1/L2: table ({MC, KC, NC}, measured on Zen
 * 4).  Otherwise: KC puts the KC x NR B micro-panel in half of L1 (multiple
 * of 16, 128..768), MC the MC x KC A block in half of L2 (multiple of mr, at
 * most 1024), NC the KC x NC B block in a quarter of L3 (at most 4096): on
 * the Intel Xeon with 48 KiB L1d and 2 MiB L2 that is 256 x 512 x 4096 for
 * double, which beat 512 x 512, 320 x 768, 256 x 768, 192 x 768 and 384 x
 * 384 there (algorithms/matmul/README.md). */
void pas_matmul_blocks_for(const pas_matmul_cpu_t *cpu, size_t elem, size_t mr, size_t nr,
                           const size_t table[3], size_t out[3]);

/* The micro-kernel prefetches the packed B row this many rows ahead (see
 * ukernel in local_gemm_tmpl.h); chosen by a sweep on Zen 4. */
#define PAS_PF_B 96

/* The element types of the typed kernels, written once: X(T, SFX), where SFX
 * ends each instantiated name (pas_matmul_tile_d) and names the type's tile
 * and blocks (PAS_MR_d, PAS_KC_d, ...).  matmul_instance.h instantiates a
 * template once per entry; the declarations below expand from it. */
#define PAS_MATMUL_TYPES(X) X(double, _d) X(float, _s)

/* pack_a: op(A) (mc x kc; a points at its (0,0)) into MR-row panels:
 * out[panel * MR * kc + p * MR + i], rows past mc zero.
 * pack_b: op(B) (kc x nc) into NR-column panels: out[panel * NR * kc + p * NR + j].
 * tile: C = beta C + alpha * packed A panel * packed B panel over kc, on the
 * mr x nr valid part of the MR x NR tile (beta = 0: C is not read); full tiles
 * go straight to C, edge tiles through a buffer.
 * (The whole kernel, pas_matmul_dgemm / sgemm, is public.) */
#define PAS_MATMUL_DECLARE_KERNELS(T, SFX)                                                         \
    void pas_matmul_pack_a##SFX(int trans, size_t mc, size_t kc, const T *a, size_t lda, T *out);  \
    void pas_matmul_pack_b##SFX(int trans, size_t kc, size_t nc, const T *b, size_t ldb, T *out);  \
    void pas_matmul_tile##SFX(size_t kc, const T *pa, const T *pb, T alpha, T beta, T *c,          \
                              size_t ldc, size_t mr, size_t nr);
PAS_MATMUL_TYPES(PAS_MATMUL_DECLARE_KERNELS)

/* local: bytes per element of the configured type. */
static inline size_t pas_matmul_elem_size(const pas_matmul_cfg_t *cfg)
{
    return cfg->is_float ? sizeof(float) : sizeof(double);
}

/* local: either element type through one call (alpha, beta converted), on
 * the kernel pas_matmul_set_kernel chose. */
pas_status pas_matmul_gemm_any(int is_float, int ta, int tb, size_t m, size_t n, size_t k,
                               double alpha, const void *a, size_t lda, const void *b, size_t ldb,
                               double beta, void *c, size_t ldc);

/* collective: agree on failure; a rank that failed keeps its own status,
 * the others get PAS_ERR_REMOTE, so the driver names the failing rank. */
static inline pas_status pas_matmul_agree(MPI_Comm comm, pas_status status)
{
    pas_status worst = (pas_status)pas_agree(comm, status);
    return worst == PAS_OK ? PAS_OK : status != PAS_OK ? status : PAS_ERR_REMOTE;
}

/* MPI tags of the matmul module; SUMMA's panels in flight take one tag per
 * buffer slot (PANEL + slot, slot < PAS_MATMUL_BCAST_MAX), since panels
 * from different roots can reach a rank's parent in any order. */
enum {
    PAS_MATMUL_TAG_SKEW_A = 4101,
    PAS_MATMUL_TAG_SKEW_B,
    PAS_MATMUL_TAG_SHIFT_A,
    PAS_MATMUL_TAG_SHIFT_B,
    PAS_MATMUL_TAG_REPLICATE, /* + 0: A's columns, + 1: B's rows */
    PAS_MATMUL_TAG_REDUCE = PAS_MATMUL_TAG_REPLICATE + 2,
    PAS_MATMUL_TAG_PANEL = 4120
};

/* ---- the algorithms (below multiply.c; each agrees on its status) ---- */

/* 2.5D's hooks into a layer's SUMMA.  need: receives of this rank's part
 * of A [0] and B [1] still in flight (the replication), each waited for
 * just before this rank first broadcasts from it, else left pending.
 * done (NULL: none): called with ctx after column chunk ch of `chunks` of C
 * (columns pas_decomp_block_range(ln, chunks, ch), chunks =
 * pas_matmul_chunks(ln)) got its last panel, in order; after a failure, or
 * with no panels, not for every chunk. */
typedef struct {
    MPI_Request *need;
    pas_status (*done)(void *ctx, int ch, int chunks);
    void *ctx;
} pas_matmul_hooks_t;

/* local: the column chunks SUMMA multiplies a panel in, for ln columns of C
 * (each chunk packs the A panel again, so a chunk keeps at least 48). */
static inline int pas_matmul_chunks(uint64_t ln)
{
    return ln / 48 < 1 ? 1 : ln / 48 > 4 ? 4 : (int)(ln / 48);
}

/* agreed over grid: SUMMA on the k-range [k0, k1) of C += alpha A B
 * (C first scaled by beta), no transposes; A m x k, B k x n, C m x n block-
 * distributed over grid.  Panel broadcasts along rows (A) and columns (B),
 * the next panels in flight while the current one multiplies
 * (cfg->blocking: MPI_Bcast then multiply).  hooks: NULL, or 2.5D's (above). */
pas_status pas_matmul_summa(const pas_grid_t *grid, const pas_matmul_cfg_t *cfg, double alpha,
                            const pas_dmatrix_t *ad, const void *a, const pas_dmatrix_t *bd,
                            const void *b, double beta, const pas_dmatrix_t *cd, void *c,
                            uint64_t k0, uint64_t k1, pas_matmul_stats_t *stats,
                            const pas_matmul_hooks_t *hooks);

/* agreed over grid (square; PAS_ERR_UNSUPPORTED otherwise): Cannon's
 * algorithm with the initial skew, the next blocks' shifts in flight while
 * the current ones multiply. */
pas_status pas_matmul_cannon(const pas_grid_t *grid, const pas_matmul_cfg_t *cfg, double alpha,
                             const pas_dmatrix_t *ad, const void *a, const pas_dmatrix_t *bd,
                             const void *b, double beta, const pas_dmatrix_t *cd, void *c,
                             pas_matmul_stats_t *stats);

/* agreed over all layers: 2.5D on op(A), op(B) already in block layout on
 * every layer's grid (contents valid on layer 0); the other layers' a, b, c
 * are work space. */
pas_status pas_matmul_25d(const pas_matmul_layers_t *lay, const pas_matmul_cfg_t *cfg, double alpha,
                          const pas_dmatrix_t *ad, void *a, const pas_dmatrix_t *bd, void *b,
                          double beta, const pas_dmatrix_t *cd, void *c, pas_matmul_stats_t *st);

/* agreed over all layers: the worst status of any rank, on every rank (a
 * failing rank keeps its own, as pas_matmul_agree). */
pas_status pas_matmul_layers_agree(const pas_matmul_layers_t *lay, pas_status status);

/* local: the matrix elements the busiest rank receives with c layers of the
 * most square grid over p / c ranks, as pas-matmul counts them (words=):
 * SUMMA's panels on k / c, plus on layers > 0 the replicated A and B
 * blocks, or on layer 0 the c - 1 partial C blocks, whichever is more.
 * -1 when c does not divide p.  (pas_matmul_choose_replicas minimises it.) */
double pas_matmul_words_model(int p, int c, uint64_t m, uint64_t n, uint64_t k);

/* ---- the panel broadcast (broadcast.c) ---- */
/* One broadcast in flight: a binomial tree over point-to-point messages that
 * the caller advances (poll/wait); req[0] receives from the parent, req[1..]
 * send to the children (at most 31: q < 2^31). */
#define PAS_MATMUL_BCAST_REQS 32
#define PAS_MATMUL_BCAST_MAX 8 /* broadcasts one wait can watch */
typedef struct {
    void *buf;
    int count, root, size, vr, tag; /* vr: rank relative to root */
    MPI_Datatype type;
    MPI_Comm comm;
    int received, nsend, failed;
    MPI_Request req[PAS_MATMUL_BCAST_REQS];
} pas_matmul_bcast_t;

/* collective over comm (each rank calls it for the same broadcast, in the
 * same order for the same tag): start broadcasting count elements of buf
 * from root; the root's buf must stay unchanged and every buf allocated
 * until the broadcast is done (pas_matmul_bcast_wait with sends_too).  On a
 * one-rank comm it returns at once: nothing to send.  Local status. */
pas_status pas_matmul_bcast_start(pas_matmul_bcast_t *b, void *buf, int count, MPI_Datatype type,
                                  int root, int tag, MPI_Comm comm);
/* local: forward what has arrived, without blocking; PAS_ERR_MPI if any failed. */
pas_status pas_matmul_bcast_poll(pas_matmul_bcast_t *set, int n);
/* local: block until set[0, need) have their data (and, with sends_too, have
 * sent it on), advancing all n meanwhile.  Local status. */
pas_status pas_matmul_bcast_wait(pas_matmul_bcast_t *set, int n, int need, int sends_too);

#endif
