/* driver.c - start-up, collective failure and timing shared by every program. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pas_driver.h"
#include "pas_paths.h"
#include "pas_watch.h"

/* The verdict is reached: a SIGTERM from now on (the launcher ending the
 * job because another rank exited first) ends this rank quietly with it. */
static int finalize(int code)
{
    pas_outfile_finishing(code);
    MPI_Finalize();
    return code;
}

int pas_driver_begin(pas_driver_t *d, const pas_prog_info_t *info, const pas_opt_t *table,
                     const pas_common_opts_t *common_defaults, int *argc, char ***argv)
{
    memset(d, 0, sizeof *d);
    d->info = info;
    d->table = table;
    d->opt = common_defaults
                 ? *common_defaults
                 : (pas_common_opts_t){.seed = 1, .reps = 3, .warmup = 1, .watchdog = 300};
    pas_status irc = pas_init(argc, argv);
    if (irc == PAS_ERR_MPI) {
        fprintf(stderr, "%s: MPI_Init_thread failed; check the MPI installation and launcher\n",
                info->program);
        return 1;
    }
    d->comm = MPI_COMM_WORLD;
    MPI_Comm_rank(d->comm, &d->rank);
    MPI_Comm_size(d->comm, &d->size);
    if (irc != PAS_OK) { /* the thread level: every rank sees the same */
        if (d->rank == 0)
            fprintf(stderr,
                    "%s: the MPI library does not provide MPI_THREAD_FUNNELED, which OpenMP "
                    "regions need; use an MPI built with thread support\n",
                    info->program);
        return finalize(1);
    }
    pas_outfile_signals(info->program, d->rank);

    /* PAS_WATCHDOG sets the default that --watchdog overrides; same checks. */
    const char *wd = getenv("PAS_WATCHDOG");
    if (wd && *wd) {
        char *end;
        double v = strtod(wd, &end);
        if (end == wd || *end || !isfinite(v) || v < 0) {
            if (d->rank == 0)
                fprintf(stderr,
                        "%s: PAS_WATCHDOG='%s' is not a number of seconds; set it to e.g. 600, or "
                        "0 to disable\n",
                        info->program, wd);
            return finalize(2);
        }
        d->opt.watchdog = v;
    }

    /* argv is the same on every rank, so every rank reaches the same verdict
     * without communicating; only rank 0 speaks. */
    pas_common_opts_t defaults = d->opt;
    char err[512];
    int rc = pas_opts_parse(info, table, &d->opt, *argc, *argv, err, sizeof err);
    if (rc) {
        if (d->rank == 0)
            fprintf(stderr, "%s\n", err);
        return finalize(2);
    }
    if (d->opt.help || d->opt.version) {
        if (d->rank == 0) {
            if (d->opt.help)
                pas_opts_help(info, table, &defaults, stdout);
            else
                printf("%s %s (%s)\n", info->program, PAS_VERSION,
                       PAS_HAVE_MPI ? "MPI+OpenMP" : "OpenMP only, no MPI");
        }
        return finalize(0);
    }
    int wrc = pas_watch_start(d->opt.watchdog, d->rank);
    rc = pas_machine_detect(d->comm, d->opt.threads, &d->machine); /* collective: always */
    rc = pas_driver_check(d, wrc != PAS_OK ? wrc : rc,
                          wrc != PAS_OK
                              ? "could not start the watchdog thread; run with --watchdog 0"
                              : "could not detect the cores of this node");
    if (rc) {
        pas_watch_stop();
        return finalize(1);
    }
    return -1;
}

pas_status pas_driver_check(pas_driver_t *d, int status, const char *msg)
{
    int agreed = pas_agree(d->comm, status);
    if (agreed == PAS_OK)
        return PAS_OK;
    /* The first rank with a real error speaks; failing that, the first rank
     * that only saw another rank fail. */
    int mine[2] = {status != PAS_OK && status != PAS_ERR_REMOTE ? d->rank : d->size,
                   status != PAS_OK ? d->rank : d->size};
    int low[2];
    MPI_Allreduce(mine, low, 2, MPI_INT, MPI_MIN, d->comm);
    int first = low[0] < d->size ? low[0] : low[1];
    if (d->rank == first) {
        if (d->size > 1)
            fprintf(stderr, "%s: rank %d: %s\n", d->info->program, d->rank,
                    msg ? msg : pas_strerror(status));
        else
            fprintf(stderr, "%s: %s\n", d->info->program, msg ? msg : pas_strerror(status));
        fflush(stderr);
    }
    return agreed;
}

pas_status pas_driver_checkf(pas_driver_t *d, int status, const char *fmt, ...)
{
    char msg[512] = "";
    if (status != PAS_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    return pas_driver_check(d, status, msg);
}

pas_status pas_driver_output(pas_driver_t *d, const char *opt, const char *path,
                             const char *const *inputs, pas_outfile_t *f)
{
    char err[512] = "";
    memset(f, 0, sizeof *f);
    int st = d->rank == 0 ? pas_path_check_output(opt, path, inputs, err, sizeof err) : PAS_OK;
    int rc = pas_driver_check(d, st, err);
    if (rc == PAS_OK)
        rc = pas_driver_check(d, pas_outfile_begin(d->comm, opt, path, f), f->why);
    if (rc == PAS_OK && d->rank == 0 && f->note[0]) {
        fprintf(stderr, "%s: note: %s %s: %s\n", d->info->program, opt, path, f->note);
        fflush(stderr);
    }
    return rc;
}

pas_mem_limit_t pas_driver_mem_limit(const pas_driver_t *d, uint64_t option)
{
    pas_mem_limit_t lim = d->machine.mem;
    if (option) {
        char b[32];
        lim.bytes = option;
        snprintf(lim.from, sizeof lim.from, "--mem-limit %s",
                 pas_format_bytes(option, b, sizeof b));
    }
    return lim;
}

pas_status pas_driver_mem_check(pas_driver_t *d, uint64_t need, const pas_mem_limit_t *lim,
                                const char *what, const char *fix)
{
    char msg[1024] = "", nb[32], lb[32];
    int st = PAS_OK;
    int option = strncmp(lim->from, "--mem-limit", 11) == 0;
    if (need == UINT64_MAX) {
        st = PAS_ERR_ARG;
        snprintf(msg, sizeof msg, "%s is too large: its memory need overflows 64 bits; %s", what,
                 fix);
    } else if (need > lim->bytes) {
        st = PAS_ERR_ARG;
        snprintf(msg, sizeof msg,
                 "%s needs about %s per rank but the memory limit is %s per rank (%s); %s, or %s",
                 what, pas_format_bytes(need, nb, sizeof nb),
                 pas_format_bytes(lim->bytes, lb, sizeof lb), lim->from, fix,
                 option ? "raise --mem-limit" : "give the job more memory");
    }
    return pas_driver_check(d, st, msg);
}

void pas_driver_banner(pas_driver_t *d, const char *variant, const char *const *kv)
{
    if (d->rank != 0 || d->opt.quiet || d->opt.json)
        return;
    pas_banner(stdout, d->info, variant, &d->machine, kv);
    pas_result_header(stdout);
}

int pas_driver_end(pas_driver_t *d, int status)
{
    fflush(stdout);
    pas_outfile_unlink_all(); /* outputs not committed: nothing half-written stays */
    pas_watch_stop();
    (void)d;
    return finalize(pas_exit_code(status));
}

pas_status pas_bench_run(MPI_Comm comm, int warmup, int reps, pas_bench_fn prepare,
                         pas_bench_fn run, void *ctx, pas_stats_t *stats)
{
    double *t = calloc((size_t)(reps > 0 ? reps : 1), sizeof *t);
    int rc = t ? PAS_OK : PAS_ERR_NOMEM;
    rc = pas_agree(comm, rc);
    for (int i = 0; rc == PAS_OK && i < warmup + reps; i++) {
        if (prepare) {
            int st = prepare(ctx);
            rc = pas_agree(comm, st);
            if (rc != PAS_OK)
                rc = st != PAS_OK ? st : PAS_ERR_REMOTE;
        }
        if (rc)
            break;
        PAS_WATCHED("MPI_Barrier", -1, -1, MPI_Barrier(comm));
        double t0 = MPI_Wtime();
        int st = run(ctx);
        double dt = MPI_Wtime() - t0;
        rc = pas_agree(comm, st);
        if (rc != PAS_OK) /* keep this rank's own cause for the caller's report */
            rc = st != PAS_OK ? st : PAS_ERR_REMOTE;
        dt = pas_time_max(comm, dt);
        if (i >= warmup)
            t[i - warmup] = dt;
    }
    if (rc == PAS_OK)
        *stats = pas_stats(t, reps);
    free(t);
    return rc;
}
