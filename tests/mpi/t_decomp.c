/* t_decomp - self-checking MPI test of grids and block ranges at any rank
 * count, and of the collective failure path (--fail-rank R). */
#include <stdlib.h>
#include <string.h>

#include "pas_decomp.h"
#include "pas_driver.h"

static int check_grid(MPI_Comm comm, int rows, int cols)
{
    pas_grid_t g;
    int rc = pas_grid_create(comm, rows, cols, &g);
    if (rc)
        return rc;
    int rsize, csize, rrank, crank, ok = 1;
    MPI_Comm_size(g.row_comm, &rsize);
    MPI_Comm_size(g.col_comm, &csize);
    MPI_Comm_rank(g.row_comm, &rrank);
    MPI_Comm_rank(g.col_comm, &crank);
    ok &= rsize == g.cols && csize == g.rows && rrank == g.mycol && crank == g.myrow;
    ok &= g.rank == g.myrow * g.cols + g.mycol;
    /* The sum of world ranks along my row is known in closed form. */
    int sum = 0, expect = 0;
    MPI_Allreduce(&g.rank, &sum, 1, MPI_INT, MPI_SUM, g.row_comm);
    for (int c = 0; c < g.cols; c++)
        expect += g.myrow * g.cols + c;
    ok &= sum == expect;
    pas_grid_destroy(&g);
    return ok ? PAS_OK : PAS_ERR_VERIFY;
}

int main(int argc, char **argv)
{
    int fail_rank = -1;
    static const pas_prog_info_t info = {"t_decomp", "decomp self-check", "[options]", NULL};
    const pas_opt_t table[] = {
        {"fail-rank", PAS_OPT_INT, &fail_rank, "R", "make rank R fail (tests collective failure)",
         NULL, -1, 1 << 20},
        {0},
    };
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, NULL, &argc, &argv);
    if (code >= 0)
        return code;

    int rc = pas_driver_checkf(&d, d.rank == fail_rank ? PAS_ERR_INTERNAL : PAS_OK,
                               "injected failure on rank %d", fail_rank);
    if (rc == PAS_OK)
        rc = pas_driver_check(&d, check_grid(d.comm, 0, 0), "automatic grid is wrong");
    if (rc == PAS_OK)
        rc = pas_driver_check(&d, check_grid(d.comm, 1, d.size), "1 x p grid is wrong");
    if (rc == PAS_OK)
        rc = pas_driver_check(&d, check_grid(d.comm, d.size, 1), "p x 1 grid is wrong");
    if (rc == PAS_OK) /* a grid that does not match the rank count is refused everywhere */
        rc = pas_driver_check(
            &d, check_grid(d.comm, d.size + 1, 1) == PAS_ERR_ARG ? PAS_OK : PAS_ERR_VERIFY,
            "a mismatched grid was accepted");

    /* Block ranges: every rank's count summed is n; my range starts where the
     * previous rank's ended. */
    uint64_t ns[] = {0, 1, (uint64_t)d.size - 1, (uint64_t)d.size, 1000003, 1ULL << 40};
    for (size_t k = 0; rc == PAS_OK && k < sizeof ns / sizeof ns[0]; k++) {
        pas_range_t r = pas_decomp_block_range(ns[k], d.size, d.rank);
        uint64_t len = pas_range_len(r), total = 0, prev_hi = 0;
        MPI_Allreduce(&len, &total, 1, MPI_UINT64_T, MPI_SUM, d.comm);
        MPI_Exscan(&len, &prev_hi, 1, MPI_UINT64_T, MPI_SUM, d.comm);
        if (d.rank == 0)
            prev_hi = 0;
        rc = pas_driver_checkf(&d, total == ns[k] && r.lo == prev_hi ? PAS_OK : PAS_ERR_VERIFY,
                               "block ranges of n=%llu do not tile", (unsigned long long)ns[k]);
    }
    if (rc == PAS_OK && d.rank == 0)
        printf("t_decomp: %d ranks: grids and block ranges PASS\n", d.size);
    return pas_driver_end(&d, rc);
}
