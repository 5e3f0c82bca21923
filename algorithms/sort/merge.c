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
    /* Each pair: the sender offers {count, failed}, the receiver answers go
     * or not (it failed, the sender's subtree failed, or it cannot hold the
     * data), and only then does the data move.  A failure travels up the
     * tree, and no rank is left in a send or a receive; the caller agrees. */
    for (int step = 1; step < p; step *= 2) {
        if (me % (2 * step) == step) {
            int to = me - step, go = 0;
            uint64_t head[2] = {*n, rc != PAS_OK};
            if (PAS_WATCHED("MPI_Sendrecv", to, SORT_TAG_MERGE,
                            MPI_Sendrecv(head, 2, MPI_UINT64_T, to, SORT_TAG_MERGE, &go, 1, MPI_INT,
                                         to, SORT_TAG_MERGE, comm, MPI_STATUS_IGNORE)) !=
                MPI_SUCCESS)
                return PAS_ERR_MPI;
            if (go) {
                rc = pas_sort_send_chunked(comm, *data, *n, es, to, SORT_TAG_MERGE,
                                           cfg->chunk_limit);
                *bytes += *n * es;
                *n = 0;
            } else if (rc == PAS_OK) {
                rc = PAS_ERR_REMOTE;
            }
            break;
        }
        if (me % (2 * step) == 0 && me + step < p) {
            int from = me + step;
            uint64_t head[2] = {0, 1};
            if (PAS_WATCHED("MPI_Recv", from, SORT_TAG_MERGE,
                            MPI_Recv(head, 2, MPI_UINT64_T, from, SORT_TAG_MERGE, comm,
                                     MPI_STATUS_IGNORE)) != MPI_SUCCESS &&
                rc == PAS_OK)
                rc = PAS_ERR_MPI;
            if (rc == PAS_OK && head[1])
                rc = PAS_ERR_REMOTE;
            char *in = NULL, *out = NULL;
            uint64_t c = head[0];
            if (rc == PAS_OK && (rc = pas_watch_fault("merge-recv")) == PAS_OK) {
                in = pas_sort_alloc(c, es), out = pas_sort_alloc(*n + c, es);
                if (!in || !out) /* the pre-flight estimate is meant to prevent this */
                    rc = PAS_ERR_NOMEM;
            }
            int go = rc == PAS_OK;
            if (PAS_WATCHED("MPI_Send", from, SORT_TAG_MERGE,
                            MPI_Send(&go, 1, MPI_INT, from, SORT_TAG_MERGE, comm)) != MPI_SUCCESS) {
                rc = PAS_ERR_MPI;
                go = 0;
            }
            if (go)
                rc = pas_sort_recv_chunked(comm, in, c, es, from, SORT_TAG_MERGE, cfg->chunk_limit);
            if (go && rc == PAS_OK) {
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
    pas_status rc = pas_sort_local_phase(comm, ops, cfg->local, *data, *n);
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
