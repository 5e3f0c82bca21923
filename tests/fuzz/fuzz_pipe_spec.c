/* libFuzzer harness: pipeline placement specs ("read:1,work:4,write:1").
 * Never crash; an accepted spec has 1..PAS_PIPE_MAX_STAGES stages, counts
 * >= 1 that add up to total, and every slot maps back to its stage; a
 * rejected one has a one-line message. */
#include <stdlib.h>
#include <string.h>

#include "pas_pipe.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    static const char *const known[] = {"read", "gen", "work", "write", NULL};
    pas_pipe_spec_t spec;
    char err[256] = "";
    for (int k = 0; k < 2; k++) {
        int rc = pas_pipe_spec_parse(text, k ? known : NULL, &spec, err, sizeof err);
        if (rc != PAS_OK) {
            if (!err[0] || strchr(err, '\n'))
                abort();
            continue;
        }
        if (spec.nstages < 1 || spec.nstages > PAS_PIPE_MAX_STAGES)
            abort();
        long sum = 0;
        for (int s = 0; s < spec.nstages; s++) {
            if (spec.count[s] < 1 || !spec.name[s][0])
                abort();
            sum += spec.count[s];
        }
        if (sum != spec.total)
            abort();
        for (int slot = 0; slot < spec.total && slot < 4096; slot++) {
            int index = -1, stage = pas_pipe_spec_locate(&spec, slot, &index);
            if (stage < 0 || stage >= spec.nstages || index < 0 || index >= spec.count[stage])
                abort();
        }
    }
    free(text);
    return 0;
}
