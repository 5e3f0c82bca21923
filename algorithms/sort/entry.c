/* entry.c - the entry of the sort module: settings, names, the automatic
 * choice, the pre-flight memory model, and the dispatch to the algorithms
 * (one rank sorts locally, without any message). */

#include "sort_internal.h"

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

pas_status pas_sort_algo_parse(const char *name, pas_sort_algo_t *algo)
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

uint64_t pas_sort_mem_estimate(pas_sort_algo_t algo, uint64_t n_global, int p, size_t elem_size,
                               double eps)
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

uint64_t pas_sort_mem_need(const pas_sort_algo_t *algos, int na, uint64_t n, int p, int rank,
                           int onerank, pas_sort_type_t type, int stable, double eps)
{
    if (p < 1)
        p = 1;
    size_t es = pas_sort_kind_size(pas_sort_type_kind(type));
    uint64_t need = 0;
    for (int a = 0; a < na; a++) {
        uint64_t e = pas_sort_mem_estimate(algos[a], n, p, es, eps);
        if (e > need)
            need = e;
    }
    uint64_t share = n / (uint64_t)p + (n % (uint64_t)p != 0);
    if (onerank && rank == 0) /* the whole input starts here */
        need = pas_sat_add(need, pas_sat_mul(pas_sat_mul(n - share, es), 2));
    if (type != PAS_SORT_U64) /* the typed records, kept beside the keys */
        need = pas_sat_add(need, pas_sat_mul(pas_sat_mul(share, pas_sort_type_size(type)),
                                             pas_sort_type_fetched(type, stable) ? 3 : 1));
    return need;
}

/* One rank: the local sort is the whole sort (what every algorithm comes
 * down to at p = 1), with no message to itself. */
static pas_status sort_one_rank(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                                void *data, size_t n, pas_sort_info_t *info)
{
    if (info && cfg->algo == PAS_SORT_AMS) /* as pas_sort_ams: one group is one level */
        info->levels = 1;
    return pas_sort_local_phase(comm, sort_ops(kind), cfg->local, data, n);
}

pas_status pas_sort(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg, void **data,
                    size_t *n, pas_sort_info_t *info)
{
    pas_sort_config_t c = *cfg;
    int p;
    MPI_Comm_size(comm, &p);
    if (c.algo == PAS_SORT_AUTO) {
        uint64_t total = 0;
        if (sort_total(comm, *n, &total) != PAS_OK)
            return PAS_ERR_MPI;
        c.algo = pas_sort_algo_choose(total, p);
    }
    if (info) {
        memset(info, 0, sizeof *info);
        info->algo = c.algo;
    }
    if (p == 1 && c.algo > PAS_SORT_AUTO && c.algo < PAS_SORT_ALGO_COUNT)
        return sort_one_rank(comm, kind, &c, *data, *n, info);
    switch (c.algo) {
    case PAS_SORT_MERGE:
        return pas_sort_merge(comm, kind, &c, data, n, info);
    case PAS_SORT_QUICK:
        return pas_sort_quick(comm, kind, &c, data, n, info);
    case PAS_SORT_MWAY:
        return pas_sort_mway(comm, kind, &c, data, n, info);
    case PAS_SORT_SAMPLE:
        return pas_sort_sample(comm, kind, &c, data, n, info);
    case PAS_SORT_AMS:
        return pas_sort_ams(comm, kind, &c, data, n, info);
    default:
        return PAS_ERR_ARG;
    }
}
