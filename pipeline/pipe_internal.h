/* pipe_internal.h - what the stage runner and the two engines share: the
 * wire format of a batch, the worker (one stage instance) and the engine
 * interface. */
#ifndef PIPE_INTERNAL_H
#define PIPE_INTERNAL_H

#include "pas_pipe.h"

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

static inline size_t pipe_item_span(uint64_t len) { return sizeof(pipe_hdr_t) + ((len + 7) & ~(uint64_t)7); }

/* A batch held by the runner (received) or being built (outgoing). */
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

/* The engine under one worker.  Blocking calls keep the links moving and
 * return PAS_ERR_REMOTE when another worker failed. */
typedef struct {
    /* next input batch: 1 got one, 0 none ready (block == 0), 2 end of
     * stream (every upstream link ended), < 0 error */
    int (*recv)(pipe_worker_t *w, int block, pipe_batch_t **b);
    int (*release)(pipe_worker_t *w, pipe_batch_t *b);
    /* an empty outgoing batch with room for `need` bytes */
    int (*out_buf)(pipe_worker_t *w, size_t need, pipe_batch_t **b);
    int (*send)(pipe_worker_t *w, pipe_batch_t *b); /* takes b */
    int (*finish)(pipe_worker_t *w);               /* end of stream downstream */
    void (*fail)(pipe_worker_t *w, int status, const char *msg);
    int (*queued)(pipe_worker_t *w);               /* input batches waiting */
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
    pipe_hdr_t *last; /* the item last reserved (for pas_pipe_emit_trim) */
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

/* what this thread is doing, for the crash report (crash.c) */
extern _Thread_local const char *pipe_cur_stage;
extern _Thread_local volatile uint64_t pipe_cur_item;
extern _Thread_local volatile int pipe_cur_busy;

/* seconds on a clock shared by the processes of a node */
double pipe_now(void);

/* Run one stage instance to the end of its stream (or the first error). */
int pipe_worker_run(pipe_worker_t *w);
/* Set up w for stage `stage`, worker `index` (no engine fields). */
int pipe_worker_init(pipe_worker_t *w, const pas_pipe_spec_t *spec, const pas_pipe_stage_t *stages,
                     const pas_pipe_opts_t *opt, int stage, int index, int slot);
void pipe_worker_free(pipe_worker_t *w);
/* Record a failure here (first one wins) and tell the engine. */
int pipe_worker_fail(pipe_worker_t *w, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* a spec in its normal form, every count written (gen,work:2,write ->
 * gen:1,work:2,write:1) */
void pipe_spec_text(const pas_pipe_spec_t *spec, char *buf, size_t len);

/* engines */
int pipe_run_mpi(MPI_Comm comm, const pas_pipe_spec_t *spec, const pas_pipe_stage_t *stages,
                 const pas_pipe_opts_t *opt, pas_pipe_metrics_t *m, char *err, size_t errlen);
int pipe_run_threads(const pas_pipe_spec_t *spec, const pas_pipe_stage_t *stages,
                     const pas_pipe_opts_t *opt, pas_pipe_metrics_t *m, char *err, size_t errlen);

/* metrics of one worker into per-stage sums (m zeroed by the caller, then
 * pipe_metrics_finish turns sums into means). */
void pipe_metrics_add(pas_pipe_metrics_t *m, const pipe_worker_t *w);
void pipe_metrics_finish(pas_pipe_metrics_t *m, const pas_pipe_spec_t *spec, const pas_pipe_hist_t *h);

#endif
