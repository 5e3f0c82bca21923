/* matrix_io.c - read and write a distributed matrix as one file: a 64-byte
 * header, then the global matrix column-major.  Writes go through
 * pas_outfile (each rank pwrites its block's columns into the job's
 * temporary file and reads them back; rank 0 renames it into place); reads
 * are one MPI-IO subarray view and collective read, its count checked.
 * Block-cyclic layouts go through a block copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pas_decomp.h"
#include "pas_watch.h"

#define HEADER_BYTES 64
static const char magic[8] = {'P', 'A', 'S', 'M', 'A', 'T', '0', '1'};

/* The block layout on the same grid as d, and a copy of the data in it when
 * d is block-cyclic (else NULL: use the caller's data).  Agreed. */
static pas_status as_block(MPI_Comm comm, const pas_dmatrix_t *d, const void *a, size_t es,
                           pas_dmatrix_t *blk, void **copy, int fill)
{
    *copy = NULL;
    pas_status rc = pas_dmatrix_block(d->m, d->n, d->rows, d->cols, d->myrow, d->mycol, blk);
    if (rc || d->kind == PAS_DMAT_BLOCK)
        return rc;
    *copy = malloc(blk->ld * blk->ln * es + 1);
    pas_status worst = pas_agree(comm, *copy ? PAS_OK : PAS_ERR_NOMEM);
    if (worst)
        return worst;
    return fill ? pas_dmatrix_redistribute(comm, d, a, blk, *copy, 0, es) : PAS_OK;
}

/* A file view selecting this rank's block (a plain element view when it
 * owns none: MPI wants subarray sizes >= 1).  Local. */
static pas_status block_view(MPI_File fh, const pas_dmatrix_t *blk, MPI_Datatype elem,
                             MPI_Datatype *ft)
{
    if (blk->m > INT32_MAX || blk->n > INT32_MAX)
        return PAS_ERR_OVERFLOW;
    *ft = MPI_DATATYPE_NULL;
    if (blk->lm && blk->ln) {
        pas_range_t r = pas_decomp_block_range(blk->m, blk->rows, blk->myrow);
        pas_range_t c = pas_decomp_block_range(blk->n, blk->cols, blk->mycol);
        int sizes[2] = {(int)blk->m, (int)blk->n}, sub[2] = {(int)blk->lm, (int)blk->ln};
        int starts[2] = {(int)r.lo, (int)c.lo};
        if (MPI_Type_create_subarray(2, sizes, sub, starts, MPI_ORDER_FORTRAN, elem, ft) ||
            MPI_Type_commit(ft))
            return PAS_ERR_MPI;
    }
    return MPI_File_set_view(fh, HEADER_BYTES, elem, *ft != MPI_DATATYPE_NULL ? *ft : elem,
                             "native", MPI_INFO_NULL)
               ? PAS_ERR_IO
               : PAS_OK;
}

/* Read this rank's block; a short read is an error.  Agreed. */
static pas_status read_block(MPI_Comm comm, MPI_File fh, const pas_dmatrix_t *blk, void *data,
                             size_t es)
{
    MPI_Datatype elem = MPI_DATATYPE_NULL, ft = MPI_DATATYPE_NULL;
    pas_status rc = PAS_OK;
    uint64_t count = blk->lm * blk->ln;
    if (count > INT32_MAX || blk->ld != (blk->lm ? blk->lm : 1))
        rc = PAS_ERR_OVERFLOW;
    if (rc == PAS_OK && (MPI_Type_contiguous((int)es, MPI_BYTE, &elem) || MPI_Type_commit(&elem)))
        rc = PAS_ERR_MPI;
    if (rc == PAS_OK)
        rc = block_view(fh, blk, elem, &ft);
    rc = pas_agree(comm, rc);
    if (rc == PAS_OK) {
        MPI_Status st;
        int got = -1;
        int e = PAS_WATCHED("MPI_File_read_at_all", -1, -1,
                            MPI_File_read_at_all(fh, 0, data, (int)count, elem, &st));
        rc = e || MPI_Get_count(&st, elem, &got) || got != (int)count ? PAS_ERR_IO : PAS_OK;
    }
    if (ft != MPI_DATATYPE_NULL)
        MPI_Type_free(&ft);
    if (elem != MPI_DATATYPE_NULL)
        MPI_Type_free(&elem);
    return pas_agree(comm, rc);
}

pas_status pas_dmatrix_write_to(MPI_Comm comm, pas_outfile_t *f, const pas_dmatrix_t *d,
                                const void *a, size_t es)
{
    int rank;
    pas_status rc;
    MPI_Comm_rank(comm, &rank);
    pas_dmatrix_t blk;
    void *copy;
    pas_outfile_extent_t *ext = NULL;
    unsigned char h[HEADER_BYTES] = {0};
    if ((rc = as_block(comm, d, a, es, &blk, &copy, 1)))
        goto out;
    /* this rank's columns of the column-major file, and the header on rank 0 */
    size_t k = 0, next = (size_t)(blk.lm ? blk.ln : 0) + (rank == 0);
    ext = malloc((next + 1) * sizeof *ext);
    if ((rc = pas_agree(comm, ext ? PAS_OK : PAS_ERR_NOMEM)))
        goto out;
    if (rank == 0) {
        uint64_t v[3] = {d->m, d->n, es};
        memcpy(h, magic, sizeof magic);
        memcpy(h + 8, v, sizeof v);
        ext[k++] = (pas_outfile_extent_t){0, h, HEADER_BYTES};
    }
    if (blk.lm && blk.ln) {
        pas_range_t r = pas_decomp_block_range(blk.m, blk.rows, blk.myrow);
        pas_range_t c = pas_decomp_block_range(blk.n, blk.cols, blk.mycol);
        const char *base = copy ? copy : a;
        for (uint64_t j = 0; j < blk.ln; j++)
            ext[k++] = (pas_outfile_extent_t){HEADER_BYTES + ((c.lo + j) * blk.m + r.lo) * es,
                                              base + j * blk.ld * es, (size_t)(blk.lm * es)};
    }
    rc = pas_outfile_write(comm, f, HEADER_BYTES + d->m * d->n * es, ext, k, 0);
    if (rc == PAS_OK)
        rc = pas_outfile_commit(comm, f);
out:
    free(ext);
    free(copy);
    return rc;
}

pas_status pas_dmatrix_write(MPI_Comm comm, const char *path, const pas_dmatrix_t *d, const void *a,
                             size_t es)
{
    pas_outfile_t f;
    pas_status rc = pas_outfile_begin(comm, "matrix file", path, &f);
    if (rc == PAS_OK)
        rc = pas_dmatrix_write_to(comm, &f, d, a, es);
    pas_outfile_end(&f);
    return rc;
}

pas_status pas_dmatrix_read(MPI_Comm comm, const char *path, const pas_dmatrix_t *d, void *a,
                            size_t es)
{
    int rank;
    pas_status rc;
    MPI_Comm_rank(comm, &rank);
    pas_dmatrix_t blk;
    void *copy;
    if ((rc = as_block(comm, d, a, es, &blk, &copy, 0)))
        goto out;
    MPI_File fh = MPI_FILE_NULL;
    rc = MPI_File_open(comm, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) ? PAS_ERR_IO : PAS_OK;
    if ((rc = pas_agree(comm, rc)))
        goto out;
    MPI_File_set_errhandler(fh, MPI_ERRORS_RETURN);
    if (rank == 0) {
        unsigned char h[HEADER_BYTES] = {0};
        uint64_t v[3];
        MPI_Offset size = 0;
        MPI_Status st;
        int got = -1;
        rc = MPI_File_read_at(fh, 0, h, HEADER_BYTES, MPI_BYTE, &st) ||
                     MPI_File_get_size(fh, &size) || MPI_Get_count(&st, MPI_BYTE, &got) ||
                     got != HEADER_BYTES
                 ? PAS_ERR_FORMAT
                 : PAS_OK;
        memcpy(v, h + 8, sizeof v);
        if (rc == PAS_OK && (memcmp(h, magic, sizeof magic) || v[0] != d->m || v[1] != d->n ||
                             v[2] != es || (uint64_t)size != HEADER_BYTES + d->m * d->n * es))
            rc = PAS_ERR_FORMAT;
    }
    if ((rc = pas_agree(comm, rc)) == PAS_OK)
        rc = read_block(comm, fh, &blk, copy ? copy : a, es);
    if (MPI_File_close(&fh))
        rc = rc ? rc : PAS_ERR_IO;
    rc = pas_agree(comm, rc);
    if (rc == PAS_OK && copy)
        rc = pas_dmatrix_redistribute(comm, &blk, copy, d, a, 0, es);
out:
    free(copy);
    return rc;
}
