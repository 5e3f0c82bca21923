/* matmul_internal.h - pieces of the local kernel exposed for the unit tests
 * and the distributed algorithms; not part of the public interface. */
#ifndef MATMUL_INTERNAL_H
#define MATMUL_INTERNAL_H

#include <stddef.h>

#include "pas_core.h"

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
#define PAS_NR PAS_MATMUL_NR
#else
#define PAS_NR PAS_NR_DEFAULT
#endif
#define PAS_MR_D (PAS_MATMUL_MR_VECS * PAS_VBYTES / 8)
#define PAS_MR_S (PAS_MATMUL_MR_VECS * PAS_VBYTES / 4)
#define PAS_NR_D PAS_NR
#define PAS_NR_S PAS_NR

/* Cache blocking: MC x KC A block in L2 (1 MiB, all of it on Zen 4), KC x NC
 * B block in L3; the KC x NR B micro-panel (24 KiB) is reused from L2, since
 * the A micro-panel streaming through L1 evicts it (hence PAS_PF_B).  Chosen
 * by sweeps of PAS_MATMUL_BLOCKS on Zen 4 with 2 threads, interleaved with
 * OpenBLAS (algorithms/matmul/bench/kernel_vs_blas.c): 256 x 512 x 4096 beat
 * 256 x 384, 192 x 512, 128 x 768, 320 x 384 and NC = 1024 or 2048 by 1-3%. */
#define PAS_KC_D 512
#define PAS_MC_D 256
#define PAS_NC_D 4096
#define PAS_KC_S 768
#define PAS_MC_S 256
#define PAS_NC_S 4096

/* The micro-kernel prefetches the packed B row this many rows ahead (see
 * ukernel in local_gemm_tmpl.h); chosen by a sweep on Zen 4. */
#define PAS_PF_B 96

/* Pack op(A) (mc x kc; a points at its (0,0)) into MR-row panels:
 * out[panel * MR * kc + p * MR + i], rows past mc zero. */
void pas_matmul_pack_a_d(int trans, size_t mc, size_t kc, const double *a, size_t lda, double *out);
void pas_matmul_pack_a_s(int trans, size_t mc, size_t kc, const float *a, size_t lda, float *out);
/* Pack op(B) (kc x nc) into NR-column panels: out[panel * NR * kc + p * NR + j]. */
void pas_matmul_pack_b_d(int trans, size_t kc, size_t nc, const double *b, size_t ldb, double *out);
void pas_matmul_pack_b_s(int trans, size_t kc, size_t nc, const float *b, size_t ldb, float *out);
/* C = beta C + alpha * packed A panel * packed B panel over kc, on the mr x nr
 * valid part of the MR x NR tile (beta = 0: C is not read); full tiles go
 * straight to C, edge tiles through a buffer. */
void pas_matmul_tile_d(size_t kc, const double *pa, const double *pb, double alpha, double beta, double *c,
                       size_t ldc, size_t mr, size_t nr);
void pas_matmul_tile_s(size_t kc, const float *pa, const float *pb, float alpha, float beta, float *c,
                       size_t ldc, size_t mr, size_t nr);

/* Either element type through one call (alpha, beta converted). */
int pas_matmul_gemm_any(int is_float, int ta, int tb, size_t m, size_t n, size_t k, double alpha,
                        const void *a, size_t lda, const void *b, size_t ldb, double beta, void *c,
                        size_t ldc);

/* collective: agree on failure; a rank that failed keeps its own status,
 * the others get PAS_ERR_REMOTE, so the driver names the failing rank. */
static inline int pas_matmul_agree(MPI_Comm comm, int status)
{
    int worst = pas_agree(comm, status);
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
    PAS_MATMUL_TAG_PANEL = 4120
};

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
 * until the broadcast is done (pas_matmul_bcast_wait with sends_too). */
int pas_matmul_bcast_start(pas_matmul_bcast_t *b, void *buf, int count, MPI_Datatype type, int root, int tag,
                           MPI_Comm comm);
/* local: forward what has arrived, without blocking. */
int pas_matmul_bcast_poll(pas_matmul_bcast_t *set, int n);
/* local: block until set[0, need) have their data (and, with sends_too, have
 * sent it on), advancing all n meanwhile. */
int pas_matmul_bcast_wait(pas_matmul_bcast_t *set, int n, int need, int sends_too);

#endif
