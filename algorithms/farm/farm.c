/* farm.c - pas_farm_run: rank 0 draws tasks into the aging scheduler and
 * hands them out on demand; every rank runs them in its slots and sends the
 * results back.  Both sides poll (MPI_Iprobe, non-blocking sends) from the
 * main thread, sleeping on the slot pool between polls, so no rank is ever
 * blocked in MPI while its slots could take work. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "farm_internal.h"
#include "pas_pipe.h"
#include "pas_watch.h"

/* Results are sent in messages of at most this (or of one result). */
#define FARM_MSG_MAX (64u << 20)

/* The polling loops of rank 0 and the workers: after work they nap
 * FARM_NAP_MIN seconds, doubling while idle up to FARM_NAP_MAX; rank 0 alone
 * with nothing to poll sleeps FARM_NAP_ALONE on its slots. */
#define FARM_NAP_MIN 20e-6
#define FARM_NAP_MAX 1e-3
#define FARM_NAP_ALONE 0.5

/* Once tasks prove very short, a rank's queue grows so that it holds about
 * FARM_QUEUE_S seconds of work per slot (at most FARM_QUEUE_MAX tasks per
 * slot): tasks of microseconds then travel in messages of hundreds, not one
 * round trip each, and a rank waits on rank 0 at most that long. */
#define FARM_QUEUE_S 2e-3
#define FARM_QUEUE_MAX 1024

void pas_farm_opts_default(pas_farm_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->slots = 1;
    o->aging = 64;
    o->window = 65536;
    o->tick = 1;
}

/* ---- non-blocking sends kept until complete ------------------------------------ */

typedef struct {
    MPI_Request *req;
    char **buf;
    int n;
    size_t cap;
} sends_t;

/* a job at the end of the list handed to the slot pool in one submit */
static void job_list_append(farm_job_t **first, farm_job_t **last, int *queued, farm_job_t *j)
{
    if (*last)
        (*last)->next = j;
    else
        *first = j;
    *last = j;
    (*queued)++;
}

static int sends_add(sends_t *s, MPI_Comm comm, int dest, int tag, pas_farm_out_t *msg)
{
    if (msg->len > INT_MAX)
        return PAS_ERR_OVERFLOW;
    /* the two arrays grow alike; cap moves only once both have */
    size_t need = (size_t)s->n + 1, cap_req = s->cap, cap_buf = s->cap;
    pas_status rc = pas_grow(&s->req, &cap_req, need, sizeof *s->req);
    if (rc || (rc = pas_grow(&s->buf, &cap_buf, need, sizeof *s->buf)))
        return rc;
    s->cap = cap_buf;
    if (MPI_Isend(msg->buf, (int)msg->len, MPI_BYTE, dest, tag, comm, &s->req[s->n]) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    s->buf[s->n++] = msg->buf;
    *msg = (pas_farm_out_t){0};
    return PAS_OK;
}

/* Free the buffers of completed sends. */
static int sends_progress(sends_t *s, int wait)
{
    int k = 0;
    for (int i = 0; i < s->n; i++) {
        int done = 1;
        int mrc = wait ? MPI_Wait(&s->req[i], MPI_STATUS_IGNORE)
                       : MPI_Test(&s->req[i], &done, MPI_STATUS_IGNORE);
        if (mrc != MPI_SUCCESS)
            return PAS_ERR_MPI;
        if (done) {
            free(s->buf[i]);
        } else {
            s->req[k] = s->req[i];
            s->buf[k++] = s->buf[i];
        }
    }
    s->n = k;
    return PAS_OK;
}

static void sends_free(sends_t *s)
{
    free(s->req);
    free(s->buf);
}

/* Receive one pending message of `tag` from `src` (any with MPI_ANY_SOURCE):
 * 1 with a malloc'ed *buf, 0 if none, or a negative status. */
static int recv_any(MPI_Comm comm, int src, int tag, char **buf, int *len, int *from)
{
    int flag = 0;
    MPI_Status st;
    if (MPI_Iprobe(src, tag, comm, &flag, &st) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    if (!flag)
        return 0;
    MPI_Get_count(&st, MPI_BYTE, len);
    *buf = malloc((size_t)*len + 1);
    if (!*buf)
        return PAS_ERR_NOMEM;
    if (MPI_Recv(*buf, *len, MPI_BYTE, st.MPI_SOURCE, tag, comm, MPI_STATUS_IGNORE) !=
        MPI_SUCCESS) {
        free(*buf);
        return PAS_ERR_MPI;
    }
    *from = st.MPI_SOURCE;
    return 1;
}

/* ---- rank 0: the dispatcher ----------------------------------------------------- */

typedef struct {
    uint64_t id;
    int prio, attempt, last_rank;
    uint64_t step;       /* scheduler step when it was (re)queued */
    uint64_t dispatched; /* the dispatch number of its last hand-out */
    void *data;
    size_t len;
} ftask_t;

typedef struct {
    MPI_Comm comm;
    int size;
    const pas_farm_calls_t *c;
    const pas_farm_opts_t *o;
    pas_pipe_sched_t sched;
    size_t window;
    uint64_t step;    /* dispatches so far: the aging clock */
    int *slots, *cap; /* per rank: slots, and slots + prefetch */
    int *assigned;    /* per rank: tasks handed out, not yet ended there */
    double mean_wall; /* of the attempts so far (moving average) */
    uint64_t attempts;
    char (*hosts)[64];
    uint64_t outstanding;
    pas_farm_progress_t prog;
    pas_farm_stats_t st;
    farm_pool_t pool;
    sends_t sends;
    int status; /* first error: stop handing out */
} disp_t;

static int retryable(const pas_farm_opts_t *o, int status)
{
    if (o->nretry_on == 0)
        return 1;
    for (int i = 0; i < o->nretry_on; i++)
        if (o->retry_on[i] == status)
            return 1;
    return 0;
}

/* A task's attempt ended on `rank`: retry it, or report it. */
static int disp_result(disp_t *d, ftask_t *t, int rank, int status, int slot, double start,
                       double wall, const void *data, size_t len)
{
    d->outstanding--;
    d->assigned[rank]--;
    d->attempts++;
    d->mean_wall += (wall - d->mean_wall) / (double)(d->attempts < 64 ? d->attempts : 64);
    if (d->status == PAS_OK && status != 0 && t->attempt <= d->o->retries &&
        retryable(d->o, status)) {
        t->attempt++;
        t->last_rank = rank;
        t->step = d->step;
        d->prog.retried++;
        d->st.retried++;
        return pas_pipe_sched_push(&d->sched, t->prio, t->step, t);
    }
    int rc = PAS_OK;
    if (d->status == PAS_OK) {
        pas_farm_result_t r = {t->id, status, t->attempt,    rank, slot, d->hosts[rank],
                               start, wall,   t->dispatched, data, len};
        d->prog.done++;
        d->st.tasks++;
        if (status) {
            d->prog.failed++;
            d->st.failed++;
        } else {
            d->st.succeeded++;
        }
        if (d->c->done)
            rc = d->c->done(d->c->arg, &r);
    }
    free(t); /* its data lives in the same block */
    return rc;
}

/* Up to n tasks for `rank` from the scheduler (a retry avoids the rank that
 * failed it when there are others).  Returns how many were put in out[]. */
static int disp_take(disp_t *d, int rank, int n, ftask_t **out)
{
    int got = 0, ndef = 0;
    ftask_t *deferred[64];
    void *ref;
    while (got < n && pas_pipe_sched_pop(&d->sched, &ref)) {
        ftask_t *t = ref;
        if (d->size > 1 && t->last_rank == rank) {
            deferred[ndef++] = t;
            if (ndef == 64) /* the head is this rank's retries: others take them */
                break;
            continue;
        }
        t->dispatched = d->step++;
        out[got++] = t;
    }
    for (int i = 0; i < ndef; i++)
        pas_pipe_sched_push(&d->sched, deferred[i]->prio, deferred[i]->step, deferred[i]);
    d->outstanding += (uint64_t)got;
    d->assigned[rank] += got;
    return got;
}

static int disp_read(disp_t *d)
{
    int moved = 0;
    while (!d->prog.input_ended && d->status == PAS_OK &&
           d->sched.count + d->outstanding < d->window) {
        pas_farm_task_t in = {0};
        int rc = d->c->next(d->c->arg, &in);
        if (rc == PAS_FARM_AGAIN)
            break;
        if (rc < 0) {
            d->status = rc;
            break;
        }
        if (rc == 0) {
            d->prog.input_ended = 1;
            break;
        }
        /* one allocation: the task, its bytes after it */
        ftask_t *t = in.len > SIZE_MAX - sizeof *t ? NULL : malloc(sizeof *t + in.len);
        if (!t) {
            d->status = PAS_ERR_NOMEM;
            break;
        }
        void *copy = t + 1;
        if (in.len)
            memcpy(copy, in.data, in.len);
        *t = (ftask_t){in.id, in.prio, 1, -1, d->step, 0, copy, in.len};
        pas_pipe_sched_push(&d->sched, t->prio, t->step, t);
        d->prog.read++;
        moved = 1;
    }
    return moved;
}

static int disp_send_tasks(disp_t *d, int rank, ftask_t **t, int n, int end)
{
    pas_farm_out_t m = {0};
    int32_t hdr[2] = {n, end};
    int rc = pas_farm_put(&m, hdr, sizeof hdr);
    for (int i = 0; i < n && rc == PAS_OK; i++) {
        uint64_t id = (uint64_t)(uintptr_t)t[i], len = t[i]->len;
        int32_t attempt = t[i]->attempt;
        rc = pas_farm_put(&m, &id, 8);
        if (rc == PAS_OK)
            rc = pas_farm_put(&m, &t[i]->id, 8);
        if (rc == PAS_OK)
            rc = pas_farm_put(&m, &attempt, 4);
        if (rc == PAS_OK)
            rc = pas_farm_put(&m, &len, 8);
        if (rc == PAS_OK)
            rc = pas_farm_put(&m, t[i]->data, t[i]->len);
    }
    if (rc == PAS_OK)
        rc = sends_add(&d->sends, d->comm, rank, FARM_TAG_TASKS, &m);
    free(m.buf);
    return rc;
}

/* One ASK message: results (kind 0), bye (-1: nothing follows), or the
 * rank's own failure (-2, n = its status): its tasks are lost, it takes no
 * more, and it counts as gone. */
static int disp_ask(disp_t *d, int from, const char *p, int len, int *bye)
{
    const char *end = p + len;
    int32_t want, n;
    if (len < 8)
        return PAS_ERR_INTERNAL;
    farm_get(&p, &want, 4);
    farm_get(&p, &n, 4);
    if (want == -2) {
        if (d->status == PAS_OK)
            d->status = PAS_ERR_REMOTE;
        d->outstanding -= (uint64_t)d->assigned[from];
        d->assigned[from] = d->slots[from] = d->cap[from] = 0;
        *bye = 1;
        return PAS_OK;
    }
    for (int i = 0; i < n; i++) {
        uint64_t id, rlen;
        int32_t status, attempt, slot;
        double start, wall;
        if (end - p < 44)
            return PAS_ERR_INTERNAL;
        farm_get(&p, &id, 8);
        farm_get(&p, &status, 4);
        farm_get(&p, &attempt, 4);
        farm_get(&p, &slot, 4);
        farm_get(&p, &start, 8);
        farm_get(&p, &wall, 8);
        farm_get(&p, &rlen, 8);
        if ((uint64_t)(end - p) < rlen)
            return PAS_ERR_INTERNAL;
        ftask_t *t = (ftask_t *)(uintptr_t)id;
        int rc = disp_result(d, t, from, status, slot, start, wall, p, (size_t)rlen);
        p += rlen;
        if (rc && d->status == PAS_OK)
            d->status = rc;
    }
    if (want < 0)
        *bye = 1;
    return PAS_OK;
}

static int farm_dispatch(disp_t *d)
{
    ftask_t **batch = NULL;
    size_t batch_cap = 0;
    int rc = PAS_OK;
    int ended = 0, byes = 0;
    double t_start = pas_farm_now(), next_tick = t_start + d->o->tick, nap = FARM_NAP_MIN;
    for (;;) {
        int busy = disp_read(d);
        /* results and requests from the other ranks */
        for (;;) {
            char *buf;
            int len, from, bye = 0;
            int got = d->size > 1
                          ? recv_any(d->comm, MPI_ANY_SOURCE, FARM_TAG_ASK, &buf, &len, &from)
                          : 0;
            if (got <= 0) {
                if (got < 0)
                    rc = got;
                break;
            }
            busy = 1;
            int arc = disp_ask(d, from, buf, len, &bye);
            free(buf);
            if (arc)
                rc = arc;
            byes += bye;
        }
        if (rc)
            break;
        /* results of rank 0's own slots */
        for (farm_job_t *j = pas_farm_pool_collect(&d->pool), *n; j; j = n) {
            n = j->next;
            busy = 1;
            int drc = disp_result(d, (ftask_t *)(uintptr_t)j->id, 0, j->status, j->slot, j->start,
                                  j->wall, j->out.buf, j->out.len);
            if (drc && d->status == PAS_OK)
                d->status = drc;
            pas_farm_job_free(j);
        }
        if (!ended)
            busy |= disp_read(d);
        /* hand out: the other ranks' requests, then rank 0's own slots */
        for (int r = 0; r < d->size && !ended && d->status == PAS_OK; r++) {
            /* free slots first; a queue beyond them (prefetch) only
             * once tasks are known to be short, so that long tasks are
             * not held behind each other while a slot elsewhere idles */
            int prefetch = d->attempts > 0 && d->mean_wall < 0.05;
            int hold = prefetch ? d->cap[r] : d->slots[r];
            if (prefetch && d->mean_wall * FARM_QUEUE_MAX < FARM_QUEUE_S) {
                hold = d->slots[r] * FARM_QUEUE_MAX;
            } else if (prefetch && d->mean_wall > 0) {
                double deep = (double)d->slots[r] * FARM_QUEUE_S / d->mean_wall;
                hold = deep > hold ? (int)deep : hold;
            }
            int want = hold - d->assigned[r];
            if (want <= 0 || d->sched.count == 0)
                continue;
            if ((rc = pas_grow(&batch, &batch_cap, (size_t)want, sizeof *batch)))
                break;
            int n = disp_take(d, r, want, batch);
            if (n == 0)
                continue;
            busy = 1;
            if (r) {
                rc = disp_send_tasks(d, r, batch, n, 0);
                if (rc)
                    break;
            } else {
                farm_job_t *first = NULL, *last = NULL;
                int queued = 0;
                for (int i = 0; i < n; i++) {
                    farm_job_t *j = calloc(1, sizeof *j);
                    if (!j) {
                        rc = PAS_ERR_NOMEM;
                        break;
                    }
                    /* the task's bytes, not a copy: the task outlives its job */
                    j->id = (uint64_t)(uintptr_t)batch[i];
                    j->uid = batch[i]->id;
                    j->attempt = batch[i]->attempt;
                    j->data = batch[i]->data;
                    j->borrowed = 1;
                    j->len = batch[i]->len;
                    job_list_append(&first, &last, &queued, j);
                }
                pas_farm_pool_submit(&d->pool, first, last, queued);
            }
        }
        if (rc)
            break;
        if (d->status != PAS_OK) { /* stop: drop what is queued, let the running end */
            void *ref;
            while (pas_pipe_sched_pop(&d->sched, &ref)) {
                free(ref);
            }
            d->prog.input_ended = 1;
        }
        /* the end: everything read has ended; tell the others, wait for their bye */
        if (!ended && d->prog.input_ended && d->sched.count == 0 && d->outstanding == 0) {
            ended = 1;
            for (int r = 1; r < d->size && rc == PAS_OK; r++)
                rc = disp_send_tasks(d, r, NULL, 0, d->status ? d->status : 1);
            if (rc)
                break;
        }
        if (ended && byes == d->size - 1)
            break;
        if ((rc = sends_progress(&d->sends, 0)))
            break;
        double now = pas_farm_now();
        if (d->c->tick && now >= next_tick) {
            d->prog.running = d->outstanding;
            d->prog.queued = d->sched.count;
            d->prog.elapsed = now - t_start;
            d->c->tick(d->c->arg, &d->prog);
            next_tick = now + d->o->tick;
        }
        if (busy) {
            nap = FARM_NAP_MIN;
            continue;
        }
        /* idle: sleep on our slots; poll MPI (and input that said AGAIN) often */
        int poll_mpi = d->size > 1 || !d->prog.input_ended;
        pas_farm_pool_wait(&d->pool, poll_mpi ? nap : FARM_NAP_ALONE);
        nap = nap * 2 < FARM_NAP_MAX ? nap * 2 : FARM_NAP_MAX;
    }
    free(batch);
    /* a failure here (MPI, memory) must still release the others */
    for (int r = 1; rc != PAS_OK && !ended && r < d->size; r++)
        disp_send_tasks(d, r, NULL, 0, rc);
    d->st.wall = pas_farm_now() - t_start;
    if (rc == PAS_OK)
        rc = sends_progress(&d->sends, 1);
    return rc ? rc : (d->status == PAS_OK ? PAS_OK : d->status);
}

/* ---- ranks 1..p-1: ask, run, send results -------------------------------------- */

static int farm_work(MPI_Comm comm, farm_pool_t *pool)
{
    sends_t sends = {0};
    int rc = PAS_OK, farm_status = PAS_OK, end_seen = 0;
    double nap = FARM_NAP_MIN;
    for (;;) {
        int busy = 0;
        /* results (rank 0 counts what each rank holds: they free room) */
        farm_job_t *done = pas_farm_pool_collect(pool);
        while (done) {
            pas_farm_out_t m = {0};
            int32_t hdr[2] = {0, 0};
            rc = pas_farm_put(&m, hdr, sizeof hdr);
            while (done && rc == PAS_OK && (m.len < FARM_MSG_MAX || hdr[1] == 0)) {
                farm_job_t *j = done;
                uint64_t len = j->out.len;
                int32_t s3[3] = {j->status, j->attempt, j->slot};
                rc = pas_farm_put(&m, &j->id, 8);
                if (rc == PAS_OK)
                    rc = pas_farm_put(&m, s3, sizeof s3);
                if (rc == PAS_OK)
                    rc = pas_farm_put(&m, &j->start, 8);
                if (rc == PAS_OK)
                    rc = pas_farm_put(&m, &j->wall, 8);
                if (rc == PAS_OK)
                    rc = pas_farm_put(&m, &len, 8);
                if (rc == PAS_OK)
                    rc = pas_farm_put(&m, j->out.buf, j->out.len);
                hdr[1]++;
                done = j->next;
                pas_farm_job_free(j);
            }
            if (rc == PAS_OK) {
                memcpy(m.buf, hdr, sizeof hdr);
                rc = sends_add(&sends, comm, 0, FARM_TAG_ASK, &m);
            }
            free(m.buf);
            if (rc)
                goto out;
            busy = 1;
        }
        /* tasks, or the end */
        char *buf;
        int len, from;
        int got = recv_any(comm, 0, FARM_TAG_TASKS, &buf, &len, &from);
        if (got < 0) {
            rc = got;
            goto out;
        }
        if (got && len >= 8) {
            int32_t f32;
            memcpy(&f32, buf + 4, 4);
            end_seen = f32 != 0;
        }
        if (got && (rc = pas_watch_phase("farm-tasks")) != PAS_OK) { /* fault injection */
            free(buf);
            goto out;
        }
        if (got) {
            busy = 1;
            const char *p = buf, *end = buf + len;
            int32_t n, fin;
            farm_get(&p, &n, 4);
            farm_get(&p, &fin, 4);
            farm_job_t *first = NULL, *last = NULL;
            int queued = 0;
            for (int i = 0; i < n && rc == PAS_OK; i++) {
                uint64_t id, uid, jlen;
                int32_t attempt;
                if (end - p < 28) {
                    rc = PAS_ERR_INTERNAL;
                    break;
                }
                farm_get(&p, &id, 8);
                farm_get(&p, &uid, 8);
                farm_get(&p, &attempt, 4);
                farm_get(&p, &jlen, 8);
                if ((uint64_t)(end - p) < jlen) {
                    rc = PAS_ERR_INTERNAL;
                    break;
                }
                /* one allocation: the job, its bytes after it */
                farm_job_t *j = calloc(1, sizeof *j + (size_t)jlen);
                if (!j) {
                    rc = PAS_ERR_NOMEM;
                    break;
                }
                j->id = id;
                j->uid = uid;
                j->attempt = attempt;
                j->data = j + 1;
                j->borrowed = 1;
                if (jlen)
                    memcpy(j->data, p, jlen);
                p += jlen;
                j->len = jlen;
                job_list_append(&first, &last, &queued, j);
            }
            pas_farm_pool_submit(pool, first, last, queued);
            free(buf);
            if (rc)
                goto out;
            if (fin) {
                farm_status = fin < 0 ? fin : PAS_OK;
                break;
            }
        }
        if ((rc = sends_progress(&sends, 0)))
            goto out;
        if (busy) {
            nap = FARM_NAP_MIN;
            continue;
        }
        pas_farm_pool_wait(pool, nap);
        nap = nap * 2 < FARM_NAP_MAX ? nap * 2 : FARM_NAP_MAX;
    }
    /* bye: nothing follows it from this rank */
    {
        pas_farm_out_t m = {0};
        int32_t hdr[2] = {-1, 0};
        rc = pas_farm_put(&m, hdr, sizeof hdr);
        if (rc == PAS_OK)
            rc = sends_add(&sends, comm, 0, FARM_TAG_ASK, &m);
        free(m.buf);
    }
out:
    if (rc != PAS_OK && rc != PAS_ERR_MPI) {
        /* tell rank 0, which would otherwise wait for this rank's tasks */
        pas_farm_out_t m = {0};
        int32_t hdr[2] = {-2, rc};
        if (pas_farm_put(&m, hdr, sizeof hdr) == PAS_OK &&
            sends_add(&sends, comm, 0, FARM_TAG_ASK, &m) == PAS_OK)
            sends_progress(&sends, 1);
        free(m.buf);
        /* take (and drop) what rank 0 already sent here, up to its end
         * message: a large task message is only complete on rank 0 once
         * it is received, and rank 0 waits for its sends before it ends */
        for (int fin = end_seen; !fin;) {
            MPI_Status st;
            int n = 0;
            if (MPI_Probe(0, FARM_TAG_TASKS, comm, &st) != MPI_SUCCESS)
                break;
            MPI_Get_count(&st, MPI_BYTE, &n);
            char *buf = malloc(n > 8 ? (size_t)n : 8);
            if (!buf || MPI_Recv(buf, n, MPI_BYTE, 0, FARM_TAG_TASKS, comm, MPI_STATUS_IGNORE) !=
                            MPI_SUCCESS) {
                free(buf);
                break;
            }
            int32_t fin32 = 0;
            if (n >= 8)
                memcpy(&fin32, buf + 4, 4);
            fin = fin32 != 0;
            free(buf);
        }
    }
    if (rc == PAS_OK)
        rc = sends_progress(&sends, 1);
    sends_free(&sends);
    return rc ? rc : farm_status;
}

pas_status pas_farm_run(MPI_Comm comm, const pas_farm_calls_t *calls, const pas_farm_opts_t *opts,
                        pas_farm_stats_t *stats)
{
    int rank, size, rc = PAS_OK;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    pas_farm_opts_t o;
    if (opts)
        o = *opts;
    else
        pas_farm_opts_default(&o);
    if (o.prefetch <= 0)
        o.prefetch = o.slots;
    if (o.aging < 1)
        o.aging = 1;
    if (o.tick <= 0)
        o.tick = 1;
    if (!calls || !calls->run || (rank == 0 && !calls->next) || o.slots < 1 || o.retries < 0)
        rc = PAS_ERR_ARG;
    int cap = o.slots + o.prefetch;

    /* every rank's host name and capacity, for the results and the window */
    char host[64] = {0};
    gethostname(host, sizeof host - 1);
    disp_t d = {0};
    if (rank == 0) {
        d.hosts = calloc((size_t)size, sizeof *d.hosts);
        d.slots = calloc((size_t)size, sizeof *d.slots);
        d.cap = calloc((size_t)size, sizeof *d.cap);
        d.assigned = calloc((size_t)size, sizeof *d.assigned);
        if (!d.hosts || !d.slots || !d.cap || !d.assigned)
            rc = PAS_ERR_NOMEM;
    }
    int grc =
        MPI_Gather(host, 64, MPI_CHAR, d.hosts ? (void *)d.hosts : host, 64, MPI_CHAR, 0, comm);
    int crc = MPI_Gather(&cap, 1, MPI_INT, d.cap ? d.cap : &cap, 1, MPI_INT, 0, comm);
    int src = MPI_Gather(&o.slots, 1, MPI_INT, d.slots ? d.slots : &o.slots, 1, MPI_INT, 0, comm);
    if (grc != MPI_SUCCESS || crc != MPI_SUCCESS || src != MPI_SUCCESS)
        rc = PAS_ERR_MPI;
    int all = rc;
    if (MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        all = PAS_ERR_MPI;
    if (all != PAS_OK) {
        rc = all;
        goto out;
    }

    farm_pool_t *pool = rank == 0 ? &d.pool : &(farm_pool_t){0};
    rc = pas_farm_pool_start(pool, o.slots, calls, rank, host);
    if (rc == PAS_OK)
        rc = pas_watch_phase("farm-start"); /* fault injection */
    /* every rank's slots must be up before rank 0 hands out: a rank whose
     * threads could not start would never ask, and rank 0 would wait */
    all = rc;
    if (MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        all = PAS_ERR_MPI;
    if (all != PAS_OK) {
        pas_farm_pool_stop(pool);
        rc = rc ? rc : PAS_ERR_REMOTE;
    } else {
        if (rank == 0) {
            size_t need = 0;
            for (int r = 0; r < size; r++)
                need += 2 * (size_t)d.cap[r];
            d.window = o.window > need ? o.window : need;
            d.comm = comm;
            d.size = size;
            d.c = calls;
            d.o = &o;
            rc = pas_pipe_sched_init(&d.sched, d.window, o.aging);
            if (rc == PAS_OK)
                rc = farm_dispatch(&d);
            pas_pipe_sched_free(&d.sched);
            sends_free(&d.sends);
        } else {
            rc = farm_work(comm, pool);
        }
        pas_farm_pool_stop(pool);
    }
    rc = pas_agree(comm, rc);
out:
    if (stats && rank == 0)
        *stats = d.st;
    free(d.hosts);
    free(d.slots);
    free(d.cap);
    free(d.assigned);
    return rc;
}
