/* pipe_internal.h - what the files of the pipeline module (and its unit
 * test) share, below the public pas_pipe.h: the parts (FIFO, credits, reorder
 * buffer, latency histogram), the wire format of a batch, the worker (one
 * running instance of a stage), the engine interface, and the calls one
 * layer makes into the one below (see the stack at the top of pas_pipe.h).
 * Symbols are pas_pipe_* (libpas exports only pas_ names); private types and
 * constants are pipe_*. */
#ifndef PIPE_INTERNAL_H
#define PIPE_INTERNAL_H

#include "pas_pipe.h"

/* ---- bounded FIFO of pointers (local, not thread-safe) -------------------- */

typedef struct {
    void **slot;
    size_t cap, head, count;
} pas_pipe_fifo_t;

/* local: a FIFO holding at most cap (>= 1) pointers.  PAS_OK or NOMEM/ARG. */
pas_status pas_pipe_fifo_init(pas_pipe_fifo_t *q, size_t cap);
void pas_pipe_fifo_free(pas_pipe_fifo_t *q);
/* local: PAS_OK, or PAS_ERR_OVERFLOW when full (q unchanged). */
pas_status pas_pipe_fifo_push(pas_pipe_fifo_t *q, void *p);
/* local: PAS_OK with *p the oldest, or PAS_ERR_ARG when empty (*p unchanged). */
pas_status pas_pipe_fifo_pop(pas_pipe_fifo_t *q, void **p);
/* local: remove the oldest element equal to p; 1 if found, 0 if not. */
int pas_pipe_fifo_remove(pas_pipe_fifo_t *q, void *p);
static inline size_t pas_pipe_fifo_len(const pas_pipe_fifo_t *q)
{
    return q->count;
}
/* local: the oldest element without removing it, NULL when empty. */
static inline void *pas_pipe_fifo_peek(const pas_pipe_fifo_t *q)
{
    return q->count ? q->slot[q->head] : NULL;
}

/* ---- credits: in-flight accounting of one link (local) -------------------- */

typedef struct {
    int limit; /* most units in flight */
    int used;  /* units taken and not yet given back */
} pas_pipe_credit_t;

/* local: take n units if available (PAS_OK), else PAS_ERR_OVERFLOW, unchanged. */
pas_status pas_pipe_credit_take(pas_pipe_credit_t *c, int n);
/* local: give n units back; PAS_ERR_INTERNAL if more than were taken. */
pas_status pas_pipe_credit_give(pas_pipe_credit_t *c, int n);
static inline int pas_pipe_credit_avail(const pas_pipe_credit_t *c)
{
    return c->limit - c->used;
}

/* ---- reorder buffer (local) ---------------------------------------------- */

/* Restores order by key (seq, sub).  Items of one input are (seq, 0..m-1)
 * followed by an end marker (seq, m) flagged `end`; the next expected key
 * after an end marker is (seq + 1, 0).  At most `cap` entries wait. */
typedef struct {
    uint64_t seq;
    uint32_t sub;
    int end;   /* the end marker of input `seq` */
    void *ref; /* the caller's item */
} pas_pipe_rob_entry_t;

typedef struct {
    pas_pipe_rob_entry_t *heap;
    size_t cap, count;
    uint64_t next_seq; /* expected key */
    uint32_t next_sub;
} pas_pipe_rob_t;

/* local: a reorder buffer of cap entries expecting (first_seq, 0) first.
 * PAS_OK, or PAS_ERR_NOMEM. */
pas_status pas_pipe_rob_init(pas_pipe_rob_t *r, size_t cap, uint64_t first_seq);
void pas_pipe_rob_free(pas_pipe_rob_t *r);
/* local: PAS_OK; PAS_ERR_OVERFLOW when full; PAS_ERR_VERIFY for a key
 * already delivered (a duplicate or a late item). */
pas_status pas_pipe_rob_insert(pas_pipe_rob_t *r, pas_pipe_rob_entry_t e);
/* local: 1 with *e the next entry in order (end markers included: the
 * caller skips them, e->end set), 0 when the next expected one is missing. */
int pas_pipe_rob_pop(pas_pipe_rob_t *r, pas_pipe_rob_entry_t *e);

/* ---- latency histogram (local) -------------------------------------------- */

#define PAS_PIPE_HIST_BINS 256 /* 8 per octave from 1 us up to about 18 hours */
typedef struct {
    uint64_t bin[PAS_PIPE_HIST_BINS];
    uint64_t n;
} pas_pipe_hist_t;

void pas_pipe_hist_add(pas_pipe_hist_t *h, double seconds);
/* local: the q-quantile (0..1) in seconds, accurate to the bin (9%); 0 if empty. */
double pas_pipe_hist_quantile(const pas_pipe_hist_t *h, double q);

/* A batch message: a wire header, then items, each an item header and its
 * bytes padded to 8.  EOS ends a link; LARGE announces one item too big for
 * a batch buffer, which follows as its own message (TAG_LARGE). */
enum { PIPE_BATCH = 1, PIPE_EOS = 2, PIPE_LARGE = 3 };
typedef struct {
    uint32_t kind, nitems;
    uint64_t number; /* batches sent before this one on the link */
    uint64_t bytes;  /* of this message (LARGE: of the message that follows) */
    uint64_t pad;
} pipe_wire_t;

enum { PIPE_F_END = 1 }; /* end marker of one input's outputs (ordered farms) */
typedef struct {
    uint64_t seq, len;
    double t0;
    uint32_t sub;
    uint16_t flags;
    int16_t prio;
} pipe_hdr_t;

static inline size_t pipe_item_span(uint64_t len)
{
    return sizeof(pipe_hdr_t) + ((len + 7) & ~(uint64_t)7);
}

/* A batch held by a worker (received) or being built (outgoing). */
typedef struct pipe_batch {
    unsigned char *buf;
    size_t cap, bytes;
    int nitems, refs;
    struct pipe_item_ref *refs_of; /* per item, for the reorder/priority modes */
    int nrefs_cap;
    void *owner; /* the engine's slot */
    int from;    /* the producer (shared-memory engine) */
} pipe_batch_t;

typedef struct pipe_item_ref {
    const pipe_hdr_t *hdr;
    pipe_batch_t *batch;
} pipe_item_ref_t;

typedef struct pipe_worker pipe_worker_t;

/* The engine under one worker (engine_mpi.c, engine_shm.c fill it in; the
 * worker calls down through it, so no engine symbol is named by worker.c).
 * Blocking calls keep the links moving and return PAS_ERR_REMOTE when
 * another worker failed; statuses are local. */
typedef struct {
    /* next input batch: 1 got one, 0 none ready (block == 0), 2 end of
     * stream (every upstream link ended), < 0 error */
    int (*recv)(pipe_worker_t *w, int block, pipe_batch_t **b);
    pas_status (*release)(pipe_worker_t *w, pipe_batch_t *b);
    /* an empty outgoing batch with room for `need` bytes */
    pas_status (*out_buf)(pipe_worker_t *w, size_t need, pipe_batch_t **b);
    pas_status (*send)(pipe_worker_t *w, pipe_batch_t *b); /* takes b */
    pas_status (*finish)(pipe_worker_t *w);                /* end of stream downstream */
    void (*fail)(pipe_worker_t *w, int status, const char *msg);
    int (*queued)(pipe_worker_t *w); /* input batches waiting */
} pipe_engine_t;

struct pipe_worker {
    const pas_pipe_stage_t *st;
    const pas_pipe_opts_t *opt;
    pas_pipe_where_t where;
    int is_source, is_sink, farm, reorder, markers;
    void *state;
    const pipe_engine_t *eng;
    void *ectx;

    pipe_batch_t *out;
    unsigned char *scratch; /* the sink's emits land here */
    size_t scratch_cap;
    uint64_t next_seq;
    const pipe_hdr_t *cur;
    uint32_t sub_emitted;
    pipe_hdr_t *last;  /* the item last reserved (for pas_pipe_emit_trim) */
    pipe_batch_t *inb; /* FIFO mode: the batch being worked through */
    size_t in_off;
    int in_left;

    pas_pipe_rob_t rob;
    pas_pipe_sched_t sched;
    uint64_t step;

    uint64_t items_in, items_out, bytes_out;
    double t_start, t_end, t_blocked, qsum;
    uint64_t qn;
    int qmax;
    pas_pipe_hist_t hist;

    int status;
    char err[480];
};

/* what this thread is doing, for the crash report (crash.c defines them,
 * worker.c sets them) */
extern _Thread_local const char *pas_pipe_cur_stage;
extern _Thread_local volatile uint64_t pas_pipe_cur_item;
extern _Thread_local volatile int pas_pipe_cur_busy;

/* ---- metrics.c --------------------------------------------------------------- */

/* seconds on a clock shared by the processes of a node */
double pas_pipe_now(void);

/* metrics of one worker into per-stage sums (m zeroed by the caller, then
 * pas_pipe_metrics_finish turns sums into means). */
void pas_pipe_metrics_add(pas_pipe_metrics_t *m, const pipe_worker_t *w);
void pas_pipe_metrics_finish(pas_pipe_metrics_t *m, const pas_pipe_spec_t *spec,
                             const pas_pipe_hist_t *h);

/* ---- worker.c: called by the engines ------------------------------------------ */

/* local: set up w for stage `stage`, worker `index` (no engine fields).
 * PAS_OK or PAS_ERR_NOMEM. */
pas_status pas_pipe_worker_init(pipe_worker_t *w, const pas_pipe_spec_t *spec,
                                const pas_pipe_stage_t *stages, const pas_pipe_opts_t *opt,
                                int stage, int index, int slot);
/* local: run one stage instance to the end of its stream (or the first error). */
pas_status pas_pipe_worker_run(pipe_worker_t *w);
void pas_pipe_worker_free(pipe_worker_t *w);
/* local: record a failure here (first one wins) and tell the engine;
 * returns w's status. */
pas_status pas_pipe_worker_fail(pipe_worker_t *w, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the engines: called by run.c ------------------------------------------------ */

/* agreed (collective over comm, 2+ ranks): the MPI engine. */
pas_status pas_pipe_engine_mpi_run(MPI_Comm comm, const pas_pipe_spec_t *spec,
                                   const pas_pipe_stage_t *stages, const pas_pipe_opts_t *opt,
                                   pas_pipe_metrics_t *m, char *err, size_t errlen);
/* local (one rank, so also agreed): the shared-memory engine, one thread per
 * spec slot.  Sends no message. */
pas_status pas_pipe_engine_shm_run(const pas_pipe_spec_t *spec, const pas_pipe_stage_t *stages,
                                   const pas_pipe_opts_t *opt, pas_pipe_metrics_t *m, char *err,
                                   size_t errlen);

#endif
