/* metrics.c - the clock, the latency histogram, and the per-stage metrics:
 * each worker's counts summed per stage, then printed. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <string.h>
#include <time.h>

#include "pipe_internal.h"

double pas_pipe_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

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
    fprintf(out, "%-10s %5s %12s %12s %12s %7s %8s %5s\n", "stage", "ranks", "items_in",
            "items_out", "items/s", "busy%", "queue", "qmax");
    for (int s = 0; s < m->nstages; s++)
        fprintf(out, "%-10s %5d %12llu %12llu %12.4g %7.1f %8.2f %5d\n", m->name[s], m->workers[s],
                (unsigned long long)m->items_in[s], (unsigned long long)m->items_out[s], m->rate[s],
                100.0 * m->busy[s], m->qdepth[s], m->qmax[s]);
    fprintf(out, "latency p50 = %.3g ms, p99 = %.3g ms (end to end)\n", 1e3 * m->lat_p50,
            1e3 * m->lat_p99);
    if (m->bottleneck >= 0)
        fprintf(out, "bottleneck = %s (busy %.1f%% per worker)\n", m->name[m->bottleneck],
                100.0 * m->busy[m->bottleneck]);
}

void pas_pipe_metrics_add(pas_pipe_metrics_t *m, const pipe_worker_t *w)
{
    int s = w->where.stage;
    double wall = w->t_end - w->t_start;
    m->items_in[s] += w->items_in;
    m->items_out[s] += w->items_out;
    m->bytes_out[s] += w->bytes_out;
    m->busy[s] += wall > 0 ? 1.0 - w->t_blocked / wall : 0;
    m->qdepth[s] += w->qn ? w->qsum / (double)w->qn : 0;
    if (w->qmax > m->qmax[s])
        m->qmax[s] = w->qmax;
    if (wall > m->rate[s])
        m->rate[s] = wall; /* the slowest worker's wall time until finish */
}

void pas_pipe_metrics_finish(pas_pipe_metrics_t *m, const pas_pipe_spec_t *spec,
                             const pas_pipe_hist_t *h)
{
    m->nstages = spec->nstages;
    m->bottleneck = -1;
    m->wall = 0;
    for (int s = 0; s < spec->nstages; s++) {
        snprintf(m->name[s], sizeof m->name[s], "%s", spec->name[s]);
        m->workers[s] = spec->count[s];
        m->busy[s] /= spec->count[s];
        m->qdepth[s] /= spec->count[s];
        double wall = m->rate[s];
        if (wall > m->wall)
            m->wall = wall;
        uint64_t n = s == 0 ? m->items_out[s] : m->items_in[s];
        m->rate[s] = wall > 0 ? (double)n / wall : 0;
        if (m->bottleneck < 0 || m->busy[s] > m->busy[m->bottleneck])
            m->bottleneck = s;
    }
    m->lat_p50 = pas_pipe_hist_quantile(h, 0.5);
    m->lat_p99 = pas_pipe_hist_quantile(h, 0.99);
}
