/* partition.c - positions in sorted arrays, classification of unsorted keys
 * by splitters, and the placement of boundaries inside runs of equal keys. */
#include "sort_internal.h"

#define PAS_SORT_BODY "partition_body.h"
#include "sort_kinds.h"

size_t pas_sort_lower_bound(pas_sort_kind_t kind, const void *a, size_t n, const void *key)
{
    if (kind == PAS_SORT_KIND_PAIR)
        return pas_sort_lower_pair(a, n, key);
    return pas_sort_lower_u64(a, n, key);
}

size_t pas_sort_upper_bound(pas_sort_kind_t kind, const void *a, size_t n, const void *key)
{
    if (kind == PAS_SORT_KIND_PAIR)
        return pas_sort_upper_pair(a, n, key);
    return pas_sort_upper_u64(a, n, key);
}

pas_status pas_sort_classify(pas_sort_kind_t kind, const void *a, size_t n, const void *splitters,
                             int s, void *out, uint64_t *counts)
{
    if (s < 0 || (n && (!a || !out)) || !counts)
        return PAS_ERR_ARG;
    if (kind == PAS_SORT_KIND_PAIR)
        return pas_sort_classify_pair(a, n, splitters, s, out, counts);
    return pas_sort_classify_u64(a, n, splitters, s, out, counts);
}

uint64_t pas_sort_equal_take(uint64_t boundary, uint64_t lt, uint64_t eq_before, uint64_t eq_mine)
{
    uint64_t start = lt + eq_before; /* global position of my first equal key */
    if (boundary <= start)
        return 0;
    return boundary - start < eq_mine ? boundary - start : eq_mine;
}

pas_status pas_sort_boundaries(MPI_Comm comm, int s, const uint64_t *lt_local,
                               const uint64_t *eq_local, const uint64_t *target, uint64_t *boundary,
                               uint64_t *take)
{
    if (s <= 0)
        return PAS_OK;
    int rank;
    pas_status rc = PAS_OK;
    uint64_t *buf = malloc(sizeof(uint64_t) * 4 * (size_t)s);
    uint64_t *eqm = malloc(sizeof(uint64_t) * (size_t)s);
    if ((rc = pas_agree(comm, buf && eqm ? PAS_OK : PAS_ERR_NOMEM)) != PAS_OK) {
        free(eqm);
        free(buf);
        return rc;
    }
    uint64_t *loc = buf, *glob = buf + 2 * s, *before;
    for (int j = 0; j < s; j++) {
        loc[j] = lt_local[j];
        loc[s + j] = eq_local[j];
    }
    MPI_Comm_rank(comm, &rank);
    rc = PAS_WATCHED("MPI_Allreduce", -1, 0,
                     MPI_Allreduce(loc, glob, 2 * s, MPI_UINT64_T, MPI_SUM, comm)) == MPI_SUCCESS
             ? PAS_OK
             : PAS_ERR_MPI;
    if (rc)
        goto done;
    before = loc; /* exscan of my equal counts into loc[0..s) */
    memcpy(eqm, eq_local, sizeof(uint64_t) * (size_t)s);
    if (PAS_WATCHED("MPI_Exscan", -1, 0, MPI_Exscan(eqm, before, s, MPI_UINT64_T, MPI_SUM, comm)) !=
        MPI_SUCCESS)
        rc = PAS_ERR_MPI;
    if (rank == 0)
        memset(before, 0, sizeof(uint64_t) * (size_t)s);
    if (rc == PAS_OK) {
        for (int j = 0; j < s; j++) {
            uint64_t lt = glob[j], eq = glob[s + j];
            uint64_t b = target[j] < lt ? lt : (target[j] > lt + eq ? lt + eq : target[j]);
            boundary[j] = b;
            take[j] = pas_sort_equal_take(b, lt, before[j], eqm[j]);
        }
    }
done:
    free(eqm);
    free(buf);
    return pas_agree(comm, rc);
}
