/* libFuzzer harness: grid specs "RxC".  Never crash; accepted grids are >= 1. */
#include <stdlib.h>
#include <string.h>

#include "pas_decomp.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    int r = 0, c = 0;
    if (pas_decomp_grid_parse(text, &r, &c) == PAS_OK && (r < 1 || c < 1))
        abort();
    free(text);
    return 0;
}
