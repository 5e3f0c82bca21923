/* kernel_vs_blas - pas's local dgemm against a CBLAS dgemm (OpenBLAS) in one
 * process, alternating call by call, timed both in wall seconds and in CPU
 * seconds of the process.  On a machine shared with other work the wall
 * time measures the neighbours as much as the kernel; CPU time (divided by
 * the thread count) counts only the time the kernel's threads ran.
 * Usage: kernel_vs_blas N THREADS REPS.  Prints one line per kernel and the
 * ratio of the medians. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "pas_matmul.h"

void openblas_set_num_threads(int num_threads);

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
        fprintf(stderr, "usage: kernel_vs_blas N THREADS REPS\n");
        return 2;
    }
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
    openblas_set_num_threads(threads);
    size_t nn = (size_t)n * n;
    double *a = malloc(nn * sizeof(double)), *b = malloc(nn * sizeof(double)),
           *c = malloc(nn * sizeof(double));
    if (!a || !b || !c)
        return 1;
    for (size_t i = 0; i < nn; i++) {
        a[i] = (double)((i * 7919) % 1000) / 1000 - 0.5;
        b[i] = (double)((i * 104729) % 1000) / 1000 - 0.5;
    }
    double wall[2][100], cpu[2][100], flops = 2.0 * n * (double)n * n;
    for (int r = -1; r < reps; r++)
        for (int k = 0; k < 2; k++) {
            double w0 = clock_of(CLOCK_MONOTONIC), c0 = clock_of(CLOCK_PROCESS_CPUTIME_ID);
            if (k == 0)
                pas_matmul_dgemm(0, 0, (size_t)n, (size_t)n, (size_t)n, 1.0, a, (size_t)n, b,
                                 (size_t)n, 0.0, c, (size_t)n);
            else
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n,
                            0.0, c, n);
            if (r >= 0) {
                wall[k][r] = clock_of(CLOCK_MONOTONIC) - w0;
                cpu[k][r] = (clock_of(CLOCK_PROCESS_CPUTIME_ID) - c0) / threads;
            }
        }
    const char *name[2] = {"pas dgemm", "OpenBLAS dgemm"};
    double med_w[2], med_c[2];
    for (int k = 0; k < 2; k++) {
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
    free(a), free(b), free(c);
    return 0;
}
