/* blas_dgemm - peer for bench-matmul: a CBLAS dgemm (OpenBLAS, or BLIS when
 * built with -DPEER_BLIS against BLIS, whose blis.h declares CBLAS) of n x n
 * matrices, timed like pas-matmul (warm-up, then reps; median).  Prints one
 * line: "blas_dgemm n=N threads=T median_s=S gflops=G check=ok".  The thread
 * count is the library's (OPENBLAS_NUM_THREADS, BLIS_NUM_THREADS). */
#ifdef PEER_BLIS
#include <blis.h>
#define peer_threads() ((int)bli_thread_get_num_threads())
#else
#include <cblas.h>
#define peer_threads() openblas_get_num_threads()
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4096, reps = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 1 || reps < 1 || reps > 100) {
        fprintf(stderr, "usage: blas_dgemm N [REPS]\n");
        return 2;
    }
    size_t nn = (size_t)n * n;
    size_t bytes = (nn * sizeof(double) + 63) / 64 * 64; /* on cache lines, as pas-matmul's */
    double *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes),
           *c = aligned_alloc(64, bytes);
    if (!a || !b || !c) {
        fprintf(stderr, "blas_dgemm: cannot allocate 3 x %d^2 doubles\n", n);
        return 1;
    }
    for (size_t i = 0; i < nn; i++) {
        a[i] = (double)((i * 7919) % 1000) / 1000 - 0.5;
        b[i] = (double)((i * 104729) % 1000) / 1000 - 0.5;
    }
    double t[100];
    for (int r = -1; r < reps; r++) {
        double t0 = now();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
        if (r >= 0)
            t[r] = now() - t0;
    }
    /* spot check one element against a dot product */
    double s = 0;
    for (int p = 0; p < n; p++)
        s += a[(size_t)p * n + 1] * b[(size_t)2 * n + p];
    int ok = fabs(s - c[(size_t)2 * n + 1]) <= 1e-10 * n;
    qsort(t, (size_t)reps, sizeof(double), cmp);
    double med = t[reps / 2];
    printf("blas_dgemm n=%d threads=%d median_s=%.4f gflops=%.2f check=%s\n", n, peer_threads(),
           med, 2.0 * n * (double)n * n / med / 1e9, ok ? "ok" : "WRONG");
    free(a), free(b), free(c);
    return ok ? 0 : 1;
}
