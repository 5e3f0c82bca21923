/* sort.c - the entry points: settings, names, the automatic choice, the
 * pre-flight memory estimate, and the rebalance into block shares. */
#define _GNU_SOURCE
#include <math.h>
#include <sys/mman.h>

#include "sort_internal.h"

void *pas_sort_malloc(size_t bytes)
{
    if (bytes < ((size_t)64 << 20))
        return malloc(bytes);
    void *p = NULL;
    const size_t huge = (size_t)2 << 20;
    if (posix_memalign(&p, huge, bytes))
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, (bytes / huge) * huge, MADV_HUGEPAGE);
#endif
    return p;
}

static const char *const algo_names[] = {"auto", "sample", "merge", "quick", "mway", "ams"};

void pas_sort_config_default(pas_sort_config_t *cfg)
{
    cfg->algo = PAS_SORT_AUTO;
    cfg->local = PAS_SORT_LOCAL_RADIX;
    cfg->eps = 0.1;
    cfg->seed = 1;
    cfg->chunk_limit = 0;
    cfg->samples = 0;
    cfg->levels = 0;
}

const char *pas_sort_algo_name(pas_sort_algo_t algo)
{
    return (unsigned)algo < PAS_SORT_ALGO_COUNT ? algo_names[algo] : "?";
}

int pas_sort_algo_parse(const char *name, pas_sort_algo_t *algo)
{
    for (int i = 0; i < PAS_SORT_ALGO_COUNT; i++)
        if (name && strcmp(name, algo_names[i]) == 0) {
            *algo = (pas_sort_algo_t)i;
            return PAS_OK;
        }
    return PAS_ERR_ARG;
}

pas_sort_algo_t pas_sort_algo_choose(uint64_t n, int p)
{
    /* Small shares: exact splitting costs a few dozen tiny allreduces and
     * gives perfect balance.  Large shares: sample sort moves the data once
     * and sorts it once, after the exchange. */
    if (p > 32) /* exact splitting and one all-to-all cost O(p) per rank */
        return PAS_SORT_AMS;
    if (p > 1 && n / (uint64_t)p < 4096)
        return PAS_SORT_MWAY;
    return PAS_SORT_SAMPLE;
}

uint64_t pas_sort_balance_bound(uint64_t n, int p, double eps)
{
    if (p <= 0)
        return n;
    uint64_t even = (n + (uint64_t)p - 1) / (uint64_t)p;
    double b = ceil((1.0 + eps) * (double)n / (double)p);
    uint64_t bound = b >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)b;
    return bound > even ? bound : even;
}

uint64_t pas_sort_mem_estimate(pas_sort_algo_t algo, uint64_t n_global, int p, size_t elem_size, double eps)
{
    if (p < 1)
        p = 1;
    if (algo == PAS_SORT_AUTO)
        algo = pas_sort_algo_choose(n_global, p);
    /* saturating: an estimate that overflows is UINT64_MAX, never small */
    uint64_t share = pas_sat_mul(n_global / (uint64_t)p + (n_global % (uint64_t)p != 0), elem_size);
    double factor;
    switch (algo) {
    case PAS_SORT_MERGE: /* rank 0: the merged half plus the new whole */
        share = pas_sat_mul(n_global, elem_size);
        factor = 2.0;
        break;
    case PAS_SORT_QUICK: /* input, partitioned copy, then received plus scratch; shares drift */
        factor = 2.0 * 1.5;
        break;
    case PAS_SORT_MWAY: /* received runs plus merged output */
        factor = 2.0;
        break;
    default: /* classified copy + received, then received + scratch */
        factor = 2.0 * (1.0 + (eps > 0 ? eps : 0.1));
        break;
    }
    return pas_sat_add(pas_sat_scale(share, factor), 64u << 20);
}

int sort_rebalance(MPI_Comm comm, const sort_ops_t *ops, const pas_sort_config_t *cfg, void **data,
                   size_t *n, uint64_t *bytes_sent)
{
    int p, me;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    uint64_t nl = *n, total = 0, off = 0;
    if (PAS_WATCHED("MPI_Allreduce", -1, 0, MPI_Allreduce(&nl, &total, 1, MPI_UINT64_T, MPI_SUM, comm)) !=
            MPI_SUCCESS ||
        PAS_WATCHED("MPI_Exscan", -1, 0, MPI_Exscan(&nl, &off, 1, MPI_UINT64_T, MPI_SUM, comm)) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    if (me == 0)
        off = 0;
    uint64_t *sc = calloc((size_t)p, sizeof(uint64_t));
    if (!sc)
        return PAS_ERR_NOMEM;
    sort_block_counts(total, p, 0, off, nl, sc);
    void *recv = NULL;
    size_t nr = 0;
    int rc = pas_sort_exchange(comm, ops->size, *data, sc, cfg->chunk_limit, &recv, &nr, NULL, bytes_sent);
    free(sc);
    if (rc == PAS_OK) {
        free(*data);
        *data = recv;
        *n = nr;
    }
    return rc;
}

int pas_sort(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data, size_t *n,
             pas_sort_info_t *info)
{
    pas_sort_config_t c = *cfg;
    if (c.algo == PAS_SORT_AUTO) {
        int p;
        uint64_t nl = *n, total = 0;
        MPI_Comm_size(comm, &p);
        if (PAS_WATCHED("MPI_Allreduce", -1, 0, MPI_Allreduce(&nl, &total, 1, MPI_UINT64_T, MPI_SUM, comm)) !=
            MPI_SUCCESS)
            return PAS_ERR_MPI;
        c.algo = pas_sort_algo_choose(total, p);
    }
    if (info) {
        memset(info, 0, sizeof *info);
        info->algo = c.algo;
    }
    switch (c.algo) {
    case PAS_SORT_MERGE: return pas_sort_merge(comm, kind, &c, data, n, info);
    case PAS_SORT_QUICK: return pas_sort_quick(comm, kind, &c, data, n, info);
    case PAS_SORT_MWAY: return pas_sort_mway(comm, kind, &c, data, n, info);
    case PAS_SORT_SAMPLE: return pas_sort_sample(comm, kind, &c, data, n, info);
    case PAS_SORT_AMS: return pas_sort_ams(comm, kind, &c, data, n, info);
    default: return PAS_ERR_ARG;
    }
}
