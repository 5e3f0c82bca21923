/* rebalance.c - output shares: the balance bound of the sample sorts, the
 * block counts of a global range, and the rebalance of globally ordered
 * pieces into exact block shares. */
#include <math.h>

#include "sort_internal.h"

uint64_t pas_sort_balance_bound(uint64_t n, int p, double eps)
{
    if (p <= 0)
        return n;
    uint64_t even = (n + (uint64_t)p - 1) / (uint64_t)p;
    double b = ceil((1.0 + eps) * (double)n / (double)p);
    uint64_t bound = b >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)b;
    return bound > even ? bound : even;
}

void pas_sort_block_counts(uint64_t total, int parts, int first, uint64_t lo, uint64_t len,
                           uint64_t *counts)
{
    if (len == 0 || parts <= 0)
        return;
    uint64_t hi = lo + len;
    int o = pas_decomp_block_owner(total, parts, lo);
    for (; o < parts && lo < hi; o++) {
        pas_range_t r = pas_decomp_block_range(total, parts, o);
        uint64_t e = r.hi < hi ? r.hi : hi;
        if (e > lo) {
            counts[first + o] += e - lo;
            lo = e;
        }
    }
}

pas_status pas_sort_rebalance(MPI_Comm comm, const sort_ops_t *ops, const pas_sort_config_t *cfg,
                              void **data, size_t *n, uint64_t *bytes_sent)
{
    int p, me;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    uint64_t nl = *n, total = 0, off = 0;
    /* both collectives on every rank, whatever the first returned; one agreement */
    int e = PAS_WATCHED("MPI_Allreduce", -1, 0,
                        MPI_Allreduce(&nl, &total, 1, MPI_UINT64_T, MPI_SUM, comm)) != MPI_SUCCESS;
    e |= PAS_WATCHED("MPI_Exscan", -1, 0, MPI_Exscan(&nl, &off, 1, MPI_UINT64_T, MPI_SUM, comm)) !=
         MPI_SUCCESS;
    if (me == 0)
        off = 0;
    uint64_t *sc = calloc((size_t)p, sizeof(uint64_t));
    pas_status rc = pas_agree(comm, e ? PAS_ERR_MPI : sc ? PAS_OK : PAS_ERR_NOMEM);
    if (rc != PAS_OK) {
        free(sc);
        return rc;
    }
    pas_sort_block_counts(total, p, 0, off, nl, sc);
    void *recv = NULL;
    size_t nr = 0;
    rc = pas_sort_exchange(comm, ops->size, *data, sc, cfg->chunk_limit, &recv, &nr, NULL,
                           bytes_sent);
    free(sc);
    if (rc == PAS_OK) {
        free(*data);
        *data = recv;
        *n = nr;
    }
    return rc;
}
