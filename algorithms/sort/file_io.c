/* file_io.c - parallel binary files with MPI-IO: each rank reads and writes
 * its block of records at its own offset, in pieces that fit an int count.
 * Output goes to "<path>.pas-tmp" and is renamed to path when every rank has
 * written its part, so a failed run never leaves a half-written file. */
#include <errno.h>
#include <stdio.h>

#include "sort_internal.h"

#define IO_PIECE ((size_t)1 << 30) /* bytes per MPI-IO call */

static int io_rounds(MPI_Comm comm, size_t bytes, size_t piece, uint64_t *rounds)
{
    uint64_t mine = (bytes + piece - 1) / piece;
    return MPI_Allreduce(&mine, rounds, 1, MPI_UINT64_T, MPI_MAX, comm) == MPI_SUCCESS ? PAS_OK : PAS_ERR_MPI;
}

static size_t io_piece(size_t chunk_limit)
{
    return chunk_limit && chunk_limit < IO_PIECE ? chunk_limit : IO_PIECE;
}

int pas_sort_file_read(MPI_Comm comm, const char *path, size_t rec_size, size_t chunk_limit, void **data,
                       size_t *n, uint64_t *first, uint64_t *total)
{
    int p, me, rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    MPI_File fh;
    pas_watch_phase("read");
    if (MPI_File_open(comm, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) != MPI_SUCCESS)
        return PAS_ERR_IO;
    MPI_Offset size = 0;
    char *buf = NULL;
    if (MPI_File_get_size(fh, &size) != MPI_SUCCESS) {
        rc = PAS_ERR_IO;
        goto done;
    }
    if ((uint64_t)size % rec_size) {
        rc = PAS_ERR_FORMAT;
        goto done;
    }
    uint64_t nrec = (uint64_t)size / rec_size;
    pas_range_t r = pas_decomp_block_range(nrec, p, me);
    size_t bytes = (size_t)pas_range_len(r) * rec_size;
    buf = sort_alloc(bytes, 1);
    rc = pas_agree(comm, buf ? PAS_OK : PAS_ERR_NOMEM);
    uint64_t rounds = 0;
    if (rc == PAS_OK)
        rc = io_rounds(comm, bytes, io_piece(chunk_limit), &rounds);
    size_t piece = io_piece(chunk_limit);
    for (uint64_t k = 0; rc == PAS_OK && k < rounds; k++) {
        size_t off = k * piece, c = off < bytes ? (bytes - off < piece ? bytes - off : piece) : 0;
        if (PAS_WATCHED("MPI_File_read_at_all", -1, 0,
                        MPI_File_read_at_all(fh, (MPI_Offset)(r.lo * rec_size + off), buf + (off < bytes ? off : 0),
                                             (int)c, MPI_BYTE, MPI_STATUS_IGNORE)) != MPI_SUCCESS)
            rc = PAS_ERR_IO;
    }
    if (rc == PAS_OK) {
        *data = buf;
        *n = (size_t)pas_range_len(r);
        *first = r.lo;
        *total = nrec;
        buf = NULL;
    }
done:
    free(buf);
    MPI_File_close(&fh);
    return pas_agree(comm, rc);
}

int pas_sort_file_write(MPI_Comm comm, const char *path, size_t rec_size, size_t chunk_limit, const void *data,
                        size_t n)
{
    int p, me, rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    pas_watch_phase("write");
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.pas-tmp", path) >= (int)sizeof tmp)
        return PAS_ERR_ARG;
    uint64_t nl = n, off = 0, total = 0;
    if (MPI_Exscan(&nl, &off, 1, MPI_UINT64_T, MPI_SUM, comm) != MPI_SUCCESS ||
        MPI_Allreduce(&nl, &total, 1, MPI_UINT64_T, MPI_SUM, comm) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    if (me == 0)
        off = 0;
    if (me == 0)
        MPI_File_delete(tmp, MPI_INFO_NULL); /* a leftover of a failed run */
    MPI_Barrier(comm);
    MPI_File fh;
    if (MPI_File_open(comm, tmp, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh) != MPI_SUCCESS)
        return PAS_ERR_IO;
    if (MPI_File_set_size(fh, (MPI_Offset)(total * rec_size)) != MPI_SUCCESS)
        rc = PAS_ERR_IO;
    size_t bytes = n * rec_size, piece = io_piece(chunk_limit);
    uint64_t rounds = 0;
    rc = pas_agree(comm, rc);
    if (rc == PAS_OK)
        rc = io_rounds(comm, bytes, piece, &rounds);
    for (uint64_t k = 0; rc == PAS_OK && k < rounds; k++) {
        size_t o = k * piece, c = o < bytes ? (bytes - o < piece ? bytes - o : piece) : 0;
        if (PAS_WATCHED("MPI_File_write_at_all", -1, 0,
                        MPI_File_write_at_all(fh, (MPI_Offset)(off * rec_size + o),
                                              (const char *)data + (o < bytes ? o : 0), (int)c, MPI_BYTE,
                                              MPI_STATUS_IGNORE)) != MPI_SUCCESS)
            rc = PAS_ERR_IO;
    }
    if (MPI_File_close(&fh) != MPI_SUCCESS && rc == PAS_OK)
        rc = PAS_ERR_IO;
    rc = pas_agree(comm, rc);
    if (me == 0) {
        if (rc == PAS_OK && rename(tmp, path) != 0)
            rc = PAS_ERR_IO;
        if (rc != PAS_OK)
            remove(tmp);
    }
    return pas_agree(comm, rc);
}
