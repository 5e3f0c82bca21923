/* t_farm - self-checking runs of the library farm (pas_farm_run) with C
 * callbacks, at any rank count:
 *   1. every task runs exactly once and its result bytes come back intact;
 *   2. retries: a task that fails on the rank (id mod p) is retried once and
 *      must then succeed (so it went to another rank), when p > 1;
 *   3. aging: one low-priority task among a stream of high-priority ones is
 *      served within the stated bound (aging * levels + window);
 *   4. --bench N: the rate of N empty tasks (no checks beyond the count).
 * Prints one PASS line; exits 1 on any failure on any rank. */
#include <stdlib.h>
#include <string.h>

#include "pas_driver.h"
#include "pas_farm.h"

typedef struct {
    uint64_t n, next_id, ended, bad, dup;
    unsigned char *seen;
    int size;
    int mode; /* 0 plain, 1 retries, 2 aging, 3 bench */
    uint64_t low_pos, low_id;
    uint64_t payload[1];
} ctx_t;

static int next_task(void *arg, pas_farm_task_t *t)
{
    ctx_t *c = arg;
    if (c->next_id == c->n)
        return 0;
    uint64_t id = c->next_id++;
    c->payload[0] = pas_mix64(id);
    int prio = 0;
    if (c->mode == 2)
        prio = id == c->low_id ? 0 : 10;
    *t = (pas_farm_task_t){id, prio, c->payload, c->mode == 3 ? 0 : sizeof c->payload};
    return 1;
}

static int run_task(void *arg, const pas_farm_where_t *w, const void *data, size_t len,
                    pas_farm_out_t *out)
{
    const ctx_t *c = arg;
    if (c->mode == 3)
        return 0;
    if (len != 8)
        return 99;
    uint64_t x;
    memcpy(&x, data, 8);
    if (c->mode == 1 && w->id % 3 == 0 && w->rank == (int)(w->id % (uint64_t)c->size))
        return 7; /* fails on this rank, succeeds elsewhere */
    uint64_t y = pas_mix64(x ^ 0x5eed);
    int32_t r = w->rank;
    if (pas_farm_out_put(out, &y, 8) || pas_farm_out_put(out, &r, 4))
        return 98;
    return 0;
}

static int task_done(void *arg, const pas_farm_result_t *r)
{
    ctx_t *c = arg;
    if (r->id >= c->n || c->seen[r->id]++) {
        c->dup++;
        return PAS_OK;
    }
    c->ended++;
    if (c->mode == 2 && r->id == c->low_id)
        c->low_pos = r->dispatched + 1; /* dispatch order: what the bound is about */
    if (c->mode == 3)
        return PAS_OK;
    uint64_t y;
    int32_t rank;
    if (r->status || r->len != 12) {
        c->bad++;
        return PAS_OK;
    }
    memcpy(&y, r->data, 8);
    memcpy(&rank, (const char *)r->data + 8, 4);
    if (y != pas_mix64(pas_mix64(r->id) ^ 0x5eed) || rank != r->rank)
        c->bad++;
    if (c->mode == 1 && r->id % 3 == 0 && c->size > 1 &&
        r->rank == (int)(r->id % (uint64_t)c->size))
        c->bad++;
    return PAS_OK;
}

static int run_mode(pas_driver_t *d, int mode, uint64_t n, pas_farm_opts_t *o, ctx_t *c,
                    pas_farm_stats_t *st)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->size = d->size;
    c->mode = mode;
    c->low_id = 0;
    c->seen = calloc(n ? n : 1, 1);
    if (!c->seen)
        return PAS_ERR_NOMEM;
    pas_farm_calls_t calls = {next_task, run_task, task_done, NULL, c};
    int rc = pas_farm_run(d->comm, &calls, o, st);
    free(c->seen);
    return rc;
}

int main(int argc, char **argv)
{
    uint64_t bench = 0, n = 2000;
    int slots = 2;
    static const pas_prog_info_t info = {"t_farm", "self-checks of the library task farm",
                                         "[options]", NULL};
    const pas_opt_t table[] = {
        {"n", PAS_OPT_SIZE, &n, "N", "tasks per check", NULL, 0, 0},
        {"slots", PAS_OPT_INT, &slots, "N", "slots per rank", NULL, 1, 256},
        {"bench", PAS_OPT_SIZE, &bench, "N", "only measure the rate of N empty tasks", NULL, 0, 0},
        {0},
    };
    pas_common_opts_t defaults = {.seed = 1, .reps = 3, .warmup = 0, .watchdog = 0};
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, &defaults, &argc, &argv);
    if (code >= 0)
        return code;
    ctx_t c;
    pas_farm_stats_t st;
    pas_farm_opts_t o;
    int rc = PAS_OK;
    if (bench) {
        double best[16];
        int reps = d.opt.reps < 16 ? d.opt.reps : 16;
        for (int i = 0; i < reps && rc == PAS_OK; i++) {
            pas_farm_opts_default(&o);
            o.slots = slots;
            o.prefetch = 4096;
            rc = pas_driver_check(&d, run_mode(&d, 3, bench, &o, &c, &st), "bench farm failed");
            if (d.rank == 0 && rc == PAS_OK && c.ended != bench)
                rc = PAS_ERR_VERIFY;
            rc = pas_driver_check(&d, rc, "bench: not every task ended once");
            best[i] = st.wall;
        }
        if (rc == PAS_OK && d.rank == 0) {
            pas_stats_t s = pas_stats(best, reps);
            printf("library farm: %llu empty tasks, %d ranks x %d slots: median %.4f s, %.0f "
                   "tasks/s\n",
                   (unsigned long long)bench, d.size, slots, s.median, (double)bench / s.median);
        }
        return pas_driver_end(&d, rc);
    }

    /* 1. exactly once, results intact */
    pas_farm_opts_default(&o);
    o.slots = slots;
    rc = run_mode(&d, 0, n, &o, &c, &st);
    int v = d.rank == 0 && (c.ended != n || c.dup || c.bad || st.tasks != n || st.failed)
                ? PAS_ERR_VERIFY
                : PAS_OK;
    rc = pas_driver_checkf(&d, rc ? rc : v, "plain: %llu of %llu ended, %llu twice, %llu wrong",
                           (unsigned long long)c.ended, (unsigned long long)n,
                           (unsigned long long)c.dup, (unsigned long long)c.bad);
    /* 2. retries go to another rank */
    if (rc == PAS_OK) {
        pas_farm_opts_default(&o);
        o.slots = slots;
        o.retries = 1;
        o.retry_on[0] = 7;
        o.nretry_on = 1;
        rc = run_mode(&d, 1, n, &o, &c, &st);
        uint64_t expect_fail = 0;
        if (d.size == 1)
            for (uint64_t i = 0; i < n; i += 3)
                expect_fail++;
        v = d.rank == 0 &&
                    (c.ended != n || c.dup || c.bad != expect_fail || st.failed != expect_fail)
                ? PAS_ERR_VERIFY
                : PAS_OK;
        rc = pas_driver_checkf(
            &d, rc ? rc : v,
            "retries: %llu ended, %llu twice, %llu wrong (expected %llu), %llu failed",
            (unsigned long long)c.ended, (unsigned long long)c.dup, (unsigned long long)c.bad,
            (unsigned long long)expect_fail, (unsigned long long)st.failed);
    }
    /* 3. aging: the low-priority task 0 among a stream of priority 10 */
    if (rc == PAS_OK) {
        pas_farm_opts_default(&o);
        o.slots = 1;
        o.aging = 20;
        o.window = 8;
        uint64_t m = 1000;
        rc = run_mode(&d, 2, m, &o, &c, &st);
        /* the window grows to twice the ranks' capacity (slots + prefetch) */
        uint64_t window = 8 > 4 * (uint64_t)d.size ? 8 : 4 * (uint64_t)d.size;
        uint64_t bound = (uint64_t)o.aging * 10 + window + 1;
        v = d.rank == 0 && (c.ended != m || c.low_pos <= 1 || c.low_pos > bound) ? PAS_ERR_VERIFY
                                                                                 : PAS_OK;
        rc = pas_driver_checkf(
            &d, rc ? rc : v, "aging: the low task was dispatched %llu-th, bound %llu (and after 1)",
            (unsigned long long)c.low_pos, (unsigned long long)bound);
        if (rc == PAS_OK && d.rank == 0)
            printf("t_farm: aging: low-priority task dispatched %llu-th of %llu (bound %llu)\n",
                   (unsigned long long)c.low_pos, (unsigned long long)m, (unsigned long long)bound);
    }
    if (d.rank == 0 && rc == PAS_OK)
        printf("t_farm: %d ranks x %d slots, %llu tasks: exactly once, retries elsewhere, aging "
               "bound: PASS\n",
               d.size, slots, (unsigned long long)n);
    return pas_driver_end(&d, rc);
}
