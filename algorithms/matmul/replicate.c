/* replicate.c - the 3D arrangement behind 2.5D (Solomonik and Demmel): c
 * layers of a 2D grid.  Layer 0 holds A, B and C; each layer runs SUMMA on
 * its slice 1/c of k, so layer 0 sends every other layer the columns of A
 * and rows of B of its slice, and the partial C blocks are summed back
 * onto layer 0.  Words per rank (most): about n^2 / sqrt(c p) in SUMMA,
 * plus up to 2 n^2 c / p of A and B on another layer (a rank whose block
 * of A and of B both lie in its layer's slice) or n^2 (c - 1) c / p of
 * partial C on layer 0. */
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
    /* A, B, C blocks, the transposed copies at worst, and SUMMA's four
     * slots of 256-wide A and B panels.  Not counted: Cannon's two operand
     * copies (any square grid) and 2.5D layer 0's partial C blocks; the
     * panel term, kept also with one rank per layer (which allocates no
     * panels), covers them only in part: the footprint should be per
     * algorithm */
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
    /* layers cost a replication and a reduction that overlap the multiply
     * only in part (the first panel waits for its operands, the last chunk
     * of C travels after the multiply): only when they save at least a
     * tenth of the words */
    return fewest <= 0.9 * one ? best : 1;
}

/* The same verdict on every rank of every layer: the worst of my layer,
 * then the worst of those across the layers. */
pas_status pas_matmul_layers_agree(const pas_matmul_layers_t *lay, pas_status rc)
{
    rc = pas_matmul_agree(lay->layer_comm, rc);
    return lay->layers > 1 ? pas_matmul_agree(lay->depth_comm, rc) : rc;
}

static pas_range_t intersect(pas_range_t a, pas_range_t b)
{
    pas_range_t r = {a.lo > b.lo ? a.lo : b.lo, a.hi < b.hi ? a.hi : b.hi};
    r.hi = r.hi < r.lo ? r.lo : r.hi;
    return r;
}

/* local: post the move of my A columns (which 0) or B rows (1) that layer
 * l's SUMMA broadcasts from, between layer 0 and layer l along the depth:
 * the send on layer 0, the receive on layer l.  Nothing (MPI_REQUEST_NULL)
 * when the part is empty.  Both sides compute the same part (same grid
 * position, same global sizes). */
static pas_status move_part(const pas_matmul_layers_t *lay, MPI_Datatype type, size_t es, int which,
                            const pas_dmatrix_t *d, void *x, pas_range_t ks, int l, double *words,
                            MPI_Request *req)
{
    const pas_grid_t *g = &lay->grid;
    /* A (m x k): my columns of k; B (k x n): my rows of k */
    pas_range_t mine = which == 0 ? pas_decomp_block_range(d->n, g->cols, g->mycol)
                                  : pas_decomp_block_range(d->m, g->rows, g->myrow);
    pas_range_t part = intersect(mine, ks);
    uint64_t len = part.hi - part.lo, off = part.lo - mine.lo;
    uint64_t other = which == 0 ? d->lm : d->ln; /* the extent across k */
    *req = MPI_REQUEST_NULL;
    if (len == 0 || other == 0)
        return PAS_OK;
    MPI_Datatype t;
    char *at = (char *)x + (which == 0 ? off * d->ld * es : 0);
    int e;
    if (which == 0) { /* len whole columns: contiguous */
        e = MPI_Type_contiguous((int)d->lm, type, &t);
    } else { /* rows [off, off + len) of every column */
        int sizes[2] = {(int)d->ld, (int)d->ln}, sub[2] = {(int)len, (int)d->ln};
        int starts[2] = {(int)off, 0};
        e = MPI_Type_create_subarray(2, sizes, sub, starts, MPI_ORDER_FORTRAN, type, &t);
    }
    e = e ? e : MPI_Type_commit(&t);
    if (e)
        return PAS_ERR_MPI;
    int count = which == 0 ? (int)len : 1;
    if (lay->layer == 0)
        e = MPI_Isend(at, count, t, l, PAS_MATMUL_TAG_REPLICATE + which, lay->depth_comm, req);
    else
        e = MPI_Irecv(at, count, t, 0, PAS_MATMUL_TAG_REPLICATE + which, lay->depth_comm, req);
    if (lay->layer != 0)
        *words += (double)(len * other);
    MPI_Type_free(&t); /* the pending operation keeps it */
    return e ? PAS_ERR_MPI : PAS_OK;
}

/* local: c += part, n elements. */
static void add_part(int is_float, void *c, const void *part, uint64_t n)
{
    if (is_float)
        for (uint64_t i = 0; i < n; i++)
            ((float *)c)[i] += ((const float *)part)[i];
    else
        for (uint64_t i = 0; i < n; i++)
            ((double *)c)[i] += ((const double *)part)[i];
}

/* agreed over all layers: see matmul_internal.h.  With one layer (c = 1)
 * nothing moves along the depth: SUMMA alone.
 *
 * Replication: each layer's SUMMA broadcasts only the columns of A and rows
 * of B in its slice of k, so layer 0 sends each of them to the one layer
 * that uses it (point to point, all posted before any multiply: a quarter
 * of the volume of broadcasting whole blocks at c = 4), and a rank on
 * another layer waits for its part only when it first broadcasts from it,
 * so the replication overlaps the first panels.  Reduction: layer 0 posts
 * its receives of the partial C blocks before its own SUMMA; the others
 * send each column chunk of C as soon as its last panel is multiplied, so
 * all but the last chunk travel while the last panel multiplies, and layer
 * 0 adds them as they arrive. */
/* 2.5D's reduction, sending side: chunk ch of my partial C to layer 0. */
typedef struct {
    const pas_dmatrix_t *cd;
    char *c;
    size_t es;
    MPI_Datatype col; /* one column of C */
    MPI_Comm depth;
    int sent;         /* chunks sent so far */
    MPI_Request *req; /* one per chunk */
} reduce_t;

static pas_status send_chunk(void *ctx, int ch, int chunks)
{
    reduce_t *R = ctx;
    pas_range_t cr = pas_decomp_block_range(R->cd->ln, chunks, ch);
    R->sent = ch + 1;
    if (pas_range_len(cr) == 0 || R->cd->lm == 0)
        return PAS_OK;
    char *at = R->c + cr.lo * R->cd->ld * R->es;
    const int count = (int)pas_range_len(cr);
    if (MPI_Isend(at, count, R->col, 0, PAS_MATMUL_TAG_REDUCE, R->depth, &R->req[ch]) ==
        MPI_SUCCESS)
        return PAS_OK;
    /* layer 0 posted this chunk's receive before its multiply and waits for
     * it: send it anyway, blocking (no other layer's work waits on this
     * rank meanwhile), and report the failure, agreed after the reduction */
    R->req[ch] = MPI_REQUEST_NULL;
    MPI_Send(at, count, R->col, 0, PAS_MATMUL_TAG_REDUCE, R->depth);
    return PAS_ERR_MPI;
}

pas_status pas_matmul_25d(const pas_matmul_layers_t *lay, const pas_matmul_cfg_t *cfg, double alpha,
                          const pas_dmatrix_t *ad, void *a, const pas_dmatrix_t *bd, void *b,
                          double beta, const pas_dmatrix_t *cd, void *c, pas_matmul_stats_t *st)
{
    pas_status rc = pas_watch_phase("25d-replicate");
    const int L = lay->layers, me = lay->layer, K = pas_matmul_chunks(cd->ln);
    const size_t es = pas_matmul_elem_size(cfg);
    const MPI_Datatype type = cfg->is_float ? MPI_FLOAT : MPI_DOUBLE;
    const uint64_t cn = pas_dmatrix_local_count(cd);
    if (ad->ld != (ad->lm ? ad->lm : 1) || bd->ld != (bd->lm ? bd->lm : 1) ||
        cd->ld != (cd->lm ? cd->lm : 1))
        rc = PAS_ERR_ARG;
    /* MPI counts: a column of A or C, and B's rows as a vector over its columns */
    if (ad->lm > INT32_MAX || cd->lm > INT32_MAX || cd->ln > INT32_MAX || bd->ln > INT32_MAX ||
        bd->ld > INT32_MAX || ad->n > INT32_MAX)
        rc = rc ? rc : PAS_ERR_OVERFLOW;
    /* layer 0: the others' partial C blocks, one buffer each.  Requests:
     * rep[2 l + which] the replication, red[(l - 1) K + ch] the partial C
     * chunks layer 0 receives, snd[ch] those another layer sends */
    char *part = NULL;
    const size_t nreq = (size_t)(2 * L + L * K + K);
    MPI_Request *req = malloc(nreq * sizeof *req);
    MPI_Datatype col = MPI_DATATYPE_NULL;
    if (me == 0 && L > 1 && rc == PAS_OK)
        part = malloc((size_t)(L - 1) * cn * es + 1);
    if (!req || (me == 0 && L > 1 && !part))
        rc = rc ? rc : PAS_ERR_NOMEM;
    if (rc == PAS_OK &&
        (MPI_Type_contiguous(cd->lm ? (int)cd->lm : 1, type, &col) || MPI_Type_commit(&col)))
        rc = PAS_ERR_MPI;
    rc = pas_matmul_layers_agree(lay, rc);
    if (rc != PAS_OK) {
        if (col != MPI_DATATYPE_NULL)
            MPI_Type_free(&col);
        free(req), free(part);
        return rc;
    }
    MPI_Request *rep = req, *red = req + 2 * L, *snd = red + L * K;
    for (size_t i = 0; i < nreq; i++)
        req[i] = MPI_REQUEST_NULL;
    double t0 = MPI_Wtime();
    /* every move is posted even after one failed to post: the other side
     * posted its half, and waits for it */
    for (int l = 1; l < L; l++) {
        if (me != 0 && me != l)
            continue;
        pas_range_t kl = pas_decomp_block_range(ad->n, L, l);
        pas_status ea = move_part(lay, type, es, 0, ad, a, kl, l, &st->words, &rep[2 * l]);
        pas_status eb = move_part(lay, type, es, 1, bd, b, kl, l, &st->words, &rep[2 * l + 1]);
        rc = rc ? rc : ea ? ea : eb;
        for (int ch = 0; me == 0 && cd->lm && ch < K; ch++) {
            pas_range_t cr = pas_decomp_block_range(cd->ln, K, ch);
            if (pas_range_len(cr) &&
                MPI_Irecv(part + ((size_t)(l - 1) * cn + cr.lo * cd->ld) * es,
                          (int)pas_range_len(cr), col, l, PAS_MATMUL_TAG_REDUCE, lay->depth_comm,
                          &red[(l - 1) * K + ch]))
                rc = rc ? rc : PAS_ERR_MPI;
        }
    }
    /* layer 0 waits for its sends before it multiplies: without a progress
     * thread an MPI moves a large message only inside MPI calls, and a
     * layer 0 computing without any (one rank per layer: no panels to poll)
     * held the other layer back by its whole multiply (2 real ranks: 2x
     * slower).  The other layers still wait for their part only when they
     * first broadcast from it. */
    if (me == 0 && PAS_WATCHED("MPI_Waitall", -1, PAS_MATMUL_TAG_REPLICATE,
                               MPI_Waitall(2 * L, rep, MPI_STATUSES_IGNORE)))
        rc = rc ? rc : PAS_ERR_MPI;
    st->t_wait += MPI_Wtime() - t0;
    /* every layer runs SUMMA on its slice of k; only layer 0 adds beta C.
     * The other layers send each column chunk of C to layer 0 as soon as it
     * has its last panel.  A failure above is agreed after SUMMA: every
     * posted move completes (the other side posted it too). */
    pas_range_t ks = pas_decomp_block_range(ad->n, L, me);
    reduce_t R = {cd, c, es, col, lay->depth_comm, 0, snd};
    pas_matmul_hooks_t hooks = {&rep[2 * me], me ? send_chunk : NULL, &R};
    pas_status mine = pas_matmul_summa(&lay->grid, cfg, alpha, ad, a, bd, b, me == 0 ? beta : 0.0,
                                       cd, c, ks.lo, ks.hi, st, me ? &hooks : NULL);
    rc = rc ? rc : mine;
    if (L > 1) {
        t0 = MPI_Wtime();
        rc = rc ? rc : pas_watch_phase("25d-reduce"); /* agreed below */
        /* the chunks SUMMA did not send (no panels, or a failure): layer 0
         * posted their receives; it adds them only after a success */
        for (int ch = R.sent; me != 0 && ch < K; ch++)
            if (send_chunk(&R, ch, K))
                rc = rc ? rc : PAS_ERR_MPI;
        /* my replication moves that SUMMA did not wait for (layer 0: the
         * sends), and my partial C */
        if (PAS_WATCHED("MPI_Waitall", -1, PAS_MATMUL_TAG_REPLICATE,
                        MPI_Waitall(2 * L, rep, MPI_STATUSES_IGNORE)) ||
            PAS_WATCHED("MPI_Waitall", 0, PAS_MATMUL_TAG_REDUCE,
                        MPI_Waitall(K, snd, MPI_STATUSES_IGNORE)))
            rc = rc ? rc : PAS_ERR_MPI;
        for (int got = 0; me == 0 && cd->lm && got < (L - 1) * K; got++) {
            int idx = MPI_UNDEFINED;
            if (PAS_WATCHED("MPI_Waitany", -1, PAS_MATMUL_TAG_REDUCE,
                            MPI_Waitany((L - 1) * K, red, &idx, MPI_STATUS_IGNORE))) {
                rc = rc ? rc : PAS_ERR_MPI;
                /* the other layers still send every chunk: receive them
                 * before part is freed */
                MPI_Waitall((L - 1) * K, red, MPI_STATUSES_IGNORE);
                break;
            }
            if (idx == MPI_UNDEFINED) /* empty chunks: nothing was posted */
                break;
            pas_range_t cr = pas_decomp_block_range(cd->ln, K, idx % K);
            size_t at = cr.lo * cd->ld;
            if (rc == PAS_OK)
                add_part(cfg->is_float, (char *)c + at * es,
                         part + ((size_t)(idx / K) * cn + at) * es, pas_range_len(cr) * cd->ld);
        }
        if (me == 0)
            st->words += (double)cn * (L - 1);
        st->t_wait += MPI_Wtime() - t0;
        rc = pas_matmul_layers_agree(lay, rc);
    }
    MPI_Type_free(&col);
    free(req), free(part);
    return rc;
}
