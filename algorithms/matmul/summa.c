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
    uint64_t lo, hi;       /* global k range of the panel */
    int a_root, b_root;    /* grid column owning A's columns, grid row owning B's rows */
    uint64_t a_off, b_off; /* local column of A / row of B at lo, on the owners */
} panel_t;

/* The panels of [k0, k1): cut at every owner boundary, and each stretch
 * between two boundaries split into equal panels of width at most w (a
 * 323-wide block into 162 + 161, not 256 + 67: the narrow one was a whole
 * broadcast step for a quarter of the work).  *widest: the widest panel. */
static panel_t *plan_panels(uint64_t k, uint64_t k0, uint64_t k1, uint64_t w, int P, int Q,
                            size_t *count, uint64_t *widest)
{
    size_t cap = (size_t)((k1 - k0) / w) + (size_t)P + (size_t)Q + 2, n = 0;
    panel_t *pl = malloc(cap * sizeof *pl);
    if (!pl)
        return NULL;
    *widest = 0;
    for (uint64_t p = k0; p < k1;) {
        int ac = pas_decomp_block_owner(k, Q, p), br = pas_decomp_block_owner(k, P, p);
        pas_range_t ar = pas_decomp_block_range(k, Q, ac), brr = pas_decomp_block_range(k, P, br);
        uint64_t e = k1 < ar.hi ? k1 : ar.hi;
        e = e < brr.hi ? e : brr.hi;
        uint64_t parts = (e - p + w - 1) / w;
        for (uint64_t i = 0; i < parts; i++) {
            pas_range_t r = pas_decomp_block_range(e - p, (int)parts, (int)i);
            pl[n++] = (panel_t){p + r.lo, p + r.hi, ac, br, p + r.lo - ar.lo, p + r.lo - brr.lo};
            *widest = r.hi - r.lo > *widest ? r.hi - r.lo : *widest;
        }
        p = e;
    }
    *count = n;
    return pl;
}

/* Panels in flight: the one multiplying and AHEAD after it.  A binomial
 * tree of depth ceil(log2 q) forwards a panel one hop per poll at worst, so
 * a panel posted AHEAD multiplies early has about AHEAD x chunks polls to
 * cross it.  A slot is reused SLOTS - AHEAD panels after its multiply, so
 * that its forwarding sends had a multiply's time to finish. */
enum { SLOTS = 4, AHEAD = 2 };

typedef struct {
    void *a, *b; /* where the panel lives (a buffer, or the owner's own A) */
    size_t lda;
    pas_matmul_bcast_t bc[2]; /* A along the row, B along the column */
    int busy;
} slot_t;

typedef struct {
    const pas_grid_t *g;
    const pas_matmul_cfg_t *cfg;
    const pas_dmatrix_t *ad, *bd;
    const void *a, *b;
    const panel_t *pl;
    char *buf;
    size_t es, bytes_per_slot;
    uint64_t lm, ln, wmax;
    MPI_Datatype type;
    slot_t slot[SLOTS];
    pas_matmul_stats_t *st;
    const pas_matmul_hooks_t *hooks; /* 2.5D's, or NULL */
} summa_t;

/* local: wait for my operand part still arriving (2.5D's replication) before
 * I first broadcast from it. */
static pas_status await_operand(summa_t *S, int which)
{
    MPI_Request *need = S->hooks ? S->hooks->need : NULL;
    if (!need || need[which] == MPI_REQUEST_NULL)
        return PAS_OK;
    double t0 = MPI_Wtime();
    int e = PAS_WATCHED("MPI_Wait", 0, -1, MPI_Wait(&need[which], MPI_STATUS_IGNORE));
    S->st->t_wait += MPI_Wtime() - t0;
    return e ? PAS_ERR_MPI : PAS_OK;
}

/* local: post (or, blocking, perform) the two broadcasts of panel t into slot s. */
static pas_status start_panel(summa_t *S, size_t t, int s)
{
    const panel_t *P = &S->pl[t];
    const pas_grid_t *g = S->g;
    const uint64_t w = P->hi - P->lo, lm = S->lm, ln = S->ln;
    const size_t es = S->es;
    slot_t *sl = &S->slot[s];
    char *mine = S->buf + (size_t)s * S->bytes_per_slot;
    /* 2.5D: my part must be here; should the wait fail, the broadcasts
     * still start (so that nobody waits for them) and the status says so */
    pas_status ready = g->mycol == P->a_root ? await_operand(S, 0) : PAS_OK;
    if (ready == PAS_OK && g->myrow == P->b_root)
        ready = await_operand(S, 1);
    if (g->mycol == P->a_root && S->ad->ld == (lm ? lm : 1)) {
        sl->a = (char *)S->a + P->a_off * S->ad->ld * es; /* my columns are already contiguous */
        sl->lda = S->ad->ld;
    } else {
        sl->a = mine;
        sl->lda = lm ? lm : 1;
        if (g->mycol == P->a_root)
            for (uint64_t j = 0; j < w; j++)
                memcpy((char *)sl->a + j * lm * es,
                       (const char *)S->a + (P->a_off + j) * S->ad->ld * es, lm * es);
    }
    sl->b = mine + lm * S->wmax * es;
    if (g->myrow == P->b_root) /* rows of B: pack w x ln with ld w */
        for (uint64_t j = 0; j < ln; j++)
            memcpy((char *)sl->b + j * w * es, (const char *)S->b + (P->b_off + j * S->bd->ld) * es,
                   w * es);
    if (g->mycol != P->a_root)
        S->st->words += (double)(lm * w);
    if (g->myrow != P->b_root)
        S->st->words += (double)(w * ln);
    if (S->cfg->blocking) {
        double t0 = MPI_Wtime();
        pas_status rc =
            PAS_WATCHED("MPI_Bcast", P->a_root, -1,
                        MPI_Bcast(sl->a, (int)(lm * w), S->type, P->a_root, g->row_comm)) ||
                    PAS_WATCHED("MPI_Bcast", P->b_root, -1,
                                MPI_Bcast(sl->b, (int)(w * ln), S->type, P->b_root, g->col_comm))
                ? PAS_ERR_MPI
                : PAS_OK;
        S->st->t_wait += MPI_Wtime() - t0;
        return ready ? ready : rc;
    }
    sl->busy = 1;
    pas_status rc = pas_matmul_bcast_start(&sl->bc[0], sl->a, (int)(lm * w), S->type, P->a_root,
                                           PAS_MATMUL_TAG_PANEL + s, g->row_comm);
    pas_status rc2 = pas_matmul_bcast_start(&sl->bc[1], sl->b, (int)(w * ln), S->type, P->b_root,
                                            PAS_MATMUL_TAG_PANEL + s, g->col_comm);
    return ready ? ready : rc ? rc : rc2;
}

/* All broadcasts in flight, the one of slot `first` leading. */
static int in_flight(summa_t *S, int first, pas_matmul_bcast_t *set)
{
    int n = 0;
    for (int i = 0; i < SLOTS; i++) {
        slot_t *sl = &S->slot[(first + i) % SLOTS];
        if (sl->busy)
            set[n++] = sl->bc[0], set[n++] = sl->bc[1];
    }
    return n;
}

static void put_back(summa_t *S, int first, const pas_matmul_bcast_t *set)
{
    int n = 0;
    for (int i = 0; i < SLOTS; i++) {
        slot_t *sl = &S->slot[(first + i) % SLOTS];
        if (sl->busy)
            sl->bc[0] = set[n++], sl->bc[1] = set[n++];
    }
}

/* Wait for slot s's panel to be here (sends_too: and sent on, so that the
 * slot can be reused), forwarding the other panels as they arrive.  Local. */
static pas_status wait_slot(summa_t *S, int s, int sends_too)
{
    pas_matmul_bcast_t set[2 * SLOTS];
    if (!S->slot[s].busy)
        return PAS_OK;
    double t0 = MPI_Wtime();
    int n = in_flight(S, s, set);
    pas_status rc = PAS_WATCHED("MPI_Waitany", -1, PAS_MATMUL_TAG_PANEL + s,
                                pas_matmul_bcast_wait(set, n, 2, sends_too));
    put_back(S, s, set);
    if (sends_too)
        S->slot[s].busy = 0;
    S->st->t_wait += MPI_Wtime() - t0;
    return rc;
}

/* local: forward every panel in flight that arrived. */
static pas_status poll_all(summa_t *S)
{
    pas_matmul_bcast_t set[2 * SLOTS];
    int n = in_flight(S, 0, set);
    pas_status rc = pas_matmul_bcast_poll(set, n);
    put_back(S, 0, set);
    return rc;
}

/* local: C += alpha (or = beta C + alpha) the panel t in slot s: in column
 * chunks of C, forwarding the panels in flight between them, only where a
 * broadcast tree has ranks that forward (more than two in a row or column);
 * the last panel in chunks where 2.5D sends each finished chunk on. */
static pas_status multiply_panel(summa_t *S, size_t t, int s, size_t npanels, double alpha,
                                 double beta, const pas_dmatrix_t *cd, void *c)
{
    const uint64_t wt = S->pl[t].hi - S->pl[t].lo, ln = S->ln;
    const size_t es = S->es;
    const slot_t *sl = &S->slot[s];
    const int last = t + 1 == npanels, hook = last && S->hooks && S->hooks->done;
    int chunks = 1;
    if (hook || (!S->cfg->blocking && !last && (S->g->rows > 2 || S->g->cols > 2)))
        chunks = pas_matmul_chunks(ln);
    pas_status rc = PAS_OK;
    for (int ch = 0; ch < chunks && rc == PAS_OK; ch++) {
        pas_range_t cr = pas_decomp_block_range(ln, chunks, ch);
        rc = pas_matmul_gemm_any(S->cfg->is_float, 0, 0, S->lm, pas_range_len(cr), wt, alpha, sl->a,
                                 sl->lda, (char *)sl->b + cr.lo * wt * es, wt ? wt : 1, beta,
                                 (char *)c + cr.lo * cd->ld * es, cd->ld);
        if (rc == PAS_OK && hook)
            rc = S->hooks->done(S->hooks->ctx, ch, chunks);
        if (rc == PAS_OK && ch + 1 < chunks)
            rc = poll_all(S);
    }
    return rc;
}

/* agreed over grid: see matmul_internal.h. */
pas_status pas_matmul_summa(const pas_grid_t *g, const pas_matmul_cfg_t *cfg, double alpha,
                            const pas_dmatrix_t *ad, const void *a, const pas_dmatrix_t *bd,
                            const void *b, double beta, const pas_dmatrix_t *cd, void *c,
                            uint64_t k0, uint64_t k1, pas_matmul_stats_t *st,
                            const pas_matmul_hooks_t *hooks)
{
    uint64_t m = cd->m, n = cd->n, k = ad->n;
    if (ad->m != m || bd->m != k || bd->n != n || ad->kind || bd->kind || cd->kind || k1 < k0 ||
        k1 > k)
        return PAS_ERR_ARG;
    const size_t es = pas_matmul_elem_size(cfg);
    const uint64_t lm = cd->lm, ln = cd->ln, w = cfg->panel ? cfg->panel : 256;
    size_t npanels = 0;
    pas_status rc = pas_watch_phase("summa");
    uint64_t wmax = 0;
    panel_t *pl = plan_panels(k, k0, k1, w, g->rows, g->cols, &npanels, &wmax);
    const int slots = cfg->blocking ? 1 : SLOTS;
    /* the panels' broadcast buffers; one rank multiplies its own blocks */
    char *buf = g->size > 1 ? pas_matmul_alloc((size_t)slots * (lm + ln) * wmax * es) : NULL;
    if (!pl || (g->size > 1 && !buf))
        rc = PAS_ERR_NOMEM;
    if (g->size > 1 && (lm * wmax > INT32_MAX || ln * wmax > INT32_MAX))
        rc = PAS_ERR_OVERFLOW; /* an MPI count; one rank broadcasts nothing */
    rc = pas_matmul_agree(g->comm, rc);
    if (rc) {
        free(pl), free(buf);
        return rc;
    }
    summa_t S = {g,     cfg,
                 ad,    bd,
                 a,     b,
                 pl,    buf,
                 es,    (lm + ln) * wmax * es,
                 lm,    ln,
                 wmax,  cfg->is_float ? MPI_FLOAT : MPI_DOUBLE,
                 {{0}}, st,
                 hooks};

    if (npanels == 0) { /* k = 0 (or an empty range): only the beta scaling */
        rc = pas_matmul_gemm_any(cfg->is_float, 0, 0, lm, ln, 0, alpha, NULL, 1, NULL, 1, beta, c,
                                 cd->ld);
    } else if (g->size == 1) { /* one rank owns everything: one local multiply */
        rc = await_operand(&S, 0);
        if (rc == PAS_OK)
            rc = await_operand(&S, 1);
        if (rc == PAS_OK)
            rc = pas_matmul_gemm_any(cfg->is_float, 0, 0, lm, ln, k1 - k0, alpha,
                                     (const char *)a + k0 * ad->ld * es, ad->ld,
                                     (const char *)b + k0 * es, bd->ld, beta, c, cd->ld);
        npanels = 0;
    }
    /* cm: the broadcasts' status.  After a failed multiply (rc) this rank
     * still roots and forwards every panel, for the others wait for them;
     * only a failed broadcast stops the loop. */
    pas_status cm = PAS_OK;
    /* the first panels in flight before any multiply */
    const size_t lead = slots > 1 ? AHEAD : 0;
    for (size_t t = 0; t < lead && t < npanels && cm == PAS_OK; t++)
        cm = start_panel(&S, t, (int)(t % slots));
    for (size_t t = 0; t < npanels && cm == PAS_OK; t++) {
        int s = (int)(t % slots);
        size_t ahead = t + lead; /* into the slot panel ahead - SLOTS used */
        if (slots == 1)
            cm = start_panel(&S, t, 0);
        else if (ahead < npanels && (cm = wait_slot(&S, (int)(ahead % slots), 1)) == PAS_OK)
            cm = start_panel(&S, ahead, (int)(ahead % slots));
        if (cm == PAS_OK)
            cm = wait_slot(&S, s, 0);
        if (cm == PAS_OK && rc == PAS_OK)
            rc = pas_watch_fault("summa-gemm");
        if (cm == PAS_OK && rc == PAS_OK)
            rc = multiply_panel(&S, t, s, npanels, alpha, t == 0 ? beta : 1.0, cd, c);
    }
    /* the last panels' sends; after a failed broadcast, whatever is in
     * flight, so that no rank is left inside a broadcast */
    for (int s = 0; s < slots && cm == PAS_OK; s++)
        cm = wait_slot(&S, s, 1);
    rc = rc ? rc : cm;
    if (cm != PAS_OK) {
        pas_matmul_bcast_t set[2 * SLOTS];
        int live = in_flight(&S, 0, set);
        (void)pas_matmul_bcast_wait(set, live, live, 1);
    }
    free(pl);
    free(buf);
    return pas_matmul_agree(g->comm, rc);
}
