/* Unit tests of the single-rank MPI behind make MPI=0 (built only in that
 * build: tests/module.mk). */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pas_mpi.h"

Test(mpi_serial, subarray_pack_through_sendrecv)
{
    /* a 3x4 block at (1,2) of a 5x7 int matrix, sent as the subarray, received contiguous */
    int a[5][7], out[12];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 7; j++)
            a[i][j] = 10 * i + j;
    MPI_Datatype sub;
    int sizes[2] = {5, 7}, subs[2] = {3, 4}, starts[2] = {1, 2};
    cr_assert_eq(MPI_Type_create_subarray(2, sizes, subs, starts, MPI_ORDER_C, MPI_INT, &sub), MPI_SUCCESS);
    MPI_Type_commit(&sub);
    int size;
    MPI_Type_size(sub, &size);
    cr_assert_eq(size, 12 * (int)sizeof(int));
    cr_assert_eq(MPI_Sendrecv(a, 1, sub, 0, 7, out, 12, MPI_INT, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE), MPI_SUCCESS);
    for (int k = 0; k < 12; k++)
        cr_assert_eq(out[k], 10 * (1 + k / 4) + 2 + k % 4, "element %d", k);
    MPI_Type_free(&sub);
}

Test(mpi_serial, fortran_order_and_vector)
{
    double m[4 * 3], col[4];
    for (int i = 0; i < 12; i++)
        m[i] = i;
    MPI_Datatype v; /* column 1 of a 4x3 row-major matrix */
    MPI_Type_vector(4, 1, 3, MPI_DOUBLE, &v);
    MPI_Type_commit(&v);
    MPI_Allgather((char *)m + sizeof(double), 1, v, col, 4, MPI_DOUBLE, MPI_COMM_WORLD);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(col[i], 3 * i + 1);
    MPI_Type_free(&v);
}

Test(mpi_serial, messages_to_self_match_in_order_and_by_tag)
{
    int x = 1, y = 2, z = 3, got[3] = {0};
    MPI_Request r[3];
    MPI_Irecv(&got[0], 1, MPI_INT, 0, 5, MPI_COMM_WORLD, &r[0]); /* posted first */
    MPI_Send(&x, 1, MPI_INT, 0, 9, MPI_COMM_WORLD);               /* unexpected, tag 9 */
    MPI_Send(&y, 1, MPI_INT, 0, 5, MPI_COMM_WORLD);               /* matches r[0] */
    MPI_Isend(&z, 1, MPI_INT, 0, 9, MPI_COMM_WORLD, &r[1]);
    MPI_Irecv(&got[1], 1, MPI_INT, MPI_ANY_SOURCE, 9, MPI_COMM_WORLD, &r[2]);
    MPI_Status st;
    cr_assert_eq(MPI_Wait(&r[0], &st), MPI_SUCCESS);
    cr_assert_eq(st.MPI_TAG, 5);
    MPI_Waitall(2, &r[1], MPI_STATUSES_IGNORE);
    cr_assert(got[0] == 2 && got[1] == 1, "FIFO among equal tags");
    int flag;
    MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    cr_assert(flag && st.MPI_TAG == 9);
    int count;
    MPI_Get_count(&st, MPI_INT, &count);
    cr_assert_eq(count, 1);
    MPI_Recv(&got[2], 1, MPI_INT, 0, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    cr_assert_eq(got[2], 3);
}

Test(mpi_serial, an_unmatched_receive_is_a_reported_deadlock)
{
    int v;
    cr_assert_eq(MPI_Recv(&v, 1, MPI_INT, 0, 42, MPI_COMM_WORLD, MPI_STATUS_IGNORE), MPI_ERR_PENDING);
    cr_assert_eq(MPI_Send(&v, 1, MPI_INT, 1, 0, MPI_COMM_WORLD), MPI_ERR_RANK);
}

Test(mpi_serial, file_view_with_subarray_writes_and_reads_back)
{
    char path[] = "/tmp/pas-mpi-serial-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    MPI_File f;
    cr_assert_eq(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL, &f), MPI_SUCCESS);
    /* header of 8 bytes, then a 4x6 double matrix; write the 2x3 block at (2,3) */
    double block[6] = {1, 2, 3, 4, 5, 6}, zero[24] = {0}, all[24];
    MPI_File_write_at(f, 8, zero, 24, MPI_DOUBLE, MPI_STATUS_IGNORE);
    MPI_Datatype sub;
    int sizes[2] = {4, 6}, subs[2] = {2, 3}, starts[2] = {2, 3};
    MPI_Type_create_subarray(2, sizes, subs, starts, MPI_ORDER_C, MPI_DOUBLE, &sub);
    MPI_Type_commit(&sub);
    cr_assert_eq(MPI_File_set_view(f, 8, MPI_DOUBLE, sub, "native", MPI_INFO_NULL), MPI_SUCCESS);
    MPI_Type_free(&sub); /* the view keeps its own copy */
    cr_assert_eq(MPI_File_write_at_all(f, 0, block, 6, MPI_DOUBLE, MPI_STATUS_IGNORE), MPI_SUCCESS);
    MPI_File_set_view(f, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
    MPI_Offset size;
    MPI_File_get_size(f, &size);
    cr_assert_eq(size, 8 + 24 * 8);
    MPI_File_read_at(f, 8, all, 24, MPI_DOUBLE, MPI_STATUS_IGNORE);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 6; j++) {
            double expect = (i >= 2 && j >= 3) ? block[(i - 2) * 3 + (j - 3)] : 0;
            cr_assert_eq(all[i * 6 + j], expect, "(%d,%d)", i, j);
        }
    MPI_File_close(&f);
    cr_assert_eq(MPI_File_delete(path, MPI_INFO_NULL), MPI_SUCCESS);
    cr_assert_eq(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &f), MPI_ERR_NO_SUCH_FILE);
}

Test(mpi_serial, a_short_read_counts_only_what_exists_and_etype_may_be_freed)
{
    char path[] = "/tmp/pas-mpi-serial-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, "abcdefghijkl", 12), 12);
    close(fd);
    MPI_File f;
    cr_assert_eq(MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &f), MPI_SUCCESS);
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
