/* cannon.c - Cannon's algorithm on a square s x s grid: skew A left by its
 * row index and B up by its column index, then s steps of multiply and
 * shift by one.  Block k of A's columns meets block k of B's rows, so the
 * k blocks may differ in size by one (any m, n, k).
 *
 * Each operand is a cannon_operand_t (its two buffers and its ring); the
 * skew and the shift are functions over it.  A rank that would send a block
 * to itself (the skew of grid row 0 for A and column 0 for B; every shift
 * on a 1x1 grid) swaps its buffers instead: no rank messages itself.
 *
 * Overlap: each step posts the receives of the next blocks and sends the
 * current ones before multiplying them (double buffers); cfg->blocking
 * shifts with MPI_Sendrecv after the multiply instead. */
#include <stdlib.h>
#include <string.h>

#include "matmul_internal.h"
#include "pas_matmul.h"
#include "pas_watch.h"

/* One operand on its way around its ring (A left along the grid row, B up
 * the grid column): a block of k width kw holds kw * per elements. */
typedef struct {
    char *buf[2];       /* [cur] multiplies, [cur ^ 1] receives the next block */
    uint64_t per;       /* elements per unit of k: lm for A, ln for B */
    MPI_Comm ring;      /* row_comm for A, col_comm for B */
    int me, next, prev; /* my place in the ring; shift: send to next, receive from prev */
    int tag_skew, tag_shift;
} cannon_operand_t;

typedef struct {
    const pas_grid_t *g;
    const pas_matmul_cfg_t *cfg;
    MPI_Datatype type;
    uint64_t k;
    int s, cur;
    cannon_operand_t A, B;
    pas_matmul_stats_t *st;
} cannon_t;

static int mod(int x, int s)
{
    return ((x % s) + s) % s;
}

/* The k width of block j of k. */
static uint64_t klen(const cannon_t *C, int j)
{
    return pas_decomp_block_count(C->k, C->s, j);
}

/* An operand's two buffers of `bytes` each at buf, its ring (me: my place
 * in it, of s), and its tags. */
static void operand_init(cannon_operand_t *o, char *buf, size_t bytes, uint64_t per, MPI_Comm ring,
                         int me, int s, int tag_skew, int tag_shift)
{
    *o = (cannon_operand_t){{buf, buf + bytes}, per,      ring,     me, mod(me - 1, s),
                            mod(me + 1, s),     tag_skew, tag_shift};
}

static void swap_buffers(cannon_operand_t *o)
{
    char *t = o->buf[0];
    o->buf[0] = o->buf[1], o->buf[1] = t;
}

/* local: the skew of one operand: my own block (k block `have`, in buf[1])
 * goes to `to`, k block `want` comes from `from` into buf[0].  Sent to
 * myself: the buffers swap. */
static pas_status operand_skew(const cannon_t *C, cannon_operand_t *o, int to, int from, int have,
                               int want)
{
    if (to == o->me) {
        swap_buffers(o);
        return PAS_OK;
    }
    int e = PAS_WATCHED("MPI_Sendrecv", from, o->tag_skew,
                        MPI_Sendrecv(o->buf[1], (int)(o->per * klen(C, have)), C->type, to,
                                     o->tag_skew, o->buf[0], (int)(o->per * klen(C, want)), C->type,
                                     from, o->tag_skew, o->ring, MPI_STATUS_IGNORE));
    return e ? PAS_ERR_MPI : PAS_OK;
}

/* local: post the shift of one operand: receive the next block (k width kn)
 * into buf[cur ^ 1], send the current one (kj) on; req[0] receives, req[1]
 * sends. */
static pas_status operand_post(const cannon_t *C, cannon_operand_t *o, uint64_t kj, uint64_t kn,
                               MPI_Request req[2])
{
    if (MPI_Irecv(o->buf[C->cur ^ 1], (int)(o->per * kn), C->type, o->prev, o->tag_shift, o->ring,
                  &req[0]) ||
        MPI_Isend(o->buf[C->cur], (int)(o->per * kj), C->type, o->next, o->tag_shift, o->ring,
                  &req[1]))
        return PAS_ERR_MPI;
    return PAS_OK;
}

/* local: the blocking twin of operand_post and its wait. */
static pas_status operand_sendrecv(const cannon_t *C, cannon_operand_t *o, uint64_t kj, uint64_t kn)
{
    int e = PAS_WATCHED("MPI_Sendrecv", o->prev, o->tag_shift,
                        MPI_Sendrecv(o->buf[C->cur], (int)(o->per * kj), C->type, o->next,
                                     o->tag_shift, o->buf[C->cur ^ 1], (int)(o->per * kn), C->type,
                                     o->prev, o->tag_shift, o->ring, MPI_STATUS_IGNORE));
    return e ? PAS_ERR_MPI : PAS_OK;
}

/* local: my own blocks A(r, q) and B(r, q) packed contiguously (ld = rows)
 * into buf[1], then skewed: I need A(r, r + q) and B(r + q, q) in buf[0]. */
static pas_status skew(cannon_t *C, const pas_dmatrix_t *ad, const void *a, const pas_dmatrix_t *bd,
                       const void *b)
{
    const size_t es = pas_matmul_elem_size(C->cfg);
    const int s = C->s, r = C->g->myrow, q = C->g->mycol, ja = mod(r + q, s);
    for (uint64_t j = 0; j < ad->ln; j++)
        memcpy(C->A.buf[1] + j * ad->lm * es, (const char *)a + j * ad->ld * es, ad->lm * es);
    for (uint64_t j = 0; j < bd->ln; j++)
        memcpy(C->B.buf[1] + j * bd->lm * es, (const char *)b + j * bd->ld * es, bd->lm * es);
    double t0 = MPI_Wtime();
    pas_status rc = operand_skew(C, &C->A, mod(q - r, s), ja, q, ja);
    if (rc == PAS_OK)
        rc = operand_skew(C, &C->B, mod(r - q, s), ja, r, ja);
    C->st->t_wait += MPI_Wtime() - t0;
    if (s > 1)
        C->st->words += (double)(C->A.per * klen(C, ja) + klen(C, ja) * C->B.per);
    return rc;
}

/* local: step t: multiply the current blocks (k block j) into C, the next
 * blocks' shifts in flight meanwhile (or after it, blocking).  After a
 * failure on this rank (failed), only the shifts: the neighbours wait for them. */
static pas_status step(cannon_t *C, int t, double alpha, double beta, const pas_dmatrix_t *cd,
                       void *c, int failed)
{
    const int s = C->s, j = mod(C->g->myrow + C->g->mycol + t, s), jn = mod(j + 1, s);
    const uint64_t kj = klen(C, j), kn = klen(C, jn), lm = C->A.per;
    const int shift = t + 1 < s, overlap = shift && !C->cfg->blocking;
    MPI_Request req[4] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    pas_status rc = PAS_OK;
    if (overlap &&
        (operand_post(C, &C->A, kj, kn, &req[0]) || operand_post(C, &C->B, kj, kn, &req[2])))
        rc = PAS_ERR_MPI;
    if (rc == PAS_OK && !failed)
        rc = pas_watch_fault("cannon-gemm");
    if (rc == PAS_OK && !failed)
        rc = pas_matmul_gemm_any(C->cfg->is_float, 0, 0, lm, C->B.per, kj, alpha, C->A.buf[C->cur],
                                 lm ? lm : 1, C->B.buf[C->cur], kj ? kj : 1, t == 0 ? beta : 1.0, c,
                                 cd->ld);
    if (!shift)
        return rc;
    /* the shift completes even after a failed multiply: the neighbours wait for it */
    double t0 = MPI_Wtime();
    if (C->cfg->blocking) {
        if (operand_sendrecv(C, &C->A, kj, kn) || operand_sendrecv(C, &C->B, kj, kn))
            rc = PAS_ERR_MPI;
    } else if (PAS_WATCHED("MPI_Waitall", -1, -1, MPI_Waitall(4, req, MPI_STATUSES_IGNORE))) {
        rc = PAS_ERR_MPI;
    }
    C->st->t_wait += MPI_Wtime() - t0;
    C->st->words += (double)(lm * kn + kn * C->B.per);
    C->cur ^= 1;
    return rc;
}

/* agreed over grid (PAS_ERR_UNSUPPORTED and PAS_ERR_ARG from the global
 * arguments, the same on every rank). */
pas_status pas_matmul_cannon(const pas_grid_t *g, const pas_matmul_cfg_t *cfg, double alpha,
                             const pas_dmatrix_t *ad, const void *a, const pas_dmatrix_t *bd,
                             const void *b, double beta, const pas_dmatrix_t *cd, void *c,
                             pas_matmul_stats_t *st)
{
    uint64_t m = cd->m, n = cd->n, k = ad->n;
    if (g->rows != g->cols)
        return PAS_ERR_UNSUPPORTED;
    if (ad->m != m || bd->m != k || bd->n != n || ad->kind || bd->kind || cd->kind)
        return PAS_ERR_ARG;
    const int s = g->rows, r = g->myrow, q = g->mycol;
    const size_t es = pas_matmul_elem_size(cfg);
    const uint64_t lm = cd->lm, ln = cd->ln, kmax = (k + (uint64_t)s - 1) / (uint64_t)s;
    pas_status rc = pas_watch_phase("cannon-skew");
    char *buf = malloc(2 * (lm + ln) * kmax * es + 1);
    if (!buf)
        rc = PAS_ERR_NOMEM;
    if (lm * kmax > INT32_MAX || ln * kmax > INT32_MAX)
        rc = PAS_ERR_OVERFLOW;
    if ((rc = pas_matmul_agree(g->comm, rc))) {
        free(buf);
        return rc;
    }
    cannon_t C = {.g = g, .cfg = cfg, .k = k, .s = s, .st = st};
    C.type = cfg->is_float ? MPI_FLOAT : MPI_DOUBLE;
    operand_init(&C.A, buf, lm * kmax * es, lm, g->row_comm, q, s, PAS_MATMUL_TAG_SKEW_A,
                 PAS_MATMUL_TAG_SHIFT_A);
    operand_init(&C.B, buf + 2 * lm * kmax * es, ln * kmax * es, ln, g->col_comm, r, s,
                 PAS_MATMUL_TAG_SKEW_B, PAS_MATMUL_TAG_SHIFT_B);
    rc = skew(&C, ad, a, bd, b);
    if (rc == PAS_OK)
        rc = pas_watch_phase("cannon-steps");
    rc = pas_matmul_agree(g->comm, rc); /* nobody starts shifting alone */
    if (k == 0 && rc == PAS_OK)
        rc = pas_matmul_gemm_any(cfg->is_float, 0, 0, lm, ln, 0, alpha, NULL, 1, NULL, 1, beta, c,
                                 cd->ld);
    /* every rank takes all s steps: a rank whose multiply failed still shifts
     * (its neighbours wait for its blocks); the first failure is kept */
    pas_status first = PAS_OK;
    for (int t = 0; t < s && k > 0 && rc == PAS_OK; t++) {
        pas_status e = step(&C, t, alpha, beta, cd, c, first != PAS_OK);
        first = first ? first : e;
    }
    rc = rc ? rc : first;
    free(buf);
    return pas_matmul_agree(g->comm, rc);
}
