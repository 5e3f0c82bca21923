/* journal.c - the farm's journal: one tab-separated line per task end,
 * read back for --resume and --only-failed.  A last line without its
 * newline (the writer was killed mid-line) is ignored, not an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pas_farm.h"

typedef struct {
    pas_farm_jentry_t e;
    size_t line;
} jline_t;

static int by_id_then_line(const void *a, const void *b)
{
    const jline_t *x = a, *y = b;
    if (x->e.id != y->e.id)
        return x->e.id < y->e.id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

pas_status pas_farm_journal_parse(const char *text, size_t len, pas_farm_journal_t *j, char *err,
                                  size_t errlen)
{
    memset(j, 0, sizeof *j);
    jline_t *v = NULL;
    size_t n = 0, cap = 0, lineno = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        lineno++;
        if (!nl) { /* torn: the writer died mid-line */
            j->torn = 1;
            break;
        }
        if (*p != '#' && nl > p) {
            /* id \t number \t status \t ... (11 fields) */
            int fields = 1;
            for (const char *q = p; q < nl; q++)
                fields += *q == '\t';
            char idtext[17] = {0};
            const char *t1 = memchr(p, '\t', (size_t)(nl - p));
            const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1)) : NULL;
            const char *t3 = t2 ? memchr(t2 + 1, '\t', (size_t)(nl - t2 - 1)) : NULL;
            int ok = -1;
            if (t3 && t3 - t2 - 1 == 2 && !strncmp(t2 + 1, "ok", 2))
                ok = 1;
            else if (t3 && t3 - t2 - 1 == 6 && !strncmp(t2 + 1, "failed", 6))
                ok = 0;
            char *e = NULL;
            uint64_t id = 0;
            if (t1 && t1 - p == 16) {
                memcpy(idtext, p, 16);
                id = strtoull(idtext, &e, 16);
            }
            if (fields < 11 || ok < 0 || !e || *e) {
                snprintf(err, errlen,
                         "journal line %zu is not a pas-farm journal line (id, number, status, ... "
                         "separated by tabs); is this the right --journal file?",
                         lineno);
                free(v);
                return PAS_ERR_FORMAT;
            }
            pas_status rc = pas_grow(&v, &cap, n + 1, sizeof *v);
            if (rc) {
                free(v);
                return rc;
            }
            v[n++] = (jline_t){{id, ok}, lineno};
        }
        p = nl + 1;
        j->good_size = (long)(p - text);
    }
    j->lines = n;
    if (n)
        qsort(v, n, sizeof *v, by_id_then_line);
    /* keep the last line of every id */
    j->e = malloc((n ? n : 1) * sizeof *j->e);
    if (!j->e) {
        free(v);
        return PAS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && v[i + 1].e.id == v[i].e.id)
            continue;
        j->e[j->n++] = v[i].e;
    }
    free(v);
    return PAS_OK;
}

pas_status pas_farm_journal_read(const char *path, pas_farm_journal_t *j, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        memset(j, 0, sizeof *j);
        j->e = malloc(sizeof *j->e);
        return j->e ? PAS_OK : PAS_ERR_NOMEM;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        pas_status rc = pas_grow(&buf, &cap, len + (1 << 16), 1); /* room to read 64 KiB */
        if (rc) {
            free(buf);
            fclose(f);
            return rc;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err, errlen, "cannot read the journal %s", path);
        return PAS_ERR_IO;
    }
    int rc = pas_farm_journal_parse(buf, len, j, err, errlen);
    free(buf);
    return rc;
}

const pas_farm_jentry_t *pas_farm_journal_find(const pas_farm_journal_t *j, uint64_t id)
{
    size_t lo = 0, hi = j->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (j->e[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < j->n && j->e[lo].id == id ? &j->e[lo] : NULL;
}

void pas_farm_journal_free(pas_farm_journal_t *j)
{
    if (j) {
        free(j->e);
        memset(j, 0, sizeof *j);
    }
}

static void copy_clean(char *dst, size_t cap, size_t *n, const char *s)
{
    for (; s && *s; s++) {
        char c = *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s;
        if (*n + 1 < cap)
            dst[*n] = c;
        (*n)++;
    }
}

long pas_farm_journal_format(char *buf, size_t cap, uint64_t id, uint64_t number, int ok,
                             const char *exit, int attempts, int rank, const char *host, int slot,
                             double start, double wall, const char *cmd)
{
    int k = snprintf(buf, cap, "%016llx\t%llu\t%s\t", (unsigned long long)id,
                     (unsigned long long)number, ok ? "ok" : "failed");
    if (k < 0 || (size_t)k >= cap)
        return -1;
    size_t n = (size_t)k;
    copy_clean(buf, cap, &n, exit);
    if (n >= cap)
        return -1;
    k = snprintf(buf + n, cap - n, "\t%d\t%d\t", attempts, rank);
    if (k < 0 || (size_t)k >= cap - n)
        return -1;
    n += (size_t)k;
    copy_clean(buf, cap, &n, host);
    if (n >= cap)
        return -1;
    k = snprintf(buf + n, cap - n, "\t%d\t%.3f\t%.3f\t", slot, start, wall);
    if (k < 0 || (size_t)k >= cap - n)
        return -1;
    n += (size_t)k;
    copy_clean(buf, cap, &n, cmd);
    if (n + 2 > cap)
        return -1;
    buf[n++] = '\n';
    buf[n] = 0;
    return (long)n;
}
