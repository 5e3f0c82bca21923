/* broadcast.c - SUMMA's panel broadcast: a binomial tree over point-to-point
 * messages that pas advances itself, instead of MPI_Ibcast.
 *
 * Why not MPI_Ibcast: its algorithm is the MPI's choice and, without an
 * asynchronous progress thread, a tree MPI_Ibcast moves only while the rank
 * is inside MPI.  SimGrid's MPI_Ibcast is a flat tree (the root sends q - 1
 * copies on its own link), which at 1024 simulated ranks (32 x 32, 207 KB
 * panels) left SUMMA waiting for most of its run.  Here every rank forwards
 * a panel to its children as soon as it sees it arrive: at every poll
 * (between column chunks of the multiply) and whenever it waits.  A panel
 * crosses ceil(log2 q) hops and no link carries more than ceil(log2 q)
 * copies of it. */
#include "matmul_internal.h"

/* The binomial tree over relative ranks v = (rank - root) mod q: the parent
 * of v clears its lowest set bit; the children are v + 2^j for each 2^j
 * below that bit (below q for the root), largest subtree first. */
static void post_sends(pas_matmul_bcast_t *b)
{
    int low = b->vr ? b->vr & -b->vr : 1 << 30;
    int top = 1;
    while (top < b->size)
        top <<= 1;
    for (int mask = top >> 1; mask >= 1; mask >>= 1) {
        if (mask >= low || b->vr + mask >= b->size)
            continue;
        int child = (b->vr + mask + b->root) % b->size;
        if (MPI_Isend(b->buf, b->count, b->type, child, b->tag, b->comm, &b->req[1 + b->nsend++]))
            b->failed = 1;
    }
}

pas_status pas_matmul_bcast_start(pas_matmul_bcast_t *b, void *buf, int count, MPI_Datatype type,
                                  int root, int tag, MPI_Comm comm)
{
    int rank = 0;
    *b = (pas_matmul_bcast_t){0};
    for (int i = 0; i < PAS_MATMUL_BCAST_REQS; i++)
        b->req[i] = MPI_REQUEST_NULL;
    if (MPI_Comm_size(comm, &b->size) || MPI_Comm_rank(comm, &rank))
        return PAS_ERR_MPI;
    b->buf = buf, b->count = count, b->type = type, b->root = root, b->tag = tag, b->comm = comm;
    b->vr = (rank - root + b->size) % b->size;
    b->received = b->vr == 0;
    if (b->size == 1) /* a one-rank row or column: the root has it, nobody to send to */
        return PAS_OK;
    if (b->received) {
        post_sends(b);
    } else {
        int parent = ((b->vr & (b->vr - 1)) + root) % b->size;
        if (MPI_Irecv(buf, count, type, parent, tag, comm, &b->req[0]))
            b->failed = 1;
    }
    return b->failed ? PAS_ERR_MPI : PAS_OK;
}

/* Forward the panel if it arrived since the last look. */
static void advance(pas_matmul_bcast_t *b)
{
    int flag = 0;
    if (b->received || b->failed)
        return;
    if (MPI_Test(&b->req[0], &flag, MPI_STATUS_IGNORE))
        b->failed = 1;
    else if (flag) {
        b->received = 1;
        post_sends(b);
    }
}

pas_status pas_matmul_bcast_poll(pas_matmul_bcast_t *set, int n)
{
    pas_status rc = PAS_OK;
    for (int i = 0; i < n; i++) {
        advance(&set[i]);
        rc = set[i].failed ? PAS_ERR_MPI : rc;
    }
    return rc;
}

/* Block until every broadcast in set[0, need) has its data here and, with
 * sends_too, has also finished sending it on; the others in set[need, n)
 * are advanced meanwhile (their panels forwarded as they arrive). */
static int done(const pas_matmul_bcast_t *b, int sends_too)
{
    if (!b->received)
        return 0;
    for (int i = 1; sends_too && i <= b->nsend; i++)
        if (b->req[i] != MPI_REQUEST_NULL)
            return 0;
    return 1;
}

pas_status pas_matmul_bcast_wait(pas_matmul_bcast_t *set, int n, int need, int sends_too)
{
    MPI_Request all[PAS_MATMUL_BCAST_MAX * PAS_MATMUL_BCAST_REQS];
    int owner[PAS_MATMUL_BCAST_MAX * PAS_MATMUL_BCAST_REQS],
        slot[PAS_MATMUL_BCAST_MAX * PAS_MATMUL_BCAST_REQS];
    if (n > PAS_MATMUL_BCAST_MAX)
        return PAS_ERR_ARG;
    for (;;) {
        pas_status rc = pas_matmul_bcast_poll(set, n);
        int ready = 1;
        if (rc)
            return rc;
        for (int i = 0; i < need; i++)
            ready &= done(&set[i], sends_too);
        if (ready)
            return PAS_OK;
        int m = 0, idx = MPI_UNDEFINED;
        for (int i = 0; i < n; i++)
            for (int r = 0; r < PAS_MATMUL_BCAST_REQS; r++)
                if (set[i].req[r] != MPI_REQUEST_NULL)
                    all[m] = set[i].req[r], owner[m] = i, slot[m++] = r;
        if (m == 0)
            return PAS_ERR_MPI; /* nothing in flight, yet not done: cannot happen */
        if (MPI_Waitany(m, all, &idx, MPI_STATUS_IGNORE))
            return PAS_ERR_MPI;
        if (idx == MPI_UNDEFINED)
            continue;
        pas_matmul_bcast_t *b = &set[owner[idx]];
        b->req[slot[idx]] = MPI_REQUEST_NULL;
        if (slot[idx] == 0 && !b->received) {
            b->received = 1;
            post_sends(b);
        }
    }
}
