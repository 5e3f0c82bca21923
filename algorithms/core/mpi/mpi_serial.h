/* mpi_serial.h - a single-rank MPI for the OpenMP-only build (make MPI=0).
 *
 * Dumb on purpose (LAMMPS's src/STUBS is the model).  Only what pas uses is
 * here (checked with nm -u over the serial build's objects).  Every
 * communicator has one rank, so collectives are copies between the caller's
 * buffers, and MPI-IO reads map onto pread through the file view (pas writes
 * files with POSIX, so no MPI-IO writes).  Datatypes are tracked by size:
 * contiguous ones, and the 2-D subarray of a matrix file view (the only
 * non-contiguous type pas builds, and only for a view).
 * There is no point-to-point: every algorithm short-circuits p == 1, so a
 * send, receive or blocking probe here is a bug in pas and aborts with one line naming the call.
 * What a one-rank run does legitimately call completes at once: an MPI_Ibarrier, waits and tests on
 * null or finished requests, an MPI_Iprobe (which finds nothing), MPI_Cancel.
 * Only the main thread may call it (MPI_THREAD_FUNNELED).
 */
#ifndef PAS_MPI_SERIAL_H
#define PAS_MPI_SERIAL_H

#include <stddef.h>
#include <stdint.h>

typedef int MPI_Comm;
typedef int MPI_Op;
typedef int MPI_Info;
typedef int MPI_Errhandler;
typedef ptrdiff_t MPI_Aint;
typedef long long MPI_Offset;
typedef long long MPI_Count;
typedef struct pas_serial_type *MPI_Datatype;
typedef struct pas_serial_req *MPI_Request;
typedef struct pas_serial_file *MPI_File;

typedef struct {
    int MPI_SOURCE;
    int MPI_TAG;
    int MPI_ERROR;
    size_t pas_bytes; /* bytes an MPI-IO call moved, for MPI_Get_count */
} MPI_Status;

enum {
    MPI_SUCCESS = 0,
    MPI_ERR_BUFFER,
    MPI_ERR_COUNT,
    MPI_ERR_TYPE,
    MPI_ERR_TAG,
    MPI_ERR_COMM,
    MPI_ERR_RANK,
    MPI_ERR_ROOT,
    MPI_ERR_TRUNCATE,
    MPI_ERR_ARG,
    MPI_ERR_OTHER,
    MPI_ERR_INTERN,
    MPI_ERR_PENDING,
    MPI_ERR_REQUEST,
    MPI_ERR_FILE,
    MPI_ERR_NO_SUCH_FILE,
    MPI_ERR_IO,
    MPI_ERR_ACCESS,
    MPI_ERR_UNSUPPORTED_OPERATION
};

#define MPI_COMM_NULL 0
#define MPI_COMM_WORLD 1
#define MPI_INFO_NULL 0
#define MPI_ERRORS_RETURN 2
#define MPI_REQUEST_NULL ((MPI_Request)0)
#define MPI_FILE_NULL ((MPI_File)0)
#define MPI_DATATYPE_NULL ((MPI_Datatype)0)
#define MPI_IN_PLACE ((void *)1)
#define MPI_STATUS_IGNORE ((MPI_Status *)0)
#define MPI_STATUSES_IGNORE ((MPI_Status *)0)
#define MPI_ANY_SOURCE (-1)
#define MPI_ANY_TAG (-1)
#define MPI_UNDEFINED (-32766)
#define MPI_COMM_TYPE_SHARED 1

enum { MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED, MPI_THREAD_MULTIPLE };
enum { MPI_ORDER_C = 56, MPI_ORDER_FORTRAN = 57 };
enum { MPI_MODE_RDONLY = 2 };

/* Reductions over one rank copy their input, so the operation is only a tag. */
enum { MPI_MAX = 1, MPI_MIN, MPI_SUM };

extern struct pas_serial_type pas_serial_byte, pas_serial_char, pas_serial_int, pas_serial_long,
    pas_serial_double, pas_serial_float, pas_serial_uint64;

#define MPI_BYTE (&pas_serial_byte)
#define MPI_CHAR (&pas_serial_char)
#define MPI_INT (&pas_serial_int)
#define MPI_LONG (&pas_serial_long)
#define MPI_FLOAT (&pas_serial_float)
#define MPI_DOUBLE (&pas_serial_double)
#define MPI_UINT64_T (&pas_serial_uint64)

/* Environment */
int MPI_Init_thread(int *argc, char ***argv, int required, int *provided);
int MPI_Finalize(void);
int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler);
double MPI_Wtime(void);

/* Communicators */
int MPI_Comm_rank(MPI_Comm comm, int *rank);
int MPI_Comm_size(MPI_Comm comm, int *size);
int MPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm);
int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm);
int MPI_Comm_split_type(MPI_Comm comm, int type, int key, MPI_Info info, MPI_Comm *newcomm);
int MPI_Comm_free(MPI_Comm *comm);

/* Datatypes */
int MPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_create_subarray(int ndims, const int sizes[], const int subsizes[], const int starts[],
                             int order, MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_commit(MPI_Datatype *type);
int MPI_Type_free(MPI_Datatype *type);
int MPI_Get_count(const MPI_Status *status, MPI_Datatype type, int *count);

/* Collectives */
int MPI_Barrier(MPI_Comm comm);
int MPI_Ibarrier(MPI_Comm comm, MPI_Request *req);
int MPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm);
int MPI_Reduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype type, MPI_Op op,
               int root, MPI_Comm comm);
int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm);
int MPI_Exscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype type, MPI_Op op,
               MPI_Comm comm);
int MPI_Gather(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf, int rcount,
               MPI_Datatype rtype, int root, MPI_Comm comm);
int MPI_Gatherv(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf,
                const int rcounts[], const int displs[], MPI_Datatype rtype, int root,
                MPI_Comm comm);
int MPI_Allgather(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf, int rcount,
                  MPI_Datatype rtype, MPI_Comm comm);
int MPI_Allgatherv(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf,
                   const int rcounts[], const int displs[], MPI_Datatype rtype, MPI_Comm comm);
int MPI_Scatterv(const void *sendbuf, const int scounts[], const int displs[], MPI_Datatype stype,
                 void *recvbuf, int rcount, MPI_Datatype rtype, int root, MPI_Comm comm);
int MPI_Alltoall(const void *sendbuf, int scount, MPI_Datatype stype, void *recvbuf, int rcount,
                 MPI_Datatype rtype, MPI_Comm comm);
int MPI_Alltoallv(const void *sendbuf, const int scounts[], const int sdispls[], MPI_Datatype stype,
                  void *recvbuf, const int rcounts[], const int rdispls[], MPI_Datatype rtype,
                  MPI_Comm comm);

/* Point to point: refused (abort), except the calls without a peer */
int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm);
int MPI_Recv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
             MPI_Status *status);
int MPI_Isend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
              MPI_Request *req);
int MPI_Irecv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              MPI_Request *req);
int MPI_Sendrecv(const void *sendbuf, int scount, MPI_Datatype stype, int dest, int stag,
                 void *recvbuf, int rcount, MPI_Datatype rtype, int source, int rtag, MPI_Comm comm,
                 MPI_Status *status);
int MPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status *status);
int MPI_Iprobe(int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status);
int MPI_Wait(MPI_Request *req, MPI_Status *status);
int MPI_Waitall(int count, MPI_Request reqs[], MPI_Status statuses[]);
int MPI_Waitany(int count, MPI_Request reqs[], int *index, MPI_Status *status);
int MPI_Test(MPI_Request *req, int *flag, MPI_Status *status);
int MPI_Testall(int count, MPI_Request reqs[], int *flag, MPI_Status statuses[]);
int MPI_Testany(int count, MPI_Request reqs[], int *index, int *flag, MPI_Status *status);
int MPI_Cancel(MPI_Request *req);

/* MPI-IO */
int MPI_File_open(MPI_Comm comm, const char *filename, int amode, MPI_Info info, MPI_File *fh);
int MPI_File_close(MPI_File *fh);
int MPI_File_get_size(MPI_File fh, MPI_Offset *size);
int MPI_File_set_view(MPI_File fh, MPI_Offset disp, MPI_Datatype etype, MPI_Datatype filetype,
                      const char *datarep, MPI_Info info);
int MPI_File_read_at(MPI_File fh, MPI_Offset offset, void *buf, int count, MPI_Datatype type,
                     MPI_Status *status);
int MPI_File_read_at_all(MPI_File fh, MPI_Offset offset, void *buf, int count, MPI_Datatype type,
                         MPI_Status *status);
int MPI_File_set_errhandler(MPI_File fh, MPI_Errhandler errhandler);

#endif
