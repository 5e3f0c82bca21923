/* Unit tests of the pipeline's shared-memory pieces: the bounded FIFO,
 * credits, the reorder buffer, the aging scheduler, the spec parser and the
 * latency histogram; and pas-pipeline's checkpoint parser and validator. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, symlink */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "pas_pipe.h"
#include "pipe_internal.h"
#include "builtin/stages.h"

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
    cr_assert_eq(pas_pipe_rob_insert(&r, (pas_pipe_rob_entry_t){0, 0, 0, (void *)7}),
                 PAS_ERR_OVERFLOW);
    pas_pipe_rob_free(&r);

    pas_pipe_rob_init(&r, 8, 0);
    pas_pipe_rob_insert(&r, (pas_pipe_rob_entry_t){0, 0, 0, (void *)7});
    cr_assert_eq(pas_pipe_rob_pop(&r, &out), 1);
    cr_assert_eq((uintptr_t)out.ref, 7);
    cr_assert_eq(pas_pipe_rob_insert(&r, (pas_pipe_rob_entry_t){0, 0, 0, (void *)7}),
                 PAS_ERR_VERIFY, "a duplicate of a delivered item is refused");
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
        cr_assert(w >= bound - 2,
                  "aging %d: the high items should still go first for a while (%ld)", agings[i], w);
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

/* the ring of equal-or-lower keys plus the heap pop in exactly the order of
 * one heap: checked against a linear scan (best key, then oldest) over
 * random pushes (mostly equal priorities, some higher, some lower) and pops */
Test(pipe_sched, ring_and_heap_keep_the_heap_order)
{
    for (int aging = 0; aging <= 8; aging += 4) {
        pas_pipe_sched_t s;
        cr_assert_eq(pas_pipe_sched_init(&s, 4096, aging), PAS_OK);
        static int64_t key[100000];
        static int live[100000];
        int n = 0, left = 0;
        uint64_t now = 0, rnd = 12345;
        for (int step = 0; step < 20000; step++) {
            rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned r = (unsigned)(rnd >> 33);
            if (r % 3 != 0 && s.count < s.cap) {
                int prio = r % 17 == 0 ? 5 : r % 13 == 0 ? -2 : 0;
                key[n] = aging > 0 ? (int64_t)prio * aging - (int64_t)now : prio;
                live[n] = 1;
                cr_assert_eq(pas_pipe_sched_push(&s, prio, now, (void *)(intptr_t)n), PAS_OK);
                n++;
                left++;
            } else if (left > 0) {
                int best = -1;
                for (int i = 0; i < n; i++)
                    if (live[i] && (best < 0 || key[i] > key[best]))
                        best = i;
                void *ref;
                cr_assert_eq(pas_pipe_sched_pop(&s, &ref), 1);
                cr_assert_eq((int)(intptr_t)ref, best, "aging %d step %d: got %d, want %d", aging,
                             step, (int)(intptr_t)ref, best);
                live[best] = 0;
                left--;
            }
            now += r % 2;
        }
        cr_expect_eq(s.count, (size_t)left);
        pas_pipe_sched_free(&s);
    }
}

Test(pipe_spec, parses_and_locates)
{
    pas_pipe_spec_t s;
    char err[256];
    static const char *const known[] = {"read", "work", "write", NULL};
    cr_assert_eq(pas_pipe_spec_parse("read:1,work:4,write", known, &s, err, sizeof err), PAS_OK,
                 "%s", err);
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
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"", "empty pipeline spec"},
        {"read:0,write:1", "at least 1"},
        {"read:x", "positive integer"},
        {"read:1,cook:2", "unknown stage 'cook'"},
        {"read:1,", "ends with a comma"},
        {"read:-1", "positive integer"},
        {",read", "malformed"},
        {"read:1\nwork:2", "control or non-ASCII"}, /* messages echo the spec: one line */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pas_pipe_spec_t s = {0};
        char err[256] = "";
        cr_assert_eq(pas_pipe_spec_parse(bad[i].text, known, &s, err, sizeof err), PAS_ERR_ARG,
                     "'%s'", bad[i].text);
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

Test(pipe_spec, long_specs_keep_the_reason)
{
    /* 80 stages: about 560 characters; the reason must fit a short buffer */
    char text[1024] = "gen:1", err[200];
    for (int i = 0; i < 78; i++)
        strcat(text, ",work:1");
    strcat(text, ",write:1");
    pas_pipe_spec_t s;
    cr_assert_eq(pas_pipe_spec_parse(text, NULL, &s, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "80 stages, more than the 16") != NULL, "%s", err);
    cr_assert(strstr(err, "merge some stages") != NULL, "%s", err);
}

/* ---- checkpoints --------------------------------------------------------------------- */

static builtin_run_id_t read_run(void)
{
    return (builtin_run_id_t){.input = "/data/in.txt",
                              .input_size = 1000,
                              .input_head = 0x1234,
                              .input_mtime_s = 1700000000,
                              .input_mtime_ns = 5,
                              .n = 1000000,
                              .size = 64,
                              .seed = 1,
                              .record = 0,
                              .transform = "compress",
                              .spec = "read:1,work:2,write:1",
                              .output = "/data/out"};
}

static builtin_run_id_t gen_run(void)
{
    builtin_run_id_t id = read_run();
    id.input = NULL;
    id.spec = "gen:1,work:2,write:1";
    return id;
}

static void ident_of(const builtin_run_id_t *id, char *buf)
{
    char err[256];
    cr_assert_eq(builtin_ckpt_identity(id, buf, BUILTIN_CKPT_MAX, err, sizeof err), PAS_OK, "%s",
                 err);
}

/* body, then a crc line that matches it: what a careful hand edit makes */
static size_t with_crc(const char *body, char *out, size_t len)
{
    return (size_t)snprintf(out, len, "%scrc=%016llx\n", body,
                            (unsigned long long)builtin_fnv1a(body, strlen(body)));
}

Test(pipe_ckpt, fnv1a_known_values)
{
    cr_assert_eq(builtin_fnv1a("", 0), 0xcbf29ce484222325ULL);
    cr_assert_eq(builtin_fnv1a("a", 1), 0xaf63dc4c8601ec8cULL);
    cr_assert_eq(builtin_fnv1a("foobar", 6), 0x85944171f73967e8ULL);
}

Test(pipe_ckpt, round_trip_and_match)
{
    static char ident[BUILTIN_CKPT_MAX], text[BUILTIN_CKPT_MAX];
    static builtin_ckpt_t ck;
    char err[256];
    builtin_run_id_t runs[2] = {read_run(), gen_run()};
    for (int g = 0; g < 2; g++) {
        ident_of(&runs[g], ident);
        size_t len =
            builtin_ckpt_format(ident, 500, 4000, 0xabcdef0123456789ULL, text, sizeof text);
        cr_assert_gt(len, 0);
        cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_OK, "%s", err);
        cr_assert_eq(ck.next_seq, 500);
        cr_assert_eq(ck.offset, 4000);
        cr_assert_eq(ck.tail, 0xabcdef0123456789ULL);
        cr_assert_str_eq(ck.ident, ident);
        cr_assert_eq(builtin_ckpt_match(&ck, ident, g, 1000000, err, sizeof err), PAS_OK, "%s",
                     err);
    }
    cr_assert_eq(builtin_ckpt_format(ident, 1, 1, 0, text, 40), 0,
                 "a text that does not fit is refused");
}

Test(pipe_ckpt, any_edit_or_truncation_is_caught)
{
    static char ident[BUILTIN_CKPT_MAX], text[BUILTIN_CKPT_MAX];
    static builtin_ckpt_t ck;
    char err[256];
    builtin_run_id_t id = read_run();
    ident_of(&id, ident);
    size_t len = builtin_ckpt_format(ident, 500, 4000, 0xabcdef0123456789ULL, text, sizeof text);
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            text[i] ^= (char)(1 << bit);
            cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_ERR_ARG,
                         "byte %zu bit %d", i, bit);
            text[i] ^= (char)(1 << bit);
        }
    for (size_t cut = 0; cut < len; cut++)
        cr_assert_eq(builtin_ckpt_parse(text, cut, &ck, err, sizeof err), PAS_ERR_ARG, "cut at %zu",
                     cut);
    cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_OK, "%s", err);
    /* the line a digit edit changes is named as a checksum mismatch */
    char *at = strstr(text, "next_seq=500");
    at[9] = '9';
    cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "checksum does not match") != NULL, "%s", err);
}

Test(pipe_ckpt, foreign_and_old_files)
{
    static builtin_ckpt_t ck;
    char err[256];
    const char *old = "pas-pipeline checkpoint next_seq=5 offset=10\n";
    cr_assert_eq(builtin_ckpt_parse(old, strlen(old), &ck, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "another pas-pipeline version") != NULL, "%s", err);
    const char *junk = "hello\n";
    cr_assert_eq(builtin_ckpt_parse(junk, strlen(junk), &ck, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "not a pas-pipeline checkpoint") != NULL, "%s", err);
    static char big[BUILTIN_CKPT_MAX + 2];
    memset(big, 'x', sizeof big);
    cr_assert_eq(builtin_ckpt_parse(big, sizeof big, &ck, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "at most") != NULL, "%s", err);
}

Test(pipe_ckpt, out_of_range_values_are_refused)
{
    static char ident[BUILTIN_CKPT_MAX], body[2 * BUILTIN_CKPT_MAX], text[3 * BUILTIN_CKPT_MAX];
    static builtin_ckpt_t ck;
    char err[256];
    builtin_run_id_t id = gen_run();
    ident_of(&id, ident);
    /* not counts: refused by the parser even with a matching checksum */
    const char *bad[] = {"-1",
                         "99999999999999999999",
                         "18446744073709551615",
                         "4611686018427387905",
                         "1e5",
                         "",
                         " 5",
                         "5 ",
                         "+5",
                         "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(body, sizeof body,
                 "pas-pipeline checkpoint 2\n%snext_seq=%s\noffset=10\ntail=0000000000000000\n",
                 ident, bad[i]);
        size_t len = with_crc(body, text, sizeof text);
        cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_ERR_ARG,
                     "next_seq='%s'", bad[i]);
        cr_assert(strstr(err, "not a count") != NULL, "'%s': %s", bad[i], err);
    }
    const char *bad_tail[] = {"", "123", "ABCDEF0123456789", "0x00000000000000",
                              "00000000000000000"};
    for (size_t i = 0; i < sizeof bad_tail / sizeof *bad_tail; i++) {
        snprintf(body, sizeof body, "pas-pipeline checkpoint 2\n%snext_seq=1\noffset=10\ntail=%s\n",
                 ident, bad_tail[i]);
        size_t len = with_crc(body, text, sizeof text);
        cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_ERR_ARG, "tail='%s'",
                     bad_tail[i]);
        cr_assert(strstr(err, "not 16 hex digits") != NULL, "'%s': %s", bad_tail[i], err);
    }
    /* counts, but impossible for the run: more records than --n (gen) ... */
    snprintf(
        body, sizeof body,
        "pas-pipeline checkpoint 2\n%snext_seq=99999999999\noffset=10\ntail=0000000000000000\n",
        ident);
    size_t len = with_crc(body, text, sizeof text);
    cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_OK, "%s", err);
    cr_assert_eq(builtin_ckpt_match(&ck, ident, 1, 1000000, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "more than --n 1000000") != NULL, "%s", err);
    cr_assert_eq(builtin_ckpt_match(&ck, ident, 1, 99999999999ULL, err, sizeof err), PAS_OK, "%s",
                 err);
    /* ... or more records than bytes (read: each record writes a byte at least) */
    builtin_run_id_t rd = read_run();
    ident_of(&rd, ident);
    snprintf(body, sizeof body,
             "pas-pipeline checkpoint 2\n%snext_seq=11\noffset=10\ntail=0000000000000000\n", ident);
    len = with_crc(body, text, sizeof text);
    cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_OK, "%s", err);
    cr_assert_eq(builtin_ckpt_match(&ck, ident, 0, 0, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "cannot be") != NULL, "%s", err);
    /* missing, repeated or misplaced lines */
    const char *shapes[] = {"next_seq=1\ntail=0000000000000000\n",
                            "offset=1\ntail=0000000000000000\n",
                            "next_seq=1\noffset=1\n",
                            "next_seq=1\nnext_seq=1\noffset=1\ntail=0000000000000000\n",
                            "next_seq=1\noffset=1\ntail=0000000000000000\ninput=x\n",
                            "next_seq=1\nnoequals\noffset=1\ntail=0000000000000000\n",
                            "next_seq=1\noffset=1\ntail=0000000000000000\ntail=0000000000000000\n"};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        snprintf(body, sizeof body, "pas-pipeline checkpoint 2\n%s%s", ident, shapes[i]);
        len = with_crc(body, text, sizeof text);
        cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_ERR_ARG, "%s",
                     shapes[i]);
        cr_assert(strstr(err, "corrupt") != NULL, "%s: %s", shapes[i], err);
    }
}

Test(pipe_ckpt, another_run_is_named)
{
    static char ident[BUILTIN_CKPT_MAX], other[BUILTIN_CKPT_MAX], text[BUILTIN_CKPT_MAX];
    static builtin_ckpt_t ck;
    char err[256];
    /* each field of the identity, changed alone, is refused and named */
    for (int field = 0; field < 12; field++) {
        builtin_run_id_t a = field < 6 ? read_run() : gen_run(), b = a;
        const char *words;
        switch (field) {
        case 0:
            b.input = "/data/other.txt";
            words = "--input";
            break;
        case 1:
            b.input_size = 999;
            words = "the input's size";
            break;
        case 2:
            b.input_mtime_ns = 6;
            words = "the input's modification time";
            break;
        case 3:
            b.input_head = 0x1235;
            words = "the hash of the input's first 64 KiB";
            break;
        case 4:
            b.record = 100;
            words = "--record";
            break;
        case 5:
            b.input_stream = 1;
            words = "the kind of input";
            break;
        case 6:
            b.n = 999999;
            words = "--n";
            break;
        case 7:
            b.seed = 2;
            words = "--seed";
            break;
        case 8:
            b.size = 65;
            words = "--size";
            break;
        case 9:
            b.transform = "checksum";
            words = "--transform";
            break;
        case 10:
            b.spec = "gen:1,work:3,write:1";
            words = "the spec";
            break;
        default:
            b.output = "/data/out2";
            words = "--output";
            break;
        }
        ident_of(&a, ident);
        ident_of(&b, other);
        size_t len = builtin_ckpt_format(ident, 10, 100, 7, text, sizeof text);
        cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_OK, "%s", err);
        cr_assert_eq(builtin_ckpt_match(&ck, other, field >= 6, 1000000, err, sizeof err),
                     PAS_ERR_ARG, "field %d", field);
        cr_assert(strstr(err, "is from another run") != NULL && strstr(err, words) != NULL,
                  "field %d: %s", field, err);
    }
    /* a gen checkpoint resumed by a read run */
    builtin_run_id_t g = gen_run(), r = read_run();
    ident_of(&g, ident);
    ident_of(&r, other);
    size_t len = builtin_ckpt_format(ident, 10, 100, 7, text, sizeof text);
    cr_assert_eq(builtin_ckpt_parse(text, len, &ck, err, sizeof err), PAS_OK, "%s", err);
    cr_assert_eq(builtin_ckpt_match(&ck, other, 0, 0, err, sizeof err), PAS_ERR_ARG);
}

Test(pipe_ckpt, identity_refuses_newlines)
{
    static char ident[BUILTIN_CKPT_MAX];
    char err[256];
    builtin_run_id_t id = read_run();
    id.output = "/data/a\nb";
    cr_assert_eq(builtin_ckpt_identity(&id, ident, sizeof ident, err, sizeof err), PAS_ERR_ARG);
    cr_assert(strstr(err, "newline") != NULL, "%s", err);
    id = read_run();
    cr_assert_eq(builtin_ckpt_identity(&id, ident, 50, err, sizeof err), PAS_ERR_ARG,
                 "too small a buffer");
}

Test(pipe_ckpt, clashes_with_the_output_and_input)
{
    const struct {
        const char *ck, *out, *in;
        int clash;
    } t[] = {
        {"/d/o", "/d/o", NULL, 1},
        {"/d/o.part", "/d/o", NULL, 2},
        {"/d/o.part.3", "/d/o", NULL, 2},
        {"/d/o.tmp.1234", "/d/o", NULL, 2},
        {"/d/o.pas-tmp.77", "/d/o", NULL, 2},
        {"/d/o.tmp", "/d/o", NULL, 2},
        {"/d/o", "/d/o.tmp", NULL, 2}, /* the checkpoint's own temporary name is the output */
        {"/d/in", "/d/o", "/d/in", 3},
        {"/d/in", "/d/o", "/d/in.tmp", 3},
        {"/d/o.ckpt", "/d/o", NULL, 0},
        {"/d/o.partial", "/d/o", NULL, 0},
        {"/d/ck", "/d/o", "/d/in", 0},
        {"/d/oo", "/d/o", NULL, 0},
        {"/d/o", "/d/oo", NULL, 0},
        {"/e/o", "/d/o", NULL, 0},
        {"/d/o.tmpx", "/d/o", NULL, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        cr_assert_eq(builtin_ckpt_clash(t[i].ck, t[i].out, t[i].in), t[i].clash, "%s vs %s / %s",
                     t[i].ck, t[i].out, t[i].in ? t[i].in : "-");
}

Test(pipe_ckpt, tail_names_a_short_or_missing_file)
{
    char dir[] = "/tmp/pas-test-tail-XXXXXX", path[64], err[300];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/part", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (int i = 0; i < 100; i++)
        fputc('a' + i % 26, f);
    fclose(f);
    uint64_t h = 0;
    err[0] = '\0';
    cr_assert_eq(builtin_ckpt_tail(path, 100, &h, err, sizeof err), PAS_OK, "%s", err);
    cr_assert_eq(builtin_ckpt_tail(path, 200, &h, err, sizeof err), PAS_ERR_IO);
    cr_assert(strstr(err, "is shorter than offset 200") && strstr(err, path), "%s", err);
    unlink(path);
    cr_assert_eq(builtin_ckpt_tail(path, 10, &h, err, sizeof err), PAS_ERR_IO);
    cr_assert(strstr(err, "No such file") && strstr(err, path), "%s", err);
    rmdir(dir);
}

Test(pipe_ckpt, canonical_names_follow_or_keep_a_link)
{
    char dir[] = "/tmp/pas-test-link-XXXXXX", real[64], link[64], a[4096], b[4096];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(real, sizeof real, "%s/real", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    FILE *f = fopen(real, "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_assert_eq(symlink("real", link), 0);
    builtin_canonical(link, a, sizeof a);     /* what a read follows */
    builtin_canonical_dir(link, b, sizeof b); /* what a rename replaces */
    size_t la = strlen(a), lb = strlen(b);
    cr_assert(la > 5 && strcmp(a + la - 5, "/real") == 0, "%s", a);
    cr_assert(lb > 5 && strcmp(b + lb - 5, "/link") == 0 && b[0] == '/', "%s", b);
    unlink(link);
    unlink(real);
    rmdir(dir);
}

Test(pipe_spec, normal_form_writes_every_count)
{
    pas_pipe_spec_t spec;
    char err[256], a[256], b[256];
    cr_assert_eq(pas_pipe_spec_parse("gen,work:2,write", NULL, &spec, err, sizeof err), PAS_OK,
                 "%s", err);
    pas_pipe_spec_text(&spec, a, sizeof a);
    cr_assert_str_eq(a, "gen:1,work:2,write:1");
    cr_assert_eq(pas_pipe_spec_parse("gen:1,work:2,write:1", NULL, &spec, err, sizeof err), PAS_OK,
                 "%s", err);
    pas_pipe_spec_text(&spec, b, sizeof b);
    cr_assert_str_eq(a, b);
}
