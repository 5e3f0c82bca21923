/* scalapack_pdgemm - peer for bench-matmul: ScaLAPACK pdgemm of n x n
 * matrices in NB x NB block-cyclic layout on a most-square grid of all
 * ranks, timed like pas-matmul (warm-up, reps, time = max over ranks,
 * median).  Prints on rank 0: "pdgemm n=N nb=NB grid=PxQ median_s=S gflops=G".
 * BLACS and ScaLAPACK have no C headers in Debian: the prototypes are
 * declared here. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

void Cblacs_pinfo(int *mypnum, int *nprocs);
void Cblacs_get(int icontxt, int what, int *val);
void Cblacs_gridinit(int *icontxt, char *order, int nprow, int npcol);
void Cblacs_gridinfo(int icontxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int icontxt);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc);

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int n = argc > 1 ? atoi(argv[1]) : 4096, nb = argc > 2 ? atoi(argv[2]) : 256;
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    int me, np, rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (n < 1 || nb < 1 || reps < 1 || reps > 100) {
        if (rank == 0)
            fprintf(stderr, "usage: scalapack_pdgemm N NB [REPS]\n");
        MPI_Finalize();
        return 2;
    }
    Cblacs_pinfo(&me, &np);
    int P = 1;
    for (int d = 1; d * d <= np; d++)
        if (np % d == 0)
            P = d;
    int Q = np / P, ctx, myr, myc, zero = 0, one = 1, info;
    Cblacs_get(-1, 0, &ctx);
    Cblacs_gridinit(&ctx, "Row", P, Q);
    Cblacs_gridinfo(ctx, &P, &Q, &myr, &myc);
    int lm = numroc_(&n, &nb, &myr, &zero, &P), ln = numroc_(&n, &nb, &myc, &zero, &Q);
    int lld = lm > 1 ? lm : 1, desc[9];
    descinit_(desc, &n, &n, &nb, &nb, &zero, &zero, &ctx, &lld, &info);
    size_t cnt = (size_t)lld * (ln > 0 ? ln : 1);
    size_t bytes = (cnt * sizeof(double) + 64) / 64 * 64; /* on cache lines, as pas-matmul's */
    double *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes),
           *c = aligned_alloc(64, bytes);
    for (size_t i = 0; i < cnt; i++) {
        a[i] = (double)((i * 7919 + (size_t)me) % 1000) / 1000 - 0.5;
        b[i] = (double)((i * 104729 + (size_t)me) % 1000) / 1000 - 0.5;
        c[i] = 0;
    }
    double alpha = 1, beta = 0, t[100];
    for (int r = -1; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        pdgemm_("N", "N", &n, &n, &n, &alpha, a, &one, &one, desc, b, &one, &one, desc, &beta, c,
                &one, &one, desc);
        double dt = MPI_Wtime() - t0, mx;
        MPI_Allreduce(&dt, &mx, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (r >= 0)
            t[r] = mx;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp);
    if (rank == 0)
        printf("pdgemm n=%d nb=%d grid=%dx%d median_s=%.4f gflops=%.2f\n", n, nb, P, Q, t[reps / 2],
               2.0 * n * (double)n * n / t[reps / 2] / 1e9);
    free(a), free(b), free(c);
    Cblacs_gridexit(ctx);
    MPI_Finalize();
    return 0;
}
