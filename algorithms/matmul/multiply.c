/* multiply.c - the entry point: bring op(A) and op(B) into block layout
 * (a distributed transpose when asked), then run the chosen algorithm. */
#include <stdlib.h>

#include "matmul_internal.h"
#include "pas_matmul.h"
#include "pas_watch.h"

/* op(X) in block layout on the layer grid: X itself, or a transposed copy
 * (made on layer 0; the other layers only get the space).  Agreed over the
 * layer when a copy is made (the redistribution's local MPI errors too:
 * every rank goes on to the next operand's agreement), else local (from
 * global arguments). */
static pas_status operand(const pas_matmul_layers_t *lay, const pas_dmatrix_t *xd, const void *x,
                          int trans, int need_copy, size_t es, pas_dmatrix_t *od, void **o,
                          void **owned, pas_matmul_stats_t *st)
{
    const pas_grid_t *g = &lay->grid;
    *owned = NULL;
    *o = (void *)x; /* 2.5D: the other layers' buffers are work space */
    pas_status rc = pas_dmatrix_block(trans ? xd->n : xd->m, trans ? xd->m : xd->n, g->rows,
                                      g->cols, g->myrow, g->mycol, od);
    if (rc || (!trans && !need_copy))
        return rc;
    *owned = malloc(od->ld * od->ln * es + 1);
    rc = pas_matmul_agree(g->comm, *owned ? PAS_OK : PAS_ERR_NOMEM);
    if (rc == PAS_OK && lay->layer == 0) {
        rc = pas_matmul_agree(g->comm,
                              pas_dmatrix_redistribute(g->comm, xd, x, od, *owned, trans, es));
        st->words += (double)pas_dmatrix_local_count(od);
    }
    *o = *owned;
    return rc;
}

pas_status pas_matmul(const pas_matmul_layers_t *lay, const pas_matmul_cfg_t *cfg, int trans_a,
                      int trans_b, double alpha, const pas_dmatrix_t *ad, const void *a,
                      const pas_dmatrix_t *bd, const void *b, double beta, const pas_dmatrix_t *cd,
                      void *c, pas_matmul_stats_t *st)
{
    const size_t es = pas_matmul_elem_size(cfg);
    uint64_t k = trans_a ? ad->m : ad->n;
    if ((trans_a ? ad->n : ad->m) != cd->m || (trans_b ? bd->n : bd->m) != k ||
        (trans_b ? bd->m : bd->n) != cd->n)
        return PAS_ERR_ARG;
    if (cfg->algo == PAS_MATMUL_CANNON && (lay->layers != 1 || lay->grid.rows != lay->grid.cols))
        return PAS_ERR_UNSUPPORTED;
    pas_status rc = pas_matmul_layers_agree(lay, pas_watch_phase("matmul-operands"));
    pas_dmatrix_t oa, ob;
    void *pa, *pb, *owna = NULL, *ownb = NULL;
    /* 2.5D overwrites the other layers' operand buffers: they are work space */
    if (rc == PAS_OK) {
        rc = operand(lay, ad, a, trans_a, 0, es, &oa, &pa, &owna, st);
        if (rc == PAS_OK)
            rc = operand(lay, bd, b, trans_b, 0, es, &ob, &pb, &ownb, st);
        rc = pas_matmul_layers_agree(lay, rc); /* nobody starts the algorithm alone */
    }
    /* each algorithm returns an agreed status */
    if (rc == PAS_OK && cfg->algo == PAS_MATMUL_CANNON)
        rc = pas_matmul_cannon(&lay->grid, cfg, alpha, &oa, pa, &ob, pb, beta, cd, c, st);
    else if (rc == PAS_OK && (cfg->algo == PAS_MATMUL_25D || lay->layers > 1))
        rc = pas_matmul_25d(lay, cfg, alpha, &oa, pa, &ob, pb, beta, cd, c, st);
    else if (rc == PAS_OK)
        rc = pas_matmul_summa(&lay->grid, cfg, alpha, &oa, pa, &ob, pb, beta, cd, c, 0, oa.n, st,
                              NULL);
    free(owna);
    free(ownb);
    return rc;
}
