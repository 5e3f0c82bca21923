/* pas_pipe.h - a staged pipeline (an assembly line) across ranks or threads.
 *
 * Words (used the same way in the files, the names and pipeline/README.md):
 *   pipeline  stages in a row; items stream from each stage to the next.
 *   stage     one named step: C callbacks (pas_pipe_stage_t) placed by a spec
 *             such as "read:1,work:4,write:1" on one or more workers.
 *   worker    one running instance of a stage (worker.c): one rank under the
 *             MPI engine, one thread under the shared-memory engine.  A stage
 *             on several workers is a farm whose workers ask for work when idle.
 *   item      a byte buffer of any size (zero included); items travel between
 *             workers in batches.
 *   engine    what runs the workers and moves batches between them:
 *               - the MPI engine (engine_mpi.c): pas_pipe_run on a
 *                 communicator of 2+ ranks, one rank per spec slot;
 *               - the shared-memory engine (engine_shm.c): 1 rank (or the
 *                 OpenMP-only build), one thread per spec slot.
 *   link      inside an engine, the connection from one stage's workers to
 *             the next stage's: MPI point-to-point with credits, or a bounded
 *             shared-memory queue with credits.
 *   built-in stages  read, gen, work and write of the program pas-pipeline
 *             (pipeline/builtin/): the program's, not this library's.
 *
 * The stack, one way (nothing calls back up): this header -> run.c (check and
 * dispatch) -> engine_mpi.c, engine_shm.c -> worker.c -> the parts: queue.c
 * (FIFO, credits), reorder.c (reorder buffer, scheduler), spec.c, metrics.c
 * (clock, histogram, metrics), crash.c.  pipe_internal.h holds what the
 * module's files (and its unit test) share.
 */
#ifndef PAS_PIPE_H
#define PAS_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "pas_core.h"

/* ---- aging priority scheduler (local) -------------------------------------
 * Public on purpose: the workers of a stage take items in this order with
 * --aging, and algorithms/farm hands out its tasks with it.
 * An item of priority p (higher first) that arrived at step t has the score
 * p + (now - t) / aging at step `now`.  Comparing two items at the same step
 * needs only the constant key p * aging - t, so a max-heap on that key picks
 * the best score at every step: a waiting item gains one priority level per
 * `aging` steps, and one of priority p waits at most about
 * aging * (pmax - p) + (items ahead of it) steps whatever arrives later. */
typedef struct {
    int64_t key;
    uint64_t order; /* arrival number: older first among equal keys */
    void *ref;
} pas_pipe_sched_entry_t;

typedef struct {
    pas_pipe_sched_entry_t *heap;
    size_t cap, count; /* count: all items waiting (heap and run) */
    uint64_t arrivals;
    int64_t aging; /* steps per priority level; 0 = strict priority */
    /* Items whose key is not above the last one queued (every item of a
     * stream of equal priorities: the common case) wait in arrival order in
     * a ring, `run`, in O(1); the others in the heap (hcount of them).  A pop
     * takes the better of the ring's head and the heap's top: the same order
     * as one heap. */
    pas_pipe_sched_entry_t *run;
    size_t run_head, run_n, hcount;
} pas_pipe_sched_t;

/* local: a scheduler holding at most cap items.  PAS_OK, or PAS_ERR_NOMEM. */
pas_status pas_pipe_sched_init(pas_pipe_sched_t *s, size_t cap, int aging);
void pas_pipe_sched_free(pas_pipe_sched_t *s);
/* local: enqueue at step `now` (monotone).  PAS_OK or PAS_ERR_OVERFLOW. */
pas_status pas_pipe_sched_push(pas_pipe_sched_t *s, int prio, uint64_t now, void *ref);
/* local: 1 with *ref the item to run next, 0 when empty. */
int pas_pipe_sched_pop(pas_pipe_sched_t *s, void **ref);

/* ---- placement spec ------------------------------------------------------- */

#define PAS_PIPE_MAX_STAGES 16
typedef struct {
    int nstages;
    char name[PAS_PIPE_MAX_STAGES][32];
    int count[PAS_PIPE_MAX_STAGES]; /* ranks (or threads) of each stage */
    int total;
} pas_pipe_spec_t;

/* local: parse "name:count,name:count,..." (count >= 1; ":count" may be
 * left out for 1).  With `known` (NULL-terminated), every name must be one
 * of them.  On error: PAS_ERR_ARG and a one-line message naming the fix. */
pas_status pas_pipe_spec_parse(const char *text, const char *const *known, pas_pipe_spec_t *spec,
                               char *err, size_t errlen);

/* local: which stage slot `slot` (0 .. total-1) belongs to, and its index
 * within the stage.  Returns the stage. */
int pas_pipe_spec_locate(const pas_pipe_spec_t *spec, int slot, int *index);

/* local: the spec in its normal form, every count written
 * ("gen,work:2,write" -> "gen:1,work:2,write:1"), into buf. */
void pas_pipe_spec_text(const pas_pipe_spec_t *spec, char *buf, size_t len);

/* ---- stages ------------------------------------------------------------------ */

enum { PAS_PIPE_END = 1 }; /* returned by a source's process: the stream ended */

typedef struct {
    const void *data; /* valid during the process call only */
    size_t len;
    uint64_t seq; /* the pipeline's sequence number (see README) */
    int prio;
    double t0; /* when the source emitted its ancestor (wall clock) */
} pas_pipe_item_t;

typedef struct {
    int stage, nstages; /* this stage and the number of stages */
    int index, count;   /* this worker within the stage (a farm has count > 1) */
    int slot;           /* rank (MPI engine) or thread (shared-memory engine) */
} pas_pipe_where_t;

typedef struct pas_pipe_emit pas_pipe_emit_t;

/* A stage.  Every callback may be NULL except process.  Callbacks return
 * PAS_OK or a negative pas status (the pipeline then stops everywhere and
 * reports the stage and the item).  A source (the first stage) is called
 * with in == NULL until it returns PAS_PIPE_END. */
typedef struct {
    const char *name;
    int (*init)(void **state, const pas_pipe_where_t *where, void *arg);
    int (*process)(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em);
    int (*flush)(void *state, pas_pipe_emit_t *em); /* end of stream: last emits */
    void (*finalize)(void *state);
    void *arg;
} pas_pipe_stage_t;

/* local, inside process/flush: pass an item downstream (copied; len may be
 * 0).  Returns PAS_OK, or an error that the callback must return (the pipeline is
 * stopping).  At the last stage emitted items are counted and dropped. */
pas_status pas_pipe_emit(pas_pipe_emit_t *em, const void *data, size_t len, int prio);
/* Zero-copy variant: room for len bytes in the outgoing batch, valid until
 * the next emit or the end of the callback; NULL with *status on error. */
void *pas_pipe_emit_reserve(pas_pipe_emit_t *em, size_t len, int prio, int *status);
/* local, after pas_pipe_emit_reserve: keep only the first len bytes (len at
 * most what was reserved) of the item just reserved.  PAS_OK, or PAS_ERR_ARG. */
pas_status pas_pipe_emit_trim(pas_pipe_emit_t *em, size_t len);

/* local: a stage's process() that fails says why (the file and the cause,
 * e.g. "cannot write output 'o': No space left on device"); the failure
 * message every rank prints then ends with it.  Per thread; kept until the
 * next failure. */
void pas_pipe_fail_detail(const char *why);
/* Items emitted while processing an input carry that input's t0 (for the
 * end-to-end latency); a source's items carry the time of their emit. */

/* ---- running ------------------------------------------------------------------ */

typedef struct {
    int credits;        /* batches in flight per link (default 8) */
    int batch_items;    /* most items per batch (default 1024; a farm shares
                         * work out in batches: use a few for costly items) */
    size_t batch_bytes; /* most bytes per batch message (default 256 KiB) */
    int ordered;        /* 1: the last stage sees the source's order */
    int aging;          /* > 0: priority scheduling, aging steps per level; 0 FIFO
                         * (ignored with ordered: order wins) */
    int engine;         /* 0: MPI on 2+ ranks, threads on 1; 2: threads (1 rank only) */
} pas_pipe_opts_t;

void pas_pipe_opts_default(pas_pipe_opts_t *o);

typedef struct {
    int nstages;
    char name[PAS_PIPE_MAX_STAGES][32];
    int workers[PAS_PIPE_MAX_STAGES];
    uint64_t items_in[PAS_PIPE_MAX_STAGES], items_out[PAS_PIPE_MAX_STAGES];
    uint64_t bytes_out[PAS_PIPE_MAX_STAGES];
    double busy[PAS_PIPE_MAX_STAGES];   /* mean busy fraction of its workers */
    double rate[PAS_PIPE_MAX_STAGES];   /* items processed (or produced, source) per second */
    double qdepth[PAS_PIPE_MAX_STAGES]; /* mean input batches waiting */
    int qmax[PAS_PIPE_MAX_STAGES];
    double wall;             /* seconds, max over workers */
    double lat_p50, lat_p99; /* end-to-end, seconds */
    int bottleneck;          /* the stage with the highest busy fraction */
    int engine;              /* 1 MPI, 2 threads */
} pas_pipe_metrics_t;

/* collective over comm: run the pipeline.  spec and stages (stages[i] is
 * spec->name[i]'s callbacks; their order is the spec's) are global.
 * Engine: MPI when comm has 2+ ranks (spec->total must equal the size),
 * threads when it has 1 (spec->total threads).  On error every rank returns
 * the same status (agreed) and `err` holds one line naming the stage, the item
 * and the cause.  metrics (may be NULL) is filled on every rank. */
pas_status pas_pipe_run(MPI_Comm comm, const pas_pipe_spec_t *spec, const pas_pipe_stage_t *stages,
                        const pas_pipe_opts_t *opt, pas_pipe_metrics_t *metrics, char *err,
                        size_t errlen);

/* local: check spec and options against a communicator size before running
 * (pas_pipe_run calls it too).  PAS_ERR_ARG with a one-line message. */
pas_status pas_pipe_check(const pas_pipe_spec_t *spec, const pas_pipe_opts_t *opt, int ranks,
                          char *err, size_t errlen);

/* local: install handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT
 * that print one line naming the rank, the stage and the item the crashing
 * thread was processing ("pas: rank 2 crashed (signal 11) in stage 'work' on
 * item 1234"), then die of the same signal.  For drivers; optional. */
void pas_pipe_crash_report_install(int rank);

/* local: print the metrics table and the bottleneck line. */
void pas_pipe_metrics_print(FILE *out, const pas_pipe_metrics_t *m);

#endif
