/* pas_pipe.h - a staged pipeline (an assembly line) across ranks or threads.
 *
 * Items (byte buffers of any size, zero included) stream from stage to
 * stage; every stage runs on its own ranks at the same time.  A spec such as
 * "read:1,work:4,write:1" places the stages: a stage on several ranks is a
 * farm whose workers ask for work when idle.
 *
 * Two engines run the same stage callbacks:
 *   - message passing (pas_pipe_run on a communicator of 2+ ranks): one rank
 *     per spec slot, links are MPI point-to-point with credits;
 *   - shared state (1 rank, or the OpenMP-only build): one thread per spec
 *     slot, links are bounded shared-memory queues (pas_pipe_fifo_t).
 *
 * The building blocks below (FIFO, credits, reorder buffer, aging scheduler,
 * spec parser, latency histogram) are pure and local; they are tested on
 * their own in tests/unit/test_pipe.c.
 */
#ifndef PAS_PIPE_H
#define PAS_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "pas_core.h"

/* ---- bounded FIFO of pointers (local, not thread-safe) -------------------- */

typedef struct {
    void **slot;
    size_t cap, head, count;
} pas_pipe_fifo_t;

/* local: a FIFO holding at most cap (>= 1) pointers.  PAS_OK or NOMEM/ARG. */
int pas_pipe_fifo_init(pas_pipe_fifo_t *q, size_t cap);
void pas_pipe_fifo_free(pas_pipe_fifo_t *q);
/* local: PAS_OK, or PAS_ERR_OVERFLOW when full (q unchanged). */
int pas_pipe_fifo_push(pas_pipe_fifo_t *q, void *p);
/* local: PAS_OK with *p the oldest, or PAS_ERR_ARG when empty (*p unchanged). */
int pas_pipe_fifo_pop(pas_pipe_fifo_t *q, void **p);
/* local: remove the oldest element equal to p; 1 if found, 0 if not. */
int pas_pipe_fifo_remove(pas_pipe_fifo_t *q, void *p);
static inline size_t pas_pipe_fifo_len(const pas_pipe_fifo_t *q) { return q->count; }
/* local: the oldest element without removing it, NULL when empty. */
static inline void *pas_pipe_fifo_peek(const pas_pipe_fifo_t *q) { return q->count ? q->slot[q->head] : NULL; }

/* ---- credits: in-flight accounting of one link (local) -------------------- */

typedef struct {
    int limit; /* most units in flight */
    int used;  /* units taken and not yet given back */
} pas_pipe_credit_t;

/* local: take n units if available (PAS_OK), else PAS_ERR_OVERFLOW, unchanged. */
int pas_pipe_credit_take(pas_pipe_credit_t *c, int n);
/* local: give n units back; PAS_ERR_INTERNAL if more than were taken. */
int pas_pipe_credit_give(pas_pipe_credit_t *c, int n);
static inline int pas_pipe_credit_avail(const pas_pipe_credit_t *c) { return c->limit - c->used; }

/* ---- reorder buffer (local) ---------------------------------------------- */

/* Restores order by key (seq, sub).  Items of one input are (seq, 0..m-1)
 * followed by an end marker (seq, m) flagged `end`; the next expected key
 * after an end marker is (seq + 1, 0).  At most `cap` entries wait. */
typedef struct {
    uint64_t seq;
    uint32_t sub;
    int end;  /* the end marker of input `seq` */
    void *ref; /* the caller's item */
} pas_pipe_rob_entry_t;

typedef struct {
    pas_pipe_rob_entry_t *heap;
    size_t cap, count;
    uint64_t next_seq; /* expected key */
    uint32_t next_sub;
} pas_pipe_rob_t;

int pas_pipe_rob_init(pas_pipe_rob_t *r, size_t cap, uint64_t first_seq);
void pas_pipe_rob_free(pas_pipe_rob_t *r);
/* local: PAS_OK; PAS_ERR_OVERFLOW when full; PAS_ERR_VERIFY for a key
 * already delivered (a duplicate or a late item). */
int pas_pipe_rob_insert(pas_pipe_rob_t *r, pas_pipe_rob_entry_t e);
/* local: 1 with *e the next entry in order (end markers included: the
 * caller skips them, e->end set), 0 when the next expected one is missing. */
int pas_pipe_rob_pop(pas_pipe_rob_t *r, pas_pipe_rob_entry_t *e);

/* ---- aging priority scheduler (local) -------------------------------------
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
    size_t cap, count;
    uint64_t arrivals;
    int64_t aging; /* steps per priority level; 0 = strict priority */
} pas_pipe_sched_t;

int pas_pipe_sched_init(pas_pipe_sched_t *s, size_t cap, int aging);
void pas_pipe_sched_free(pas_pipe_sched_t *s);
/* local: enqueue at step `now` (monotone).  PAS_OK or PAS_ERR_OVERFLOW. */
int pas_pipe_sched_push(pas_pipe_sched_t *s, int prio, uint64_t now, void *ref);
/* local: 1 with *ref the item to run next, 0 when empty. */
int pas_pipe_sched_pop(pas_pipe_sched_t *s, void **ref);

/* ---- latency histogram (local) -------------------------------------------- */

#define PAS_PIPE_HIST_BINS 256 /* 8 per octave from 1 us up to about 18 hours */
typedef struct {
    uint64_t bin[PAS_PIPE_HIST_BINS];
    uint64_t n;
} pas_pipe_hist_t;

void pas_pipe_hist_add(pas_pipe_hist_t *h, double seconds);
/* local: the q-quantile (0..1) in seconds, accurate to the bin (9%); 0 if empty. */
double pas_pipe_hist_quantile(const pas_pipe_hist_t *h, double q);

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
int pas_pipe_spec_parse(const char *text, const char *const *known, pas_pipe_spec_t *spec,
                        char *err, size_t errlen);

/* local: which stage slot `slot` (0 .. total-1) belongs to, and its index
 * within the stage.  Returns the stage. */
int pas_pipe_spec_locate(const pas_pipe_spec_t *spec, int slot, int *index);

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

/* Inside process/flush: pass an item downstream (copied; len may be 0).
 * Returns PAS_OK, or an error that the callback must return (the pipeline is
 * stopping).  At the last stage emitted items are counted and dropped. */
int pas_pipe_emit(pas_pipe_emit_t *em, const void *data, size_t len, int prio);
/* Zero-copy variant: room for len bytes in the outgoing batch, valid until
 * the next emit or the end of the callback; NULL with *status on error. */
void *pas_pipe_emit_reserve(pas_pipe_emit_t *em, size_t len, int prio, int *status);
/* After pas_pipe_emit_reserve: keep only the first len bytes (len at most
 * what was reserved) of the item just reserved. */
int pas_pipe_emit_trim(pas_pipe_emit_t *em, size_t len);

/* local: a stage's process() that fails says why (the file and the cause,
 * e.g. "cannot write output 'o': No space left on device"); the failure
 * message every rank prints then ends with it.  Per thread; kept until the
 * next failure. */
void pas_pipe_fail_detail(const char *why);
/* Items emitted while processing an input carry that input's t0 (for the
 * end-to-end latency); a source's items carry the time of their emit. */

/* ---- running ------------------------------------------------------------------ */

typedef struct {
    int credits;         /* batches in flight per link (default 8) */
    int batch_items;     /* most items per batch (default 1024; a farm shares
                          * work out in batches: use a few for costly items) */
    size_t batch_bytes;  /* most bytes per batch message (default 256 KiB) */
    int ordered;         /* 1: the last stage sees the source's order */
    int aging;           /* > 0: priority scheduling, aging steps per level; 0 FIFO
                          * (ignored with ordered: order wins) */
    int engine;          /* 0: MPI on 2+ ranks, threads on 1; 2: threads (1 rank only) */
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
    double wall;                        /* seconds, max over workers */
    double lat_p50, lat_p99;            /* end-to-end, seconds */
    int bottleneck;                     /* the stage with the highest busy fraction */
    int engine;                         /* 1 MPI, 2 threads */
} pas_pipe_metrics_t;

/* collective over comm: run the pipeline.  spec and stages (stages[i] is
 * spec->name[i]'s callbacks; their order is the spec's) are global.
 * Engine: MPI when comm has 2+ ranks (spec->total must equal the size),
 * threads when it has 1 (spec->total threads).  On error every rank returns
 * the same status and `err` holds one line naming the stage, the item and the
 * cause.  metrics (may be NULL) is filled on every rank. */
int pas_pipe_run(MPI_Comm comm, const pas_pipe_spec_t *spec, const pas_pipe_stage_t *stages,
                 const pas_pipe_opts_t *opt, pas_pipe_metrics_t *metrics, char *err,
                 size_t errlen);

/* local: check spec and options against a communicator size before running
 * (pas_pipe_run calls it too).  PAS_ERR_ARG with a one-line message. */
int pas_pipe_check(const pas_pipe_spec_t *spec, const pas_pipe_opts_t *opt, int ranks,
                   char *err, size_t errlen);

/* local: install handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT
 * that print one line naming the rank, the stage and the item the crashing
 * thread was processing ("pas: rank 2 crashed (signal 11) in stage 'work' on
 * item 1234"), then die of the same signal.  For drivers; optional. */
void pas_pipe_crash_report_install(int rank);

/* local: print the metrics table and the bottleneck line. */
void pas_pipe_metrics_print(FILE *out, const pas_pipe_metrics_t *m);

#endif
