/* worker.c - one worker (one running instance of a stage), which both
 * engines drive: it takes input items (in arrival, restored or priority
 * order), calls the stage's callbacks, batches what they emit and hands full
 * batches to its engine through the pipe_engine_t calls. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pas_watch.h"
#include "pipe_internal.h"

static _Thread_local char fail_detail[256];

void pas_pipe_fail_detail(const char *why)
{
    snprintf(fail_detail, sizeof fail_detail, "%s", why ? why : "");
}

pas_status pas_pipe_worker_fail(pipe_worker_t *w, int status, const char *fmt, ...)
{
    if (w->status)
        return w->status;
    w->status = status;
    if (status == PAS_ERR_REMOTE)
        return status; /* the failing worker's message travels separately */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
    if (fail_detail[0]) { /* what the stage said: the file and the cause */
        size_t at = strlen(w->err);
        snprintf(w->err + at, sizeof w->err - at, " (%s)", fail_detail);
        fail_detail[0] = '\0';
    }
    if (w->eng)
        w->eng->fail(w, status, w->err);
    return status;
}

pas_status pas_pipe_worker_init(pipe_worker_t *w, const pas_pipe_spec_t *spec,
                                const pas_pipe_stage_t *stages, const pas_pipe_opts_t *opt,
                                int stage, int index, int slot)
{
    memset(w, 0, sizeof *w);
    w->st = &stages[stage];
    w->opt = opt;
    w->where = (pas_pipe_where_t){stage, spec->nstages, index, spec->count[stage], slot};
    w->is_source = stage == 0;
    w->is_sink = stage == spec->nstages - 1;
    w->farm = spec->count[stage] > 1;
    /* ordered: a 1-worker stage fed by a farm restores the order; a farm
     * closes each input's outputs with an end marker for it */
    w->reorder = opt->ordered && stage > 0 && spec->count[stage - 1] > 1;
    w->markers = opt->ordered && w->farm && !w->is_sink && !w->is_source;
    int nup = stage > 0 ? spec->count[stage - 1] : 0;
    /* most items a worker can hold: every upstream producer's credits (the
     * shared-memory engine's credits cover all the consumers of a stage) */
    size_t held =
        (size_t)nup * (size_t)spec->count[stage] * (size_t)opt->credits * (size_t)opt->batch_items +
        16;
    int rc = PAS_OK;
    if (w->reorder)
        rc = pas_pipe_rob_init(&w->rob, held, 0);
    else if (opt->aging > 0 && stage > 0 && !opt->ordered) /* order wins over priority */
        rc = pas_pipe_sched_init(&w->sched, held, opt->aging);
    return rc;
}

void pas_pipe_worker_free(pipe_worker_t *w)
{
    pas_pipe_rob_free(&w->rob);
    pas_pipe_sched_free(&w->sched);
    free(w->scratch);
    w->scratch = NULL;
}

/* ---- output ---------------------------------------------------------------------- */

static pas_status ship(pipe_worker_t *w)
{
    pipe_batch_t *b = w->out;
    w->out = NULL;
    w->last = NULL;
    pipe_wire_t *wire = (pipe_wire_t *)b->buf;
    *wire = (pipe_wire_t){PIPE_BATCH, (uint32_t)b->nitems, 0, b->bytes, 0};
    double t = pas_pipe_now();
    int rc = w->eng->send(w, b);
    w->t_blocked += pas_pipe_now() - t; /* waiting for a credit */
    return rc ? pas_pipe_worker_fail(w, rc, "sending a batch failed: %s", pas_strerror(rc))
              : PAS_OK;
}

static pipe_hdr_t *out_item(pipe_worker_t *w, size_t len, int *status)
{
    size_t span = pipe_item_span(len);
    int rc = PAS_OK;
    if (w->out && (w->out->bytes + span > w->out->cap || w->out->nitems >= w->opt->batch_items))
        rc = ship(w);
    if (rc == PAS_OK && !w->out) {
        double t = pas_pipe_now();
        rc = w->eng->out_buf(w, sizeof(pipe_wire_t) + span, &w->out);
        w->t_blocked += pas_pipe_now() - t; /* waiting for a send buffer */
        if (rc)
            rc = pas_pipe_worker_fail(w, rc, "no buffer for an outgoing batch: %s",
                                      pas_strerror(rc));
    }
    if (rc) {
        *status = rc;
        return NULL;
    }
    pipe_hdr_t *h = (pipe_hdr_t *)(w->out->buf + w->out->bytes);
    w->out->bytes += span;
    w->out->nitems++;
    return h;
}

void *pas_pipe_emit_reserve(pas_pipe_emit_t *em, size_t len, int prio, int *status)
{
    pipe_worker_t *w = (pipe_worker_t *)em;
    *status = PAS_OK;
    if (w->status) {
        *status = w->status;
        return NULL;
    }
    if (w->is_sink) {
        if (len > w->scratch_cap) {
            unsigned char *p = realloc(w->scratch, len);
            if (!p) {
                *status = PAS_ERR_NOMEM;
                return NULL;
            }
            w->scratch = p;
            w->scratch_cap = len;
        }
        w->items_out++;
        w->bytes_out += len;
        w->last = NULL;
        return w->scratch ? w->scratch : (void *)w;
    }
    if (w->markers && !w->cur) {
        *status = pas_pipe_worker_fail(
            w, PAS_ERR_UNSUPPORTED,
            "stage '%s' emitted an item at end of stream, which ordered output "
            "cannot place in a farm; run it without --ordered or on 1 rank",
            w->st->name);
        return NULL;
    }
    pipe_hdr_t *h = out_item(w, len, status);
    if (!h)
        return NULL;
    if (w->is_source) {
        h->seq = (uint64_t)w->where.index + (uint64_t)w->where.count * w->next_seq++;
        h->sub = 0;
    } else if (w->farm) {
        h->seq = w->cur ? w->cur->seq : w->next_seq++;
        h->sub = w->sub_emitted++;
    } else {
        h->seq = w->next_seq++;
        h->sub = 0;
    }
    h->len = len;
    h->t0 = w->cur ? w->cur->t0 : pas_pipe_now();
    h->flags = 0;
    h->prio = (int16_t)prio;
    w->items_out++;
    w->bytes_out += len;
    w->last = h;
    return h + 1;
}

pas_status pas_pipe_emit_trim(pas_pipe_emit_t *em, size_t len)
{
    pipe_worker_t *w = (pipe_worker_t *)em;
    if (w->is_sink)
        return PAS_OK;
    pipe_hdr_t *h = w->last;
    if (!h || !w->out || len > h->len)
        return PAS_ERR_ARG;
    /* the item is the last one of the outgoing batch: give back its tail */
    w->out->bytes -= pipe_item_span(h->len) - pipe_item_span(len);
    w->bytes_out -= h->len - len;
    h->len = len;
    return PAS_OK;
}

pas_status pas_pipe_emit(pas_pipe_emit_t *em, const void *data, size_t len, int prio)
{
    int rc;
    void *p = pas_pipe_emit_reserve(em, len, prio, &rc);
    if (!p)
        return rc;
    if (len)
        memcpy(p, data, len);
    return PAS_OK;
}

static pas_status emit_marker(pipe_worker_t *w)
{
    int rc;
    pipe_hdr_t *h = out_item(w, 0, &rc);
    if (!h)
        return rc;
    *h = (pipe_hdr_t){w->cur->seq, 0, w->cur->t0, w->sub_emitted, PIPE_F_END, 0};
    return PAS_OK;
}

/* ---- input ------------------------------------------------------------------------ */

/* The next input batch: what is ready, else flush our partial output (so
 * nothing waits in a half-full batch while we wait) and block. */
static int get_batch(pipe_worker_t *w, int may_block, pipe_batch_t **b)
{
    int rc = w->eng->recv(w, 0, b);
    int q = w->eng->queued(w);
    w->qsum += q;
    w->qn++;
    if (q > w->qmax)
        w->qmax = q;
    if (rc != 0 || !may_block)
        return rc;
    if (w->out && w->out->nitems > 0 && (rc = ship(w)) != PAS_OK)
        return rc;
    double t = pas_pipe_now();
    rc = w->eng->recv(w, 1, b);
    w->t_blocked += pas_pipe_now() - t; /* waiting for input */
    return rc;
}

static pas_status refs_for(pipe_worker_t *w, pipe_batch_t *b)
{
    if (b->nitems > b->nrefs_cap) {
        pipe_item_ref_t *r = realloc(b->refs_of, (size_t)b->nitems * sizeof *r);
        if (!r)
            return pas_pipe_worker_fail(w, PAS_ERR_NOMEM, "out of memory for %d item references",
                                        b->nitems);
        b->refs_of = r;
        b->nrefs_cap = b->nitems;
    }
    size_t off = sizeof(pipe_wire_t);
    for (int i = 0; i < b->nitems; i++) {
        const pipe_hdr_t *h = (const pipe_hdr_t *)(b->buf + off);
        b->refs_of[i] = (pipe_item_ref_t){h, b};
        off += pipe_item_span(h->len);
    }
    b->refs = b->nitems;
    return PAS_OK;
}

static pas_status hold_batch(pipe_worker_t *w, pipe_batch_t *b)
{
    const pipe_wire_t *wire = (const pipe_wire_t *)b->buf;
    b->nitems = (int)wire->nitems;
    if (b->nitems == 0)
        return w->eng->release(w, b);
    int rc = refs_for(w, b);
    for (int i = 0; rc == PAS_OK && i < b->nitems; i++) {
        pipe_item_ref_t *r = &b->refs_of[i];
        if (w->reorder) {
            pas_pipe_rob_entry_t e = {r->hdr->seq, r->hdr->sub, r->hdr->flags & PIPE_F_END, r};
            rc = pas_pipe_rob_insert(&w->rob, e);
            if (rc)
                rc = pas_pipe_worker_fail(w,
                                          rc == PAS_ERR_VERIFY ? PAS_ERR_VERIFY : PAS_ERR_INTERNAL,
                                          "stage '%s': item %llu.%u arrived %s", w->st->name,
                                          (unsigned long long)r->hdr->seq, r->hdr->sub,
                                          rc == PAS_ERR_VERIFY ? "twice or after its turn"
                                                               : "with the reorder buffer full");
        } else {
            rc = pas_pipe_sched_push(&w->sched, r->hdr->prio, w->step, r);
            if (rc)
                rc = pas_pipe_worker_fail(w, PAS_ERR_INTERNAL, "stage '%s': priority queue full",
                                          w->st->name);
        }
    }
    return rc;
}

static pas_status drop_ref(pipe_worker_t *w, pipe_batch_t *b)
{
    if (--b->refs > 0)
        return PAS_OK;
    return w->eng->release(w, b);
}

/* 1 with the next item, 0 at the end of the stream, < 0 on error */
static int take_item(pipe_worker_t *w, pipe_item_ref_t *it)
{
    int rc;
    pipe_batch_t *b;
    if (!w->reorder && w->sched.cap == 0) { /* FIFO: batch by batch */
        for (;;) {
            if (w->inb && w->in_left > 0) {
                const pipe_hdr_t *h = (const pipe_hdr_t *)(w->inb->buf + w->in_off);
                w->in_off += pipe_item_span(h->len);
                w->in_left--;
                *it = (pipe_item_ref_t){h, w->inb};
                return 1;
            }
            if (w->inb) {
                rc = w->eng->release(w, w->inb);
                w->inb = NULL;
                if (rc)
                    return rc;
            }
            rc = get_batch(w, 1, &b);
            if (rc != 1)
                return rc == 2 ? 0 : rc;
            w->inb = b;
            w->in_off = sizeof(pipe_wire_t);
            w->in_left = (int)((const pipe_wire_t *)b->buf)->nitems;
        }
    }
    for (;;) {
        if (w->reorder) {
            pas_pipe_rob_entry_t e;
            if (pas_pipe_rob_pop(&w->rob, &e)) {
                *it = *(pipe_item_ref_t *)e.ref;
                return 1;
            }
        } else {
            /* take in everything already here, so priorities can compete
             * (every 32 items: looking costs more than one small item) */
            rc = 0;
            if (w->sched.count == 0 || w->step % 32 == 0) {
                while ((rc = get_batch(w, 0, &b)) == 1)
                    if ((rc = hold_batch(w, b)) != PAS_OK)
                        return rc;
                if (rc < 0)
                    return rc;
            }
            void *ref;
            if (pas_pipe_sched_pop(&w->sched, &ref)) {
                w->step++;
                *it = *(pipe_item_ref_t *)ref;
                return 1;
            }
            if (rc == 2)
                return 0;
        }
        rc = get_batch(w, 1, &b);
        if (rc < 0)
            return rc;
        if (rc == 2) {
            if (w->reorder && w->rob.count > 0)
                return pas_pipe_worker_fail(
                    w, PAS_ERR_VERIFY,
                    "stage '%s': %zu items wait for item %llu.%u, which never came", w->st->name,
                    w->rob.count, (unsigned long long)w->rob.next_seq, w->rob.next_sub);
            return 0;
        }
        if ((rc = hold_batch(w, b)) != PAS_OK)
            return rc;
    }
}

/* ---- the run ---------------------------------------------------------------------- */

static pas_status process_one(pipe_worker_t *w, const pipe_item_ref_t *it)
{
    const pipe_hdr_t *h = it->hdr;
    int rc = PAS_OK;
    if (h->flags & PIPE_F_END)
        goto done;
    w->cur = h;
    w->sub_emitted = 0;
    pas_pipe_cur_item = h->seq;
    pas_pipe_cur_busy = 1;
    rc = pas_watch_phase(w->st->name);
    if (rc == PAS_OK) {
        pas_pipe_item_t in = {h + 1, (size_t)h->len, h->seq, h->prio, h->t0};
        rc = w->st->process(w->state, &in, (pas_pipe_emit_t *)w);
    }
    pas_pipe_cur_busy = 0;
    w->items_in++;
    if (w->is_sink)
        pas_pipe_hist_add(&w->hist, pas_pipe_now() - h->t0);
    if (rc < 0) {
        w->cur = NULL;
        return pas_pipe_worker_fail(w, rc, "stage '%s' (worker %d of %d) failed on item %llu: %s",
                                    w->st->name, w->where.index, w->where.count,
                                    (unsigned long long)h->seq, pas_strerror(rc));
    }
    if (w->markers)
        rc = emit_marker(w);
    w->cur = NULL;
done:
    if (rc == PAS_OK && it->batch != w->inb)
        rc = drop_ref(w, it->batch);
    return rc;
}

pas_status pas_pipe_worker_run(pipe_worker_t *w)
{
    int rc = PAS_OK, inited = 0;
    pas_pipe_emit_t *em = (pas_pipe_emit_t *)w;
    w->t_start = pas_pipe_now();
    pas_pipe_cur_stage = w->st->name;
    if (w->st->init) {
        rc = w->st->init(&w->state, &w->where, w->st->arg);
        if (rc) {
            rc =
                pas_pipe_worker_fail(w, rc, "stage '%s' (worker %d of %d) failed to start: %s",
                                     w->st->name, w->where.index, w->where.count, pas_strerror(rc));
            goto out;
        }
    }
    inited = 1;
    if (w->is_source) {
        for (;;) {
            w->cur = NULL;
            pas_pipe_cur_item = w->items_out; /* the source's next item */
            pas_pipe_cur_busy = 1;
            rc = pas_watch_phase(w->st->name);
            if (rc == PAS_OK)
                rc = w->st->process(w->state, NULL, em);
            pas_pipe_cur_busy = 0;
            if (rc == PAS_PIPE_END) {
                rc = PAS_OK;
                break;
            }
            if (rc < 0) {
                rc = pas_pipe_worker_fail(
                    w, rc, "stage '%s' (worker %d of %d) failed producing item %llu: %s",
                    w->st->name, w->where.index, w->where.count, (unsigned long long)w->items_out,
                    pas_strerror(rc));
                goto out;
            }
        }
    } else {
        pipe_item_ref_t it = {0};
        while ((rc = take_item(w, &it)) == 1)
            if ((rc = process_one(w, &it)) != PAS_OK)
                goto out;
        if (rc < 0) {
            rc = pas_pipe_worker_fail(w, rc, "stage '%s' stopped: %s", w->st->name,
                                      pas_strerror(rc));
            goto out;
        }
    }
    if (w->st->flush) {
        w->cur = NULL;
        rc = w->st->flush(w->state, em);
        if (rc < 0) {
            rc = pas_pipe_worker_fail(
                w, rc, "stage '%s' (worker %d of %d) failed at end of stream: %s", w->st->name,
                w->where.index, w->where.count, pas_strerror(rc));
            goto out;
        }
    }
    if (w->out && w->out->nitems > 0 && (rc = ship(w)) != PAS_OK)
        goto out;
    double t = pas_pipe_now();
    rc = w->eng->finish(w);
    w->t_blocked += pas_pipe_now() - t;
    if (rc)
        rc = pas_pipe_worker_fail(w, rc, "stage '%s': ending the stream failed: %s", w->st->name,
                                  pas_strerror(rc));
out:
    if (inited && w->st->finalize)
        w->st->finalize(w->state);
    w->t_end = pas_pipe_now();
    return rc ? rc : w->status;
}
