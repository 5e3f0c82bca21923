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
    c->io_msg[0] = '\0';
    return PAS_OK;
}

/* one run and its verification; collective */
static int run_pipeline(void *ctx)
{
    pipe_run_t *r = ctx;
    builtin_cfg_t *c = r->cfg;
    int rc = pas_pipe_run(r->comm, &r->spec, r->stages, &r->opt, &r->m, r->err, sizeof r->err);
    if (rc && c->io_status && c->io_msg[0] && !strstr(r->err, c->io_msg)) /* name the file problem */
        snprintf(r->err + strlen(r->err), sizeof r->err - strlen(r->err), " (%s)", c->io_msg);
    if (rc)
        return rc;
    uint64_t mine[6] = {c->src_count, c->src_sum, c->snk_count, c->snk_sum, c->order_errors, c->content_errors};
    uint64_t all[6];
    MPI_Allreduce(mine, all, 6, MPI_UINT64_T, MPI_SUM, r->comm);
    r->items = all[0];
    if (all[0] != all[2] || all[1] != all[3]) {
        snprintf(r->err, sizeof r->err,
                 "verification failed: the source sent %llu items, the sink got %llu, checksums %s: "
                 "an item was lost or delivered twice",
                 (unsigned long long)all[0], (unsigned long long)all[2], all[1] == all[3] ? "equal" : "differ");
        return PAS_ERR_VERIFY;
    }
    if (all[5]) {
        snprintf(r->err, sizeof r->err, "verification failed: %llu items arrived with corrupted content",
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
        snprintf(err, len, "the spec must be a source (read or gen), work stages, then write; e.g. gen:1,work:2,write:1");
        return PAS_ERR_ARG;
    }
    int reading = !strcmp(s->name[0], "read");
    if (reading && s->count[0] != 1) {
        snprintf(err, len, "read:%d would read the input %d times; use read:1 (gen:N is a parallel source)",
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
    if (c->transform == BUILTIN_COMPRESS && !builtin_have_zlib()) {
        snprintf(err, len, "this build has no zlib, so --transform compress is unavailable; install zlib1g-dev "
                           "and rebuild, or use --transform checksum");
        return PAS_ERR_ARG;
    }
    if (c->checkpoint && (!c->output || !strcmp(c->output, "-"))) {
        snprintf(err, len, "--checkpoint needs --output FILE (a file that a restart can continue)");
        return PAS_ERR_ARG;
    }
    if (c->checkpoint && reps > 1) {
        snprintf(err, len, "--checkpoint runs the stream once (a repetition would start over on the finished "
                           "output); drop --reps and --warmup");
        return PAS_ERR_ARG;
    }
    if (reading && reps > 1) {
        snprintf(err, len, "a stream read from --input runs once; drop --reps (or use gen to repeat)");
        return PAS_ERR_ARG;
    }
    return PAS_OK;
}

int main(int argc, char **argv)
{
    const char *spec_text = "auto", *input = NULL, *output = NULL, *transform = "checksum", *checkpoint = NULL;
    const char *fault = "none";
    uint64_t n = 1000000, size = 64, record = 0, ckpt_every = 1000, batch_bytes = 256 << 10;
    double cost_us = 0;
    int ordered = 0, credits = 8, batch = 1024, aging = 0, prio_levels = 0;
    static const pas_prog_info_t info = {
        "pas-pipeline", "stream records through pipeline stages on ranks or threads, verified", "[options]",
        "Stages: read (lines or --record-byte records of --input: a file, '-' for stdin, or a FIFO),\n"
        "gen (synthetic: --n records of --size bytes), work (--transform, --cost-us), write (--output).\n"
        "Spec: name:ranks,... in order, e.g. read:1,work:4,write:1 (a stage on several ranks is a farm);\n"
        "'auto' is gen (or read) then work on the ranks left, then write.  With MPI the counts must add up to\n"
        "the ranks; on 1 rank (or built with MPI=0) every slot is a thread.\n"
        "Verification: the sink checks every record's content hash, and the source's count and\n"
        "order-independent checksum of (sequence number, content) against the sink's: exactly once.\n"
        "--ordered also checks the order.  --fault drop|dup|corrupt (testing): work loses, repeats or alters record 1."};
    const pas_opt_t table[] = {
        {"spec", PAS_OPT_STRING, &spec_text, "SPEC", "stages and their ranks, or auto", NULL, 0, 0},
        {"input", PAS_OPT_STRING, &input, "PATH", "read stage: file, FIFO or - for stdin", NULL, 0, 0},
        {"record", PAS_OPT_SIZE, &record, "BYTES", "read fixed-size records (0: lines)", NULL, 0, 1 << 30},
        {"n", PAS_OPT_SIZE, &n, "N", "gen stage: records to generate", NULL, 0, 0},
        {"size", PAS_OPT_SIZE, &size, "BYTES", "gen stage: bytes per record", NULL, 0, 1 << 30},
        {"transform", PAS_OPT_CHOICE, &transform, "T", "work stage: what it does to each record",
         "none|checksum|compress", 0, 0},
        {"cost-us", PAS_OPT_DOUBLE, &cost_us, "US", "work stage: CPU time spent per record", NULL, 0, 1e7},
        {"output", PAS_OPT_STRING, &output, "PATH", "write stage: file (atomic) or - for stdout; none: discard",
         NULL, 0, 0},
        {"ordered", PAS_OPT_FLAG, &ordered, NULL, "deliver (and check) the input order", NULL, 0, 0},
        {"checkpoint", PAS_OPT_STRING, &checkpoint, "FILE", "commit progress here; a rerun resumes (implies --ordered)",
         NULL, 0, 0},
        {"checkpoint-every", PAS_OPT_SIZE, &ckpt_every, "N", "records between checkpoints", NULL, 1, 1e15},
        {"credits", PAS_OPT_INT, &credits, "C", "batches in flight per link", NULL, 1, 1024},
        {"batch", PAS_OPT_INT, &batch, "N", "most records per batch (farms share work in batches: use a few for costly records)",
         NULL, 1, 1 << 20},
        {"batch-bytes", PAS_OPT_SIZE, &batch_bytes, "BYTES", "most bytes per batch message", NULL, 4096, 1 << 30},
        {"prio-levels", PAS_OPT_INT, &prio_levels, "L", "gen stage: record i has priority i mod L (0: none)", NULL, 0,
         1000},
        {"aging", PAS_OPT_INT, &aging, "A", "priority scheduling, aging one level per A items (0: FIFO)", NULL, 0,
         1 << 20},
        {"fault", PAS_OPT_CHOICE, &fault, "F", "testing: work drops, duplicates or corrupts record 1",
         "none|drop|dup|corrupt", 0, 0},
        {0},
    };
    pas_common_opts_t defaults = {.seed = 1, .reps = 1, .warmup = 0, .watchdog = 300};
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, &defaults, &argc, &argv);
    if (code >= 0)
        return code;

    /* A symbolic link as --output is followed: its target is what gets
     * written (atomically, in the target's directory) and the link stays, as
     * pas-sort and pas-matmul do.  A link to a missing file is kept as given
     * and refused by the path check below. */
    char target[PATH_MAX];
    struct stat lst;
    int dangling = 0;
    if (output && strcmp(output, "-") != 0 && lstat(output, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        if (realpath(output, target))
            output = target;
        else
            dangling = 1;
    }

    builtin_cfg_t cfg = {0};
    cfg.input = input;
    cfg.record = record;
    cfg.n = n;
    cfg.size = size;
    cfg.seed = d.opt.seed;
    cfg.transform = !strcmp(transform, "none") ? BUILTIN_NONE
                    : !strcmp(transform, "compress") ? BUILTIN_COMPRESS
                                                      : BUILTIN_CHECKSUM;
    cfg.cost_us = cost_us;
    cfg.prio_levels = prio_levels;
    cfg.output = output;
    cfg.checkpoint = checkpoint;
    cfg.ckpt_every = ckpt_every;
    cfg.ordered = ordered || checkpoint;
    cfg.fault = !strcmp(fault, "drop")      ? BUILTIN_FAULT_DROP
                : !strcmp(fault, "dup")     ? BUILTIN_FAULT_DUP
                : !strcmp(fault, "corrupt") ? BUILTIN_FAULT_CORRUPT
                                            : 0;
    cfg.fault_seq = 1;

    char auto_spec[128], err[512] = "";
    if (!strcmp(spec_text, "auto")) {
        const char *src = input ? "read" : "gen";
        if (d.size == 1)
            snprintf(auto_spec, sizeof auto_spec, "%s:1,work:2,write:1", src);
        else if (d.size == 2)
            snprintf(auto_spec, sizeof auto_spec, "%s:1,write:1", src);
        else
            snprintf(auto_spec, sizeof auto_spec, "%s:1,work:%d,write:1", src, d.size - 2);
        spec_text = auto_spec;
    }
    pipe_run_t r = {.comm = d.comm, .cfg = &cfg};
    pas_pipe_opts_default(&r.opt);
    r.opt.ordered = cfg.ordered;
    r.opt.credits = credits;
    r.opt.batch_items = batch;
    r.opt.batch_bytes = batch_bytes;
    r.opt.aging = aging;
    int rc = pas_pipe_spec_parse(spec_text, builtin_names, &r.spec, err, sizeof err);
    if (rc == PAS_OK)
        rc = validate(&r.spec, &cfg, d.opt.reps + d.opt.warmup, err, sizeof err);
    if (rc == PAS_OK)
        rc = pas_pipe_check(&r.spec, &r.opt, d.size, err, sizeof err);
    /* Paths are checked before any work: a bad one is a usage error (exit 2)
     * and nothing is created or overwritten. */
    if (rc == PAS_OK && d.rank == 0) {
        uint64_t insize;
        const char *const inputs[] = {input, NULL};
        if (input)
            rc = pas_path_check_input("--input", input, 1, &insize, err, sizeof err);
        if (rc == PAS_OK && dangling) {
            snprintf(err, sizeof err, "--output %s is a symbolic link to a missing file; create its target or give "
                                      "another path", output);
            rc = PAS_ERR_ARG;
        }
        if (rc == PAS_OK && output)
            rc = pas_path_check_output("--output", output, inputs, err, sizeof err);
    }
    rc = pas_driver_check(&d, rc, err);
    if (rc)
        return pas_driver_end(&d, rc);
    /* memory pre-flight: the batches in flight on every link into a rank and
     * its send pool, and a few copies of the largest record */
    pas_mem_limit_t lim = pas_driver_mem_limit(&d, 0);
    uint64_t need = pas_sat_mul(4 + (uint64_t)credits * (uint64_t)(d.size > 1 ? d.size : r.spec.nstages), batch_bytes);
    need = pas_sat_add(pas_sat_add(need, pas_sat_mul(4, size > record ? size : record)), 32u << 20);
    rc = pas_driver_mem_check(&d, need, &lim, "the pipeline", "use fewer --credits, a smaller --batch-bytes or smaller records");
    if (rc)
        return pas_driver_end(&d, rc);

    /* A checkpoint belongs to one run: its identity is built (and any
     * checkpoint there checked against it and its partial output) on rank 0
     * before any work; every rank gets it, the writer records it. */
    uint64_t resume[2] = {0, 0};
    char *ident = NULL;
    if (checkpoint) {
        /* the spec in its normal form: gen,work:2,write resumes gen:1,work:2,write:1 */
        char norm[PAS_PIPE_MAX_STAGES * 48];
        pas_pipe_spec_text(&r.spec, norm, sizeof norm);
        err[0] = '\0';
        int crc = (ident = calloc(1, BUILTIN_CKPT_MAX)) ? PAS_OK : PAS_ERR_NOMEM;
        if (crc == PAS_OK && d.rank == 0)
            crc = builtin_ckpt_prepare(&cfg, norm, ident, &resume[0], &resume[1], err, sizeof err);
        rc = pas_driver_check(&d, crc, err[0] ? err : "no memory for the checkpoint's identity");
        if (rc) {
            free(ident);
            return pas_driver_end(&d, rc);
        }
        MPI_Bcast(ident, BUILTIN_CKPT_MAX, MPI_CHAR, 0, d.comm);
        MPI_Bcast(resume, 2, MPI_UINT64_T, 0, d.comm);
        cfg.ckpt_ident = ident;
    }
    cfg.resume_seq = resume[0];
    cfg.resume_off = resume[1];

    for (int s = 0; s < r.spec.nstages; s++)
        builtin_lookup(r.spec.name[s], &cfg, &r.stages[s]);
    pas_pipe_crash_report_install(d.rank);
    char nbuf[32], sbuf[32], cbuf[32], resumed[48];
    snprintf(cbuf, sizeof cbuf, "%g", cost_us);
    snprintf(resumed, sizeof resumed, "%llu", (unsigned long long)cfg.resume_seq);
    const char *kv[] = {"spec", spec_text, "source", input ? input : "gen", "n", pas_format_size(n, nbuf, sizeof nbuf),
                        "size", pas_format_size(size, sbuf, sizeof sbuf), "transform", transform, "cost_us", cbuf,
                        "ordered", cfg.ordered ? "yes" : "no", "engine", d.size > 1 ? "MPI ranks" : "threads",
                        "resumed_at", resumed, "zlib", builtin_have_zlib() ? "yes" : "no", NULL};
    pas_driver_banner(&d, d.size > 1 ? "mpi-links" : "shm-queues", kv);

    pas_stats_t st = {0};
    rc = pas_bench_run(d.comm, d.opt.warmup, d.opt.reps, reset, run_pipeline, &r, &st);
    rc = pas_driver_check(&d, rc, r.err);
    char size_desc[512], extra[160];
    if (input)
        snprintf(size_desc, sizeof size_desc, "%s %.200s", spec_text, input);
    else
        snprintf(size_desc, sizeof size_desc, "%s n=%s %sB", spec_text, nbuf, sbuf);
    snprintf(extra, sizeof extra, "bottleneck=%s lat_p50_ms=%.3g lat_p99_ms=%.3g",
             r.m.bottleneck >= 0 ? r.m.name[r.m.bottleneck] : "-", 1e3 * r.m.lat_p50, 1e3 * r.m.lat_p99);
    pas_result_t res = {info.program, "pipeline", size_desc, d.size, d.machine.threads, st,
                        st.median > 0 ? (double)r.items / st.median / 1e6 : 0, "Mitem/s",
                        rc == PAS_OK ? "PASS" : "FAIL", extra};
    if (d.rank == 0 && (output == NULL || strcmp(output, "-") != 0)) {
        pas_result_print(stdout, &res, d.opt.json);
        if (!d.opt.quiet && !d.opt.json && r.m.nstages > 0)
            pas_pipe_metrics_print(stdout, &r.m);
    } else if (d.rank == 0) { /* the data went to stdout: report on stderr */
        pas_result_print(stderr, &res, d.opt.json);
    }
    free(ident);
    return pas_driver_end(&d, rc);
}
