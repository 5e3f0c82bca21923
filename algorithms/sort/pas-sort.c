/* pas-sort - distributed sort of generated keys or of a binary file,
 * verified on every run without gathering the data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pas_decomp.h"
#include "pas_driver.h"
#include "pas_paths.h"
#include "pas_sort.h"
#include "pas_watch.h"

enum { CORRUPT_NONE, CORRUPT_NOOP, CORRUPT_LOCAL, CORRUPT_DROP, CORRUPT_CHANGE, CORRUPT_SWAP };

typedef struct {
    pas_driver_t *d;
    pas_sort_config_t cfg;
    pas_sort_type_t type;
    pas_sort_kind_t kind;
    pas_sort_dist_t dist;
    int stable, fetch; /* fetch: records travel by index after the pairs are sorted */
    uint64_t n, first, count;
    void *recs;        /* typed input records (file or generated), NULL for generated u64 */
    void *work;        /* the elements being sorted (keys or pairs) */
    size_t nw;
    void *fetched;     /* records in sorted order (fetch types) */
    uint64_t *first_index;
    pas_sort_info_t info;
} sort_run_t;

static size_t rec_size(const sort_run_t *s) { return pas_sort_type_size(s->type); }

/* Typed records at global indices first.. from the distribution. */
static void gen_records(sort_run_t *s)
{
    size_t rs = rec_size(s);
#pragma omp parallel for schedule(static) if (s->count > PAS_OMP_MIN_N)
    for (size_t i = 0; i < s->count; i++) {
        uint64_t g = s->first + i;
        unsigned char *r = (unsigned char *)s->recs + i * rs;
        int bits = s->type == PAS_SORT_U32 ? 32 : s->type == PAS_SORT_F32 ? 24 : s->type == PAS_SORT_F64 ? 53 : 64;
        int special = s->dist == PAS_DIST_SPECIAL;
        if (special && s->type == PAS_SORT_F32)
            bits = 32;
        if (special && s->type == PAS_SORT_F64)
            bits = 64;
        uint64_t k = pas_sort_dist_key(s->dist, s->d->opt.seed, s->n, s->d->size, g, bits);
        switch (s->type) {
        case PAS_SORT_U32: ((uint32_t *)s->recs)[i] = (uint32_t)k; break;
        case PAS_SORT_I64: ((int64_t *)s->recs)[i] = pas_sort_unkey_i64(k); break;
        case PAS_SORT_F32:
            if (special) {
                uint32_t b = (uint32_t)k;
                memcpy(r, &b, 4);
            } else {
                ((float *)s->recs)[i] = (float)(((double)k / 16777216.0 - 0.5) * 2e6);
            }
            break;
        case PAS_SORT_F64:
            if (special)
                memcpy(r, &k, 8);
            else
                ((double *)s->recs)[i] = ((double)k / 9007199254740992.0 - 0.5) * 2e6;
            break;
        case PAS_SORT_KV16:
            ((uint64_t *)r)[0] = k;
            ((uint64_t *)r)[1] = pas_mix64(g ^ 0xfeedULL);
            break;
        case PAS_SORT_REC100: {
            for (int b = 0; b < 8; b++)
                r[b] = (unsigned char)(k >> (56 - 8 * b));
            uint64_t t = pas_mix64(k);
            r[8] = (unsigned char)t;
            r[9] = (unsigned char)(t >> 8);
            uint64_t f = pas_mix64(g);
            for (int b = 10; b < 100; b++) {
                if (b % 8 == 2)
                    f = pas_mix64(f + (uint64_t)b);
                r[b] = (unsigned char)(f >> (8 * (b % 8)));
            }
            break;
        }
        default: ((uint64_t *)s->recs)[i] = k; break;
        }
    }
}

/* The elements to sort, from the input (untimed). */
static int prepare(void *ctx)
{
    sort_run_t *s = ctx;
    free(s->work);
    free(s->fetched);
    s->fetched = NULL;
    size_t es = pas_sort_kind_size(s->kind);
    uint64_t bytes = pas_sat_add(pas_sat_mul(s->count, es), 16);
    s->work = bytes < SIZE_MAX ? pas_sort_malloc((size_t)bytes) : NULL;
    s->nw = s->count;
    if (!s->work)
        return PAS_ERR_NOMEM;
    if (!s->recs) {
        pas_sort_generate_u64(s->dist, s->d->opt.seed, s->n, s->d->size, s->first, s->count, 64, s->work);
    } else if (s->kind == PAS_SORT_KIND_U64) {
        pas_sort_encode(s->type, s->recs, s->count, s->work);
    } else {
        pas_sort_pair_t *w = s->work;
        const unsigned char *r = s->recs;
#pragma omp parallel for schedule(static) if (s->count > PAS_OMP_MIN_N)
        for (size_t i = 0; i < s->count; i++) {
            uint64_t g = s->first + i;
            if (s->type == PAS_SORT_REC100) {
                w[i] = pas_sort_rec100_pair(r + i * 100, g);
            } else {
                const uint64_t *kv = (const uint64_t *)(r + i * 16);
                w[i].k = kv[0];
                w[i].v = s->stable ? g : kv[1];
            }
        }
    }
    return PAS_OK;
}

static int run(void *ctx)
{
    sort_run_t *s = ctx;
    int rc = pas_sort(s->d->comm, s->kind, &s->cfg, &s->work, &s->nw, &s->info);
    if (rc == PAS_OK && s->fetch)
        rc = pas_sort_fetch_records(s->d->comm, s->work, s->nw, s->type == PAS_SORT_REC100 ? 48 : 64, s->recs,
                                    rec_size(s), s->first_index, s->cfg.chunk_limit, &s->fetched,
                                    &s->info.bytes_sent);
    return rc;
}

/* Test-only damage to the output, to show the verification catches it. */
static int corrupt(sort_run_t *s, int how)
{
    pas_driver_t *d = s->d;
    size_t es = pas_sort_kind_size(s->kind);
    int rc = pas_watch_phase("corrupt"); /* PAS_FAULT=R:corrupt:error fails this step (a test) */
    if (rc != PAS_OK)
        return rc;
    if (how == CORRUPT_NOOP || how == CORRUPT_LOCAL) {
        rc = prepare(s);
        if (rc == PAS_OK && how == CORRUPT_LOCAL)
            rc = pas_sort_local(s->kind, s->cfg.local, s->work, s->nw);
    } else if (how == CORRUPT_DROP) { /* the last rank holding anything loses its last key */
        int mine = s->nw > 0 ? d->rank : -1, last = -1;
        MPI_Allreduce(&mine, &last, 1, MPI_INT, MPI_MAX, d->comm);
        if (d->rank == last)
            s->nw--;
    } else if (how == CORRUPT_CHANGE && d->rank == 0 && s->nw > 0) { /* a value changed, order kept */
        if (s->kind == PAS_SORT_KIND_PAIR) {
            ((pas_sort_pair_t *)s->work)[0].v ^= 1;
        } else {
            uint64_t *k = s->work;
            if (k[0] > 0)
                k[0]--;
            else
                k[s->nw - 1] += k[s->nw - 1] < UINT64_MAX ? 1 : 0;
            if (s->nw == 1 && k[0] == 0)
                k[0] = 1;
        }
    } else if (how == CORRUPT_SWAP && d->rank == 0) { /* two different keys out of order */
        unsigned char *a = s->work, t[16];
        for (size_t i = 1; i < s->nw; i++)
            if (memcmp(a + (i - 1) * es, a + i * es, es) != 0) {
                memcpy(t, a + (i - 1) * es, es);
                memcpy(a + (i - 1) * es, a + i * es, es);
                memcpy(a + i * es, t, es);
                break;
            }
    }
    return rc;
}

/* Fetched records must carry the keys of the sorted pairs, and be the same
 * multiset as the input records. */
static int check_fetched(sort_run_t *s, uint64_t input_hash)
{
    const pas_sort_pair_t *w = s->work;
    const unsigned char *r = s->fetched;
    int ok = 1;
    for (size_t i = 0; i < s->nw && ok; i++) {
        if (s->type == PAS_SORT_REC100) {
            pas_sort_pair_t q = pas_sort_rec100_pair(r + i * 100, w[i].v);
            ok = q.k == w[i].k && q.v == w[i].v;
        } else {
            ok = ((const uint64_t *)(r + i * 16))[0] == w[i].k;
        }
    }
    uint64_t h = pas_sort_hash_records(s->fetched, s->nw, rec_size(s)), hs = 0;
    int all = 0;
    MPI_Allreduce(&h, &hs, 1, MPI_UINT64_T, MPI_SUM, s->d->comm);
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, s->d->comm);
    return all && hs == input_hash ? PAS_OK : PAS_ERR_VERIFY;
}

int main(int argc, char **argv)
{
    uint64_t n = 10000000, mem_limit = 0, chunk = 0, samples = 0;
    const char *algo_s = "auto", *dist_s = "uniform", *type_s = "u64", *local_s = "radix";
    const char *in = NULL, *out = NULL, *corrupt_s = "none", *levels_s = "auto";
    double eps = 0.1;
    int stable = 0;
    static char dist_choices[512];
    snprintf(dist_choices, sizeof dist_choices, "%s|all", pas_sort_dist_list());
    static const pas_prog_info_t info = {
        "pas-sort", "distributed sort (sample, merge, quick, mway, ams) of generated keys or a binary file", "[options]",
        "Every run verifies: sorted within and across ranks, the same multiset (count + hash), balance.\n"
        "--algo all and --dist all run every combination in one launch, one result row each.\n"
        "Types: u64 u32 i64 f32 f64 (floats in total order: -NaN < -inf < -0.0 < +0.0 < +inf < NaN),\n"
        "kv16 (uint64 key, uint64 value), rec100 (100-byte records, 10-byte key, as the Sort Benchmark).\n"
        "Files: --in/--out hold raw records of --type, native byte order; the output is written to\n"
        "PATH.pas-tmp.HOST.PID.RAND, read back, and renamed when complete (README: Files)."};
    const pas_opt_t table[] = {
        {"algo", PAS_OPT_CHOICE, &algo_s, "ALGO", "distributed algorithm (auto prints its choice)", "auto|sample|merge|quick|mway|ams|all", 0, 0},
        {"levels", PAS_OPT_CHOICE, &levels_s, "L", "ams: levels of k-way splitting, k ~ p^(1/L) (auto: from p and n/p, the gather path for tiny inputs)", "auto|1|2|3|4|5|6|7|8", 0, 0},
        {"n", PAS_OPT_SIZE, &n, "N", "global number of keys to generate", NULL, 0, 0},
        {"dist", PAS_OPT_CHOICE, &dist_s, "DIST", "input distribution", dist_choices, 0, 0},
        {"type", PAS_OPT_CHOICE, &type_s, "TYPE", "key or record type", "u64|u32|i64|f32|f64|kv16|rec100", 0, 0},
        {"eps", PAS_OPT_DOUBLE, &eps, "EPS", "sample sort: no rank gets more than (1+EPS) n/p keys", NULL, 0.001, 10},
        {"stable", PAS_OPT_FLAG, &stable, NULL, "kv16: equal keys keep their input order", NULL, 0, 0},
        {"local", PAS_OPT_CHOICE, &local_s, "SORT", "sort inside a rank", "radix|merge|quick", 0, 0},
        {"in", PAS_OPT_STRING, &in, "PATH", "sort this binary file of --type records instead of generating", NULL, 0, 0},
        {"out", PAS_OPT_STRING, &out, "PATH", "write the sorted records here (temporary name, then rename)", NULL, 0, 0},
        {"mem-limit", PAS_OPT_SIZE, &mem_limit, "BYTES", "memory a rank may use (0: the job's limit: node, cgroup, Slurm, ulimit -v)", NULL, 0, 0},
        {"samples", PAS_OPT_SIZE, &samples, "N", "sample sort: samples per rank (0: 8/eps^2 + 16)", NULL, 0, 0},
        {"chunk", PAS_OPT_SIZE, &chunk, "N", "test hook: at most N elements per MPI message (0: INT_MAX)", NULL, 0, 0},
        {"corrupt", PAS_OPT_CHOICE, &corrupt_s, "HOW", "test only: damage the output before verifying", "none|noop|local|drop|change|swap", 0, 0},
        {0},
    };
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, NULL, &argc, &argv);
    if (code >= 0)
        return code;

    sort_run_t s;
    memset(&s, 0, sizeof s);
    s.d = &d;
    pas_sort_config_default(&s.cfg);
    s.cfg.eps = eps;
    s.cfg.seed = d.opt.seed;
    s.cfg.chunk_limit = chunk;
    s.cfg.samples = samples;
    s.cfg.levels = strcmp(levels_s, "auto") == 0 ? 0 : atoi(levels_s);
    s.cfg.local = strcmp(local_s, "merge") == 0 ? PAS_SORT_LOCAL_MERGE
                  : strcmp(local_s, "quick") == 0 ? PAS_SORT_LOCAL_QUICK
                                                  : PAS_SORT_LOCAL_RADIX;
    pas_sort_type_parse(type_s, &s.type);
    s.stable = stable;
    s.kind = s.type == PAS_SORT_KV16 || s.type == PAS_SORT_REC100 ? PAS_SORT_KIND_PAIR : PAS_SORT_KIND_U64;
    s.fetch = s.type == PAS_SORT_REC100 || (s.type == PAS_SORT_KV16 && stable);
    int how = strcmp(corrupt_s, "noop") == 0     ? CORRUPT_NOOP
              : strcmp(corrupt_s, "local") == 0  ? CORRUPT_LOCAL
              : strcmp(corrupt_s, "drop") == 0   ? CORRUPT_DROP
              : strcmp(corrupt_s, "change") == 0 ? CORRUPT_CHANGE
              : strcmp(corrupt_s, "swap") == 0   ? CORRUPT_SWAP
                                                 : CORRUPT_NONE;

    int rc = pas_driver_check(&d, stable && s.type != PAS_SORT_KV16 && s.type != PAS_SORT_REC100 ? PAS_ERR_ARG : PAS_OK,
                              "--stable applies to records (--type kv16; rec100 is always stable): "
                              "plain keys that compare equal are identical");
    if (rc == PAS_OK)
        rc = pas_driver_check(&d, out && (!strcmp(algo_s, "all") || !strcmp(dist_s, "all")) ? PAS_ERR_ARG : PAS_OK,
                              "--out needs one --algo and one --dist, not 'all'");
    if (rc == PAS_OK)
        rc = pas_driver_check(&d, s.type == PAS_SORT_REC100 && n >= (1ULL << 48) ? PAS_ERR_ARG : PAS_OK,
                              "rec100 sorts at most 2^48 records; use a smaller --n");
    /* paths first: a bad one is a usage error found before any work */
    if (rc == PAS_OK && in) {
        char err[512] = "";
        uint64_t size = 0;
        int st = d.rank == 0 ? pas_path_check_input("--in", in, 0, &size, err, sizeof err) : PAS_OK;
        rc = pas_driver_check(&d, st, err);
    }
    pas_outfile_t of;
    memset(&of, 0, sizeof of);
    if (rc == PAS_OK && out) {
        const char *inputs[] = {in, NULL};
        rc = pas_driver_output(&d, "--out", out, inputs, &of);
    }
    /* input from a file: read once, kept for every repetition */
    if (rc == PAS_OK && in) {
        void *data = NULL;
        size_t nl = 0;
        uint64_t first = 0, total = 0;
        char why[512];
        int st = pas_sort_file_read(d.comm, in, rec_size(&s), chunk, &data, &nl, &first, &total, why, sizeof why);
        int fmt = st == PAS_ERR_FORMAT;
        if (st == PAS_ERR_FORMAT) /* a problem with the input named by the user */
            st = PAS_ERR_ARG;
        rc = fmt ? pas_driver_checkf(&d, st, "--in %s: size is not a multiple of the %zu-byte %s record; "
                                             "check --type or the file", in, rec_size(&s), type_s)
                 : pas_driver_checkf(&d, st, "--in %s", why);
        if (rc == PAS_OK) {
            s.recs = data;
            s.count = nl;
            s.first = first;
            n = total;
        }
    }

    int na = 0, nd = 0;
    pas_sort_algo_t algos[PAS_SORT_ALGO_COUNT];
    pas_sort_dist_t dists[PAS_DIST_COUNT];
    if (strcmp(algo_s, "all") == 0) {
        for (int a = PAS_SORT_SAMPLE; a < PAS_SORT_ALGO_COUNT; a++)
            algos[na++] = (pas_sort_algo_t)a;
        algos[na++] = PAS_SORT_AUTO;
    } else {
        pas_sort_algo_parse(algo_s, &algos[na++]);
    }
    if (in || strcmp(dist_s, "all") != 0) {
        pas_sort_dist_parse(in ? "uniform" : dist_s, &dists[nd++]);
    } else {
        for (int i = 0; i < PAS_DIST_COUNT; i++)
            dists[nd++] = (pas_sort_dist_t)i;
    }

    /* pre-flight: the worst algorithm and layout asked for must fit the
     * job's memory; too big (or too big to count) is a usage error (exit 2),
     * found before any work.  The sums saturate: no size wraps around. */
    if (rc == PAS_OK) {
        pas_mem_limit_t lim = pas_driver_mem_limit(&d, mem_limit);
        uint64_t need = 0;
        size_t es = pas_sort_kind_size(s.kind);
        for (int a = 0; a < na; a++) {
            uint64_t e = pas_sort_mem_estimate(algos[a], n, d.size, es, eps);
            if (e > need)
                need = e;
        }
        uint64_t share = n / (uint64_t)d.size + (n % (uint64_t)d.size != 0);
        for (int i = 0; i < nd; i++)
            if (dists[i] == PAS_DIST_ONERANK && d.rank == 0)
                need = pas_sat_add(need, pas_sat_mul(pas_sat_mul(n - share, es), 2));
        if (s.kind == PAS_SORT_KIND_PAIR || s.type != PAS_SORT_U64)
            need = pas_sat_add(need, pas_sat_mul(pas_sat_mul(share, rec_size(&s)), s.fetch ? 3 : 1));
        char what[64];
        snprintf(what, sizeof what, "n=%llu", (unsigned long long)n);
        rc = pas_driver_mem_check(&d, need, &lim, what, "use more ranks or a smaller --n");
    }

    char nbuf[32], ebuf[32];
    pas_format_size(n, nbuf, sizeof nbuf);
    snprintf(ebuf, sizeof ebuf, "%g", eps);
    const char *kv[] = {"n", nbuf, "type", type_s, "dist", in ? in : dist_s, "local", local_s, "eps", ebuf,
                        "stable", stable ? "yes" : "no", "levels", levels_s, NULL};
    if (rc == PAS_OK)
        pas_driver_banner(&d, algo_s, kv);

    for (int a = 0; a < na && rc == PAS_OK; a++) {
        for (int di = 0; di < nd && rc == PAS_OK; di++) {
            s.cfg.algo = algos[a];
            s.dist = dists[di];
            s.n = n;
            if (!in) {
                pas_sort_dist_layout(s.dist, n, d.size, d.rank, &s.first, &s.count);
                if (s.type != PAS_SORT_U64) {
                    free(s.recs);
                    uint64_t bytes = pas_sat_add(pas_sat_mul(s.count, rec_size(&s)), 16);
                    s.recs = bytes < SIZE_MAX ? malloc((size_t)bytes) : NULL;
                    rc = pas_driver_check(&d, s.recs ? PAS_OK : PAS_ERR_NOMEM, "cannot allocate the input records");
                    if (rc)
                        break;
                    gen_records(&s);
                }
            }
            if (s.fetch) { /* where each global index lives */
                free(s.first_index);
                s.first_index = malloc(sizeof(uint64_t) * (size_t)(d.size + 1));
                rc = pas_driver_check(&d, s.first_index ? PAS_OK : PAS_ERR_NOMEM, "cannot allocate the record index");
                if (rc)
                    break;
                uint64_t c = s.count;
                MPI_Allgather(&c, 1, MPI_UINT64_T, s.first_index + 1, 1, MPI_UINT64_T, d.comm);
                s.first_index[0] = 0;
                for (int r = 0; r < d.size; r++)
                    s.first_index[r + 1] += s.first_index[r];
            }
            /* digest of the input, as sorted elements and as records */
            pas_sort_digest_t dig;
            uint64_t rhash = 0;
            rc = pas_driver_check(&d, prepare(&s), "cannot allocate the keys; use more ranks or a smaller --n");
            if (rc)
                break;
            pas_sort_digest(d.comm, s.kind, s.work, s.nw, &dig);
            if (s.fetch) {
                uint64_t h = pas_sort_hash_records(s.recs, s.count, rec_size(&s));
                MPI_Allreduce(&h, &rhash, 1, MPI_UINT64_T, MPI_SUM, d.comm);
            }
            memset(&s.info, 0, sizeof s.info);
            pas_stats_t st;
            rc = pas_driver_checkf(&d, pas_bench_run(d.comm, d.opt.warmup, d.opt.reps, prepare, run, &s, &st),
                                   "sort failed (%s, %s)", pas_sort_algo_name(algos[a]), pas_sort_dist_name(s.dist));
            if (rc)
                break;
            if (how != CORRUPT_NONE)
                rc = pas_driver_check(&d, corrupt(&s, how), "corrupting the output failed");
            if (rc) /* never verify (or write) what a failed step left */
                break;
            uint64_t bound = 0;
            if (s.info.algo == PAS_SORT_SAMPLE || s.info.algo == PAS_SORT_AMS)
                bound = pas_sort_balance_bound(n, d.size, eps);
            else if (s.info.algo == PAS_SORT_MWAY || s.info.algo == PAS_SORT_MERGE)
                bound = (n + (uint64_t)d.size - 1) / (uint64_t)d.size;
            pas_sort_check_t chk;
            int v = pas_sort_verify(d.comm, s.kind, s.work, s.nw, &dig, bound, &chk);
            if (v == PAS_OK && s.fetch)
                v = check_fetched(&s, rhash);
            uint64_t sent = 0;
            MPI_Allreduce(&s.info.bytes_sent, &sent, 1, MPI_UINT64_T, MPI_MAX, d.comm);
            rc = pas_driver_checkf(&d, v,
                                   "verification failed (%s, %s): sorted inside ranks %s, across ranks %s, "
                                   "same keys %s, balance %.3f %s",
                                   pas_sort_algo_name(algos[a]), pas_sort_dist_name(s.dist),
                                   chk.sorted_local ? "yes" : "NO", chk.sorted_across ? "yes" : "NO",
                                   chk.same_multiset ? "yes" : "NO", chk.balance, chk.balanced ? "ok" : "OVER THE BOUND");
            /* the output, written and read back before the verdict: PASS covers the file */
            if (rc == PAS_OK && out) {
                size_t rs = rec_size(&s);
                void *o = s.fetched;
                if (!s.fetch && s.kind == PAS_SORT_KIND_U64 && s.type != PAS_SORT_U64) {
                    o = malloc(s.nw * rs + 16);
                    if (o)
                        pas_sort_decode(s.type, s.work, s.nw, o);
                } else if (!s.fetch && s.type == PAS_SORT_KV16) {
                    o = s.work; /* {key, value} pairs are the records */
                } else if (!s.fetch) {
                    o = s.work;
                }
                int w = pas_agree(d.comm, o ? PAS_OK : PAS_ERR_NOMEM);
                if (w == PAS_OK)
                    w = pas_sort_file_write(d.comm, &of, rs, chunk, o, s.nw);
                else
                    snprintf(of.why, sizeof of.why, "no memory to decode the records for writing (nothing was written)");
                if (o != s.fetched && o != s.work)
                    free(o);
                rc = pas_driver_checkf(&d, w, "--out %s: %s", out, of.why[0] ? of.why : pas_strerror(w));
            }
            char algo[48], size[96], extra[200], lv[48] = "";
            if (algos[a] == PAS_SORT_AUTO)
                snprintf(algo, sizeof algo, "auto:%s", pas_sort_algo_name(s.info.algo));
            else
                snprintf(algo, sizeof algo, "%s", pas_sort_algo_name(algos[a]));
            snprintf(size, sizeof size, "n=%s %s %s%s", nbuf, type_s, in ? "file" : pas_sort_dist_name(s.dist),
                     stable ? " stable" : "");
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            long rss = ru.ru_maxrss, rss_max = 0; /* KiB */
            MPI_Allreduce(&rss, &rss_max, 1, MPI_LONG, MPI_MAX, d.comm);
            if (s.info.algo == PAS_SORT_AMS && s.info.levels == 0)
                snprintf(lv, sizeof lv, " levels=gather fallback=%d", s.info.exact_fallback);
            else if (s.info.algo == PAS_SORT_AMS)
                snprintf(lv, sizeof lv, " levels=%d fallback=%d", s.info.levels, s.info.exact_fallback);
            else if (s.info.exact_fallback)
                snprintf(lv, sizeof lv, " exact_fallback=1");
            snprintf(extra, sizeof extra, "balance=%.3f sent_per_rank_max_mb=%.1f peak_rss_max_mb=%.1f%s", chk.balance,
                     sent / 1e6, rss_max / 1024.0, lv);
            pas_result_t r = {info.program, algo, size, d.size, d.machine.threads, st,
                              st.median > 0 ? (double)n / st.median / 1e6 : 0, "Mkeys/s",
                              rc == PAS_OK ? "PASS" : "FAIL", extra};
            if (d.rank == 0)
                pas_result_print(stdout, &r, d.opt.json);
        }
    }
    pas_outfile_end(&of);
    free(s.first_index);
    free(s.fetched);
    free(s.work);
    free(s.recs);
    return pas_driver_end(&d, rc);
}
