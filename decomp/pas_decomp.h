/* pas_decomp.h - data decomposition shared by every pas algorithm.
 *
 * Block distribution of n items over p parts (any n >= 0, p >= 1; the first
 * n % p parts hold one item more), owners of global indices, 2D process grids
 * for any p (primes give 1 x p), 2D block ranges of a matrix on a grid, and
 * block-cyclic ranges (ScaLAPACK's layout).  Everything here is pure and local
 * except pas_grid_create/destroy, which are collective.
 */
#ifndef PAS_DECOMP_H
#define PAS_DECOMP_H

#include <stdint.h>

#include "pas_core.h"
#include "pas_outfile.h"

/* A half-open range [lo, hi) of global indices. */
typedef struct {
    uint64_t lo, hi;
} pas_range_t;

static inline uint64_t pas_range_len(pas_range_t r)
{
    return r.hi - r.lo;
}

/* ---- 1D block ------------------------------------------------------------ */

/* local: the range of part i (0 <= i < p) of n items. */
pas_range_t pas_decomp_block_range(uint64_t n, int p, int i);

/* local: the number of items of part i. */
uint64_t pas_decomp_block_count(uint64_t n, int p, int i);

/* local: the part owning global index g (0 <= g < n); -1 when g >= n. */
int pas_decomp_block_owner(uint64_t n, int p, uint64_t g);

/* ---- block-cyclic ---------------------------------------------------------- */

/* local: items owned by part i when n items are dealt in blocks of nb over p
 * parts starting at part `first` (ScaLAPACK's NUMROC). nb >= 1. */
uint64_t pas_decomp_cyclic_count(uint64_t n, uint64_t nb, int p, int i, int first);

/* local: owner of global index g, and its index within that owner's storage. */
int pas_decomp_cyclic_owner(uint64_t g, uint64_t nb, int p, int first);
uint64_t pas_decomp_cyclic_g2l(uint64_t g, uint64_t nb, int p);

/* local: global index of local index l on part i. */
uint64_t pas_decomp_cyclic_l2g(uint64_t l, uint64_t nb, int p, int i, int first);

/* ---- 2D process grids ----------------------------------------------------- */

/* local: the most square rows x cols = p with rows <= cols. */
void pas_decomp_grid_dims(int p, int *rows, int *cols);

/* local: parse "RxC" (e.g. "4x2"); PAS_ERR_ARG on malformed text or a
 * factor < 1.  Does not check against a rank count. */
pas_status pas_decomp_grid_parse(const char *text, int *rows, int *cols);

/* A grid of processes, row-major: rank = row * cols + col. */
typedef struct {
    MPI_Comm comm;     /* the grid's own duplicate of the parent */
    MPI_Comm row_comm; /* the ranks in my row, ordered by column */
    MPI_Comm col_comm; /* the ranks in my column, ordered by row */
    int rank, size;
    int rows, cols;
    int myrow, mycol;
} pas_grid_t;

/* collective: make a rows x cols grid over comm (rows = cols = 0: choose with
 * pas_decomp_grid_dims).  rows * cols must equal the size of comm, else
 * PAS_ERR_ARG (agreed: from the global arguments); PAS_ERR_MPI (local).
 * Free with pas_grid_destroy. */
pas_status pas_grid_create(MPI_Comm comm, int rows, int cols, pas_grid_t *grid);

/* collective: free the grid's communicators. */
void pas_grid_destroy(pas_grid_t *grid);

/* ---- 2D block ranges of an m x n matrix ------------------------------------ */

typedef struct {
    pas_range_t rows, cols;
} pas_block2d_t;

/* local: the block of grid position (r, c) in a rows x cols grid. */
pas_block2d_t pas_decomp_block2d(uint64_t m, uint64_t n, int rows, int cols, int r, int c);

/* ==== distributed dense matrices (added with matmul) ========================
 * An m x n matrix on a rows x cols process grid (rank = row * cols + col),
 * stored column-major on each rank: local element (li, lj) at
 * a[li + lj * ld].  Block layout: pas_decomp_block ranges per dimension;
 * block-cyclic: blocks of mb x nb dealt round-robin starting at grid row
 * and column 0 (ScaLAPACK's layout with RSRC = CSRC = 0). */

typedef enum { PAS_DMAT_BLOCK = 0, PAS_DMAT_CYCLIC = 1 } pas_dmat_kind_t;

typedef struct {
    uint64_t m, n;    /* global extent */
    int kind;         /* pas_dmat_kind_t */
    uint64_t mb, nb;  /* block-cyclic block sizes (1 for block layouts) */
    int rows, cols;   /* process grid */
    int myrow, mycol; /* this rank's position */
    uint64_t lm, ln;  /* local extent */
    uint64_t ld;      /* local leading dimension, >= max(1, lm) */
} pas_dmatrix_t;

/* local: describe an m x n matrix in the block (or block-cyclic, mb, nb >= 1)
 * layout as seen from grid position (myrow, mycol).  PAS_ERR_ARG on a bad
 * grid or block size. */
pas_status pas_dmatrix_block(uint64_t m, uint64_t n, int rows, int cols, int myrow, int mycol,
                             pas_dmatrix_t *d);
pas_status pas_dmatrix_cyclic(uint64_t m, uint64_t n, uint64_t mb, uint64_t nb, int rows, int cols,
                              int myrow, int mycol, pas_dmatrix_t *d);

/* local: elements of the local part (lm * ln) and of its storage (ld * ln). */
static inline uint64_t pas_dmatrix_local_count(const pas_dmatrix_t *d)
{
    return d->lm * d->ln;
}

/* local: global row (col) of local row (col) l, and the grid row (col)
 * owning global row (col) g. */
uint64_t pas_dmatrix_row_l2g(const pas_dmatrix_t *d, uint64_t l);
uint64_t pas_dmatrix_col_l2g(const pas_dmatrix_t *d, uint64_t l);
int pas_dmatrix_row_owner(const pas_dmatrix_t *d, uint64_t g);
int pas_dmatrix_col_owner(const pas_dmatrix_t *d, uint64_t g);

/* local, pure: element (i, j) of the random matrix `seed`, uniform in
 * [-1, 1): the same global matrix whatever the grid or layout. */
static inline double pas_dmatrix_random_at(uint64_t seed, uint64_t i, uint64_t j)
{
    uint64_t h = pas_mix64(seed ^ pas_mix64(i ^ pas_mix64(j + 0x5bd1e995u)));
    return 2.0 * pas_unit(h) - 1.0;
}

/* local: fill the local part (ld-strided; padding rows untouched) with the
 * random matrix `seed`, with the calling thread's OpenMP team. */
void pas_dmatrix_fill_random_d(const pas_dmatrix_t *d, uint64_t seed, double *a);
void pas_dmatrix_fill_random_s(const pas_dmatrix_t *d, uint64_t seed, float *a);

/* collective over comm (both grids map rank = row * cols + col onto comm):
 * copy the matrix `src` (local part a) into the layout `dst` (local part b),
 * or its transpose when `transpose` (then dst is n x m).  Elements are
 * `elem_size` bytes.  One MPI_Alltoallv; each side enumerates the
 * intersection of index sets per dimension, so no index lists travel.
 * PAS_OK, PAS_ERR_ARG (shapes or grids do not match), PAS_ERR_NOMEM,
 * PAS_ERR_OVERFLOW (a message over 2^31 elements): agreed; PAS_ERR_MPI from
 * the exchange itself: local.  On one rank nothing travels: a local copy. */
pas_status pas_dmatrix_redistribute(MPI_Comm comm, const pas_dmatrix_t *src, const void *a,
                                    const pas_dmatrix_t *dst, void *b, int transpose,
                                    size_t elem_size);

/* collective: write the matrix (local part a, `elem_size` 8 or 4) to the
 * output f (begun with pas_outfile_begin on a communicator whose rank 0 is
 * rank 0 of comm): a 64-byte header ("PASMAT01", m, n, element size) then
 * the elements column-major.  Each rank writes its block's columns
 * (block-cyclic layouts go through a block copy first); the file is synced,
 * read back and compared, and renamed into place (pas_outfile_write,
 * pas_outfile_commit).  PAS_OK or PAS_ERR_IO / PAS_ERR_VERIFY /
 * PAS_ERR_NOMEM / PAS_ERR_MPI, agreed (the same on every rank); f->why says
 * why on the rank that failed. */
pas_status pas_dmatrix_write_to(MPI_Comm comm, pas_outfile_t *f, const pas_dmatrix_t *d,
                                const void *a, size_t elem_size);

/* collective: pas_dmatrix_write_to a new output at `path` (global); agreed. */
pas_status pas_dmatrix_write(MPI_Comm comm, const char *path, const pas_dmatrix_t *d, const void *a,
                             size_t elem_size);

/* collective: read a file written by pas_dmatrix_write into the layout d.
 * PAS_ERR_FORMAT when the header does not match d (m, n, element size) or
 * the file's size is not the header's; PAS_ERR_IO on a short read; agreed
 * (a failure of the final redistribution: local). */
pas_status pas_dmatrix_read(MPI_Comm comm, const char *path, const pas_dmatrix_t *d, void *a,
                            size_t elem_size);

#endif
