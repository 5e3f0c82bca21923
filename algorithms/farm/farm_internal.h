/* farm_internal.h - what the farm's files share: the slot pool of a rank
 * and the wire format between rank 0 and the others. */
#ifndef FARM_INTERNAL_H
#define FARM_INTERNAL_H

#include <pthread.h>

#include "pas_farm.h"

enum {
    FARM_TAG_ASK = 7301, /* rank -> 0: [want i32][n i32] then n results */
    FARM_TAG_TASKS =
        7302 /* 0 -> rank: [n i32][end i32] then n tasks [handle][id][attempt][len][bytes] */
};

struct pas_farm_out {
    char *buf;
    size_t len, cap;
};

/* One task on a rank, from its arrival to its result. */
typedef struct farm_job {
    struct farm_job *next;
    uint64_t id;  /* the dispatcher's handle */
    uint64_t uid; /* the submitter's id */
    int attempt;
    void *data;
    size_t len;
    int borrowed; /* data is not the job's to free (the task's, or after the job) */
    /* the result */
    int status, slot;
    double start, wall;
    pas_farm_out_t out;
} farm_job_t;

/* The slots of one rank: threads that run jobs from `todo` and put them on
 * `done`.  The main thread submits and collects; nothing here calls MPI. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t work, finished;
    farm_job_t *todo, *todo_tail, *done, *done_tail;
    int held;   /* submitted, not yet collected */
    int todo_n; /* jobs in todo */
    int main_waiting;
    int stop;
    int nthreads;
    pthread_t *threads;
    const pas_farm_calls_t *calls;
    int rank;
    const char *host;
} farm_pool_t;

/* local: start the pool's threads.  PAS_OK, PAS_ERR_ARG or PAS_ERR_NOMEM. */
pas_status pas_farm_pool_start(farm_pool_t *p, int slots, const pas_farm_calls_t *calls, int rank,
                               const char *host);
/* Queue the jobs first..last (n of them, linked by next). */
void pas_farm_pool_submit(farm_pool_t *p, farm_job_t *first, farm_job_t *last, int n);
/* The finished jobs (a list, oldest first), or NULL. */
farm_job_t *pas_farm_pool_collect(farm_pool_t *p);
/* Wait until a job finishes or `seconds` pass. */
void pas_farm_pool_wait(farm_pool_t *p, double seconds);
void pas_farm_pool_stop(farm_pool_t *p);

void pas_farm_job_free(farm_job_t *j);
double pas_farm_now(void); /* monotonic seconds */

/* Little packing helpers over a growable buffer (local: PAS_OK or
 * PAS_ERR_NOMEM). */
pas_status pas_farm_put(pas_farm_out_t *b, const void *p, size_t n);
static inline void farm_get(const char **p, void *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ((char *)dst)[i] = (*p)[i];
    *p += n;
}

#endif
