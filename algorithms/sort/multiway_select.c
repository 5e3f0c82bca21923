/* multiway_select.c - exact splitting of locally sorted arrays by global
 * rank, and the exact split into block shares built on it (select, one
 * exchange, a p-way merge).  Selection: for each target rank t, find the key
 * x whose run of equal keys contains position t (bisection of the key space between the global
 * minimum and maximum: at most 64 rounds for uint64 keys, 128 for pairs, each one MPI_Allreduce for
 * all targets at once), then split that run across ranks by exact counts in rank order. */
#include "sort_internal.h"

pas_status pas_sort_select(MPI_Comm comm, pas_sort_kind_t kind, const void *a, size_t n,
                           const uint64_t *targets, int nt, uint64_t *cut)
{
    const sort_ops_t *ops = sort_ops(kind);
    size_t es = ops->size, rec = 8 + 2 * es;
    int p;
    pas_status rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    if (nt <= 0)
        return PAS_OK;
    char *ends = malloc(rec * (size_t)(p + 1));
    char *keys = malloc(es * 3 * (size_t)nt); /* lo, hi, mid per target */
    uint64_t *cnt = malloc(sizeof(uint64_t) * 5 * (size_t)nt);
    /* agree before any collective, so no rank is left waiting */
    if ((rc = pas_agree(comm, ends && keys && cnt ? PAS_OK : PAS_ERR_NOMEM)) != PAS_OK)
        goto done;
    char *lo = keys, *hi = keys + es * nt, *mid = keys + 2 * es * nt;
    uint64_t *le_loc = cnt, *le = cnt + nt, *ltl = cnt + 2 * nt, *eql = cnt + 3 * nt,
             *take = cnt + 4 * nt;

    /* global minimum and maximum key, over ranks that hold any */
    char *my = ends + rec * (size_t)p;
    memset(my, 0, rec);
    *(uint64_t *)my = n > 0;
    if (n) {
        memcpy(my + 8, a, es);
        memcpy(my + 8 + es, (const char *)a + (n - 1) * es, es);
    }
    /* a local error here is agreed: the others would go on to the rounds */
    if ((rc = pas_agree(comm, PAS_WATCHED("MPI_Allgather", -1, 0,
                                          MPI_Allgather(my, (int)rec, MPI_BYTE, ends, (int)rec,
                                                        MPI_BYTE, comm)) == MPI_SUCCESS
                                  ? PAS_OK
                                  : PAS_ERR_MPI)) != PAS_OK)
        goto done;
    const char *gmin = NULL, *gmax = NULL;
    for (int r = 0; r < p; r++) {
        const char *e = ends + rec * (size_t)r;
        if (!*(const uint64_t *)e)
            continue;
        if (!gmin || ops->less(e + 8, gmin))
            gmin = e + 8;
        if (!gmax || ops->less(gmax, e + 8 + es))
            gmax = e + 8 + es;
    }
    if (!gmin) { /* nothing anywhere */
        for (int i = 0; i < nt; i++)
            cut[i] = 0;
        goto done;
    }
    for (int i = 0; i < nt; i++) {
        memcpy(lo + i * es, gmin, es);
        memcpy(hi + i * es, gmax, es);
    }
    /* invariant: the smallest x with count(<= x) > t lies in [lo, hi] */
    for (int round = 0; round < 200; round++) {
        int active = 0;
        for (int i = 0; i < nt; i++) {
            if (ops->less(lo + i * es, hi + i * es)) {
                active = 1;
                ops->midpoint(lo + i * es, hi + i * es, mid + i * es);
                le_loc[i] = ops->upper_bound(a, n, mid + i * es);
            } else {
                le_loc[i] = 0;
            }
        }
        if (!active) /* the same on every rank: lo and hi are global */
            break;
        if (PAS_WATCHED("MPI_Allreduce", -1, 0,
                        MPI_Allreduce(le_loc, le, nt, MPI_UINT64_T, MPI_SUM, comm)) !=
            MPI_SUCCESS) {
            rc = PAS_ERR_MPI;
            goto done;
        }
        for (int i = 0; i < nt; i++) {
            if (!ops->less(lo + i * es, hi + i * es))
                continue;
            if (le[i] > targets[i])
                memcpy(hi + i * es, mid + i * es, es);
            else
                ops->next(mid + i * es, lo + i * es);
        }
    }
    for (int i = 0; i < nt; i++) {
        ltl[i] = ops->lower_bound(a, n, lo + i * es);
        eql[i] = ops->upper_bound(a, n, lo + i * es) - ltl[i];
    }
    /* boundaries land exactly on the targets (targets at or past the end
     * clamp to the end of the last run) */
    rc = pas_sort_boundaries(comm, nt, ltl, eql, targets, le, take);
    if (rc == PAS_OK)
        for (int i = 0; i < nt; i++)
            cut[i] = ltl[i] + take[i];
done:
    free(cnt);
    free(keys);
    free(ends);
    return rc;
}

pas_status pas_sort_split_exact(MPI_Comm comm, pas_sort_kind_t kind, const pas_sort_config_t *cfg,
                                void **data, size_t *n, uint64_t *bytes)
{
    int p;
    MPI_Comm_size(comm, &p);
    size_t es = sort_kind_bytes(kind);
    uint64_t total = 0;
    if (sort_total(comm, *n, &total) != PAS_OK)
        return PAS_ERR_MPI;
    uint64_t *v = malloc(sizeof(uint64_t) * 3 * (size_t)p);
    size_t *off = malloc(sizeof(size_t) * (size_t)(p + 1));
    void *recv = NULL, *out = NULL;
    size_t nr = 0;
    pas_status rc = pas_agree(comm, v && off ? PAS_OK : PAS_ERR_NOMEM);
    if (rc != PAS_OK)
        goto done;
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
    rc = pas_sort_exchange(comm, es, *data, sc, cfg->chunk_limit, &recv, &nr, rcounts, bytes);
    if (rc != PAS_OK)
        goto done;
    free(*data);
    *data = NULL;
    pas_watch_phase("merge");
    off[0] = 0;
    for (int j = 0; j < p; j++)
        off[j + 1] = off[j] + rcounts[j];
    out = pas_sort_alloc(nr, es);
    if (!out) {
        rc = PAS_ERR_NOMEM;
        *data = recv;
        *n = nr;
        recv = NULL;
        goto agree;
    }
    /* recv is the scratch: 2x memory, not 3x */
    rc = pas_sort_merge_runs(kind, recv, off, p, out, NULL);
    *data = out;
    *n = nr;
    out = NULL;
agree:
    rc = pas_agree(comm, rc);
done:
    free(out);
    free(recv);
    free(off);
    free(v);
    return rc;
}
