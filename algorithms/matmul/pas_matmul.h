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

#include "pas_core.h"
#include "pas_decomp.h"

/* ---- the local kernel ------------------------------------------------------ */

/* local: C (m x n, ldc) = alpha op(A) op(B) + beta C, where op(A) is m x k and
 * op(B) is k x n; trans_a/trans_b nonzero select the transpose.  Any
 * m, n, k >= 0 (k = 0 or alpha = 0 only scales C by beta; beta = 0 sets C to
 * zero without reading it).  Uses the calling thread's OpenMP team size
 * (omp_get_max_threads(), or 1 inside a parallel region).  Returns PAS_OK,
 * PAS_ERR_ARG (a leading dimension too small) or PAS_ERR_NOMEM. */
int pas_matmul_dgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, double alpha,
                     const double *a, size_t lda, const double *b, size_t ldb, double beta,
                     double *c, size_t ldc);
int pas_matmul_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                     const float *a, size_t lda, const float *b, size_t ldb, float beta,
                     float *c, size_t ldc);

/* local: the register tile (MR x NR) and vector width (bytes) of this build. */
void pas_matmul_kernel_shape(int is_float, int *mr, int *nr, int *vector_bytes);

/* local: double FMA throughput of this process's OpenMP team in GFLOP/s,
 * measured over about `seconds` with independent vector FMA chains.  The
 * peak a kernel's rate is compared with. */
double pas_matmul_fma_peak(int is_float, int threads, double seconds);

#endif
