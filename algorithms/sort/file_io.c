/* file_io.c - parallel binary files: each rank reads and writes its block of
 * records at its own offset with checked POSIX calls (pread/pwrite: every
 * count and errno seen by the rank that made the call; see outfile.c for
 * why not MPI-IO).  Reads check that the file did not change while it was
 * read; writes go through pas_outfile (temporary name, read back, rename). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sort_internal.h"

#define IO_PIECE ((size_t)1 << 30) /* bytes per call */

static size_t io_piece(size_t chunk_limit)
{
    return chunk_limit && chunk_limit < IO_PIECE ? chunk_limit : IO_PIECE;
}

/* What identifies the file's content at a moment. */
typedef struct {
    uint64_t size, dev, ino;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
} file_id_t;

static file_id_t file_id(const struct stat *st)
{
    return (file_id_t){(uint64_t)st->st_size,        (uint64_t)st->st_dev,
                       (uint64_t)st->st_ino,         (int64_t)st->st_mtim.tv_sec,
                       (int64_t)st->st_mtim.tv_nsec, (int64_t)st->st_ctim.tv_sec,
                       (int64_t)st->st_ctim.tv_nsec};
}

static int changed(const file_id_t *a, const file_id_t *b)
{
    return a->size != b->size || a->dev != b->dev || a->ino != b->ino || a->mtime_s != b->mtime_s ||
           a->mtime_ns != b->mtime_ns || a->ctime_s != b->ctime_s || a->ctime_ns != b->ctime_ns;
}

static pas_status changed_msg(char *why, size_t len, const char *path, uint64_t then, uint64_t now)
{
    if (then != now)
        snprintf(why, len,
                 "%s changed while it was read (%llu bytes at open, %llu now); "
                 "rerun when nothing writes to it",
                 path, (unsigned long long)then, (unsigned long long)now);
    else
        snprintf(why, len,
                 "%s was modified while it was read (its time stamps changed); "
                 "rerun when nothing writes to it",
                 path);
    return PAS_ERR_IO;
}

/* This rank's block [off, off + bytes) in pieces, every count checked. */
static pas_status read_block(int fd, const char *path, char *buf, uint64_t off, size_t bytes,
                             size_t piece, uint64_t size0, int pause, char *why, size_t len)
{
    for (size_t o = 0; o < bytes; o += piece) {
        size_t c = bytes - o < piece ? bytes - o : piece;
        for (size_t done = 0; done < c;) {
            ssize_t r = pread(fd, buf + o + done, c - done, (off_t)(off + o + done));
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                snprintf(why, len, "%s: %s", path, strerror(errno));
                return PAS_ERR_IO;
            }
            if (r == 0) { /* the file ends before the size it had at open */
                struct stat st;
                return changed_msg(why, len, path, size0,
                                   fstat(fd, &st) == 0 ? (uint64_t)st.st_size : off + o + done);
            }
            done += (size_t)r;
        }
        if (pause && o == 0)
            pas_watch_pause("read");
    }
    return PAS_OK;
}

pas_status pas_sort_file_read(MPI_Comm comm, const char *path, size_t rec_size, size_t chunk_limit,
                              void **data, size_t *n, uint64_t *first, uint64_t *total, char *why,
                              size_t whylen)
{
    int p, me, rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    pas_watch_phase("read");
    why[0] = 0;
    char *buf = NULL;
    struct stat st;
    file_id_t id0 = {0}, id1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        rc = PAS_ERR_IO;
    } else {
        id0 = file_id(&st);
    }
    /* every rank must see the same file (a shared file system) */
    uint64_t lo = id0.size, hi = id0.size;
    if ((rc = pas_agree_own(comm, rc)) == PAS_OK &&
        (MPI_Allreduce(&id0.size, &lo, 1, MPI_UINT64_T, MPI_MIN, comm) != MPI_SUCCESS ||
         MPI_Allreduce(&id0.size, &hi, 1, MPI_UINT64_T, MPI_MAX, comm) != MPI_SUCCESS))
        rc = PAS_ERR_MPI;
    if (rc == PAS_OK && lo != hi) {
        snprintf(why, whylen,
                 "%s has %llu bytes on one rank and %llu on another; it must be on a file system "
                 "every rank shares, and not change while read",
                 path, (unsigned long long)lo, (unsigned long long)hi);
        rc = PAS_ERR_IO;
    }
    if (rc == PAS_OK && id0.size % rec_size)
        rc = PAS_ERR_FORMAT;
    rc = pas_agree_own(comm, rc);
    uint64_t nrec = id0.size / rec_size;
    pas_range_t r = pas_decomp_block_range(nrec, p, me);
    size_t bytes = (size_t)pas_range_len(r) * rec_size;
    if (rc == PAS_OK) {
        buf = pas_sort_alloc(bytes, 1);
        if (!buf)
            snprintf(why, whylen, "%s: cannot allocate %zu bytes for this rank's block", path,
                     bytes);
        rc = pas_agree_own(comm, buf ? PAS_OK : PAS_ERR_NOMEM);
    }
    if (rc == PAS_OK)
        rc = pas_agree_own(comm, read_block(fd, path, buf, r.lo * rec_size, bytes,
                                            io_piece(chunk_limit), id0.size, me == 0, why, whylen));
    /* after every rank has read: the file is still the one taken at open */
    if (rc == PAS_OK) {
        if (fstat(fd, &st) != 0) {
            snprintf(why, whylen, "%s: %s", path, strerror(errno));
            rc = PAS_ERR_IO;
        } else if (id1 = file_id(&st), changed(&id0, &id1)) {
            rc = changed_msg(why, whylen, path, id0.size, id1.size);
        }
        rc = pas_agree_own(comm, rc);
    }
    if (rc == PAS_OK) {
        *data = buf;
        *n = (size_t)pas_range_len(r);
        *first = r.lo;
        *total = nrec;
        buf = NULL;
    }
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

pas_status pas_sort_file_write(MPI_Comm comm, pas_outfile_t *f, size_t rec_size, size_t chunk_limit,
                               const void *data, size_t n)
{
    uint64_t nl = n, off = 0, total = 0;
    int me;
    MPI_Comm_rank(comm, &me);
    if (MPI_Exscan(&nl, &off, 1, MPI_UINT64_T, MPI_SUM, comm) != MPI_SUCCESS ||
        MPI_Allreduce(&nl, &total, 1, MPI_UINT64_T, MPI_SUM, comm) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    if (me == 0)
        off = 0;
    pas_outfile_extent_t e = {off * rec_size, data, n * rec_size};
    int rc = pas_outfile_write(comm, f, total * rec_size, &e, 1, io_piece(chunk_limit));
    if (rc == PAS_OK)
        rc = pas_outfile_commit(comm, f);
    return rc;
}
