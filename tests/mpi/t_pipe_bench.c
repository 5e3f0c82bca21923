/* t_pipe_bench - bandwidth of 1 MiB items through a 2-rank pipeline against
 * raw MPI point-to-point streaming of 1 MiB messages, measured in the same
 * run (2 ranks).  Both double-buffered: the raw stream keeps 2 sends and
 * 2 receives outstanding; the pipeline uses its credits and send pool.
 * Prints medians of --reps runs each and the ratio; checks that every item
 * arrived once (count and a checksum of the sequence numbers). */
#include <stdlib.h>
#include <string.h>

#include "pas_driver.h"
#include "pas_pipe.h"
#include "pas_watch.h"

enum { TAG_RAW = 77 };

static uint64_t B_items, B_size, B_count, B_sum;

static int raw_stream(MPI_Comm comm, uint64_t msgs, size_t size, unsigned char *buf[2])
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    MPI_Request req[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    if (rank == 1) /* post receives first */
        for (int k = 0; k < 2 && (uint64_t)k < msgs; k++)
            MPI_Irecv(buf[k], (int)size, MPI_BYTE, 0, TAG_RAW, comm, &req[k]);
    for (uint64_t i = 0; i < msgs; i++) {
        int k = (int)(i % 2);
        if (rank == 0) {
            if (req[k] != MPI_REQUEST_NULL)
                PAS_WATCHED("MPI_Wait", 1, TAG_RAW, MPI_Wait(&req[k], MPI_STATUS_IGNORE));
            memcpy(buf[k], &i, sizeof i);
            MPI_Isend(buf[k], (int)size, MPI_BYTE, 1, TAG_RAW, comm, &req[k]);
        } else if (rank == 1) {
            PAS_WATCHED("MPI_Wait", 0, TAG_RAW, MPI_Wait(&req[k], MPI_STATUS_IGNORE));
            uint64_t got;
            memcpy(&got, buf[k], sizeof got);
            if (got != i)
                return PAS_ERR_VERIFY;
            if (i + 2 < msgs)
                MPI_Irecv(buf[k], (int)size, MPI_BYTE, 0, TAG_RAW, comm, &req[k]);
        }
    }
    MPI_Waitall(2, req, MPI_STATUSES_IGNORE);
    return PAS_OK;
}

typedef struct {
    uint64_t next;
} b_state_t;

static int b_init(void **state, const pas_pipe_where_t *where, void *arg)
{
    (void)where;
    (void)arg;
    *state = calloc(1, sizeof(b_state_t));
    return *state ? PAS_OK : PAS_ERR_NOMEM;
}

static void b_fini(void *state)
{
    free(state);
}

/* zero copy: the item is written in place in the outgoing batch */
static int b_source(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em)
{
    (void)in;
    b_state_t *s = state;
    if (s->next >= B_items)
        return PAS_PIPE_END;
    int rc;
    unsigned char *p = pas_pipe_emit_reserve(em, B_size, 0, &rc);
    if (!p)
        return rc;
    memcpy(p, &s->next, sizeof s->next);
    s->next++;
    return PAS_OK;
}

static int b_sink(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em)
{
    (void)state;
    (void)em;
    uint64_t seq;
    if (in->len != B_size)
        return PAS_ERR_VERIFY;
    memcpy(&seq, in->data, sizeof seq);
    B_count++;
    B_sum += pas_mix64(seq);
    return PAS_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    uint64_t size = 1 << 20, total = 2ULL << 30;
    int reps = 5;
    static const pas_prog_info_t info = {"t_pipe_bench", "pipeline bandwidth vs raw MPI streaming",
                                         "[options]", NULL};
    const pas_opt_t table[] = {
        {"size", PAS_OPT_SIZE, &size, "BYTES", "message / item size", NULL, 8, 1 << 30},
        {"total", PAS_OPT_SIZE, &total, "BYTES", "bytes streamed per run", NULL, 0, 0},
        {"runs", PAS_OPT_INT, &reps, "R", "runs of each (medians reported)", NULL, 1, 1000},
        {0},
    };
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, NULL, &argc, &argv);
    if (code >= 0)
        return code;
    int rc = pas_driver_check(&d, d.size == 2 ? PAS_OK : PAS_ERR_ARG,
                              "t_pipe_bench needs 2 ranks; run with -n 2");
    if (rc)
        return pas_driver_end(&d, rc);
    uint64_t msgs = total / size;
    unsigned char *buf[2] = {malloc(size), malloc(size)};
    memset(buf[0], 1, size);
    memset(buf[1], 2, size);
    B_items = msgs;
    B_size = size;

    pas_pipe_spec_t spec;
    char err[512] = "";
    pas_pipe_spec_parse("src:1,snk:1", NULL, &spec, err, sizeof err);
    pas_pipe_stage_t stages[2] = {{"src", b_init, b_source, NULL, b_fini, NULL},
                                  {"snk", b_init, b_sink, NULL, b_fini, NULL}};
    /* the default settings (256 KiB batch buffers: a 1 MiB item travels as
     * a LARGE message after its announcement, taking 4 of the 8 credits),
     * and an item that fits one batch message (8 or 2 credits) */
    pas_pipe_opts_t fit, large, two;
    pas_pipe_opts_default(&fit);
    fit.batch_bytes = size + 4096;
    pas_pipe_opts_default(&large);
    two = fit;
    two.credits = 2; /* like for like with the raw stream's 2 receives */
    double *t_raw = calloc((size_t)reps, sizeof(double)),
           *t_fit = calloc((size_t)reps, sizeof(double)),
           *t_large = calloc((size_t)reps, sizeof(double)),
           *t_two = calloc((size_t)reps, sizeof(double));
    uint64_t want = 0;
    for (uint64_t i = 0; i < msgs; i++)
        want += pas_mix64(i);
    for (int r = -1; r < reps && rc == PAS_OK; r++) { /* r = -1: warm-up */
        for (int v = 0; v < 4 && rc == PAS_OK; v++) {
            MPI_Barrier(d.comm);
            double t0 = MPI_Wtime();
            B_count = B_sum = 0;
            int st = v == 0 ? raw_stream(d.comm, msgs, size, buf)
                            : pas_pipe_run(d.comm, &spec, stages,
                                           v == 1   ? &fit
                                           : v == 2 ? &large
                                                    : &two,
                                           NULL, err, sizeof err);
            double dt = pas_time_max(d.comm, MPI_Wtime() - t0);
            if (st == PAS_OK && v > 0) {
                uint64_t mine[2] = {B_count, B_sum}, all[2];
                MPI_Allreduce(mine, all, 2, MPI_UINT64_T, MPI_SUM, d.comm);
                if (all[0] != msgs || all[1] != want) {
                    st = PAS_ERR_VERIFY;
                    snprintf(err, sizeof err, "verification failed: %llu of %llu items arrived",
                             (unsigned long long)all[0], (unsigned long long)msgs);
                }
            }
            rc = pas_driver_check(&d, st, err[0] ? err : "raw stream out of order");
            if (r >= 0)
                (v == 0 ? t_raw : v == 1 ? t_fit : v == 2 ? t_large : t_two)[r] = dt;
        }
    }
    if (rc == PAS_OK && d.rank == 0) {
        /* each round ran the four one after the other: the ratio of a round
         * compares runs under the same load, and its median is the figure */
        double *q_large = calloc((size_t)reps, sizeof(double)),
               *q_fit = calloc((size_t)reps, sizeof(double)),
               *q_two = calloc((size_t)reps, sizeof(double));
        for (int r = 0; q_large && q_fit && q_two && r < reps; r++) {
            q_large[r] = t_raw[r] / t_large[r];
            q_fit[r] = t_raw[r] / t_fit[r];
            q_two[r] = t_raw[r] / t_two[r];
        }
        if (q_large && q_fit && q_two) {
            qsort(q_large, (size_t)reps, sizeof(double), cmp_double);
            qsort(q_fit, (size_t)reps, sizeof(double), cmp_double);
            qsort(q_two, (size_t)reps, sizeof(double), cmp_double);
        }
        qsort(t_raw, (size_t)reps, sizeof(double), cmp_double);
        qsort(t_fit, (size_t)reps, sizeof(double), cmp_double);
        qsort(t_large, (size_t)reps, sizeof(double), cmp_double);
        qsort(t_two, (size_t)reps, sizeof(double), cmp_double);
        double bytes = (double)msgs * (double)size, raw = bytes / t_raw[reps / 2] / 1e9;
        double fitbw = bytes / t_fit[reps / 2] / 1e9, largebw = bytes / t_large[reps / 2] / 1e9;
        double twobw = bytes / t_two[reps / 2] / 1e9;
        double ql = q_large ? q_large[reps / 2] : 0, qf = q_fit ? q_fit[reps / 2] : 0;
        double q2 = q_two ? q_two[reps / 2] : 0;
        printf("bandwidth, %llu items of %llu B, 2 ranks, %d interleaved rounds (median of the "
               "rounds' ratios; bandwidths are medians):\n",
               (unsigned long long)msgs, (unsigned long long)size, reps);
        printf("  raw MPI Isend/Irecv, double-buffered                %7.2f GB/s\n", raw);
        printf("  pas pipeline, default settings (%zu KiB batches, %d credits) %7.2f GB/s  ratio "
               "%.2f\n",
               large.batch_bytes >> 10, large.credits, largebw, ql);
        printf("  pas pipeline, item in one batch (%d credits)         %7.2f GB/s  ratio %.2f\n",
               fit.credits, fitbw, qf);
        printf("  pas pipeline, item in one batch, 2 credits          %7.2f GB/s  ratio %.2f\n",
               twobw, q2);
        printf("bw_ratio=%.3f bw_ratio_fit=%.3f bw_ratio_2credits=%.3f\n", ql, qf, q2);
        free(q_large);
        free(q_fit);
        free(q_two);
    }
    free(t_raw);
    free(t_fit);
    free(t_large);
    free(t_two);
    free(buf[0]);
    free(buf[1]);
    return pas_driver_end(&d, rc);
}
