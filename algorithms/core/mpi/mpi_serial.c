/* mpi_serial.c - the single-rank MPI behind make MPI=0; see mpi_serial.h. */
#define _GNU_SOURCE
#include "mpi_serial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- datatypes -------------------------------------------------------------
 * A type is `size` bytes of data spread over `extent` bytes.  Every type pas
 * builds is contiguous (no runs: the predefined ones and MPI_Type_contiguous
 * of them), except the 2-D subarray of a matrix file's view, which lists its
 * rows as runs of bytes.  Collectives and memory buffers take contiguous
 * types only; anything else is refused with one line. */
typedef struct {
    size_t off, len;
} run_t;

struct pas_serial_type {
    size_t size, extent;
    int nruns; /* 0: contiguous */
    run_t *runs;
    int predefined;
};

#define PREDEF(name, ctype) struct pas_serial_type name = {sizeof(ctype), sizeof(ctype), 0, NULL, 1}
PREDEF(pas_serial_byte, unsigned char);
PREDEF(pas_serial_char, char);
PREDEF(pas_serial_int, int);
PREDEF(pas_serial_long, long);
PREDEF(pas_serial_float, float);
PREDEF(pas_serial_double, double);
PREDEF(pas_serial_uint64, uint64_t);

static int next_comm = 3;

static int fail(const char *what, int code)
{
    fprintf(stderr, "pas (serial MPI): %s\n", what);
    return code;
}

/* One allocation: the type, then its runs. */
static int type_new(size_t size, size_t extent, int nruns, MPI_Datatype *out)
{
    struct pas_serial_type *t = calloc(1, sizeof *t + (size_t)nruns * sizeof(run_t));
    if (!t)
        return MPI_ERR_OTHER;
    *t = (struct pas_serial_type){size, extent, nruns, (run_t *)(t + 1), 0};
    *out = t;
    return MPI_SUCCESS;
}

int MPI_Type_contiguous(int count, MPI_Datatype old, MPI_Datatype *newtype)
{
    if (count < 0 || old->nruns)
        return fail("MPI_Type_contiguous: a count < 0 or a non-contiguous old type", MPI_ERR_ARG);
    return type_new((size_t)count * old->size, (size_t)count * old->size, 0, newtype);
}

/* 2-D only (a matrix block), of a contiguous old type. */
int MPI_Type_create_subarray(int ndims, const int sizes[], const int subsizes[], const int starts[],
                             int order, MPI_Datatype old, MPI_Datatype *newtype)
{
    int f = order == MPI_ORDER_C ? 1 : 0, s = 1 - f; /* the fast and the slow dimension */
    if (ndims != 2 || old->nruns)
        return fail("MPI_Type_create_subarray: 2-D of a contiguous type only", MPI_ERR_ARG);
    for (int d = 0; d < 2; d++)
        if (subsizes[d] < 0 || starts[d] < 0 || starts[d] + subsizes[d] > sizes[d])
            return MPI_ERR_ARG;
    size_t es = old->size, row = (size_t)subsizes[f] * es;
    int nruns = row ? subsizes[s] : 0;
    int rc = type_new(row * (size_t)subsizes[s], (size_t)sizes[0] * (size_t)sizes[1] * es, nruns,
                      newtype);
    for (int i = 0; rc == MPI_SUCCESS && i < nruns; i++)
        (*newtype)->runs[i] =
            (run_t){((size_t)(starts[s] + i) * (size_t)sizes[f] + (size_t)starts[f]) * es, row};
    return rc;
}

int MPI_Type_commit(MPI_Datatype *type)
{
    return *type ? MPI_SUCCESS : MPI_ERR_TYPE;
}

int MPI_Type_free(MPI_Datatype *type)
{
    if (*type && !(*type)->predefined)
        free(*type);
    *type = MPI_DATATYPE_NULL;
    return MPI_SUCCESS;
}

int MPI_Get_count(const MPI_Status *status, MPI_Datatype type, int *count)
{
    if (type->size == 0)
        *count = 0;
    else if (status->pas_bytes % type->size)
        *count = MPI_UNDEFINED;
    else
        *count = (int)(status->pas_bytes / type->size);
    return MPI_SUCCESS;
}

/* A collective on one rank: copy scount x stype from src into rcount x rtype
 * at dst; the receive side must be large enough, as in MPI. */
static int copy_typed(const void *src, size_t scount, MPI_Datatype stype, void *dst, size_t rcount,
                      MPI_Datatype rtype)
{
    size_t bytes = scount * stype->size;
    if (stype->nruns || rtype->nruns)
        return fail("a collective with a non-contiguous datatype (pas sends none)", MPI_ERR_TYPE);
    if (bytes > rcount * rtype->size)
        return fail("message truncated: receive buffer smaller than the data sent",
                    MPI_ERR_TRUNCATE);
    if (bytes && src != dst)
        memmove(dst, src, bytes);
    return MPI_SUCCESS;
}

/* ---- environment ------------------------------------------------------- */

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    (void)argc;
    (void)argv;
    (void)required;
    *provided = MPI_THREAD_FUNNELED;
    return MPI_SUCCESS;
}

int MPI_Finalize(void)
{
    return MPI_SUCCESS;
}

int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler)
{
    (void)comm;
    (void)errhandler;
    return MPI_SUCCESS;
}

double MPI_Wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- communicators ----------------------------------------------------- */

static int check_comm(MPI_Comm comm)
{
    return comm > 0 ? MPI_SUCCESS : MPI_ERR_COMM;
}

int MPI_Comm_rank(MPI_Comm comm, int *rank)
{
    *rank = 0;
    return check_comm(comm);
}

int MPI_Comm_size(MPI_Comm comm, int *size)
{
    *size = 1;
    return check_comm(comm);
}

int MPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm)
{
    *newcomm = next_comm++;
    return check_comm(comm);
}

int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm)
{
    (void)key;
    *newcomm = color == MPI_UNDEFINED ? MPI_COMM_NULL : next_comm++;
    return check_comm(comm);
}

int MPI_Comm_split_type(MPI_Comm comm, int type, int key, MPI_Info info, MPI_Comm *newcomm)
{
    (void)info;
    return MPI_Comm_split(comm, type == MPI_UNDEFINED ? MPI_UNDEFINED : 0, key, newcomm);
}

int MPI_Comm_free(MPI_Comm *comm)
{
    int rc = check_comm(*comm);
    *comm = MPI_COMM_NULL;
    return rc;
}

/* ---- collectives: one rank, so each is a copy ---------------------------- */

int MPI_Barrier(MPI_Comm comm)
{
    return check_comm(comm);
}

int MPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm)
{
    (void)buf;
    (void)count;
    (void)type;
    return root == 0 ? check_comm(comm) : MPI_ERR_ROOT;
}

int MPI_Reduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype type, MPI_Op op,
               int root, MPI_Comm comm)
{
    (void)op;
    if (root != 0)
        return MPI_ERR_ROOT;
    if (sendbuf == MPI_IN_PLACE)
        return check_comm(comm);
    return copy_typed(sendbuf, (size_t)count, type, recvbuf, (size_t)count, type);
}

int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm)
{
    return MPI_Reduce(sendbuf, recvbuf, count, type, op, 0, comm);
}

int MPI_Exscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype type, MPI_Op op,
               MPI_Comm comm)
{
    /* Rank 0's result is undefined in MPI: leave it untouched. */
    (void)sendbuf;
    (void)recvbuf;
    (void)count;
    (void)type;
    (void)op;
    return check_comm(comm);
}

int MPI_Gather(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf, int rcount,
               MPI_Datatype rtype, int root, MPI_Comm comm)
{
    if (root != 0)
        return MPI_ERR_ROOT;
    if (sendbuf == MPI_IN_PLACE)
        return check_comm(comm);
    return copy_typed(sendbuf, (size_t)scount, stype, recvbuf, (size_t)rcount, rtype);
}

static void *at_disp(void *buf, int disp, MPI_Datatype t)
{
    return (char *)buf + (MPI_Aint)disp * t->extent;
}

int MPI_Gatherv(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf,
                const int rcounts[], const int displs[], MPI_Datatype rtype, int root,
                MPI_Comm comm)
{
    if (root != 0)
        return MPI_ERR_ROOT;
    if (sendbuf == MPI_IN_PLACE)
        return check_comm(comm);
    return copy_typed(sendbuf, (size_t)scount, stype, at_disp(recvbuf, displs[0], rtype),
                      (size_t)rcounts[0], rtype);
}

int MPI_Allgather(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf, int rcount,
                  MPI_Datatype rtype, MPI_Comm comm)
{
    return MPI_Gather(sendbuf, scount, stype, recvbuf, rcount, rtype, 0, comm);
}

int MPI_Allgatherv(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf,
                   const int rcounts[], const int displs[], MPI_Datatype rtype, MPI_Comm comm)
{
    return MPI_Gatherv(sendbuf, scount, stype, recvbuf, rcounts, displs, rtype, 0, comm);
}

int MPI_Scatterv(const void *sendbuf, const int scounts[], const int displs[], MPI_Datatype stype,
                 void *recvbuf, int rcount, MPI_Datatype rtype, int root, MPI_Comm comm)
{
    if (root != 0)
        return MPI_ERR_ROOT;
    if (recvbuf == MPI_IN_PLACE)
        return check_comm(comm);
    return copy_typed(at_disp((void *)sendbuf, displs[0], stype), (size_t)scounts[0], stype,
                      recvbuf, (size_t)rcount, rtype);
}

int MPI_Alltoall(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf, int rcount,
                 MPI_Datatype rtype, MPI_Comm comm)
{
    if (sendbuf == MPI_IN_PLACE)
        return check_comm(comm);
    return copy_typed(sendbuf, (size_t)scount, stype, recvbuf, (size_t)rcount, rtype);
}

int MPI_Alltoallv(const void *sendbuf, const int scounts[], const int sdispls[], MPI_Datatype stype,
                  void *recvbuf, const int rcounts[], const int rdispls[], MPI_Datatype rtype,
                  MPI_Comm comm)
{
    if (sendbuf == MPI_IN_PLACE)
        return check_comm(comm);
    return copy_typed(at_disp((void *)sendbuf, sdispls[0], stype), (size_t)scounts[0], stype,
                      at_disp(recvbuf, rdispls[0], rtype), (size_t)rcounts[0], rtype);
}

/* ---- point to point: there is no other rank ------------------------------ */

/* A request is either MPI_REQUEST_NULL or this one: an MPI_Ibarrier, which
 * completes at once on one rank. */
struct pas_serial_req {
    int unused;
};
static struct pas_serial_req ibarrier_done;

static void empty_status(MPI_Status *st)
{
    if (st)
        *st = (MPI_Status){MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_SUCCESS, 0};
}

/* Every algorithm short-circuits p == 1, so a message here is a bug in pas:
 * say so and stop rather than match it against ourselves. */
static _Noreturn void refuse(const char *fn)
{
    fprintf(stderr,
            "pas (serial MPI): %s: the one-rank build sends no messages; "
            "a p == 1 path is missing its short-circuit\n",
            fn);
    abort();
}

int MPI_Ibarrier(MPI_Comm comm, MPI_Request *req)
{
    *req = &ibarrier_done;
    return check_comm(comm);
}

int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    (void)buf, (void)count, (void)type, (void)dest, (void)tag, (void)comm;
    refuse("MPI_Send");
}

int MPI_Isend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
              MPI_Request *req)
{
    (void)buf, (void)count, (void)type, (void)dest, (void)tag, (void)comm, (void)req;
    refuse("MPI_Isend");
}

int MPI_Recv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
             MPI_Status *status)
{
    (void)buf, (void)count, (void)type, (void)source, (void)tag, (void)comm, (void)status;
    refuse("MPI_Recv");
}

int MPI_Irecv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              MPI_Request *req)
{
    (void)buf, (void)count, (void)type, (void)source, (void)tag, (void)comm, (void)req;
    refuse("MPI_Irecv");
}

int MPI_Sendrecv(const void *sendbuf, int scount, MPI_Datatype stype, int dest, int stag,
                 void *recvbuf, int rcount, MPI_Datatype rtype, int source, int rtag, MPI_Comm comm,
                 MPI_Status *status)
{
    (void)sendbuf, (void)scount, (void)stype, (void)dest, (void)stag, (void)recvbuf;
    (void)rcount, (void)rtype, (void)source, (void)rtag, (void)comm, (void)status;
    refuse("MPI_Sendrecv");
}

int MPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status *status)
{
    (void)source, (void)tag, (void)comm, (void)status;
    refuse("MPI_Probe");
}

/* Nothing is ever sent, so a probe finds nothing. */
int MPI_Iprobe(int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status)
{
    (void)source, (void)tag;
    *flag = 0;
    empty_status(status);
    return check_comm(comm);
}

/* The only requests are null or a finished MPI_Ibarrier: all complete now. */
int MPI_Wait(MPI_Request *req, MPI_Status *status)
{
    *req = MPI_REQUEST_NULL;
    empty_status(status);
    return MPI_SUCCESS;
}

int MPI_Test(MPI_Request *req, int *flag, MPI_Status *status)
{
    *flag = 1;
    return MPI_Wait(req, status);
}

int MPI_Waitall(int count, MPI_Request reqs[], MPI_Status statuses[])
{
    for (int i = 0; i < count; i++)
        MPI_Wait(&reqs[i], statuses ? &statuses[i] : MPI_STATUS_IGNORE);
    return MPI_SUCCESS;
}

int MPI_Testall(int count, MPI_Request reqs[], int *flag, MPI_Status statuses[])
{
    *flag = 1;
    return MPI_Waitall(count, reqs, statuses);
}

int MPI_Testany(int count, MPI_Request reqs[], int *index, int *flag, MPI_Status *status)
{
    *index = MPI_UNDEFINED;
    *flag = 1;
    for (int i = 0; i < count; i++)
        if (reqs[i] != MPI_REQUEST_NULL) {
            *index = i;
            return MPI_Wait(&reqs[i], status);
        }
    empty_status(status);
    return MPI_SUCCESS;
}

int MPI_Waitany(int count, MPI_Request reqs[], int *index, MPI_Status *status)
{
    int flag;
    return MPI_Testany(count, reqs, index, &flag, status);
}

/* A finished request cannot be cancelled: nothing to do. */
int MPI_Cancel(MPI_Request *req)
{
    (void)req;
    return MPI_SUCCESS;
}

/* ---- MPI-IO reads over pread ------------------------------------------  */

struct pas_serial_file {
    int fd;
    MPI_Offset disp;
    size_t etype_size; /* the etype itself may be freed after MPI_File_set_view */
    MPI_Datatype filetype;
};

int MPI_File_open(MPI_Comm comm, const char *filename, int amode, MPI_Info info, MPI_File *fh)
{
    (void)info;
    if (amode != MPI_MODE_RDONLY) /* pas reads through MPI-IO and writes with POSIX */
        return MPI_ERR_UNSUPPORTED_OPERATION;
    if (check_comm(comm))
        return MPI_ERR_COMM;
    int fd = open(filename, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT   ? MPI_ERR_NO_SUCH_FILE
               : errno == EACCES ? MPI_ERR_ACCESS
                                 : MPI_ERR_FILE;
    struct pas_serial_file *f = calloc(1, sizeof *f);
    if (!f) {
        close(fd);
        return MPI_ERR_OTHER;
    }
    f->fd = fd;
    f->etype_size = 1;
    f->filetype = MPI_BYTE;
    *fh = f;
    return MPI_SUCCESS;
}

int MPI_File_close(MPI_File *fh)
{
    MPI_File f = *fh;
    if (!f)
        return MPI_ERR_FILE;
    int rc = close(f->fd) == 0 ? MPI_SUCCESS : MPI_ERR_IO;
    MPI_Type_free(&f->filetype);
    free(f);
    *fh = MPI_FILE_NULL;
    return rc;
}

int MPI_File_get_size(MPI_File fh, MPI_Offset *size)
{
    struct stat st;
    if (!fh || fstat(fh->fd, &st) != 0)
        return MPI_ERR_FILE;
    *size = (MPI_Offset)st.st_size;
    return MPI_SUCCESS;
}

int MPI_File_set_view(MPI_File fh, MPI_Offset disp, MPI_Datatype etype, MPI_Datatype filetype,
                      const char *datarep, MPI_Info info)
{
    (void)info;
    if (!fh)
        return MPI_ERR_FILE;
    if (datarep && strcmp(datarep, "native") != 0)
        return MPI_ERR_UNSUPPORTED_OPERATION;
    MPI_Type_free(&fh->filetype);
    fh->disp = disp;
    fh->etype_size = etype->size;
    fh->filetype = filetype;
    if (filetype->predefined)
        return MPI_SUCCESS;
    /* keep our own copy: the caller may free theirs */
    int rc = type_new(filetype->size, filetype->extent, filetype->nruns, &fh->filetype);
    if (rc == MPI_SUCCESS)
        memcpy(fh->filetype->runs, filetype->runs, (size_t)filetype->nruns * sizeof(run_t));
    return rc;
}

/* Move len bytes; *done counts what moved (a read stops at end of file). */
static int full_read(int fd, char *buf, size_t len, off_t at, size_t *done)
{
    while (len > 0) {
        ssize_t k = pread(fd, buf, len, at);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return MPI_ERR_IO;
        if (k == 0) /* end of file: MPI reports only what exists */
            return MPI_SUCCESS;
        buf += k;
        len -= (size_t)k;
        at += k;
        *done += (size_t)k;
    }
    return MPI_SUCCESS;
}

/* Read `bytes` of view data starting at view byte `pos` into data; *moved is
 * the number of bytes read before end of file. */
static int view_read(MPI_File fh, size_t pos, char *data, size_t bytes, size_t *moved)
{
    MPI_Datatype ft = fh->filetype;
    *moved = 0;
    if (ft->size == 0)
        return bytes ? MPI_ERR_ARG : MPI_SUCCESS;
    while (bytes > 0) {
        size_t tile = pos / ft->size, in = pos % ft->size;
        for (int s = 0; s < (ft->nruns ? ft->nruns : 1) && bytes > 0; s++) {
            run_t sp = ft->nruns ? ft->runs[s] : (run_t){0, ft->size};
            if (in >= sp.len) {
                in -= sp.len;
                continue;
            }
            size_t len = sp.len - in < bytes ? sp.len - in : bytes;
            off_t at = (off_t)(fh->disp + (MPI_Offset)(tile * ft->extent + sp.off + in));
            size_t got = 0;
            int rc = full_read(fh->fd, data, len, at, &got);
            *moved += got;
            if (rc || got < len)
                return rc; /* error, or end of file on a read */
            data += len;
            bytes -= len;
            pos += len;
            in = 0;
        }
    }
    return MPI_SUCCESS;
}

/* Into a contiguous memory buffer (pas reads into no other). */
static int file_xfer(MPI_File fh, MPI_Offset offset, void *buf, int count, MPI_Datatype type,
                     MPI_Status *status)
{
    if (!fh)
        return MPI_ERR_FILE;
    if (type->nruns)
        return fail("an MPI-IO read into a non-contiguous datatype (pas reads none)", MPI_ERR_TYPE);
    size_t moved = 0;
    int rc =
        view_read(fh, (size_t)offset * fh->etype_size, buf, (size_t)count * type->size, &moved);
    if (status)
        *status = (MPI_Status){0, 0, MPI_SUCCESS, moved};
    return rc;
}

int MPI_File_read_at(MPI_File fh, MPI_Offset offset, void *buf, int count, MPI_Datatype type,
                     MPI_Status *status)
{
    return file_xfer(fh, offset, buf, count, type, status);
}

int MPI_File_read_at_all(MPI_File fh, MPI_Offset offset, void *buf, int count, MPI_Datatype type,
                         MPI_Status *status)
{
    return file_xfer(fh, offset, buf, count, type, status);
}

int MPI_File_set_errhandler(MPI_File fh, MPI_Errhandler errhandler)
{
    (void)fh;
    (void)errhandler;
    return MPI_SUCCESS;
}
