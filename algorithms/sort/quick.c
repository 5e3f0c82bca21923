/* quick.c - distributed quicksort for any number of ranks.
 *
 * On a communicator of q ranks: choose a pivot near global position
 * T = N floor(q/2) / q from a sample, partition the local keys three ways
 * (below, equal, above), place the boundary at T when it falls in the run of
 * keys equal to the pivot (equal keys split by exact counts, so duplicates
 * stay balanced), then send the lower part to the first floor(q/2) ranks and
 * the upper part to the others, each group in block shares, in one
 * all-to-all.  Split the communicator and recurse; a single rank sorts
 * locally. */
#include "sort_internal.h"

/* collective, local status (pas_sort_quick agrees): split the q ranks of
 * comm in two, then recurse on each half. */
static pas_status quick_rec(MPI_Comm comm, const sort_ops_t *ops, const pas_sort_config_t *cfg,
                            void **data, size_t *n, uint64_t *bytes, int depth)
{
    int q, me;
    pas_status rc = PAS_OK;
    MPI_Comm_size(comm, &q);
    MPI_Comm_rank(comm, &me);
    if (q == 1) { /* one rank: the local sort, no message */
        rc = pas_watch_phase("local-sort");
        return rc ? rc : pas_sort_local_run(ops, cfg->local, *data, *n);
    }
    size_t es = ops->size;
    uint64_t total = 0;
    if (sort_total(comm, *n, &total) != PAS_OK)
        return PAS_ERR_MPI;
    if (total == 0)
        return PAS_OK;
    int ql = q / 2;
    uint64_t target = (uint64_t)((unsigned __int128)total * (unsigned)ql / (unsigned)q);
    void *sample = NULL, *cls = NULL, *recv = NULL;
    size_t m = 0, nr = 0;
    uint64_t *sc = calloc((size_t)q, sizeof(uint64_t));
    char pivot[sizeof(pas_sort_pair_t)];
    if ((rc = pas_agree(comm, sc ? PAS_OK : PAS_ERR_NOMEM)) != PAS_OK) {
        free(sc);
        return rc;
    }
    pas_watch_phase("pivot");
    rc = pas_sort_sample_gather(comm, ops, *data, *n, 64, cfg->seed + (uint64_t)depth * 7919,
                                &sample, &m);
    if (rc)
        goto done;
    size_t pi = (size_t)((unsigned __int128)target * m / total);
    memcpy(pivot, (char *)sample + (pi < m ? pi : m - 1) * es, es);

    pas_watch_phase("partition");
    uint64_t counts[3], bound = 0, take = 0;
    cls = pas_sort_alloc(*n, es);
    rc = cls ? ops->classify(*data, *n, pivot, 1, cls, counts) : PAS_ERR_NOMEM;
    if ((rc = pas_agree(comm, rc)))
        goto done;
    if ((rc = pas_sort_boundaries(comm, 1, &counts[0], &counts[1], &target, &bound, &take)))
        goto done;
    uint64_t mine[2] = {counts[0] + take, *n - counts[0] - take}, off[2] = {0, 0};
    if (PAS_WATCHED("MPI_Exscan", -1, 0, MPI_Exscan(mine, off, 2, MPI_UINT64_T, MPI_SUM, comm)) !=
        MPI_SUCCESS) {
        rc = PAS_ERR_MPI;
        goto done;
    }
    if (me == 0)
        off[0] = off[1] = 0;
    pas_sort_block_counts(bound, ql, 0, off[0], mine[0], sc);
    pas_sort_block_counts(total - bound, q - ql, ql, off[1], mine[1], sc);
    free(*data);
    *data = cls;
    cls = NULL;
    if ((rc = pas_sort_exchange(comm, es, *data, sc, cfg->chunk_limit, &recv, &nr, NULL, bytes)))
        goto done;
    free(*data);
    *data = recv;
    *n = nr;
    recv = NULL;
    MPI_Comm sub;
    if (MPI_Comm_split(comm, me < ql ? 0 : 1, me, &sub) != MPI_SUCCESS) {
        rc = PAS_ERR_MPI;
        goto done;
    }
    rc = quick_rec(sub, ops, cfg, data, n, bytes, depth + 1);
    MPI_Comm_free(&sub);
done:
    free(recv);
    free(cls);
    free(sample);
    free(sc);
    return rc;
}

pas_status pas_sort_quick(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                          void **data, size_t *n, pas_sort_info_t *info)
{
    uint64_t bytes = 0;
    pas_status rc = pas_agree(comm, quick_rec(comm, sort_ops(kind), cfg, data, n, &bytes, 0));
    if (info)
        info->bytes_sent += bytes;
    return rc;
}
