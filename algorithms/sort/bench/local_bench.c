/* local_bench.c - pas's node-local sort (--local) against vqsort and IPS4o in
 * one process, rounds interleaved on identical copies of one input, so that
 * the machine's load hits every contender alike (make bench-sort runs it).
 *
 *   sort-local-bench [--n N] [--threads T] [--rounds R] [--types u64,u32,i64,f64]
 *                    [--dists uniform,zipf,...] [--pas radix,merge,quick]
 *                    [--peers vqsort,ips4o]
 *
 * For each type and distribution: the input is generated once (pas's
 * generators, p = 1), then every round copies it for each contender and
 * times the sort alone, the order of the contenders rotating from round to
 * round.  pas sorts each type in place by its own width
 * (pas_sort_local_typed: u32 as 32-bit keys, i64 and f64 mapped in place to
 * order-preserving keys and back, the maps timed); its scratch is allocated
 * inside the timed call, as pas_sort_local does.  Each output is checked: in order, and the same
 * multiset as the input (an order-independent hash).  Per line: the median
 * rate of each contender per core (M keys/s / threads) and, per peer, the
 * median over rounds of t_peer / t_pas (> 1: pas is faster).  With
 * --threads T > 1, pas-radix-1thread also runs (1 thread, same rounds), and
 * pas-radix / pas-radix-1thread is the speedup of T threads over 1. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pas_sort.h"

int peer_local_have(const char *peer);
int peer_local_sort(const char *peer, int type, void *a, void *tmp, size_t n, int threads);

enum { T_U64, T_U32, T_I64, T_F64, T_COUNT };
static const char *const tname[] = {"u64", "u32", "i64", "f64"};
static const pas_sort_type_t ptype[] = {PAS_SORT_U64, PAS_SORT_U32, PAS_SORT_I64, PAS_SORT_F64};
static const size_t tsize[] = {8, 4, 8, 8};

#define MAXC 8
#define MAXR 64

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    double w[MAXR];
    memcpy(w, v, sizeof(double) * (size_t)n);
    qsort(w, (size_t)n, sizeof(double), cmp_d);
    return n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
}

/* whether a typed array is in order: integers as they are, floats by the
 * order-preserving keys pas sorts by (the total order of pas_sort.h) */
static int in_order(int t, const void *a, size_t n)
{
    size_t bad = 0;
    if (t == T_U64) {
        const uint64_t *x = a;
        for (size_t i = 1; i < n; i++)
            bad += x[i] < x[i - 1];
    } else if (t == T_U32) {
        const uint32_t *x = a;
        for (size_t i = 1; i < n; i++)
            bad += x[i] < x[i - 1];
    } else if (t == T_I64) {
        const int64_t *x = a;
        for (size_t i = 1; i < n; i++)
            bad += x[i] < x[i - 1];
    } else {
        const double *x = a;
        for (size_t i = 1; i < n; i++)
            bad += pas_sort_key_f64(x[i]) < pas_sort_key_f64(x[i - 1]);
    }
    return bad == 0;
}

typedef struct {
    const char *name; /* "pas-radix", "vqsort", ... */
    int is_pas;
    pas_sort_local_t how;
    int one; /* runs on 1 thread whatever --threads says (the scaling reference) */
    double t[MAXR];
} contender_t;

/* one timed sort of work (a copy of the input); returns the seconds, and
 * where the result lies in *out */
static double run_one(contender_t *c, int t, void *work, void *tmp, size_t n, int threads,
                      void **out)
{
    double t0 = now();
    *out = work;
    if (c->one)
        omp_set_num_threads(1);
    if (c->is_pas) {
        if (pas_sort_local_typed(ptype[t], c->how, work, n) != PAS_OK)
            return -1;
        if (c->one)
            omp_set_num_threads(threads);
    } else {
        int r = peer_local_sort(c->name, t, work, tmp, n, threads);
        if (r < 0)
            return -1;
        if (r == 1)
            *out = tmp;
    }
    return now() - t0;
}

static int split_list(char *s, char **item, int max)
{
    int k = 0;
    for (char *tok = strtok(s, ","); tok && k < max; tok = strtok(NULL, ","))
        item[k++] = tok;
    return k;
}

int main(int argc, char **argv)
{
    double nd = 1e7;
    int threads = 1, rounds = 5;
    char types_s[256] = "u64,u32,i64,f64";
    char dists_s[512] = "uniform,zipf,exponential,fewsqrt,few2,few8,equal,sorted,reverse,almost";
    char pas_s[64] = "radix", peers_s[64] = "vqsort,ips4o";
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--n"))
            nd = strtod(v, NULL);
        else if (!strcmp(a, "--threads"))
            threads = atoi(v);
        else if (!strcmp(a, "--rounds"))
            rounds = atoi(v);
        else if (!strcmp(a, "--types"))
            snprintf(types_s, sizeof types_s, "%s", v);
        else if (!strcmp(a, "--dists"))
            snprintf(dists_s, sizeof dists_s, "%s", v);
        else if (!strcmp(a, "--pas"))
            snprintf(pas_s, sizeof pas_s, "%s", v);
        else if (!strcmp(a, "--peers"))
            snprintf(peers_s, sizeof peers_s, "%s", v);
        else {
            fprintf(stderr,
                    "sort-local-bench: unknown option '%s'; see the head of local_bench.c\n", a);
            return 2;
        }
    }
    if (nd < 1 || nd > 4e9 || threads < 1 || rounds < 1 || rounds > MAXR) {
        fprintf(stderr, "sort-local-bench: --n 1..4e9, --threads >= 1, --rounds 1..%d\n", MAXR);
        return 2;
    }
    size_t n = (size_t)nd;
    omp_set_num_threads(threads);

    char *tl[T_COUNT], *dl[PAS_DIST_COUNT], *pl[3], *ql[4];
    int nt = split_list(types_s, tl, T_COUNT), ndist = split_list(dists_s, dl, PAS_DIST_COUNT);
    int np = split_list(pas_s, pl, 3), nq = split_list(peers_s, ql, 4);
    contender_t con[MAXC];
    int nc = 0;
    for (int i = 0; i < np; i++) {
        static char names[3][32];
        pas_sort_local_t how = !strcmp(pl[i], "merge")   ? PAS_SORT_LOCAL_MERGE
                               : !strcmp(pl[i], "quick") ? PAS_SORT_LOCAL_QUICK
                                                         : PAS_SORT_LOCAL_RADIX;
        snprintf(names[i], sizeof names[i], "pas-%s", pl[i]);
        con[nc++] = (contender_t){names[i], 1, how, 0, {0}};
    }
    int npas = nc;
    if (threads > 1) /* the speedup over 1 thread, in the same rounds */
        con[nc++] = (contender_t){"pas-radix-1thread", 1, PAS_SORT_LOCAL_RADIX, 1, {0}};
    for (int i = 0; i < nq; i++) {
        if (!peer_local_have(ql[i])) {
            printf("  (%s not built in: %s; skipped)\n", ql[i],
                   !strcmp(ql[i], "vqsort") ? "install libhwy-dev" : "install libips4o-dev");
            continue;
        }
        con[nc++] = (contender_t){ql[i], 0, PAS_SORT_LOCAL_RADIX, 0, {0}};
    }

    printf("sort-local-bench: n=%zu threads=%d rounds=%d (medians over rounds; rates per core)\n",
           n, threads, rounds);
    int failed = 0;
    for (int ti = 0; ti < nt; ti++) {
        int t = -1;
        for (int k = 0; k < T_COUNT; k++)
            if (!strcmp(tl[ti], tname[k]))
                t = k;
        if (t < 0) {
            fprintf(stderr, "sort-local-bench: unknown type '%s' (u64,u32,i64,f64)\n", tl[ti]);
            return 2;
        }
        size_t es = tsize[t];
        void *orig = pas_sort_malloc(n * es), *work = pas_sort_malloc(n * es),
             *tmp = pas_sort_malloc(n * es);
        if (!orig || !work || !tmp) {
            fprintf(stderr, "sort-local-bench: out of memory for n=%zu; try a smaller --n\n", n);
            return 2;
        }
        memset(tmp, 0, n * es); /* touched: a peer's result may go there */
        for (int di = 0; di < ndist; di++) {
            pas_sort_dist_t d;
            if (pas_sort_dist_parse(dl[di], &d) != PAS_OK) {
                fprintf(stderr, "sort-local-bench: unknown distribution '%s'\n", dl[di]);
                return 2;
            }
            pas_sort_generate_records(ptype[t], d, 1, n, 1, 0, n, orig);
            uint64_t h = pas_sort_hash_records(orig, n, es);
            for (int r = 0; r < rounds; r++)
                for (int j = 0; j < nc; j++) {
                    contender_t *c = &con[(j + r) % nc];
                    memcpy(work, orig, n * es);
                    void *out;
                    double s = run_one(c, t, work, tmp, n, threads, &out);
                    if (s < 0 || !in_order(t, out, n) || pas_sort_hash_records(out, n, es) != h) {
                        printf("FAIL %s %s %s: %s\n", tname[t], dl[di], c->name,
                               s < 0 ? "error" : "output not the sorted input");
                        failed = 1;
                    }
                    c->t[r] = s;
                }
            printf("%-4s %-12s", tname[t], dl[di]);
            for (int j = 0; j < nc; j++)
                printf(" %s %.1f", con[j].name,
                       (double)n / median(con[j].t, rounds) / 1e6 / (con[j].one ? 1 : threads));
            for (int j = 0; j < npas; j++)
                for (int k = npas; k < nc; k++) {
                    double ratio[MAXR];
                    for (int r = 0; r < rounds; r++)
                        ratio[r] = con[k].t[r] / con[j].t[r];
                    printf(" | %s/%s %.2f", con[j].name, con[k].name, median(ratio, rounds));
                }
            printf("\n");
            fflush(stdout);
        }
        free(orig);
        free(work);
        free(tmp);
    }
    return failed;
}
