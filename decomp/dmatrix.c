/* dmatrix.c - descriptors of block and block-cyclic distributed matrices,
 * index maps, and random generation that gives the same global matrix on
 * any grid. */
#include "pas_decomp.h"

static uint64_t dim_count(int kind, uint64_t n, uint64_t nb, int p, int i)
{
    return kind == PAS_DMAT_BLOCK ? pas_decomp_block_count(n, p, i)
                                  : pas_decomp_cyclic_count(n, nb, p, i, 0);
}

static int describe(uint64_t m, uint64_t n, int kind, uint64_t mb, uint64_t nb, int rows, int cols,
                    int myrow, int mycol, pas_dmatrix_t *d)
{
    if (rows < 1 || cols < 1 || myrow < 0 || myrow >= rows || mycol < 0 || mycol >= cols ||
        mb < 1 || nb < 1)
        return PAS_ERR_ARG;
    pas_dmatrix_t t = {m, n, kind, mb, nb, rows, cols, myrow, mycol, 0, 0, 1};
    t.lm = dim_count(kind, m, mb, rows, myrow);
    t.ln = dim_count(kind, n, nb, cols, mycol);
    t.ld = t.lm ? t.lm : 1;
    *d = t;
    return PAS_OK;
}

pas_status pas_dmatrix_block(uint64_t m, uint64_t n, int rows, int cols, int myrow, int mycol,
                             pas_dmatrix_t *d)
{
    return describe(m, n, PAS_DMAT_BLOCK, 1, 1, rows, cols, myrow, mycol, d);
}

pas_status pas_dmatrix_cyclic(uint64_t m, uint64_t n, uint64_t mb, uint64_t nb, int rows, int cols,
                              int myrow, int mycol, pas_dmatrix_t *d)
{
    return describe(m, n, PAS_DMAT_CYCLIC, mb, nb, rows, cols, myrow, mycol, d);
}

uint64_t pas_dmatrix_row_l2g(const pas_dmatrix_t *d, uint64_t l)
{
    return d->kind == PAS_DMAT_BLOCK ? pas_decomp_block_range(d->m, d->rows, d->myrow).lo + l
                                     : pas_decomp_cyclic_l2g(l, d->mb, d->rows, d->myrow, 0);
}

uint64_t pas_dmatrix_col_l2g(const pas_dmatrix_t *d, uint64_t l)
{
    return d->kind == PAS_DMAT_BLOCK ? pas_decomp_block_range(d->n, d->cols, d->mycol).lo + l
                                     : pas_decomp_cyclic_l2g(l, d->nb, d->cols, d->mycol, 0);
}

int pas_dmatrix_row_owner(const pas_dmatrix_t *d, uint64_t g)
{
    return d->kind == PAS_DMAT_BLOCK ? pas_decomp_block_owner(d->m, d->rows, g)
                                     : pas_decomp_cyclic_owner(g, d->mb, d->rows, 0);
}

int pas_dmatrix_col_owner(const pas_dmatrix_t *d, uint64_t g)
{
    return d->kind == PAS_DMAT_BLOCK ? pas_decomp_block_owner(d->n, d->cols, g)
                                     : pas_decomp_cyclic_owner(g, d->nb, d->cols, 0);
}

void pas_dmatrix_fill_random_d(const pas_dmatrix_t *d, uint64_t seed, double *a)
{
#pragma omp parallel for schedule(static)
    for (uint64_t lj = 0; lj < d->ln; lj++) {
        uint64_t gj = pas_dmatrix_col_l2g(d, lj);
        for (uint64_t li = 0; li < d->lm; li++)
            a[li + lj * d->ld] = pas_dmatrix_random_at(seed, pas_dmatrix_row_l2g(d, li), gj);
    }
}

void pas_dmatrix_fill_random_s(const pas_dmatrix_t *d, uint64_t seed, float *a)
{
#pragma omp parallel for schedule(static)
    for (uint64_t lj = 0; lj < d->ln; lj++) {
        uint64_t gj = pas_dmatrix_col_l2g(d, lj);
        for (uint64_t li = 0; li < d->lm; li++)
            a[li + lj * d->ld] = (float)pas_dmatrix_random_at(seed, pas_dmatrix_row_l2g(d, li), gj);
    }
}
