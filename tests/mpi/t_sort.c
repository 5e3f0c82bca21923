/* t_sort - self-checking MPI test of the sort module's collective pieces at
 * any rank count: multiway selection (exact cuts by global rank, with empty
 * ranks and duplicates), the chunked exchange against the single
 * MPI_Alltoallv, every algorithm with a tiny chunk limit, the record fetch,
 * and the verification catching a swapped, dropped or changed key. */
#include <stdlib.h>
#include <string.h>

#include "pas_decomp.h"
#include "pas_driver.h"
#include "pas_sort.h"
#include "sort_internal.h" /* the module's pieces below its public API */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* local sizes: some ranks empty, one large */
static size_t local_size(int rank, int trial)
{
    uint64_t r = pas_mix64((uint64_t)(rank * 31 + trial));
    if (r % 4 == 0)
        return 0;
    return (size_t)(r % 3000);
}

static int check_select(MPI_Comm comm, int rank, int p)
{
    int ok = 1;
    for (int trial = 0; trial < 6; trial++) {
        size_t n = local_size(rank, trial);
        uint64_t *a = malloc(n * 8 + 8);
        for (size_t i = 0; i < n; i++)
            a[i] = trial % 2 ? pas_mix64(i + (uint64_t)rank * 1000003) % 17
                             : pas_mix64(i + (uint64_t)rank * 77);
        qsort(a, n, 8, cmp_u64);
        uint64_t nl = n, total = 0;
        MPI_Allreduce(&nl, &total, 1, MPI_UINT64_T, MPI_SUM, comm);
        int nt = 5;
        uint64_t targets[5] = {0, total / 3, total / 2, total - (total > 0), total}, cut[5];
        if (pas_sort_select(comm, PAS_SORT_KIND_U64, a, n, targets, nt, cut) != PAS_OK)
            ok = 0;
        for (int i = 0; i < nt; i++) {
            uint64_t sum = 0, left_max = 0, right_min = UINT64_MAX, lm, rm;
            MPI_Allreduce(&cut[i], &sum, 1, MPI_UINT64_T, MPI_SUM, comm);
            ok &= sum == targets[i] && cut[i] <= n;
            lm = cut[i] > 0 ? a[cut[i] - 1] : 0;
            rm = cut[i] < n ? a[cut[i]] : UINT64_MAX;
            MPI_Allreduce(&lm, &left_max, 1, MPI_UINT64_T, MPI_MAX, comm);
            MPI_Allreduce(&rm, &right_min, 1, MPI_UINT64_T, MPI_MIN, comm);
            ok &= left_max <= right_min;
        }
        free(a);
    }
    return ok;
}

static int check_exchange(MPI_Comm comm, int rank, int p)
{
    uint64_t *sc = malloc(sizeof(uint64_t) * (size_t)p),
             *rc1 = malloc(sizeof(uint64_t) * (size_t)p),
             *rc2 = malloc(sizeof(uint64_t) * (size_t)p);
    size_t n = 0;
    for (int r = 0; r < p; r++) {
        sc[r] = pas_mix64((uint64_t)(rank * 100 + r)) % 50;
        n += sc[r];
    }
    uint64_t *send = malloc(n * 8 + 8);
    for (size_t i = 0; i < n; i++)
        send[i] = ((uint64_t)rank << 32) | i;
    void *r1 = NULL, *r2 = NULL;
    size_t n1 = 0, n2 = 0;
    uint64_t b1 = 0, b2 = 0;
    int ok = pas_sort_exchange(comm, 8, send, sc, 0, &r1, &n1, rc1, &b1) == PAS_OK;
    /* the chunked path: at most 3 elements per message */
    ok &= pas_sort_exchange(comm, 8, send, sc, 3, &r2, &n2, rc2, &b2) == PAS_OK;
    ok &= n1 == n2 && memcmp(r1, r2, n1 * 8) == 0 &&
          memcmp(rc1, rc2, sizeof(uint64_t) * (size_t)p) == 0;
    ok &= b1 == b2;
    free(r1);
    free(r2);
    free(send);
    free(sc);
    free(rc1);
    free(rc2);
    return ok;
}

static int check_algorithms(MPI_Comm comm, int rank, int p)
{
    int ok = 1;
    for (int algo = PAS_SORT_SAMPLE; algo < PAS_SORT_ALGO_COUNT; algo++)
        for (int kind = 0; kind < 2; kind++)
            for (int dist = 0; dist < 3; dist++) {
                size_t n = local_size(rank, algo * 10 + dist);
                size_t es = pas_sort_kind_size((pas_sort_kind_t)kind);
                void *a = malloc(n * es + 16);
                for (size_t i = 0; i < n; i++) {
                    uint64_t k = dist == 0   ? pas_mix64(i + (uint64_t)rank * 5000)
                                 : dist == 1 ? 7
                                             : i % 3;
                    if (kind == PAS_SORT_KIND_U64)
                        ((uint64_t *)a)[i] = k;
                    else
                        ((pas_sort_pair_t *)a)[i] =
                            (pas_sort_pair_t){k, dist == 1 ? 0 : (uint64_t)rank};
                }
                pas_sort_digest_t dig;
                pas_sort_digest(comm, (pas_sort_kind_t)kind, a, n, &dig);
                pas_sort_config_t cfg;
                pas_sort_config_default(&cfg);
                cfg.algo = (pas_sort_algo_t)algo;
                cfg.chunk_limit = 5; /* every exchange takes the chunked path */
                cfg.levels = 3;      /* ams: the multi-level path, not the gather of tiny inputs */
                pas_sort_info_t info;
                int rc = pas_sort(comm, (pas_sort_kind_t)kind, &cfg, &a, &n, &info);
                pas_sort_check_t chk;
                uint64_t bound = algo == PAS_SORT_MWAY || algo == PAS_SORT_MERGE
                                     ? (dig.count + (uint64_t)p - 1) / (uint64_t)p
                                 : algo == PAS_SORT_SAMPLE || algo == PAS_SORT_AMS
                                     ? pas_sort_balance_bound(dig.count, p, cfg.eps)
                                     : 0;
                int v = pas_sort_verify(comm, (pas_sort_kind_t)kind, a, n, &dig, bound, &chk);
                if (rc != PAS_OK || v != PAS_OK) {
                    if (rank == 0)
                        fprintf(stderr, "t_sort: %s kind %d dist %d failed (rc %d, verify %d)\n",
                                pas_sort_algo_name((pas_sort_algo_t)algo), kind, dist, rc, v);
                    ok = 0;
                }
                free(a);
            }
    return ok;
}

static int check_fetch(MPI_Comm comm, int rank, int p)
{
    size_t n = local_size(rank, 99);
    uint64_t *first = malloc(sizeof(uint64_t) * (size_t)(p + 1)), c = n;
    MPI_Allgather(&c, 1, MPI_UINT64_T, first + 1, 1, MPI_UINT64_T, comm);
    first[0] = 0;
    for (int r = 0; r < p; r++)
        first[r + 1] += first[r];
    unsigned char *rec = malloc(n * 24 + 8);
    void *pairs = malloc(n * 16 + 16);
    for (size_t i = 0; i < n; i++) {
        uint64_t g = first[rank] + i, key = pas_mix64(g) % 1000;
        memcpy(rec + i * 24, &key, 8);
        memcpy(rec + i * 24 + 8, &g, 8);
        memset(rec + i * 24 + 16, (int)(g & 0xff), 8);
        ((pas_sort_pair_t *)pairs)[i] = (pas_sort_pair_t){key, g};
    }
    pas_sort_config_t cfg;
    pas_sort_config_default(&cfg);
    size_t np = n;
    int ok = pas_sort(comm, PAS_SORT_KIND_PAIR, &cfg, &pairs, &np, NULL) == PAS_OK;
    void *out = NULL;
    ok &= pas_sort_fetch_records(comm, pairs, np, 64, rec, 24, first, 7, &out, NULL) == PAS_OK;
    for (size_t i = 0; ok && i < np; i++) {
        uint64_t key, g;
        memcpy(&key, (char *)out + i * 24, 8);
        memcpy(&g, (char *)out + i * 24 + 8, 8);
        ok &= key == ((pas_sort_pair_t *)pairs)[i].k && g == ((pas_sort_pair_t *)pairs)[i].v;
        ok &= ((unsigned char *)out)[i * 24 + 20] == (g & 0xff);
    }
    free(out);
    free(pairs);
    free(rec);
    free(first);
    return ok;
}

/* The checker must reject damaged output. */
static int check_verify_catches(MPI_Comm comm, int rank, int p)
{
    int ok = 1;
    for (int damage = 0; damage < 4; damage++) {
        size_t n = 100;
        uint64_t *a = malloc(n * 8);
        for (size_t i = 0; i < n; i++)
            a[i] = (uint64_t)rank * 1000 + i * 2;
        pas_sort_digest_t dig;
        pas_sort_digest(comm, PAS_SORT_KIND_U64, a, n, &dig);
        int expect = PAS_OK;
        if (damage == 1 && rank == 0) { /* swap inside a rank */
            uint64_t t = a[3];
            a[3] = a[4];
            a[4] = t;
        }
        if (damage == 2 && rank == p - 1) /* a dropped key */
            n--;
        if (damage == 3 && rank == 0) /* a changed key, order kept */
            a[0] = 1;
        if (damage)
            expect = PAS_ERR_VERIFY;
        ok &= pas_sort_verify(comm, PAS_SORT_KIND_U64, a, n, &dig, 0, NULL) == expect;
        free(a);
    }
    if (p > 1) { /* sorted inside each rank, but not across */
        uint64_t a[3] = {10, 20, 30};
        size_t n = 3;
        pas_sort_digest_t dig;
        pas_sort_digest(comm, PAS_SORT_KIND_U64, a, n, &dig);
        ok &= pas_sort_verify(comm, PAS_SORT_KIND_U64, a, n, &dig, 0, NULL) == PAS_ERR_VERIFY;
    }
    return ok;
}

int main(int argc, char **argv)
{
    static const pas_prog_info_t info = {"t_sort", "sort module self-check", "[options]", NULL};
    const pas_opt_t table[] = {{0}};
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, NULL, &argc, &argv);
    if (code >= 0)
        return code;
    struct {
        const char *name;
        int (*fn)(MPI_Comm, int, int);
    } checks[] = {{"multiway selection", check_select},
                  {"chunked exchange", check_exchange},
                  {"algorithms with a 5-element chunk limit", check_algorithms},
                  {"record fetch", check_fetch},
                  {"verification catches damage", check_verify_catches}};
    int rc = PAS_OK;
    for (size_t i = 0; i < sizeof checks / sizeof checks[0] && rc == PAS_OK; i++) {
        int ok = checks[i].fn(d.comm, d.rank, d.size), all = 0;
        MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, d.comm);
        rc = pas_driver_checkf(&d, all ? PAS_OK : PAS_ERR_VERIFY, "check failed: %s",
                               checks[i].name);
    }
    if (rc == PAS_OK && d.rank == 0)
        printf("t_sort: all checks passed on %d ranks\n", d.size);
    return pas_driver_end(&d, rc);
}
