/* ams.c - multi-level sample sort (the ideas of AMS-sort and HykSort).
 *
 * The keys are sorted locally first.  Then r levels, each on a communicator
 * of p ranks cut into k ~ p^(1/r) groups of floor/ceil(p/k) ranks:
 * 1. splitters: a sample of about b keys per group (b ~ 12/eps_l) over all
 *    ranks, gathered and sorted everywhere: O(k b) keys per rank, not O(p).
 *    A coarse histogram (the global position of every 16th sample key)
 *    brackets each group boundary; a fine histogram of the sample keys in
 *    the brackets places it at the achievable position nearest its target
 *    (inside a run of equal keys anywhere: equal keys split by exact counts
 *    in rank order, so all-equal keys split evenly);
 * 2. a group over its bound ((1+eps_l) times its share; at the last level the
 *    global bound ceil((1+eps) n/p)) makes the level split exactly instead
 *    (multiway selection), counted in info->exact_fallback;
 * 3. a rank's piece for group j goes to the ranks of group j in block shares
 *    of the group's data by prefix sums: O(k) messages per rank.  Receivers
 *    know how much arrives and take the messages in any order
 *    (MPI_ANY_SOURCE);
 * 4. the received sorted runs are merged; MPI_Comm_split; the next level.
 * Tiny inputs (pas_sort_ams_levels = 0): gather to rank 0, sort, scatter
 * block shares: two collectives instead of r levels of rounds.  One level
 * (r = 1, or a first level of p groups) is the single-level sample sort of
 * sample.c. */
#include <math.h>

#include "sort_internal.h"

#define AMS_COARSE 16 /* sample keys per coarse candidate */
#ifndef AMS_MERGE_RUNS
#define AMS_MERGE_RUNS 4 /* more received runs than this are sorted, not merged */
#endif

typedef struct {
    pas_sort_kind_t kind;
    const sort_ops_t *ops;
    const pas_sort_config_t *cfg;
    double eps_level; /* the bound of a level that is not the last */
    uint64_t bound;   /* the global output bound */
    int fallbacks;    /* group splits that used exact splitting (counted by their rank 0) */
    uint64_t bytes;
} ams_t;

/* collective: exclusive prefix sums of count uint64 over the ranks (rank 0
 * gets zeros) by recursive doubling: log2(p) rounds of one message each.
 * (MPI_Exscan is linear in SimGrid, p - 1 messages per rank, and may be in
 * an MPI library.)  tmp holds 2 count. */
static pas_status ams_exscan(MPI_Comm comm, const uint64_t *in, uint64_t *out, int count,
                             uint64_t *tmp)
{
    pas_status rc = PAS_OK;
    int p, me;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    uint64_t *part = tmp, *got = tmp + count;
    memcpy(part, in, sizeof(uint64_t) * (size_t)count);
    memset(out, 0, sizeof(uint64_t) * (size_t)count);
    for (int mask = 1; mask < p; mask <<= 1) {
        int peer = me ^ mask;
        if (peer >= p)
            continue;
        /* after a local error, the later partners still get their exchange */
        if (PAS_WATCHED("MPI_Sendrecv", peer, SORT_TAG_AMS + 1,
                        MPI_Sendrecv(part, count, MPI_UINT64_T, peer, SORT_TAG_AMS + 1, got, count,
                                     MPI_UINT64_T, peer, SORT_TAG_AMS + 1, comm,
                                     MPI_STATUS_IGNORE)) != MPI_SUCCESS)
            rc = PAS_ERR_MPI;
        for (int i = 0; i < count; i++) {
            part[i] += got[i];
            if (peer < me)
                out[i] += got[i];
        }
    }
    return rc;
}

/* collective: the global histogram of nc candidate keys over the locally
 * sorted a: h[0..nc) my keys below each, h[nc..2nc) mine equal, h[2nc..3nc)
 * and h[3nc..4nc) the global sums, h[4nc..5nc) equal keys on lower ranks;
 * h[5nc..7nc) scratch. */
static pas_status ams_histogram(MPI_Comm comm, const sort_ops_t *ops, const void *a, size_t n,
                                const char *cand, int nc, uint64_t *h)
{
    size_t es = ops->size;
    for (int i = 0; i < nc; i++) {
        h[i] = ops->lower_bound(a, n, cand + (size_t)i * es);
        h[nc + i] = ops->upper_bound(a, n, cand + (size_t)i * es) - h[i];
    }
    /* the exscan runs after a local error too: the others enter it */
    int e = PAS_WATCHED("MPI_Allreduce", -1, 0,
                        MPI_Allreduce(h, h + 2 * nc, 2 * nc, MPI_UINT64_T, MPI_SUM, comm)) !=
            MPI_SUCCESS;
    pas_status rc = ams_exscan(comm, h + nc, h + 4 * nc, nc, h + 5 * nc);
    return e ? PAS_ERR_MPI : rc;
}

/* collective: local cuts cut[0..k-1) and global boundaries bnd[0..k-1) of the
 * k groups from a sample, refined by two histograms (see the top). */
static int ams_splitters(MPI_Comm comm, const ams_t *A, const void *a, size_t n, uint64_t total,
                         int k, const uint64_t *targets, uint64_t seed, uint64_t *cut,
                         uint64_t *bnd)
{
    const sort_ops_t *ops = A->ops;
    size_t es = ops->size, m = 0;
    int nt = k - 1, rc;
    double e = A->eps_level > 0 ? A->eps_level : 0.01;
    uint64_t b = A->cfg->samples ? A->cfg->samples : (uint64_t)ceil(12.0 / e) + 16;
    uint64_t want = b * (uint64_t)k;
    if (want > (1u << 22))
        want = 1u << 22;
    char *smp = NULL, *cand = NULL;
    uint64_t *h = NULL;
    int *ci = malloc(sizeof(int) * (size_t)(nt > 0 ? nt : 1));
    /* the phase's status is agreed before the gather (a collective every
     * rank must enter); the gather agrees its own */
    rc = pas_agree(comm, pas_watch_phase("sample"));
    if (rc || (rc = pas_sort_sample_gather_total(comm, ops, a, n, want, seed, (void **)&smp, &m)))
        goto done;
    int nco = (int)((m + AMS_COARSE - 1) / AMS_COARSE), nmax = nco + nt * (AMS_COARSE + 1);
    cand = malloc(es * (size_t)(nmax > 0 ? nmax : 1));
    h = malloc(sizeof(uint64_t) * 7 * (size_t)(nmax > 0 ? nmax : 1));
    if ((rc = pas_agree(comm, cand && h && ci ? PAS_OK : PAS_ERR_NOMEM)))
        goto done;
    /* coarse: every 16th sample key brackets each target */
    for (int i = 0; i < nco; i++)
        memcpy(cand + (size_t)i * es, smp + (size_t)i * AMS_COARSE * es, es);
    if ((rc = pas_agree(comm, ams_histogram(comm, ops, a, n, cand, nco, h))))
        goto done;
    /* fine: the sample keys between the bracketing coarse keys (nearer
     * ones cannot exist outside them), each range once */
    int nf = 0;
    long next = 0; /* the first sample index not yet taken */
    for (int t = 0, c = 0; t < nt; t++) {
        while (c < nco && h[2 * nco + c] <= targets[t])
            c++;
        long lo = c > 0 ? (long)(c - 1) * AMS_COARSE : 0, hi = (long)c * AMS_COARSE;
        if (hi > (long)m - 1)
            hi = (long)m - 1;
        for (long i = lo > next ? lo : next; i <= hi; i++)
            memcpy(cand + (size_t)nf++ * es, smp + (size_t)i * es, es);
        if (hi + 1 > next)
            next = hi + 1;
    }
    if ((rc = pas_agree(comm, ams_histogram(comm, ops, a, n, cand, nf, h))))
        goto done;
    pas_sort_ams_place(nf, h + 2 * nf, h + 3 * nf, total, nt, targets, bnd, ci);
    for (int t = 0; t < nt; t++) {
        int i = ci[t];
        cut[t] = i < 0
                     ? (bnd[t] == 0 ? 0 : n)
                     : h[i] + pas_sort_equal_take(bnd[t], h[2 * nf + i], h[4 * nf + i], h[nf + i]);
    }
done:
    free(ci);
    free(h);
    free(cand);
    free(smp);
    return rc;
}

/* Growable arrays of the exchange. */
typedef struct {
    MPI_Request *req;
    size_t nreq, capreq;
    size_t *run; /* run boundaries in the receive buffer */
    int nrun;
    size_t caprun;
} ams_msgs_t;

static pas_status ams_push_req(ams_msgs_t *M)
{
    return pas_grow(&M->req, &M->capreq, M->nreq + 1, sizeof *M->req);
}

static pas_status ams_push_run(ams_msgs_t *M, size_t end)
{
    pas_status rc = pas_grow(&M->run, &M->caprun, (size_t)M->nrun + 2, sizeof *M->run);
    if (rc)
        return rc;
    if (M->nrun == 0)
        M->run[0] = 0;
    M->run[++M->nrun] = end;
    return PAS_OK;
}

/* collective: send my piece for each group to its ranks (block shares of
 * the group's data by prefix sums), receive my share, merge the runs. */
static int ams_move(MPI_Comm comm, ams_t *A, int k, const uint64_t *cut, const uint64_t *bnd,
                    uint64_t total, void **data, size_t *n)
{
    const sort_ops_t *ops = A->ops;
    size_t es = ops->size, limit = sort_limit(A->cfg->chunk_limit);
    int p, me, rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    int gmax = (p + k - 1) / k;
    uint64_t *v = malloc(sizeof(uint64_t) * (size_t)(4 * k + gmax));
    int *dest = malloc(sizeof(int) * (size_t)gmax);
    ams_msgs_t M = {0};
    char *recv = NULL, *out = NULL;
    MPI_Datatype t = MPI_DATATYPE_NULL;
    if ((rc = pas_agree(comm, v && dest ? PAS_OK : PAS_ERR_NOMEM)))
        goto done;
    uint64_t *len = v, *off = v + k, *cnt = v + 4 * k;
    for (int j = 0; j < k; j++)
        len[j] = (j < k - 1 ? cut[j] : *n) - (j > 0 ? cut[j - 1] : 0);
    pas_status xrc = ams_exscan(comm, len, off, k, v + 2 * k); /* local: agreed below */
    int jm = pas_decomp_block_owner((uint64_t)p, k, (uint64_t)me);
    pas_range_t gr = pas_decomp_block_range((uint64_t)p, k, jm);
    uint64_t cm = (jm < k - 1 ? bnd[jm] : total) - (jm > 0 ? bnd[jm - 1] : 0);
    pas_range_t mine = pas_decomp_block_range(cm, (int)(gr.hi - gr.lo), me - (int)gr.lo);
    size_t expect = (size_t)(mine.hi - mine.lo), got = 0;
    recv = xrc ? NULL : sort_alloc(expect, es);
    rc = xrc ? xrc : recv ? PAS_OK : PAS_ERR_NOMEM;
    if (rc == PAS_OK && (MPI_Type_contiguous((int)es, MPI_BYTE, &t) != MPI_SUCCESS ||
                         MPI_Type_commit(&t) != MPI_SUCCESS))
        rc = PAS_ERR_MPI;
    if ((rc = pas_agree(comm, rc ? rc : pas_watch_phase("exchange"))))
        goto done;
    /* sends first (nonblocking), my own piece copied */
    const char *src = *data;
    for (int j = 0; j < k && rc == PAS_OK; j++) {
        pas_range_t g = pas_decomp_block_range((uint64_t)p, k, j);
        uint64_t c = (j < k - 1 ? bnd[j] : total) - (j > 0 ? bnd[j - 1] : 0);
        int nd = pas_sort_ams_route(c, (int)(g.hi - g.lo), (int)g.lo, off[j], len[j], dest, cnt);
        for (int d = 0; d < nd && rc == PAS_OK; d++) {
            if (dest[d] == me) {
                memcpy(recv + got * es, src, cnt[d] * es);
                got += cnt[d];
                rc = ams_push_run(&M, got);
            } else {
                for (uint64_t o = 0; o < cnt[d] && rc == PAS_OK; o += limit) {
                    uint64_t c1 = cnt[d] - o < limit ? cnt[d] - o : limit;
                    if ((rc = ams_push_req(&M)) == PAS_OK &&
                        MPI_Isend(src + o * es, (int)c1, t, dest[d], SORT_TAG_AMS, comm,
                                  &M.req[M.nreq++]) != MPI_SUCCESS)
                        rc = PAS_ERR_MPI;
                }
                A->bytes += cnt[d] * es;
            }
            src += cnt[d] * es;
        }
    }
    /* then whatever arrives, from anyone, until my share is complete */
    while (rc == PAS_OK && got < expect) {
        /* room for the largest message that can still come (each is at
         * most `limit` and they add up to expect exactly); the status says
         * how much came.  No MPI_Probe: SimGrid charges each failed poll. */
        MPI_Status st;
        int c = 0, room = (int)(expect - got < limit ? expect - got : limit);
        if (PAS_WATCHED("MPI_Recv", -1, SORT_TAG_AMS,
                        MPI_Recv(recv + got * es, room, t, MPI_ANY_SOURCE, SORT_TAG_AMS, comm,
                                 &st)) != MPI_SUCCESS ||
            MPI_Get_count(&st, t, &c) != MPI_SUCCESS || c <= 0 || c > room) {
            rc = PAS_ERR_MPI;
            break;
        }
        got += (size_t)c;
        rc = ams_push_run(&M, got);
    }
    if (M.nreq && PAS_WATCHED("MPI_Waitall", -1, SORT_TAG_AMS,
                              MPI_Waitall((int)M.nreq, M.req, MPI_STATUSES_IGNORE)) != MPI_SUCCESS)
        rc = PAS_ERR_MPI;
    if ((rc = pas_agree(comm, rc ? rc : pas_watch_phase("merge"))))
        goto done;
    free(*data);
    *data = NULL;
    *n = 0;
    if (M.nrun <= 1) {
        *data = recv;
    } else if (M.nrun > AMS_MERGE_RUNS) {
        /* many runs: one local sort costs less than log2(runs) merge passes */
        out = sort_alloc(expect, es);
        rc = out ? pas_sort_local_run_with(ops, A->cfg->local, recv, expect, out) : PAS_ERR_NOMEM;
        *data = recv;
    } else {
        out = sort_alloc(expect, es);
        rc = out ? pas_sort_merge_runs(A->kind, recv, M.run, M.nrun, out, NULL) : PAS_ERR_NOMEM;
        if (rc == PAS_OK) {
            *data = out;
            out = NULL;
        } else {
            *data = recv; /* still every key, unsorted */
        }
    }
    *n = expect;
    recv = NULL;
    rc = pas_agree(comm, rc);
done:
    if (t != MPI_DATATYPE_NULL)
        MPI_Type_free(&t);
    free(out);
    free(recv);
    free(M.run);
    free(M.req);
    free(dest);
    free(v);
    return rc;
}

/* collective: the levels on sorted local data. */
static int ams_levels(MPI_Comm comm, ams_t *A, int levels, uint64_t seed, void **data, size_t *n)
{
    int p, me, rc;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    if (p == 1)
        return PAS_OK;
    int k = pas_sort_ams_groups(p, levels), nt = k - 1, last = k == p;
    uint64_t total = 0;
    if (sort_total(comm, *n, &total))
        return PAS_ERR_MPI;
    uint64_t *v = malloc(sizeof(uint64_t) * 3 * (size_t)k);
    if ((rc = pas_agree(comm, v ? PAS_OK : PAS_ERR_NOMEM))) {
        free(v);
        return rc;
    }
    uint64_t *targets = v, *cut = v + k, *bnd = v + 2 * k;
    for (int j = 1; j < k; j++) /* group j starts at its first rank's block share */
        targets[j - 1] =
            pas_decomp_block_range(total, p, (int)pas_decomp_block_range((uint64_t)p, k, j).lo).lo;
    rc = ams_splitters(comm, A, *data, *n, total, k, targets, seed, cut, bnd);
    int over = 0;
    for (int j = 0; j < k && rc == PAS_OK; j++) {
        pas_range_t g = pas_decomp_block_range((uint64_t)p, k, j);
        uint64_t gs = g.hi - g.lo, c = (j < nt ? bnd[j] : total) - (j > 0 ? bnd[j - 1] : 0);
        uint64_t ideal = (j < nt ? targets[j] : total) - (j > 0 ? targets[j - 1] : 0);
        double loose = floor((1.0 + A->eps_level) * (double)total * (double)gs / p);
        uint64_t lim = loose > (double)ideal ? (uint64_t)loose : ideal;
        /* never more than the global bound per rank, so that the levels
         * below can always meet it */
        uint64_t cap = A->bound > UINT64_MAX / gs ? UINT64_MAX : A->bound * gs;
        lim = last ? A->bound : (lim < cap ? lim : cap);
        over |= c > lim;
    }
    if (rc == PAS_OK && over) { /* the same verdict everywhere: boundaries are global */
        A->fallbacks += me == 0;
        rc = pas_agree(comm, pas_watch_phase("select"));
        if (rc == PAS_OK) /* a collective every rank enters; agrees its own status */
            rc = pas_sort_select(comm, A->kind, *data, *n, targets, nt, cut);
        memcpy(bnd, targets, sizeof(uint64_t) * (size_t)nt);
    }
    if (rc == PAS_OK)
        rc = ams_move(comm, A, k, cut, bnd, total, data, n);
    free(v);
    if (rc || last)
        return rc;
    MPI_Comm sub;
    int jm = pas_decomp_block_owner((uint64_t)p, k, (uint64_t)me);
    if (MPI_Comm_split(comm, jm, me, &sub) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    rc = ams_levels(sub, A, levels - 1, pas_mix64(seed + 0x51ed27ULL), data, n);
    MPI_Comm_free(&sub);
    return rc;
}

/* collective: tiny inputs: gather to rank 0, sort, scatter block shares. */
static int ams_gather(MPI_Comm comm, ams_t *A, uint64_t total, void **data, size_t *n)
{
    size_t es = A->ops->size;
    int p, me, rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    int c = (int)*n, *cnt = malloc(sizeof(int) * 4 * (size_t)p);
    pas_range_t mine = pas_decomp_block_range(total, p, me);
    char *all = me == 0 ? sort_alloc(total, es) : NULL, *out = sort_alloc(mine.hi - mine.lo, es);
    MPI_Datatype t = MPI_DATATYPE_NULL;
    rc = cnt && out && (me || all) ? pas_watch_phase("gather") : PAS_ERR_NOMEM;
    if (rc == PAS_OK && (MPI_Type_contiguous((int)es, MPI_BYTE, &t) != MPI_SUCCESS ||
                         MPI_Type_commit(&t) != MPI_SUCCESS))
        rc = PAS_ERR_MPI;
    if ((rc = pas_agree(comm, rc)))
        goto done;
    int *gc = cnt, *gd = cnt + p, *sc = cnt + 2 * p, *sd = cnt + 3 * p;
    /* each step's status agreed before the next collective (a local MPI
     * error too): no rank goes on alone */
    if ((rc = pas_agree(comm, PAS_WATCHED("MPI_Gather", -1, 0,
                                          MPI_Gather(&c, 1, MPI_INT, gc, 1, MPI_INT, 0, comm)) ==
                                      MPI_SUCCESS
                                  ? PAS_OK
                                  : PAS_ERR_MPI)))
        goto done;
    for (int r = 0, o = 0, so = 0; r < p && me == 0; r++) {
        pas_range_t b = pas_decomp_block_range(total, p, r);
        gd[r] = o;
        o += gc[r];
        sc[r] = (int)(b.hi - b.lo);
        sd[r] = so;
        so += sc[r];
    }
    rc = PAS_WATCHED("MPI_Gatherv", -1, 0, MPI_Gatherv(*data, c, t, all, gc, gd, t, 0, comm)) !=
                 MPI_SUCCESS
             ? PAS_ERR_MPI
             : PAS_OK;
    if (rc == PAS_OK && me == 0)
        rc = sort_local_run(A->ops, A->cfg->local, all, total);
    if ((rc = pas_agree(comm, rc)))
        goto done;
    rc = PAS_WATCHED("MPI_Scatterv", -1, 0,
                     MPI_Scatterv(all, sc, sd, t, out, (int)(mine.hi - mine.lo), t, 0, comm)) !=
                 MPI_SUCCESS
             ? PAS_ERR_MPI
             : PAS_OK;
    if ((rc = pas_agree(comm, rc)))
        goto done;
    A->bytes += me == 0 ? (total - (mine.hi - mine.lo)) * es : (uint64_t)c * es;
    free(*data);
    *data = out;
    *n = mine.hi - mine.lo;
    out = NULL;
done:
    if (t != MPI_DATATYPE_NULL)
        MPI_Type_free(&t);
    free(out);
    free(all);
    free(cnt);
    return rc; /* agreed */
}

int pas_sort_ams(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                 size_t *n, pas_sort_info_t *info)
{
    int p, me, rc;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    uint64_t total = 0;
    if (sort_total(comm, *n, &total))
        return PAS_ERR_MPI;
    int levels = cfg->levels > 0 ? cfg->levels : pas_sort_ams_levels(total, p);
    if (p == 1 && levels == 0)
        levels = 1;
    double eps = cfg->eps > 0 ? cfg->eps : 0.1;
    ams_t A = {kind,
               sort_ops(kind),
               cfg,
               pow(1.0 + eps, 1.0 / (levels > 0 ? levels : 1)) - 1.0,
               pas_sort_balance_bound(total, p, eps),
               0,
               0};
    int fb = 0;
    if (levels == 0 && total <= SORT_AMS_GATHER_MAX) {
        rc = ams_gather(comm, &A, total, data, n);
    } else if (levels <= 1 || pas_sort_ams_groups(p, levels) >= p) {
        /* one level (also L levels whose first one already makes p groups,
         * e.g. any L at 2 ranks) is the single-level sample sort: its
         * classification of unsorted keys and one local sort after the
         * exchange beat sorting before and merging after (measured at 2
         * ranks: 1.3 s against 2.3 s for 2e7 keys) */
        pas_sort_info_t si;
        memset(&si, 0, sizeof si);
        levels = 1;
        rc = pas_sort_sample(comm, kind, cfg, data, n, &si);
        A.bytes = si.bytes_sent;
        A.fallbacks = si.exact_fallback && me == 0;
    } else {
        rc = sort_local_phase(comm, A.ops, cfg->local, *data, *n);
        if (rc == PAS_OK)
            rc = ams_levels(comm, &A, levels, cfg->seed, data, n);
    }
    /* every rank, with its status: the levels below the first agree only
     * within their group, and a failed group must not leave the others here */
    int mine[2] = {A.fallbacks, rc != PAS_OK}, sum[2] = {0, 1};
    if (PAS_WATCHED("MPI_Allreduce", -1, 0, MPI_Allreduce(mine, sum, 2, MPI_INT, MPI_SUM, comm)) !=
        MPI_SUCCESS)
        rc = rc ? rc : PAS_ERR_MPI;
    else if (sum[1] && rc == PAS_OK)
        rc = PAS_ERR_REMOTE;
    fb = sum[0];
    if (info) {
        info->levels = levels;
        info->exact_fallback = fb;
        info->bytes_sent += A.bytes;
    }
    return rc;
}
