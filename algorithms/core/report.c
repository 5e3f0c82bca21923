/* report.c - the rank-0 banner, the results table and --json lines. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "pas_core.h"

void pas_banner(FILE *out, const pas_prog_info_t *info, const char *variant,
                const pas_machine_t *m, const char *const *kv)
{
    fprintf(out, "# program          = %s\n", info->program);
    fprintf(out, "# variant          = %s\n", variant ? variant : "-");
    fprintf(out, "# version          = %s (%s)\n", PAS_VERSION,
            PAS_HAVE_MPI ? "MPI+OpenMP" : "OpenMP only, no MPI");
    fprintf(out, "# ranks            = %d\n", m->ranks);
    fprintf(out, "# threads per rank = %d (%s)\n", m->threads, m->threads_from);
    fprintf(out, "# hosts            = %d (rank 0 on %s, %d ranks there)\n", m->hosts, m->host,
            m->local_ranks);
    fprintf(out, "# cpus             = %d online, %d in rank 0's mask", m->node_cpus,
            m->mask_cpus);
    if (m->hw_cores)
        fprintf(out, ", %d physical cores (hwloc)", m->hw_cores);
    fputc('\n', out);
    for (const char *const *p = kv; p && p[0] && p[1]; p += 2)
        fprintf(out, "# %-16s = %s\n", p[0], p[1]);
    fflush(out);
}

void pas_result_header(FILE *out)
{
    fprintf(out, "%-14s %-10s %-9s %-30s %10s %10s %10s %12s %-9s %s\n", "program", "algorithm",
            "ranksxthr", "size", "t_min(s)", "t_med(s)", "t_max(s)", "rate", "unit", "verdict");
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
        fprintf(out, "%-14s %-10s %-9s %-30s %10.4g %10.4g %10.4g %12.4g %-9s %s%s%s\n",
                r->program, r->algo, layout, r->size, r->time.min, r->time.median,
                r->time.max, r->rate, r->rate_unit, r->verdict, r->extra ? "  " : "",
                r->extra ? r->extra : "");
        fflush(out);
        return;
    }
    fprintf(out, "{\"program\":");
    pas_json_string(out, r->program);
    fprintf(out, ",\"algorithm\":");
    pas_json_string(out, r->algo);
    fprintf(out, ",\"ranks\":%d,\"threads\":%d,\"size\":", r->ranks, r->threads);
    pas_json_string(out, r->size);
    fprintf(out, ",\"reps\":%d,\"t_min\":%.9g,\"t_median\":%.9g,\"t_max\":%.9g,\"rate\":%.9g,"
                 "\"unit\":", r->time.reps, r->time.min, r->time.median, r->time.max, r->rate);
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
            char *end;
            strtod(eq + 1, &end);
            if (*end == '\0' && end != eq + 1)
                fputs(eq + 1, out);
            else
                pas_json_string(out, eq + 1);
        }
    }
    fprintf(out, "}\n");
    fflush(out);
}
