/* libFuzzer harness: reading a pas matrix file (header + column-major data)
 * whose bytes are the fuzz input, through the single-rank MPI-IO.  Any
 * malformed, truncated or oversized file must give an error status, never a
 * crash or an out-of-bounds access. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pas_decomp.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/pas-fuzz-matrix-%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    /* The reader is told the shape; the file may claim anything.  Try a
     * few shapes, element sizes and layouts. */
    static const struct {
        uint64_t m, n;
        size_t es;
    } shapes[] = {{1, 1, 8}, {3, 2, 8}, {4, 5, 4}, {0, 3, 8}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        pas_dmatrix_t d;
        if (pas_dmatrix_block(shapes[k].m, shapes[k].n, 1, 1, 0, 0, &d) != PAS_OK)
            abort();
        double a[64];
        (void)pas_dmatrix_read(MPI_COMM_WORLD, path, &d, a, shapes[k].es);
    }
    unlink(path);
    return 0;
}
