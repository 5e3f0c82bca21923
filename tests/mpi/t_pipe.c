/* t_pipe - self-checking runs of the pipeline library at any rank count.
 *
 * The first stage of --spec is a source of --n items, item i having
 * len(i) bytes of content(i) (zero-length items included); every middle
 * stage passes each item on --fanout times (0: emits nothing); the last
 * stage checks every item against content(i) and, with --ordered, that they
 * come in the source's order.  Counts and an order-independent checksum are
 * compared with the expected ones on every rank, so a lost, duplicated or
 * corrupted item fails the run (exit 1).
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pas_driver.h"
#include "pas_pipe.h"

typedef struct {
    uint64_t n, big;
    int fanout, zero, ordered, slow_us, slow_index, fail_at, crash_at, middles, fix_len;
    uint64_t count, sum, order_errors, content_errors, next;
    uint64_t my_items; /* items this rank's stage processed */
} t_ctx_t;

static t_ctx_t T;

static size_t item_len(uint64_t i)
{
    if (T.zero)
        return 0;
    if (T.fix_len)
        return (size_t)T.fix_len;
    if (T.big && i % 7 == 3)
        return (size_t)T.big + (size_t)(i % 5); /* larger than a batch buffer */
    return (size_t)(pas_mix64(i) % 300);        /* 0 .. 299, zero included */
}

static unsigned char item_byte(uint64_t i, size_t k)
{
    return (unsigned char)((i * 131u + k * 7u) ^ (k >> 8));
}

static uint64_t item_hash(const unsigned char *p, size_t len)
{
    uint64_t h = pas_mix64(len);
    for (size_t k = 0; k < len; k++)
        h = pas_mix64(h ^ p[k]);
    return h;
}

static uint64_t expect_hash(uint64_t i)
{
    size_t len = item_len(i);
    uint64_t h = pas_mix64(len);
    for (size_t k = 0; k < len; k++)
        h = pas_mix64(h ^ item_byte(i, k));
    return h;
}

typedef struct {
    pas_pipe_where_t where;
    uint64_t i, items;
} t_state_t;

static int t_init(void **state, const pas_pipe_where_t *where, void *arg)
{
    (void)arg;
    t_state_t *s = calloc(1, sizeof *s);
    if (!s)
        return PAS_ERR_NOMEM;
    s->where = *where;
    s->i = (uint64_t)where->index; /* a source farm: worker k makes items k, k + count, ... */
    *state = s;
    return PAS_OK;
}

static void t_fini(void *state)
{
    t_state_t *s = state;
    __atomic_fetch_add(&T.my_items, s->items, __ATOMIC_RELAXED); /* one worker per rank with MPI */
    free(state);
}

static int t_source(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em)
{
    (void)in;
    t_state_t *s = state;
    if (s->i >= T.n)
        return PAS_PIPE_END;
    size_t len = item_len(s->i);
    int rc;
    unsigned char *p = pas_pipe_emit_reserve(em, len, (int)(s->i % 3), &rc);
    if (!p)
        return rc;
    for (size_t k = 0; k < len; k++)
        p[k] = item_byte(s->i, k);
    s->i += (uint64_t)s->where.count;
    s->items++;
    return PAS_OK;
}

static int t_middle(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em)
{
    t_state_t *s = state;
    s->items++;
    if (T.fail_at >= 0 && s->where.stage == 1 && in->seq == (uint64_t)T.fail_at)
        return PAS_ERR_IO;
    if (T.crash_at >= 0 && s->where.stage == 1 && in->seq == (uint64_t)T.crash_at)
        raise(SIGSEGV); /* a callback that crashes its rank */
    if (T.slow_us > 0 && (T.slow_index < 0 || T.slow_index == s->where.index)) {
        struct timespec ts = {0, (long)T.slow_us * 1000};
        nanosleep(&ts, NULL);
    }
    for (int k = 0; k < T.fanout; k++) {
        int rc = pas_pipe_emit(em, in->data, in->len, in->prio);
        if (rc)
            return rc;
    }
    return PAS_OK;
}

static uint64_t copies(void)
{
    uint64_t c = 1;
    for (int m = 0; m < T.middles; m++)
        c *= (uint64_t)T.fanout;
    return c;
}

static int t_sink(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em)
{
    (void)em;
    t_state_t *s = state;
    uint64_t h = item_hash(in->data, in->len);
    __atomic_fetch_add(&T.count, 1, __ATOMIC_RELAXED); /* a sink farm of threads shares T */
    __atomic_fetch_add(&T.sum, pas_mix64(h), __ATOMIC_RELAXED);
    s->items++;
    if (T.ordered) { /* the source's item T.next / copies, in order */
        uint64_t i = T.next++ / copies();
        if (i >= T.n || h != expect_hash(i))
            __atomic_fetch_add(&T.order_errors, 1, __ATOMIC_RELAXED);
    }
    return PAS_OK;
}

int main(int argc, char **argv)
{
    const char *spec_text = "src:1,mid:1,snk:1", *fault = "";
    uint64_t n = 1000, big = 0, batch_bytes = 256 << 10;
    int fanout = 1, zero = 0, ordered = 0, slow_us = 0, slow_index = -1, fail_at = -1, credits = 4;
    int batch = 64, aging = 0, check_fair = 0, fix_len = 0, crash_at = -1;
    for (int i = 1; i + 1 < argc; i++) /* PAS_FAULT must be set before the watchdog starts */
        if (strcmp(argv[i], "--fault") == 0)
            setenv("PAS_FAULT", argv[i + 1], 1);
    static const pas_prog_info_t info = {"t_pipe", "self-checking pipeline runs", "[options]",
                                         NULL};
    const pas_opt_t table[] = {
        {"spec", PAS_OPT_STRING, &spec_text, "SPEC", "stages: first is the source, last the sink",
         NULL, 0, 0},
        {"n", PAS_OPT_SIZE, &n, "N", "items from the source", NULL, 0, 0},
        {"fanout", PAS_OPT_INT, &fanout, "K", "copies each middle stage emits per item (0: none)",
         NULL, 0, 1000},
        {"zero", PAS_OPT_FLAG, &zero, NULL, "every item has zero bytes", NULL, 0, 0},
        {"len", PAS_OPT_INT, &fix_len, "B", "every item has B bytes (0: mixed sizes)", NULL, 0,
         1 << 30},
        {"big", PAS_OPT_SIZE, &big, "B", "every 7th item has about B bytes", NULL, 0, 0},
        {"ordered", PAS_OPT_FLAG, &ordered, NULL, "restore the source's order and check it", NULL,
         0, 0},
        {"slow-us", PAS_OPT_INT, &slow_us, "US", "middle stages sleep US per item", NULL, 0,
         1000000},
        {"slow-index", PAS_OPT_INT, &slow_index, "K", "only farm worker K is slow (-1: all)", NULL,
         -1, 1000},
        {"check-fair", PAS_OPT_FLAG, &check_fair, NULL,
         "check that the slow worker got fewer items", NULL, 0, 0},
        {"fail-at", PAS_OPT_INT, &fail_at, "SEQ", "stage 1 fails on item SEQ", NULL, -1, 1 << 30},
        {"crash-at", PAS_OPT_INT, &crash_at, "SEQ", "stage 1 crashes (SIGSEGV) on item SEQ", NULL,
         -1, 1 << 30},
        {"fault", PAS_OPT_STRING, &fault, "SPEC", "set PAS_FAULT (RANK:PHASE:ACTION[:N])", NULL, 0,
         0},
        {"credits", PAS_OPT_INT, &credits, "C", "batches in flight per link", NULL, 1, 1024},
        {"batch", PAS_OPT_INT, &batch, "B", "items per batch", NULL, 1, 1 << 20},
        {"batch-bytes", PAS_OPT_SIZE, &batch_bytes, "B", "bytes per batch message", NULL, 4096,
         1 << 30},
        {"aging", PAS_OPT_INT, &aging, "A", "priority scheduling with aging A (0: FIFO)", NULL, 0,
         1 << 20},
        {0},
    };
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, NULL, &argc, &argv);
    if (code >= 0)
        return code;

    pas_pipe_spec_t spec;
    char err[512] = "";
    int rc =
        pas_driver_check(&d, pas_pipe_spec_parse(spec_text, NULL, &spec, err, sizeof err), err);
    pas_pipe_opts_t opt;
    pas_pipe_opts_default(&opt);
    opt.ordered = ordered;
    opt.credits = credits;
    opt.batch_items = batch;
    opt.batch_bytes = batch_bytes;
    opt.aging = aging;
    if (rc == PAS_OK)
        rc = pas_driver_check(&d, pas_pipe_check(&spec, &opt, d.size, err, sizeof err), err);
    if (rc)
        return pas_driver_end(&d, rc);
    pas_pipe_crash_report_install(d.rank);
    T = (t_ctx_t){.n = n,
                  .big = big,
                  .fanout = fanout,
                  .zero = zero,
                  .ordered = ordered,
                  .slow_us = slow_us,
                  .slow_index = slow_index,
                  .fail_at = fail_at,
                  .crash_at = crash_at,
                  .middles = spec.nstages - 2 > 0 ? spec.nstages - 2 : 0,
                  .fix_len = fix_len};
    pas_pipe_stage_t stages[PAS_PIPE_MAX_STAGES];
    for (int s = 0; s < spec.nstages; s++) {
        int (*fn)(void *, const pas_pipe_item_t *, pas_pipe_emit_t *) = s == 0 ? t_source
                                                                        : s == spec.nstages - 1
                                                                            ? t_sink
                                                                            : t_middle;
        stages[s] = (pas_pipe_stage_t){spec.name[s], t_init, fn, NULL, t_fini, NULL};
    }
    if (spec.nstages == 1) { /* a lone source is its own sink: count there */
        T.middles = 0;
    }
    pas_pipe_metrics_t m;
    double t0 = MPI_Wtime();
    rc = pas_pipe_run(d.comm, &spec, stages, &opt, &m, err, sizeof err);
    double dt = pas_time_max(d.comm, MPI_Wtime() - t0);
    rc = pas_driver_check(&d, rc, err);
    if (rc == PAS_OK) {
        /* expected: every item copies() times, checked without gathering */
        uint64_t want_count = spec.nstages > 1 ? n * copies() : 0, want_sum = 0;
        if (spec.nstages > 1 && copies() > 0)
            for (uint64_t i = 0; i < n; i++)
                want_sum += copies() * pas_mix64(expect_hash(i));
        uint64_t got[3] = {T.count, T.sum, T.order_errors}, all[3];
        MPI_Allreduce(got, all, 3, MPI_UINT64_T, MPI_SUM, d.comm);
        int v = all[0] == want_count && all[1] == want_sum && all[2] == 0 ? PAS_OK : PAS_ERR_VERIFY;
        rc = pas_driver_checkf(
            &d, v, "verification failed: %llu items (want %llu), checksum %s, %llu out of order",
            (unsigned long long)all[0], (unsigned long long)want_count,
            all[1] == want_sum ? "ok" : "WRONG", (unsigned long long)all[2]);
    }
    if (rc == PAS_OK && check_fair && d.size > 1 && spec.nstages >= 3 && spec.count[1] > 1) {
        /* the slow worker of the farm (stage 1) must have taken fewer items */
        int idx, st = pas_pipe_spec_locate(&spec, d.rank, &idx);
        uint64_t mine = st == 1 ? T.my_items : 0, slow = 0, total = 0;
        uint64_t s_in = st == 1 && idx == slow_index ? mine : 0;
        MPI_Allreduce(&s_in, &slow, 1, MPI_UINT64_T, MPI_SUM, d.comm);
        MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, d.comm);
        double fair = (double)total / spec.count[1];
        rc = pas_driver_checkf(
            &d, (double)slow < 0.75 * fair ? PAS_OK : PAS_ERR_VERIFY,
            "the slow worker took %llu items, a fair share is %.0f: work is not on demand",
            (unsigned long long)slow, fair);
        if (d.rank == 0 && !d.opt.quiet)
            printf("slow worker took %llu of %llu items (fair share %.0f)\n",
                   (unsigned long long)slow, (unsigned long long)total, fair);
    }
    if (d.rank == 0 && !d.opt.quiet) {
        pas_pipe_metrics_print(stdout, &m);
        printf("t_pipe %s n=%llu: %s in %.3f s (%s engine)\n", spec_text, (unsigned long long)n,
               rc == PAS_OK ? "PASS" : "FAIL", dt, m.engine == 1 ? "MPI" : "threads");
    }
    return pas_driver_end(&d, rc);
}
