/* queue.c - the bounded FIFO that every link is built on, and credits. */
#include <stdlib.h>

#include "pipe_internal.h"

pas_status pas_pipe_fifo_init(pas_pipe_fifo_t *q, size_t cap)
{
    if (!q || cap == 0)
        return PAS_ERR_ARG;
    void **slot = calloc(cap, sizeof *slot);
    if (!slot)
        return PAS_ERR_NOMEM;
    *q = (pas_pipe_fifo_t){slot, cap, 0, 0};
    return PAS_OK;
}

void pas_pipe_fifo_free(pas_pipe_fifo_t *q)
{
    if (!q)
        return;
    free(q->slot);
    *q = (pas_pipe_fifo_t){0};
}

pas_status pas_pipe_fifo_push(pas_pipe_fifo_t *q, void *p)
{
    if (q->count == q->cap)
        return PAS_ERR_OVERFLOW;
    q->slot[(q->head + q->count) % q->cap] = p;
    q->count++;
    return PAS_OK;
}

pas_status pas_pipe_fifo_pop(pas_pipe_fifo_t *q, void **p)
{
    if (q->count == 0)
        return PAS_ERR_ARG;
    *p = q->slot[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return PAS_OK;
}

int pas_pipe_fifo_remove(pas_pipe_fifo_t *q, void *p)
{
    for (size_t i = 0; i < q->count; i++) {
        if (q->slot[(q->head + i) % q->cap] != p)
            continue;
        /* close the gap: shift the younger elements one place forward */
        for (size_t j = i; j + 1 < q->count; j++)
            q->slot[(q->head + j) % q->cap] = q->slot[(q->head + j + 1) % q->cap];
        q->count--;
        return 1;
    }
    return 0;
}

pas_status pas_pipe_credit_take(pas_pipe_credit_t *c, int n)
{
    if (n < 0 || c->used + n > c->limit)
        return PAS_ERR_OVERFLOW;
    c->used += n;
    return PAS_OK;
}

pas_status pas_pipe_credit_give(pas_pipe_credit_t *c, int n)
{
    if (n < 0 || n > c->used)
        return PAS_ERR_INTERNAL;
    c->used -= n;
    return PAS_OK;
}
