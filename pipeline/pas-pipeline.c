/* pas-pipeline - stream records through stages on different ranks (or
 * threads), verified end to end: exactly once, intact, and in order when
 * asked. */
#ifndef _DEFAULT_SOURCE /* smpicc defines it already */
#define _DEFAULT_SOURCE /* lstat and realpath under -std=c11 */
#endif
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pas_driver.h"
#include "pas_farm.h"
#include "pas_outfile.h"
#include "pas_paths.h"
#include "pas_pipe.h"
#include "builtin/stages.h"

typedef struct {
    MPI_Comm comm;
    pas_pipe_spec_t spec;
    pas_pipe_stage_t stages[PAS_PIPE_MAX_STAGES];
    pas_pipe_opts_t opt;
    builtin_cfg_t *cfg;
    pas_pipe_metrics_t m;
    char err[512];
    uint64_t items;
} pipe_run_t;

static int reset(void *ctx)
{
    builtin_cfg_t *c = ((pipe_run_t *)ctx)->cfg;
    c->src_count = c->src_sum = c->snk_count = c->snk_sum = 0;
    c->order_errors = c->content_errors = c->out_bytes = 0;
    c->io_status = 0;
    c->exec_stop = 0;
    c->io_msg[0] = '\0';
    return PAS_OK;
}

/* one run and its verification; collective */
static int run_pipeline(void *ctx)
{
    pipe_run_t *r = ctx;
    builtin_cfg_t *c = r->cfg;
    int rc = pas_pipe_run(r->comm, &r->spec, r->stages, &r->opt, &r->m, r->err, sizeof r->err);
    if (rc && c->io_status && c->io_msg[0] &&
        !strstr(r->err, c->io_msg)) /* name the file problem */
        snprintf(r->err + strlen(r->err), sizeof r->err - strlen(r->err), " (%s)", c->io_msg);
    if (rc)
        return rc;
    uint64_t mine[6] = {c->src_count, c->src_sum,      c->snk_count,
                        c->snk_sum,   c->order_errors, c->content_errors};
    uint64_t all[6];
    MPI_Allreduce(mine, all, 6, MPI_UINT64_T, MPI_SUM, r->comm);
    r->items = all[0];
    if (all[0] != all[2] || all[1] != all[3]) {
        snprintf(
            r->err, sizeof r->err,
            "verification failed: the source sent %llu items, the sink got %llu, checksums %s: "
            "an item was lost or delivered twice",
            (unsigned long long)all[0], (unsigned long long)all[2],
            all[1] == all[3] ? "equal" : "differ");
        return PAS_ERR_VERIFY;
    }
    if (all[5]) {
        snprintf(r->err, sizeof r->err,
                 "verification failed: %llu items arrived with corrupted content",
                 (unsigned long long)all[5]);
        return PAS_ERR_VERIFY;
    }
    if (all[4]) {
        snprintf(r->err, sizeof r->err, "verification failed: %llu items arrived out of order",
                 (unsigned long long)all[4]);
        return PAS_ERR_VERIFY;
    }
    return PAS_OK;
}

static int validate(const pas_pipe_spec_t *s, builtin_cfg_t *c, int reps, char *err, size_t len)
{
    int last = s->nstages - 1;
    int src_ok = s->nstages >= 2 && (!strcmp(s->name[0], "read") || !strcmp(s->name[0], "gen"));
    int mid_ok = 1;
    for (int i = 1; i < last; i++)
        mid_ok &= !strcmp(s->name[i], "work");
    if (!src_ok || !mid_ok || strcmp(s->name[last], "write")) {
        snprintf(err, len,
                 "the spec must be a source (read or gen), work stages, then write; e.g. "
                 "gen:1,work:2,write:1");
        return PAS_ERR_ARG;
    }
    int reading = !strcmp(s->name[0], "read");
    if (reading && s->count[0] != 1) {
        snprintf(err, len,
                 "read:%d would read the input %d times; use read:1 (gen:N is a parallel source)",
                 s->count[0], s->count[0]);
        return PAS_ERR_ARG;
    }
    if (!reading && c->input) {
        snprintf(err, len, "--input needs the read stage; start the spec with read:1");
        return PAS_ERR_ARG;
    }
    if (c->output && s->count[last] != 1) {
        snprintf(err, len, "--output needs one writer; end the spec with write:1");
        return PAS_ERR_ARG;
    }
    if (c->transform == BUILTIN_EXEC) {
        if (!c->exec || !c->exec[0]) {
            snprintf(err, len,
                     "--transform exec needs --exec 'COMMAND' (e.g. --exec 'tr a-z A-Z')");
            return PAS_ERR_ARG;
        }
        if (last < 2) {
            snprintf(err, len,
                     "--transform exec needs a work stage, and the spec %s has none; use 3 or more "
                     "ranks (e.g. read:1,work:2,write:1 on 4) or 1 rank (threads)",
                     s->nstages == 2 ? "(2 ranks: read and write)" : "");
            return PAS_ERR_ARG;
        }
        if (c->checkpoint) {
            snprintf(err, len,
                     "--checkpoint does not support --transform exec (a command's output cannot be "
                     "matched to its records); drop --checkpoint");
            return PAS_ERR_ARG;
        }
    } else if (c->exec) {
        snprintf(err, len, "--exec needs --transform exec (or leave --transform out)");
        return PAS_ERR_ARG;
    }
    if (c->transform == BUILTIN_COMPRESS && !builtin_have_zlib()) {
        snprintf(
            err, len,
            "this build has no zlib, so --transform compress is unavailable; install zlib1g-dev "
            "and rebuild, or use --transform checksum");
        return PAS_ERR_ARG;
    }
    if (c->checkpoint && (!c->output || !strcmp(c->output, "-"))) {
        snprintf(err, len, "--checkpoint needs --output FILE (a file that a restart can continue)");
        return PAS_ERR_ARG;
    }
    if (c->checkpoint && reps > 1) {
        snprintf(err, len,
                 "--checkpoint runs the stream once (a repetition would start over on the finished "
                 "output); drop --reps and --warmup");
        return PAS_ERR_ARG;
    }
    if (reading && reps > 1) {
        snprintf(err, len,
                 "a stream read from --input runs once; drop --reps (or use gen to repeat)");
        return PAS_ERR_ARG;
    }
    return PAS_OK;
}

/* the program's options, as parsed */
typedef struct {
    const char *spec, *input, *output, *transform, *checkpoint, *fault, *exec;
    uint64_t n, size, record, ckpt_every, batch_bytes, block;
    double cost_us, exec_timeout;
    int ordered, credits, batch, aging, prio_levels;
    char target[PATH_MAX]; /* --output's target when it is a symbolic link */
    int dangling;          /* --output is a link to a missing file */
    char auto_spec[128];
} args_t;

static const pas_prog_info_t info = {
    "pas-pipeline", "stream records through pipeline stages on ranks or threads, verified",
    "[options]",
    "Stages: read (lines or --record-byte records of --input: a file, '-' for stdin, or a FIFO),\n"
    "gen (synthetic: --n records of --size bytes), work (--transform, --cost-us), write "
    "(--output).\n"
    "--transform exec --exec CMD: work pipes blocks of whole records (--block bytes) through\n"
    "sh -c CMD, stdin to stdout; the output of each block goes on (--ordered: in input order).\n"
    "Spec: name:ranks,... in order, e.g. read:1,work:4,write:1 (a stage on several ranks is a "
    "farm);\n"
    "'auto' is gen (or read) then work on the ranks left, then write.  With MPI the counts must "
    "add up to\n"
    "the ranks; on 1 rank (or built with MPI=0) every slot is a thread.\n"
    "Verification: the sink checks every record's content hash, and the source's count and\n"
    "order-independent checksum of (sequence number, content) against the sink's: exactly once.\n"
    "--ordered also checks the order.  --fault drop|dup|corrupt (testing): work loses, repeats or "
    "alters record 1."};

#define N_OPTS 21 /* the options and the empty entry that ends the table */

/* the option table over a */
static void options_table(args_t *a, pas_opt_t *t)
{
    const pas_opt_t table[] = {
        {"spec", PAS_OPT_STRING, &a->spec, "SPEC", "stages and their ranks, or auto", NULL, 0, 0},
        {"input", PAS_OPT_STRING, &a->input, "PATH", "read stage: file, FIFO or - for stdin", NULL,
         0, 0},
        {"record", PAS_OPT_SIZE, &a->record, "BYTES", "read fixed-size records (0: lines)", NULL, 0,
         1 << 30},
        {"n", PAS_OPT_SIZE, &a->n, "N", "gen stage: records to generate", NULL, 0, 0},
        {"size", PAS_OPT_SIZE, &a->size, "BYTES", "gen stage: bytes per record", NULL, 0, 1 << 30},
        {"transform", PAS_OPT_CHOICE, &a->transform, "T", "work stage: what it does to each record",
         "none|checksum|compress|exec", 0, 0},
        {"exec", PAS_OPT_STRING, &a->exec, "CMD",
         "work stage: pipe each block through sh -c CMD (implies --transform exec)", NULL, 0, 0},
        {"block", PAS_OPT_SIZE, &a->block, "BYTES",
         "exec: whole records per command run, up to this many bytes", NULL, 1, 1 << 30},
        {"exec-timeout", PAS_OPT_DOUBLE, &a->exec_timeout, "SEC",
         "exec: a command run over SEC seconds is killed and fails the run (0: none)", NULL, 0,
         1e9},
        {"cost-us", PAS_OPT_DOUBLE, &a->cost_us, "US", "work stage: CPU time spent per record",
         NULL, 0, 1e7},
        {"output", PAS_OPT_STRING, &a->output, "PATH",
         "write stage: file (atomic) or - for stdout; none: discard", NULL, 0, 0},
        {"ordered", PAS_OPT_FLAG, &a->ordered, NULL, "deliver (and check) the input order", NULL, 0,
         0},
        {"checkpoint", PAS_OPT_STRING, &a->checkpoint, "FILE",
         "commit progress here; a rerun resumes (implies --ordered)", NULL, 0, 0},
        {"checkpoint-every", PAS_OPT_SIZE, &a->ckpt_every, "N", "records between checkpoints", NULL,
         1, 1e15},
        {"credits", PAS_OPT_INT, &a->credits, "C", "batches in flight per link", NULL, 1, 1024},
        {"batch", PAS_OPT_INT, &a->batch, "N",
         "most records per batch (farms share work in batches: use a few for costly records)", NULL,
         1, 1 << 20},
        {"batch-bytes", PAS_OPT_SIZE, &a->batch_bytes, "BYTES", "most bytes per batch message",
         NULL, 4096, 1 << 30},
        {"prio-levels", PAS_OPT_INT, &a->prio_levels, "L",
         "gen stage: record i has priority i mod L (0: none)", NULL, 0, 1000},
        {"aging", PAS_OPT_INT, &a->aging, "A",
         "priority scheduling, aging one level per A items (0: FIFO)", NULL, 0, 1 << 20},
        {"fault", PAS_OPT_CHOICE, &a->fault, "F",
         "testing: work drops, duplicates or corrupts record 1", "none|drop|dup|corrupt", 0, 0},
        {0},
    };
    _Static_assert(sizeof table / sizeof table[0] == N_OPTS, "N_OPTS counts the table");
    memcpy(t, table, sizeof table);
}

/* A symbolic link as --output is followed: its target is what gets written
 * (atomically, in the target's directory) and the link stays, as pas-sort
 * and pas-matmul do.  A link to a missing file is kept as given and refused
 * by the path check. */
static void resolve_output(args_t *a)
{
    struct stat lst;
    if (a->output && strcmp(a->output, "-") != 0 && lstat(a->output, &lst) == 0 &&
        S_ISLNK(lst.st_mode)) {
        if (realpath(a->output, a->target))
            a->output = a->target;
        else
            a->dangling = 1;
    }
}

/* --transform as given, or exec when only --exec is (the default is checksum) */
static const char transform_default[] = "checksum";
static const char *transform_of(const args_t *a)
{
    return a->transform == transform_default && a->exec ? "exec" : a->transform;
}

/* the built-in stages' configuration from the options */
static void stages_config(const args_t *a, uint64_t seed, builtin_cfg_t *cfg)
{
    *cfg = (builtin_cfg_t){0};
    cfg->input = a->input;
    cfg->record = a->record;
    cfg->n = a->n;
    cfg->size = a->size;
    cfg->seed = seed;
    const char *t = transform_of(a);
    cfg->transform = !strcmp(t, "none")       ? BUILTIN_NONE
                     : !strcmp(t, "compress") ? BUILTIN_COMPRESS
                     : !strcmp(t, "exec")     ? BUILTIN_EXEC
                                              : BUILTIN_CHECKSUM;
    cfg->exec = a->exec;
    cfg->block = a->block;
    cfg->exec_timeout = a->exec_timeout;
    cfg->cost_us = a->cost_us;
    cfg->prio_levels = a->prio_levels;
    cfg->output = a->output;
    cfg->checkpoint = a->checkpoint;
    cfg->ckpt_every = a->ckpt_every;
    cfg->ordered = a->ordered || a->checkpoint;
    cfg->fault = !strcmp(a->fault, "drop")      ? BUILTIN_FAULT_DROP
                 : !strcmp(a->fault, "dup")     ? BUILTIN_FAULT_DUP
                 : !strcmp(a->fault, "corrupt") ? BUILTIN_FAULT_CORRUPT
                                                : 0;
    cfg->fault_seq = 1;
}

/* --spec auto: the source, then work on the ranks left, then write */
static void spec_auto(args_t *a, int ranks)
{
    if (strcmp(a->spec, "auto") != 0)
        return;
    const char *src = a->input ? "read" : "gen";
    if (ranks == 1)
        snprintf(a->auto_spec, sizeof a->auto_spec, "%s:1,work:2,write:1", src);
    else if (ranks == 2)
        snprintf(a->auto_spec, sizeof a->auto_spec, "%s:1,write:1", src);
    else
        snprintf(a->auto_spec, sizeof a->auto_spec, "%s:1,work:%d,write:1", src, ranks - 2);
    a->spec = a->auto_spec;
}

/* local: the spec, the options and (rank 0) the paths.  Paths are checked
 * before any work: a bad one is a usage error (exit 2) and nothing is created
 * or overwritten. */
static pas_status check_all(const pas_driver_t *d, const args_t *a, pipe_run_t *r, char *err,
                            size_t len)
{
    pas_status rc = pas_pipe_spec_parse(a->spec, builtin_names, &r->spec, err, len);
    if (rc == PAS_OK)
        rc = validate(&r->spec, r->cfg, d->opt.reps + d->opt.warmup, err, len);
    if (rc == PAS_OK)
        rc = pas_pipe_check(&r->spec, &r->opt, d->size, err, len);
    if (rc != PAS_OK || d->rank != 0)
        return rc;
    uint64_t insize;
    const char *const inputs[] = {a->input, NULL};
    if (a->input)
        rc = pas_path_check_input("--input", a->input, 1, &insize, err, len);
    if (rc == PAS_OK && a->dangling) {
        snprintf(err, len,
                 "--output %s is a symbolic link to a missing file; create its target or give "
                 "another path",
                 a->output);
        rc = PAS_ERR_ARG;
    }
    if (rc == PAS_OK && a->output)
        rc = pas_path_check_output("--output", a->output, inputs, err, len);
    return rc;
}

/* agreed: memory pre-flight: the batches in flight on every link into a rank
 * and its send pool, and a few copies of the largest record */
static int check_memory(pas_driver_t *d, const args_t *a, const pipe_run_t *r)
{
    pas_mem_limit_t lim = pas_driver_mem_limit(d, 0);
    uint64_t links = (uint64_t)a->credits * (uint64_t)(d->size > 1 ? d->size : r->spec.nstages);
    uint64_t need = pas_sat_mul(4 + links, a->batch_bytes);
    uint64_t largest = a->size > a->record ? a->size : a->record;
    if (r->cfg->transform == BUILTIN_EXEC && a->block > largest)
        largest = a->block;
    need = pas_sat_add(pas_sat_add(need, pas_sat_mul(4, largest)), 32u << 20);
    return pas_driver_mem_check(d, need, &lim, "the pipeline",
                                "use fewer --credits, a smaller --batch-bytes or smaller records");
}

/* agreed: a checkpoint belongs to one run: its identity is built (and any
 * checkpoint there checked against it and its partial output) on rank 0
 * before any work; every rank gets it (*ident, freed by the caller), the
 * writer records it. */
static int checkpoint_load(pas_driver_t *d, const pipe_run_t *r, builtin_cfg_t *cfg, char **ident)
{
    uint64_t resume[2] = {0, 0};
    char err[512] = "";
    if (cfg->checkpoint) {
        /* the spec in its normal form: gen,work:2,write resumes gen:1,work:2,write:1 */
        char norm[PAS_PIPE_MAX_STAGES * 48];
        pas_pipe_spec_text(&r->spec, norm, sizeof norm);
        int crc = (*ident = calloc(1, BUILTIN_CKPT_MAX)) ? PAS_OK : PAS_ERR_NOMEM;
        if (crc == PAS_OK && d->rank == 0)
            crc = builtin_ckpt_prepare(cfg, norm, *ident, &resume[0], &resume[1], err, sizeof err);
        int rc = pas_driver_check(d, crc, err[0] ? err : "no memory for the checkpoint's identity");
        if (rc)
            return rc;
        MPI_Bcast(*ident, BUILTIN_CKPT_MAX, MPI_CHAR, 0, d->comm);
        MPI_Bcast(resume, 2, MPI_UINT64_T, 0, d->comm);
        cfg->ckpt_ident = *ident;
    }
    cfg->resume_seq = resume[0];
    cfg->resume_off = resume[1];
    return PAS_OK;
}

static void banner(pas_driver_t *d, const args_t *a, const builtin_cfg_t *cfg)
{
    char nbuf[32], sbuf[32], cbuf[32], resumed[48], bbuf[32];
    snprintf(cbuf, sizeof cbuf, "%g", a->cost_us);
    snprintf(resumed, sizeof resumed, "%llu", (unsigned long long)cfg->resume_seq);
    const char *kv[] = {
        "spec",
        a->spec,
        "source",
        a->input ? a->input : "gen",
        "n",
        pas_format_size(a->n, nbuf, sizeof nbuf),
        "size",
        pas_format_size(a->size, sbuf, sizeof sbuf),
        "transform",
        transform_of(a),
        "exec",
        a->exec ? a->exec : "-",
        "cost_us",
        cbuf,
        "ordered",
        cfg->ordered ? "yes" : "no",
        "engine",
        d->size > 1 ? "MPI ranks" : "threads",
        "resumed_at",
        resumed,
        "zlib",
        builtin_have_zlib() ? "yes" : "no",
        "block",
        cfg->transform == BUILTIN_EXEC ? pas_format_size(a->block, bbuf, sizeof bbuf) : "-",
        NULL};
    pas_driver_banner(d, d->size > 1 ? "mpi-links" : "shm-queues", kv);
}

/* rank 0: the result line and the metrics table (on stderr when the data
 * went to stdout) */
static void report(const pas_driver_t *d, const args_t *a, const pipe_run_t *r,
                   const pas_stats_t *st, int rc)
{
    if (d->rank != 0)
        return;
    char nbuf[32], sbuf[32], size_desc[512], extra[160];
    if (a->input)
        snprintf(size_desc, sizeof size_desc, "%s %.200s", a->spec, a->input);
    else
        snprintf(size_desc, sizeof size_desc, "%s n=%s %sB", a->spec,
                 pas_format_size(a->n, nbuf, sizeof nbuf),
                 pas_format_size(a->size, sbuf, sizeof sbuf));
    snprintf(extra, sizeof extra, "bottleneck=%s lat_p50_ms=%.3g lat_p99_ms=%.3g",
             r->m.bottleneck >= 0 ? r->m.name[r->m.bottleneck] : "-", 1e3 * r->m.lat_p50,
             1e3 * r->m.lat_p99);
    pas_result_t res = {info.program,
                        "pipeline",
                        size_desc,
                        d->size,
                        d->machine.threads,
                        *st,
                        st->median > 0 ? (double)r->items / st->median / 1e6 : 0,
                        "Mitem/s",
                        rc == PAS_OK ? "PASS" : "FAIL",
                        extra};
    if (a->output == NULL || strcmp(a->output, "-") != 0) {
        pas_result_print(stdout, &res, d->opt.json);
        if (!d->opt.quiet && !d->opt.json && r->m.nstages > 0)
            pas_pipe_metrics_print(stdout, &r->m);
    } else {
        pas_result_print(stderr, &res, d->opt.json);
    }
}

int main(int argc, char **argv)
{
    args_t a = {.spec = "auto",
                .transform = transform_default,
                .fault = "none",
                .n = 1000000,
                .size = 64,
                .ckpt_every = 1000,
                .batch_bytes = 256 << 10,
                .credits = 8,
                .batch = 1024,
                .block = 1 << 20};
    pas_opt_t table[N_OPTS];
    options_table(&a, table);
    pas_common_opts_t defaults = {.seed = 1, .reps = 1, .warmup = 0, .watchdog = 300};
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, &defaults, &argc, &argv);
    if (code >= 0)
        return code;

    /* parse and check: the options, the spec, the paths, the memory */
    resolve_output(&a);
    builtin_cfg_t cfg;
    stages_config(&a, d.opt.seed, &cfg);
    spec_auto(&a, d.size);
    pipe_run_t r = {.comm = d.comm, .cfg = &cfg};
    pas_pipe_opts_default(&r.opt);
    r.opt.ordered = cfg.ordered;
    r.opt.credits = a.credits;
    r.opt.batch_items = a.batch;
    r.opt.batch_bytes = a.batch_bytes;
    r.opt.aging = a.aging;
    char err[512] = "";
    int rc = pas_driver_check(&d, check_all(&d, &a, &r, err, sizeof err), err);
    if (rc == PAS_OK)
        rc = check_memory(&d, &a, &r);
    char *ident = NULL;
    if (rc == PAS_OK)
        rc = checkpoint_load(&d, &r, &cfg, &ident);
    if (rc) {
        free(ident);
        return pas_driver_end(&d, rc);
    }

    /* run: the built-in stages in the spec's order, timed and verified */
    for (int s = 0; s < r.spec.nstages; s++)
        builtin_lookup(r.spec.name[s], &cfg, &r.stages[s]);
    pas_pipe_crash_report_install(d.rank);
    /* the commands run in their own sessions: a SIGTERM or SIGINT (the
     * launcher ending the job, a time limit) takes their process groups
     * along before the unfinished output is removed */
    if (cfg.transform == BUILTIN_EXEC)
        pas_outfile_on_signal(pas_farm_exec_kill_all);
    banner(&d, &a, &cfg);
    pas_stats_t st = {0};
    rc = pas_bench_run(d.comm, d.opt.warmup, d.opt.reps, reset, run_pipeline, &r, &st);
    rc = pas_driver_check(&d, rc, r.err);

    /* report */
    report(&d, &a, &r, &st, rc);
    free(ident);
    return pas_driver_end(&d, rc);
}
