/* slots.c - the slot threads of one rank: each runs one task at a time
 * through the run callback and hands the finished job back to the main
 * thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "farm_internal.h"

double pas_farm_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double epoch(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

pas_status pas_farm_put(pas_farm_out_t *b, const void *p, size_t n)
{
    if (n > SIZE_MAX - b->len)
        return PAS_ERR_OVERFLOW;
    pas_status rc = pas_grow(&b->buf, &b->cap, b->len + n, 1);
    if (rc)
        return rc;
    if (n)
        memcpy(b->buf + b->len, p, n);
    b->len += n;
    return PAS_OK;
}

pas_status pas_farm_out_put(pas_farm_out_t *out, const void *data, size_t len)
{
    return out ? pas_farm_put(out, data, len) : PAS_ERR_ARG;
}

void pas_farm_out_reset(pas_farm_out_t *out)
{
    if (out)
        out->len = 0;
}

pas_farm_out_t *pas_farm_out_new(void)
{
    return calloc(1, sizeof(pas_farm_out_t));
}

void pas_farm_out_free(pas_farm_out_t *out)
{
    if (out) {
        free(out->buf);
        free(out);
    }
}

const void *pas_farm_out_data(const pas_farm_out_t *out, size_t *len)
{
    *len = out ? out->len : 0;
    return out ? out->buf : NULL;
}

void pas_farm_job_free(farm_job_t *j)
{
    if (!j)
        return;
    if (!j->borrowed)
        free(j->data);
    free(j->out.buf);
    free(j);
}

typedef struct {
    farm_pool_t *pool;
    int slot;
} slot_arg_t;

/* A slot takes a fair share of the queue at once (at most 32 jobs: one when
 * the queue is short, as it is for long tasks), runs them, and hands them
 * back together; the main thread is woken only when it sleeps. */
static void *slot_main(void *arg)
{
    slot_arg_t a = *(slot_arg_t *)arg;
    free(arg);
    farm_pool_t *p = a.pool;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->todo && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (!p->todo)
            break;
        int k = p->todo_n / p->nthreads;
        k = k < 1 ? 1 : k > 32 ? 32 : k;
        farm_job_t *first = p->todo, *last = first;
        for (int i = 1; i < k && last->next; i++)
            last = last->next;
        p->todo = last->next;
        if (!p->todo)
            p->todo_tail = NULL;
        last->next = NULL;
        for (farm_job_t *j = first; j; j = j->next)
            p->todo_n--;
        pthread_mutex_unlock(&p->mu);

        /* one clock read per job: a job ends when the next one starts */
        double e0 = epoch(), m0 = pas_farm_now(), t0 = m0;
        for (farm_job_t *j = first; j; j = j->next) {
            pas_farm_where_t w = {j->uid, p->rank, a.slot, j->attempt, p->host};
            j->slot = a.slot;
            j->out.len = 0;
            j->start = e0 + (t0 - m0);
            j->status = p->calls->run(p->calls->arg, &w, j->data, j->len, &j->out);
            double t1 = pas_farm_now();
            j->wall = t1 - t0;
            t0 = t1;
        }

        pthread_mutex_lock(&p->mu);
        if (p->done_tail)
            p->done_tail->next = first;
        else
            p->done = first;
        p->done_tail = last;
        if (p->main_waiting)
            pthread_cond_signal(&p->finished);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

pas_status pas_farm_pool_start(farm_pool_t *p, int slots, const pas_farm_calls_t *calls, int rank,
                               const char *host)
{
    memset(p, 0, sizeof *p);
    if (slots < 1)
        return PAS_ERR_ARG;
    p->calls = calls;
    p->rank = rank;
    p->host = host;
    p->threads = calloc((size_t)slots, sizeof *p->threads);
    if (!p->threads)
        return PAS_ERR_NOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->finished, NULL);
    for (int s = 0; s < slots; s++) {
        slot_arg_t *a = malloc(sizeof *a);
        if (a)
            *a = (slot_arg_t){p, s};
        if (!a || pthread_create(&p->threads[s], NULL, slot_main, a) != 0) {
            free(a);
            pas_farm_pool_stop(p);
            return PAS_ERR_NOMEM;
        }
        p->nthreads++;
    }
    return PAS_OK;
}

void pas_farm_pool_submit(farm_pool_t *p, farm_job_t *first, farm_job_t *last, int n)
{
    if (!first)
        return;
    last->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->todo_tail)
        p->todo_tail->next = first;
    else
        p->todo = first;
    p->todo_tail = last;
    p->todo_n += n;
    p->held += n;
    if (n > 1)
        pthread_cond_broadcast(&p->work);
    else
        pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

farm_job_t *pas_farm_pool_collect(farm_pool_t *p)
{
    pthread_mutex_lock(&p->mu);
    farm_job_t *list = p->done;
    p->done = p->done_tail = NULL;
    for (farm_job_t *j = list; j; j = j->next)
        p->held--;
    pthread_mutex_unlock(&p->mu);
    return list;
}

void pas_farm_pool_wait(farm_pool_t *p, double seconds)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    long ns = t.tv_nsec + (long)(seconds * 1e9);
    t.tv_sec += ns / 1000000000L;
    t.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(&p->mu);
    if (!p->done) {
        p->main_waiting = 1;
        pthread_cond_timedwait(&p->finished, &p->mu, &t);
        p->main_waiting = 0;
    }
    pthread_mutex_unlock(&p->mu);
}

void pas_farm_pool_stop(farm_pool_t *p)
{
    if (!p->threads)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int s = 0; s < p->nthreads; s++)
        pthread_join(p->threads[s], NULL);
    for (farm_job_t *l = p->todo, *n; l; l = n) {
        n = l->next;
        pas_farm_job_free(l);
    }
    for (farm_job_t *l = p->done, *n; l; l = n) {
        n = l->next;
        pas_farm_job_free(l);
    }
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->finished);
    memset(p, 0, sizeof *p);
}
