/* spec.c - parse and check a placement spec such as "read:1,work:4,write:1". */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_internal.h"

#define PAS_PIPE_MAX_THREADS 64

static int known_name(const char *const *known, const char *name)
{
    for (int i = 0; known && known[i]; i++)
        if (strcmp(known[i], name) == 0)
            return 1;
    return known == NULL;
}

static void list_known(const char *const *known, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; known && known[i] && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", known[i]);
}

/* a spec as messages echo it: at most 60 characters, so that the reason
 * after it always shows (a spec of 70 stages is 500 characters) */
static const char *echo(const char *text, char *buf, size_t len)
{
    if (strlen(text) <= 60)
        snprintf(buf, len, "%s", text);
    else
        snprintf(buf, len, "%.57s...", text);
    return buf;
}

pas_status pas_pipe_spec_parse(const char *text, const char *const *known, pas_pipe_spec_t *spec,
                               char *err, size_t errlen)
{
    pas_pipe_spec_t s = {0};
    const char *p = text ? text : "";
    char shown[64];
    echo(p, shown, sizeof shown);
    if (!*p) {
        snprintf(
            err, errlen,
            "empty pipeline spec; give the stages as name:ranks,..., e.g. read:1,work:2,write:1");
        return PAS_ERR_ARG;
    }
    for (const char *c = p; *c; c++) /* messages echo the spec: keep them one printable line */
        if (!isprint((unsigned char)*c)) {
            snprintf(err, errlen,
                     "pipeline spec has a control or non-ASCII character at offset %d; "
                     "use name:ranks,..., e.g. read:1,work:2,write:1",
                     (int)(c - p));
            return PAS_ERR_ARG;
        }
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char item[64];
        if (n == 0 || n >= sizeof item) {
            snprintf(err, errlen,
                     "malformed pipeline spec '%s': each stage is name[:ranks] (a name of at most "
                     "31 characters), separated by commas",
                     shown);
            return PAS_ERR_ARG;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        char *colon = strchr(item, ':');
        long count = 1;
        if (colon) {
            *colon = '\0';
            char *stop;
            const char *num = colon + 1;
            count = strtol(num, &stop, 10);
            if (!*num || *stop || !isdigit((unsigned char)*num)) {
                snprintf(err, errlen,
                         "stage '%s' in spec '%s' has rank count '%s'; use a positive integer, "
                         "e.g. %s:2",
                         item, shown, num, item);
                return PAS_ERR_ARG;
            }
        }
        if (!*item || strlen(item) >= sizeof s.name[0]) {
            snprintf(err, errlen, "malformed stage name in spec '%s'; use name:ranks, e.g. work:2",
                     shown);
            return PAS_ERR_ARG;
        }
        if (!known_name(known, item)) {
            char names[256];
            list_known(known, names, sizeof names);
            snprintf(err, errlen, "unknown stage '%s' in spec '%s'; use one of: %s", item, shown,
                     names);
            return PAS_ERR_ARG;
        }
        if (count < 1 || count > 100000) {
            snprintf(
                err, errlen,
                "stage '%s' has %ld ranks in spec '%s'; every stage needs at least 1, e.g. %s:1",
                item, count, shown, item);
            return PAS_ERR_ARG;
        }
        if (s.nstages == PAS_PIPE_MAX_STAGES) {
            int stages = 1;
            for (const char *c = text; *c; c++)
                stages += *c == ',';
            snprintf(err, errlen,
                     "the pipeline spec has %d stages, more than the %d a pipeline may have; merge "
                     "some stages (spec '%s')",
                     stages, PAS_PIPE_MAX_STAGES, shown);
            return PAS_ERR_ARG;
        }
        snprintf(s.name[s.nstages], sizeof s.name[0], "%s", item);
        s.count[s.nstages++] = (int)count;
        s.total += (int)count;
        if (!end)
            break;
        p = end + 1;
        if (!*p) {
            snprintf(err, errlen, "pipeline spec '%s' ends with a comma; remove it", shown);
            return PAS_ERR_ARG;
        }
    }
    *spec = s;
    return PAS_OK;
}

int pas_pipe_spec_locate(const pas_pipe_spec_t *spec, int slot, int *index)
{
    for (int s = 0; s < spec->nstages; s++) {
        if (slot < spec->count[s]) {
            *index = slot;
            return s;
        }
        slot -= spec->count[s];
    }
    *index = -1;
    return -1;
}

void pas_pipe_spec_text(const pas_pipe_spec_t *spec, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int s = 0; s < spec->nstages && at < len; s++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s:%d", s ? "," : "", spec->name[s],
                               spec->count[s]);
}

pas_status pas_pipe_check(const pas_pipe_spec_t *spec, const pas_pipe_opts_t *opt, int ranks,
                          char *err, size_t errlen)
{
    char full[PAS_PIPE_MAX_STAGES * 48], text[64];
    pas_pipe_spec_text(spec, full, sizeof full);
    echo(full, text, sizeof text);
    if (spec->nstages < 1) {
        snprintf(err, errlen,
                 "the pipeline has no stages; give a spec such as read:1,work:2,write:1");
        return PAS_ERR_ARG;
    }
    if (ranks > 1 && spec->total != ranks) {
        snprintf(err, errlen,
                 "spec '%s' places %d ranks but the job has %d; make the counts add up to %d or "
                 "run with -n %d",
                 text, spec->total, ranks, ranks, spec->total);
        return PAS_ERR_ARG;
    }
    if (ranks <= 1 && spec->total > PAS_PIPE_MAX_THREADS) {
        snprintf(
            err, errlen,
            "spec '%s' needs %d threads on one rank (at most %d); use fewer workers or more ranks",
            text, spec->total, PAS_PIPE_MAX_THREADS);
        return PAS_ERR_ARG;
    }
    if (opt->credits < 1 || opt->batch_items < 1 || opt->batch_bytes < 4096) {
        snprintf(err, errlen, "credits and batch items must be >= 1 and batch bytes >= 4096");
        return PAS_ERR_ARG;
    }
    if (opt->ordered) {
        int bad = spec->count[0] != 1 || spec->count[spec->nstages - 1] != 1;
        for (int s = 0; s + 1 < spec->nstages; s++)
            bad |= spec->count[s] > 1 && spec->count[s + 1] > 1;
        if (bad) {
            snprintf(
                err, errlen,
                "ordered output of spec '%s' needs a 1-rank first and last stage and no two farms "
                "side by side; e.g. read:1,work:%d,write:1",
                text, spec->total > 2 ? spec->total - 2 : 1);
            return PAS_ERR_ARG;
        }
    }
    return PAS_OK;
}
