/* records.c - records that travel by index: after sorting (key, global
 * index) pairs, fetch each record from the rank that read it (a request
 * all-to-all and a reply all-to-all).  Used for 100-byte Sort Benchmark
 * records and for stable sorts of key-value records. */
#include "sort_internal.h"

pas_status pas_sort_fetch_records(MPI_Comm comm, const pas_sort_pair_t *pairs, size_t npairs,
                                  int gbits, const void *records, size_t rec_size,
                                  const uint64_t *first_index, size_t chunk_limit, void **out,
                                  uint64_t *bytes_sent)
{
    int p, me;
    pas_status rc = PAS_OK;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    uint64_t mask = gbits >= 64 ? UINT64_MAX : (1ULL << gbits) - 1;
    uint64_t *cnt = calloc((size_t)p * 2 + 1, sizeof(uint64_t));
    size_t *pos = pas_sort_alloc(npairs, sizeof(size_t));
    uint64_t *req = pas_sort_alloc(npairs, sizeof(uint64_t));
    int *own = pas_sort_alloc(npairs, sizeof(int));
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
    rc = pas_sort_exchange(comm, sizeof(uint64_t), req, cnt, chunk_limit, &got, &ngot, rcnt,
                           bytes_sent);
    if (rc)
        goto done;
    reply = pas_sort_alloc(ngot, rec_size);
    if (reply)
        for (size_t i = 0; i < ngot; i++) {
            uint64_t g = ((uint64_t *)got)[i];
            if (g < first_index[me] || g >= first_index[me + 1]) {
                rc = PAS_ERR_INTERNAL;
                break;
            }
            memcpy((char *)reply + i * rec_size,
                   (const char *)records + (g - first_index[me]) * rec_size, rec_size);
        }
    if ((rc = pas_agree(comm, reply ? rc : PAS_ERR_NOMEM)))
        goto done;
    pas_watch_phase("fetch-replies");
    rc = pas_sort_exchange(comm, rec_size, reply, rcnt, chunk_limit, &back, &nback, NULL,
                           bytes_sent);
    if (rc)
        goto done;
    res = pas_sort_alloc(npairs, rec_size);
    if ((rc = pas_agree(comm, !res ? PAS_ERR_NOMEM : nback != npairs ? PAS_ERR_INTERNAL : PAS_OK)))
        goto done;
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

pas_status pas_sort_record_index(MPI_Comm comm, uint64_t count, uint64_t **first_index)
{
    int p;
    MPI_Comm_size(comm, &p);
    uint64_t *fi = malloc(sizeof(uint64_t) * (size_t)(p + 1));
    pas_status rc = pas_agree(comm, fi ? PAS_OK : PAS_ERR_NOMEM);
    if (rc == PAS_OK &&
        MPI_Allgather(&count, 1, MPI_UINT64_T, fi + 1, 1, MPI_UINT64_T, comm) != MPI_SUCCESS)
        rc = PAS_ERR_MPI;
    if ((rc = pas_agree(comm, rc)) != PAS_OK) {
        free(fi);
        return rc;
    }
    fi[0] = 0;
    for (int r = 0; r < p; r++)
        fi[r + 1] += fi[r];
    *first_index = fi;
    return PAS_OK;
}

void pas_sort_elements(pas_sort_type_t t, int stable, const void *recs, uint64_t first,
                       size_t count, void *out)
{
    if (pas_sort_type_kind(t) == PAS_SORT_KIND_U64) {
        pas_sort_encode(t, recs, count, out);
        return;
    }
    pas_sort_pair_t *w = out;
    const unsigned char *r = recs;
#pragma omp parallel for schedule(static) if (count > PAS_OMP_MIN_N)
    for (size_t i = 0; i < count; i++) {
        uint64_t g = first + i;
        if (t == PAS_SORT_REC100) {
            w[i] = pas_sort_rec100_pair(r + i * 100, g);
        } else {
            const uint64_t *kv = (const uint64_t *)(r + i * 16);
            w[i].k = kv[0];
            w[i].v = stable ? g : kv[1];
        }
    }
}

pas_status pas_sort_check_fetched(MPI_Comm comm, pas_sort_type_t t, const pas_sort_pair_t *pairs,
                                  const void *fetched, size_t n, uint64_t input_hash)
{
    const unsigned char *r = fetched;
    int ok = 1, all = 0;
    for (size_t i = 0; i < n && ok; i++) {
        if (t == PAS_SORT_REC100) {
            pas_sort_pair_t q = pas_sort_rec100_pair(r + i * 100, pairs[i].v);
            ok = q.k == pairs[i].k && q.v == pairs[i].v;
        } else {
            ok = ((const uint64_t *)(r + i * 16))[0] == pairs[i].k;
        }
    }
    uint64_t h = pas_sort_hash_records(fetched, n, pas_sort_type_size(t)), hs = 0;
    if (MPI_Allreduce(&h, &hs, 1, MPI_UINT64_T, MPI_SUM, comm) != MPI_SUCCESS ||
        MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        return pas_agree(comm, PAS_ERR_MPI);
    return all && hs == input_hash ? PAS_OK : PAS_ERR_VERIFY;
}
