/* size.c - counts with suffixes: "10M", "1Gi", "1e8". */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pas_core.h"

int pas_parse_size(const char *text, uint64_t *out)
{
    if (!text || !*text)
        return PAS_ERR_ARG;
    for (const char *c = text; *c; c++)
        if (*c == '-')
            return PAS_ERR_ARG;
    /* Integer part first, so that exact values above 2^53 stay exact. */
    char *end;
    errno = 0;
    unsigned long long ip = strtoull(text, &end, 10);
    if (end == text && *end != '.')
        return PAS_ERR_ARG;
    if (errno == ERANGE)
        return PAS_ERR_OVERFLOW;
    double frac = 0;
    int has_frac = 0;
    if (*end == '.' || *end == 'e' || *end == 'E') { /* fraction or exponent: via double */
        errno = 0;
        double d = strtod(text, &end);
        if (errno == ERANGE || !isfinite(d))
            return PAS_ERR_OVERFLOW;
        if (d < 0)
            return PAS_ERR_ARG;
        if (d >= 18446744073709551616.0)
            return PAS_ERR_OVERFLOW;
        ip = (unsigned long long)d;
        frac = d - (double)ip;
        has_frac = 1;
    }
    uint64_t mult = 1;
    if (*end) {
        static const char units[] = "KMGTP";
        const char *u = strchr(units, toupper((unsigned char)*end));
        if (!u || !*u)
            return PAS_ERR_ARG;
        int power = (int)(u - units) + 1;
        int binary = end[1] == 'i';
        uint64_t base = binary ? 1024 : 1000;
        for (int i = 0; i < power; i++)
            mult *= base;
        end += 1 + binary;
        if (*end == 'B' || *end == 'b') /* "1GiB", "10MB" */
            end++;
        if (*end)
            return PAS_ERR_ARG;
    }
    if (ip > UINT64_MAX / mult)
        return PAS_ERR_OVERFLOW;
    uint64_t v = (uint64_t)ip * mult;
    if (has_frac) {
        double f = frac * (double)mult;
        if (fabs(f - nearbyint(f)) > 1e-6 * (f > 1 ? f : 1))
            return PAS_ERR_ARG; /* "1.5" keys is not a count */
        uint64_t add = (uint64_t)nearbyint(f);
        if (v > UINT64_MAX - add)
            return PAS_ERR_OVERFLOW;
        v += add;
    }
    *out = v;
    return PAS_OK;
}

const char *pas_format_size(uint64_t n, char *buf, size_t len)
{
    static const char units[] = "KMGTP";
    int u = -1;
    while (n >= 1000 && n % 1000 == 0 && u < 4) {
        n /= 1000;
        u++;
    }
    if (u < 0)
        snprintf(buf, len, "%llu", (unsigned long long)n);
    else
        snprintf(buf, len, "%llu%c", (unsigned long long)n, units[u]);
    return buf;
}
