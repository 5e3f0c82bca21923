/* reorder.c - the reorder buffer (a min-heap on (seq, sub)) and the aging
 * priority scheduler (a max-heap on a key that does not change with time). */
#include <stdlib.h>

#include "pipe_internal.h"

/* ---- reorder buffer ---------------------------------------------------------- */

static int rob_less(const pas_pipe_rob_entry_t *a, const pas_pipe_rob_entry_t *b)
{
    return a->seq < b->seq || (a->seq == b->seq && a->sub < b->sub);
}

pas_status pas_pipe_rob_init(pas_pipe_rob_t *r, size_t cap, uint64_t first_seq)
{
    if (!r || cap == 0)
        return PAS_ERR_ARG;
    pas_pipe_rob_entry_t *h = malloc(cap * sizeof *h);
    if (!h)
        return PAS_ERR_NOMEM;
    *r = (pas_pipe_rob_t){h, cap, 0, first_seq, 0};
    return PAS_OK;
}

void pas_pipe_rob_free(pas_pipe_rob_t *r)
{
    if (!r)
        return;
    free(r->heap);
    *r = (pas_pipe_rob_t){0};
}

pas_status pas_pipe_rob_insert(pas_pipe_rob_t *r, pas_pipe_rob_entry_t e)
{
    if (e.seq < r->next_seq || (e.seq == r->next_seq && e.sub < r->next_sub))
        return PAS_ERR_VERIFY;
    if (r->count == r->cap)
        return PAS_ERR_OVERFLOW;
    size_t i = r->count++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!rob_less(&e, &r->heap[up]))
            break;
        r->heap[i] = r->heap[up];
        i = up;
    }
    r->heap[i] = e;
    return PAS_OK;
}

static pas_pipe_rob_entry_t rob_take_min(pas_pipe_rob_t *r)
{
    pas_pipe_rob_entry_t top = r->heap[0], last = r->heap[--r->count];
    size_t i = 0, n = r->count;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && rob_less(&r->heap[c + 1], &r->heap[c]))
            c++;
        if (!rob_less(&r->heap[c], &last))
            break;
        r->heap[i] = r->heap[c];
        i = c;
    }
    if (n > 0)
        r->heap[i] = last;
    return top;
}

int pas_pipe_rob_pop(pas_pipe_rob_t *r, pas_pipe_rob_entry_t *e)
{
    if (r->count == 0 || r->heap[0].seq != r->next_seq || r->heap[0].sub != r->next_sub)
        return 0;
    *e = rob_take_min(r);
    if (e->end) {
        r->next_seq++;
        r->next_sub = 0;
    } else {
        r->next_sub++;
    }
    return 1;
}

/* ---- aging scheduler ------------------------------------------------------------ */

static int sched_before(const pas_pipe_sched_entry_t *a, const pas_pipe_sched_entry_t *b)
{
    return a->key > b->key || (a->key == b->key && a->order < b->order);
}

pas_status pas_pipe_sched_init(pas_pipe_sched_t *s, size_t cap, int aging)
{
    if (!s || cap == 0 || aging < 0)
        return PAS_ERR_ARG;
    pas_pipe_sched_entry_t *h = malloc(cap * sizeof *h), *r = malloc(cap * sizeof *r);
    if (!h || !r) {
        free(h);
        free(r);
        return PAS_ERR_NOMEM;
    }
    *s = (pas_pipe_sched_t){h, cap, 0, 0, aging, r, 0, 0, 0};
    return PAS_OK;
}

void pas_pipe_sched_free(pas_pipe_sched_t *s)
{
    if (!s)
        return;
    free(s->heap);
    free(s->run);
    *s = (pas_pipe_sched_t){0};
}

pas_status pas_pipe_sched_push(pas_pipe_sched_t *s, int prio, uint64_t now, void *ref)
{
    if (s->count == s->cap)
        return PAS_ERR_OVERFLOW;
    /* strict priority (aging 0): key = prio, ties by arrival */
    int64_t key = s->aging > 0 ? (int64_t)prio * s->aging - (int64_t)now : (int64_t)prio;
    pas_pipe_sched_entry_t e = {key, s->arrivals++, ref};
    s->count++;
    if (s->run_n == 0 || key <= s->run[(s->run_head + s->run_n - 1) % s->cap].key) {
        s->run[(s->run_head + s->run_n++) % s->cap] = e; /* after everything in the ring */
        return PAS_OK;
    }
    size_t i = s->hcount++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!sched_before(&e, &s->heap[up]))
            break;
        s->heap[i] = s->heap[up];
        i = up;
    }
    s->heap[i] = e;
    return PAS_OK;
}

int pas_pipe_sched_pop(pas_pipe_sched_t *s, void **ref)
{
    if (s->count == 0)
        return 0;
    s->count--;
    if (s->run_n > 0 && (s->hcount == 0 || !sched_before(&s->heap[0], &s->run[s->run_head]))) {
        *ref = s->run[s->run_head].ref;
        s->run_head = (s->run_head + 1) % s->cap;
        s->run_n--;
        return 1;
    }
    *ref = s->heap[0].ref;
    pas_pipe_sched_entry_t last = s->heap[--s->hcount];
    size_t i = 0, n = s->hcount;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && sched_before(&s->heap[c + 1], &s->heap[c]))
            c++;
        if (!sched_before(&s->heap[c], &last))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n > 0)
        s->heap[i] = last;
    return 1;
}
