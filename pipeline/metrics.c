/* metrics.c - the latency histogram and the per-stage report. */
#include <math.h>
#include <string.h>

#include "pas_pipe.h"

/* Bin b covers [2^(b/8), 2^((b+1)/8)) microseconds; bin 0 also takes less. */
static int hist_bin(double seconds)
{
    double us = seconds * 1e6;
    if (!(us > 1.0))
        return 0;
    int b = (int)(8.0 * log2(us));
    return b < PAS_PIPE_HIST_BINS ? b : PAS_PIPE_HIST_BINS - 1;
}

void pas_pipe_hist_add(pas_pipe_hist_t *h, double seconds)
{
    h->bin[hist_bin(seconds)]++;
    h->n++;
}

double pas_pipe_hist_quantile(const pas_pipe_hist_t *h, double q)
{
    if (h->n == 0)
        return 0;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    /* the smallest bin whose cumulative count reaches ceil(q n), at its middle */
    uint64_t want = (uint64_t)ceil(q * (double)h->n), seen = 0;
    if (want == 0)
        want = 1;
    for (int b = 0; b < PAS_PIPE_HIST_BINS; b++) {
        seen += h->bin[b];
        if (seen >= want)
            return 1e-6 * exp2(((double)b + 0.5) / 8.0);
    }
    return 1e-6 * exp2((double)PAS_PIPE_HIST_BINS / 8.0);
}

void pas_pipe_metrics_print(FILE *out, const pas_pipe_metrics_t *m)
{
    fprintf(out, "%-10s %5s %12s %12s %12s %7s %8s %5s\n", "stage", "ranks", "items_in", "items_out",
            "items/s", "busy%", "queue", "qmax");
    for (int s = 0; s < m->nstages; s++)
        fprintf(out, "%-10s %5d %12llu %12llu %12.4g %7.1f %8.2f %5d\n", m->name[s], m->workers[s],
                (unsigned long long)m->items_in[s], (unsigned long long)m->items_out[s], m->rate[s],
                100.0 * m->busy[s], m->qdepth[s], m->qmax[s]);
    fprintf(out, "latency p50 = %.3g ms, p99 = %.3g ms (end to end)\n", 1e3 * m->lat_p50, 1e3 * m->lat_p99);
    if (m->bottleneck >= 0)
        fprintf(out, "bottleneck = %s (busy %.1f%% per worker)\n", m->name[m->bottleneck],
                100.0 * m->busy[m->bottleneck]);
}
