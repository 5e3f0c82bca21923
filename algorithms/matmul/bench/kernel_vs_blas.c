/* kernel_vs_blas - pas's local dgemm against a CBLAS dgemm (OpenBLAS) and,
 * when a BLIS library is named, BLIS's dgemm, in one process, alternating
 * call by call, timed both in wall seconds and in CPU seconds of the
 * process.  On a machine shared with other work the wall time measures the
 * neighbours as much as the kernel; CPU time (divided by the thread count)
 * counts only the time the kernel's threads ran.
 * Usage: kernel_vs_blas N THREADS REPS [LIBBLIS.so].  BLIS is loaded with
 * dlopen (RTLD_LOCAL) and called through its own API (bli_dgemm), so its
 * BLAS and CBLAS symbols never meet OpenBLAS's.  Prints the CPU the peers
 * chose, one line per kernel, and the ratios of the medians. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "pas_matmul.h"

void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);

/* BLIS's typed API (blis.h: dim_t and inc_t are 64-bit on LP64 builds,
 * trans_t an enum with BLIS_NO_TRANSPOSE = 0). */
typedef void (*bli_dgemm_fn)(int, int, int64_t, int64_t, int64_t, double *, double *, int64_t,
                             int64_t, double *, int64_t, int64_t, double *, double *, int64_t,
                             int64_t);

static double clock_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4096, threads = argc > 2 ? atoi(argv[2]) : 2;
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    if (n < 1 || threads < 1 || reps < 1 || reps > 100) {
        fprintf(stderr, "usage: kernel_vs_blas N THREADS REPS [LIBBLIS.so]\n");
        return 2;
    }
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
    openblas_set_num_threads(threads);
    bli_dgemm_fn bli_dgemm = NULL;
    if (argc > 4) {
        void *h = dlopen(argv[4], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "kernel_vs_blas: cannot load BLIS (%s); give the path of libblis.so\n",
                    dlerror());
            return 2;
        }
        bli_dgemm = (bli_dgemm_fn)(uintptr_t)dlsym(h, "bli_dgemm");
        void (*set_threads)(int64_t) = (void (*)(int64_t))(uintptr_t)dlsym(h, "bli_thread_set_num_"
                                                                              "threads");
        int (*arch_id)(void) = (int (*)(void))(uintptr_t)dlsym(h, "bli_arch_query_id");
        const char *(*arch_name)(int) =
            (const char *(*)(int))(uintptr_t)dlsym(h, "bli_arch_string");
        if (!bli_dgemm || !set_threads) {
            fprintf(stderr, "kernel_vs_blas: %s has no bli_dgemm; give the path of libblis.so\n",
                    argv[4]);
            return 2;
        }
        set_threads(threads);
        if (arch_id && arch_name)
            printf("kernel BLIS chose its %s kernels\n", arch_name(arch_id()));
    }
    printf("kernel OpenBLAS chose its %s kernels\n", openblas_get_corename());
    int mr, nr, vb;
    size_t blk[3];
    pas_matmul_kernel_shape(0, &mr, &nr, &vb);
    pas_matmul_kernel_blocks(0, blk);
    printf("kernel pas tile %d x %d (%d-byte vectors), blocks MC x KC x NC = %zu x %zu x %zu\n", mr,
           nr, vb, blk[0], blk[1], blk[2]);
    size_t nn = (size_t)n * n;
    size_t bytes = nn * sizeof(double);
    /* on cache lines, as pas-matmul's */
    double *a = pas_matmul_alloc(bytes), *b = pas_matmul_alloc(bytes), *c = pas_matmul_alloc(bytes);
    if (!a || !b || !c)
        return 1;
    for (size_t i = 0; i < nn; i++) {
        a[i] = (double)((i * 7919) % 1000) / 1000 - 0.5;
        b[i] = (double)((i * 104729) % 1000) / 1000 - 0.5;
    }
    int nk = bli_dgemm ? 3 : 2;
    double wall[3][100], cpu[3][100], flops = 2.0 * n * (double)n * n, one = 1, zero = 0;
    for (int r = -1; r < reps; r++)
        for (int k = 0; k < nk; k++) {
            double w0 = clock_of(CLOCK_MONOTONIC), c0 = clock_of(CLOCK_PROCESS_CPUTIME_ID);
            if (k == 0)
                pas_matmul_dgemm(0, 0, (size_t)n, (size_t)n, (size_t)n, 1.0, a, (size_t)n, b,
                                 (size_t)n, 0.0, c, (size_t)n);
            else if (k == 1)
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n,
                            0.0, c, n);
            else
                bli_dgemm(0, 0, n, n, n, &one, a, 1, n, b, 1, n, &zero, c, 1, n);
            if (r >= 0) {
                wall[k][r] = clock_of(CLOCK_MONOTONIC) - w0;
                cpu[k][r] = (clock_of(CLOCK_PROCESS_CPUTIME_ID) - c0) / threads;
            }
        }
    const char *name[3] = {"pas dgemm", "OpenBLAS dgemm", "BLIS dgemm"};
    double med_w[3], med_c[3];
    for (int k = 0; k < nk; k++) {
        qsort(wall[k], (size_t)reps, sizeof(double), cmp);
        qsort(cpu[k], (size_t)reps, sizeof(double), cmp);
        med_w[k] = wall[k][reps / 2];
        med_c[k] = cpu[k][reps / 2];
        printf("kernel %-15s n=%d threads=%d  wall %.1f GFLOP/s  cpu %.1f GFLOP/s per "
               "thread-second x %d = %.1f\n",
               name[k], n, threads, flops / med_w[k] / 1e9, flops / med_c[k] / 1e9 / threads,
               threads, flops / med_c[k] / 1e9);
    }
    printf("kernel ratio pas/OpenBLAS  wall %.3f  cpu %.3f\n", med_w[1] / med_w[0],
           med_c[1] / med_c[0]);
    if (nk == 3)
        printf("kernel ratio pas/BLIS      wall %.3f  cpu %.3f\n", med_w[2] / med_w[0],
               med_c[2] / med_c[0]);
    free(a), free(b), free(c);
    return 0;
}
