/* pas-matmul - distributed dense C = alpha op(A) op(B) + beta C (SUMMA,
 * Cannon, 2.5D) over block-decomposed matrices, verified by Freivalds'
 * check on every run, reported against the measured FMA peak and the
 * communication lower bounds. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pas_decomp.h"
#include "pas_driver.h"
#include "pas_paths.h"
#include "pas_matmul.h"

/* The options (file scope, so that the option table can point at them). */
static struct {
    uint64_t m, n, k, panel, mem_limit;
    const char *type, *algo, *grid, *save, *kernel;
    int replicas, ta, tb, blocking, corrupt;
    double alpha, beta, peak_seconds, peak;
} opt = {2048, 2048, 2048, 256, 0, "double", "auto", NULL, NULL, "pas",
         0,    0,    0,    0,   0, 1.0,      0.0,    0.25, 0};

typedef struct {
    pas_matmul_layers_t lay;
    pas_matmul_cfg_t cfg;
    pas_dmatrix_t ad, bd, cd;
    void *a, *b, *c;
    int ta, tb;
    double alpha, beta;
    uint64_t c0_seed;
    pas_matmul_stats_t st;
    int rows, cols;        /* --grid, 0 x 0 without */
    size_t es;             /* element bytes */
    const char *algo_name; /* the algorithm that runs */
    char note[256];        /* why it is not the one asked for (auto, fallbacks) */
} mm_run_t;

static void fill(const pas_dmatrix_t *d, int is_float, uint64_t seed, void *x)
{
    if (is_float)
        pas_dmatrix_fill_random_s(d, seed, x);
    else
        pas_dmatrix_fill_random_d(d, seed, x);
}

static void fill_nan(const pas_dmatrix_t *d, int is_float, void *x)
{
    for (uint64_t i = 0; i < d->ld * d->ln; i++) {
        if (is_float)
            ((float *)x)[i] = NAN;
        else
            ((double *)x)[i] = NAN;
    }
}

/* Untimed before every repetition: C back to C0 (layer 0; the other layers'
 * C is work space, poisoned so that an unreduced or unscaled value shows). */
static int prepare(void *ctx)
{
    mm_run_t *r = ctx;
    if (r->lay.layer == 0)
        fill(&r->cd, r->cfg.is_float, r->c0_seed, r->c);
    else
        fill_nan(&r->cd, r->cfg.is_float, r->c);
    r->st = (pas_matmul_stats_t){0, 0};
    return PAS_OK;
}

static int run(void *ctx)
{
    mm_run_t *r = ctx;
    return pas_matmul(&r->lay, &r->cfg, r->ta, r->tb, r->alpha, &r->ad, r->a, &r->bd, r->b, r->beta,
                      &r->cd, r->c, &r->st);
}

/* The job's FMA peak: on each node its lowest rank runs the throughput loop
 * on every CPU of its mask while the node's other ranks wait without
 * spinning (an MPI_Ibarrier polled with sleeps); the best of a few windows
 * (another job's burst on a shared machine does not lower it); summed over
 * the nodes. */
static double measure_peak(MPI_Comm comm, const pas_machine_t *mc, int is_float, double seconds,
                           double *per_cpu)
{
    MPI_Comm node;
    int nrank = 0;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node))
        return 0;
    MPI_Comm_rank(node, &nrank);
    double mine[2] = {0, 0}, total[2] = {0, 0}; /* wall, per CPU-second */
    MPI_Barrier(comm);
    if (nrank == 0) {
        int threads = mc->mask_cpus > 0 ? mc->mask_cpus : mc->threads;
        for (int w = 0; w < 4; w++) {
            double c = 0, r = pas_matmul_fma_peak(is_float, threads, seconds / 4, &c);
            mine[0] = r > mine[0] ? r : mine[0];
            mine[1] = c > mine[1] ? c : mine[1];
        }
    }
    MPI_Request req;
    int done = 0;
    MPI_Ibarrier(node, &req);
    while (!done) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (!done)
            nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    MPI_Allreduce(mine, total, 2, MPI_DOUBLE, MPI_SUM, comm);
    MPI_Comm_free(&node);
    *per_cpu = total[1];
    return total[0];
}

static double node_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (double)pages * (double)page : 0;
}

static const pas_prog_info_t info = {
    "pas-matmul", "distributed dense matrix multiply C = alpha op(A) op(B) + beta C", "[options]",
    "Matrices: block-distributed over a process grid (layer 0 of c replicas for 25d);\n"
    "A, B and the initial C are random in [-1, 1), element (i, j) a hash of (seed, i, j):\n"
    "the same global matrices on any grid.\n"
    "Algorithms: summa (any grid; panel broadcasts overlapped with the multiply),\n"
    "cannon (square grids; others fall back to summa), 25d (c replicas of a grid\n"
    "over p / c ranks), auto (25d with the c > 1, c^3 <= p, within --mem-limit,\n"
    "that receives the fewest words per rank when that is a tenth or more below\n"
    "one layer: from about 1024 ranks at constant work per rank; else summa).\n"
    "Verification: Freivalds' check C x vs alpha op(A) (op(B) x) + beta C0 x with a\n"
    "relative residual threshold, on every run, without gathering any matrix.\n"
    "Report: GFLOP/s, % of the FMA peak measured in the same run, words received\n"
    "per rank (max) vs the 2D bound N^2/sqrt(p) and 3D bound N^2/p^(2/3),\n"
    "N = (m n k)^(1/3), and wait= the longest any rank waited for messages (last\n"
    "repetition); a rate above the peak per CPU-second is flagged FAIL."};

static const pas_opt_t table[] = {
    {"m", PAS_OPT_SIZE, &opt.m, "M", "rows of C and op(A)", NULL, 0, 0},
    {"n", PAS_OPT_SIZE, &opt.n, "N", "columns of C and op(B)", NULL, 0, 0},
    {"k", PAS_OPT_SIZE, &opt.k, "K", "columns of op(A), rows of op(B)", NULL, 0, 0},
    {"type", PAS_OPT_CHOICE, &opt.type, "T", "element type", "double|float", 0, 0},
    {"algo", PAS_OPT_CHOICE, &opt.algo, "A", "algorithm", "summa|cannon|25d|auto", 0, 0},
    {"grid", PAS_OPT_STRING, &opt.grid, "RxC", "process grid of a layer (default: the most square)",
     NULL, 0, 0},
    {"replicas", PAS_OPT_INT, &opt.replicas, "C", "25d: layers (0: choose from --mem-limit)", NULL,
     0, 1 << 20},
    {"mem-limit", PAS_OPT_SIZE, &opt.mem_limit, "BYTES",
     "memory per rank: refuse larger problems up front, and choose 25d replicas (0: the job's "
     "limit, at most half the node's / ranks per node)",
     NULL, 0, 0},
    {"alpha", PAS_OPT_DOUBLE, &opt.alpha, "X", "alpha", NULL, 0, 0},
    {"beta", PAS_OPT_DOUBLE, &opt.beta, "X", "beta", NULL, 0, 0},
    {"transa", PAS_OPT_FLAG, &opt.ta, NULL, "A is stored transposed (k x m)", NULL, 0, 0},
    {"transb", PAS_OPT_FLAG, &opt.tb, NULL, "B is stored transposed (n x k)", NULL, 0, 0},
    {"kernel", PAS_OPT_CHOICE, &opt.kernel, "K",
     "local multiply: pas's packed kernel, or cblas (OpenBLAS, if built in)", "pas|cblas", 0, 0},
    {"panel", PAS_OPT_SIZE, &opt.panel, "W", "summa: panel width in k", NULL, 1, 1 << 20},
    {"blocking", PAS_OPT_FLAG, &opt.blocking, NULL,
     "use the blocking twin (no overlap of messages and multiply)", NULL, 0, 0},
    {"peak-seconds", PAS_OPT_DOUBLE, &opt.peak_seconds, "S",
     "time spent measuring the FMA peak (0: skip)", NULL, 0, 60},
    {"peak", PAS_OPT_DOUBLE, &opt.peak, "GFLOPS",
     "use this peak instead of measuring it (0: measure; a tiny value shows the guard)", NULL, 0,
     1e12},
    {"save", PAS_OPT_STRING, &opt.save, "FILE",
     "write C to FILE (temporary name, read back and compared, then renamed)", NULL, 0, 0},
    {"corrupt", PAS_OPT_FLAG, &opt.corrupt, NULL,
     "test only: perturb one element of C before verifying (must FAIL)", NULL, 0, 0},
    {0},
};

/* Options that need no communicator: --grid, --kernel, the sizes. */
static pas_status check_options(pas_driver_t *d, mm_run_t *r)
{
    pas_status rc = PAS_OK;
    if (opt.grid && pas_decomp_grid_parse(opt.grid, &r->rows, &r->cols))
        rc = pas_driver_checkf(
            d, PAS_ERR_ARG, "--grid '%s' is malformed; use ROWSxCOLS, e.g. --grid 2x4", opt.grid);
    if (rc == PAS_OK && strcmp(opt.kernel, "cblas") == 0)
        rc = pas_driver_check(
            d, pas_matmul_set_kernel(PAS_MATMUL_KERNEL_CBLAS),
            "--kernel cblas: this build has no CBLAS; install libopenblas-dev and rebuild, "
            "or use --kernel pas");
    if (rc == PAS_OK && (opt.m > INT32_MAX || opt.n > INT32_MAX || opt.k > INT32_MAX))
        rc = pas_driver_check(d, PAS_ERR_ARG,
                              "--m, --n and --k must be below 2^31; use smaller sizes");
    return rc;
}

/* The job's limit, and at most half the node's memory per rank (the
 * replica choice leaves room for the BLAS and MPI buffers). */
static pas_mem_limit_t memory_limit(const pas_driver_t *d)
{
    pas_mem_limit_t lim = pas_driver_mem_limit(d, opt.mem_limit);
    if (!opt.mem_limit) {
        int lr = d->machine.local_ranks > 0 ? d->machine.local_ranks : 1;
        char why[96], b[32];
        double half = node_memory() / 2 / lr;
        snprintf(why, sizeof why, "half the node's %s, shared by %d rank%s",
                 pas_format_bytes((uint64_t)node_memory(), b, sizeof b), lr, lr > 1 ? "s" : "");
        if (half > 0)
            pas_mem_limit_tighten(&lim, (uint64_t)half, why);
    }
    return lim;
}

/* The algorithm, the replica count and the grid (the same verdict on every
 * rank); r->note says why when the run differs from what was asked. */
static pas_status choose_layout(pas_driver_t *d, mm_run_t *r, double limit)
{
    const char *algo = opt.algo, *grid = opt.grid;
    const int replicas = opt.replicas, rows = r->rows, cols = r->cols;
    char *note = r->note;
    const size_t len = sizeof r->note;
    pas_status rc = PAS_OK;
    int c = 1;
    r->cfg.algo = strcmp(algo, "cannon") == 0 ? PAS_MATMUL_CANNON
                  : strcmp(algo, "25d") == 0  ? PAS_MATMUL_25D
                                              : PAS_MATMUL_SUMMA;
    if (strcmp(algo, "25d") == 0 || strcmp(algo, "auto") == 0) {
        c = replicas ? replicas
                     : pas_matmul_choose_replicas(d->size, opt.m, opt.n, opt.k, r->es, limit);
        if (grid && !replicas && rows * cols > 0 && d->size % (rows * cols) == 0)
            c = d->size / (rows * cols); /* the grid says how many layers */
    }
    if (strcmp(algo, "auto") == 0) {
        r->cfg.algo = c > 1 ? PAS_MATMUL_25D : PAS_MATMUL_SUMMA;
        snprintf(
            note, len, "auto chose %s (%s)", c > 1 ? "25d" : "summa",
            c > 1 ? "c replicas with c^3 <= p fit the memory limit and receive the fewest words, "
                    "a tenth or more below one layer"
                  : "no replica count c > 1 with c^3 <= p that fits saves a tenth of the words: "
                    "one layer");
    } else if (r->cfg.algo == PAS_MATMUL_25D && replicas == 0 && c == 1 && !grid) {
        snprintf(note, len,
                 "25d: no replica count c > 1 with c^3 <= p that fits saves a tenth of the "
                 "words; running one layer (SUMMA)");
    }
    if (replicas && c == 1 && r->cfg.algo != PAS_MATMUL_25D && strcmp(algo, "auto") != 0)
        c = -replicas; /* reported below */
    if (c < 0)
        rc = pas_driver_checkf(d, PAS_ERR_ARG,
                               "--replicas %d needs --algo 25d or auto; add --algo 25d", -c);
    else if (c < 1 || d->size % c)
        rc = pas_driver_checkf(
            d, PAS_ERR_ARG,
            "--replicas %d does not divide %d ranks; use a divisor of the rank count", c, d->size);
    else if (grid && (long)rows * cols * c != d->size)
        rc = pas_driver_checkf(
            d, PAS_ERR_ARG,
            "--grid %s%s needs %ld ranks but the job has %d; use --grid RxC with R*C = %d", grid,
            c > 1 ? " with replicas" : "", (long)rows * cols * c, d->size, d->size / c);
    if (rc == PAS_OK && r->cfg.algo == PAS_MATMUL_CANNON) {
        int rr = rows, cc = cols;
        if (!grid)
            pas_decomp_grid_dims(d->size, &rr, &cc);
        if (rr != cc) {
            snprintf(note, len, "cannon needs a square grid, %dx%d is not: falling back to summa",
                     rr, cc);
            r->cfg.algo = PAS_MATMUL_SUMMA;
        }
    }
    if (rc == PAS_OK)
        rc = pas_driver_check(
            d, pas_matmul_layers_create(d->comm, c, rows, cols, &r->lay),
            "cannot build the process grid; check --grid and --replicas against the rank count");
    return rc;
}

/* Pre-flight, before any allocation or work: the memory the run needs and
 * the output path; both are usage errors (exit 2), the same on every rank. */
static pas_status preflight(pas_driver_t *d, const mm_run_t *r, const pas_mem_limit_t *lim,
                            pas_outfile_t *of)
{
    double need = pas_matmul_footprint(d->size, r->lay.layers, opt.m, opt.n, opt.k, r->es);
    char what[96];
    snprintf(what, sizeof what, "m=%llu n=%llu k=%llu", (unsigned long long)opt.m,
             (unsigned long long)opt.n, (unsigned long long)opt.k);
    pas_status rc = pas_driver_mem_check(d, need < 0x1p64 ? (uint64_t)need : UINT64_MAX, lim, what,
                                         "use smaller sizes or more ranks");
    if (rc == PAS_OK && opt.save)
        rc = pas_driver_output(d, "--save", opt.save, NULL, of);
    return rc;
}

/* A, B and C0 on layer 0 (random, from the seed); the other layers' A and
 * B poisoned, since 2.5D must replicate them. */
static pas_status make_matrices(pas_driver_t *d, mm_run_t *r)
{
    const pas_grid_t *g = &r->lay.grid;
    const uint64_t m = opt.m, n = opt.n, k = opt.k;
    pas_dmatrix_block(r->ta ? k : m, r->ta ? m : k, g->rows, g->cols, g->myrow, g->mycol, &r->ad);
    pas_dmatrix_block(r->tb ? n : k, r->tb ? k : n, g->rows, g->cols, g->myrow, g->mycol, &r->bd);
    pas_dmatrix_block(m, n, g->rows, g->cols, g->myrow, g->mycol, &r->cd);
    r->a = pas_matmul_alloc(r->ad.ld * r->ad.ln * r->es);
    r->b = pas_matmul_alloc(r->bd.ld * r->bd.ln * r->es);
    r->c = pas_matmul_alloc(r->cd.ld * r->cd.ln * r->es);
    double need = pas_matmul_footprint(d->size, r->lay.layers, m, n, k, r->es);
    pas_status rc =
        pas_driver_checkf(d, r->a && r->b && r->c ? PAS_OK : PAS_ERR_NOMEM,
                          "cannot allocate the matrices (about %.0f MiB per rank); use smaller "
                          "sizes or more ranks",
                          need / 1048576);
    if (rc != PAS_OK)
        return rc;
    r->c0_seed = d->opt.seed * 4 + 3;
    if (r->lay.layer == 0) {
        fill(&r->ad, r->cfg.is_float, d->opt.seed * 4 + 1, r->a);
        fill(&r->bd, r->cfg.is_float, d->opt.seed * 4 + 2, r->b);
    } else { /* 2.5D must replicate them: poison what it should overwrite */
        fill_nan(&r->ad, r->cfg.is_float, r->a);
        fill_nan(&r->bd, r->cfg.is_float, r->b);
    }
    return PAS_OK;
}

static void banner(pas_driver_t *d, const mm_run_t *r)
{
    char sm[32], sn[32], sk[32], gs[32], cs[16], ps[32], al[32], be[32], tr[8];
    snprintf(gs, sizeof gs, "%dx%d", r->lay.grid.rows, r->lay.grid.cols);
    snprintf(cs, sizeof cs, "%d", r->lay.layers);
    snprintf(ps, sizeof ps, "%llu", (unsigned long long)opt.panel);
    snprintf(al, sizeof al, "%g", opt.alpha);
    snprintf(be, sizeof be, "%g", opt.beta);
    snprintf(tr, sizeof tr, "%c%c", opt.ta ? 'T' : 'N', opt.tb ? 'T' : 'N');
    const char *kv[] = {
        "m",        pas_format_size(opt.m, sm, sizeof sm),
        "n",        pas_format_size(opt.n, sn, sizeof sn),
        "k",        pas_format_size(opt.k, sk, sizeof sk),
        "type",     opt.type,
        "kernel",   opt.kernel,
        "algo",     r->algo_name,
        "grid",     gs,
        "replicas", cs,
        "panel",    ps,
        "overlap",  opt.blocking ? "off (blocking twin)" : "MPI_Ibcast double buffering",
        "alpha",    al,
        "beta",     be,
        "op",       tr,
        NULL};
    if (d->rank == 0 && r->note[0] && !d->opt.quiet && !d->opt.json)
        printf("note: %s\n", r->note);
    else if (d->rank == 0 && r->note[0])
        fprintf(stderr, "pas-matmul: note: %s\n", r->note);
    pas_driver_banner(d, r->algo_name, kv);
}

/* The timed runs, with the FMA peak measured before and after them (the
 * better one counts), in the same job, on the same cores; or --peak.
 * peak[0] is the wall-clock peak the rate is reported against; peak[1] the
 * per-CPU-second one the plausibility guard uses: on a shared machine other
 * processes can lower the first in every window while a short multiply
 * runs whole inside a time slice, but nothing real runs above the second. */
static pas_status timed_runs(pas_driver_t *d, mm_run_t *r, double peak[2], pas_stats_t *st)
{
    double seconds = opt.peak > 0 ? 0 : opt.peak_seconds;
    peak[0] = peak[1] = opt.peak > 0 ? opt.peak : 0;
    if (seconds > 0)
        peak[0] = measure_peak(d->comm, &d->machine, r->cfg.is_float, seconds / 2, &peak[1]);
    pas_status rc =
        pas_driver_check(d, pas_bench_run(d->comm, d->opt.warmup, d->opt.reps, prepare, run, r, st),
                         "the multiply failed");
    if (rc == PAS_OK && seconds > 0) {
        double cpu = 0,
               after = measure_peak(d->comm, &d->machine, r->cfg.is_float, seconds / 2, &cpu);
        peak[0] = after > peak[0] ? after : peak[0];
        peak[1] = cpu > peak[1] ? cpu : peak[1];
    }
    return rc;
}

/* Freivalds' check on layer 0 (--corrupt first perturbs C), then --save
 * written and read back before the verdict, so that PASS covers it. */
static pas_status verify_and_save(pas_driver_t *d, mm_run_t *r, pas_outfile_t *of, double *resid)
{
    double thr = 0;
    pas_status v = PAS_OK;
    *resid = 0;
    if (r->lay.layer == 0) {
        if (opt.corrupt && r->cd.lm &&
            r->cd.ln) { /* perturb the first element of every rank's block */
            if (r->cfg.is_float)
                ((float *)r->c)[0] += 1.0f;
            else
                ((double *)r->c)[0] += 1.0;
        }
        v = pas_matmul_verify(&r->lay.grid, r->cfg.is_float, r->ta, r->tb, r->alpha, &r->ad, r->a,
                              &r->bd, r->b, r->beta, r->c0_seed, &r->cd, r->c, d->opt.seed * 4 + 4,
                              resid, &thr);
    }
    MPI_Bcast(resid, 1, MPI_DOUBLE, 0, d->comm);
    MPI_Bcast(&thr, 1, MPI_DOUBLE, 0, d->comm);
    v = pas_driver_checkf(
        d, v, "verification failed: Freivalds residual %.3g exceeds %.3g; the product is wrong",
        *resid, thr);
    if (v == PAS_OK &&
        opt.save) { /* layer 0 holds C; its grid's rank 0 is rank 0, which began the output */
        pas_status sv = r->lay.layer == 0
                            ? pas_dmatrix_write_to(r->lay.grid.comm, of, &r->cd, r->c, r->es)
                            : PAS_OK;
        v = pas_driver_checkf(d, sv, "--save %s: %s", opt.save,
                              of->why[0] ? of->why : pas_strerror(sv));
        if (v == PAS_OK && d->rank == 0 && !d->opt.quiet && !d->opt.json)
            printf("saved C (%llu x %llu) to %s, read back identical\n", (unsigned long long)opt.m,
                   (unsigned long long)opt.n, opt.save);
    }
    return v;
}

/* The result line: rate against the peak (a rate above it is implausible:
 * FAIL), words received against the 2D and 3D bounds, the longest wait. */
static pas_status report(pas_driver_t *d, const mm_run_t *r, const double peak2[2], pas_stats_t st,
                         pas_status v, double resid)
{
    const uint64_t m = opt.m, n = opt.n, k = opt.k;
    double words = 0, flops = 2.0 * (double)m * (double)n * (double)k;
    MPI_Allreduce(&r->st.words, &words, 1, MPI_DOUBLE, MPI_MAX, d->comm);
    double wait = 0; /* the last repetition's, the most any rank waited */
    MPI_Allreduce(&r->st.t_wait, &wait, 1, MPI_DOUBLE, MPI_MAX, d->comm);
    double rate = st.median > 0 ? flops / st.median / 1e9 : 0;
    double peak = peak2[0];
    int implausible = peak2[1] > 0 && rate > peak2[1];
    if (implausible && d->rank == 0)
        fprintf(
            stderr,
            "pas-matmul: %.3g GFLOP/s is above the peak %.3g GFLOP/s: implausible, flagged FAIL\n",
            rate, peak2[1]);
    double N = cbrt((double)m * (double)n * (double)k), p = d->size;
    double b2 = N * N / sqrt(p), b3 = N * N / pow(p, 2.0 / 3.0);
    int ta = r->ta, tb = r->tb;
    char size[96], extra[320], pk[320] = "peak=unmeasured";
    snprintf(size, sizeof size, "m=%llu n=%llu k=%llu %s %s", (unsigned long long)m,
             (unsigned long long)n, (unsigned long long)k, r->cfg.is_float ? "f32" : "f64",
             ta || tb ? (ta ? (tb ? "TT" : "TN") : "NT") : "NN");
    if (peak > 0)
        snprintf(pk, sizeof pk, "peak=%.4g pct_peak=%.1f", peak, 100 * rate / peak);
    snprintf(extra, sizeof extra,
             "%s grid=%dx%dx%d words=%.4g w/2D=%.2f w/3D=%.2f wait=%.3g resid=%.2g", pk,
             r->lay.grid.rows, r->lay.grid.cols, r->lay.layers, words, b2 > 0 ? words / b2 : 0,
             b3 > 0 ? words / b3 : 0, wait, resid);
    pas_result_t res = {
        info.program, r->algo_name,       size,
        d->size,      d->machine.threads, st,
        rate,         "GFLOP/s",          v == PAS_OK && !implausible ? "PASS" : "FAIL",
        extra};
    if (d->rank == 0)
        pas_result_print(stdout, &res, d->opt.json);
    return v != PAS_OK ? v : implausible ? PAS_ERR_VERIFY : PAS_OK;
}

static const char *algo_name(int algo)
{
    return algo == PAS_MATMUL_CANNON ? "cannon" : algo == PAS_MATMUL_25D ? "25d" : "summa";
}

int main(int argc, char **argv)
{
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, NULL, &argc, &argv);
    if (code >= 0)
        return code;

    mm_run_t r;
    memset(&r, 0, sizeof r);
    r.cfg.is_float = strcmp(opt.type, "float") == 0;
    r.cfg.blocking = opt.blocking;
    r.cfg.panel = opt.panel;
    r.ta = opt.ta, r.tb = opt.tb, r.alpha = opt.alpha, r.beta = opt.beta;
    r.es = r.cfg.is_float ? sizeof(float) : sizeof(double);
    pas_outfile_t of;
    memset(&of, 0, sizeof of);

    /* parse and check: the same verdict on every rank */
    pas_status rc = check_options(&d, &r);
    pas_mem_limit_t lim = memory_limit(&d);
    if (rc == PAS_OK)
        rc = choose_layout(&d, &r, (double)lim.bytes);
    r.algo_name = algo_name(r.cfg.algo);
    if (rc == PAS_OK)
        rc = preflight(&d, &r, &lim, &of);
    if (rc == PAS_OK)
        rc = make_matrices(&d, &r);
    if (rc == PAS_OK)
        banner(&d, &r);

    /* run, verify, report */
    double peak[2] = {0, 0}, resid = 0;
    pas_stats_t st = {0, 0, 0, 0};
    if (rc == PAS_OK)
        rc = timed_runs(&d, &r, peak, &st);
    if (rc == PAS_OK) {
        pas_status v = verify_and_save(&d, &r, &of, &resid);
        rc = report(&d, &r, peak, st, v, resid);
    }

    pas_outfile_end(&of);
    if (r.lay.layers)
        pas_matmul_layers_destroy(&r.lay);
    free(r.a), free(r.b), free(r.c);
    return pas_driver_end(&d, rc);
}
