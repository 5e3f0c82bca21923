/* exchange.c - the all-to-all of the sorts with 64-bit counts.
 *
 * When every count and displacement fits an int (under the chunk limit),
 * one MPI_Alltoallv over a contiguous element type.  Otherwise the data
 * moves in rounds of point-to-point messages of at most chunk_limit
 * elements each (the same decision on every rank), so an exchange of more
 * than 2^31 elements works.  Tests force the second path with a small limit. */
#include "sort_internal.h"

static pas_status elem_type(size_t es, MPI_Datatype *t)
{
    if (pas_watch_fault("exchange-type") ||
        MPI_Type_contiguous((int)es, MPI_BYTE, t) != MPI_SUCCESS ||
        MPI_Type_commit(t) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    return PAS_OK;
}

/* count elements to or from peer, in pieces of at most limit elements and
 * INT_MAX bytes (send: 1 sends buf, 0 receives into it).  Bytes, no derived
 * type: nothing can fail on one side before the first message matches. */
static pas_status p2p_chunked(MPI_Comm comm, int send, void *buf, size_t count, size_t es, int peer,
                              int tag, size_t limit)
{
    pas_status rc = PAS_OK;
    limit = sort_limit(limit);
    if (limit > INT_MAX / es)
        limit = INT_MAX / es;
    for (size_t off = 0; rc == PAS_OK && off < count; off += limit) {
        int c = (int)((count - off < limit ? count - off : limit) * es);
        char *at = (char *)buf + off * es;
        int mpi =
            send ? PAS_WATCHED("MPI_Send", peer, tag, MPI_Send(at, c, MPI_BYTE, peer, tag, comm))
                 : PAS_WATCHED("MPI_Recv", peer, tag,
                               MPI_Recv(at, c, MPI_BYTE, peer, tag, comm, MPI_STATUS_IGNORE));
        if (mpi != MPI_SUCCESS)
            rc = PAS_ERR_MPI;
    }
    return rc;
}

pas_status pas_sort_send_chunked(MPI_Comm comm, const void *buf, size_t count, size_t es, int dest,
                                 int tag, size_t limit)
{
    return p2p_chunked(comm, 1, (void *)buf, count, es, dest, tag, limit);
}

pas_status pas_sort_recv_chunked(MPI_Comm comm, void *buf, size_t count, size_t es, int src,
                                 int tag, size_t limit)
{
    return p2p_chunked(comm, 0, buf, count, es, src, tag, limit);
}

/* Rounds of at most `limit` elements per peer message. */
static pas_status exchange_rounds(MPI_Comm comm, int p, int me, size_t es, const char *send,
                                  const uint64_t *sc, const uint64_t *sd, char *recv,
                                  const uint64_t *rc_, const uint64_t *rd, size_t limit,
                                  MPI_Datatype t)
{
    uint64_t most = 0, rounds = 0;
    for (int r = 0; r < p; r++) {
        if (r == me)
            continue;
        most = sc[r] > most ? sc[r] : most;
        most = rc_[r] > most ? rc_[r] : most;
    }
    uint64_t mine = (most + limit - 1) / limit;
    if (PAS_WATCHED("MPI_Allreduce", -1, 0,
                    MPI_Allreduce(&mine, &rounds, 1, MPI_UINT64_T, MPI_MAX, comm)) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    memcpy(recv + rd[me] * es, send + sd[me] * es, sc[me] * es);
    MPI_Request *req = malloc(sizeof(MPI_Request) * 2 * (size_t)p);
    if (!req)
        return PAS_ERR_NOMEM;
    pas_status rc = PAS_OK;
    for (uint64_t k = 0; k < rounds && rc == PAS_OK; k++) {
        int nr = 0;
        uint64_t off = k * limit;
        for (int r = 0; r < p; r++) {
            if (r == me || rc_[r] <= off)
                continue;
            uint64_t c = rc_[r] - off < limit ? rc_[r] - off : limit;
            if (MPI_Irecv(recv + (rd[r] + off) * es, (int)c, t, r, SORT_TAG_EXCHANGE, comm,
                          &req[nr++]) != MPI_SUCCESS)
                rc = PAS_ERR_MPI;
        }
        for (int r = 0; r < p; r++) {
            if (r == me || sc[r] <= off)
                continue;
            uint64_t c = sc[r] - off < limit ? sc[r] - off : limit;
            if (MPI_Isend(send + (sd[r] + off) * es, (int)c, t, r, SORT_TAG_EXCHANGE, comm,
                          &req[nr++]) != MPI_SUCCESS)
                rc = PAS_ERR_MPI;
        }
        if (PAS_WATCHED("MPI_Waitall", -1, SORT_TAG_EXCHANGE,
                        MPI_Waitall(nr, req, MPI_STATUSES_IGNORE)) != MPI_SUCCESS)
            rc = PAS_ERR_MPI;
    }
    free(req);
    return rc;
}

/* One rank: its own part is the whole exchange. */
static pas_status exchange_self(size_t es, const void *send, const uint64_t *scounts, void **recv,
                                size_t *nrecv, uint64_t *rcounts)
{
    char *out = pas_sort_alloc(scounts[0], es);
    if (!out)
        return PAS_ERR_NOMEM;
    pas_sort_copy(out, send, scounts[0] * es);
    if (rcounts)
        rcounts[0] = scounts[0];
    *recv = out;
    *nrecv = scounts[0];
    return PAS_OK;
}

pas_status pas_sort_exchange(MPI_Comm comm, size_t elem_size, const void *send,
                             const uint64_t *scounts, size_t chunk_limit, void **recv,
                             size_t *nrecv, uint64_t *rcounts, uint64_t *bytes_sent)
{
    int p, me;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    pas_status rc = pas_watch_phase("exchange");
    if (p == 1)
        return pas_agree(comm,
                         rc ? rc : exchange_self(elem_size, send, scounts, recv, nrecv, rcounts));
    size_t limit = sort_limit(chunk_limit);
    uint64_t *rc_ = malloc(sizeof(uint64_t) * 4 * (size_t)p);
    int *ib = malloc(sizeof(int) * 4 * (size_t)p);
    char *out = NULL;
    MPI_Datatype t = MPI_DATATYPE_NULL;
    uint64_t st = 0, rt = 0, sent = 0;
    if (rc == PAS_OK && (!rc_ || !ib))
        rc = PAS_ERR_NOMEM;
    if ((rc = pas_agree(comm, rc)) != PAS_OK)
        goto done;
    uint64_t *sd = rc_ + p, *rd = rc_ + 2 * p;
    /* a local error of the counts' exchange is agreed with the flags below */
    int e = PAS_WATCHED("MPI_Alltoall", -1, 0,
                        MPI_Alltoall(scounts, 1, MPI_UINT64_T, rc_, 1, MPI_UINT64_T, comm)) !=
            MPI_SUCCESS;
    if (e)
        memset(rc_, 0, sizeof(uint64_t) * (size_t)p);
    for (int r = 0; r < p; r++) {
        sd[r] = st;
        rd[r] = rt;
        st += scounts[r];
        rt += rc_[r];
        if (r != me)
            sent += scounts[r] * elem_size;
    }
    /* one path for all ranks: small enough for a single MPI_Alltoallv?
     * (the same allreduce agrees on the receive buffer) */
    out = e ? NULL : pas_sort_alloc(rt, elem_size);
    pas_status trc = elem_type(elem_size, &t); /* its failure is agreed with the flags */
    int flags[3] = {st > limit || rt > limit, !out && !e, e || trc}, any[3] = {0, 0, 0};
    if (PAS_WATCHED("MPI_Allreduce", -1, 0, MPI_Allreduce(flags, any, 3, MPI_INT, MPI_MAX, comm)) !=
        MPI_SUCCESS) {
        rc = PAS_ERR_MPI;
        goto agree;
    }
    if (any[1] || any[2]) { /* agreed: every rank saw the flags */
        rc = e ? PAS_ERR_MPI : !out ? PAS_ERR_NOMEM : trc ? trc : PAS_ERR_REMOTE;
        goto done;
    }
    if (!any[0]) {
        for (int r = 0; r < p; r++) {
            ib[r] = (int)scounts[r];
            ib[p + r] = (int)sd[r];
            ib[2 * p + r] = (int)rc_[r];
            ib[3 * p + r] = (int)rd[r];
        }
        if (PAS_WATCHED("MPI_Alltoallv", -1, 0,
                        MPI_Alltoallv(send, ib, ib + p, t, out, ib + 2 * p, ib + 3 * p, t, comm)) !=
            MPI_SUCCESS)
            rc = PAS_ERR_MPI;
    } else {
        rc = exchange_rounds(comm, p, me, elem_size, send, scounts, sd, out, rc_, rd, limit, t);
    }
agree:
    rc = pas_agree(comm, rc);
    if (rc == PAS_OK) {
        if (rcounts)
            memcpy(rcounts, rc_, sizeof(uint64_t) * (size_t)p);
        if (bytes_sent)
            *bytes_sent += sent;
        *recv = out;
        *nrecv = rt;
        out = NULL;
    }
done:
    if (t != MPI_DATATYPE_NULL)
        MPI_Type_free(&t);
    free(out);
    free(ib);
    free(rc_);
    return rc;
}
