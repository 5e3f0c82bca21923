/* libFuzzer harness: counts with suffixes (pas_parse_size) and their
 * formatting must never crash, and a parsed value formats back to itself. */
#include <stdlib.h>
#include <string.h>

#include "pas_core.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    uint64_t v;
    if (pas_parse_size(text, &v) == PAS_OK) {
        char buf[32];
        uint64_t back;
        if (pas_parse_size(pas_format_size(v, buf, sizeof buf), &back) != PAS_OK || back != v)
            abort(); /* the formatted value must parse back to itself */
    }
    free(text);
    return 0;
}
