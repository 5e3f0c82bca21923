/* grid.c - 2D process grids with row and column communicators. */
#include <stdlib.h>
#include <string.h>

#include "pas_decomp.h"

void pas_decomp_grid_dims(int p, int *rows, int *cols)
{
    int r = 1;
    for (int d = 1; (long)d * d <= p; d++)
        if (p % d == 0)
            r = d;
    *rows = r;
    *cols = p / r;
}

pas_status pas_decomp_grid_parse(const char *text, int *rows, int *cols)
{
    if (!text)
        return PAS_ERR_ARG;
    char *end;
    long r = strtol(text, &end, 10);
    if (end == text || (*end != 'x' && *end != 'X'))
        return PAS_ERR_ARG;
    const char *c0 = end + 1;
    long c = strtol(c0, &end, 10);
    if (end == c0 || *end || r < 1 || c < 1 || r > 1 << 24 || c > 1 << 24)
        return PAS_ERR_ARG;
    for (const char *s = text; *s; s++) /* strtol accepts signs and spaces: we do not */
        if (*s == '-' || *s == '+' || *s == ' ')
            return PAS_ERR_ARG;
    *rows = (int)r;
    *cols = (int)c;
    return PAS_OK;
}

pas_status pas_grid_create(MPI_Comm comm, int rows, int cols, pas_grid_t *grid)
{
    pas_grid_t g;
    memset(&g, 0, sizeof g);
    if (MPI_Comm_size(comm, &g.size) || MPI_Comm_rank(comm, &g.rank))
        return PAS_ERR_MPI;
    if (rows == 0 && cols == 0)
        pas_decomp_grid_dims(g.size, &rows, &cols);
    if (rows < 1 || cols < 1 || (long)rows * cols != g.size)
        return PAS_ERR_ARG; /* the same on every rank: no communication needed */
    g.rows = rows;
    g.cols = cols;
    g.myrow = g.rank / cols;
    g.mycol = g.rank % cols;
    g.row_comm = g.col_comm = g.comm = MPI_COMM_NULL;
    if (MPI_Comm_dup(comm, &g.comm) || MPI_Comm_split(g.comm, g.myrow, g.mycol, &g.row_comm) ||
        MPI_Comm_split(g.comm, g.mycol, g.myrow, &g.col_comm)) {
        pas_grid_destroy(&g);
        return PAS_ERR_MPI;
    }
    *grid = g;
    return PAS_OK;
}

void pas_grid_destroy(pas_grid_t *grid)
{
    if (grid->row_comm != MPI_COMM_NULL)
        MPI_Comm_free(&grid->row_comm);
    if (grid->col_comm != MPI_COMM_NULL)
        MPI_Comm_free(&grid->col_comm);
    if (grid->comm != MPI_COMM_NULL)
        MPI_Comm_free(&grid->comm);
}
