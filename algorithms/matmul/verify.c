/* verify.c - Freivalds' randomized check of a distributed product: with a
 * random x, C x must equal alpha op(A) (op(B) x) + beta C0 x.  Each rank
 * multiplies its blocks into full-length partial vectors (m, n, k long, never
 * a matrix) that one MPI_Allreduce sums; a wrong element of C changes C x
 * unless its x entry is zero.  The same products with absolute values give
 * the scale a rounding error could reach, so the threshold does not depend
 * on the data. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "matmul_internal.h"
#include "pas_matmul.h"
#include "pas_watch.h"

static double at(const void *x, int is_float, uint64_t i)
{
    return is_float ? ((const float *)x)[i] : ((const double *)x)[i];
}

/* out += X v and oabs += |X| vabs, or with X^T (out indexed by X's columns).
 * v, vabs, out, oabs are full-length global vectors. */
static void apply(const pas_dmatrix_t *d, const void *x, int is_float, int trans, const double *v,
                  const double *vabs, double *out, double *oabs, uint64_t *gr, uint64_t *gc)
{
    for (uint64_t l = 0; l < d->lm; l++)
        gr[l] = pas_dmatrix_row_l2g(d, l);
    for (uint64_t l = 0; l < d->ln; l++)
        gc[l] = pas_dmatrix_col_l2g(d, l);
    if (!trans) {
        for (uint64_t lj = 0; lj < d->ln; lj++) {
            double vj = v[gc[lj]], aj = vabs[gc[lj]];
            for (uint64_t li = 0; li < d->lm; li++) {
                double e = at(x, is_float, li + lj * d->ld);
                out[gr[li]] += e * vj;
                oabs[gr[li]] += fabs(e) * aj;
            }
        }
    } else {
        for (uint64_t lj = 0; lj < d->ln; lj++) {
            double s = 0, sa = 0;
            for (uint64_t li = 0; li < d->lm; li++) {
                double e = at(x, is_float, li + lj * d->ld);
                s += e * v[gr[li]];
                sa += fabs(e) * vabs[gr[li]];
            }
            out[gc[lj]] += s;
            oabs[gc[lj]] += sa;
        }
    }
}

pas_status pas_matmul_verify(const pas_grid_t *g, int is_float, int trans_a, int trans_b,
                             double alpha, const pas_dmatrix_t *ad, const void *a,
                             const pas_dmatrix_t *bd, const void *b, double beta, uint64_t c0_seed,
                             const pas_dmatrix_t *cd, const void *c, uint64_t x_seed,
                             double *residual, double *threshold)
{
    uint64_t m = cd->m, n = cd->n, k = trans_a ? ad->m : ad->n;
    int rc = pas_watch_phase("matmul-verify");
    uint64_t most = ad->lm + ad->ln + bd->lm + bd->ln + cd->lm + cd->ln + 1;
    /* x, |x| (n each); z, |z| (k each); w, |w|, y, |y|, y0, |y0| (m each) */
    double *v = calloc(2 * n + 2 * k + 6 * m + 1, sizeof(double));
    uint64_t *idx = malloc(most * sizeof(uint64_t));
    if (!v || !idx)
        rc = PAS_ERR_NOMEM;
    if ((rc = pas_matmul_agree(g->comm, rc)))
        goto out;
    double *x = v, *xa = x + n, *z = xa + n, *za = z + k, *w = za + k, *wa = w + m, *y = wa + m,
           *ya = y + m;
    double *y0 = ya + m, *y0a = y0 + m;
    for (uint64_t j = 0; j < n; j++) {
        x[j] = pas_dmatrix_random_at(x_seed, j, ~0ULL);
        xa[j] = fabs(x[j]);
    }
    apply(bd, b, is_float, trans_b, x, xa, z, za, idx, idx + bd->lm);
    if (PAS_WATCHED("MPI_Allreduce", -1, -1,
                    MPI_Allreduce(MPI_IN_PLACE, z, (int)(2 * k), MPI_DOUBLE, MPI_SUM, g->comm))) {
        rc = PAS_ERR_MPI;
        goto out;
    }
    apply(ad, a, is_float, trans_a, z, za, w, wa, idx, idx + ad->lm);
    apply(cd, c, is_float, 0, x, xa, y, ya, idx, idx + cd->lm);
    /* C0 x from the generator: C0 itself is gone (C was overwritten) */
    for (uint64_t lj = 0; lj < cd->ln; lj++) {
        uint64_t gj = pas_dmatrix_col_l2g(cd, lj);
        for (uint64_t li = 0; li < cd->lm; li++) {
            uint64_t gi = pas_dmatrix_row_l2g(cd, li);
            double e = pas_dmatrix_random_at(c0_seed, gi, gj);
            if (is_float)
                e = (float)e;
            y0[gi] += e * x[gj];
            y0a[gi] += fabs(e) * xa[gj];
        }
    }
    if (PAS_WATCHED("MPI_Allreduce", -1, -1,
                    MPI_Allreduce(MPI_IN_PLACE, w, (int)(6 * m), MPI_DOUBLE, MPI_SUM, g->comm))) {
        rc = PAS_ERR_MPI;
        goto out;
    }
    double diff = 0, scale = 0;
    for (uint64_t i = 0; i < m; i++) {
        double d = fabs(y[i] - alpha * w[i] - beta * y0[i]);
        double s = fabs(alpha) * wa[i] + fabs(beta) * y0a[i] + ya[i];
        diff = d > diff || isnan(d) ? d : diff;
        scale = s > scale ? s : scale;
    }
    double eps = is_float ? FLT_EPSILON : DBL_EPSILON;
    *threshold = 2.0 * (double)(k + n + 2) * eps;
    *residual = scale > 0 ? diff / scale : diff;
    rc = *residual <= *threshold ? PAS_OK : PAS_ERR_VERIFY;
    rc = pas_matmul_agree(g->comm, rc); /* identical vectors everywhere: a formality */
out:
    free(v);
    free(idx);
    return rc;
}
