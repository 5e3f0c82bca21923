/* mway.c - multiway merge sort: local sort, then pas_sort_split_exact
 * (multiway_select.c): exact splitting by global rank (multiway selection),
 * one exchange, a p-way merge.  Every rank ends with exactly its block
 * share of the output. */
#include "sort_internal.h"

pas_status pas_sort_mway(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                         void **data, size_t *n, pas_sort_info_t *info)
{
    int p;
    MPI_Comm_size(comm, &p);
    pas_status rc = pas_sort_local_phase(comm, sort_ops(kind), cfg->local, *data, *n);
    if (rc || p == 1)
        return rc;
    uint64_t bytes = 0;
    rc = pas_sort_split_exact(comm, kind, cfg, data, n, &bytes);
    if (info)
        info->bytes_sent += bytes;
    return rc;
}
