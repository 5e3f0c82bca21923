/* merge.c - distributed merge sort: local sort, then rounds of pairwise
 * merging up a binomial tree (rank r receives from r + step when r is a
 * multiple of 2 step), so the whole array ends on rank 0, then a rebalance
 * into block shares.  A study algorithm: rank 0 holds all n keys (twice)
 * at the top of the tree; pas_sort_mem_estimate says so. */
#include "sort_internal.h"

/* collective, local status: the binomial tree of pairwise merges. */
static pas_status merge_tree(MPI_Comm comm, const sort_ops_t *ops, const pas_sort_config_t *cfg,
                             void **data, size_t *n, uint64_t *bytes)
{
    int p, me;
    pas_status rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    size_t es = ops->size;
    pas_watch_phase("merge-tree");
    for (int step = 1; step < p && rc == PAS_OK; step *= 2) {
        if (me % (2 * step) == step) {
            uint64_t c = *n;
            if (PAS_WATCHED("MPI_Send", me - step, SORT_TAG_MERGE,
                            MPI_Send(&c, 1, MPI_UINT64_T, me - step, SORT_TAG_MERGE, comm)) !=
                MPI_SUCCESS)
                return PAS_ERR_MPI;
            rc = pas_sort_send_chunked(comm, *data, *n, es, me - step, SORT_TAG_MERGE,
                                       cfg->chunk_limit);
            *bytes += c * es;
            *n = 0;
            break;
        }
        if (me % (2 * step) == 0 && me + step < p) {
            uint64_t c = 0;
            if (PAS_WATCHED("MPI_Recv", me + step, SORT_TAG_MERGE,
                            MPI_Recv(&c, 1, MPI_UINT64_T, me + step, SORT_TAG_MERGE, comm,
                                     MPI_STATUS_IGNORE)) != MPI_SUCCESS)
                return PAS_ERR_MPI;
            char *in = sort_alloc(c, es), *out = sort_alloc(*n + c, es);
            if (!in || !out) { /* the pre-flight estimate is meant to prevent this */
                free(out);
                free(in);
                return PAS_ERR_NOMEM;
            }
            rc =
                pas_sort_recv_chunked(comm, in, c, es, me + step, SORT_TAG_MERGE, cfg->chunk_limit);
            if (rc == PAS_OK) {
                ops->merge2(*data, *n, in, c, out);
                free(*data);
                *data = out;
                *n += c;
                out = NULL;
            }
            free(out);
            free(in);
        }
    }
    return rc;
}

pas_status pas_sort_merge(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                          void **data, size_t *n, pas_sort_info_t *info)
{
    const sort_ops_t *ops = sort_ops(kind);
    int p;
    MPI_Comm_size(comm, &p);
    pas_status rc = sort_local_phase(comm, ops, cfg->local, *data, *n);
    if (rc || p == 1)
        return rc;
    uint64_t bytes = 0;
    rc = pas_agree(comm, merge_tree(comm, ops, cfg, data, n, &bytes));
    if (rc == PAS_OK) {
        pas_watch_phase("rebalance");
        rc = pas_sort_rebalance(comm, ops, cfg, data, n, &bytes);
    }
    if (info)
        info->bytes_sent += bytes;
    return rc;
}
