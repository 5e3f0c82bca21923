/* Unit tests of the core: sizes, options, thread choice, statistics, status. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pas_core.h"
#include "pas_scan.h"

Test(core_size, accepts_counts_with_suffixes)
{
    static const struct {
        const char *text;
        uint64_t value;
    } ok[] = {
        {"0", 0},
        {"1", 1},
        {"1000", 1000},
        {"10K", 10000},
        {"10M", 10000000},
        {"1G", 1000000000},
        {"2T", 2000000000000ULL},
        {"1Ki", 1024},
        {"4Gi", 4ULL << 30},
        {"1Mi", 1 << 20},
        {"1e8", 100000000},
        {"1.5K", 1500},
        {"2.5M", 2500000},
        {"16GiB", 16ULL << 30},
        {"10MB", 10000000},
        {"18446744073709551615", UINT64_MAX},
        {"1k", 1000},
        {"1.5Ki", 1536},
        {"0.5K", 500},
        {"1.50K", 1500},
        {"9007199254740993", 9007199254740993ULL},
        {"1e0", 1},
        {"0e999", 0},
        {"1.8446744073709551615e19", UINT64_MAX},
        {"007", 7},
        {"2^61", 1ULL << 61},
        {"2^0", 1},
        {"10^3", 1000},
        {"2^63", 1ULL << 63},
        {"1^5000", 1},
        {"0^9", 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t v = 0;
        cr_assert_eq(pas_parse_size(ok[i].text, &v), PAS_OK, "'%s' rejected", ok[i].text);
        cr_assert_eq(v, ok[i].value, "'%s' gave %llu", ok[i].text, (unsigned long long)v);
    }
}

Test(core_size, rejects_malformed_and_overflowing_counts)
{
    static const struct {
        const char *text;
        int status;
    } bad[] = {
        {"", PAS_ERR_ARG},
        {"-5", PAS_ERR_ARG},
        {"abc", PAS_ERR_ARG},
        {"10Q", PAS_ERR_ARG},
        {"1.5", PAS_ERR_ARG},
        {"10M5", PAS_ERR_ARG},
        {"1 0", PAS_ERR_ARG},
        {"K", PAS_ERR_ARG},
        {"18446744073709551616", PAS_ERR_OVERFLOW},
        {"19000P", PAS_ERR_OVERFLOW},
        {"1e30", PAS_ERR_OVERFLOW},
        {"20000000Ti", PAS_ERR_OVERFLOW},
        {"-0", PAS_ERR_ARG},
        {"+7", PAS_ERR_ARG},
        {" 7", PAS_ERR_ARG},
        {"1.0000001", PAS_ERR_ARG},
        {"12345678901234567.5", PAS_ERR_ARG},
        {"0x10", PAS_ERR_ARG},
        {"1e-3", PAS_ERR_ARG},
        {"1e", PAS_ERR_ARG},
        {"1..5", PAS_ERR_ARG},
        {"1e999999", PAS_ERR_OVERFLOW},
        {"2^64", PAS_ERR_OVERFLOW},
        {"3^41", PAS_ERR_OVERFLOW},
        {"2^", PAS_ERR_ARG},
        {"2^3K", PAS_ERR_ARG},
        {"1.5^2", PAS_ERR_ARG},
        {"^3", PAS_ERR_ARG},
        {"2^-1", PAS_ERR_ARG},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 42;
        cr_assert_eq(pas_parse_size(bad[i].text, &v), bad[i].status, "'%s'", bad[i].text);
        cr_assert_eq(v, 42, "'%s' wrote the output on failure", bad[i].text);
    }
    cr_assert_eq(pas_parse_size(NULL, NULL), PAS_ERR_ARG);
}

Test(core_size, bytes_are_formatted_for_people)
{
    char buf[32];
    cr_assert_str_eq(pas_format_bytes(0, buf, sizeof buf), "0 B");
    cr_assert_str_eq(pas_format_bytes(1000, buf, sizeof buf), "1000 B");
    cr_assert_str_eq(pas_format_bytes(1536, buf, sizeof buf), "1.5 KiB");
    cr_assert_str_eq(pas_format_bytes(64ULL << 20, buf, sizeof buf), "64.0 MiB");
    cr_assert_str_eq(pas_format_bytes(3ULL << 40, buf, sizeof buf), "3.0 TiB");
    cr_assert_str_eq(pas_format_bytes(UINT64_MAX, buf, sizeof buf), "16.0 EiB");
}

Test(core_size, format_round_trips)
{
    char buf[32];
    uint64_t vals[] = {0, 7, 1000, 1001, 10000000, 1000000000, 123000};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint64_t back;
        cr_assert_eq(pas_parse_size(pas_format_size(vals[i], buf, sizeof buf), &back), PAS_OK);
        cr_assert_eq(back, vals[i], "%s", buf);
    }
    cr_assert_str_eq(pas_format_size(10000000, buf, sizeof buf), "10M");
}

static const pas_prog_info_t info = {"pas-test", "options under test", "[options]", NULL};

static int parse(pas_opt_t *t, pas_common_opts_t *c, char *err, int argc, ...)
{
    char *argv[16];
    va_list ap;
    va_start(ap, argc);
    argv[0] = "pas-test";
    for (int i = 1; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    argv[argc] = NULL;
    return pas_opts_parse(&info, t, c, argc, argv, err, 256);
}

Test(core_options, parses_every_kind_and_the_common_options)
{
    int k = 3, flag = 0;
    uint64_t n = 10;
    double eps = 0.1;
    const char *algo = "a", *path = NULL;
    pas_opt_t t[] = {
        {"k", PAS_OPT_INT, &k, "N", "k", NULL, 1, 100},
        {"n", PAS_OPT_SIZE, &n, "N", "n", NULL, 0, 0},
        {"eps", PAS_OPT_DOUBLE, &eps, "X", "eps", NULL, 0, 1},
        {"algo", PAS_OPT_CHOICE, &algo, "A", "algo", "a|bb|c", 0, 0},
        {"out", PAS_OPT_STRING, &path, "F", "out", NULL, 0, 0},
        {"flag", PAS_OPT_FLAG, &flag, NULL, "flag", NULL, 0, 0},
        {0},
    };
    pas_common_opts_t c = {.seed = 1, .reps = 3};
    char err[256] = "";
    int rc = parse(t, &c, err, 14, "--k", "7", "--n=10M", "--eps", "0.25", "--algo", "bb", "--out",
                   "x.bin", "--flag", "--seed", "99", "--json");
    cr_assert_eq(rc, PAS_OK, "%s", err);
    cr_assert(k == 7 && n == 10000000 && eps == 0.25 && !strcmp(algo, "bb") &&
              !strcmp(path, "x.bin") && flag == 1 && c.seed == 99 && c.json == 1);
}

Test(core_options, rejects_bad_input_with_a_message_naming_the_fix)
{
    int k = 3;
    const char *algo = "a";
    pas_opt_t t[] = {
        {"k", PAS_OPT_INT, &k, "N", "k", NULL, 1, 100},
        {"algo", PAS_OPT_CHOICE, &algo, "A", "algo", "a|bb|c", 0, 0},
        {0},
    };
    pas_common_opts_t c = {0};
    char err[256];
    static const struct {
        const char *arg, *val, *needle;
    } cases[] = {
        {"--bogus", NULL, "unknown"},
        {"--k", "0", "out of range"},
        {"--k", "x", "integer"},
        {"--k", "5x", "integer"},
        {"--algo", "b", "one of a|bb|c"},
        {"--k", NULL, "needs a value"},
        {"stray", NULL, "unexpected argument"},
        {"--reps", "0", "out of range"},
        {"--seed", "-1", "non-negative count"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        int rc = cases[i].val ? parse(t, &c, err, 3, cases[i].arg, cases[i].val)
                              : parse(t, &c, err, 2, cases[i].arg);
        cr_assert_eq(rc, PAS_ERR_ARG, "%s %s accepted", cases[i].arg,
                     cases[i].val ? cases[i].val : "");
        cr_assert(strstr(err, cases[i].needle), "'%s' lacks '%s'", err, cases[i].needle);
        cr_assert(strncmp(err, "pas-test: ", 10) == 0, "message names the program: %s", err);
        cr_assert_null(strchr(err, '\n'), "one line: %s", err);
    }
}

Test(core_threads, choice_follows_precedence_and_never_oversubscribes)
{
    static const struct {
        int req, omp, slurm, mask, sharers, expect;
    } cases[] = {
        {4, 8, 2, 16, 1, 4}, /* --threads wins */
        {0, 8, 2, 16, 1, 8}, /* then OMP_NUM_THREADS */
        {0, 0, 2, 16, 1, 2}, /* then SLURM_CPUS_PER_TASK */
        {0, 0, 0, 16, 4, 4}, /* 4 unbound ranks share the node */
        {0, 0, 0, 16, 3, 5}, /* 16 / 3 rounds down */
        {0, 0, 0, 2, 7, 1},  /* oversubscribed: at least one */
        {0, 0, 0, 4, 1, 4},  /* bound to 4 cores of its own: owns them */
        {0, 0, 0, 1, 1, 1},  /* bound to one core */
        {0, 0, 0, 2, 1, 2},  /* one rank, whole node */
        {0, 0, 0, 4, 4, 1},  /* a cgroup of 4 cpus shared by 4 ranks: not 4 each */
        {0, 0, 0, 8, 2, 4},  /* bound per socket, 2 ranks per socket */
        {0, 0, 0, 0, 1, 1},  /* mask unknown: at least one */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *why = NULL;
        int t = pas_threads_choose(cases[i].req, cases[i].omp, cases[i].slurm, cases[i].mask,
                                   cases[i].sharers, &why);
        cr_assert_eq(t, cases[i].expect, "case %zu: %d threads (%s)", i, t, why);
        cr_assert_not_null(why);
    }
}

Test(core_runtime, thread_level_comparison_is_not_inverted)
{
    cr_assert(pas_thread_level_ok(MPI_THREAD_FUNNELED, MPI_THREAD_FUNNELED));
    cr_assert(pas_thread_level_ok(MPI_THREAD_MULTIPLE, MPI_THREAD_FUNNELED));
    cr_assert(pas_thread_level_ok(MPI_THREAD_SERIALIZED, MPI_THREAD_FUNNELED));
    cr_assert_not(pas_thread_level_ok(MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED));
}

Test(core_stats, min_median_max)
{
    double odd[] = {3, 1, 2};
    pas_stats_t s = pas_stats(odd, 3);
    cr_assert(s.min == 1 && s.median == 2 && s.max == 3 && s.reps == 3);
    double even[] = {4, 1, 3, 2};
    s = pas_stats(even, 4);
    cr_assert(s.min == 1 && s.median == 2.5 && s.max == 4);
    double one[] = {7};
    s = pas_stats(one, 1);
    cr_assert(s.min == 7 && s.median == 7 && s.max == 7);
}

Test(core_status, every_code_has_distinct_text_and_exit_code)
{
    for (int s = 0; s > PAS_ERR_LAST; s--) {
        cr_assert_not_null(pas_strerror(s));
        for (int t = s - 1; t > PAS_ERR_LAST; t--)
            cr_assert_str_neq(pas_strerror(s), pas_strerror(t));
    }
    cr_assert_str_eq(pas_strerror(1), "unknown status");
    cr_assert_str_eq(pas_strerror(PAS_ERR_LAST), "unknown status");
    cr_assert_eq(pas_exit_code(PAS_OK), 0);
    cr_assert_eq(pas_exit_code(PAS_ERR_ARG), 2);
    cr_assert_eq(pas_exit_code(PAS_ERR_VERIFY), 1);
    cr_assert_eq(pas_exit_code(PAS_ERR_NOMEM), 1);
}

Test(core_grow, doubles_from_the_minimum_and_keeps_the_contents)
{
    int *v = NULL;
    size_t cap = 0, caps[4], k = 0;
    for (int i = 0; i < 100; i++) {
        size_t before = cap;
        cr_assert_eq(pas_grow(&v, &cap, (size_t)i + 1, sizeof *v), PAS_OK);
        cr_assert_geq(cap, (size_t)i + 1);
        if (cap != before)
            caps[k++] = cap;
        v[i] = 3 * i;
    }
    cr_assert_eq(k, 4, "16, 32, 64, 128: %zu growths", k);
    cr_assert(caps[0] == PAS_GROW_MIN && caps[1] == 32 && caps[2] == 64 && caps[3] == 128);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(v[i], 3 * i, "element %d kept", i);
    int *same = v;
    cr_assert_eq(pas_grow(&v, &cap, 128, sizeof *v), PAS_OK);
    cr_assert(v == same && cap == 128, "room enough: nothing moves");
    cr_assert_eq(pas_grow(&v, &cap, 1000, sizeof *v), PAS_OK);
    cr_assert_eq(cap, 1024, "a big need doubles as often as it takes");
    cr_assert_eq(v[99], 297);
    free(v);
}

Test(core_grow, refuses_overflow_and_leaves_the_array_alone)
{
    char *b = NULL;
    size_t cap = 0;
    cr_assert_eq(pas_grow(&b, &cap, 10, 1), PAS_OK);
    b[0] = 'x';
    char *was = b;
    size_t c = cap;
    /* the count would pass SIZE_MAX doubling */
    cr_assert_eq(pas_grow(&b, &cap, SIZE_MAX / 2 + 2, 1), PAS_ERR_OVERFLOW);
    cr_assert(b == was && cap == c && b[0] == 'x');
    /* the count fits, its bytes do not */
    cr_assert_eq(pas_grow(&b, &cap, SIZE_MAX / 16 + 1, 32), PAS_ERR_OVERFLOW);
    cr_assert(b == was && cap == c);
#if !defined(__SANITIZE_ADDRESS__)
    /* representable but not allocatable: 2^60 bytes */
    cr_assert_eq(pas_grow(&b, &cap, (size_t)1 << 57, 8), PAS_ERR_NOMEM);
    cr_assert(b == was && cap == c && b[0] == 'x');
#endif
    free(b);
}

Test(scan_local, matches_a_sequential_scan)
{
    size_t sizes[] = {0, 1, 2, 1000, 65535, 65536, 200003};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        uint64_t *x = malloc(n * 8 + 8), *y = malloc(n * 8 + 8), acc = 5;
        for (size_t i = 0; i < n; i++)
            x[i] = pas_mix64(i) % 1000;
        uint64_t total = pas_scan_local_u64(x, y, n, 5);
        for (size_t i = 0; i < n; i++) {
            acc += x[i];
            cr_assert_eq(y[i], acc, "n=%zu i=%zu", n, i);
        }
        cr_assert_eq(total, acc - 5);
        free(x);
        free(y);
    }
}
