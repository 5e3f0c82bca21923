/* splitters.c - drawing a sample across ranks and picking splitters from it. */
#include "sort_internal.h"

pas_status pas_sort_sample_gather(MPI_Comm comm, const sort_ops_t *ops, const void *a, size_t n,
                                  size_t per_rank_avg, uint64_t seed, void **sample, size_t *m)
{
    int p;
    MPI_Comm_size(comm, &p);
    uint64_t want = (uint64_t)per_rank_avg * (uint64_t)p, total = 0;
    if (want > (1u << 24))
        want = 1u << 24;
    if (sort_total(comm, n, &total))
        return pas_agree(comm, PAS_ERR_MPI);
    return pas_sort_sample_gather_total(comm, ops, a, n, total, want, seed, PAS_OK, NULL, sample,
                                        m);
}

/* rank r's share of a sample of about want of total keys, n of them its
 * own: in proportion, rounded up; where want < p, rounded at random
 * (expected want in all), so the sample does not grow to one per rank */
static size_t sample_share(uint64_t n, uint64_t total, uint64_t want, int p, uint64_t seed, int r)
{
    size_t mine = total <= want ? n : (size_t)(((unsigned __int128)want * n + total - 1) / total);
    if (total > want && want < (uint64_t)p && n > 0) {
        uint64_t q = (uint64_t)(((unsigned __int128)want * n) / total);
        uint64_t rem = (uint64_t)(((unsigned __int128)want * n) % total);
        uint64_t u = pas_mix64(seed ^ 0x9e3779b97f4a7c15ULL ^ pas_mix64((uint64_t)r + 1)) % total;
        mine = (size_t)(q + (u < rem));
    }
    return mine > n ? n : mine;
}

pas_status pas_sort_sample_gather_total(MPI_Comm comm, const sort_ops_t *ops, const void *a,
                                        size_t n, uint64_t total, uint64_t want, uint64_t seed,
                                        pas_status status, const uint64_t *nall, void **sample,
                                        size_t *m)
{
    int p, me;
    pas_status rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    size_t es = ops->size;
    size_t mine = sample_share(n, total, want, p, seed, me);
    if (nall && nall[me] != n && status == PAS_OK) /* the counts below would not match */
        status = PAS_ERR_INTERNAL;
    /* every share is at most want n / total + 1, so the whole sample at most
     * want + p keys (and total): allocated before the counts are known, so
     * that one agreement covers every allocation */
    uint64_t cap = total <= want ? total : want + (uint64_t)p;
    if (cap > total)
        cap = total;
    int *cnt = malloc(sizeof(int) * 2 * (size_t)p);
    char *loc = pas_sort_alloc(mine, es), *all = pas_sort_alloc(cap, es);
    MPI_Datatype t = MPI_DATATYPE_NULL;
    size_t sum = 0;
    /* the element type too, before the collectives it serves */
    int typed = MPI_Type_contiguous((int)es, MPI_BYTE, &t) == MPI_SUCCESS &&
                MPI_Type_commit(&t) == MPI_SUCCESS;
    if ((rc = pas_agree(comm, status                 ? status
                              : !cnt || !loc || !all ? PAS_ERR_NOMEM
                              : typed                ? PAS_OK
                                                     : PAS_ERR_MPI)) != PAS_OK)
        goto done;
    /* stratified: one random position inside each of `mine` equal strata */
    for (size_t i = 0; i < mine; i++) {
        uint64_t lo = (uint64_t)((unsigned __int128)i * n / mine);
        uint64_t hi = (uint64_t)((unsigned __int128)(i + 1) * n / mine);
        uint64_t r = pas_mix64(seed ^ pas_mix64(((uint64_t)me << 40) ^ i));
        memcpy(loc + i * es, (const char *)a + (lo + r % (hi - lo)) * es, es);
    }
    int c = (int)mine;
    for (int r = 0; nall && r < p; r++)
        cnt[r] = (int)sample_share(nall[r], total, want, p, seed, r);
    if (!nall && PAS_WATCHED("MPI_Allgather", -1, 0,
                             MPI_Allgather(&c, 1, MPI_INT, cnt, 1, MPI_INT, comm)) != MPI_SUCCESS) {
        rc = PAS_ERR_MPI;
        goto agree;
    }
    for (int r = 0; r < p; r++) {
        cnt[p + r] = (int)sum;
        sum += (size_t)cnt[r];
    }
    if (sum > cap) /* cannot happen: the bound above; sum is the same on every rank */
        rc = PAS_ERR_INTERNAL;
    else if (PAS_WATCHED("MPI_Allgatherv", -1, 0,
                         MPI_Allgatherv(loc, c, t, all, cnt, cnt + p, t, comm)) != MPI_SUCCESS)
        rc = PAS_ERR_MPI;
agree:
    if ((rc = pas_agree(comm, rc)) == PAS_OK) {
        ops->quicksort(all, sum);
        *sample = all;
        *m = sum;
        all = NULL;
    }
done:
    if (t != MPI_DATATYPE_NULL)
        MPI_Type_free(&t);
    free(all);
    free(loc);
    free(cnt);
    return rc;
}

void pas_sort_splitters_pick(pas_sort_kind_t kind, const void *sample, size_t m, int p,
                             void *splitters)
{
    size_t es = pas_sort_kind_size(kind);
    for (int j = 1; j < p; j++) {
        size_t i = m ? (size_t)((unsigned __int128)j * m / (unsigned)p) : 0;
        if (i >= m)
            i = m ? m - 1 : 0;
        if (m)
            memcpy((char *)splitters + (size_t)(j - 1) * es, (const char *)sample + i * es, es);
        else
            memset((char *)splitters + (size_t)(j - 1) * es, 0, es);
    }
}
