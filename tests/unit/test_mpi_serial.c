/* Unit tests of the single-rank MPI behind make MPI=0 (built only in that
 * build: tests/module.mk). */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <signal.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pas_mpi.h"

Test(mpi_serial, contiguous_types_copy_through_a_collective)
{
    /* records of 3 ints as one contiguous type (as the sort sends them), received as ints */
    int a[6] = {1, 2, 3, 4, 5, 6}, out[6] = {0};
    MPI_Datatype rec;
    cr_assert_eq(MPI_Type_contiguous(3, MPI_INT, &rec), MPI_SUCCESS);
    MPI_Type_commit(&rec);
    cr_assert_eq(MPI_Allgather(a, 2, rec, out, 6, MPI_INT, MPI_COMM_WORLD), MPI_SUCCESS);
    for (int k = 0; k < 6; k++)
        cr_assert_eq(out[k], k + 1, "element %d", k);
    cr_assert_eq(MPI_Allgather(a, 2, rec, out, 5, MPI_INT, MPI_COMM_WORLD), MPI_ERR_TRUNCATE);
    MPI_Type_free(&rec);
    cr_assert_eq(rec, MPI_DATATYPE_NULL);
}

Test(mpi_serial, a_subarray_is_for_file_views_only)
{
    /* pas builds a subarray only as a matrix file's view: a collective refuses it */
    double m[4 * 3], col[4];
    MPI_Datatype c; /* column 1 of a 4x3 column-major matrix */
    int sizes[2] = {4, 3}, subs[2] = {4, 1}, starts[2] = {0, 1};
    cr_assert_eq(
        MPI_Type_create_subarray(2, sizes, subs, starts, MPI_ORDER_FORTRAN, MPI_DOUBLE, &c),
        MPI_SUCCESS);
    MPI_Type_commit(&c);
    cr_assert_eq(MPI_Allgather(m, 1, c, col, 4, MPI_DOUBLE, MPI_COMM_WORLD), MPI_ERR_TYPE);
    MPI_Type_free(&c);
    int s3[3] = {4, 3, 2}, b3[3] = {1, 1, 1}, o3[3] = {0};
    cr_assert_eq(MPI_Type_create_subarray(3, s3, b3, o3, MPI_ORDER_C, MPI_DOUBLE, &c), MPI_ERR_ARG,
                 "2-D only");
}

/* Point to point: every algorithm short-circuits p == 1, so a message on one
 * rank is a bug in pas; each call says so and aborts. */
#define REFUSED(fn, call)                                                                          \
    Test(mpi_serial, fn##_is_refused, .signal = SIGABRT)                                           \
    {                                                                                              \
        int v = 0;                                                                                 \
        MPI_Request r;                                                                             \
        (void)v;                                                                                   \
        (void)r;                                                                                   \
        call;                                                                                      \
    }
REFUSED(send, MPI_Send(&v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD))
REFUSED(isend, MPI_Isend(&v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, &r))
REFUSED(recv, MPI_Recv(&v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE))
REFUSED(irecv, MPI_Irecv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, &r))
REFUSED(sendrecv,
        MPI_Sendrecv(&v, 1, MPI_INT, 0, 0, &v, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE))
REFUSED(probe, MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE))

/* ...and the calls a one-rank run does make with no peer complete at once. */
Test(mpi_serial, calls_without_a_peer_complete_at_once)
{
    MPI_Request r = MPI_REQUEST_NULL,
                rs[3] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    MPI_Status st;
    int flag = -1, index = -1;
    cr_assert_eq(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), MPI_SUCCESS);
    cr_assert_eq(flag, 0, "nothing is ever sent, so nothing is found");
    cr_assert_eq(MPI_Ibarrier(MPI_COMM_WORLD, &r), MPI_SUCCESS);
    cr_assert_neq(r, MPI_REQUEST_NULL, "an Ibarrier's request is active until completed");
    cr_assert_eq(MPI_Test(&r, &flag, &st), MPI_SUCCESS);
    cr_assert(flag && r == MPI_REQUEST_NULL, "it completes at the first test");
    MPI_Ibarrier(MPI_COMM_WORLD, &rs[1]);
    cr_assert_eq(MPI_Testany(3, rs, &index, &flag, &st), MPI_SUCCESS);
    cr_assert(flag && index == 1 && rs[1] == MPI_REQUEST_NULL);
    cr_assert_eq(MPI_Waitany(3, rs, &index, &st), MPI_SUCCESS);
    cr_assert_eq(index, MPI_UNDEFINED, "no active request left");
    MPI_Ibarrier(MPI_COMM_WORLD, &rs[2]);
    cr_assert_eq(MPI_Cancel(&rs[0]), MPI_SUCCESS);
    cr_assert_eq(MPI_Testall(3, rs, &flag, MPI_STATUSES_IGNORE), MPI_SUCCESS);
    cr_assert(flag && rs[2] == MPI_REQUEST_NULL);
    MPI_Ibarrier(MPI_COMM_WORLD, &r);
    cr_assert_eq(MPI_Wait(&r, MPI_STATUS_IGNORE), MPI_SUCCESS);
    cr_assert_eq(r, MPI_REQUEST_NULL);
    cr_assert_eq(MPI_Waitall(3, rs, MPI_STATUSES_IGNORE), MPI_SUCCESS);
}

/* A temporary file (name in path): hlen bytes of head, then doubles 0 .. n-1. */
static void temp_matrix(char *path, const char *head, size_t hlen, int n)
{
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, head, hlen), (ssize_t)hlen);
    for (int i = 0; i < n; i++) {
        double v = i;
        cr_assert_eq(write(fd, &v, sizeof v), (ssize_t)sizeof v);
    }
    close(fd);
}

/* The file at path opened with a view of doubles after disp bytes: the
 * subarray block; the type is freed at once (the view keeps its own copy). */
static MPI_File block_view(const char *path, MPI_Offset disp, int order, const int sizes[2],
                           const int subs[2], const int starts[2])
{
    MPI_File f;
    cr_assert_eq(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &f),
                 MPI_SUCCESS);
    MPI_Datatype sub;
    cr_assert_eq(MPI_Type_create_subarray(2, sizes, subs, starts, order, MPI_DOUBLE, &sub),
                 MPI_SUCCESS);
    MPI_Type_commit(&sub);
    cr_assert_eq(MPI_File_set_view(f, disp, MPI_DOUBLE, sub, "native", MPI_INFO_NULL), MPI_SUCCESS);
    MPI_Type_free(&sub);
    return f;
}

Test(mpi_serial, file_view_with_subarray_reads_the_block)
{
    /* header of 8 bytes, then a 4x6 double matrix; read the 2x3 block at (2,3) */
    char path[] = "/tmp/pas-mpi-serial-XXXXXX";
    double block[6];
    temp_matrix(path, "headerXX", 8, 24);
    int sizes[2] = {4, 6}, subs[2] = {2, 3}, starts[2] = {2, 3};
    MPI_File f = block_view(path, 8, MPI_ORDER_C, sizes, subs, starts);
    MPI_Offset size;
    MPI_File_get_size(f, &size);
    cr_assert_eq(size, 8 + 24 * 8);
    cr_assert_eq(MPI_File_read_at_all(f, 0, block, 6, MPI_DOUBLE, MPI_STATUS_IGNORE), MPI_SUCCESS);
    for (int k = 0; k < 6; k++)
        cr_assert_eq(block[k], (2 + k / 3) * 6 + 3 + k % 3, "element %d", k);
    MPI_File_close(&f);
    unlink(path);
    cr_assert_eq(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &f),
                 MPI_ERR_NO_SUCH_FILE);
}

Test(mpi_serial, fortran_order_view_reads_a_column_block)
{
    /* a 4x3 column-major double matrix after no header; read rows 1..2 of columns 1..2 */
    char path[] = "/tmp/pas-mpi-serial-XXXXXX";
    double block[4];
    temp_matrix(path, "", 0, 12);
    int sizes[2] = {4, 3}, subs[2] = {2, 2}, starts[2] = {1, 1};
    MPI_File f = block_view(path, 0, MPI_ORDER_FORTRAN, sizes, subs, starts);
    MPI_Status st;
    int count = -1;
    cr_assert_eq(MPI_File_read_at_all(f, 0, block, 4, MPI_DOUBLE, &st), MPI_SUCCESS);
    MPI_Get_count(&st, MPI_DOUBLE, &count);
    cr_assert_eq(count, 4);
    double want[4] = {5, 6, 9, 10}; /* (1,1) (2,1) (1,2) (2,2) column-major */
    for (int k = 0; k < 4; k++)
        cr_assert_eq(block[k], want[k], "element %d", k);
    MPI_File_close(&f);
    unlink(path);
}

Test(mpi_serial, a_short_read_counts_only_what_exists_and_etype_may_be_freed)
{
    char path[] = "/tmp/pas-mpi-serial-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, "abcdefghijkl", 12), 12);
    close(fd);
    MPI_File f;
    cr_assert_eq(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &f),
                 MPI_SUCCESS);
    MPI_Datatype et;
    MPI_Type_contiguous(2, MPI_BYTE, &et);
    MPI_Type_commit(&et);
    MPI_File_set_view(f, 0, et, MPI_BYTE, "native", MPI_INFO_NULL);
    MPI_Type_free(&et); /* legal: the view must not depend on it */
    int v[8], count = -1;
    MPI_Status st;
    cr_assert_eq(MPI_File_read_at(f, 1, v, 8, MPI_INT, &st), MPI_SUCCESS); /* from byte 2 */
    MPI_Get_count(&st, MPI_INT, &count);
    cr_assert_eq(count, MPI_UNDEFINED, "10 bytes are not a whole number of ints");
    MPI_File_read_at(f, 0, v, 8, MPI_INT, &st);
    MPI_Get_count(&st, MPI_INT, &count);
    cr_assert_eq(count, 3, "12 bytes hold 3 ints, not 8");
    MPI_File_close(&f);
    unlink(path);
}

Test(mpi_serial, collectives_copy_and_respect_in_place)
{
    long a[3] = {1, 2, 3}, b[3] = {0};
    MPI_Allreduce(a, b, 3, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    cr_assert(b[0] == 1 && b[2] == 3);
    MPI_Allreduce(MPI_IN_PLACE, a, 3, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    cr_assert(a[1] == 2);
    int sc[1] = {2}, sd[1] = {1}, rc[1] = {2}, rd[1] = {0};
    long out[2] = {0};
    MPI_Alltoallv(a, sc, sd, MPI_LONG, out, rc, rd, MPI_LONG, MPI_COMM_WORLD);
    cr_assert(out[0] == 2 && out[1] == 3);
    long ex = 99;
    MPI_Exscan(a, &ex, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    cr_assert_eq(ex, 99, "rank 0's exscan result is left alone");
    MPI_Comm c;
    MPI_Comm_split(MPI_COMM_WORLD, MPI_UNDEFINED, 0, &c);
    cr_assert_eq(c, MPI_COMM_NULL);
}
