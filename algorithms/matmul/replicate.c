/* replicate.c - the 3D arrangement behind 2.5D (Solomonik and Demmel): c
 * layers of a 2D grid.  Layer 0 holds A, B and C; A and B are replicated to
 * every layer along the depth communicators, each layer runs SUMMA on its
 * slice 1/c of k, and the partial C blocks are summed back onto layer 0.
 * Words per rank: about n^2 / sqrt(c p) in SUMMA plus 2 n^2 c / p for
 * the replication and n^2 c / p for the reduction. */
#include <math.h>
#include <stdlib.h>

#include "matmul_internal.h"
#include "pas_matmul.h"
#include "pas_watch.h"

pas_status pas_matmul_layers_create(MPI_Comm comm, int layers, int rows, int cols,
                                    pas_matmul_layers_t *lay)
{
    int size, rank;
    if (MPI_Comm_size(comm, &size) || MPI_Comm_rank(comm, &rank))
        return PAS_ERR_MPI;
    if (layers < 1 || size % layers)
        return PAS_ERR_ARG;
    int per = size / layers;
    if (rows == 0 && cols == 0)
        pas_decomp_grid_dims(per, &rows, &cols);
    if (rows < 1 || cols < 1 || (long)rows * cols != per)
        return PAS_ERR_ARG;
    pas_matmul_layers_t L = {layers, rank / per, {0}, MPI_COMM_NULL, MPI_COMM_NULL};
    if (MPI_Comm_split(comm, L.layer, rank % per, &L.layer_comm) ||
        MPI_Comm_split(comm, rank % per, L.layer, &L.depth_comm))
        return PAS_ERR_MPI;
    pas_status rc = pas_grid_create(L.layer_comm, rows, cols, &L.grid);
    if (rc) {
        MPI_Comm_free(&L.layer_comm);
        MPI_Comm_free(&L.depth_comm);
        return rc;
    }
    *lay = L;
    return PAS_OK;
}

void pas_matmul_layers_destroy(pas_matmul_layers_t *lay)
{
    pas_grid_destroy(&lay->grid);
    if (lay->layer_comm != MPI_COMM_NULL)
        MPI_Comm_free(&lay->layer_comm);
    if (lay->depth_comm != MPI_COMM_NULL)
        MPI_Comm_free(&lay->depth_comm);
}

double pas_matmul_footprint(int p, int c, uint64_t m, uint64_t n, uint64_t k, size_t elem)
{
    double per = (double)p / c; /* ranks per layer */
    double sq = sqrt(per);
    /* A, B, C blocks, the transposed copies at worst, and SUMMA's two double
     * buffers of 256-wide panels */
    return ((double)m * k + (double)k * n + (double)m * n) / per * elem * 1.5 +
           4.0 * ((double)m + n) / sq * 256 * elem;
}

double pas_matmul_words_model(int p, int c, uint64_t m, uint64_t n, uint64_t k)
{
    int rows = 0, cols = 0;
    if (c < 1 || p < c || p % c)
        return -1;
    pas_decomp_grid_dims(p / c, &rows, &cols);
    double per = (double)p / c, kc = (double)k / c;
    /* SUMMA in a layer on k / c: the A panels of my grid row that others
     * own, and the B panels of my grid column */
    double summa =
        (double)m / rows * kc * (cols - 1) / cols + kc * (double)n / cols * (rows - 1) / rows;
    if (c == 1)
        return summa;
    double rep = ((double)m * k + (double)k * n) / per; /* layers 1..c-1 receive A and B */
    double red = (double)m * n / per * (c - 1); /* layer 0 receives c - 1 partial C blocks */
    return summa + (rep > red ? rep : red);
}

int pas_matmul_choose_replicas(int p, uint64_t m, uint64_t n, uint64_t k, size_t elem,
                               double mem_bytes)
{
    int best = 1;
    double one = pas_matmul_words_model(p, 1, m, n, k), fewest = one;
    for (int c = 2; (long)c * c * c <= p; c++) {
        if (p % c || (mem_bytes > 0 && pas_matmul_footprint(p, c, m, n, k, elem) > mem_bytes))
            continue;
        double w = pas_matmul_words_model(p, c, m, n, k);
        if (w < fewest)
            best = c, fewest = w;
    }
    /* layers cost a replication and a reduction that do not overlap the
     * multiply: only when they save at least a tenth of the words */
    return fewest <= 0.9 * one ? best : 1;
}

/* The same verdict on every rank of every layer: the worst of my layer,
 * then the worst of those across the layers. */
pas_status pas_matmul_layers_agree(const pas_matmul_layers_t *lay, pas_status rc)
{
    rc = pas_matmul_agree(lay->layer_comm, rc);
    return lay->layers > 1 ? pas_matmul_agree(lay->depth_comm, rc) : rc;
}

/* local: broadcast (or sum onto layer 0) `count` elements along the depth,
 * in int-sized chunks. */
static pas_status depth_move(MPI_Comm depth, int layer, void *buf, uint64_t count, int is_float,
                             int reduce)
{
    MPI_Datatype type = is_float ? MPI_FLOAT : MPI_DOUBLE;
    size_t es = is_float ? sizeof(float) : sizeof(double);
    for (uint64_t at = 0; at < count; at += 1u << 30) {
        int len = (int)(count - at < (1u << 30) ? count - at : (1u << 30));
        char *p = (char *)buf + at * es;
        int e = reduce ? PAS_WATCHED("MPI_Reduce", 0, -1,
                                     MPI_Reduce(layer == 0 ? MPI_IN_PLACE : p, p, len, type,
                                                MPI_SUM, 0, depth))
                       : PAS_WATCHED("MPI_Bcast", 0, -1, MPI_Bcast(p, len, type, 0, depth));
        if (e)
            return PAS_ERR_MPI;
    }
    return PAS_OK;
}

/* agreed over all layers: see matmul_internal.h.  With one layer (c = 1)
 * nothing moves along the depth: SUMMA alone. */
pas_status pas_matmul_25d(const pas_matmul_layers_t *lay, const pas_matmul_cfg_t *cfg, double alpha,
                          const pas_dmatrix_t *ad, void *a, const pas_dmatrix_t *bd, void *b,
                          double beta, const pas_dmatrix_t *cd, void *c, pas_matmul_stats_t *st)
{
    pas_status rc = pas_watch_phase("25d-replicate");
    double t0 = MPI_Wtime();
    if (ad->ld != (ad->lm ? ad->lm : 1) || bd->ld != (bd->lm ? bd->lm : 1) ||
        cd->ld != (cd->lm ? cd->lm : 1))
        rc = PAS_ERR_ARG;
    rc = pas_matmul_layers_agree(lay, rc);
    const MPI_Comm depth = lay->depth_comm;
    if (rc == PAS_OK && lay->layers > 1) {
        rc = depth_move(depth, lay->layer, a, pas_dmatrix_local_count(ad), cfg->is_float, 0);
        if (rc == PAS_OK)
            rc = depth_move(depth, lay->layer, b, pas_dmatrix_local_count(bd), cfg->is_float, 0);
        rc = pas_matmul_layers_agree(lay, rc); /* no layer starts on a missing operand */
    }
    st->t_wait += MPI_Wtime() - t0;
    if (lay->layer > 0)
        st->words += (double)(pas_dmatrix_local_count(ad) + pas_dmatrix_local_count(bd));
    /* every layer runs SUMMA on its slice of k; only layer 0 adds beta C */
    pas_range_t ks = pas_decomp_block_range(ad->n, lay->layers, lay->layer);
    if (rc == PAS_OK) {
        const double my_beta = lay->layer == 0 ? beta : 0.0;
        rc = pas_matmul_summa(&lay->grid, cfg, alpha, ad, a, bd, b, my_beta, cd, c, ks.lo, ks.hi,
                              st);
        if (lay->layers > 1) /* agreed in the layer; across the layers, so that a failed
                              * layer does not strand the reduction */
            rc = pas_matmul_agree(depth, rc);
    }
    if (rc == PAS_OK && lay->layers > 1)
        rc = pas_matmul_layers_agree(lay, pas_watch_phase("25d-reduce"));
    if (rc == PAS_OK && lay->layers > 1) {
        t0 = MPI_Wtime();
        rc = depth_move(depth, lay->layer, c, pas_dmatrix_local_count(cd), cfg->is_float, 1);
        st->t_wait += MPI_Wtime() - t0;
        if (lay->layer == 0)
            st->words += (double)pas_dmatrix_local_count(cd) * (lay->layers - 1);
        rc = pas_matmul_layers_agree(lay, rc);
    }
    return rc;
}
