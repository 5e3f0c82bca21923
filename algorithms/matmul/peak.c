/* peak.c - the machine's FMA throughput, measured: independent chains of
 * vector FMAs (more chains than FMA latency x pipes), on every thread of the
 * team, so a kernel's rate is compared with what this machine does now. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, CLOCK_MONOTONIC under -std=c11 */
#include <stdint.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "matmul_internal.h"
#include "pas_matmul.h"

#define CHAINS 12

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* Twelve named accumulators (not an array, which GCC keeps in memory here):
 * FMA latency 4 x 2 pipes needs at least 8 chains in flight. */
/* Twelve independent chains per line, as the FMA units see them: */
/* clang-format off */
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

/* clang-format on */
PEAK_LOOP(double, fma_chains_d)
PEAK_LOOP(float, fma_chains_s)

double pas_matmul_fma_peak(int is_float, int threads, double seconds, double *per_cpu)
{
    if (threads < 1)
        threads = 1;
    int vlen = PAS_VBYTES / (is_float ? 4 : 8);
    double flops_per_iter = 2.0 * vlen * CHAINS, sink = 0, total = 0, cpu_rate = 0;
    /* Every thread runs chunks of about 0.1 ms until the window closes; the
     * rate is the work done over the window.  Ranks that measure at the same
     * time (after a barrier) share the cores fairly, so the sum of their
     * rates is the machine's, even when oversubscribed. */
    const long chunk = 2048;
    double t0 = now(), t1 = t0;
#pragma omp parallel num_threads(threads) reduction(+ : sink, total, cpu_rate)
    {
        double end, c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), mine = 0;
        do {
            sink += is_float ? fma_chains_s(chunk, 1e-7f) : fma_chains_d(chunk, 1e-9);
            mine += flops_per_iter * (double)chunk;
            end = now();
        } while (end - t0 < seconds);
        double c = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
        total += mine;
        cpu_rate += c > 0 ? mine / c / 1e9 : 0;
#pragma omp critical
        t1 = end > t1 ? end : t1;
    }
    double rate = total / (t1 - t0) / 1e9;
    if (per_cpu)
        *per_cpu = cpu_rate;
    return sink == 12345.678 ? rate + 1e-300 : rate; /* uses sink */
}
