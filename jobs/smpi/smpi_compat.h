/* smpi_compat.h - forced into every file of the SimGrid build (make smpi) after
 * SimGrid's own smpi_helpers.h, which replaces some libc calls by macros with a
 * fixed argument count: an argument with a comma inside (a compound literal,
 * `nanosleep(&(struct timespec){0, 1000}, NULL)`) then breaks the build.
 * Variadic versions accept any argument text. */
#ifndef PAS_SMPI_COMPAT_H
#define PAS_SMPI_COMPAT_H
#undef nanosleep
#define nanosleep(...) smpi_nanosleep(__VA_ARGS__)
#undef clock_gettime
#define clock_gettime(...) smpi_clock_gettime(__VA_ARGS__)

/* <malloc.h> declares malloc() and friends again, which the macros garble:
 * include it here, once, with the macros out of the way. */
#pragma push_macro("malloc")
#pragma push_macro("calloc")
#pragma push_macro("realloc")
#pragma push_macro("free")
#undef malloc
#undef calloc
#undef realloc
#undef free
#include <malloc.h>
#pragma pop_macro("malloc")
#pragma pop_macro("calloc")
#pragma pop_macro("realloc")
#pragma pop_macro("free")

/* SMPI offers MPI_THREAD_SINGLE only, and pas asks for FUNNELED because of its
 * OpenMP regions. SimGrid does not simulate OpenMP: the simulated runs use one
 * thread per rank (OMP_NUM_THREADS=1, --threads 1), where SINGLE is enough. */
#include <smpi/smpi.h>
static inline int pas_smpi_init_thread(int *argc, char ***argv, int required, int *provided)
{
    int rc = MPI_Init_thread(argc, argv, required, provided);
    if (rc == MPI_SUCCESS && *provided < required)
        *provided = required;
    return rc;
}
#define MPI_Init_thread pas_smpi_init_thread

/* SimGrid 3.32's MPI_Exscan (and MPI_Scan) take time cubic in the ranks
 * (measured here: 472 s of wall time for one 8-byte Exscan on 256 ranks, where
 * an Allreduce takes 0.4 s). Replace them by recursive doubling (log2 p rounds
 * of MPI_Sendrecv, as MPICH does) for contiguous datatypes. The tag is reserved
 * for it: no pas module uses it. */
#include <string.h>
#define PAS_SMPI_SCAN_TAG 32766
static inline int pas_smpi_scan_rd(const void *sbuf, void *rbuf, int count, MPI_Datatype dt,
                                   MPI_Op op, MPI_Comm comm, int inclusive)
{
    int rank, size, rc = MPI_SUCCESS;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    MPI_Aint lb, extent;
    MPI_Type_get_extent(dt, &lb, &extent);
    size_t bytes = (size_t)extent * (size_t)count;
    char *partial = malloc(bytes + 1), *tmp = malloc(bytes + 1);
    if (!partial || !tmp) {
        free(partial);
        free(tmp);
        return MPI_ERR_NO_MEM;
    }
    memcpy(partial, sbuf == MPI_IN_PLACE ? rbuf : sbuf, bytes);
    if (inclusive && sbuf != MPI_IN_PLACE)
        memcpy(rbuf, sbuf, bytes);
    int have = inclusive; /* does rbuf hold something yet? */
    for (int mask = 1; mask < size && rc == MPI_SUCCESS; mask <<= 1) {
        int peer = rank ^ mask;
        if (peer >= size)
            continue;
        rc = MPI_Sendrecv(partial, count, dt, peer, PAS_SMPI_SCAN_TAG, tmp, count, dt, peer,
                          PAS_SMPI_SCAN_TAG, comm, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            break;
        if (peer < rank) { /* tmp: lower ranks, it goes on the left */
            MPI_Reduce_local(tmp, partial, count, dt, op);
            if (have)
                MPI_Reduce_local(tmp, rbuf, count, dt, op);
            else
                memcpy(rbuf, tmp, bytes);
            have = 1;
        } else { /* partial = partial op tmp */
            MPI_Reduce_local(partial, tmp, count, dt, op);
            char *t = partial;
            partial = tmp;
            tmp = t;
        }
    }
    free(partial);
    free(tmp);
    return rc;
}
#define MPI_Exscan(s, r, c, d, o, comm) pas_smpi_scan_rd((s), (r), (c), (d), (o), (comm), 0)
#define MPI_Scan(s, r, c, d, o, comm) pas_smpi_scan_rd((s), (r), (c), (d), (o), (comm), 1)
#endif
