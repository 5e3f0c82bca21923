/* engine_shm.c - the shared-memory engine: one worker per thread, one
 * thread per spec slot, and between two stages one link: a bounded queue
 * (pas_pipe_fifo_t) under a mutex.
 * Every consumer of the next stage pops from the same queue, so a farm's
 * idle workers take work first come first served.  Each producer has its own
 * credits (a batch takes one until its consumer is done with it): memory is
 * bounded, and a reorder stage waiting for one producer's item can never be
 * starved of it by another producer's batches. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_internal.h"

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t data, room;
    pas_pipe_fifo_t q;         /* batches ready for the next stage */
    pas_pipe_credit_t *credit; /* per producer: its batches queued or held by a consumer */
    pas_pipe_fifo_t spare;     /* empty batch buffers to reuse */
    int open;                  /* producers still running */
} shm_link_t;                  /* the link between stage s and s + 1 */

typedef struct {
    shm_link_t link[PAS_PIPE_MAX_STAGES];
    int nlink;
    pthread_mutex_t abort_mu;
    atomic_int aborted; /* read under any queue's mutex, so atomic */
    int abort_status;
    char abort_msg[256];
    const pas_pipe_opts_t *opt;
} shm_t;

static shm_t *ctx_of(pipe_worker_t *w)
{
    return w->ectx;
}

static pipe_batch_t *batch_new(size_t cap)
{
    pipe_batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->buf = malloc(cap);
    if (!b->buf) {
        free(b);
        return NULL;
    }
    b->cap = cap;
    return b;
}

static void batch_free(pipe_batch_t *b)
{
    if (!b)
        return;
    free(b->buf);
    free(b->refs_of);
    free(b);
}

static int shm_recv(pipe_worker_t *w, int block, pipe_batch_t **b)
{
    shm_t *x = ctx_of(w);
    shm_link_t *c = &x->link[w->where.stage - 1];
    int rc;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        if (x->aborted) {
            rc = PAS_ERR_REMOTE;
            break;
        }
        if (pas_pipe_fifo_pop(&c->q, (void **)b) == PAS_OK) {
            rc = 1;
            break;
        }
        if (c->open == 0) {
            rc = 2;
            break;
        }
        if (!block) {
            rc = 0;
            break;
        }
        pthread_cond_wait(&c->data, &c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static pas_status shm_release(pipe_worker_t *w, pipe_batch_t *b)
{
    shm_t *x = ctx_of(w);
    shm_link_t *c = &x->link[w->where.stage - 1];
    pthread_mutex_lock(&c->mu);
    int rc = pas_pipe_credit_give(&c->credit[b->from], 1);
    if (b->cap != x->opt->batch_bytes || pas_pipe_fifo_push(&c->spare, b) != PAS_OK)
        batch_free(b);
    pthread_cond_broadcast(&c->room);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static pas_status shm_out_buf(pipe_worker_t *w, size_t need, pipe_batch_t **out)
{
    shm_t *x = ctx_of(w);
    shm_link_t *c = &x->link[w->where.stage];
    pipe_batch_t *b = NULL;
    if (need <= x->opt->batch_bytes) {
        pthread_mutex_lock(&c->mu);
        pas_pipe_fifo_pop(&c->spare, (void **)&b);
        pthread_mutex_unlock(&c->mu);
    }
    if (!b)
        b = batch_new(need > x->opt->batch_bytes ? need : x->opt->batch_bytes);
    if (!b)
        return PAS_ERR_NOMEM;
    b->bytes = sizeof(pipe_wire_t);
    b->nitems = 0;
    b->refs = 0;
    *out = b;
    return PAS_OK;
}

static pas_status shm_send(pipe_worker_t *w, pipe_batch_t *b)
{
    shm_t *x = ctx_of(w);
    shm_link_t *c = &x->link[w->where.stage];
    int rc = PAS_OK;
    pthread_mutex_lock(&c->mu);
    b->from = w->where.index;
    while (!x->aborted && pas_pipe_credit_take(&c->credit[b->from], 1) != PAS_OK) {
        pthread_cond_wait(&c->room, &c->mu);
    }
    if (x->aborted)
        rc = PAS_ERR_REMOTE;
    else if (pas_pipe_fifo_push(&c->q, b) != PAS_OK)
        rc = PAS_ERR_INTERNAL; /* the queue holds as many as there are credits */
    else
        pthread_cond_signal(&c->data);
    pthread_mutex_unlock(&c->mu);
    if (rc)
        batch_free(b);
    return rc;
}

static pas_status shm_finish(pipe_worker_t *w)
{
    shm_t *x = ctx_of(w);
    if (w->is_sink)
        return PAS_OK;
    shm_link_t *c = &x->link[w->where.stage];
    pthread_mutex_lock(&c->mu);
    c->open--;
    pthread_cond_broadcast(&c->data);
    pthread_mutex_unlock(&c->mu);
    return PAS_OK;
}

static void shm_fail(pipe_worker_t *w, int status, const char *msg)
{
    shm_t *x = ctx_of(w);
    pthread_mutex_lock(&x->abort_mu);
    if (!atomic_load(&x->aborted)) {
        x->abort_status = status;
        snprintf(x->abort_msg, sizeof x->abort_msg, "%s", msg);
        atomic_store(&x->aborted, 1);
    }
    pthread_mutex_unlock(&x->abort_mu);
    /* wake every waiter; taking each mutex orders the flag before its wait */
    for (int i = 0; i < x->nlink; i++) {
        shm_link_t *c = &x->link[i];
        pthread_mutex_lock(&c->mu);
        pthread_cond_broadcast(&c->data);
        pthread_cond_broadcast(&c->room);
        pthread_mutex_unlock(&c->mu);
    }
}

static int shm_queued(pipe_worker_t *w)
{
    shm_link_t *c = &ctx_of(w)->link[w->where.stage - 1];
    pthread_mutex_lock(&c->mu);
    int n = (int)pas_pipe_fifo_len(&c->q);
    pthread_mutex_unlock(&c->mu);
    return n;
}

static const pipe_engine_t shm_engine = {shm_recv,   shm_release, shm_out_buf, shm_send,
                                         shm_finish, shm_fail,    shm_queued};

static void *thread_main(void *arg)
{
    pipe_worker_t *w = arg;
    pas_pipe_worker_run(w);
    return NULL;
}

static void link_destroy(shm_link_t *c)
{
    void *b;
    while (pas_pipe_fifo_pop(&c->q, &b) == PAS_OK)
        batch_free(b);
    while (pas_pipe_fifo_pop(&c->spare, &b) == PAS_OK)
        batch_free(b);
    pas_pipe_fifo_free(&c->q);
    pas_pipe_fifo_free(&c->spare);
    free(c->credit);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->data);
    pthread_cond_destroy(&c->room);
}

pas_status pas_pipe_engine_shm_run(const pas_pipe_spec_t *spec, const pas_pipe_stage_t *stages,
                                   const pas_pipe_opts_t *opt, pas_pipe_metrics_t *m, char *err,
                                   size_t errlen)
{
    shm_t *x = calloc(1, sizeof *x);
    pipe_worker_t *w = calloc((size_t)spec->total, sizeof *w);
    pthread_t *tid = calloc((size_t)spec->total, sizeof *tid);
    int rc = x && w && tid ? PAS_OK : PAS_ERR_NOMEM, nlink = 0, started = 0;
    if (rc)
        goto out;
    x->opt = opt;
    pthread_mutex_init(&x->abort_mu, NULL);
    for (; nlink < spec->nstages - 1 && rc == PAS_OK; nlink++) {
        shm_link_t *c = &x->link[nlink];
        int per = opt->credits * spec->count[nlink + 1], cap = per * spec->count[nlink];
        pthread_mutex_init(&c->mu, NULL);
        pthread_cond_init(&c->data, NULL);
        pthread_cond_init(&c->room, NULL);
        c->open = spec->count[nlink];
        c->credit = calloc((size_t)spec->count[nlink], sizeof *c->credit);
        if (!c->credit) {
            rc = PAS_ERR_NOMEM;
            nlink++;
            break;
        }
        for (int p = 0; p < spec->count[nlink]; p++)
            c->credit[p] = (pas_pipe_credit_t){per, 0};
        rc = pas_pipe_fifo_init(&c->q, (size_t)cap);
        if (rc == PAS_OK)
            rc = pas_pipe_fifo_init(&c->spare, (size_t)cap + 2 * (size_t)spec->count[nlink]);
    }
    x->nlink = nlink;
    for (int slot = 0; rc == PAS_OK && slot < spec->total; slot++) {
        int index, stage = pas_pipe_spec_locate(spec, slot, &index);
        rc = pas_pipe_worker_init(&w[slot], spec, stages, opt, stage, index, slot);
        w[slot].eng = &shm_engine;
        w[slot].ectx = x;
    }
    if (rc) {
        snprintf(err, errlen, "cannot set up the pipeline's queues: %s", pas_strerror(rc));
        goto out;
    }
    for (; started < spec->total; started++) {
        if (pthread_create(&tid[started], NULL, thread_main, &w[started]) != 0) {
            shm_fail(&w[started], PAS_ERR_INTERNAL,
                     "cannot start a thread per pipeline slot; use fewer workers");
            break;
        }
    }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);

    /* the verdict: the first worker that failed on its own, else the abort */
    pas_pipe_hist_t h = {0};
    for (int i = 0; i < spec->total; i++) {
        if (w[i].status && w[i].status != PAS_ERR_REMOTE && rc == PAS_OK) {
            rc = w[i].status;
            snprintf(err, errlen, "%s", w[i].err);
        }
        pas_pipe_metrics_add(m, &w[i]);
        if (w[i].is_sink)
            for (int b = 0; b < PAS_PIPE_HIST_BINS; b++)
                h.bin[b] += w[i].hist.bin[b];
        h.n += w[i].is_sink ? w[i].hist.n : 0;
    }
    if (rc == PAS_OK && atomic_load(&x->aborted)) {
        rc = x->abort_status ? x->abort_status : PAS_ERR_INTERNAL;
        snprintf(err, errlen, "%s", x->abort_msg);
    }
    pas_pipe_metrics_finish(m, spec, &h);
    m->engine = 2;
out:
    if (w) {
        for (int i = 0; i < spec->total; i++) {
            if (w[i].inb)
                batch_free(w[i].inb);
            if (w[i].out)
                batch_free(w[i].out);
            pas_pipe_worker_free(&w[i]);
        }
    }
    for (int i = 0; x && i < nlink; i++)
        link_destroy(&x->link[i]);
    if (x)
        pthread_mutex_destroy(&x->abort_mu);
    free(tid);
    free(w);
    free(x);
    return rc;
}
