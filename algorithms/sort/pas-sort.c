/* pas-sort - distributed sort of generated keys or of a binary file,
 * verified on every run without gathering the data.  main reads as the
 * page: options, checks, input, pre-flight, one verified and reported run
 * per (algorithm, distribution); the library does the work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pas_driver.h"
#include "pas_paths.h"
#include "pas_sort.h"
#include "pas_watch.h"

enum { CORRUPT_NONE, CORRUPT_NOOP, CORRUPT_LOCAL, CORRUPT_DROP, CORRUPT_CHANGE, CORRUPT_SWAP };

/* The options as given. */
typedef struct {
    uint64_t n, mem_limit, chunk, samples;
    const char *algo_s, *dist_s, *type_s, *local_s, *in, *out, *corrupt_s, *levels_s;
    double eps;
    int stable;
    char dist_choices[512];
} sort_opts_t;

typedef struct {
    pas_driver_t *d;
    const sort_opts_t *o;
    pas_sort_config_t cfg;
    pas_sort_type_t type;
    pas_sort_kind_t kind;
    pas_sort_dist_t dist;
    int stable, fetch; /* fetch: records travel by index after the pairs are sorted */
    int corrupt;       /* CORRUPT_*: test-only damage before verifying */
    uint64_t n, first, count;
    void *recs; /* typed input records (file or generated), NULL for generated u64 */
    void *work; /* the elements being sorted (keys or pairs) */
    size_t nw;
    void *fetched; /* records in sorted order (fetch types) */
    uint64_t *first_index;
    pas_sort_info_t info;
    /* the runs: every algorithm and distribution asked for */
    pas_sort_algo_t algos[PAS_SORT_ALGO_COUNT];
    pas_sort_dist_t dists[PAS_DIST_COUNT];
    int na, nd;
    char nbuf[32]; /* n, formatted */
} sort_run_t;

static size_t rec_size(const sort_run_t *s)
{
    return pas_sort_type_size(s->type);
}

/* Parse the options (pas_driver_begin): -1 to go on, else the exit code. */
static int begin(pas_driver_t *d, sort_opts_t *o, int *argc, char ***argv)
{
    snprintf(o->dist_choices, sizeof o->dist_choices, "%s|all", pas_sort_dist_list());
    static const pas_prog_info_t info = {
        "pas-sort",
        "distributed sort (sample, merge, quick, mway, ams) of generated keys or a binary file",
        "[options]",
        "Every run verifies: sorted within and across ranks, the same multiset (count + hash), "
        "balance.\n"
        "--algo all and --dist all run every combination in one launch, one result row each.\n"
        "Types: u64 u32 i64 f32 f64 (floats in total order: -NaN < -inf < -0.0 < +0.0 < +inf < "
        "NaN),\n"
        "kv16 (uint64 key, uint64 value), rec100 (100-byte records, 10-byte key, as the Sort "
        "Benchmark).\n"
        "Files: --in/--out hold raw records of --type, native byte order; the output is written "
        "to\n"
        "PATH.pas-tmp.HOST.PID.RAND, read back, and renamed when complete "
        "(algorithms/core/README.md, Files)."};
    const pas_opt_t table[] = {
        {"algo", PAS_OPT_CHOICE, &o->algo_s, "ALGO",
         "distributed algorithm (auto prints its choice)", "auto|sample|merge|quick|mway|ams|all",
         0, 0},
        {"levels", PAS_OPT_CHOICE, &o->levels_s, "L",
         "ams: levels of k-way splitting, k ~ p^(1/L) (auto: from p and n/p, the gather path for "
         "tiny inputs)",
         "auto|1|2|3|4|5|6|7|8", 0, 0},
        {"n", PAS_OPT_SIZE, &o->n, "N", "global number of keys to generate", NULL, 0, 0},
        {"dist", PAS_OPT_CHOICE, &o->dist_s, "DIST", "input distribution", o->dist_choices, 0, 0},
        {"type", PAS_OPT_CHOICE, &o->type_s, "TYPE", "key or record type",
         "u64|u32|i64|f32|f64|kv16|rec100", 0, 0},
        {"eps", PAS_OPT_DOUBLE, &o->eps, "EPS",
         "sample sort: no rank gets more than (1+EPS) n/p keys", NULL, 0.001, 10},
        {"stable", PAS_OPT_FLAG, &o->stable, NULL, "kv16: equal keys keep their input order", NULL,
         0, 0},
        {"local", PAS_OPT_CHOICE, &o->local_s, "SORT", "sort inside a rank", "radix|merge|quick", 0,
         0},
        {"in", PAS_OPT_STRING, &o->in, "PATH",
         "sort this binary file of --type records instead of generating", NULL, 0, 0},
        {"out", PAS_OPT_STRING, &o->out, "PATH",
         "write the sorted records here (temporary name, then rename)", NULL, 0, 0},
        {"mem-limit", PAS_OPT_SIZE, &o->mem_limit, "BYTES",
         "memory a rank may use (0: the job's limit: node, cgroup, Slurm, ulimit -v)", NULL, 0, 0},
        {"samples", PAS_OPT_SIZE, &o->samples, "N",
         "sample sort: samples per rank (0: 8/eps^2 + 16)", NULL, 0, 0},
        {"chunk", PAS_OPT_SIZE, &o->chunk, "N",
         "test hook: at most N elements per MPI message (0: INT_MAX)", NULL, 0, 0},
        {"corrupt", PAS_OPT_CHOICE, &o->corrupt_s, "HOW",
         "test only: damage the output before verifying", "none|noop|local|drop|change|swap", 0, 0},
        {0},
    };
    return pas_driver_begin(d, &info, table, NULL, argc, argv);
}

/* The run's settings from the options (they are valid choices here). */
static void setup(sort_run_t *s, pas_driver_t *d, const sort_opts_t *o)
{
    memset(s, 0, sizeof *s);
    s->d = d;
    s->o = o;
    pas_sort_config_default(&s->cfg);
    s->cfg.eps = o->eps;
    s->cfg.seed = d->opt.seed;
    s->cfg.chunk_limit = o->chunk;
    s->cfg.samples = o->samples;
    s->cfg.levels = strcmp(o->levels_s, "auto") == 0 ? 0 : atoi(o->levels_s);
    s->cfg.local = strcmp(o->local_s, "merge") == 0   ? PAS_SORT_LOCAL_MERGE
                   : strcmp(o->local_s, "quick") == 0 ? PAS_SORT_LOCAL_QUICK
                                                      : PAS_SORT_LOCAL_RADIX;
    pas_sort_type_parse(o->type_s, &s->type);
    s->stable = o->stable;
    s->kind = pas_sort_type_kind(s->type);
    s->fetch = pas_sort_type_fetched(s->type, o->stable);
    s->n = o->n;
    static const char *const how[] = {"none", "noop", "local", "drop", "change", "swap"};
    for (int i = 0; i < (int)(sizeof how / sizeof *how); i++)
        if (strcmp(o->corrupt_s, how[i]) == 0)
            s->corrupt = i;
    if (strcmp(o->algo_s, "all") == 0) {
        for (int a = PAS_SORT_SAMPLE; a < PAS_SORT_ALGO_COUNT; a++)
            s->algos[s->na++] = (pas_sort_algo_t)a;
        s->algos[s->na++] = PAS_SORT_AUTO;
    } else {
        pas_sort_algo_parse(o->algo_s, &s->algos[s->na++]);
    }
    if (o->in || strcmp(o->dist_s, "all") != 0) {
        pas_sort_dist_parse(o->in ? "uniform" : o->dist_s, &s->dists[s->nd++]);
    } else {
        for (int i = 0; i < PAS_DIST_COUNT; i++)
            s->dists[s->nd++] = (pas_sort_dist_t)i;
    }
}

/* Options that do not go together, and the paths (a bad one is a usage
 * error found before any work); begins the output file. */
static int check_options(sort_run_t *s, pas_outfile_t *of)
{
    pas_driver_t *d = s->d;
    const sort_opts_t *o = s->o;
    int pairs = s->type == PAS_SORT_KV16 || s->type == PAS_SORT_REC100;
    int rc = pas_driver_check(d, o->stable && !pairs ? PAS_ERR_ARG : PAS_OK,
                              "--stable applies to records (--type kv16; rec100 is always stable): "
                              "plain keys that compare equal are identical");
    int all = !strcmp(o->algo_s, "all") || !strcmp(o->dist_s, "all");
    if (rc == PAS_OK)
        rc = pas_driver_check(d, o->out && all ? PAS_ERR_ARG : PAS_OK,
                              "--out needs one --algo and one --dist, not 'all'");
    if (rc == PAS_OK)
        rc = pas_driver_check(
            d, s->type == PAS_SORT_REC100 && o->n >= (1ULL << 48) ? PAS_ERR_ARG : PAS_OK,
            "rec100 sorts at most 2^48 records; use a smaller --n");
    if (rc == PAS_OK && o->in) {
        char err[512] = "";
        uint64_t size = 0;
        int st =
            d->rank == 0 ? pas_path_check_input("--in", o->in, 0, &size, err, sizeof err) : PAS_OK;
        rc = pas_driver_check(d, st, err);
    }
    if (rc == PAS_OK && o->out) {
        const char *inputs[] = {o->in, NULL};
        rc = pas_driver_output(d, "--out", o->out, inputs, of);
    }
    return rc;
}

/* Input from a file: read once, kept for every repetition. */
static int read_input(sort_run_t *s)
{
    pas_driver_t *d = s->d;
    const sort_opts_t *o = s->o;
    void *data = NULL;
    size_t nl = 0;
    uint64_t first = 0, total = 0;
    char why[512];
    int st = pas_sort_file_read(d->comm, o->in, rec_size(s), o->chunk, &data, &nl, &first, &total,
                                why, sizeof why);
    int rc;
    if (st == PAS_ERR_FORMAT) /* a problem with the input named by the user */
        rc = pas_driver_checkf(d, PAS_ERR_ARG,
                               "--in %s: size is not a multiple of the %zu-byte %s record; "
                               "check --type or the file",
                               o->in, rec_size(s), o->type_s);
    else
        rc = pas_driver_checkf(d, st, "--in %s", why);
    if (rc == PAS_OK) {
        s->recs = data;
        s->count = nl;
        s->first = first;
        s->n = total;
    }
    return rc;
}

/* Pre-flight: the worst algorithm and layout asked for must fit the job's
 * memory; too big (or too big to count) is a usage error (exit 2), found
 * before any work.  The sums saturate: no size wraps around. */
static int preflight(sort_run_t *s)
{
    pas_driver_t *d = s->d;
    int onerank = 0;
    for (int i = 0; i < s->nd; i++)
        onerank |= s->dists[i] == PAS_DIST_ONERANK;
    uint64_t need = pas_sort_mem_need(s->algos, s->na, s->n, d->size, d->rank, onerank, s->type,
                                      s->stable, s->o->eps);
    pas_mem_limit_t lim = pas_driver_mem_limit(d, s->o->mem_limit);
    char what[64];
    snprintf(what, sizeof what, "n=%llu", (unsigned long long)s->n);
    return pas_driver_mem_check(d, need, &lim, what, "use more ranks or a smaller --n");
}

static void banner(sort_run_t *s)
{
    const sort_opts_t *o = s->o;
    char ebuf[32];
    snprintf(ebuf, sizeof ebuf, "%g", o->eps);
    const char *kv[] = {
        "n",      s->nbuf,     "type", o->type_s, "dist",   o->in ? o->in : o->dist_s,
        "local",  o->local_s,  "eps",  ebuf,      "stable", o->stable ? "yes" : "no",
        "levels", o->levels_s, NULL};
    pas_driver_banner(s->d, o->algo_s, kv);
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
    if (!s->recs)
        pas_sort_generate_u64(s->dist, s->d->opt.seed, s->n, s->d->size, s->first, s->count, 64,
                              s->work);
    else
        pas_sort_elements(s->type, s->stable, s->recs, s->first, s->count, s->work);
    return PAS_OK;
}

static int run(void *ctx)
{
    sort_run_t *s = ctx;
    int rc = pas_sort(s->d->comm, s->kind, &s->cfg, &s->work, &s->nw, &s->info);
    if (rc == PAS_OK && s->fetch)
        rc = pas_sort_fetch_records(
            s->d->comm, s->work, s->nw, s->type == PAS_SORT_REC100 ? 48 : 64, s->recs, rec_size(s),
            s->first_index, s->cfg.chunk_limit, &s->fetched, &s->info.bytes_sent);
    return rc;
}

/* The input of one run: generated records (typed keys), the record index. */
static int make_input(sort_run_t *s)
{
    pas_driver_t *d = s->d;
    if (!s->o->in) {
        pas_sort_dist_layout(s->dist, s->n, d->size, d->rank, &s->first, &s->count);
        if (s->type != PAS_SORT_U64) {
            free(s->recs);
            uint64_t bytes = pas_sat_add(pas_sat_mul(s->count, rec_size(s)), 16);
            s->recs = bytes < SIZE_MAX ? malloc((size_t)bytes) : NULL;
            int rc = pas_driver_check(d, s->recs ? PAS_OK : PAS_ERR_NOMEM,
                                      "cannot allocate the input records");
            if (rc)
                return rc;
            pas_sort_generate_records(s->type, s->dist, d->opt.seed, s->n, d->size, s->first,
                                      s->count, s->recs);
        }
    }
    if (!s->fetch)
        return PAS_OK;
    free(s->first_index); /* where each global index lives */
    s->first_index = NULL;
    return pas_driver_check(d, pas_sort_record_index(d->comm, s->count, &s->first_index),
                            "cannot allocate the record index");
}

/* Test-only damage to the output, to show the verification catches it. */
static pas_status corrupt(sort_run_t *s, int how)
{
    pas_driver_t *d = s->d;
    size_t es = pas_sort_kind_size(s->kind);
    /* PAS_FAULT=R:corrupt:error fails this step (a test) */
    pas_status rc = pas_watch_phase("corrupt");
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
    } else if (how == CORRUPT_CHANGE && d->rank == 0 &&
               s->nw > 0) { /* a value changed, order kept */
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

/* The output, written and read back before the verdict: PASS covers the
 * file.  Keys of other types are decoded back into records first. */
static int write_output(sort_run_t *s, pas_outfile_t *of)
{
    pas_driver_t *d = s->d;
    size_t rs = rec_size(s);
    void *o = s->fetch ? s->fetched : s->work; /* kv16 {key, value} pairs are the records */
    if (!s->fetch && s->kind == PAS_SORT_KIND_U64 && s->type != PAS_SORT_U64) {
        o = malloc(s->nw * rs + 16);
        if (o)
            pas_sort_decode(s->type, s->work, s->nw, o);
    }
    int w = pas_agree(d->comm, o ? PAS_OK : PAS_ERR_NOMEM);
    if (w == PAS_OK)
        w = pas_sort_file_write(d->comm, of, rs, s->o->chunk, o, s->nw);
    else
        snprintf(of->why, sizeof of->why,
                 "no memory to decode the records for writing (nothing was written)");
    if (o != s->fetched && o != s->work)
        free(o);
    return pas_driver_checkf(d, w, "--out %s: %s", s->o->out,
                             of->why[0] ? of->why : pas_strerror(w));
}

/* One result row (rank 0). */
static void report(sort_run_t *s, pas_sort_algo_t algo_asked, const pas_stats_t *st,
                   const pas_sort_check_t *chk, uint64_t sent, int rc)
{
    pas_driver_t *d = s->d;
    const sort_opts_t *o = s->o;
    char algo[48], size[96], extra[200], lv[48] = "";
    if (algo_asked == PAS_SORT_AUTO)
        snprintf(algo, sizeof algo, "auto:%s", pas_sort_algo_name(s->info.algo));
    else
        snprintf(algo, sizeof algo, "%s", pas_sort_algo_name(algo_asked));
    snprintf(size, sizeof size, "n=%s %s %s%s", s->nbuf, o->type_s,
             o->in ? "file" : pas_sort_dist_name(s->dist), o->stable ? " stable" : "");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long rss = ru.ru_maxrss, rss_max = 0; /* KiB */
    MPI_Allreduce(&rss, &rss_max, 1, MPI_LONG, MPI_MAX, d->comm);
    if (s->info.algo == PAS_SORT_AMS && s->info.levels == 0)
        snprintf(lv, sizeof lv, " levels=gather fallback=%d", s->info.exact_fallback);
    else if (s->info.algo == PAS_SORT_AMS)
        snprintf(lv, sizeof lv, " levels=%d fallback=%d", s->info.levels, s->info.exact_fallback);
    else if (s->info.exact_fallback)
        snprintf(lv, sizeof lv, " exact_fallback=1");
    snprintf(extra, sizeof extra, "balance=%.3f sent_per_rank_max_mb=%.1f peak_rss_max_mb=%.1f%s",
             chk->balance, sent / 1e6, rss_max / 1024.0, lv);
    pas_result_t r = {d->info->program,
                      algo,
                      size,
                      d->size,
                      d->machine.threads,
                      *st,
                      st->median > 0 ? (double)s->n / st->median / 1e6 : 0,
                      "Mkeys/s",
                      rc == PAS_OK ? "PASS" : "FAIL",
                      extra};
    if (d->rank == 0)
        pas_result_print(stdout, &r, d->opt.json);
}

/* One (algorithm, distribution): input, digest, timed sort, verification,
 * output, result row. */
static int sort_case(sort_run_t *s, pas_outfile_t *of, pas_sort_algo_t algo, pas_sort_dist_t dist)
{
    pas_driver_t *d = s->d;
    s->cfg.algo = algo;
    s->dist = dist;
    int rc = make_input(s);
    if (rc)
        return rc;
    /* digest of the input, as sorted elements and as records */
    pas_sort_digest_t dig;
    uint64_t rhash = 0;
    rc = pas_driver_check(d, prepare(s),
                          "cannot allocate the keys; use more ranks or a smaller --n");
    if (rc)
        return rc;
    pas_sort_digest(d->comm, s->kind, s->work, s->nw, &dig);
    if (s->fetch) {
        uint64_t h = pas_sort_hash_records(s->recs, s->count, rec_size(s));
        MPI_Allreduce(&h, &rhash, 1, MPI_UINT64_T, MPI_SUM, d->comm);
    }
    memset(&s->info, 0, sizeof s->info);
    pas_stats_t st;
    int b = pas_bench_run(d->comm, d->opt.warmup, d->opt.reps, prepare, run, s, &st);
    rc = pas_driver_checkf(d, b, "sort failed (%s, %s)", pas_sort_algo_name(algo),
                           pas_sort_dist_name(dist));
    if (rc == PAS_OK && s->corrupt != CORRUPT_NONE)
        rc = pas_driver_check(d, corrupt(s, s->corrupt), "corrupting the output failed");
    if (rc) /* never verify (or write) what a failed step left */
        return rc;
    uint64_t bound = 0, n = s->n, p = (uint64_t)d->size;
    if (s->info.algo == PAS_SORT_SAMPLE || s->info.algo == PAS_SORT_AMS)
        bound = pas_sort_balance_bound(n, d->size, s->o->eps);
    else if (s->info.algo == PAS_SORT_MWAY || s->info.algo == PAS_SORT_MERGE)
        bound = (n + p - 1) / p;
    pas_sort_check_t chk;
    int v = pas_sort_verify(d->comm, s->kind, s->work, s->nw, &dig, bound, &chk);
    if (v == PAS_OK && s->fetch)
        v = pas_sort_check_fetched(d->comm, s->type, s->work, s->fetched, s->nw, rhash);
    uint64_t sent = 0;
    MPI_Allreduce(&s->info.bytes_sent, &sent, 1, MPI_UINT64_T, MPI_MAX, d->comm);
    rc = pas_driver_checkf(d, v,
                           "verification failed (%s, %s): sorted inside ranks %s, across ranks %s, "
                           "same keys %s, balance %.3f %s",
                           pas_sort_algo_name(algo), pas_sort_dist_name(dist),
                           chk.sorted_local ? "yes" : "NO", chk.sorted_across ? "yes" : "NO",
                           chk.same_multiset ? "yes" : "NO", chk.balance,
                           chk.balanced ? "ok" : "OVER THE BOUND");
    if (rc == PAS_OK && s->o->out)
        rc = write_output(s, of);
    report(s, algo, &st, &chk, sent, rc);
    return rc;
}

int main(int argc, char **argv)
{
    sort_opts_t o = {.n = 10000000,
                     .algo_s = "auto",
                     .dist_s = "uniform",
                     .type_s = "u64",
                     .local_s = "radix",
                     .corrupt_s = "none",
                     .levels_s = "auto",
                     .eps = 0.1};
    pas_driver_t d;
    int code = begin(&d, &o, &argc, &argv);
    if (code >= 0)
        return code;

    sort_run_t s;
    setup(&s, &d, &o);
    pas_outfile_t of;
    memset(&of, 0, sizeof of);
    int rc = check_options(&s, &of);
    if (rc == PAS_OK && o.in)
        rc = read_input(&s);
    if (rc == PAS_OK)
        rc = preflight(&s);
    pas_format_size(s.n, s.nbuf, sizeof s.nbuf);
    if (rc == PAS_OK)
        banner(&s);

    for (int a = 0; a < s.na && rc == PAS_OK; a++)
        for (int di = 0; di < s.nd && rc == PAS_OK; di++)
            rc = sort_case(&s, &of, s.algos[a], s.dists[di]);

    pas_outfile_end(&of);
    free(s.first_index);
    free(s.fetched);
    free(s.work);
    free(s.recs);
    return pas_driver_end(&d, rc);
}
