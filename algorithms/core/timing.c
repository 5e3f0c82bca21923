/* timing.c - repetition statistics and the job-wide time of a phase. */
#include <stdlib.h>

#include "pas_core.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

pas_stats_t pas_stats(double *t, int n)
{
    pas_stats_t s = {0, 0, 0, n};
    if (n <= 0)
        return s;
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    s.min = t[0];
    s.max = t[n - 1];
    s.median = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    return s;
}

double pas_time_max(MPI_Comm comm, double local_seconds)
{
    double worst = local_seconds;
    MPI_Allreduce(&local_seconds, &worst, 1, MPI_DOUBLE, MPI_MAX, comm);
    return worst;
}
