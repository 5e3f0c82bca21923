/* test_farm.c - the farm's pure parts: task lines, templates, ids, the
 * journal (torn last line included), the aging bound as the farm uses the
 * scheduler, and shell tasks (exit, signal, time limit, capture). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 with clang */
#endif
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "farm_internal.h" /* struct pas_farm_out, to capture into */
#include "pas_farm.h"
#include "pas_pipe.h"

static int parse(const char *in, int field, char *text, int *prio)
{
    char line[256], err[256], *t = NULL;
    snprintf(line, sizeof line, "%s", in);
    int rc = pas_farm_line_parse(line, field, &t, prio, err, sizeof err);
    if (rc == 1)
        snprintf(text, 256, "%s", t);
    return rc;
}

Test(farm_lines, comments_blanks_and_trimming)
{
    char t[256];
    int p = 7;
    cr_expect_eq(parse("", 0, t, &p), 0);
    cr_expect_eq(parse("   \t \n", 0, t, &p), 0);
    cr_expect_eq(parse("# a comment", 0, t, &p), 0);
    cr_expect_eq(parse("  #indented comment", 0, t, &p), 0);
    cr_assert_eq(parse("  echo hi  \r\n", 0, t, &p), 1);
    cr_expect_str_eq(t, "echo hi");
    cr_expect_eq(p, 0);
    cr_assert_eq(parse("echo a # not a comment here", 0, t, &p), 1);
    cr_expect_str_eq(t, "echo a # not a comment here");
}

Test(farm_lines, priorities)
{
    char t[256];
    int p = 0;
    cr_assert_eq(parse("prio=5 gzip x", 0, t, &p), 1);
    cr_expect_str_eq(t, "gzip x");
    cr_expect_eq(p, 5);
    cr_assert_eq(parse("prio=-3\tls", 0, t, &p), 1);
    cr_expect_eq(p, -3);
    cr_expect_str_eq(t, "ls");
    cr_expect_eq(parse("prio=x ls", 0, t, &p), PAS_ERR_FORMAT);
    cr_expect_eq(parse("prio=5", 0, t, &p), PAS_ERR_FORMAT);
    cr_expect_eq(parse("prio= ls", 0, t, &p), PAS_ERR_FORMAT);
    cr_expect_eq(parse("prio=99999999999 ls", 0, t, &p), PAS_ERR_FORMAT);
    /* a field: the line is kept */
    cr_assert_eq(parse("a.txt 12 more", 2, t, &p), 1);
    cr_expect_eq(p, 12);
    cr_expect_str_eq(t, "a.txt 12 more");
    cr_expect_eq(parse("a.txt twelve", 2, t, &p), PAS_ERR_FORMAT);
    cr_expect_eq(parse("a.txt", 2, t, &p), PAS_ERR_FORMAT);
}

Test(farm_templates, placeholders)
{
    char out[128];
    cr_assert_eq(pas_farm_expand("gzip -9 {} # {#}", "a b.txt", 42, 3, 1, out, sizeof out), 20);
    cr_expect_str_eq(out, "gzip -9 a b.txt # 42");
    pas_farm_expand("r{rank}s{slot}:{}{}", "x", 1, 3, 1, out, sizeof out);
    cr_expect_str_eq(out, "r3s1:xx");
    /* unknown rank/slot: left for the running side */
    pas_farm_expand("r{rank}s{slot}", "x", 1, -1, -1, out, sizeof out);
    cr_expect_str_eq(out, "r{rank}s{slot}");
    pas_farm_expand("{ } {x} {", "a", 1, 0, 0, out, sizeof out);
    cr_expect_str_eq(out, "{ } {x} {");
    char small[8];
    cr_expect_eq(pas_farm_expand("0123456789", "", 1, 0, 0, small, sizeof small), PAS_ERR_OVERFLOW);
    cr_expect_eq(strlen(small), 7);
}

Test(farm_ids, content_and_occurrence)
{
    uint64_t a1 = pas_farm_task_id("echo a", 1), a2 = pas_farm_task_id("echo a", 2);
    cr_expect_neq(a1, a2);
    cr_expect_eq(a1, pas_farm_task_id("echo a", 1));
    cr_expect_neq(a1, pas_farm_task_id("echo b", 1));
    cr_expect_neq(pas_farm_task_id("", 1), pas_farm_task_id("", 2));
}

static void jline(char *buf, size_t cap, uint64_t id, uint64_t num, int ok)
{
    size_t n = strlen(buf);
    long k = pas_farm_journal_format(buf + n, cap - n, id, num, ok, ok ? "0" : "exit 1", 1, 0,
                                     "host\tx", 2, 1.5, 0.25, "echo\ta\nb");
    cr_assert_gt(k, 0);
}

Test(farm_journal, format_and_read_last_wins)
{
    char buf[4096] = PAS_FARM_JOURNAL_HEADER;
    jline(buf, sizeof buf, 0xabcULL, 1, 0);
    jline(buf, sizeof buf, 0x123ULL, 2, 1);
    jline(buf, sizeof buf, 0xabcULL, 1, 1); /* a later run made it succeed */
    /* one line per entry, 11 tab-separated fields, no stray tab or newline */
    size_t lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, 5);
    cr_expect(strstr(
        buf, "0000000000000abc\t1\tfailed\texit 1\t1\t0\thost x\t2\t1.500\t0.250\techo a b\n"));
    pas_farm_journal_t j;
    char err[256];
    cr_assert_eq(pas_farm_journal_parse(buf, strlen(buf), &j, err, sizeof err), PAS_OK);
    cr_expect_eq(j.n, 2);
    cr_expect_eq(j.lines, 3);
    cr_expect_eq(j.torn, 0);
    cr_expect_eq(j.good_size, (long)strlen(buf));
    const pas_farm_jentry_t *e = pas_farm_journal_find(&j, 0xabc);
    cr_assert(e);
    cr_expect_eq(e->ok, 1);
    cr_expect(pas_farm_journal_find(&j, 0x123));
    cr_expect_null(pas_farm_journal_find(&j, 0x124));
    pas_farm_journal_free(&j);
}

Test(farm_journal, torn_last_line_is_ignored)
{
    char buf[4096] = PAS_FARM_JOURNAL_HEADER;
    jline(buf, sizeof buf, 0x1ULL, 1, 1);
    size_t good = strlen(buf);
    jline(buf, sizeof buf, 0x2ULL, 2, 1);
    size_t full = strlen(buf);
    pas_farm_journal_t j;
    char err[256];
    /* cut the second line anywhere: it is torn, the first one stands */
    for (size_t cut = good + 1; cut < full; cut++) {
        cr_assert_eq(pas_farm_journal_parse(buf, cut, &j, err, sizeof err), PAS_OK, "cut at %zu",
                     cut);
        cr_expect_eq(j.torn, 1);
        cr_expect_eq(j.n, 1);
        cr_expect_eq(j.good_size, (long)good);
        cr_expect_null(pas_farm_journal_find(&j, 0x2));
        pas_farm_journal_free(&j);
    }
}

Test(farm_journal, garbage_is_an_error)
{
    pas_farm_journal_t j;
    char err[256] = "";
    const char *bad = "hello world\n";
    cr_expect_eq(pas_farm_journal_parse(bad, strlen(bad), &j, err, sizeof err), PAS_ERR_FORMAT);
    cr_expect(strstr(err, "line 1"));
    const char *badstatus = "0000000000000001\t1\tmaybe\t0\t1\t0\th\t0\t1\t1\tx\n";
    cr_expect_eq(pas_farm_journal_parse(badstatus, strlen(badstatus), &j, err, sizeof err),
                 PAS_ERR_FORMAT);
    cr_assert_eq(pas_farm_journal_read("/nonexistent/journal", &j, err, sizeof err), PAS_OK);
    cr_expect_eq(j.n, 0);
    pas_farm_journal_free(&j);
}

/* The farm's use of the scheduler: a task is queued at the dispatch step it
 * was read; one step per dispatch.  A priority-0 task among a stream of
 * priority-10 tasks (one read per dispatch, the read-ahead window full) is
 * served within aging * 10 + window dispatches; with strict priority it
 * would starve. */
static uint64_t low_wait(int aging, int window, int steps)
{
    pas_pipe_sched_t s;
    cr_assert_eq(pas_pipe_sched_init(&s, (size_t)window + 1, aging), PAS_OK);
    static int low, high;
    uint64_t step = 0;
    pas_pipe_sched_push(&s, 0, step, &low);
    for (int i = 1; i < window; i++)
        pas_pipe_sched_push(&s, 10, step, &high);
    uint64_t served = 0;
    for (; step < (uint64_t)steps; step++) {
        void *ref;
        cr_assert(pas_pipe_sched_pop(&s, &ref));
        if (ref == &low) {
            served = step + 1;
            break;
        }
        pas_pipe_sched_push(&s, 10, step + 1, &high); /* the stream goes on */
    }
    pas_pipe_sched_free(&s);
    return served;
}

Test(farm_aging, bounded_wait_under_a_stream_of_high_priority)
{
    int window = 16;
    for (int aging = 1; aging <= 100; aging *= 10) {
        uint64_t w = low_wait(aging, window, 100000);
        cr_expect_gt(w, 0, "aging %d: the low task starved", aging);
        cr_expect_leq(w, (uint64_t)aging * 10 + window, "aging %d: waited %llu", aging,
                      (unsigned long long)w);
        cr_expect_geq(w, (uint64_t)aging * 10 / 2, "aging %d: priority ignored (%llu)", aging,
                      (unsigned long long)w);
    }
}

Test(farm_exec, status_signal_timeout_capture)
{
    pas_farm_exec_opts_t o = {0, PAS_FARM_OUT_CAPTURE, NULL, NULL, NULL, 1 << 20, NULL, 0, NULL};
    pas_farm_exec_result_t r;
    pas_farm_out_t cap = {0};
    cr_assert_eq(pas_farm_exec("printf 'a\\nb'; exit 3", &o, &cap, &r), PAS_OK);
    cr_expect_eq(r.status, 3);
    cr_expect_eq(r.exited, 1);
    cr_expect_eq(cap.len, 3);
    cr_expect_eq(memcmp(cap.buf, "a\nb", 3), 0);
    cr_expect_str_eq(r.reason, "exit 3");
    cap.len = 0;
    cr_assert_eq(pas_farm_exec("kill -9 $$", &o, &cap, &r), PAS_OK);
    cr_expect_eq(r.status, 128 + 9);
    cr_expect(strstr(r.reason, "signal 9"));
    cr_assert_eq(pas_farm_exec("no_such_command_pas_farm", &o, &cap, &r), PAS_OK);
    cr_expect_eq(r.status, 127);
    /* a time limit kills the group: the background child too */
    o.timeout = 0.3;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(pas_farm_exec("sleep 30 & sleep 30", &o, &cap, &r), PAS_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_expect_eq(r.status, 124);
    cr_expect_eq(r.timed_out, 1);
    cr_expect_lt((double)(t1.tv_sec - t0.tv_sec), 5.0);
    /* output over the limit fails the task, never cut silently */
    o.timeout = 0;
    o.max_capture = 10;
    cap.len = 0;
    cr_assert_eq(pas_farm_exec("seq 1 1000", &o, &cap, &r), PAS_OK);
    cr_expect_eq(r.status, 125);
    cr_expect_eq(cap.len, 10);
    free(cap.buf);
}

/* stdin fed while stdout is read: 4 MiB through cat and 8x through awk (far
 * over the pipe buffers both ways: no deadlock), a command that reads less
 * (head: EPIPE here, no SIGPIPE death), and a cancel flag */
Test(farm_exec, stdin_feed_big_less_cancel)
{
    size_t n = 4u << 20;
    char *in = malloc(n);
    cr_assert(in);
    for (size_t i = 0; i < n; i++)
        in[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    pas_farm_exec_opts_t o = {0,   PAS_FARM_OUT_CAPTURE, NULL, NULL, NULL, (size_t)1 << 30, in, n,
                              NULL};
    pas_farm_exec_result_t r;
    pas_farm_out_t *cap = pas_farm_out_new();
    cr_assert(cap);
    cr_assert_eq(pas_farm_exec("cat", &o, cap, &r), PAS_OK);
    size_t len;
    const char *got = pas_farm_out_data(cap, &len);
    cr_expect_eq(r.status, 0, "%s", r.reason);
    cr_expect_eq(len, n);
    cr_expect_eq(memcmp(got, in, n), 0);
    pas_farm_out_reset(cap);
    cr_assert_eq(pas_farm_exec("awk '{for (i = 0; i < 8; i++) print}'", &o, cap, &r), PAS_OK);
    pas_farm_out_data(cap, &len);
    cr_expect_eq(r.status, 0, "%s", r.reason);
    cr_expect_eq(len, 8 * n);
    pas_farm_out_reset(cap);
    cr_assert_eq(pas_farm_exec("head -c 10", &o, cap, &r), PAS_OK);
    got = pas_farm_out_data(cap, &len);
    cr_expect_eq(r.status, 0, "%s", r.reason);
    cr_expect_eq(len, 10);
    cr_expect_eq(memcmp(got, in, 10), 0);
    volatile int stop = 1;
    o.cancel = &stop;
    pas_farm_out_reset(cap);
    cr_assert_eq(pas_farm_exec("sleep 30", &o, cap, &r), PAS_OK);
    cr_expect_eq(r.status, 130);
    pas_farm_out_free(cap);
    free(in);
}
