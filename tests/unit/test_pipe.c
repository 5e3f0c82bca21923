/* Unit tests of the pipeline's shared-memory pieces: the bounded FIFO,
 * credits, the reorder buffer, the aging scheduler, the spec parser and the
 * latency histogram. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "pas_pipe.h"

Test(pipe_fifo, keeps_order_and_bounds)
{
    pas_pipe_fifo_t q;
    cr_assert_eq(pas_pipe_fifo_init(&q, 3), PAS_OK);
    void *p;
    cr_assert_eq(pas_pipe_fifo_pop(&q, &p), PAS_ERR_ARG);
    for (uintptr_t round = 0; round < 10; round++) { /* wraps around */
        for (uintptr_t i = 1; i <= 3; i++)
            cr_assert_eq(pas_pipe_fifo_push(&q, (void *)(round * 10 + i)), PAS_OK);
        cr_assert_eq(pas_pipe_fifo_push(&q, (void *)99), PAS_ERR_OVERFLOW);
        cr_assert_eq(pas_pipe_fifo_len(&q), 3);
        cr_assert_eq((uintptr_t)pas_pipe_fifo_peek(&q), round * 10 + 1);
        for (uintptr_t i = 1; i <= 3; i++) {
            cr_assert_eq(pas_pipe_fifo_pop(&q, &p), PAS_OK);
            cr_assert_eq((uintptr_t)p, round * 10 + i);
        }
        cr_assert_eq(pas_pipe_fifo_len(&q), 0);
        cr_assert_null(pas_pipe_fifo_peek(&q));
    }
    pas_pipe_fifo_free(&q);
    cr_assert_eq(pas_pipe_fifo_init(&q, 0), PAS_ERR_ARG);
}

Test(pipe_fifo, remove_takes_the_oldest_match)
{
    pas_pipe_fifo_t q;
    pas_pipe_fifo_init(&q, 5);
    void *p;
    pas_pipe_fifo_push(&q, (void *)1);
    pas_pipe_fifo_pop(&q, &p); /* head moves: removal must handle the wrap */
    uintptr_t in[] = {2, 3, 2, 4, 5};
    for (int i = 0; i < 5; i++)
        pas_pipe_fifo_push(&q, (void *)in[i]);
    cr_assert_eq(pas_pipe_fifo_remove(&q, (void *)2), 1);
    cr_assert_eq(pas_pipe_fifo_remove(&q, (void *)7), 0);
    uintptr_t want[] = {3, 2, 4, 5};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(pas_pipe_fifo_pop(&q, &p), PAS_OK);
        cr_assert_eq((uintptr_t)p, want[i]);
    }
    cr_assert_eq(pas_pipe_fifo_len(&q), 0);
    pas_pipe_fifo_free(&q);
}

Test(pipe_credit, take_and_give_stay_in_bounds)
{
    pas_pipe_credit_t c = {4, 0};
    cr_assert_eq(pas_pipe_credit_take(&c, 3), PAS_OK);
    cr_assert_eq(pas_pipe_credit_avail(&c), 1);
    cr_assert_eq(pas_pipe_credit_take(&c, 2), PAS_ERR_OVERFLOW);
    cr_assert_eq(c.used, 3, "a refused take must not change the account");
    cr_assert_eq(pas_pipe_credit_take(&c, 1), PAS_OK);
    cr_assert_eq(pas_pipe_credit_take(&c, 1), PAS_ERR_OVERFLOW);
    cr_assert_eq(pas_pipe_credit_give(&c, 2), PAS_OK);
    cr_assert_eq(pas_pipe_credit_give(&c, 3), PAS_ERR_INTERNAL, "more given back than taken");
    cr_assert_eq(pas_pipe_credit_give(&c, 2), PAS_OK);
    cr_assert_eq(pas_pipe_credit_avail(&c), 4);
    cr_assert_eq(pas_pipe_credit_take(&c, -1), PAS_ERR_OVERFLOW);
}

/* items (seq, 0..k-1) then the end marker (seq, k), shuffled */
Test(pipe_rob, restores_order_from_any_arrival_order)
{
    enum { N = 200 };
    pas_pipe_rob_entry_t e[4 * N];
    int n = 0;
    for (uint64_t s = 0; s < N; s++) {
        uint32_t kids = (uint32_t)(s % 3); /* 0, 1 or 2 outputs per input */
        for (uint32_t k = 0; k < kids; k++)
            e[n++] = (pas_pipe_rob_entry_t){s, k, 0, (void *)(uintptr_t)(s * 10 + k)};
        e[n++] = (pas_pipe_rob_entry_t){s, kids, 1, NULL};
    }
    uint64_t rng = 42;
    for (int i = n - 1; i > 0; i--) {
        rng = pas_mix64(rng);
        int j = (int)(rng % (uint64_t)(i + 1));
        pas_pipe_rob_entry_t t = e[i];
        e[i] = e[j];
        e[j] = t;
    }
    pas_pipe_rob_t r;
    cr_assert_eq(pas_pipe_rob_init(&r, (size_t)n, 0), PAS_OK);
    uint64_t want_seq = 0;
    uint32_t want_sub = 0;
    int delivered = 0;
    for (int i = 0; i < n; i++) {
        cr_assert_eq(pas_pipe_rob_insert(&r, e[i]), PAS_OK);
        pas_pipe_rob_entry_t out;
        while (pas_pipe_rob_pop(&r, &out)) {
            cr_assert_eq(out.seq, want_seq);
            cr_assert_eq(out.sub, want_sub);
            if (out.end) {
                want_seq++;
                want_sub = 0;
            } else {
                cr_assert_eq((uintptr_t)out.ref, out.seq * 10 + out.sub);
                want_sub++;
                delivered++;
            }
        }
    }
    cr_assert_eq(want_seq, N, "every input's end marker passed");
    cr_assert_eq(delivered, (N / 3) * 3 + (N % 3 == 2 ? 1 : 0), "%d delivered", delivered);
    cr_assert_eq(r.count, 0);
    pas_pipe_rob_free(&r);
}

Test(pipe_rob, bounded_window_and_duplicates)
{
    pas_pipe_rob_t r;
    pas_pipe_rob_init(&r, 2, 0);
    cr_assert_eq(pas_pipe_rob_insert(&r, (pas_pipe_rob_entry_t){2, 0, 1, NULL}), PAS_OK);
    cr_assert_eq(pas_pipe_rob_insert(&r, (pas_pipe_rob_entry_t){1, 0, 1, NULL}), PAS_OK);
    cr_assert_eq(pas_pipe_rob_insert(&r, (pas_pipe_rob_entry_t){3, 0, 1, NULL}), PAS_ERR_OVERFLOW);
    pas_pipe_rob_entry_t out;
    cr_assert_eq(pas_pipe_rob_pop(&r, &out), 0, "seq 0 is missing: nothing may pass");
    cr_assert_eq(pas_pipe_rob_insert(&r, (pas_pipe_rob_entry_t){0, 0, 0, (void *)7}), PAS_ERR_OVERFLOW);
    pas_pipe_rob_free(&r);

    pas_pipe_rob_init(&r, 8, 0);
    pas_pipe_rob_insert(&r, (pas_pipe_rob_entry_t){0, 0, 0, (void *)7});
    cr_assert_eq(pas_pipe_rob_pop(&r, &out), 1);
    cr_assert_eq((uintptr_t)out.ref, 7);
    cr_assert_eq(pas_pipe_rob_insert(&r, (pas_pipe_rob_entry_t){0, 0, 0, (void *)7}), PAS_ERR_VERIFY,
                 "a duplicate of a delivered item is refused");
    pas_pipe_rob_free(&r);
}

/* A steady stream of high-priority items, one arriving and one served per
 * step, with one low-priority item waiting from step 0. */
static long low_wait(int aging, int steps)
{
    pas_pipe_sched_t s;
    cr_assert_eq(pas_pipe_sched_init(&s, 4096, aging), PAS_OK);
    int low = -1;
    pas_pipe_sched_push(&s, 0, 0, &low);
    long waited = -1;
    for (int t = 0; t < steps && waited < 0; t++) {
        static int high = 1;
        pas_pipe_sched_push(&s, 10, (uint64_t)t, &high);
        void *ref;
        cr_assert_eq(pas_pipe_sched_pop(&s, &ref), 1);
        if (ref == &low)
            waited = t;
    }
    pas_pipe_sched_free(&s);
    return waited;
}

Test(pipe_sched, strict_priority_starves_low_items)
{
    cr_assert_eq(low_wait(0, 5000), -1, "without aging the low item never runs");
}

Test(pipe_sched, aging_bounds_the_wait)
{
    int agings[] = {1, 4, 16, 100};
    for (int i = 0; i < 4; i++) {
        long w = low_wait(agings[i], 100000);
        long bound = (long)agings[i] * (10 - 0) + 1; /* aging * (pmax - p) + items ahead */
        cr_assert(w >= 0, "aging %d: the low item starved", agings[i]);
        cr_assert(w <= bound, "aging %d: waited %ld steps, bound %ld", agings[i], w, bound);
        cr_assert(w >= bound - 2, "aging %d: the high items should still go first for a while (%ld)",
                  agings[i], w);
    }
}

Test(pipe_sched, equal_priorities_are_fifo)
{
    pas_pipe_sched_t s;
    pas_pipe_sched_init(&s, 16, 3);
    int v[8];
    for (int i = 0; i < 8; i++)
        pas_pipe_sched_push(&s, 5, 7, &v[i]);
    for (int i = 0; i < 8; i++) {
        void *ref;
        cr_assert_eq(pas_pipe_sched_pop(&s, &ref), 1);
        cr_assert_eq(ref, &v[i]);
    }
    void *ref;
    cr_assert_eq(pas_pipe_sched_pop(&s, &ref), 0);
    pas_pipe_sched_free(&s);
}

Test(pipe_spec, parses_and_locates)
{
    pas_pipe_spec_t s;
    char err[256];
    static const char *const known[] = {"read", "work", "write", NULL};
    cr_assert_eq(pas_pipe_spec_parse("read:1,work:4,write", known, &s, err, sizeof err), PAS_OK, "%s", err);
    cr_assert_eq(s.nstages, 3);
    cr_assert_eq(s.total, 6);
    cr_assert_eq(s.count[1], 4);
    cr_assert_eq(s.count[2], 1);
    int idx;
    cr_assert_eq(pas_pipe_spec_locate(&s, 0, &idx), 0);
    cr_assert_eq(pas_pipe_spec_locate(&s, 3, &idx), 1);
    cr_assert_eq(idx, 2);
    cr_assert_eq(pas_pipe_spec_locate(&s, 5, &idx), 2);
    cr_assert_eq(pas_pipe_spec_locate(&s, 6, &idx), -1);
}

Test(pipe_spec, rejects_bad_specs_with_a_fix)
{
    static const char *const known[] = {"read", "work", "write", NULL};
    static const struct { const char *text, *msg; } bad[] = {
        {"", "empty pipeline spec"}, {"read:0,write:1", "at least 1"}, {"read:x", "positive integer"},
        {"read:1,cook:2", "unknown stage 'cook'"}, {"read:1,", "ends with a comma"},
        {"read:-1", "positive integer"}, {",read", "malformed"},
        {"read:1\nwork:2", "control or non-ASCII"}, /* messages echo the spec: one line */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pas_pipe_spec_t s = {0};
        char err[256] = "";
        cr_assert_eq(pas_pipe_spec_parse(bad[i].text, known, &s, err, sizeof err), PAS_ERR_ARG, "'%s'", bad[i].text);
        cr_assert(strstr(err, bad[i].msg), "'%s' gave '%s'", bad[i].text, err);
    }
}

Test(pipe_spec, checks_ranks_and_ordering)
{
    pas_pipe_spec_t s;
    pas_pipe_opts_t o;
    char err[256];
    pas_pipe_opts_default(&o);
    pas_pipe_spec_parse("read:1,work:2,write:1", NULL, &s, err, sizeof err);
    cr_assert_eq(pas_pipe_check(&s, &o, 4, err, sizeof err), PAS_OK);
    cr_assert_eq(pas_pipe_check(&s, &o, 1, err, sizeof err), PAS_OK, "one rank: threads");
    cr_assert_eq(pas_pipe_check(&s, &o, 3, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "run with -n 4"), "%s", err);
    o.ordered = 1;
    cr_assert_eq(pas_pipe_check(&s, &o, 4, err, sizeof err), PAS_OK);
    pas_pipe_spec_parse("read:2,work:2,write:1", NULL, &s, err, sizeof err);
    cr_assert_eq(pas_pipe_check(&s, &o, 5, err, sizeof err), PAS_ERR_ARG);
    pas_pipe_spec_parse("read:1,work:2,more:2,write:1", NULL, &s, err, sizeof err);
    cr_assert_eq(pas_pipe_check(&s, &o, 6, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "side by side"), "%s", err);
}

Test(pipe_hist, quantiles_land_in_the_right_bin)
{
    pas_pipe_hist_t h = {0};
    cr_assert_eq(pas_pipe_hist_quantile(&h, 0.5), 0);
    for (int i = 0; i < 99; i++)
        pas_pipe_hist_add(&h, 1e-3); /* 1 ms */
    pas_pipe_hist_add(&h, 1.0);      /* one outlier of 1 s */
    double p50 = pas_pipe_hist_quantile(&h, 0.5), p99 = pas_pipe_hist_quantile(&h, 0.99);
    double p100 = pas_pipe_hist_quantile(&h, 1.0);
    cr_assert(p50 > 0.9e-3 && p50 < 1.1e-3, "p50 %g", p50);
    cr_assert(p99 > 0.9e-3 && p99 < 1.1e-3, "p99 %g", p99);
    cr_assert(p100 > 0.9 && p100 < 1.1, "max %g", p100);
    pas_pipe_hist_add(&h, 0); /* below the first bin */
    cr_assert_eq(h.n, 101);
}
