/* sample.c - sample sort with a guaranteed output balance.
 *
 * 1. splitters: a stratified sample of about 16/eps keys per rank (in
 *    proportion to each rank's share), gathered and sorted everywhere, p-1
 *    evenly spaced picks;
 * 2. classify the unsorted keys into 2p-1 buckets (between splitters, equal
 *    to a splitter), one stable pass;
 * 3. place boundary j at the block boundary j n/p when it falls inside the
 *    run of keys equal to splitter j (so all-equal keys split evenly), else at
 *    the run's nearest end; the global counts tell every bucket's size
 *    before anything moves;
 * 4. if a bucket would exceed (1+eps) n/p (a sample can miss), sort locally
 *    and split exactly by global rank instead (multiway selection): the bound
 *    then holds for every input;
 * 5. one all-to-all, then a local sort of what arrived. */
#include <math.h>

#include "sort_internal.h"

/* collective, agreed: steps 1 to 5 on p > 1 ranks. */
static pas_status sample_run(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                             void **data, size_t *n, pas_sort_info_t *info, uint64_t *bytes)
{
    const sort_ops_t *ops = sort_ops(kind);
    size_t es = ops->size;
    int p;
    pas_status rc;
    MPI_Comm_size(comm, &p);
    int s = p - 1, nb = 2 * s + 1;
    void *sample = NULL, *cls = NULL, *recv = NULL;
    size_t m = 0, nr = 0;
    char *spl = malloc(es * (size_t)p);
    uint64_t *v = malloc(sizeof(uint64_t) * (size_t)(nb + 6 * p));
    if ((rc = pas_agree(comm, spl && v ? PAS_OK : PAS_ERR_NOMEM)) != PAS_OK)
        goto done;
    uint64_t *counts = v, *lt = v + nb, *eq = lt + p, *target = eq + p, *bound = target + p,
             *take = bound + p, *sc = take + p;
    double eps = cfg->eps > 0 ? cfg->eps : 0.1;
    /* bucket error ~ 1/sqrt(samples per bucket) */
    size_t per_rank = cfg->samples ? cfg->samples : (size_t)ceil(8.0 / (eps * eps)) + 16;
    rc = pas_agree(comm, pas_watch_phase("sample"));
    if (rc || (rc = pas_sort_sample_gather(comm, ops, *data, *n, per_rank, cfg->seed, &sample, &m)))
        goto done;
    pas_sort_splitters_pick(kind, sample, m, p, spl);
    free(sample);
    sample = NULL;

    uint64_t total = 0;
    if ((rc = sort_total(comm, *n, &total)) != PAS_OK)
        goto done;
    uint64_t limit = pas_sort_balance_bound(total, p, eps), prevb = 0;
    /* the classified copy is later the scratch of the local sort, so it is
     * sized for the largest share this rank can receive */
    size_t cap = *n > limit ? *n : (size_t)limit;
    pas_watch_phase("classify");
    cls = pas_sort_alloc(cap, es);
#ifdef PAS_SMPI_COMPAT_H
    /* Simulated (make smpi) with PAS_SMPI_CLASSIFYRATE=C: the classification
     * still runs but lasts, simulated, n log2(s + 1) / C seconds (a binary
     * search over the s splitters per key; C million keys per second and
     * level).  Unset: the time it took. */
    double crate = sort_smpi_rate("PAS_SMPI_CLASSIFYRATE");
    if (crate > 0)
        smpi_bench_end();
#endif
    rc = cls ? ops->classify(*data, *n, spl, s, cls, counts) : PAS_ERR_NOMEM;
#ifdef PAS_SMPI_COMPAT_H
    if (crate > 0) {
        int levels = 0;
        while ((1L << levels) < (long)s + 1)
            levels++;
        smpi_execute((double)*n * levels / crate);
        smpi_bench_begin();
    }
#endif
    if ((rc = pas_agree(comm, rc)))
        goto done;
    uint64_t run = 0;
    for (int j = 0; j < s; j++) {
        if (j > 0 && !ops->less(spl + (size_t)(j - 1) * es, spl + (size_t)j * es)) {
            lt[j] = lt[j - 1]; /* a repeated splitter: the same run of equal keys */
            eq[j] = eq[j - 1];
            continue;
        }
        run += counts[2 * j];
        lt[j] = run;
        eq[j] = counts[2 * j + 1];
        run += eq[j];
    }
    for (int j = 0; j < s; j++)
        target[j] = pas_decomp_block_range(total, p, j + 1).lo;
    if ((rc = pas_sort_boundaries(comm, s, lt, eq, target, bound, take)))
        goto done;
    int over = 0;
    for (int j = 0; j <= s; j++) {
        uint64_t b = j < s ? bound[j] : total;
        over |= b - prevb > limit;
        prevb = b;
    }
    if (over) { /* the same verdict everywhere: bounds are global */
        free(cls);
        cls = NULL;
        if (info)
            info->exact_fallback = 1;
        if ((rc = pas_sort_local_phase(comm, ops, cfg->local, *data, *n)))
            goto done;
        rc = pas_sort_split_exact(comm, kind, cfg, data, n, bytes);
        goto done;
    }
    free(*data);
    *data = cls;
    cls = NULL;
    uint64_t prevc = 0;
    for (int j = 0; j <= s; j++) {
        uint64_t c = j < s ? lt[j] + take[j] : *n;
        sc[j] = c - prevc;
        prevc = c;
    }
    if ((rc = pas_sort_exchange(comm, es, *data, sc, cfg->chunk_limit, &recv, &nr, NULL, bytes)))
        goto done;
    cls = *data; /* the sent copy: scratch for the local sort when it fits */
    *data = recv;
    *n = nr;
    recv = NULL;
    rc = pas_watch_phase("local-sort");
    if (rc == PAS_OK)
        rc = pas_sort_local_run_with(ops, cfg->local, *data, *n, nr <= cap ? cls : NULL);
    rc = pas_agree(comm, rc);
done:
    free(recv);
    free(cls);
    free(sample);
    free(v);
    free(spl);
    return rc;
}

pas_status pas_sort_sample(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                           void **data, size_t *n, pas_sort_info_t *info)
{
    int p;
    MPI_Comm_size(comm, &p);
    if (p == 1) /* one rank: the local sort, no message */
        return pas_sort_local_phase(comm, sort_ops(kind), cfg->local, *data, *n);
    uint64_t bytes = 0;
    pas_status rc = sample_run(comm, kind, cfg, data, n, info, &bytes);
    if (info)
        info->bytes_sent += bytes;
    return rc;
}
