/* summa.c - SUMMA (van de Geijn and Watts): for each panel of k, the owners
 * broadcast an m-block x w panel of A along their grid row and a w x n-block
 * panel of B along their grid column, and every rank adds the product to
 * its C block.  Panels never straddle an owner boundary of A's columns or
 * B's rows, so any m, n, k and any P x Q grid work.
 *
 * Overlap: the next panel's two MPI_Ibcast are posted before the current
 * panel multiplies; the multiply runs in column chunks with an MPI_Testall
 * between them, since without an asynchronous progress thread a
 * nonblocking broadcast advances only inside MPI calls.  cfg->blocking
 * selects the blocking twin (MPI_Bcast, then multiply) for debugging. */
#include <stdlib.h>
#include <string.h>

#include "matmul_internal.h"
#include "pas_matmul.h"
#include "pas_watch.h"

typedef struct {
    uint64_t lo, hi;    /* global k range of the panel */
    int a_root, b_root; /* grid column owning A's columns, grid row owning B's rows */
    uint64_t a_off, b_off; /* local column of A / row of B at lo, on the owners */
} panel_t;

/* The panels of [k0, k1): width at most w, cut at every owner boundary. */
static panel_t *plan_panels(uint64_t k, uint64_t k0, uint64_t k1, uint64_t w, int P, int Q, size_t *count)
{
    size_t cap = (size_t)((k1 - k0) / w) + (size_t)P + (size_t)Q + 2, n = 0;
    panel_t *pl = malloc(cap * sizeof *pl);
    if (!pl)
        return NULL;
    for (uint64_t p = k0; p < k1;) {
        int ac = pas_decomp_block_owner(k, Q, p), br = pas_decomp_block_owner(k, P, p);
        pas_range_t ar = pas_decomp_block_range(k, Q, ac), brr = pas_decomp_block_range(k, P, br);
        uint64_t e = p + w;
        e = e < k1 ? e : k1;
        e = e < ar.hi ? e : ar.hi;
        e = e < brr.hi ? e : brr.hi;
        pl[n++] = (panel_t){p, e, ac, br, p - ar.lo, p - brr.lo};
        p = e;
    }
    *count = n;
    return pl;
}

typedef struct {
    void *a, *b;       /* where the panel lives (a buffer, or the owner's own A) */
    size_t lda;
    MPI_Request req[2];
} slot_t;

int pas_matmul_summa(const pas_grid_t *g, const pas_matmul_cfg_t *cfg, double alpha, const pas_dmatrix_t *ad,
                     const void *a, const pas_dmatrix_t *bd, const void *b, double beta, const pas_dmatrix_t *cd,
                     void *c, uint64_t k0, uint64_t k1, pas_matmul_stats_t *st)
{
    uint64_t m = cd->m, n = cd->n, k = ad->n;
    if (ad->m != m || bd->m != k || bd->n != n || ad->kind || bd->kind || cd->kind || k1 < k0 || k1 > k)
        return PAS_ERR_ARG;
    const size_t es = cfg->is_float ? sizeof(float) : sizeof(double);
    MPI_Datatype type = cfg->is_float ? MPI_FLOAT : MPI_DOUBLE;
    const uint64_t lm = cd->lm, ln = cd->ln, w = cfg->panel ? cfg->panel : 256;
    size_t npanels = 0;
    int rc = pas_watch_phase("summa");
    panel_t *pl = plan_panels(k, k0, k1, w, g->rows, g->cols, &npanels);
    uint64_t wmax = w < k1 - k0 ? w : k1 - k0;
    char *buf = malloc(2 * (lm + ln) * wmax * es + 1);
    if (!pl || !buf)
        rc = PAS_ERR_NOMEM;
    if (lm * wmax > INT32_MAX || ln * wmax > INT32_MAX)
        rc = PAS_ERR_OVERFLOW;
    rc = pas_matmul_agree(g->comm, rc);
    if (rc) {
        free(pl), free(buf);
        return rc;
    }
    slot_t slot[2];
    for (int s = 0; s < 2; s++) {
        slot[s].a = buf + (size_t)s * (lm + ln) * wmax * es;
        slot[s].b = (char *)slot[s].a + lm * wmax * es;
        slot[s].req[0] = slot[s].req[1] = MPI_REQUEST_NULL;
    }

    /* Post (or, blocking, perform) the two broadcasts of panel t into slot s. */
#define START(t, s)                                                                                      \
    do {                                                                                                 \
        const panel_t *P_ = &pl[t];                                                                      \
        uint64_t w_ = P_->hi - P_->lo;                                                                   \
        slot_t *S_ = &slot[s];                                                                           \
        if (g->mycol == P_->a_root && ad->ld == (lm ? lm : 1)) {                                         \
            S_->a = (char *)a + P_->a_off * ad->ld * es; /* my columns are already contiguous */        \
        } else {                                                                                         \
            S_->a = buf + (size_t)(s) * (lm + ln) * wmax * es;                                          \
            if (g->mycol == P_->a_root)                                                                  \
                for (uint64_t j_ = 0; j_ < w_; j_++)                                                     \
                    memcpy((char *)S_->a + j_ * lm * es, (const char *)a + (P_->a_off + j_) * ad->ld * es, \
                           lm * es);                                                                     \
        }                                                                                                \
        if (g->myrow == P_->b_root) /* rows of B: pack w x ln with ld w */                              \
            for (uint64_t j_ = 0; j_ < ln; j_++)                                                         \
                memcpy((char *)S_->b + j_ * w_ * es, (const char *)b + (P_->b_off + j_ * bd->ld) * es,   \
                       w_ * es);                                                                         \
        if (g->mycol != P_->a_root)                                                                      \
            st->words += (double)(lm * w_);                                                              \
        if (g->myrow != P_->b_root)                                                                      \
            st->words += (double)(w_ * ln);                                                              \
        if (cfg->blocking) {                                                                             \
            double t0_ = MPI_Wtime();                                                                    \
            if (PAS_WATCHED("MPI_Bcast", P_->a_root, -1,                                                 \
                            MPI_Bcast(S_->a, (int)(lm * w_), type, P_->a_root, g->row_comm)) ||          \
                PAS_WATCHED("MPI_Bcast", P_->b_root, -1,                                                 \
                            MPI_Bcast(S_->b, (int)(w_ * ln), type, P_->b_root, g->col_comm)))            \
                rc = PAS_ERR_MPI;                                                                        \
            st->t_wait += MPI_Wtime() - t0_;                                                             \
        } else if (MPI_Ibcast(S_->a, (int)(lm * w_), type, P_->a_root, g->row_comm, &S_->req[0]) ||     \
                   MPI_Ibcast(S_->b, (int)(w_ * ln), type, P_->b_root, g->col_comm, &S_->req[1])) {     \
            rc = PAS_ERR_MPI;                                                                            \
        }                                                                                                \
    } while (0)

    if (npanels == 0) { /* k = 0 (or an empty range): only the beta scaling */
        rc = pas_matmul_gemm_any(cfg->is_float, 0, 0, lm, ln, 0, alpha, NULL, 1, NULL, 1, beta, c, cd->ld);
        npanels = 0;
    } else if (g->size == 1) { /* one rank owns everything: one local multiply */
        rc = pas_matmul_gemm_any(cfg->is_float, 0, 0, lm, ln, k1 - k0, alpha, (const char *)a + k0 * ad->ld * es,
                                 ad->ld, (const char *)b + k0 * es, bd->ld, beta, c, cd->ld);
        npanels = 0;
    } else {
        START(0, 0);
    }
    for (size_t t = 0; t < npanels && rc == PAS_OK; t++) {
        int s = (int)(t & 1);
        if (t + 1 < npanels)
            START(t + 1, s ^ 1);
        if (!cfg->blocking) {
            double t0 = MPI_Wtime();
            if (PAS_WATCHED("MPI_Waitall", -1, -1, MPI_Waitall(2, slot[s].req, MPI_STATUSES_IGNORE)))
                rc = PAS_ERR_MPI;
            st->t_wait += MPI_Wtime() - t0;
        }
        uint64_t wt = pl[t].hi - pl[t].lo;
        size_t alda = slot[s].a == buf + (size_t)s * (lm + ln) * wmax * es ? (lm ? lm : 1) : ad->ld;
        double bt = t == 0 ? beta : 1.0;
        /* column chunks of C, polling the next panel's broadcasts between
         * them: only where a broadcast tree has ranks that forward (more than
         * two in a row or column), since each chunk packs the A panel again */
        int chunks = !cfg->blocking && t + 1 < npanels && ln >= 2048 && (g->rows > 2 || g->cols > 2) ? 2 : 1;
        for (int ch = 0; ch < chunks && rc == PAS_OK; ch++) {
            pas_range_t cr = pas_decomp_block_range(ln, chunks, ch);
            rc = pas_matmul_gemm_any(cfg->is_float, 0, 0, lm, pas_range_len(cr), wt, alpha, slot[s].a, alda,
                                     (char *)slot[s].b + cr.lo * wt * es, wt ? wt : 1, bt,
                                     (char *)c + cr.lo * cd->ld * es, cd->ld);
            int flag;
            if (ch + 1 < chunks && MPI_Testall(2, slot[s ^ 1].req, &flag, MPI_STATUSES_IGNORE))
                rc = PAS_ERR_MPI;
        }
    }
#undef START
    /* a failure mid-way leaves requests in flight: finish them so that no
     * rank is left inside a broadcast */
    for (int s = 0; s < 2; s++)
        MPI_Waitall(2, slot[s].req, MPI_STATUSES_IGNORE);
    free(pl);
    free(buf);
    return pas_matmul_agree(g->comm, rc);
}
