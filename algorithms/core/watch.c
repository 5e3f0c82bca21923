/* watch.c - the hang watchdog thread and PAS_FAULT fault injection. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pas_core.h"
#include "pas_watch.h"

static _Atomic(const char *) cur_phase = "";
static _Atomic(const char *) cur_op = NULL; /* NULL: not blocked */
static atomic_int cur_peer, cur_tag;
static _Atomic double cur_since;
static atomic_int stop_flag;
static double limit;
static int my_rank = -1, running;
static pthread_t thread;
static _Atomic(pas_watch_cleanup_fn) cleanup;

void pas_watch_set_cleanup(pas_watch_cleanup_fn fn)
{
    atomic_store(&cleanup, fn);
}

/* Process-level exits, by design: the watchdog and the "exit" fault end the
 * process as a crashed rank would (_exit, no MPI_Finalize), after the
 * registered cleanup removed the temporary files. */
static void die(int code)
{
    pas_watch_cleanup_fn fn = atomic_load(&cleanup);
    if (fn)
        fn();
    _exit(code);
}

/* The parsed PAS_FAULT. */
static struct {
    int armed, any_rank, rank, nth, seen;
    char phase[64], op[32], action[16]; /* op: "" (a point), or the MPI call of PHASE@OP */
} fault;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void parse_fault(void)
{
    const char *spec = getenv("PAS_FAULT");
    if (!spec || !*spec)
        return;
    char rank[16] = "", phase[64] = "", action[16] = "";
    int nth = 1;
    /* RANK:PHASE:ACTION[:N] */
    if (sscanf(spec, "%15[^:]:%63[^:]:%15[^:]:%d", rank, phase, action, &nth) < 3 || nth < 1) {
        fprintf(
            stderr,
            "pas: PAS_FAULT='%s' is malformed; use RANK:PHASE:ACTION[:N], e.g. 1:exchange:exit\n",
            spec);
        return;
    }
    fault.any_rank = strcmp(rank, "*") == 0;
    fault.rank = atoi(rank);
    fault.nth = nth;
    char *at = strchr(phase, '@');
    if (at) {
        *at = '\0';
        snprintf(fault.op, sizeof fault.op, "%s", at + 1);
    }
    snprintf(fault.phase, sizeof fault.phase, "%s", phase);
    snprintf(fault.action, sizeof fault.action, "%s", action);
    fault.armed = 1;
}

/* Does the fault fire here (phase or point, and op: "" or the MPI call)? */
static int fault_here(const char *phase, const char *op)
{
    if (!fault.armed || strcmp(phase, fault.phase) != 0 || strcmp(op, fault.op) != 0 ||
        (!fault.any_rank && fault.rank != my_rank))
        return 0;
    return ++fault.seen == fault.nth;
}

static pas_status fire(const char *phase, const char *op)
{
    fprintf(stderr, "pas: rank %d: PAS_FAULT injects '%s' in phase '%s'%s%s\n", my_rank,
            fault.action, phase, *op ? " at " : "", op);
    fflush(stderr);
    if (strcmp(fault.action, "exit") == 0)
        die(3); /* a crashed rank's job leaves no temporary file */
    if (strcmp(fault.action, "abort") == 0)
        abort();
    if (strcmp(fault.action, "hang") == 0) {
        pas_watch_enter("injected hang", -1, -1);
        for (;;)
            pause();
    }
    if (strcmp(fault.action, "nomem") == 0)
        return PAS_ERR_NOMEM;
    if (strcmp(fault.action, "mpi") == 0)
        return PAS_ERR_MPI;
    return PAS_ERR_INTERNAL; /* "error" */
}

pas_status pas_watch_fault(const char *point)
{
    return fault_here(point, "") ? fire(point, "") : PAS_OK;
}

pas_status pas_watch_phase(const char *phase)
{
    atomic_store(&cur_phase, phase);
    return pas_watch_fault(phase);
}

void pas_watch_pause(const char *point)
{
    const char *spec = getenv("PAS_TEST_PAUSE");
    size_t n = strlen(point);
    if (!spec || strncmp(spec, point, n) != 0 || spec[n] != ':' || !spec[n + 1])
        return;
    char ready[4096], go[4096];
    snprintf(ready, sizeof ready, "%s.ready", spec + n + 1);
    snprintf(go, sizeof go, "%s.go", spec + n + 1);
    int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 12000 && access(go, F_OK) != 0; i++)
        nanosleep(&tick, NULL);
}

const char *pas_watch_current_phase(void)
{
    return atomic_load(&cur_phase);
}

void pas_watch_enter(const char *op, int peer, int tag)
{
    atomic_store(&cur_peer, peer);
    atomic_store(&cur_tag, tag);
    atomic_store(&cur_since, now());
    atomic_store(&cur_op, op);
}

void pas_watch_leave(void)
{
    atomic_store(&cur_op, NULL);
}

int pas_watch_leave_rc(int rc)
{
    const char *op = atomic_exchange(&cur_op, NULL);
    if (op && fault.op[0] && fault_here(atomic_load(&cur_phase), op) &&
        fire(atomic_load(&cur_phase), op) != PAS_OK && rc == MPI_SUCCESS)
        rc = MPI_ERR_OTHER; /* the call ran; only this rank sees it fail */
    return rc;
}

static void *watchdog(void *arg)
{
    (void)arg;
    struct timespec tick = {0, 100 * 1000 * 1000};
    while (!atomic_load(&stop_flag)) {
        nanosleep(&tick, NULL);
        const char *op = atomic_load(&cur_op);
        double since = atomic_load(&cur_since);
        if (!op || now() - since < limit)
            continue;
        int peer = atomic_load(&cur_peer), tag = atomic_load(&cur_tag);
        char who[32] = "all ranks (collective)";
        if (peer >= 0)
            snprintf(who, sizeof who, "rank %d", peer);
        fprintf(stderr,
                "pas: rank %d: watchdog: blocked %.0f s in %s waiting for %s, tag %d, "
                "phase '%s'; aborting the job (raise --watchdog if this is expected)\n",
                my_rank, now() - since, op, who, tag, atomic_load(&cur_phase));
        fflush(stderr);
        /* Under MPI_THREAD_FUNNELED this thread may not call MPI (not even
         * MPI_Abort).  A rank that exits non-zero without MPI_Finalize makes
         * mpirun end the job, and srun does with --kill-on-bad-exit
         * (jobs/pas-launch passes it). */
        die(1);
    }
    return NULL;
}

pas_status pas_watch_start(double limit_seconds, int rank)
{
    my_rank = rank;
    parse_fault();
    if (limit_seconds <= 0 || running)
        return PAS_OK;
    limit = limit_seconds;
    atomic_store(&stop_flag, 0);
    if (pthread_create(&thread, NULL, watchdog, NULL) != 0)
        return PAS_ERR_INTERNAL;
    running = 1;
    return PAS_OK;
}

void pas_watch_stop(void)
{
    if (!running)
        return;
    atomic_store(&stop_flag, 1);
    pthread_join(thread, NULL);
    running = 0;
}
