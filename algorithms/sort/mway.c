/* mway.c - multiway merge sort: local sort, exact splitting by global rank
 * (multiway selection), one exchange, a p-way merge.  Every rank ends with
 * exactly its block share of the output. */
#include "sort_internal.h"

/* Sorted local data -> exact block shares (also the exact fallback of the
 * sample sort).  a is sorted locally, in any global order. */
static int mway_split_exchange(MPI_Comm comm, const sort_ops_t *ops, pas_sort_kind_t kind,
                               const pas_sort_config_t *cfg, void **data, size_t *n, uint64_t *bytes)
{
    int p, rc;
    MPI_Comm_size(comm, &p);
    uint64_t nl = *n, total = 0;
    if (PAS_WATCHED("MPI_Allreduce", -1, 0, MPI_Allreduce(&nl, &total, 1, MPI_UINT64_T, MPI_SUM, comm)) !=
        MPI_SUCCESS)
        return PAS_ERR_MPI;
    uint64_t *v = malloc(sizeof(uint64_t) * 3 * (size_t)p);
    size_t *off = malloc(sizeof(size_t) * (size_t)(p + 1));
    void *recv = NULL, *out = NULL;
    size_t nr = 0;
    if (!v || !off) {
        rc = PAS_ERR_NOMEM;
        goto done;
    }
    uint64_t *targets = v, *cut = v + p, *sc = v + 2 * p;
    for (int j = 1; j < p; j++)
        targets[j - 1] = pas_decomp_block_range(total, p, j).lo;
    pas_watch_phase("select");
    if ((rc = pas_sort_select(comm, kind, *data, *n, targets, p - 1, cut)) != PAS_OK)
        goto done;
    uint64_t prev = 0;
    for (int j = 0; j < p; j++) {
        uint64_t c = j < p - 1 ? cut[j] : *n;
        sc[j] = c - prev;
        prev = c;
    }
    uint64_t *rcounts = targets; /* reuse: targets are no longer needed */
    if ((rc = pas_sort_exchange(comm, ops->size, *data, sc, cfg->chunk_limit, &recv, &nr, rcounts, bytes)) !=
        PAS_OK)
        goto done;
    free(*data);
    *data = NULL;
    pas_watch_phase("merge");
    off[0] = 0;
    for (int j = 0; j < p; j++)
        off[j + 1] = off[j] + rcounts[j];
    out = sort_alloc(nr, ops->size);
    if (!out) {
        rc = PAS_ERR_NOMEM;
        *data = recv;
        *n = nr;
        recv = NULL;
        goto done;
    }
    rc = pas_sort_merge_runs(kind, recv, off, p, out, NULL); /* recv is the scratch: 2x memory, not 3x */
    *data = out;
    *n = nr;
    out = NULL;
done:
    free(out);
    free(recv);
    free(off);
    free(v);
    return rc;
}

int sort_mway_sorted(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                     size_t *n, uint64_t *bytes);
int sort_mway_sorted(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                     size_t *n, uint64_t *bytes)
{
    return mway_split_exchange(comm, sort_ops(kind), kind, cfg, data, n, bytes);
}

int pas_sort_mway(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                  size_t *n, pas_sort_info_t *info)
{
    const sort_ops_t *ops = sort_ops(kind);
    int p;
    MPI_Comm_size(comm, &p);
    int rc = sort_local_phase(comm, ops, cfg->local, *data, *n);
    if (rc || p == 1)
        return rc;
    uint64_t bytes = 0;
    rc = pas_agree(comm, mway_split_exchange(comm, ops, kind, cfg, data, n, &bytes));
    if (info)
        info->bytes_sent += bytes;
    return rc;
}
