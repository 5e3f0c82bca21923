/* grow.c - the one grow-by-doubling of arrays that fill up one item at a time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pas_core.h"

pas_status pas_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return PAS_OK;
    size_t c = *cap ? *cap : PAS_GROW_MIN;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return PAS_ERR_OVERFLOW;
        c *= 2;
    }
    if (elem && c > SIZE_MAX / elem)
        return PAS_ERR_OVERFLOW;
    /* the caller's pointer is read and written as bytes: it may be any T * */
    size_t bytes = c * elem;
    void *p, *np;
    memcpy(&p, pp, sizeof p);
    if (!(np = realloc(p, bytes ? bytes : 1)))
        return PAS_ERR_NOMEM;
    memcpy(pp, &np, sizeof np);
    *cap = c;
    return PAS_OK;
}
