/* peak.c - the machine's FMA throughput, measured: independent chains of
 * vector FMAs (more chains than FMA latency x pipes), on every thread of the
 * team, so a kernel's rate is compared with what this machine does now. */
#include <stdint.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "matmul_internal.h"
#include "pas_matmul.h"

#define CHAINS 12

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Twelve named accumulators (not an array, which GCC keeps in memory here):
 * FMA latency 4 x 2 pipes needs at least 8 chains in flight. */
#define PEAK_STEP(x) x = x * mul + add;
#define PEAK_LOOP(T, NAME)                                                                        \
    typedef T NAME##_vec __attribute__((vector_size(PAS_VBYTES)));                                \
    static double NAME(long iters, T seed)                                                        \
    {                                                                                             \
        NAME##_vec z = {0}, mul = z + (T)0.999999, add = z + seed;                                \
        NAME##_vec a0 = z + 1, a1 = z + 2, a2 = z + 3, a3 = z + 4, a4 = z + 5, a5 = z + 6;         \
        NAME##_vec a6 = z + 7, a7 = z + 8, a8 = z + 9, a9 = z + 10, a10 = z + 11, a11 = z + 12;    \
        for (long it = 0; it < iters; it++) {                                                     \
            PEAK_STEP(a0) PEAK_STEP(a1) PEAK_STEP(a2) PEAK_STEP(a3) PEAK_STEP(a4) PEAK_STEP(a5)   \
            PEAK_STEP(a6) PEAK_STEP(a7) PEAK_STEP(a8) PEAK_STEP(a9) PEAK_STEP(a10) PEAK_STEP(a11) \
            __asm__ volatile("" : "+v"(a0), "+v"(a11)); /* keep every iteration */               \
        }                                                                                         \
        NAME##_vec s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;               \
        T t = 0;                                                                                  \
        for (int l = 0; l < (int)(PAS_VBYTES / sizeof(T)); l++)                                   \
            t += s[l];                                                                            \
        return (double)t;                                                                         \
    }

PEAK_LOOP(double, fma_chains_d)
PEAK_LOOP(float, fma_chains_s)

double pas_matmul_fma_peak(int is_float, int threads, double seconds)
{
    if (threads < 1)
        threads = 1;
    int vlen = PAS_VBYTES / (is_float ? 4 : 8);
    double flops_per_iter = 2.0 * vlen * CHAINS;
    /* calibrate on one thread, then run the team for about `seconds` */
    long iters = 1 << 16;
    double t = 0, sink = 0;
    for (;;) {
        double t0 = now();
        sink += is_float ? fma_chains_s(iters, 1e-7f) : fma_chains_d(iters, 1e-9);
        t = now() - t0;
        if (t > 0.02 || iters > (1L << 40))
            break;
        iters *= 4;
    }
    iters = (long)(iters * (seconds / 3 / (t > 0 ? t : 1e-3))) + 1;
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        sink += is_float ? fma_chains_s(iters, 1e-7f) : fma_chains_d(iters, 1e-9);
        double dt = now() - t0;
        double rate = flops_per_iter * (double)iters * threads / dt / 1e9;
        if (rate > best)
            best = rate;
    }
    return sink == 12345.678 ? best + 1e-300 : best; /* uses sink */
}
