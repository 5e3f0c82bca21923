/* local_gemm.c - the packed, cache-blocked, OpenMP-parallel local kernel for
 * each element type of PAS_MATMUL_TYPES (one template, local_gemm_tmpl.h). */
#ifndef _DEFAULT_SOURCE /* smpicc defines it already */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE and sched_yield under -std=c11 */
#endif
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

#include <stdio.h>
#include <sys/mman.h>

#include "matmul_internal.h"
#include "pas_matmul.h"

/* ---- cache blocking, chosen at run time ---------------------------------- */

/* The size of this CPU's level-`level` data (or unified) cache: sysconf (glibc
 * reads cpuid leaf 4, or 0x8000001D on AMD), else /sys; 0 when unknown. */
static size_t cache_size(int level)
{
    long v = 0;
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE)
    v = sysconf(level == 1   ? _SC_LEVEL1_DCACHE_SIZE
                : level == 2 ? _SC_LEVEL2_CACHE_SIZE
                             : _SC_LEVEL3_CACHE_SIZE);
#endif
    for (int i = 0; v <= 0 && i < 8; i++) { /* index0..: level, type, size ("48K") */
        char path[80], type[16] = "";
        int lv = 0;
        unsigned long kib = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        FILE *f = fopen(path, "r");
        if (!f)
            break;
        int ok = fscanf(f, "%d", &lv) == 1;
        fclose(f);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        if ((f = fopen(path, "r"))) {
            ok = ok && fscanf(f, "%15s", type) == 1;
            fclose(f);
        }
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if ((f = fopen(path, "r"))) {
            ok = ok && fscanf(f, "%luK", &kib) == 1;
            fclose(f);
        }
        if (ok && lv == level && strcmp(type, "Instruction") != 0)
            v = (long)(kib * 1024);
    }
    return v > 0 ? (size_t)v : 0;
}

/* This CPU as the blocking rule sees it: vendor and family from cpuid. */
static pas_matmul_cpu_t detect_cpu(void)
{
    pas_matmul_cpu_t cpu = {0, 0, cache_size(1), cache_size(2), cache_size(3)};
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid(0, &eax, &ebx, &ecx, &edx)) {
        cpu.amd = ebx == 0x68747541; /* "Auth" of AuthenticAMD */
        if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
            unsigned fam = (eax >> 8) & 0xf;
            cpu.family = (int)(fam == 0xf ? fam + ((eax >> 20) & 0xff) : fam);
        }
    }
#endif
    return cpu;
}

static size_t clamp(size_t x, size_t lo, size_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

void pas_matmul_blocks_for(const pas_matmul_cpu_t *cpu, size_t elem, size_t mr, size_t nr,
                           const size_t table[3], size_t out[3])
{
    if ((cpu->amd && (cpu->family == 25 || cpu->family == 26)) || !cpu->l1d || !cpu->l2 || !elem) {
        out[0] = table[0], out[1] = table[1], out[2] = table[2];
        return;
    }
    size_t kc = clamp(cpu->l1d / 2 / (nr * elem) / 16 * 16, 128, 768);
    size_t mc = clamp(cpu->l2 / 2 / (kc * elem) / mr * mr, mr, (1024 + mr - 1) / mr * mr);
    size_t nc = cpu->l3 ? cpu->l3 / 4 / (kc * elem) / nr * nr : table[2];
    out[0] = mc, out[1] = kc, out[2] = clamp(nc, 16 * nr, 4096);
}

/* This machine's blocks for one element type: the rule above on the caches
 * found once per process (a race only computes the same values twice);
 * PAS_MATMUL_BLOCKS="MC,KC,NC" overrides them (for tuning), MC and NC
 * rounded up to the register tile. */
static void pas_matmul_blocks(size_t elem, size_t mr, size_t nr, const size_t table[3], size_t *mc,
                              size_t *kc, size_t *nc)
{
    static pas_matmul_cpu_t cpu;
    static int known;
    if (!__atomic_load_n(&known, __ATOMIC_ACQUIRE)) {
        pas_matmul_cpu_t c = detect_cpu();
        __atomic_store_n(&cpu.amd, c.amd, __ATOMIC_RELAXED);
        __atomic_store_n(&cpu.family, c.family, __ATOMIC_RELAXED);
        __atomic_store_n(&cpu.l1d, c.l1d, __ATOMIC_RELAXED);
        __atomic_store_n(&cpu.l2, c.l2, __ATOMIC_RELAXED);
        __atomic_store_n(&cpu.l3, c.l3, __ATOMIC_RELAXED);
        __atomic_store_n(&known, 1, __ATOMIC_RELEASE);
    }
    pas_matmul_cpu_t c = {
        __atomic_load_n(&cpu.amd, __ATOMIC_RELAXED), __atomic_load_n(&cpu.family, __ATOMIC_RELAXED),
        __atomic_load_n(&cpu.l1d, __ATOMIC_RELAXED), __atomic_load_n(&cpu.l2, __ATOMIC_RELAXED),
        __atomic_load_n(&cpu.l3, __ATOMIC_RELAXED)};
    size_t b[3];
    pas_matmul_blocks_for(&c, elem, mr, nr, table, b);
    *mc = b[0], *kc = b[1], *nc = b[2];
    const char *e = getenv("PAS_MATMUL_BLOCKS");
    unsigned long x, y, z;
    if (e && sscanf(e, "%lu,%lu,%lu", &x, &y, &z) == 3 && x && y && z) {
        *mc = (x + mr - 1) / mr * mr;
        *kc = y;
        *nc = (z + nr - 1) / nr * nr;
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

/* The packing buffers of one multiply, kept for the next: SUMMA multiplies
 * panel by panel, and a fresh buffer each call is fresh pages each call
 * (page faults, zeroing, and, for the huge pages asked for, compaction).
 * One buffer is kept (a 64-byte header holds its size); callers at once
 * each take their own.  Up to PAS_MATMUL_KEEP bytes stay allocated; none
 * in the simulated build (make smpi), where each of thousands of simulated
 * ranks in one process would keep its own (privatized globals). */
#ifdef PAS_SMPI_COMPAT_H
#define PAS_MATMUL_KEEP ((size_t)0)
#else
#define PAS_MATMUL_KEEP ((size_t)256 << 20)
#endif
static void *kept_buffer;

static void *buffer_take(size_t bytes)
{
    char *p = __atomic_exchange_n(&kept_buffer, NULL, __ATOMIC_ACQ_REL);
    if (p && *(size_t *)p >= bytes)
        return p + 64;
    free(p);
    size_t total = 64 + pas_matmul_line_bytes(bytes); /* a header line, then the buffer */
    if (!(p = aligned_alloc(64, total)))
        return NULL;
    *(size_t *)p = total - 64;
    pas_matmul_advise_huge(p + 64, total - 64);
    return p + 64;
}

static void buffer_give(void *buf)
{
    if (!buf)
        return;
    char *p = (char *)buf - 64;
    if (*(size_t *)p > PAS_MATMUL_KEEP) {
        free(p);
        return;
    }
    free(__atomic_exchange_n(&kept_buffer, p, __ATOMIC_ACQ_REL));
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

void pas_matmul_kernel_blocks(int is_float, size_t blocks[3])
{
    if (is_float)
        pas_matmul_blocks(sizeof(float), PAS_MR_s, PAS_NR_s,
                          (const size_t[3]){PAS_MC_s, PAS_KC_s, PAS_NC_s}, &blocks[0], &blocks[1],
                          &blocks[2]);
    else
        pas_matmul_blocks(sizeof(double), PAS_MR_d, PAS_NR_d,
                          (const size_t[3]){PAS_MC_d, PAS_KC_d, PAS_NC_d}, &blocks[0], &blocks[1],
                          &blocks[2]);
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
