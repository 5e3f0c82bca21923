/* scan.c - two-pass parallel prefix sum (per-thread totals, then offsets). */
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "pas_decomp.h"
#include "pas_scan.h"
#include "pas_watch.h"

uint64_t pas_scan_local_u64(const uint64_t *x, uint64_t *y, size_t n, uint64_t offset)
{
    int nt = 1;
#ifdef _OPENMP
    nt = omp_in_parallel() ? 1 : omp_get_max_threads();
#endif
    if (n < 65536)
        nt = 1; /* not worth a team */
    uint64_t part[nt + 1];
    part[0] = 0;
    int team = 1; /* the team actually granted: OMP_THREAD_LIMIT or dynamic may cut it */
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#pragma omp single
        team = omp_get_num_threads();
#endif
        pas_range_t r = pas_decomp_block_range(n, team, t);
        uint64_t s = 0;
        for (uint64_t i = r.lo; i < r.hi; i++)
            s += x[i];
        part[t + 1] = s;
#pragma omp barrier
#pragma omp single
        for (int k = 1; k <= team; k++)
            part[k] += part[k - 1];
        uint64_t acc = offset + part[t];
        for (uint64_t i = r.lo; i < r.hi; i++) {
            acc += x[i];
            y[i] = acc;
        }
    }
    return part[team];
}

pas_status pas_scan_u64(MPI_Comm comm, const uint64_t *x, uint64_t *y, size_t n)
{
    int rank;
    uint64_t local = 0, before = 0;
    MPI_Comm_rank(comm, &rank);
    int rc = pas_watch_phase("scan-local-sum");
    for (size_t i = 0; i < n; i++) /* cheap next to the scan; keeps one pass of writes */
        local += x[i];
    if (rc == PAS_OK)
        rc = pas_watch_phase("scan-exscan");
    /* Every rank enters the collective even after a local error, so none is
     * left waiting; the error is returned afterwards. */
    if (PAS_WATCHED("MPI_Exscan", -1, -1,
                    MPI_Exscan(&local, &before, 1, MPI_UINT64_T, MPI_SUM, comm)) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    if (rc)
        return rc;
    if (rank == 0)
        before = 0; /* undefined on rank 0 in MPI */
    pas_scan_local_u64(x, y, n, before);
    return PAS_OK;
}

pas_status pas_scan_verify_u64(MPI_Comm comm, const uint64_t *x, const uint64_t *y, size_t n)
{
    int rank, ok = 1;
    MPI_Comm_rank(comm, &rank);
    for (size_t i = 1; i < n; i++)
        if (y[i] - y[i - 1] != x[i])
            ok = 0;
    /* Prefix sums of positive-or-zero x never decrease, so the carry into a
     * rank is the largest last value of any earlier rank (empty ranks give 0). */
    uint64_t last = n ? y[n - 1] : 0, carry = 0, top = 0, sum = 0, total = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    if (MPI_Exscan(&last, &carry, 1, MPI_UINT64_T, MPI_MAX, comm) ||
        MPI_Allreduce(&last, &top, 1, MPI_UINT64_T, MPI_MAX, comm) ||
        MPI_Allreduce(&sum, &total, 1, MPI_UINT64_T, MPI_SUM, comm))
        return PAS_ERR_MPI;
    if (rank == 0)
        carry = 0;
    if (n && y[0] != carry + x[0])
        ok = 0;
    if (top != total)
        ok = 0;
    int all = ok;
    if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm))
        return PAS_ERR_MPI;
    return all ? PAS_OK : PAS_ERR_VERIFY;
}
