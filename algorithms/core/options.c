/* options.c - one option table per program, parsed with getopt_long, that
 * also prints --help with the defaults. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pas_core.h"

#define MAX_OPTS 64

/* The common options, as a table over a pas_common_opts_t filled in at parse. */
static int common_table(pas_common_opts_t *c, pas_opt_t *t)
{
    pas_opt_t rows[] = {
        {"seed", PAS_OPT_SIZE, &c->seed, "N",
         "seed of the generated input (same data at any rank count)", NULL, 0, 0},
        {"threads", PAS_OPT_INT, &c->threads, "N",
         "OpenMP threads per rank (0: detect from the cores each rank may use)", NULL, 0, 4096},
        {"reps", PAS_OPT_INT, &c->reps, "N", "timed repetitions (min/median/max are reported)",
         NULL, 1, 1000000},
        {"warmup", PAS_OPT_INT, &c->warmup, "N", "untimed warm-up runs before the timed ones", NULL,
         0, 1000},
        {"watchdog", PAS_OPT_DOUBLE, &c->watchdog, "S",
         "abort the job when a rank blocks in one MPI call longer than S seconds (0: off; env "
         "PAS_WATCHDOG)",
         NULL, 0, 1e9},
        {"json", PAS_OPT_FLAG, &c->json, NULL, "print each result as one JSON object per line",
         NULL, 0, 0},
        {"quiet", PAS_OPT_FLAG, &c->quiet, NULL, "print result rows only (no banner, no header)",
         NULL, 0, 0},
        {"help", PAS_OPT_FLAG, &c->help, NULL, "print this help and exit", NULL, 0, 0},
        {"version", PAS_OPT_FLAG, &c->version, NULL, "print the version and exit", NULL, 0, 0},
    };
    memcpy(t, rows, sizeof rows);
    return (int)(sizeof rows / sizeof rows[0]);
}

static int errf(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    for (char *c = err; *c; c++) /* echoed arguments must not break the one-line message */
        if (iscntrl((unsigned char)*c))
            *c = '?';
    return PAS_ERR_ARG;
}

static int in_range(const pas_opt_t *o, double v)
{
    return o->min == o->max || (v >= o->min && v <= o->max);
}

static int assign(const pas_prog_info_t *info, const pas_opt_t *o, const char *val, char *err,
                  size_t len)
{
    const char *p = info->program;
    char *end;
    switch (o->kind) {
    case PAS_OPT_FLAG:
        *(int *)o->dest = 1;
        return PAS_OK;
    case PAS_OPT_INT: {
        errno = 0;
        long v = strtol(val, &end, 10);
        if (end == val || *end || errno || v < INT_MIN || v > INT_MAX)
            return errf(err, len, "%s: --%s expects an integer, got '%s'", p, o->name, val);
        if (!in_range(o, (double)v))
            return errf(err, len, "%s: --%s %s is out of range; use a value from %g to %g", p,
                        o->name, val, o->min, o->max);
        *(int *)o->dest = (int)v;
        return PAS_OK;
    }
    case PAS_OPT_SIZE: {
        uint64_t v;
        int rc = pas_parse_size(val, &v);
        if (rc == PAS_ERR_OVERFLOW)
            return errf(err, len,
                        "%s: --%s %s is too large (overflows 64 bits); use a smaller count", p,
                        o->name, val);
        if (rc)
            return errf(err, len,
                        "%s: --%s expects a non-negative count such as 1000, 10M, 4Gi, 1e8 or "
                        "2^30, got '%s'",
                        p, o->name, val);
        if (!in_range(o, (double)v))
            return errf(err, len, "%s: --%s %s is out of range; use a value from %g to %g", p,
                        o->name, val, o->min, o->max);
        *(uint64_t *)o->dest = v;
        return PAS_OK;
    }
    case PAS_OPT_DOUBLE: {
        errno = 0;
        double v = strtod(val, &end);
        if (end == val || *end || errno || !isfinite(v))
            return errf(err, len, "%s: --%s expects a number, got '%s'", p, o->name, val);
        if (!in_range(o, v))
            return errf(err, len, "%s: --%s %s is out of range; use a value from %g to %g", p,
                        o->name, val, o->min, o->max);
        *(double *)o->dest = v;
        return PAS_OK;
    }
    case PAS_OPT_STRING:
        *(const char **)o->dest = val;
        return PAS_OK;
    case PAS_OPT_CHOICE: {
        size_t n = strlen(val);
        for (const char *c = o->choices; c && *c;) {
            const char *bar = strchr(c, '|');
            size_t k = bar ? (size_t)(bar - c) : strlen(c);
            if (k == n && strncmp(c, val, n) == 0) {
                *(const char **)o->dest = val;
                return PAS_OK;
            }
            c += k + (bar != NULL);
        }
        return errf(err, len, "%s: --%s '%s' is not a known choice; use one of %s", p, o->name, val,
                    o->choices);
    }
    }
    return errf(err, len, "%s: internal error in option --%s", p, o->name);
}

pas_status pas_opts_parse(const pas_prog_info_t *info, const pas_opt_t *table,
                          pas_common_opts_t *common, int argc, char **argv, char *err,
                          size_t errlen)
{
    pas_opt_t all[MAX_OPTS];
    struct option lopts[MAX_OPTS + 1];
    int n = 0;
    for (const pas_opt_t *o = table; o && o->name; o++) {
        if (n >= MAX_OPTS - 16)
            return errf(err, errlen, "%s: too many options (internal limit)", info->program);
        all[n++] = *o;
    }
    n += common_table(common, all + n);
    for (int i = 0; i < n; i++)
        lopts[i] = (struct option){all[i].name,
                                   all[i].kind == PAS_OPT_FLAG ? no_argument : required_argument,
                                   NULL, 1000 + i};
    lopts[n] = (struct option){0, 0, 0, 0};

    opterr = 0;
    optind = 0; /* 0, not 1: glibc then also resets its internal scan state */
    int c, longindex;
    while ((c = getopt_long(argc, argv, ":hV", lopts, &longindex)) != -1) {
        if (c == 'h') {
            common->help = 1;
        } else if (c == 'V') {
            common->version = 1;
        } else if (c >= 1000) {
            int rc = assign(info, &all[c - 1000], optarg, err, errlen);
            if (rc)
                return rc;
        } else {
            /* For a long option argv[optind - 1] is it; for a short one in a
             * cluster ("-xh") only optopt names it. */
            char shown[64];
            const char *arg = argv[optind - 1];
            if (optopt > 0 && optopt < 256)
                snprintf(shown, sizeof shown, "-%c", optopt);
            else
                snprintf(shown, sizeof shown, "%s", arg);
            if (c == ':')
                return errf(err, errlen, "%s: option '%s' needs a value; see '%s --help'",
                            info->program, shown, info->program);
            return errf(err, errlen,
                        "%s: unknown or ambiguous option '%s'; see '%s --help' for the list",
                        info->program, shown, info->program);
        }
    }
    if (optind < argc)
        return errf(err, errlen,
                    "%s: unexpected argument '%s' (options start with --); see '%s --help'",
                    info->program, argv[optind], info->program);
    return PAS_OK;
}

static void print_default(const pas_opt_t *o, FILE *out)
{
    char buf[64];
    switch (o->kind) {
    case PAS_OPT_FLAG:
        fprintf(out, *(int *)o->dest ? " (default: on)" : "");
        break;
    case PAS_OPT_INT:
        fprintf(out, " (default: %d)", *(int *)o->dest);
        break;
    case PAS_OPT_SIZE:
        fprintf(out, " (default: %s)", pas_format_size(*(uint64_t *)o->dest, buf, sizeof buf));
        break;
    case PAS_OPT_DOUBLE:
        fprintf(out, " (default: %g)", *(double *)o->dest);
        break;
    case PAS_OPT_STRING:
        if (*(const char **)o->dest)
            fprintf(out, " (default: %s)", *(const char **)o->dest);
        break;
    case PAS_OPT_CHOICE:
        fprintf(out, " [%s] (default: %s)", o->choices,
                *(const char **)o->dest ? *(const char **)o->dest : "none");
        break;
    }
}

static void print_rows(const pas_opt_t *t, int n, FILE *out)
{
    for (int i = 0; i < n; i++) {
        char lhs[64];
        snprintf(lhs, sizeof lhs, "--%s%s%s", t[i].name, t[i].arg ? " " : "",
                 t[i].arg ? t[i].arg : "");
        fprintf(out, "  %-22s %s", lhs, t[i].help);
        print_default(&t[i], out);
        fputc('\n', out);
    }
}

void pas_opts_help(const pas_prog_info_t *info, const pas_opt_t *table,
                   const pas_common_opts_t *common, FILE *out)
{
    pas_common_opts_t copy = *common;
    pas_opt_t ct[16];
    int nc = common_table(&copy, ct);
    int n = 0;
    while (table && table[n].name)
        n++;
    fprintf(out, "%s - %s\n\nusage: %s %s\n", info->program, info->summary, info->program,
            info->usage ? info->usage : "[options]");
    if (n) {
        fprintf(out, "\noptions:\n");
        print_rows(table, n, out);
    }
    fprintf(out, "\ncommon options:\n");
    print_rows(ct, nc, out);
    fprintf(out, "\nCounts take suffixes K M G T (x1000) or Ki Mi Gi Ti (x1024), or 1e8, 2^30.\n"
                 "Exit status: 0 ok, 1 failure (verification or runtime), 2 usage error.\n");
    if (info->epilog)
        fprintf(out, "\n%s\n", info->epilog);
}
