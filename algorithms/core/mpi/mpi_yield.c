/* mpi_yield.c - yield the core while waiting for MPI, when ranks outnumber
 * cores (MPICH builds only).
 *
 * Open MPI yields when idle as soon as a node is oversubscribed.  MPICH 4.0's
 * ch4 device (Debian's mpich) busy-polls in every blocking call and has no
 * setting that makes it yield (MPIR_CVAR_POLLS_BEFORE_YIELD is ch3's;
 * MPIR_CVAR_CH4_PROGRESS_THROTTLE came in later releases): a rank waiting for
 * a rank that has no core then burns its whole time slice: `pas-sort --algo
 * all --dist all --n 20K` on 4 ranks over 2 cores took 65-72 s, 14-22 s with
 * this layer, 4-7 s with Open MPI (a machine shared with other jobs).
 *
 * Through the MPI profiling interface, the blocking calls pas makes are
 * defined here as their nonblocking twin followed by MPI_Test and
 * sched_yield() until done, when pas_mpi_yield_set(1) was called; otherwise
 * they are the plain PMPI call.  The switch must be the same on every rank
 * (a blocking collective does not match a nonblocking one), so
 * pas_machine_detect agrees on it over the job before any call here.
 *
 * Not part of libpas.a: the top Makefile links this object into every
 * program and test (before libpas.a), so that it interposes on the MPI
 * library there while libpas.a exports only pas_ names.  The switch itself
 * (pas_mpi_yield_set/get) lives in libpas (machine.c).
 */
#define _GNU_SOURCE
#include <sched.h>

#include "pas_core.h"

#ifdef PAS_MPI_YIELD

static int finish(int rc, MPI_Request *req, MPI_Status *st)
{
    int done = 0;
    while (rc == MPI_SUCCESS && (rc = PMPI_Test(req, &done, st)) == MPI_SUCCESS && !done)
        sched_yield();
    return rc;
}

int MPI_Wait(MPI_Request *req, MPI_Status *st)
{
    return pas_mpi_yield_get() ? finish(MPI_SUCCESS, req, st) : PMPI_Wait(req, st);
}

int MPI_Waitall(int n, MPI_Request reqs[], MPI_Status sts[])
{
    if (!pas_mpi_yield_get())
        return PMPI_Waitall(n, reqs, sts);
    int done = 0, rc;
    while ((rc = PMPI_Testall(n, reqs, &done, sts)) == MPI_SUCCESS && !done)
        sched_yield();
    return rc;
}

int MPI_Waitany(int n, MPI_Request reqs[], int *index, MPI_Status *st)
{
    if (!pas_mpi_yield_get())
        return PMPI_Waitany(n, reqs, index, st);
    int done = 0, rc;
    while ((rc = PMPI_Testany(n, reqs, index, &done, st)) == MPI_SUCCESS && !done)
        sched_yield();
    return rc;
}

int MPI_Recv(void *buf, int count, MPI_Datatype type, int src, int tag, MPI_Comm comm,
             MPI_Status *st)
{
    if (!pas_mpi_yield_get())
        return PMPI_Recv(buf, count, type, src, tag, comm, st);
    MPI_Request r;
    return finish(PMPI_Irecv(buf, count, type, src, tag, comm, &r), &r, st);
}

int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    if (!pas_mpi_yield_get())
        return PMPI_Send(buf, count, type, dest, tag, comm);
    MPI_Request r;
    return finish(PMPI_Isend(buf, count, type, dest, tag, comm, &r), &r, MPI_STATUS_IGNORE);
}

int MPI_Ssend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    if (!pas_mpi_yield_get())
        return PMPI_Ssend(buf, count, type, dest, tag, comm);
    MPI_Request r;
    return finish(PMPI_Issend(buf, count, type, dest, tag, comm, &r), &r, MPI_STATUS_IGNORE);
}

int MPI_Sendrecv(const void *sbuf, int scount, MPI_Datatype stype, int dest, int stag, void *rbuf,
                 int rcount, MPI_Datatype rtype, int src, int rtag, MPI_Comm comm, MPI_Status *st)
{
    if (!pas_mpi_yield_get())
        return PMPI_Sendrecv(sbuf, scount, stype, dest, stag, rbuf, rcount, rtype, src, rtag, comm,
                             st);
    MPI_Request r[2];
    MPI_Status s[2];
    int rc = PMPI_Irecv(rbuf, rcount, rtype, src, rtag, comm, &r[0]);
    if (rc != MPI_SUCCESS)
        return rc;
    rc = PMPI_Isend(sbuf, scount, stype, dest, stag, comm, &r[1]);
    if (rc != MPI_SUCCESS) {
        PMPI_Cancel(&r[0]);
        PMPI_Request_free(&r[0]);
        return rc;
    }
    rc = MPI_Waitall(2, r, s);
    if (rc == MPI_SUCCESS && st != MPI_STATUS_IGNORE)
        *st = s[0];
    return rc;
}

/* Collectives: the nonblocking twin, then a yielding wait. */
#define YIELDING(blocking, nonblocking)                                                            \
    do {                                                                                           \
        if (!pas_mpi_yield_get())                                                                  \
            return blocking;                                                                       \
        MPI_Request r_;                                                                            \
        return finish(nonblocking, &r_, MPI_STATUS_IGNORE);                                        \
    } while (0)

int MPI_Barrier(MPI_Comm comm)
{
    YIELDING(PMPI_Barrier(comm), PMPI_Ibarrier(comm, &r_));
}

int MPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm)
{
    YIELDING(PMPI_Bcast(buf, count, type, root, comm),
             PMPI_Ibcast(buf, count, type, root, comm, &r_));
}

int MPI_Allreduce(const void *s, void *r, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    YIELDING(PMPI_Allreduce(s, r, count, type, op, comm),
             PMPI_Iallreduce(s, r, count, type, op, comm, &r_));
}

int MPI_Reduce(const void *s, void *r, int count, MPI_Datatype type, MPI_Op op, int root,
               MPI_Comm comm)
{
    YIELDING(PMPI_Reduce(s, r, count, type, op, root, comm),
             PMPI_Ireduce(s, r, count, type, op, root, comm, &r_));
}

int MPI_Exscan(const void *s, void *r, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    YIELDING(PMPI_Exscan(s, r, count, type, op, comm),
             PMPI_Iexscan(s, r, count, type, op, comm, &r_));
}

int MPI_Allgather(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt,
                  MPI_Comm comm)
{
    YIELDING(PMPI_Allgather(s, sc, st, r, rc, rt, comm),
             PMPI_Iallgather(s, sc, st, r, rc, rt, comm, &r_));
}

int MPI_Allgatherv(const void *s, int sc, MPI_Datatype st, void *r, const int rc[], const int rd[],
                   MPI_Datatype rt, MPI_Comm comm)
{
    YIELDING(PMPI_Allgatherv(s, sc, st, r, rc, rd, rt, comm),
             PMPI_Iallgatherv(s, sc, st, r, rc, rd, rt, comm, &r_));
}

int MPI_Gather(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, int root,
               MPI_Comm comm)
{
    YIELDING(PMPI_Gather(s, sc, st, r, rc, rt, root, comm),
             PMPI_Igather(s, sc, st, r, rc, rt, root, comm, &r_));
}

int MPI_Gatherv(const void *s, int sc, MPI_Datatype st, void *r, const int rc[], const int rd[],
                MPI_Datatype rt, int root, MPI_Comm comm)
{
    YIELDING(PMPI_Gatherv(s, sc, st, r, rc, rd, rt, root, comm),
             PMPI_Igatherv(s, sc, st, r, rc, rd, rt, root, comm, &r_));
}

int MPI_Scatter(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, int root,
                MPI_Comm comm)
{
    YIELDING(PMPI_Scatter(s, sc, st, r, rc, rt, root, comm),
             PMPI_Iscatter(s, sc, st, r, rc, rt, root, comm, &r_));
}

int MPI_Scatterv(const void *s, const int sc[], const int sd[], MPI_Datatype st, void *r, int rc,
                 MPI_Datatype rt, int root, MPI_Comm comm)
{
    YIELDING(PMPI_Scatterv(s, sc, sd, st, r, rc, rt, root, comm),
             PMPI_Iscatterv(s, sc, sd, st, r, rc, rt, root, comm, &r_));
}

int MPI_Alltoall(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt,
                 MPI_Comm comm)
{
    YIELDING(PMPI_Alltoall(s, sc, st, r, rc, rt, comm),
             PMPI_Ialltoall(s, sc, st, r, rc, rt, comm, &r_));
}

int MPI_Alltoallv(const void *s, const int sc[], const int sd[], MPI_Datatype st, void *r,
                  const int rc[], const int rd[], MPI_Datatype rt, MPI_Comm comm)
{
    YIELDING(PMPI_Alltoallv(s, sc, sd, st, r, rc, rd, rt, comm),
             PMPI_Ialltoallv(s, sc, sd, st, r, rc, rd, rt, comm, &r_));
}

#endif /* else the MPI yields by itself (Open MPI) or there is none: nothing here */
