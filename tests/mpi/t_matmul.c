/* t_matmul - self-checking MPI test of decomp's distributed matrices as
 * matmul uses them: random generation independent of the grid, redistribution
 * block <-> block-cyclic (transposed too) on every grid shape of the job, and
 * an MPI-IO round trip (written block-cyclic, read back as blocks).
 * Exit 0 when every rank agrees that all checks passed. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pas_decomp.h"
#include "pas_driver.h"

static int check(const pas_dmatrix_t *d, const double *x, uint64_t seed, int transposed)
{
    for (uint64_t lj = 0; lj < d->ln; lj++)
        for (uint64_t li = 0; li < d->lm; li++) {
            uint64_t gi = pas_dmatrix_row_l2g(d, li), gj = pas_dmatrix_col_l2g(d, lj);
            double want = transposed ? pas_dmatrix_random_at(seed, gj, gi)
                                     : pas_dmatrix_random_at(seed, gi, gj);
            if (x[li + lj * d->ld] != want)
                return PAS_ERR_VERIFY;
        }
    return PAS_OK;
}

int main(int argc, char **argv)
{
    static const pas_prog_info_t info = {
        "t_matmul", "distributed matrices: generation, redistribution, MPI-IO", "[options]", NULL};
    const pas_opt_t table[] = {{0}};
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, NULL, &argc, &argv);
    if (code >= 0)
        return code;
    static const struct {
        uint64_t m, n, mb, nb;
    } shapes[] = {
        {0, 5, 2, 2},   {1, 1, 1, 1},    {3, 7, 2, 3},
        {13, 13, 4, 4}, {100, 37, 8, 5}, {64, 129, 16, 32},
    };
    int rc = PAS_OK, checks = 0;
    char path[256];
    snprintf(path, sizeof path, "/tmp/t_matmul.%ld.mat", (long)getpid());
    MPI_Bcast(path, sizeof path, MPI_CHAR, 0, d.comm);
    for (int rows = 1; rows <= d.size && rc == PAS_OK; rows++) {
        if (d.size % rows)
            continue;
        int cols = d.size / rows, r = d.rank / cols, c = d.rank % cols;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0] && rc == PAS_OK; s++) {
            uint64_t m = shapes[s].m, n = shapes[s].n, seed = 17 + s;
            pas_dmatrix_t blk, cyc, tcyc, blk2;
            pas_dmatrix_block(m, n, rows, cols, r, c, &blk);
            pas_dmatrix_cyclic(m, n, shapes[s].mb, shapes[s].nb, rows, cols, r, c, &cyc);
            /* the transpose on the transposed grid (cols x rows) */
            pas_dmatrix_cyclic(n, m, shapes[s].nb, shapes[s].mb, cols, rows, d.rank / rows,
                               d.rank % rows, &tcyc);
            pas_dmatrix_block(m, n, rows, cols, r, c, &blk2);
            double *x = calloc(blk.ld * blk.ln + 1, sizeof(double)),
                   *y = calloc(cyc.ld * cyc.ln + 1, sizeof(double));
            double *t = calloc(tcyc.ld * tcyc.ln + 1, sizeof(double)),
                   *z = calloc(blk2.ld * blk2.ln + 1, sizeof(double));
            pas_dmatrix_fill_random_d(&blk, seed, x);
            int v = check(&blk, x, seed, 0), step = 0;
            step = 1;
            if (v == PAS_OK)
                v = pas_dmatrix_redistribute(d.comm, &blk, x, &cyc, y, 0, sizeof(double));
            if (v == PAS_OK)
                v = check(&cyc, y, seed, 0);
            if (v == PAS_OK)
                v = pas_dmatrix_redistribute(d.comm, &cyc, y, &tcyc, t, 1, sizeof(double));
            if (v == PAS_OK)
                v = check(&tcyc, t, seed, 1);
            if (v == PAS_OK)
                v = pas_dmatrix_redistribute(d.comm, &tcyc, t, &blk2, z, 1, sizeof(double));
            if (v == PAS_OK)
                v = check(&blk2, z, seed, 0);
            step = 2;
            /* file round trip: write the cyclic copy, read it as blocks */
            if (v == PAS_OK && m * n > 0)
                v = pas_dmatrix_write(d.comm, path, &cyc, y, sizeof(double));
            if (v == PAS_OK && m * n > 0) {
                for (uint64_t i = 0; i < blk2.ld * blk2.ln; i++)
                    z[i] = -7;
                v = pas_dmatrix_read(d.comm, path, &blk2, z, sizeof(double));
                if (v == PAS_OK)
                    v = check(&blk2, z, seed, 0);
            }
            step = 3;
            /* a header that does not match is a format error */
            if (v == PAS_OK && m * n > 0) {
                pas_dmatrix_t wrong;
                pas_dmatrix_block(m + 1, n, rows, cols, r, c, &wrong);
                double *w = calloc(wrong.ld * wrong.ln + 1, sizeof(double));
                int f = pas_dmatrix_read(d.comm, path, &wrong, w, sizeof(double));
                v = f == PAS_ERR_FORMAT ? PAS_OK : PAS_ERR_VERIFY;
                free(w);
            }
            if (getenv("T_MATMUL_DEBUG") && v)
                fprintf(stderr, "rank %d v=%d step %d\n", d.rank, v, step);
            rc = pas_driver_checkf(&d, v, "grid %dx%d, %llux%llu (blocks %llux%llu): %s", rows,
                                   cols, (unsigned long long)m, (unsigned long long)n,
                                   (unsigned long long)shapes[s].mb,
                                   (unsigned long long)shapes[s].nb, pas_strerror(v));
            checks++;
            free(x), free(y), free(t), free(z);
        }
    }
    if (d.rank == 0) {
        remove(path);
        if (access(path, F_OK) == 0 || rc != PAS_OK)
            rc = rc ? rc : PAS_ERR_IO;
        printf("t_matmul: %d layout checks on %d ranks: %s\n", checks, d.size,
               rc == PAS_OK ? "PASS" : "FAIL");
    }
    return pas_driver_end(&d, rc);
}
