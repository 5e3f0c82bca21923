/* report.c - the rank-0 banner, the results table and --json lines. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pas_core.h"

void pas_banner(FILE *out, const pas_prog_info_t *info, const char *variant, const pas_machine_t *m,
                const char *const *kv)
{
    fprintf(out, "# program          = %s\n", info->program);
    fprintf(out, "# variant          = %s\n", variant ? variant : "-");
    fprintf(out, "# version          = %s (%s)\n", PAS_VERSION,
            PAS_HAVE_MPI ? "MPI+OpenMP" : "OpenMP only, no MPI");
    fprintf(out, "# ranks            = %d\n", m->ranks);
    fprintf(out, "# threads per rank = %d (%s)\n", m->threads, m->threads_from);
    fprintf(out, "# hosts            = %d (rank 0 on %s, %d ranks there)\n", m->hosts, m->host,
            m->local_ranks);
    fprintf(out, "# cpus             = %d online, %d in rank 0's mask", m->node_cpus, m->mask_cpus);
    if (m->hw_cores)
        fprintf(out, ", %d physical cores (hwloc)", m->hw_cores);
    fputc('\n', out);
    char mb[32];
    if (m->mem.bytes != UINT64_MAX)
        fprintf(out, "# memory per rank  = %s (%s)\n",
                pas_format_bytes(m->mem.bytes, mb, sizeof mb), m->mem.from);
    if (pas_mpi_yield_get())
        fprintf(out, "# mpi waits        = yield the core (more ranks than cores)\n");
    for (const char *const *p = kv; p && p[0] && p[1]; p += 2)
        fprintf(out, "# %-16s = %s\n", p[0], p[1]);
    fflush(out);
}

void pas_result_header(FILE *out)
{
    fprintf(out, "%-14s %-10s %-9s %-30s %10s %10s %10s %12s %-9s %s\n", "program", "algorithm",
            "ranksxthr", "size", "t_min(s)", "t_med(s)", "t_max(s)", "rate", "unit", "verdict");
}

/* Does s follow JSON's number grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static int is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return 0;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* A double as JSON: non-finite values have no JSON number, so null. */
static void json_double(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.9g", v);
    else
        fputs("null", out);
}

void pas_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

void pas_result_print(FILE *out, const pas_result_t *r, int json)
{
    if (!json) {
        char layout[32];
        snprintf(layout, sizeof layout, "%dx%d", r->ranks, r->threads);
        fprintf(out, "%-14s %-10s %-9s %-30s %10.4g %10.4g %10.4g %12.4g %-9s %s%s%s\n", r->program,
                r->algo, layout, r->size, r->time.min, r->time.median, r->time.max, r->rate,
                r->rate_unit, r->verdict, r->extra ? "  " : "", r->extra ? r->extra : "");
        fflush(out);
        return;
    }
    fprintf(out, "{\"program\":");
    pas_json_string(out, r->program);
    fprintf(out, ",\"algorithm\":");
    pas_json_string(out, r->algo);
    fprintf(out, ",\"ranks\":%d,\"threads\":%d,\"size\":", r->ranks, r->threads);
    pas_json_string(out, r->size);
    fprintf(out, ",\"reps\":%d,\"t_min\":", r->time.reps);
    json_double(out, r->time.min);
    fputs(",\"t_median\":", out);
    json_double(out, r->time.median);
    fputs(",\"t_max\":", out);
    json_double(out, r->time.max);
    fputs(",\"rate\":", out);
    json_double(out, r->rate);
    fputs(",\"unit\":", out);
    pas_json_string(out, r->rate_unit);
    fprintf(out, ",\"verdict\":");
    pas_json_string(out, r->verdict);
    /* extra "k=v k=v" pairs become fields; numbers stay numbers */
    if (r->extra) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", r->extra);
        for (char *save, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            char *eq = strchr(tok, '=');
            if (!eq)
                continue;
            *eq = '\0';
            fputc(',', out);
            pas_json_string(out, tok);
            fputc(':', out);
            if (is_json_number(eq + 1))
                fputs(eq + 1, out);
            else
                pas_json_string(out, eq + 1);
        }
    }
    fprintf(out, "}\n");
    fflush(out);
}
