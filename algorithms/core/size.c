/* size.c - counts with suffixes: "10M", "1Gi", "1e8", "2^30". */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pas_core.h"

/* Exact: digits [. digits] [e digits] [K|M|G|T|P [i] [B]], or digits^digits,
 * computed in 128 bits, so "12345678901234567.5" or "1.0000001" are refused rather than
 * rounded, and no value above 2^53 loses precision. */
pas_status pas_parse_size(const char *text, uint64_t *out)
{
    typedef unsigned __int128 u128;
    const u128 big = ~(u128)0;
    if (!text)
        return PAS_ERR_ARG;
    const char *s = text;
    u128 v = 0;
    int digits = 0, frac = 0, overflow = 0;
    for (int in_frac = 0;; s++) {
        if (*s == '.' && !in_frac) {
            in_frac = 1;
            continue;
        }
        if (!isdigit((unsigned char)*s))
            break;
        if (v > (big - 9) / 10)
            overflow = 1;
        else
            v = v * 10 + (u128)(*s - '0');
        digits++;
        frac += in_frac;
    }
    if (digits == 0)
        return PAS_ERR_ARG; /* also "-5", "+7", " 7", "K", "" */
    if (*s == '^') {        /* a power: "2^30", nothing after it */
        if (frac || !isdigit((unsigned char)s[1]))
            return PAS_ERR_ARG;
        int e = 0;
        for (s++; isdigit((unsigned char)*s); s++)
            if (e < 1000)
                e = e * 10 + (*s - '0');
        if (*s)
            return PAS_ERR_ARG;
        u128 p = 1;
        for (int i = 0; i < e && !overflow; i++)
            if (v > 1 && p > UINT64_MAX / v)
                overflow = 1;
            else
                p *= v;
        if (overflow)
            return PAS_ERR_OVERFLOW;
        *out = (uint64_t)p;
        return PAS_OK;
    }
    int exp10 = 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+')
            s++;
        if (!isdigit((unsigned char)*s))
            return PAS_ERR_ARG;
        for (; isdigit((unsigned char)*s); s++)
            if (exp10 < 1000)
                exp10 = exp10 * 10 + (*s - '0');
    }
    u128 mult = 1;
    if (*s) {
        static const char units[] = "KMGTP";
        const char *u = strchr(units, toupper((unsigned char)*s));
        if (!u || !*u)
            return PAS_ERR_ARG;
        int binary = s[1] == 'i';
        for (int i = 0; i <= (int)(u - units); i++)
            mult *= binary ? 1024 : 1000;
        s += 1 + binary;
        if (*s == 'B' || *s == 'b') /* "1GiB", "10MB" */
            s++;
        if (*s)
            return PAS_ERR_ARG;
    }
    if (overflow)
        return PAS_ERR_OVERFLOW;
    if (v > big / mult)
        return PAS_ERR_OVERFLOW;
    v *= mult;
    for (int k = exp10 - frac; k > 0 && v; k--) {
        if (v > UINT64_MAX)
            return PAS_ERR_OVERFLOW;
        v *= 10;
    }
    for (int k = frac - exp10; k > 0; k--) {
        if (v % 10)
            return PAS_ERR_ARG; /* not a whole count: "1.5" keys */
        v /= 10;
    }
    if (v > UINT64_MAX)
        return PAS_ERR_OVERFLOW;
    *out = (uint64_t)v;
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

const char *pas_format_bytes(uint64_t bytes, char *buf, size_t len)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(buf, len, "%llu B", (unsigned long long)bytes);
        return buf;
    }
    double v = (double)bytes / 1024;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    snprintf(buf, len, "%.1f %s", v, units[u]);
    return buf;
}
