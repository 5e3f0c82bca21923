/* cannon.c - Cannon's algorithm on a square s x s grid: skew A left by its
 * row index and B up by its column index, then s steps of multiply and
 * shift by one.  Block k of A's columns meets block k of B's rows, so the
 * k blocks may differ in size by one (any m, n, k).
 *
 * Overlap: each step posts the receives of the next blocks and sends the
 * current ones before multiplying them (double buffers); cfg->blocking
 * shifts with MPI_Sendrecv after the multiply instead. */
#include <stdlib.h>
#include <string.h>

#include "matmul_internal.h"
#include "pas_matmul.h"
#include "pas_watch.h"

static int mod(int x, int s) { return ((x % s) + s) % s; }

int pas_matmul_cannon(const pas_grid_t *g, const pas_matmul_cfg_t *cfg, double alpha, const pas_dmatrix_t *ad,
                      const void *a, const pas_dmatrix_t *bd, const void *b, double beta, const pas_dmatrix_t *cd,
                      void *c, pas_matmul_stats_t *st)
{
    uint64_t m = cd->m, n = cd->n, k = ad->n;
    if (g->rows != g->cols)
        return PAS_ERR_UNSUPPORTED;
    if (ad->m != m || bd->m != k || bd->n != n || ad->kind || bd->kind || cd->kind)
        return PAS_ERR_ARG;
    const int s = g->rows, r = g->myrow, q = g->mycol;
    const size_t es = cfg->is_float ? sizeof(float) : sizeof(double);
    MPI_Datatype type = cfg->is_float ? MPI_FLOAT : MPI_DOUBLE;
    const uint64_t lm = cd->lm, ln = cd->ln, kmax = (k + (uint64_t)s - 1) / (uint64_t)s;
    int rc = pas_watch_phase("cannon-skew");
    char *buf = malloc(2 * (lm + ln) * kmax * es + 1);
    if (!buf)
        rc = PAS_ERR_NOMEM;
    if (lm * kmax > INT32_MAX || ln * kmax > INT32_MAX)
        rc = PAS_ERR_OVERFLOW;
    if ((rc = pas_matmul_agree(g->comm, rc))) {
        free(buf);
        return rc;
    }
    char *abuf[2] = {buf, buf + lm * kmax * es}, *bbuf[2] = {buf + 2 * lm * kmax * es, buf + (2 * lm + ln) * kmax * es};
#define KLEN(j) pas_decomp_block_count(k, s, (j))
    /* pack my own blocks A(r, q) and B(r, q) contiguously (ld = rows) */
    for (uint64_t j = 0; j < ad->ln; j++)
        memcpy(abuf[1] + j * lm * es, (const char *)a + j * ad->ld * es, lm * es);
    for (uint64_t j = 0; j < ln; j++)
        memcpy(bbuf[1] + j * bd->lm * es, (const char *)b + j * bd->ld * es, bd->lm * es);
    /* skew: I need A(r, r + q) and B(r + q, q) */
    int ja = mod(r + q, s);
    int a_to = mod(q - r, s), a_from = ja, b_to = mod(r - q, s), b_from = ja;
    double t0 = MPI_Wtime();
    if (PAS_WATCHED("MPI_Sendrecv", a_from, PAS_MATMUL_TAG_SKEW_A,
                    MPI_Sendrecv(abuf[1], (int)(lm * KLEN(q)), type, a_to, PAS_MATMUL_TAG_SKEW_A, abuf[0],
                                 (int)(lm * KLEN(ja)), type, a_from, PAS_MATMUL_TAG_SKEW_A, g->row_comm,
                                 MPI_STATUS_IGNORE)) ||
        PAS_WATCHED("MPI_Sendrecv", b_from, PAS_MATMUL_TAG_SKEW_B,
                    MPI_Sendrecv(bbuf[1], (int)(KLEN(r) * ln), type, b_to, PAS_MATMUL_TAG_SKEW_B, bbuf[0],
                                 (int)(KLEN(ja) * ln), type, b_from, PAS_MATMUL_TAG_SKEW_B, g->col_comm,
                                 MPI_STATUS_IGNORE)))
        rc = PAS_ERR_MPI;
    st->t_wait += MPI_Wtime() - t0;
    if (s > 1)
        st->words += (double)(lm * KLEN(ja) + KLEN(ja) * ln);
    if (rc == PAS_OK)
        rc = pas_watch_phase("cannon-steps");
    rc = pas_matmul_agree(g->comm, rc); /* nobody starts shifting alone */
    const int left = mod(q - 1, s), right = mod(q + 1, s), up = mod(r - 1, s), down = mod(r + 1, s);
    int cur = 0;
    if (k == 0 && rc == PAS_OK)
        rc = pas_matmul_gemm_any(cfg->is_float, 0, 0, lm, ln, 0, alpha, NULL, 1, NULL, 1, beta, c, cd->ld);
    for (int t = 0; t < s && k > 0 && rc == PAS_OK; t++) {
        int j = mod(r + q + t, s), jn = mod(j + 1, s);
        uint64_t kj = KLEN(j), kn = KLEN(jn);
        int shift = t + 1 < s;
        MPI_Request req[4] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL};
        if (shift && !cfg->blocking) {
            if (MPI_Irecv(abuf[cur ^ 1], (int)(lm * kn), type, right, PAS_MATMUL_TAG_SHIFT_A, g->row_comm, &req[0]) ||
                MPI_Irecv(bbuf[cur ^ 1], (int)(kn * ln), type, down, PAS_MATMUL_TAG_SHIFT_B, g->col_comm, &req[1]) ||
                MPI_Isend(abuf[cur], (int)(lm * kj), type, left, PAS_MATMUL_TAG_SHIFT_A, g->row_comm, &req[2]) ||
                MPI_Isend(bbuf[cur], (int)(kj * ln), type, up, PAS_MATMUL_TAG_SHIFT_B, g->col_comm, &req[3]))
                rc = PAS_ERR_MPI;
        }
        if (rc == PAS_OK)
            rc = pas_matmul_gemm_any(cfg->is_float, 0, 0, lm, ln, kj, alpha, abuf[cur], lm ? lm : 1, bbuf[cur],
                                     kj ? kj : 1, t == 0 ? beta : 1.0, c, cd->ld);
        if (shift) {
            t0 = MPI_Wtime();
            if (cfg->blocking) {
                if (PAS_WATCHED("MPI_Sendrecv", right, PAS_MATMUL_TAG_SHIFT_A,
                                MPI_Sendrecv(abuf[cur], (int)(lm * kj), type, left, PAS_MATMUL_TAG_SHIFT_A,
                                             abuf[cur ^ 1], (int)(lm * kn), type, right, PAS_MATMUL_TAG_SHIFT_A,
                                             g->row_comm, MPI_STATUS_IGNORE)) ||
                    PAS_WATCHED("MPI_Sendrecv", down, PAS_MATMUL_TAG_SHIFT_B,
                                MPI_Sendrecv(bbuf[cur], (int)(kj * ln), type, up, PAS_MATMUL_TAG_SHIFT_B,
                                             bbuf[cur ^ 1], (int)(kn * ln), type, down, PAS_MATMUL_TAG_SHIFT_B,
                                             g->col_comm, MPI_STATUS_IGNORE)))
                    rc = PAS_ERR_MPI;
            } else if (PAS_WATCHED("MPI_Waitall", -1, -1, MPI_Waitall(4, req, MPI_STATUSES_IGNORE))) {
                rc = PAS_ERR_MPI;
            }
            st->t_wait += MPI_Wtime() - t0;
            st->words += (double)(lm * kn + kn * ln);
            cur ^= 1;
        }
    }
#undef KLEN
    free(buf);
    return pas_matmul_agree(g->comm, rc);
}
