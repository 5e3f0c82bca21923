/* engine_mpi.c - the MPI engine: one worker per rank, one rank per spec slot.
 *
 * Link a -> b (a in stage s, b in stage s+1):
 *   - b posts `credits` receives for a before anything else (post receives
 *     first), then tells a it may send that many batches (CTRL_CREDIT);
 *   - a keeps the credits of all its downstream ranks in one FIFO in arrival
 *     order: a full batch goes to whoever asked first, so a farm's idle
 *     workers get work on demand and a slow worker gets less;
 *   - b gives a credit back when it is done with a batch and re-posts the
 *     receive; a batch too large for a receive buffer is announced (LARGE)
 *     and follows as its own message;
 *   - a ends the link with an EOS message (it needs a credit of b too, so
 *     it is matched like data, after all of a's batches); b's stream ends
 *     when every upstream link has ended: no rank waits for a message that
 *     nobody will send, at any placement.
 * Sends are nonblocking from a pool of buffers (double buffering: the next
 * batch fills while the previous one is on the wire).  A failing rank sends
 * CTRL_ABORT to every rank; every rank then drains its sends and meets the
 * others in an MPI_Ibarrier before cancelling its remaining receives. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pas_watch.h"
#include "pipe_internal.h"

enum { TAG_DATA = 0x5001, TAG_LARGE = 0x5002, TAG_CTRL = 0x5003 };
enum { CTRL_CREDIT = 1, CTRL_ABORT = 2 };
enum { SEND_POOL = 4 };

typedef struct {
    int32_t kind, n, status, pad;
    char text[480];
} ctrl_msg_t;

enum { SLOT_IDLE, SLOT_POSTED, SLOT_LARGE, SLOT_READY, SLOT_EOS, SLOT_HELD };

typedef struct mslot {
    pipe_batch_t b; /* b.buf: `small`, or `big` */
    unsigned char *small, *big;
    size_t bigcap; /* while it holds a large item; back to the pool at release */
    MPI_Request req;
    int state;
    int cost; /* credits the message in it took: 1, more for a large item */
    struct mlink *link;
} mslot_t;

typedef struct mlink {
    int src;
    mslot_t *slot;
    pas_pipe_fifo_t posted; /* in posting order: the order MPI matches them */
    int eos;
} mlink_t;

typedef struct {
    pipe_batch_t b;
    MPI_Request req[2];
    pipe_wire_t announce;
    int busy, large;
} msend_t;

typedef struct {
    MPI_Request req;
    ctrl_msg_t msg;
} mctrl_t;

typedef struct {
    MPI_Comm comm;
    int rank, size, credits;
    size_t bufsize;
    int nup, up0, ndown, down0;
    mlink_t *in;
    pas_pipe_fifo_t grants; /* downstream ranks, one entry per credit, oldest first */
    int *grant_n;
    uint64_t *sent_to;
    msend_t **send;
    int nsend;
    size_t capsend;
    mctrl_t **ctl;
    int nctl;
    size_t capctl;
    pipe_wire_t *eos_wire;
    MPI_Request ctrl_req;
    ctrl_msg_t ctrl_in;
    int aborted, abort_status;
    char abort_msg[480];
    int rr;
    /* receive buffers of large items, the last released on top: the next
     * large item lands in memory that is still in cache (fresh pages and
     * cold buffers cost more than the transfer) */
    unsigned char **bigpool;
    size_t *bigpool_cap;
    int nbig, bigmax;
    double spin;      /* seconds to poll before sleeping */
    double last_wait; /* how long waits last, on average */
} mpx_t;

static mpx_t *mpx(pipe_worker_t *w)
{
    return w->ectx;
}

/* ---- control messages ------------------------------------------------------------ */

/* a free tracked-send entry (control messages and EOS) */
static mctrl_t *ctl_slot(mpx_t *x)
{
    for (int i = 0; i < x->nctl; i++)
        if (x->ctl[i]->req == MPI_REQUEST_NULL)
            return x->ctl[i];
    if (pas_grow(&x->ctl, &x->capctl, (size_t)x->nctl + 1, sizeof *x->ctl))
        return NULL;
    mctrl_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->req = MPI_REQUEST_NULL;
    x->ctl[x->nctl++] = c;
    return c;
}

static pas_status ctrl_send(mpx_t *x, int dest, int kind, int n, int status, const char *text)
{
    mctrl_t *c = ctl_slot(x);
    if (!c)
        return PAS_ERR_NOMEM;
    memset(&c->msg, 0, sizeof c->msg);
    c->msg.kind = kind;
    c->msg.n = n;
    c->msg.status = status;
    if (text)
        snprintf(c->msg.text, sizeof c->msg.text, "%s", text);
    return MPI_Isend(&c->msg, (int)sizeof c->msg, MPI_BYTE, dest, TAG_CTRL, x->comm, &c->req) ==
                   MPI_SUCCESS
               ? PAS_OK
               : PAS_ERR_MPI;
}

static pas_status ctrl_post(mpx_t *x)
{
    return MPI_Irecv(&x->ctrl_in, (int)sizeof x->ctrl_in, MPI_BYTE, MPI_ANY_SOURCE, TAG_CTRL,
                     x->comm, &x->ctrl_req) == MPI_SUCCESS
               ? PAS_OK
               : PAS_ERR_MPI;
}

static pas_status ctrl_handle(mpx_t *x, int src)
{
    if (x->ctrl_in.kind == CTRL_CREDIT) {
        int d = src - x->down0;
        for (int i = 0; d >= 0 && d < x->ndown && i < x->ctrl_in.n; i++) {
            if (pas_pipe_fifo_push(&x->grants, (void *)(intptr_t)src) != PAS_OK)
                return PAS_ERR_INTERNAL;
            x->grant_n[d]++;
        }
    } else if (x->ctrl_in.kind == CTRL_ABORT && !x->aborted) {
        x->aborted = 1;
        x->abort_status = x->ctrl_in.status;
        snprintf(x->abort_msg, sizeof x->abort_msg, "%s", x->ctrl_in.text);
    }
    return ctrl_post(x);
}

static pas_status ctrl_poll(mpx_t *x)
{
    for (;;) {
        int flag = 0;
        MPI_Status st;
        if (MPI_Test(&x->ctrl_req, &flag, &st) != MPI_SUCCESS)
            return PAS_ERR_MPI;
        if (!flag)
            return PAS_OK;
        int rc = ctrl_handle(x, st.MPI_SOURCE);
        if (rc)
            return rc;
    }
}

/* what every loop that waits checks first: the control messages, then
 * whether another rank failed */
static pas_status ctrl_check(mpx_t *x)
{
    pas_status rc = ctrl_poll(x);
    return rc ? rc : x->aborted ? PAS_ERR_REMOTE : PAS_OK;
}

/* ---- receive slots ------------------------------------------------------------------- */

/* a released slot's large-item buffer goes back to the pool */
static void big_put(mpx_t *x, mslot_t *s)
{
    if (!s->big)
        return;
    if (x->nbig < x->bigmax) {
        x->bigpool[x->nbig] = s->big;
        x->bigpool_cap[x->nbig++] = s->bigcap;
    } else {
        free(s->big);
    }
    s->big = NULL;
    s->bigcap = 0;
}

/* a buffer of `bytes` for a large item: the pool's top (the warmest) */
static unsigned char *big_get(mpx_t *x, mslot_t *s, size_t bytes)
{
    if (!s->big && x->nbig > 0) {
        s->big = x->bigpool[--x->nbig];
        s->bigcap = x->bigpool_cap[x->nbig];
    }
    if (s->bigcap < bytes) {
        free(s->big);
        s->bigcap = 0;
        if (!(s->big = malloc(bytes)))
            return NULL;
        s->bigcap = bytes;
    }
    return s->big;
}

static pas_status slot_post(mpx_t *x, mslot_t *s)
{
    big_put(x, s);
    s->b.buf = s->small;
    s->state = SLOT_POSTED;
    s->cost = 1;
    if (MPI_Irecv(s->small, (int)x->bufsize, MPI_BYTE, s->link->src, TAG_DATA, x->comm, &s->req) !=
        MPI_SUCCESS)
        return PAS_ERR_MPI;
    return pas_pipe_fifo_push(&s->link->posted, s);
}

/* The request of s completed: move it on. */
static pas_status slot_completed(mpx_t *x, mslot_t *s)
{
    if (s->state == SLOT_LARGE) {
        s->state = SLOT_READY;
        return PAS_OK;
    }
    const pipe_wire_t *wire = (const pipe_wire_t *)s->small;
    if (wire->kind == PIPE_EOS) {
        s->state = SLOT_EOS;
    } else if (wire->kind == PIPE_LARGE) {
        if (wire->bytes > INT_MAX)
            return PAS_ERR_OVERFLOW;
        unsigned char *big = big_get(x, s, wire->bytes);
        if (!big)
            return PAS_ERR_NOMEM;
        s->cost = wire->pad >= 1 && wire->pad <= (uint64_t)x->credits ? (int)wire->pad : 1;
        s->b.buf = big;
        s->state = SLOT_LARGE;
        if (MPI_Irecv(big, (int)wire->bytes, MPI_BYTE, s->link->src, TAG_LARGE, x->comm, &s->req) !=
            MPI_SUCCESS)
            return PAS_ERR_MPI;
    } else {
        s->state = SLOT_READY;
    }
    return PAS_OK;
}

static pas_status slot_test(mpx_t *x, mslot_t *s)
{
    while (s->state == SLOT_POSTED || s->state == SLOT_LARGE) {
        int flag = 0;
        if (MPI_Test(&s->req, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return PAS_ERR_MPI;
        if (!flag)
            return PAS_OK;
        int rc = slot_completed(x, s);
        if (rc)
            return rc;
    }
    return PAS_OK;
}

/* ---- sends ------------------------------------------------------------------------------ */

static void sends_reap(mpx_t *x)
{
    for (int i = 0; i < x->nsend; i++) {
        msend_t *m = x->send[i];
        if (!m->busy)
            continue;
        int flag = 0;
        MPI_Testall(2, m->req, &flag, MPI_STATUSES_IGNORE);
        if (!flag)
            continue;
        m->busy = 0;
    }
    for (int i = 0; i < x->nctl; i++)
        if (x->ctl[i]->req != MPI_REQUEST_NULL) {
            int flag;
            MPI_Test(&x->ctl[i]->req, &flag, MPI_STATUS_IGNORE);
        }
}

static int sends_pending(mpx_t *x)
{
    for (int i = 0; i < x->nsend; i++)
        if (x->send[i]->busy)
            return 1;
    for (int i = 0; i < x->nctl; i++)
        if (x->ctl[i]->req != MPI_REQUEST_NULL)
            return 1;
    return 0;
}

/* ---- waiting ------------------------------------------------------------------------------- */

/* Block until one request completes: the control receive, the head receive
 * of an open link (with_links), or one of our sends.  The completion is
 * handled here, since MPI_Waitany frees the request. */
static pas_status mpx_wait(pipe_worker_t *w, mpx_t *x, int with_links)
{
    enum { K_CTRL, K_SLOT, K_SEND, K_CTL };
    int cap = 1 + x->nup + 2 * x->nsend + x->nctl, n = 0;
    MPI_Request *req = malloc((size_t)cap * sizeof *req);
    int *kind = malloc((size_t)cap * sizeof *kind);
    void **who = malloc((size_t)cap * sizeof *who);
    int rc = req && kind && who ? PAS_OK : PAS_ERR_NOMEM;
    if (rc)
        goto out;
    req[n] = x->ctrl_req, kind[n] = K_CTRL, who[n++] = NULL;
    for (int l = 0; with_links && l < x->nup; l++) {
        mslot_t *s = pas_pipe_fifo_peek(&x->in[l].posted);
        if (!x->in[l].eos && s && (s->state == SLOT_POSTED || s->state == SLOT_LARGE))
            req[n] = s->req, kind[n] = K_SLOT, who[n++] = s;
    }
    for (int i = 0; i < x->nsend; i++)
        for (int k = 0; k < 2 && x->send[i]->busy; k++)
            if (x->send[i]->req[k] != MPI_REQUEST_NULL)
                req[n] = x->send[i]->req[k], kind[n] = K_SEND, who[n++] = &x->send[i]->req[k];
    for (int i = 0; i < x->nctl; i++)
        if (x->ctl[i]->req != MPI_REQUEST_NULL)
            req[n] = x->ctl[i]->req, kind[n] = K_CTL, who[n++] = &x->ctl[i]->req;
    /* MPI_Waitany would spin on the core: poll for a while (only when waits
     * have been short: a stream, where polling keeps the transfers moving),
     * then back off in sleeps (10 us doubling to 0.5 ms) so that idle ranks
     * leave the cores to the busy stages when ranks outnumber cores */
    int idx = MPI_UNDEFINED, flag = 0, mrc = MPI_SUCCESS;
    MPI_Status st;
    double t = pas_pipe_now(), spin = x->last_wait < 5 * x->spin ? x->spin : 0;
    long nap = 10000;
    pas_watch_enter("MPI_Testany (pipeline wait)", -1, TAG_DATA);
    while ((mrc = MPI_Testany(n, req, &idx, &flag, &st)) == MPI_SUCCESS && !flag) {
        if (pas_pipe_now() - t < spin)
            continue;
        struct timespec ts = {0, nap};
        nanosleep(&ts, NULL);
        nap = nap < 500000 ? 2 * nap : 500000;
    }
    pas_watch_leave();
    x->last_wait = 0.75 * x->last_wait + 0.25 * (pas_pipe_now() - t); /* a moving average */
    if (mrc != MPI_SUCCESS) {
        rc = PAS_ERR_MPI;
        goto out;
    }
    if (idx == MPI_UNDEFINED)
        goto out;
    switch (kind[idx]) {
    case K_CTRL:
        x->ctrl_req = MPI_REQUEST_NULL;
        rc = ctrl_handle(x, st.MPI_SOURCE);
        break;
    case K_SLOT:
        ((mslot_t *)who[idx])->req = MPI_REQUEST_NULL;
        rc = slot_completed(x, who[idx]);
        break;
    default:
        *(MPI_Request *)who[idx] = MPI_REQUEST_NULL;
        sends_reap(x);
        break;
    }
out:
    free(req);
    free(kind);
    free(who);
    return rc;
}

/* ---- the engine interface ------------------------------------------------------------------- */

static int mpx_recv(pipe_worker_t *w, int block, pipe_batch_t **b)
{
    mpx_t *x = mpx(w);
    for (;;) {
        int rc = ctrl_check(x);
        if (rc)
            return rc;
        sends_reap(x);
        int open = 0;
        for (int k = 0; k < x->nup; k++) {
            mlink_t *l = &x->in[(x->rr + k) % x->nup];
            while (!l->eos) {
                mslot_t *s = pas_pipe_fifo_peek(&l->posted);
                if (!s)
                    break; /* every buffer of this link is held by the stage */
                if ((rc = slot_test(x, s)) != PAS_OK)
                    return rc;
                if (s->state == SLOT_EOS) {
                    pas_pipe_fifo_pop(&l->posted, (void **)&s);
                    s->state = SLOT_IDLE;
                    l->eos = 1;
                    break;
                }
                if (s->state != SLOT_READY)
                    break;
                pas_pipe_fifo_pop(&l->posted, (void **)&s);
                s->state = SLOT_HELD;
                x->rr = (x->rr + k + 1) % x->nup; /* fairness between upstream ranks */
                *b = &s->b;
                return 1;
            }
            open += !l->eos;
        }
        if (!open)
            return 2;
        if (!block)
            return 0;
        if ((rc = mpx_wait(w, x, 1)) != PAS_OK)
            return rc;
    }
}

static pas_status mpx_release(pipe_worker_t *w, pipe_batch_t *b)
{
    mpx_t *x = mpx(w);
    mslot_t *s = b->owner;
    int cost = s->cost;
    int rc = slot_post(x, s);
    if (rc == PAS_OK)
        rc = ctrl_send(x, s->link->src, CTRL_CREDIT, cost, 0, NULL);
    return rc;
}

static pas_status mpx_out_buf(pipe_worker_t *w, size_t need, pipe_batch_t **out)
{
    mpx_t *x = mpx(w);
    msend_t *m = NULL;
    for (;;) {
        int rc = ctrl_check(x);
        if (rc)
            return rc;
        sends_reap(x);
        if (need > x->bufsize) { /* one large item: a buffer of its own */
            for (int i = SEND_POOL; i < x->nsend && !m; i++)
                if (!x->send[i]->busy)
                    m = x->send[i];
            if (!m) {
                if ((rc = pas_grow(&x->send, &x->capsend, (size_t)x->nsend + 1, sizeof *x->send)))
                    return rc;
                if (!(m = calloc(1, sizeof *m)))
                    return PAS_ERR_NOMEM;
                m->req[0] = m->req[1] = MPI_REQUEST_NULL;
                m->large = 1;
                m->b.owner = m;
                x->send[x->nsend++] = m;
            }
            if (m->b.cap < need) { /* kept for the next large item */
                free(m->b.buf);
                m->b.cap = 0;
                if (!(m->b.buf = malloc(need)))
                    return PAS_ERR_NOMEM;
                m->b.cap = need;
            }
            break;
        }
        for (int i = 0; i < SEND_POOL && !m; i++)
            if (!x->send[i]->busy)
                m = x->send[i];
        if (m)
            break;
        if ((rc = mpx_wait(w, x, 0)) != PAS_OK)
            return rc;
    }
    m->b.bytes = sizeof(pipe_wire_t);
    m->b.nitems = 0;
    *out = &m->b;
    return PAS_OK;
}

/* the oldest credit (any downstream rank when want < 0) */
static pas_status take_grant(pipe_worker_t *w, mpx_t *x, int want, int *dest)
{
    for (;;) {
        int rc = ctrl_check(x);
        if (rc)
            return rc;
        if (want < 0 && pas_pipe_fifo_len(&x->grants) > 0) {
            void *p;
            pas_pipe_fifo_pop(&x->grants, &p);
            *dest = (int)(intptr_t)p;
            x->grant_n[*dest - x->down0]--;
            return PAS_OK;
        }
        if (want >= 0 && x->grant_n[want - x->down0] > 0) {
            pas_pipe_fifo_remove(&x->grants, (void *)(intptr_t)want);
            x->grant_n[want - x->down0]--;
            *dest = want;
            return PAS_OK;
        }
        if ((rc = mpx_wait(w, x, 0)) != PAS_OK)
            return rc;
    }
}

static pas_status mpx_send(pipe_worker_t *w, pipe_batch_t *b)
{
    mpx_t *x = mpx(w);
    msend_t *m = b->owner;
    int dest, rc = take_grant(w, x, -1, &dest);
    if (rc)
        return rc;
    if (b->bytes > INT_MAX)
        return PAS_ERR_OVERFLOW;
    /* Credits count bytes: a large item takes as many credits as the batch
     * buffers it spans (at most all of the link's), so the bytes in flight
     * on a link stay within credits x batch bytes whatever the item size
     * (1 MiB items with the defaults: 2 in flight, double buffering) */
    int cost = 1;
    if (m->large) {
        size_t k = (b->bytes + x->bufsize - 1) / x->bufsize;
        cost = k > (size_t)x->credits ? x->credits : (int)k;
        for (int i = 1; i < cost; i++) {
            int more;
            if ((rc = take_grant(w, x, dest, &more)) != PAS_OK)
                return rc;
        }
    }
    pipe_wire_t *wire = (pipe_wire_t *)b->buf;
    wire->number = x->sent_to[dest - x->down0]++;
    m->busy = 1;
    if (m->large) {
        m->announce =
            (pipe_wire_t){PIPE_LARGE, wire->nitems, wire->number, b->bytes, (uint64_t)cost};
        if (MPI_Isend(&m->announce, (int)sizeof m->announce, MPI_BYTE, dest, TAG_DATA, x->comm,
                      &m->req[0]) ||
            MPI_Isend(b->buf, (int)b->bytes, MPI_BYTE, dest, TAG_LARGE, x->comm, &m->req[1]))
            return PAS_ERR_MPI;
    } else if (MPI_Isend(b->buf, (int)b->bytes, MPI_BYTE, dest, TAG_DATA, x->comm, &m->req[0])) {
        return PAS_ERR_MPI;
    }
    return PAS_OK;
}

static pas_status mpx_finish(pipe_worker_t *w)
{
    mpx_t *x = mpx(w);
    for (int d = 0; d < x->ndown; d++) {
        int dest, rc = take_grant(w, x, x->down0 + d, &dest);
        if (rc)
            return rc;
        x->eos_wire[d] = (pipe_wire_t){PIPE_EOS, 0, x->sent_to[d], sizeof(pipe_wire_t), 0};
        mctrl_t *c = ctl_slot(x); /* tracked like a control send: the drain completes it */
        if (!c)
            return PAS_ERR_NOMEM;
        if (MPI_Isend(&x->eos_wire[d], (int)sizeof(pipe_wire_t), MPI_BYTE, dest, TAG_DATA, x->comm,
                      &c->req))
            return PAS_ERR_MPI;
    }
    return PAS_OK;
}

static void mpx_fail(pipe_worker_t *w, int status, const char *msg)
{
    mpx_t *x = mpx(w);
    if (x->aborted)
        return;
    x->aborted = 1;
    x->abort_status = status;
    snprintf(x->abort_msg, sizeof x->abort_msg, "%s", msg);
    for (int r = 0; r < x->size; r++)
        if (r != x->rank)
            ctrl_send(x, r, CTRL_ABORT, 0, status, msg);
}

static int mpx_queued(pipe_worker_t *w)
{
    mpx_t *x = mpx(w);
    int n = 0;
    for (int l = 0; l < x->nup; l++) {
        mlink_t *k = &x->in[l];
        for (size_t i = 0; i < pas_pipe_fifo_len(&k->posted); i++) {
            mslot_t *s = k->posted.slot[(k->posted.head + i) % k->posted.cap];
            if (slot_test(x, s) != PAS_OK || s->state != SLOT_READY)
                break;
            n++;
        }
    }
    return n;
}

static const pipe_engine_t mpi_engine = {mpx_recv,   mpx_release, mpx_out_buf, mpx_send,
                                         mpx_finish, mpx_fail,    mpx_queued};

/* ---- set-up, drain, tear-down -----------------------------------------------------------------
 */

static pas_status mpx_setup(mpx_t *x, MPI_Comm comm, const pas_pipe_spec_t *spec,
                            const pas_pipe_opts_t *opt, int stage)
{
    int rc = PAS_OK, first = 0;
    for (int s = 0; s < stage; s++)
        first += spec->count[s];
    x->comm = comm;
    x->credits = opt->credits;
    x->bufsize = opt->batch_bytes;
    x->ctrl_req = MPI_REQUEST_NULL;
    x->spin = getenv("PAS_PIPE_SPIN_US") ? atof(getenv("PAS_PIPE_SPIN_US")) * 1e-6 : 200e-6;
    MPI_Comm_rank(comm, &x->rank);
    MPI_Comm_size(comm, &x->size);
    x->nup = stage > 0 ? spec->count[stage - 1] : 0;
    x->up0 = stage > 0 ? first - x->nup : 0;
    x->ndown = stage + 1 < spec->nstages ? spec->count[stage + 1] : 0;
    x->down0 = first + spec->count[stage];
    x->in = calloc((size_t)x->nup + 1, sizeof *x->in);
    x->grant_n = calloc((size_t)x->ndown + 1, sizeof *x->grant_n);
    x->sent_to = calloc((size_t)x->ndown + 1, sizeof *x->sent_to);
    x->eos_wire = calloc((size_t)x->ndown + 1, sizeof *x->eos_wire);
    x->send = calloc(SEND_POOL, sizeof *x->send);
    x->capsend = SEND_POOL;
    x->bigmax = x->nup * opt->credits;
    x->bigpool = calloc((size_t)x->bigmax + 1, sizeof *x->bigpool);
    x->bigpool_cap = calloc((size_t)x->bigmax + 1, sizeof *x->bigpool_cap);
    if (!x->in || !x->grant_n || !x->sent_to || !x->eos_wire || !x->send || !x->bigpool ||
        !x->bigpool_cap)
        return PAS_ERR_NOMEM;
    if ((rc = pas_pipe_fifo_init(&x->grants, (size_t)(x->ndown + 1) * (size_t)opt->credits)) !=
        PAS_OK)
        return rc;
    for (int i = 0; i < SEND_POOL; i++) {
        msend_t *m = calloc(1, sizeof *m);
        if (!m || !(m->b.buf = malloc(x->bufsize))) {
            free(m);
            return PAS_ERR_NOMEM;
        }
        m->b.cap = x->bufsize;
        m->b.owner = m;
        m->req[0] = m->req[1] = MPI_REQUEST_NULL;
        x->send[x->nsend++] = m;
    }
    /* post every receive before telling anyone to send */
    if ((rc = ctrl_post(x)) != PAS_OK)
        return rc;
    for (int l = 0; l < x->nup; l++) {
        mlink_t *k = &x->in[l];
        k->src = x->up0 + l;
        k->slot = calloc((size_t)opt->credits, sizeof *k->slot);
        if (!k->slot || (rc = pas_pipe_fifo_init(&k->posted, (size_t)opt->credits)) != PAS_OK)
            return rc ? rc : PAS_ERR_NOMEM;
        for (int i = 0; i < opt->credits; i++) {
            mslot_t *s = &k->slot[i];
            s->link = k;
            s->req = MPI_REQUEST_NULL;
            s->b.owner = s;
            s->b.cap = x->bufsize;
            if (!(s->small = malloc(x->bufsize)))
                return PAS_ERR_NOMEM;
            if ((rc = slot_post(x, s)) != PAS_OK)
                return rc;
        }
    }
    for (int l = 0; l < x->nup; l++)
        if ((rc = ctrl_send(x, x->in[l].src, CTRL_CREDIT, opt->credits, 0, NULL)) != PAS_OK)
            return rc;
    return PAS_OK;
}

/* Every rank: finish our sends (receiving what others still send us, large
 * payloads included), then meet everyone in a barrier; after it nothing is
 * in flight, and the receives nobody will match can be cancelled. */
static pas_status mpx_drain(mpx_t *x)
{
    MPI_Request bar = MPI_REQUEST_NULL;
    int posted = 0, done = 0, rc = PAS_OK;
    long nap = 1000;
    pas_watch_enter("MPI_Ibarrier (pipeline drain)", -1, TAG_DATA);
    while (!done) {
        if (ctrl_poll(x) != PAS_OK) {
            rc = PAS_ERR_MPI;
            break;
        }
        sends_reap(x);
        for (int l = 0; l < x->nup; l++) {
            mlink_t *k = &x->in[l];
            for (size_t i = 0; i < pas_pipe_fifo_len(&k->posted); i++) {
                mslot_t *s = k->posted.slot[(k->posted.head + i) % k->posted.cap];
                slot_test(x, s);
            }
        }
        if (!posted && !sends_pending(x)) {
            if (MPI_Ibarrier(x->comm, &bar) != MPI_SUCCESS) {
                rc = PAS_ERR_MPI;
                break;
            }
            posted = 1;
        }
        if (posted && MPI_Test(&bar, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
            rc = PAS_ERR_MPI;
            break;
        }
        if (!done) { /* others may still be working: do not take their core */
            struct timespec ts = {0, nap};
            nanosleep(&ts, NULL);
            nap = nap < 1000000 ? 2 * nap : 1000000;
        }
    }
    pas_watch_leave();
    return rc;
}

static void mpx_teardown(mpx_t *x)
{
    for (int l = 0; x->in && l < x->nup; l++) {
        mlink_t *k = &x->in[l];
        for (int i = 0; k->slot && i < x->credits; i++) {
            mslot_t *s = &k->slot[i];
            if (s->req != MPI_REQUEST_NULL) {
                MPI_Cancel(&s->req);
                MPI_Wait(&s->req, MPI_STATUS_IGNORE);
            }
            free(s->big);
            free(s->small);
            free(s->b.refs_of);
        }
        free(k->slot);
        pas_pipe_fifo_free(&k->posted);
    }
    for (int i = 0; i < x->nbig; i++)
        free(x->bigpool[i]);
    free(x->bigpool);
    free(x->bigpool_cap);
    if (x->ctrl_req != MPI_REQUEST_NULL) {
        MPI_Cancel(&x->ctrl_req);
        MPI_Wait(&x->ctrl_req, MPI_STATUS_IGNORE);
    }
    /* control messages nobody waited for (late credits) */
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_CTRL, x->comm, &flag, &st);
        if (!flag)
            break;
        ctrl_msg_t junk;
        MPI_Recv(&junk, (int)sizeof junk, MPI_BYTE, st.MPI_SOURCE, TAG_CTRL, x->comm,
                 MPI_STATUS_IGNORE);
    }
    for (int i = 0; i < x->nsend; i++) {
        if (x->send[i]) {
            free(x->send[i]->b.buf);
            free(x->send[i]->b.refs_of);
        }
        free(x->send[i]);
    }
    for (int i = 0; i < x->nctl; i++)
        free(x->ctl[i]);
    free(x->ctl);
    free(x->send);
    free(x->in);
    free(x->grant_n);
    free(x->sent_to);
    free(x->eos_wire);
    pas_pipe_fifo_free(&x->grants);
}

pas_status pas_pipe_engine_mpi_run(MPI_Comm user_comm, const pas_pipe_spec_t *spec,
                                   const pas_pipe_stage_t *stages, const pas_pipe_opts_t *opt,
                                   pas_pipe_metrics_t *m, char *err, size_t errlen)
{
    /* a communicator of our own: a late control message of one run can
     * never be taken for one of the next, nor collide with the caller's */
    MPI_Comm comm;
    if (PAS_WATCHED("MPI_Comm_dup", -1, -1, MPI_Comm_dup(user_comm, &comm)) != MPI_SUCCESS) {
        snprintf(err, errlen, "cannot duplicate the communicator for the pipeline");
        return PAS_ERR_MPI;
    }
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int index, stage = pas_pipe_spec_locate(spec, rank, &index);
    mpx_t x;
    memset(&x, 0, sizeof x);
    pipe_worker_t w;
    int rc = pas_pipe_worker_init(&w, spec, stages, opt, stage, index, rank);
    w.eng = &mpi_engine;
    w.ectx = &x;
    if (rc == PAS_OK)
        rc = mpx_setup(&x, comm, spec, opt, stage);
    if (rc != PAS_OK)
        pas_pipe_worker_fail(&w, rc, "stage '%s' (rank %d): cannot set up its links: %s",
                             spec->name[stage], rank, pas_strerror(rc));
    else
        rc = pas_pipe_worker_run(&w);
    int drc = mpx_drain(&x);
    if (rc == PAS_OK)
        rc = drc;
    mpx_teardown(&x);

    /* the verdict: the lowest rank that failed on its own speaks for all */
    int mine = rc && rc != PAS_ERR_REMOTE ? rank : size, first = size;
    PAS_WATCHED("MPI_Allreduce", -1, -1, MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
    if (first < size) {
        char msg[480];
        int st = rc;
        snprintf(msg, sizeof msg, "%s", w.err[0] ? w.err : x.abort_msg);
        MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, first, comm);
        MPI_Bcast(&st, 1, MPI_INT, first, comm);
        snprintf(err, errlen, "%s", msg);
        rc = st;
    } else {
        int worst = rc;
        MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, comm);
        rc = worst;
        if (rc)
            snprintf(err, errlen, "%s", x.abort_msg[0] ? x.abort_msg : pas_strerror(rc));
    }

    /* metrics: per-stage sums and maxima over the ranks */
    pas_pipe_metrics_t mm;
    memset(&mm, 0, sizeof mm);
    pas_pipe_metrics_add(&mm, &w);
    MPI_Allreduce(mm.items_in, m->items_in, PAS_PIPE_MAX_STAGES, MPI_UINT64_T, MPI_SUM, comm);
    MPI_Allreduce(mm.items_out, m->items_out, PAS_PIPE_MAX_STAGES, MPI_UINT64_T, MPI_SUM, comm);
    MPI_Allreduce(mm.bytes_out, m->bytes_out, PAS_PIPE_MAX_STAGES, MPI_UINT64_T, MPI_SUM, comm);
    MPI_Allreduce(mm.busy, m->busy, PAS_PIPE_MAX_STAGES, MPI_DOUBLE, MPI_SUM, comm);
    MPI_Allreduce(mm.qdepth, m->qdepth, PAS_PIPE_MAX_STAGES, MPI_DOUBLE, MPI_SUM, comm);
    MPI_Allreduce(mm.qmax, m->qmax, PAS_PIPE_MAX_STAGES, MPI_INT, MPI_MAX, comm);
    MPI_Allreduce(mm.rate, m->rate, PAS_PIPE_MAX_STAGES, MPI_DOUBLE, MPI_MAX, comm);
    pas_pipe_hist_t h;
    MPI_Allreduce(w.hist.bin, h.bin, PAS_PIPE_HIST_BINS, MPI_UINT64_T, MPI_SUM, comm);
    MPI_Allreduce(&w.hist.n, &h.n, 1, MPI_UINT64_T, MPI_SUM, comm);
    pas_pipe_metrics_finish(m, spec, &h);
    m->engine = 1;
    pas_pipe_worker_free(&w);
    MPI_Comm_free(&comm);
    return rc;
}
