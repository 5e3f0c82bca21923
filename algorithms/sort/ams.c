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
 *    in rank order, so all-equal keys split evenly).  Each histogram is one
 *    recursive-doubling prefix sum (log2 p rounds);
 * 2. a group over its bound ((1+eps_l) times its share; at the last level the
 *    global bound ceil((1+eps) n/p)) makes the level split exactly instead
 *    (multiway selection), counted in info->exact_fallback;
 * 3. a rank's piece for group j goes to the ranks of group j in block shares
 *    of the group's data by prefix sums: O(k) messages per rank.  Counts
 *    first: a receiver takes them from any source until they make its
 *    share, then posts all its receives at once;
 * 4. the received sorted runs are merged; the group's communicator (made
 *    by its members alone: MPI_Comm_create_group); the next level.
 * Collective agreements on errors are shared between steps wherever a step
 * cannot leave a rank waiting (see ams_splitters, ams_move): at 1024
 * simulated ranks each one costs about 50 us.
 * Tiny inputs (pas_sort_ams_levels = 0): gather to rank 0, sort, scatter
 * block shares: two collectives instead of r levels of rounds.  One level
 * (r = 1, or a first level of p groups) is the single-level sample sort of
 * sample.c. */
#include <math.h>

#include "sort_internal.h"

enum {
    AMS_PH_TOTAL,
    AMS_PH_SAMPLE,
    AMS_PH_COARSE,
    AMS_PH_FINE,
    AMS_PH_CHECK,
    AMS_PH_PREFIX,
    AMS_PH_COUNTS,
    AMS_PH_EXCHANGE,
    AMS_PH_MERGE,
    AMS_PH_SPLIT,
    AMS_NPH
};
#define AMS_COARSE 16 /* sample keys per coarse candidate */
#ifndef AMS_WINDOW
#define AMS_WINDOW 4 /* receives in flight per rank in the exchange */
#endif
#define AMS_COUNTS 16 /* count receives in flight per rank in the exchange */
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
    /* PAS_AMS_TRACE=1: rank 0 prints the time of each phase of each level
     * (a diagnostic of the simulated runs; no synchronisation added) */
    int trace, depth;
    double mark, ph[4][AMS_NPH];
} ams_t;

static void ams_mark(ams_t *A, int phase)
{
    if (!A->trace)
        return;
    double t = MPI_Wtime();
    if (A->depth < 4)
        A->ph[A->depth][phase] += t - A->mark;
    A->mark = t;
}

/* collective: exclusive prefix sums of count uint64 over the ranks (rank 0
 * gets zeros) by recursive doubling: log2(p) rounds of one message each.
 * (MPI_Exscan is linear in SimGrid, p - 1 messages per rank, and may be in
 * an MPI library.)  tmp holds 2 count; where p is a power of two,
 * tmp[0..count) is the sum over all ranks on return. */
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
 * and h[3nc..4nc) the global sums, h[4nc..5nc) keys below on lower ranks,
 * h[5nc..6nc) equal keys on lower ranks; h[6nc..10nc) scratch.  One prefix
 * sum gives both: its last partial sum is the total where p is a power of
 * two, else rank p - 1 (its prefix plus its own) broadcasts the totals.
 * (An MPI_Allreduce of these 2nc words costs as much again, and SimGrid's
 * default one is a linear reduce: p - 1 messages of 2nc words into rank 0,
 * 0.9 ms at 1024 ranks for 500 candidates.) */
static pas_status ams_histogram(MPI_Comm comm, const sort_ops_t *ops, const void *a, size_t n,
                                const char *cand, int nc, uint64_t *h)
{
    size_t es = ops->size;
    int p, me;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    for (int i = 0; i < nc; i++) {
        h[i] = ops->lower_bound(a, n, cand + (size_t)i * es);
        h[nc + i] = ops->upper_bound(a, n, cand + (size_t)i * es) - h[i];
    }
    pas_status rc = ams_exscan(comm, h, h + 4 * nc, 2 * nc, h + 6 * nc);
    if ((p & (p - 1)) == 0) {
        memcpy(h + 2 * nc, h + 6 * nc, sizeof(uint64_t) * 2 * (size_t)nc);
        return rc;
    }
    for (int i = 0; i < 2 * nc && me == p - 1; i++)
        h[2 * nc + i] = h[4 * nc + i] + h[i];
    /* the broadcast runs after a local error too: the others enter it */
    if (PAS_WATCHED("MPI_Bcast", p - 1, 0,
                    MPI_Bcast(h + 2 * nc, 2 * nc, MPI_UINT64_T, p - 1, comm)) != MPI_SUCCESS)
        rc = PAS_ERR_MPI;
    return rc;
}

/* collective: local cuts cut[0..k-1) and global boundaries bnd[0..k-1) of the
 * k groups from a sample, refined by two histograms (see the top). */
static int ams_splitters(MPI_Comm comm, ams_t *A, const void *a, size_t n, uint64_t total, int k,
                         const uint64_t *targets, uint64_t seed, const uint64_t *nall,
                         uint64_t *cut, uint64_t *bnd, pas_status status)
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
    /* the sample has at most min(total, want + p) keys: room for the
     * candidates is allocated before it comes, so that one agreement (the
     * gather's first) covers the caller's status, these allocations and the
     * phase */
    int p;
    MPI_Comm_size(comm, &p);
    uint64_t mmax = total < want + (uint64_t)p ? total : want + (uint64_t)p;
    int nmax = (int)((mmax + AMS_COARSE - 1) / AMS_COARSE) + nt * (AMS_COARSE + 1);
    int *ci = malloc(sizeof(int) * (size_t)(nt > 0 ? nt : 1));
    cand = malloc(es * (size_t)(nmax > 0 ? nmax : 1));
    h = malloc(sizeof(uint64_t) * 10 * (size_t)(nmax > 0 ? nmax : 1));
    rc = status ? status : ci && cand && h ? pas_watch_phase("sample") : PAS_ERR_NOMEM;
    if ((rc = pas_sort_sample_gather_total(comm, ops, a, n, total, want, seed, rc, nall,
                                           (void **)&smp, &m)))
        goto done;
    ams_mark(A, AMS_PH_SAMPLE);
    int nco = (int)((m + AMS_COARSE - 1) / AMS_COARSE);
    /* coarse: every 16th sample key brackets each target */
    for (int i = 0; i < nco; i++)
        memcpy(cand + (size_t)i * es, smp + (size_t)i * AMS_COARSE * es, es);
    /* agreed before the fine candidates are chosen from its sums: a rank
     * whose sums are wrong would choose another number of them, and the fine
     * histogram's messages would not match */
    if ((rc = pas_agree(comm, ams_histogram(comm, ops, a, n, cand, nco, h))))
        goto done;
    ams_mark(A, AMS_PH_COARSE);
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
    ams_mark(A, AMS_PH_FINE);
    pas_sort_ams_place(nf, h + 2 * nf, h + 3 * nf, total, nt, targets, bnd, ci);
    for (int t = 0; t < nt; t++) {
        int i = ci[t];
        cut[t] = i < 0
                     ? (bnd[t] == 0 ? 0 : n)
                     : h[i] + pas_sort_equal_take(bnd[t], h[2 * nf + i], h[5 * nf + i], h[nf + i]);
    }
done:
    free(ci);
    free(h);
    free(cand);
    free(smp);
    return rc;
}

/* A piece of the exchange: to or from a rank, count keys. */
typedef struct {
    int rank;
    uint64_t count;
} ams_piece_t;

/* Growable arrays of the exchange. */
typedef struct {
    MPI_Request *req;
    size_t nreq, capreq;
    ams_piece_t *out, *in; /* my pieces, in group and rank order; those I get */
    size_t nout, capout, nin, capin;
    size_t *run; /* run boundaries in the receive buffer */
    int nrun;
    size_t caprun;
} ams_msgs_t;

static pas_status ams_push_req(ams_msgs_t *M)
{
    return pas_grow(&M->req, &M->capreq, M->nreq + 1, sizeof *M->req);
}

static pas_status ams_push_piece(ams_piece_t **a, size_t *n, size_t *cap, int rank, uint64_t count)
{
    pas_status rc = pas_grow(a, cap, *n + 1, sizeof **a);
    if (rc)
        return rc;
    (*a)[*n].rank = rank;
    (*a)[(*n)++].count = count;
    return PAS_OK;
}

static int ams_piece_cmp(const void *x, const void *y)
{
    int a = ((const ams_piece_t *)x)->rank, b = ((const ams_piece_t *)y)->rank;
    return (a > b) - (a < b);
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

/* local, pure: block b of group j's data goes to the group's rank
 * (b + turn) mod gs.  A level above the last may give the group's ranks its
 * blocks in any order (the next level sorts them by value; equal elements
 * are identical, stable kinds carry their index), and the turn spreads the
 * receivers: in block order, every group's block i comes from the same
 * senders, and the group's rank i of every group (ranks that differ by
 * multiples of the group size) would draw them together: on a fat tree
 * with destination-mod-k routing (SimGrid's), 2 of a leaf's 16 uplinks
 * carried its whole level-1 exchange at 1024 ranks.  The last level keeps
 * block order: its groups are the final ranks. */
static int ams_turn(int j, int gs, int last)
{
    return last || gs <= 1 ? 0 : j % gs;
}

/* collective: send my piece for each group to its ranks (block shares of
 * the group's data by prefix sums), receive my share, merge the runs. */
static int ams_move(MPI_Comm comm, ams_t *A, int k, const uint64_t *cut, const uint64_t *bnd,
                    uint64_t total, uint64_t *v, int *dest, void **data, size_t *n,
                    pas_status *merged)
{
    const sort_ops_t *ops = A->ops;
    size_t es = ops->size, limit = sort_limit(A->cfg->chunk_limit);
    int p, me, rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    ams_msgs_t M = {0};
    char *recv = NULL, *out = NULL;
    MPI_Datatype t = MPI_DATATYPE_NULL;
    *merged = PAS_OK;
    /* where my pieces start in their groups: one prefix sum, before the
     * agreement below, so that an error in it is agreed before the exchange */
    uint64_t *len = v, *off = v + k, *cnt = v + 4 * k;
    for (int j = 0; j < k; j++)
        len[j] = (j < k - 1 ? cut[j] : *n) - (j > 0 ? cut[j - 1] : 0);
    pas_status xrc = ams_exscan(comm, len, off, k, v + 2 * k); /* local: agreed below */
    ams_mark(A, AMS_PH_PREFIX);
    int jm = pas_decomp_block_owner((uint64_t)p, k, (uint64_t)me);
    pas_range_t gr = pas_decomp_block_range((uint64_t)p, k, jm);
    uint64_t cm = (jm < k - 1 ? bnd[jm] : total) - (jm > 0 ? bnd[jm - 1] : 0);
    int gms = (int)(gr.hi - gr.lo), last = k == p;
    pas_range_t mine =
        pas_decomp_block_range(cm, gms, (me - (int)gr.lo + gms - ams_turn(jm, gms, last)) % gms);
    size_t expect = (size_t)(mine.hi - mine.lo), got = 0;
    recv = xrc ? NULL : pas_sort_alloc(expect, es);
    rc = xrc ? xrc : recv ? PAS_OK : PAS_ERR_NOMEM;
    if (rc == PAS_OK && (MPI_Type_contiguous((int)es, MPI_BYTE, &t) != MPI_SUCCESS ||
                         MPI_Type_commit(&t) != MPI_SUCCESS))
        rc = PAS_ERR_MPI;
    /* where my pieces go, in group and rank order, and room for their count
     * messages: made before the agreement, since a rank that sent no counts
     * would leave its receivers waiting for them */
    for (int j = 0; j < k && rc == PAS_OK; j++) {
        pas_range_t g = pas_decomp_block_range((uint64_t)p, k, j);
        uint64_t c = (j < k - 1 ? bnd[j] : total) - (j > 0 ? bnd[j - 1] : 0);
        int gs = (int)(g.hi - g.lo), turn = ams_turn(j, gs, last);
        int nd = pas_sort_ams_route(c, gs, 0, off[j], len[j], dest, cnt);
        for (int d = 0; d < nd && rc == PAS_OK; d++)
            rc = ams_push_piece(&M.out, &M.nout, &M.capout, (int)g.lo + (dest[d] + turn) % gs,
                                cnt[d]);
    }
    if (rc == PAS_OK)
        rc = pas_grow(&M.req, &M.capreq, M.nout, sizeof *M.req);
    if ((rc = pas_agree(comm, rc ? rc : pas_watch_phase("exchange"))))
        goto done;
    /* counts first, then the keys, all nonblocking: a receiver learns who
     * sends it how much and posts every receive at once, so the messages
     * arrive together (one receive at a time from any source, each message
     * waited for its own latency: SimGrid charges 11.6 latencies for 64 KiB,
     * and 9 to 33 such messages per level were most of the exchange).  The
     * counts are agreed before any key moves: after that agreement a rank
     * that meets an error still posts and completes every key message, so no
     * sender is left waiting for a receive that never comes. */
    const char *own = NULL;
    uint64_t own_n = 0;
    {
        const char *src = *data;
        for (size_t i = 0; i < M.nout; src += M.out[i++].count * es)
            if (M.out[i].rank == me) {
                own = src;
                own_n = M.out[i].count;
            }
    }
    /* every count is posted, even after one failed to post: each receiver
     * waits for all of its own */
    for (size_t i = 0; i < M.nout; i++) {
        if (M.out[i].rank == me)
            continue;
        MPI_Request *r = &M.req[M.nreq++];
        if (MPI_Isend(&M.out[i].count, 1, MPI_UINT64_T, M.out[i].rank, SORT_TAG_AMS + 2, comm, r) !=
            MPI_SUCCESS) {
            *r = MPI_REQUEST_NULL;
            rc = PAS_ERR_MPI;
        }
    }
    /* the counts that come, from anyone, until they and my own piece make
     * my share; then the receives in rank order (stable runs).  Up to
     * AMS_COUNTS receives are posted at once (one at a time, each waited
     * for its own latency, 17 to 33 of them cost 110 to 260 us per level at
     * 256 to 512 simulated ranks); those left when the share is complete
     * are cancelled: every count to me has come by then.  A rank that met
     * a local error (out of memory, the phase) still takes every count sent
     * to it, so that no count is left unmatched on comm (a later sort on the
     * same communicator would take it for its own); only a failed MPI call
     * stops it. */
    uint64_t need = expect - own_n, cin[AMS_COUNTS];
    MPI_Request creq[AMS_COUNTS];
    for (int i = 0; i < AMS_COUNTS; i++)
        creq[i] = MPI_REQUEST_NULL;
    int broken = rc != PAS_OK; /* a count failed to post: MPI is not to be trusted */
    if (rc == PAS_OK)
        rc = pas_watch_phase("counts");
    for (int i = 0; i < AMS_COUNTS && !broken && need > 0; i++)
        if (MPI_Irecv(&cin[i], 1, MPI_UINT64_T, MPI_ANY_SOURCE, SORT_TAG_AMS + 2, comm, &creq[i]) !=
            MPI_SUCCESS) {
            creq[i] = MPI_REQUEST_NULL;
            broken = 1;
        }
    while (!broken && need > 0) {
        MPI_Status st;
        int i = MPI_UNDEFINED;
        if (PAS_WATCHED("MPI_Waitany", -1, SORT_TAG_AMS + 2,
                        MPI_Waitany(AMS_COUNTS, creq, &i, &st)) != MPI_SUCCESS ||
            i == MPI_UNDEFINED || cin[i] == 0 || cin[i] > need) {
            broken = 1;
            break;
        }
        need -= cin[i];
        if (rc == PAS_OK)
            rc = ams_push_piece(&M.in, &M.nin, &M.capin, st.MPI_SOURCE, cin[i]);
        if (need > 0 && MPI_Irecv(&cin[i], 1, MPI_UINT64_T, MPI_ANY_SOURCE, SORT_TAG_AMS + 2, comm,
                                  &creq[i]) != MPI_SUCCESS) {
            creq[i] = MPI_REQUEST_NULL;
            broken = 1;
        }
    }
    if (broken)
        rc = rc ? rc : PAS_ERR_MPI;
    for (int i = 0; i < AMS_COUNTS; i++)
        if (creq[i] != MPI_REQUEST_NULL) {
            MPI_Cancel(&creq[i]);
            MPI_Wait(&creq[i], MPI_STATUS_IGNORE);
        }
    if (rc == PAS_OK && own_n)
        rc = ams_push_piece(&M.in, &M.nin, &M.capin, me, own_n);
    if (rc == PAS_OK) {
        if (M.nin > 1) /* M.in may be NULL: qsort's pointer must not be */
            qsort(M.in, M.nin, sizeof *M.in, ams_piece_cmp);
        rc = pas_grow(&M.run, &M.caprun, M.nin + 2, sizeof *M.run); /* none after the agreement */
    }
    /* the count messages are a few bytes each (sent eagerly) */
    if (M.nreq && PAS_WATCHED("MPI_Waitall", -1, SORT_TAG_AMS + 2,
                              MPI_Waitall((int)M.nreq, M.req, MPI_STATUSES_IGNORE)) != MPI_SUCCESS)
        rc = PAS_ERR_MPI;
    M.nreq = 0;
    size_t nkeys = 0; /* the key messages I send: their requests, made before the agreement */
    for (size_t i = 0; i < M.nout; i++)
        if (M.out[i].rank != me)
            nkeys += (size_t)((M.out[i].count + limit - 1) / limit);
    if (rc == PAS_OK)
        rc = pas_grow(&M.req, &M.capreq, nkeys, sizeof *M.req);
    ams_mark(A, AMS_PH_COUNTS);
    if ((rc = pas_agree(comm, rc ? rc : pas_watch_phase("exchange"))) != PAS_OK)
        goto done;
    /* the keys: from here on an error is kept and the messages still move */
    pas_status krc = PAS_OK;
    const char *src = *data;
    for (size_t i = 0; i < M.nout; src += M.out[i++].count * es) {
        uint64_t c = M.out[i].count;
        if (M.out[i].rank == me)
            continue;
        for (uint64_t o = 0; o < c; o += limit) {
            uint64_t c1 = c - o < limit ? c - o : limit;
            pas_status e = ams_push_req(&M);
            if (e == PAS_OK && MPI_Isend(src + o * es, (int)c1, t, M.out[i].rank, SORT_TAG_AMS,
                                         comm, &M.req[M.nreq++]) != MPI_SUCCESS)
                e = PAS_ERR_MPI;
            krc = krc ? krc : e;
        }
        A->bytes += c * es;
    }
    /* at most AMS_WINDOW receives in flight per rank: together they hide
     * the latencies, and SimGrid's solver time grows with the square of
     * the flows sharing a link (all k at once made 1024 ranks take longer
     * to simulate than 2048 should) */
    MPI_Request win[AMS_WINDOW];
    int nact = 0;
    size_t ii = 0;
    uint64_t oo = 0; /* the next piece to post: M.in[ii] from its key oo on */
    for (;;) {
        while (nact < AMS_WINDOW && ii < M.nin) {
            uint64_t c = M.in[ii].count, c1 = c - oo < limit ? c - oo : limit;
            if (M.in[ii].rank == me) {
                memcpy(recv + got * es, own, c * es);
                c1 = c;
            } else if (PAS_WATCHED("MPI_Irecv", M.in[ii].rank, SORT_TAG_AMS,
                                   MPI_Irecv(recv + (got + oo) * es, (int)c1, t, M.in[ii].rank,
                                             SORT_TAG_AMS, comm, &win[nact])) == MPI_SUCCESS) {
                nact++;
            } else {
                krc = krc ? krc : PAS_ERR_MPI;
            }
            if ((oo += c1) == c) {
                got += (size_t)c;
                pas_status e = ams_push_run(&M, got); /* room made before the agreement */
                krc = krc ? krc : e;
                ii++;
                oo = 0;
            }
        }
        if (nact == 0)
            break;
        int idx = 0;
        if (PAS_WATCHED("MPI_Waitany", -1, SORT_TAG_AMS,
                        MPI_Waitany(nact, win, &idx, MPI_STATUS_IGNORE)) != MPI_SUCCESS ||
            idx == MPI_UNDEFINED) {
            krc = krc ? krc : PAS_ERR_MPI;
            MPI_Waitall(nact, win, MPI_STATUSES_IGNORE);
            nact = 0;
            continue;
        }
        win[idx] = win[--nact];
    }
    if (M.nreq && PAS_WATCHED("MPI_Waitall", -1, SORT_TAG_AMS,
                              MPI_Waitall((int)M.nreq, M.req, MPI_STATUSES_IGNORE)) != MPI_SUCCESS)
        krc = krc ? krc : PAS_ERR_MPI;
    M.nreq = 0;
    rc = krc;
    /* no agreement here: the merge is local, and the caller's next
     * agreement carries a failure of either (a rank that failed skips the
     * merge) */
    if (rc == PAS_OK)
        rc = pas_watch_phase("merge");
    ams_mark(A, AMS_PH_EXCHANGE);
    if (rc) {
        *merged = rc;
        rc = PAS_OK;
        goto done;
    }
    free(*data);
    *data = NULL;
    *n = 0;
    if (M.nrun <= 1) {
        *data = recv;
    } else if (M.nrun > AMS_MERGE_RUNS) {
        /* many runs: one local sort costs less than log2(runs) merge passes */
        out = pas_sort_alloc(expect, es);
        rc = out ? pas_sort_local_run_with(ops, A->cfg->local, recv, expect, out) : PAS_ERR_NOMEM;
        *data = recv;
    } else {
        out = pas_sort_alloc(expect, es);
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
    /* local: the caller's next agreement carries it (the next level's
     * first, or pas_sort_ams's last) */
    *merged = rc;
    rc = PAS_OK;
    ams_mark(A, AMS_PH_MERGE);
done:
    if (t != MPI_DATATYPE_NULL)
        MPI_Type_free(&t);
    free(out);
    free(recv);
    free(M.run);
    free(M.req);
    free(M.out);
    free(M.in);
    return rc;
}

/* The groups are ranges of ranks, so each rank builds its group locally and
 * only its members create the communicator (MPI_Comm_split gathers every
 * rank's colour: 208 us at 512 simulated ranks on the fat tree, this 20 us).
 * The group is built before the level's first agreement, where a rank that
 * fails to build it says so: failing after it, that rank would leave the
 * rest of its group waiting in MPI_Comm_create_group. */
#if PAS_HAVE_MPI
typedef MPI_Group ams_group_t;
#else
typedef int ams_group_t; /* one rank: no group is ever made */
#endif

/* local: the group of comm's ranks in group jm of k block groups of p */
static pas_status ams_group(MPI_Comm comm, int p, int k, int jm, ams_group_t *g)
{
#if PAS_HAVE_MPI
    pas_range_t gr = pas_decomp_block_range((uint64_t)p, k, jm);
    int range[1][3] = {{(int)gr.lo, (int)gr.hi - 1, 1}};
    MPI_Group all;
    *g = MPI_GROUP_NULL;
    pas_status st = pas_watch_fault("ams-group");
    if (st)
        return st;
    if (MPI_Comm_group(comm, &all) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    int rc = MPI_Group_range_incl(all, 1, range, g);
    MPI_Group_free(&all);
    return rc == MPI_SUCCESS ? PAS_OK : PAS_ERR_MPI;
#else
    (void)comm;
    (void)p;
    (void)k;
    (void)jm;
    *g = 0;
    return PAS_OK;
#endif
}

static void ams_group_free(ams_group_t *g)
{
#if PAS_HAVE_MPI
    if (*g != MPI_GROUP_NULL)
        MPI_Group_free(g);
#else
    (void)g;
#endif
}

/* collective over the ranks of group jm: their communicator, in comm's rank
 * order (g from ams_group, freed here) */
static int ams_group_comm(MPI_Comm comm, int jm, ams_group_t *g, MPI_Comm *sub)
{
#if PAS_HAVE_MPI
    (void)jm;
    int rc = MPI_Comm_create_group(comm, *g, SORT_TAG_AMS + 3, sub);
    MPI_Group_free(g);
    return rc;
#else
    int me;
    (void)g;
    MPI_Comm_rank(comm, &me);
    return MPI_Comm_split(comm, jm, me, sub);
#endif
}

/* collective: the levels on sorted local data; total: the keys of all ranks
 * of comm (known: the group's share at the level above); turn: -1, or rank
 * r holds block (r - turn) mod p of total (as the level above left them:
 * then the sample's counts need not move); status: this rank's, not yet
 * agreed (the merge at the level above). */
static int ams_levels(MPI_Comm comm, ams_t *A, int levels, uint64_t seed, uint64_t total, int turn,
                      pas_status status, void **data, size_t *n)
{
    int p, me, rc;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    if (p == 1)
        return status;
    int k = pas_sort_ams_groups(p, levels), nt = k - 1, last = k == p, gmax = (p + k - 1) / k;
    /* v's (and the exchange's scratch's) allocation is agreed with the
     * splitters' first agreement */
    uint64_t *v = malloc(sizeof(uint64_t) * (size_t)(7 * k + gmax + (turn >= 0 ? p : 0)));
    int *dest = malloc(sizeof(int) * (size_t)gmax);
    int jm = pas_decomp_block_owner((uint64_t)p, k, (uint64_t)me);
    ams_group_t grp;
    pas_status gst = last ? PAS_OK : ams_group(comm, p, k, jm, &grp);
    uint64_t *targets = v, *cut = v ? v + k : NULL, *bnd = v ? v + 2 * k : NULL;
    uint64_t *nall = v && turn >= 0 ? v + 7 * k + gmax : NULL;
    for (int r = 0; nall && r < p; r++) {
        pas_range_t b = pas_decomp_block_range(total, p, (r + p - turn) % p);
        nall[r] = b.hi - b.lo;
    }
    for (int j = 1; j < k && v; j++) /* group j starts at its first rank's block share */
        targets[j - 1] =
            pas_decomp_block_range(total, p, (int)pas_decomp_block_range((uint64_t)p, k, j).lo).lo;
    ams_mark(A, AMS_PH_TOTAL);
    rc = ams_splitters(comm, A, *data, *n, total, k, targets, seed, nall, cut, bnd,
                       !v || !dest ? PAS_ERR_NOMEM
                       : gst       ? gst
                                   : status);
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
    ams_mark(A, AMS_PH_CHECK);
    pas_status merged = PAS_OK;
    if (rc == PAS_OK)
        rc = ams_move(comm, A, k, cut, bnd, total, v + 3 * k, dest, data, n, &merged);
    uint64_t sub_total = rc ? 0 : (jm < nt ? bnd[jm] : total) - (jm > 0 ? bnd[jm - 1] : 0);
    free(dest);
    free(v);
    if (rc || last) { /* rc agreed; merged not yet: pas_sort_ams's last agreement */
        if (!last)
            ams_group_free(&grp);
        return rc ? rc : merged;
    }
    MPI_Comm sub;
    if (ams_group_comm(comm, jm, &grp, &sub) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    ams_mark(A, AMS_PH_SPLIT);
    A->depth++;
    pas_range_t gr = pas_decomp_block_range((uint64_t)p, k, jm);
    int gs = (int)(gr.hi - gr.lo);
    rc = ams_levels(sub, A, levels - 1, pas_mix64(seed + 0x51ed27ULL), sub_total,
                    ams_turn(jm, gs, 0), merged, data, n);
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
    char *all = me == 0 ? pas_sort_alloc(total, es) : NULL,
         *out = pas_sort_alloc(mine.hi - mine.lo, es);
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
        rc = pas_sort_local_run(A->ops, A->cfg->local, all, total);
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
    /* the total; where every rank holds as many keys (the usual case), one
     * MPI_Allreduce says so and the first level's sample needs no counts */
    uint64_t total = 0, ext[2] = {*n, ~(uint64_t)*n}, top[2] = {0, 0};
    if (pas_agree(comm, PAS_WATCHED("MPI_Allreduce", -1, 0,
                                    MPI_Allreduce(ext, top, 2, MPI_UINT64_T, MPI_MAX, comm)) ==
                                MPI_SUCCESS
                            ? PAS_OK
                            : PAS_ERR_MPI))
        return PAS_ERR_MPI;
    int even = top[0] == ~top[1] && top[0] <= UINT64_MAX / (uint64_t)p;
    if (even)
        total = top[0] * (uint64_t)p;
    else if (sort_total(comm, *n, &total))
        return PAS_ERR_MPI;
    int levels = cfg->levels > 0 ? cfg->levels : pas_sort_ams_levels(total, p);
    if (p == 1 && levels == 0)
        levels = 1;
    double eps = cfg->eps > 0 ? cfg->eps : 0.1;
    ams_t A = {.kind = kind,
               .ops = sort_ops(kind),
               .cfg = cfg,
               .eps_level = pow(1.0 + eps, 1.0 / (levels > 0 ? levels : 1)) - 1.0,
               .bound = pas_sort_balance_bound(total, p, eps)};
    const char *tr = getenv("PAS_AMS_TRACE");
    /* every rank records; rank 0 prints its own times and (PAS_AMS_TRACE=2,
     * one more reduction) the largest of each over the ranks */
    A.trace = tr && (*tr == '1' || *tr == '2') ? *tr - '0' : 0;
    A.mark = A.trace ? MPI_Wtime() : 0;
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
        rc = pas_sort_local_phase(comm, A.ops, cfg->local, *data, *n);
        ams_mark(&A, AMS_PH_TOTAL);
        A.ph[0][AMS_PH_TOTAL] = 0; /* the local sort is not communication */
        if (rc == PAS_OK)
            rc = ams_levels(comm, &A, levels, cfg->seed, total, even ? 0 : -1, PAS_OK, data, n);
    }
    static const char *const phn[AMS_NPH] = {"total",  "sample", "coarse",   "fine",  "check",
                                             "prefix", "counts", "exchange", "merge", "split"};
    double most[4][AMS_NPH];
    if (A.trace == 2)
        MPI_Reduce(A.ph, most, 4 * AMS_NPH, MPI_DOUBLE, MPI_MAX, 0, comm);
    for (int l = 0; A.trace && me == 0 && l <= A.depth && l < 4; l++) {
        for (int w = 0; w < A.trace; w++) {
            fprintf(stderr, "ams trace: level %d%s:", l + 1, w ? " (max)" : "");
            for (int i = 0; i < AMS_NPH; i++)
                fprintf(stderr, " %s %.1f us", phn[i], 1e6 * (w ? most : A.ph)[l][i]);
            fprintf(stderr, "\n");
        }
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
