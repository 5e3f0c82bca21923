/* verify.c - the checks every run makes, without gathering the data:
 * sorted inside each rank, in order across rank boundaries (each rank
 * compares its first key with the last key of the nearest non-empty rank
 * below it, from one MPI_Allgather of 1 + 2 keys per rank), the same
 * multiset as the input (count plus an order-independent hash), and the
 * output balance. */
#include "sort_internal.h"

pas_status pas_sort_digest(MPI_Comm comm, pas_sort_kind_t kind, const void *a, size_t n,
                           pas_sort_digest_t *d)
{
    uint64_t loc[2] = {n, pas_sort_hash(kind, a, n)}, glob[2];
    if (PAS_WATCHED("MPI_Allreduce", -1, 0,
                    MPI_Allreduce(loc, glob, 2, MPI_UINT64_T, MPI_SUM, comm)) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    d->count = glob[0];
    d->hash = glob[1];
    return PAS_OK;
}

pas_status pas_sort_verify(MPI_Comm comm, pas_sort_kind_t kind, const void *a, size_t n,
                           const pas_sort_digest_t *input, uint64_t max_share,
                           pas_sort_check_t *check)
{
    const sort_ops_t *ops = sort_ops(kind);
    size_t es = ops->size, rec = 8 + 2 * es;
    int p, me;
    MPI_Comm_size(comm, &p);
    MPI_Comm_rank(comm, &me);
    pas_sort_check_t c;
    memset(&c, 0, sizeof c);
    char *ends = malloc(rec * (size_t)(p + 1));
    if (pas_agree(comm, ends ? PAS_OK : PAS_ERR_NOMEM) != PAS_OK) {
        free(ends);
        return PAS_ERR_NOMEM;
    }
    if (pas_agree(comm, pas_watch_phase("verify")) != PAS_OK) {
        free(ends);
        return PAS_ERR_INTERNAL;
    }
    char *my = ends + rec * (size_t)p;
    memset(my, 0, rec);
    *(uint64_t *)my = n > 0;
    if (n) {
        memcpy(my + 8, a, es);
        memcpy(my + 8 + es, (const char *)a + (n - 1) * es, es);
    }
    int rc = PAS_OK;
    if (PAS_WATCHED("MPI_Allgather", -1, 0,
                    MPI_Allgather(my, (int)rec, MPI_BYTE, ends, (int)rec, MPI_BYTE, comm)) !=
        MPI_SUCCESS)
        rc = PAS_ERR_MPI;
    /* ok flags: local order, boundary order */
    int ok[2] = {ops->unsorted_at(a, n) == n, 1}, all[2] = {0, 0};
    if (rc == PAS_OK && n)
        for (int r = me - 1; r >= 0; r--) {
            const char *e = ends + rec * (size_t)r;
            if (*(const uint64_t *)e) {
                ok[1] = !ops->less(my + 8, e + 8 + es);
                break;
            }
        }
    free(ends);
    if (rc)
        return rc;
    pas_sort_digest_t out;
    uint64_t nl = n, most = 0;
    if (PAS_WATCHED("MPI_Allreduce", -1, 0, MPI_Allreduce(ok, all, 2, MPI_INT, MPI_MIN, comm)) !=
            MPI_SUCCESS ||
        PAS_WATCHED("MPI_Allreduce", -1, 0,
                    MPI_Allreduce(&nl, &most, 1, MPI_UINT64_T, MPI_MAX, comm)) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    if ((rc = pas_sort_digest(comm, kind, a, n, &out)))
        return rc;
    c.sorted_local = all[0];
    c.sorted_across = all[1];
    c.same_multiset = out.count == input->count && out.hash == input->hash;
    c.max_share = most;
    c.balance = out.count ? (double)most / ((double)out.count / p) : 1.0;
    c.balanced = max_share == 0 || most <= max_share;
    if (check)
        *check = c;
    return c.sorted_local && c.sorted_across && c.same_multiset && c.balanced ? PAS_OK
                                                                              : PAS_ERR_VERIFY;
}

uint64_t pas_sort_hash_records(const void *recs, size_t n, size_t size)
{
    const unsigned char *a = recs;
    uint64_t h = 0;
#pragma omp parallel for reduction(+ : h) schedule(static) if (n > PAS_OMP_MIN_N)
    for (size_t i = 0; i < n; i++) {
        uint64_t x = 0x84222325cbf29ce4ULL;
        const unsigned char *r = a + i * size;
        for (size_t b = 0; b < size; b++)
            x = (x ^ r[b]) * 0x100000001b3ULL;
        h += pas_mix64(x);
    }
    return h;
}
