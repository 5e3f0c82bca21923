/* local_gemm.c - the packed, cache-blocked, OpenMP-parallel local kernel for
 * each element type of PAS_MATMUL_TYPES (one template, local_gemm_tmpl.h). */
#ifndef _DEFAULT_SOURCE /* smpicc defines it already */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE and sched_yield under -std=c11 */
#endif
#include <sched.h>
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <stdio.h>
#include <sys/mman.h>

#include "matmul_internal.h"
#include "pas_matmul.h"

/* PAS_MATMUL_BLOCKS="MC,KC,NC" overrides the cache blocking (for tuning);
 * MC and NC are rounded up to the register tile. */
static void pas_matmul_blocks_env(size_t *mc, size_t *kc, size_t *nc, size_t mr, size_t nr)
{
    const char *e = getenv("PAS_MATMUL_BLOCKS");
    unsigned long a, b, c;
    if (e && sscanf(e, "%lu,%lu,%lu", &a, &b, &c) == 3 && a && b && c) {
        *mc = (a + mr - 1) / mr * mr;
        *kc = b;
        *nc = (c + nr - 1) / nr * nr;
    }
}

/* Large packing buffers on huge pages where the kernel offers them on
 * request: fewer TLB misses while the micro-kernels stream B. */
static void pas_matmul_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (bytes >= (2u << 20))
        madvise((void *)((uintptr_t)p & ~(uintptr_t)4095), bytes, MADV_HUGEPAGE);
#else
    (void)p, (void)bytes;
#endif
}

/* A thread's slot: the A block it published (high 32 bits) and the next run
 * of panels to hand out (low 32 bits); SLOT_PACKING in the low bits while it
 * packs the block, SLOT_CLAIMING while it tries to claim one. */
#define SLOT_NONE UINT64_MAX
#define SLOT_PACKING 0xfffffffeu
#define SLOT_DONE 0xffffffffu
#define SLOT_CLAIMING ((uint64_t)UINT32_MAX << 32 | SLOT_PACKING)

/* Claim the next run of the block published in *slot: its index, SLOT_DONE
 * when there is none left (or no block), SLOT_PACKING while the owner claims
 * or packs a block; *blk gets the block. */
static uint32_t claim_run(uint64_t *slot, uint32_t nruns, size_t *blk)
{
    uint64_t s = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
    for (;;) {
        uint32_t r = (uint32_t)s;
        if (s == SLOT_NONE || (r >= nruns && r != SLOT_PACKING))
            return SLOT_DONE;
        if (r == SLOT_PACKING)
            return SLOT_PACKING;
        if (__atomic_compare_exchange_n(slot, &s, s + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            *blk = (size_t)(s >> 32);
            return r;
        }
    }
}

/* One instance of the template per entry of PAS_MATMUL_TYPES. */
#define PAS_MATMUL_BODY "local_gemm_tmpl.h"
#include "matmul_instance.h"

pas_status pas_matmul_dgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, double alpha,
                            const double *a, size_t lda, const double *b, size_t ldb, double beta,
                            double *c, size_t ldc)
{
    return gemm_d(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

pas_status pas_matmul_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                            const float *a, size_t lda, const float *b, size_t ldb, float beta,
                            float *c, size_t ldc)
{
    return gemm_s(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void pas_matmul_kernel_shape(int is_float, int *mr, int *nr, int *vector_bytes)
{
    *mr = is_float ? PAS_MR_s : PAS_MR_d;
    *nr = is_float ? PAS_NR_s : PAS_NR_d;
    *vector_bytes = PAS_VBYTES;
}

/* ---- the optional CBLAS backend (build: PAS_HAVE_CBLAS; run: --kernel) ---- */
#ifdef PAS_HAVE_CBLAS
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
#endif

static int backend = PAS_MATMUL_KERNEL_PAS;

pas_status pas_matmul_set_kernel(int kernel)
{
#ifndef PAS_HAVE_CBLAS
    if (kernel == PAS_MATMUL_KERNEL_CBLAS)
        return PAS_ERR_UNSUPPORTED;
#endif
    if (kernel != PAS_MATMUL_KERNEL_PAS && kernel != PAS_MATMUL_KERNEL_CBLAS)
        return PAS_ERR_ARG;
    backend = kernel;
    return PAS_OK;
}

int pas_matmul_kernel(void)
{
    return backend;
}

static pas_status gemm_any(int is_float, int ta, int tb, size_t m, size_t n, size_t k, double alpha,
                           const void *a, size_t lda, const void *b, size_t ldb, double beta,
                           void *c, size_t ldc)
{
#ifdef PAS_HAVE_CBLAS
    if (backend == PAS_MATMUL_KERNEL_CBLAS && m > 0 && n > 0) {
        if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || lda > INT32_MAX || ldb > INT32_MAX ||
            ldc > INT32_MAX)
            return PAS_ERR_OVERFLOW;
#ifdef _OPENMP
        openblas_set_num_threads(omp_get_max_threads());
#endif
        enum CBLAS_TRANSPOSE tra = ta ? CblasTrans : CblasNoTrans,
                             trb = tb ? CblasTrans : CblasNoTrans;
        int ilda = lda ? (int)lda : 1, ildb = ldb ? (int)ldb : 1;
        if (is_float)
            cblas_sgemm(CblasColMajor, tra, trb, (int)m, (int)n, (int)k, (float)alpha, a, ilda, b,
                        ildb, (float)beta, c, (int)ldc);
        else
            cblas_dgemm(CblasColMajor, tra, trb, (int)m, (int)n, (int)k, alpha, a, ilda, b, ildb,
                        beta, c, (int)ldc);
        return PAS_OK;
    }
#endif
    if (is_float)
        return gemm_s(ta, tb, m, n, k, (float)alpha, a, lda, b, ldb, (float)beta, c, ldc);
    return gemm_d(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

pas_status pas_matmul_gemm_any(int is_float, int ta, int tb, size_t m, size_t n, size_t k,
                               double alpha, const void *a, size_t lda, const void *b, size_t ldb,
                               double beta, void *c, size_t ldc)
{
#ifdef PAS_SMPI_COMPAT_H
    /* Simulated (make smpi) with PAS_SMPI_GFLOPS=R: the multiply still runs
     * (the product is verified), but lasts, simulated, 2 m n k / R GFLOP/s
     * instead of the time it took here, so that other work on this machine
     * does not enter the simulated times.  Unset: the time it took. */
    static double rate = -1;
    if (rate < 0) {
        const char *e = getenv("PAS_SMPI_GFLOPS");
        rate = e ? strtod(e, NULL) : 0;
    }
    if (rate > 0) {
        smpi_bench_end();
        pas_status rc = gemm_any(is_float, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        smpi_execute(2.0 * (double)m * (double)n * (double)k / (rate * 1e9));
        smpi_bench_begin();
        return rc;
    }
#endif
    return gemm_any(is_float, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
