/* pas_matmul.h - dense matrix multiply C = alpha op(A) op(B) + beta C:
 * a packed, cache-blocked, OpenMP-parallel local kernel (BLIS-style loops
 * around a register-blocked micro-kernel the compiler vectorizes), and the
 * distributed algorithms SUMMA, Cannon and 2.5D over a process grid, with
 * Freivalds' randomized verification computed across ranks.
 *
 * Storage: column-major (BLAS convention), element (i, j) of a local matrix
 * at a[i + j * ld].  op(X) is X or X^T.
 */
#ifndef PAS_MATMUL_H
#define PAS_MATMUL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pas_core.h"
#include "pas_decomp.h"

/* ---- the local kernel ------------------------------------------------------ */

/* local, pure: bytes rounded up to whole 64-byte cache lines. */
static inline size_t pas_matmul_line_bytes(size_t bytes)
{
    return (bytes + 63) / 64 * 64;
}
/* local: room for `bytes` (0 allowed) on whole cache lines, aligned to one,
 * or NULL (also when the rounding would overflow); free() it.  The lines of bytes + 1, so that
 * aligned_alloc is never asked for 0 bytes (it may return NULL for them, read as out of memory).
 * Matrix blocks on cache lines: a column of a C tile (32 doubles when ld is
 * a multiple of 8) then spans 4 lines, not 5 (split loads and stores). */
static inline void *pas_matmul_alloc(size_t bytes)
{
    if (bytes > SIZE_MAX - 64)
        return NULL;
    return aligned_alloc(64, pas_matmul_line_bytes(bytes + 1));
}

/* local: C (m x n, ldc) = alpha op(A) op(B) + beta C, where op(A) is m x k and
 * op(B) is k x n; trans_a/trans_b nonzero select the transpose.  Any
 * m, n, k >= 0 (k = 0 or alpha = 0 only scales C by beta; beta = 0 sets C to
 * zero without reading it).  Uses the calling thread's OpenMP team size
 * (omp_get_max_threads(), or 1 inside a parallel region).  Returns PAS_OK,
 * PAS_ERR_ARG (a leading dimension too small) or PAS_ERR_NOMEM (local). */
pas_status pas_matmul_dgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, double alpha,
                            const double *a, size_t lda, const double *b, size_t ldb, double beta,
                            double *c, size_t ldc);
pas_status pas_matmul_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                            const float *a, size_t lda, const float *b, size_t ldb, float beta,
                            float *c, size_t ldc);

/* The kernel behind pas_matmul_gemm_any and the distributed algorithms:
 * pas's own, or a CBLAS library (OpenBLAS) when the build found one. */
enum { PAS_MATMUL_KERNEL_PAS = 0, PAS_MATMUL_KERNEL_CBLAS = 1 };

/* local: select the kernel for this process.  PAS_ERR_UNSUPPORTED when the
 * build has no CBLAS. */
pas_status pas_matmul_set_kernel(int kernel);
/* local: the kernel selected (PAS_MATMUL_KERNEL_*). */
int pas_matmul_kernel(void);

/* local: the register tile (MR x NR) and vector width (bytes) of this build. */
void pas_matmul_kernel_shape(int is_float, int *mr, int *nr, int *vector_bytes);
/* local: the cache blocks {MC, KC, NC} the kernel uses on this machine
 * (chosen from the CPU and its cache sizes, or PAS_MATMUL_BLOCKS). */
void pas_matmul_kernel_blocks(int is_float, size_t blocks[3]);

/* local: double FMA throughput of this process's OpenMP team in GFLOP/s,
 * measured over about `seconds` with independent vector FMA chains.  The
 * peak a kernel's rate is compared with.  per_cpu (optional) gets the same
 * work over each thread's CPU time, summed over the threads: what the cores
 * do while they run, which other processes sharing them cannot lower. */
double pas_matmul_fma_peak(int is_float, int threads, double seconds, double *per_cpu);

/* ---- distributed multiply ---------------------------------------------------- */

typedef enum { PAS_MATMUL_SUMMA = 0, PAS_MATMUL_CANNON = 1, PAS_MATMUL_25D = 2 } pas_matmul_algo_t;

typedef struct {
    int algo;       /* pas_matmul_algo_t */
    int is_float;   /* elements are float (else double) */
    int blocking;   /* 1: the blocking twin (MPI_Bcast / MPI_Sendrecv, no overlap) */
    uint64_t panel; /* SUMMA panel width in k; 0: 256 */
} pas_matmul_cfg_t;

typedef struct {
    double words;  /* matrix elements this rank received */
    double t_wait; /* seconds blocked waiting for messages */
} pas_matmul_stats_t;

/* The 3D arrangement of 2.5D: `layers` copies of a rows x cols grid, rank =
 * layer * rows * cols + row * cols + col.  layers = 1 is the plain 2D grid
 * every algorithm uses. */
typedef struct {
    int layers, layer;
    pas_grid_t grid;     /* this layer's grid (over its own communicator) */
    MPI_Comm layer_comm; /* the ranks of my layer */
    MPI_Comm depth_comm; /* the ranks at my grid position, one per layer, by layer */
} pas_matmul_layers_t;

/* collective: build the arrangement over comm.  layers must divide the size;
 * rows = cols = 0 chooses the most square grid.  PAS_ERR_ARG otherwise
 * (agreed: from the global arguments), PAS_ERR_MPI (local). */
pas_status pas_matmul_layers_create(MPI_Comm comm, int layers, int rows, int cols,
                                    pas_matmul_layers_t *lay);
void pas_matmul_layers_destroy(pas_matmul_layers_t *lay);

/* collective over all layers: C = alpha op(A) op(B) + beta C with the
 * matrices block-distributed over the layer grid: a (stored A: m x k, or
 * k x m when trans_a), b (k x n, or n x k), c (m x n), local parts with
 * ld = max(1, local rows).  With layers > 1 (2.5D) only layer 0's a, b, c
 * are read and only layer 0's c holds the result; the other layers' buffers
 * (same shapes) are work space.  Cannon needs a square grid and one layer
 * (PAS_ERR_UNSUPPORTED otherwise: the driver falls back to SUMMA and says
 * so).  Agreed: the same status on every rank of every layer. */
pas_status pas_matmul(const pas_matmul_layers_t *lay, const pas_matmul_cfg_t *cfg, int trans_a,
                      int trans_b, double alpha, const pas_dmatrix_t *ad, const void *a,
                      const pas_dmatrix_t *bd, const void *b, double beta, const pas_dmatrix_t *cd,
                      void *c, pas_matmul_stats_t *stats);

/* local: the replica count auto and 25d use on p ranks for an m x n x k
 * product within mem_bytes per rank (0: no limit): among the c dividing p
 * with c^3 <= p whose per-rank footprint fits, the one with the fewest
 * words per rank (a model of SUMMA's panels plus the replication and
 * reduction), if that is at most 0.9 times
 * the words of one layer; else 1.  At constant work per rank this is 1 up
 * to a few hundred ranks and 4 from about 1024 (m = n = k). */
int pas_matmul_choose_replicas(int p, uint64_t m, uint64_t n, uint64_t k, size_t elem,
                               double mem_bytes);

/* local: bytes per rank the multiply needs with c replicas on p ranks. */
double pas_matmul_footprint(int p, int c, uint64_t m, uint64_t n, uint64_t k, size_t elem);

/* ---- verification ------------------------------------------------------------- */

/* collective over grid: Freivalds' check of C = alpha op(A) op(B) + beta C0,
 * where C0 is the random matrix c0_seed (pas_dmatrix_random_at) that C held
 * before: with x random (x_seed), compare C x with alpha op(A) (op(B) x) +
 * beta C0 x.  Only O(m + n + k) vectors are reduced, no matrix moves.
 * *residual = max |difference| / max (|alpha| |A| (|B| |x|) + |beta| |C0| |x| +
 * |C| |x|), the scale a rounding error could reach; the check passes when it
 * is at most 2 (k + n + 2) eps.  PAS_OK or PAS_ERR_VERIFY, the same on every
 * rank (agreed; PAS_ERR_NOMEM / PAS_ERR_MPI on failure). */
pas_status pas_matmul_verify(const pas_grid_t *grid, int is_float, int trans_a, int trans_b,
                             double alpha, const pas_dmatrix_t *ad, const void *a,
                             const pas_dmatrix_t *bd, const void *b, double beta, uint64_t c0_seed,
                             const pas_dmatrix_t *cd, const void *c, uint64_t x_seed,
                             double *residual, double *threshold);

#endif
