/* records.c - records that travel by index: after sorting (key, global
 * index) pairs, fetch each record from the rank that read it (a request
 * all-to-all and a reply all-to-all).  Used for 100-byte Sort Benchmark
 * records and for stable sorts of key-value records. */
#include "sort_internal.h"

int pas_sort_fetch_records(MPI_Comm comm, const pas_sort_pair_t *pairs, size_t npairs, int gbits,
                           const void *records, size_t rec_size, const uint64_t *first_index,
                           size_t chunk_limit, void **out, uint64_t *bytes_sent)
{
    int p, me, rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    uint64_t mask = gbits >= 64 ? UINT64_MAX : (1ULL << gbits) - 1;
    uint64_t *cnt = calloc((size_t)p * 2 + 1, sizeof(uint64_t));
    size_t *pos = sort_alloc(npairs, sizeof(size_t));
    uint64_t *req = sort_alloc(npairs, sizeof(uint64_t));
    int *own = sort_alloc(npairs, sizeof(int));
    void *got = NULL, *reply = NULL, *back = NULL, *res = NULL;
    size_t ngot = 0, nback = 0;
    uint64_t *rcnt = cnt ? cnt + p : NULL;
    if (!cnt || !pos || !req || !own) {
        rc = PAS_ERR_NOMEM;
        goto agree;
    }
    for (size_t i = 0; i < npairs; i++) {
        uint64_t g = pairs[i].v & mask;
        int lo = 0, hi = p; /* owner: first_index[o] <= g < first_index[o + 1] */
        while (hi - lo > 1) {
            int m = (lo + hi) / 2;
            if (first_index[m] <= g)
                lo = m;
            else
                hi = m;
        }
        own[i] = lo;
        cnt[lo]++;
    }
    uint64_t s = 0;
    for (int r = 0; r < p; r++) {
        uint64_t c = cnt[r];
        cnt[r] = s;
        s += c;
    }
    for (size_t i = 0; i < npairs; i++) {
        size_t j = cnt[own[i]]++;
        pos[j] = i;
        req[j] = pairs[i].v & mask;
    }
    for (int r = p - 1; r > 0; r--) /* back to counts */
        cnt[r] -= cnt[r - 1];
agree:
    if ((rc = pas_agree(comm, rc)))
        goto done;
    pas_watch_phase("fetch-requests");
    if ((rc = pas_agree(comm, pas_sort_exchange(comm, sizeof(uint64_t), req, cnt, chunk_limit, &got, &ngot, rcnt,
                                                bytes_sent))))
        goto done;
    reply = sort_alloc(ngot, rec_size);
    if (reply)
        for (size_t i = 0; i < ngot; i++) {
            uint64_t g = ((uint64_t *)got)[i];
            if (g < first_index[me] || g >= first_index[me + 1]) {
                rc = PAS_ERR_INTERNAL;
                break;
            }
            memcpy((char *)reply + i * rec_size, (const char *)records + (g - first_index[me]) * rec_size, rec_size);
        }
    if ((rc = pas_agree(comm, reply ? rc : PAS_ERR_NOMEM)))
        goto done;
    pas_watch_phase("fetch-replies");
    if ((rc = pas_agree(comm, pas_sort_exchange(comm, rec_size, reply, rcnt, chunk_limit, &back, &nback, NULL,
                                                bytes_sent))))
        goto done;
    res = sort_alloc(npairs, rec_size);
    if (!res || nback != npairs) {
        rc = res ? PAS_ERR_INTERNAL : PAS_ERR_NOMEM;
        goto done;
    }
#pragma omp parallel for schedule(static) if (npairs > PAS_OMP_MIN_N)
    for (size_t j = 0; j < npairs; j++)
        memcpy((char *)res + pos[j] * rec_size, (char *)back + j * rec_size, rec_size);
    *out = res;
    res = NULL;
done:
    free(res);
    free(back);
    free(reply);
    free(got);
    free(own);
    free(req);
    free(pos);
    free(cnt);
    return rc;
}
