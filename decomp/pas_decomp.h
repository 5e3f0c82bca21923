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

/* A half-open range [lo, hi) of global indices. */
typedef struct {
    uint64_t lo, hi;
} pas_range_t;

static inline uint64_t pas_range_len(pas_range_t r) { return r.hi - r.lo; }

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
int pas_decomp_grid_parse(const char *text, int *rows, int *cols);

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
 * PAS_ERR_ARG (same verdict on every rank).  Free with pas_grid_destroy. */
int pas_grid_create(MPI_Comm comm, int rows, int cols, pas_grid_t *grid);

/* collective: free the grid's communicators. */
void pas_grid_destroy(pas_grid_t *grid);

/* ---- 2D block ranges of an m x n matrix ------------------------------------ */

typedef struct {
    pas_range_t rows, cols;
} pas_block2d_t;

/* local: the block of grid position (r, c) in a rows x cols grid. */
pas_block2d_t pas_decomp_block2d(uint64_t m, uint64_t n, int rows, int cols, int r, int c);

#endif
