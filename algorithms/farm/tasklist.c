/* tasklist.c - task lines (comments, priorities), command templates and
 * task identities. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pas_farm.h"

static int parse_prio(const char *s, size_t n, int *prio)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (*end || errno || v < -1000000 || v > 1000000)
        return 0;
    *prio = (int)v;
    return 1;
}

int pas_farm_line_parse(char *line, int prio_field, char **text, int *prio, char *err,
                        size_t errlen)
{
    char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    if (n == 0 || s[0] == '#')
        return 0;
    *prio = 0;
    if (strncmp(s, "prio=", 5) == 0) {
        size_t k = strcspn(s + 5, " \t");
        if (!parse_prio(s + 5, k, prio)) {
            snprintf(err, errlen,
                     "malformed priority '%.*s': write prio=N with an integer N in "
                     "-1000000..1000000, then a blank and the task",
                     (int)(k + 5 < 40 ? k + 5 : 40), s);
            return PAS_ERR_FORMAT;
        }
        s += 5 + k;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s) {
            snprintf(err, errlen, "a line has a priority but no task after it");
            return PAS_ERR_FORMAT;
        }
    } else if (prio_field > 0) {
        const char *f = s;
        for (int i = 1;; i++) {
            size_t k = strcspn(f, " \t");
            if (i == prio_field) {
                if (!parse_prio(f, k, prio)) {
                    snprintf(err, errlen,
                             "field %d ('%.*s') is not an integer priority (--priority-field %d)",
                             prio_field, (int)(k < 40 ? k : 40), f, prio_field);
                    return PAS_ERR_FORMAT;
                }
                break;
            }
            f += k;
            while (*f == ' ' || *f == '\t')
                f++;
            if (!*f) {
                snprintf(err, errlen, "a line has fewer than %d fields (--priority-field %d)",
                         prio_field, prio_field);
                return PAS_ERR_FORMAT;
            }
        }
    }
    *text = s;
    return 1;
}

static int put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (*n + 1 < cap)
            out[*n] = s[i];
        (*n)++;
    }
    return 0;
}

long pas_farm_expand(const char *tmpl, const char *arg, uint64_t number, int rank, int slot,
                     char *out, size_t cap)
{
    size_t n = 0;
    char num[32];
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "{}", 2) == 0) {
            put(out, cap, &n, arg, strlen(arg));
            p += 2;
        } else if (strncmp(p, "{#}", 3) == 0) {
            int k = snprintf(num, sizeof num, "%llu", (unsigned long long)number);
            put(out, cap, &n, num, (size_t)k);
            p += 3;
        } else if (strncmp(p, "{rank}", 6) == 0 && rank >= 0) {
            int k = snprintf(num, sizeof num, "%d", rank);
            put(out, cap, &n, num, (size_t)k);
            p += 6;
        } else if (strncmp(p, "{slot}", 6) == 0 && slot >= 0) {
            int k = snprintf(num, sizeof num, "%d", slot);
            put(out, cap, &n, num, (size_t)k);
            p += 6;
        } else {
            put(out, cap, &n, p, 1);
            p++;
        }
    }
    if (cap)
        out[n < cap ? n : cap - 1] = 0;
    if (n >= cap || n > LONG_MAX)
        return PAS_ERR_OVERFLOW;
    return (long)n;
}

uint64_t pas_farm_task_id(const char *cmd, uint64_t occurrence)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)cmd; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL; /* separator: no command byte is 0xff's position */
    for (int i = 0; i < 8; i++)
        h = (h ^ ((occurrence >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
    return h;
}
