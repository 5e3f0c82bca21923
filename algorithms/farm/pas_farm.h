/* pas_farm.h - a task farm: independent tasks spread over every slot of every
 * rank, handed out on demand, with priorities (aging), retries and results
 * returned to the submitter.
 *
 * A task is a byte payload.  Rank 0 (the submitter) draws tasks from a
 * `next` callback into a scheduler (the pipeline's FIFO-with-aging,
 * pas_pipe_sched_t) and hands them out in batches to ranks that ask; every
 * rank, rank 0 included, runs them in `slots` threads through the `run`
 * callback, which may put result bytes.  Each task's final result (after its
 * retries) comes back to rank 0's `done` callback.  Rank 0's main thread
 * dispatches between its own slots' tasks; MPI is called from main threads
 * only (MPI_THREAD_FUNNELED).
 *
 * Order and priorities: a task of priority p (higher first) read at
 * dispatch step t is served before every task of a lower score, where the
 * score at step `now` is p + (now - t) / aging.  With equal priorities this
 * is input order.  A task waits at most aging * (pmax - p) dispatches plus
 * the tasks already ahead of it when it was read, whatever arrives later.
 *
 * The building blocks (task lines, templates, ids, the journal) are pure
 * and tested on their own (tests/unit/test_farm.c).
 */
#ifndef PAS_FARM_H
#define PAS_FARM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pas_core.h"

/* ---- the farm ------------------------------------------------------------- */

enum { PAS_FARM_AGAIN = 2 }; /* returned by next: no task now, ask later */

typedef struct {
    uint64_t id; /* the submitter's number for the task, reported back */
    int prio;    /* higher first; 0 for plain input order */
    const void *data;
    size_t len; /* copied by the farm when next returns */
} pas_farm_task_t;

typedef struct {
    uint64_t id;
    int rank, slot; /* where it runs: rank, and the slot (0 .. slots-1) there */
    int attempt;    /* 1 for the first try */
    const char *host;
} pas_farm_where_t;

/* Result bytes of one attempt (growable; only through the calls below). */
typedef struct pas_farm_out pas_farm_out_t;
/* local, in run: append len bytes to the result.  PAS_OK or PAS_ERR_NOMEM. */
pas_status pas_farm_out_put(pas_farm_out_t *out, const void *data, size_t len);
/* local, in run: drop what was put so far. */
void pas_farm_out_reset(pas_farm_out_t *out);
/* local: a result buffer of one's own (for pas_farm_exec's CAPTURE outside
 * a farm); NULL when out of memory.  Its bytes are pas_farm_out_data's. */
pas_farm_out_t *pas_farm_out_new(void);
void pas_farm_out_free(pas_farm_out_t *out);
const void *pas_farm_out_data(const pas_farm_out_t *out, size_t *len);

typedef struct {
    uint64_t id;
    int status;   /* run's return of the last attempt: 0 success */
    int attempts; /* tries made */
    int rank, slot;
    const char *host;
    double start;        /* wall clock (seconds since the epoch) of the last attempt */
    double wall;         /* its duration in seconds */
    uint64_t dispatched; /* hand-outs before its last one: its place in dispatch order */
    const void *data;    /* the bytes it put, valid during the done call */
    size_t len;
} pas_farm_result_t;

typedef struct {
    uint64_t read, done, failed, retried; /* tasks drawn, ended, failed, retries made */
    uint64_t running;                     /* handed out, not ended */
    uint64_t queued;                      /* in the scheduler */
    int input_ended;
    double elapsed; /* seconds since the farm started */
} pas_farm_progress_t;

/* The callbacks.  next, done and tick run on rank 0's main thread; run on
 * every rank, in a slot thread, concurrently with other slots. */
typedef struct {
    /* 1 with a task in *t, 0 at the end of input, PAS_FARM_AGAIN for none
     * yet, or a negative pas status (the farm stops). */
    int (*next)(void *arg, pas_farm_task_t *t);
    /* The task's status: 0 success, anything else a failed attempt. */
    int (*run)(void *arg, const pas_farm_where_t *w, const void *data, size_t len,
               pas_farm_out_t *out);
    /* A task's final result.  PAS_OK, or a negative status to stop the farm. */
    int (*done)(void *arg, const pas_farm_result_t *r);
    /* Optional: called about every opts.tick seconds. */
    void (*tick)(void *arg, const pas_farm_progress_t *p);
    void *arg;
} pas_farm_calls_t;

#define PAS_FARM_MAX_RETRY_ON 32
typedef struct {
    int slots;                           /* concurrent tasks per rank (>= 1) */
    int prefetch;                        /* tasks a rank holds beyond its slots (default: slots) */
    int aging;                           /* dispatches per priority level (>= 1, default 64) */
    int retries;                         /* extra attempts of a failed task (default 0) */
    int retry_on[PAS_FARM_MAX_RETRY_ON]; /* statuses that are retried; none: any */
    int nretry_on;
    size_t window; /* most tasks read ahead into the scheduler (default 65536) */
    double tick;   /* seconds between tick calls (default 1) */
} pas_farm_opts_t;

void pas_farm_opts_default(pas_farm_opts_t *o);

typedef struct {
    uint64_t tasks, succeeded, failed, retried;
    double wall; /* seconds on rank 0 */
} pas_farm_stats_t;

/* collective over comm: run the farm until next has ended and every task
 * has ended.  calls and opts are global except that next, done and tick are
 * used on rank 0 only (may be NULL elsewhere); slots may differ per rank.
 * A failed task is not an error: it is counted and given to done.
 * Returns an agreed status (the same on every rank): PAS_OK, or the first error of a
 * callback (next, done) or of MPI; stats (may be NULL) are filled on rank 0. */
pas_status pas_farm_run(MPI_Comm comm, const pas_farm_calls_t *calls, const pas_farm_opts_t *opts,
                        pas_farm_stats_t *stats);

/* ---- shell tasks (what pas-farm runs) -------------------------------------- */

typedef enum {
    PAS_FARM_OUT_INHERIT, /* the task writes to this process's stdout/stderr */
    PAS_FARM_OUT_FILES,   /* to out_path and err_path (written to .tmp, renamed) */
    PAS_FARM_OUT_TAG,     /* each line of both prefixed with `tag` */
    PAS_FARM_OUT_CAPTURE  /* stdout into the result (at most max_capture bytes) */
} pas_farm_out_mode_t;

typedef struct {
    double timeout; /* seconds, 0 none: then the process group is killed */
    pas_farm_out_mode_t mode;
    const char *out_path, *err_path; /* FILES */
    const char *tag;                 /* TAG */
    size_t max_capture;              /* CAPTURE */
    /* stdin: these input_len bytes through a pipe, written while the output is
     * read (no deadlock whatever the sizes); NULL: /dev/null.  A command that
     * exits before reading all of it is not an error of its own (its exit
     * status decides). */
    const void *input;
    size_t input_len;
    /* when not NULL and *cancel becomes nonzero (checked every 50 ms), the
     * group is killed and the result is status 130, "cancelled"; read with
     * __atomic_load_n, so another thread sets it with __atomic_store_n */
    const volatile int *cancel;
} pas_farm_exec_opts_t;

typedef struct {
    int status;       /* exit code; 128+signal; 124 timed out; 127 could not start */
    int exited;       /* 1 exit code, 0 killed by a signal or never started */
    int code;         /* exit code or signal number */
    int timed_out;    /* 1 when the time limit killed it */
    char reason[160]; /* why it failed ("" on success): "exit 3", "signal 9 (Killed)", ... */
} pas_farm_exec_result_t;

/* local, thread-safe: run `cmd` with /bin/sh -c in a new session (its own
 * process group), stdin from /dev/null or o->input.  When the shell ends (or the time
 * limit passes) the whole group is killed, so no child outlives its task.
 * Captured stdout is appended to `captured` (may be NULL unless CAPTURE).
 * Returns PAS_OK with *r filled (a task that cannot start is a result, not
 * an error), or PAS_ERR_NOMEM. */
pas_status pas_farm_exec(const char *cmd, const pas_farm_exec_opts_t *o, pas_farm_out_t *captured,
                         pas_farm_exec_result_t *r);

/* local, async-signal-safe: SIGKILL the process group of every task that
 * pas_farm_exec is running in this process (for a SIGTERM handler: tasks run
 * in their own sessions and would outlive a killed farm). */
void pas_farm_exec_kill_all(void);

/* ---- task lines, templates, ids (local, pure) --------------------------------- */

/* One input line: leading and trailing blanks trimmed; blank lines and lines
 * starting with '#' are not tasks (returns 0).  A "prio=N " prefix sets the
 * priority and is removed; with prio_field > 0 the field'th blank-separated
 * field is the priority (the line is kept).  Returns 1 with *text (inside
 * line, NUL-terminated in place) and *prio, 0 for no task, or PAS_ERR_FORMAT
 * with a message in err. */
int pas_farm_line_parse(char *line, int prio_field, char **text, int *prio, char *err,
                        size_t errlen);

/* Expand a template: {} the argument, {#} the task number, {rank}, {slot};
 * a negative rank or slot leaves that placeholder as it is.  "{{" and "}}"
 * are not special.  Returns the length written (excluding the NUL), or
 * PAS_ERR_OVERFLOW when cap is too small (out then truncated, NUL-ended). */
long pas_farm_expand(const char *tmpl, const char *arg, uint64_t number, int rank, int slot,
                     char *out, size_t cap);

/* A task's identity: FNV-1a 64 of the command line, then of its occurrence
 * (1 for the first line with this text, 2 for the second, ...). */
uint64_t pas_farm_task_id(const char *cmd, uint64_t occurrence);

/* ---- the journal ------------------------------------------------------------------ */

/* One line per task end, tab-separated (see the README):
 *   id number status exit attempts rank host slot start wall command */
typedef struct {
    uint64_t id;
    int ok; /* status column: "ok" 1, "failed" 0 */
} pas_farm_jentry_t;

typedef struct {
    pas_farm_jentry_t *e; /* last entry per id, sorted by id */
    size_t n;
    size_t lines;   /* task lines read */
    int torn;       /* the last line was incomplete and ignored */
    long good_size; /* bytes up to the end of the last complete line */
} pas_farm_journal_t;

/* local: read a journal (a missing file is an empty journal).  PAS_OK, or
 * PAS_ERR_FORMAT / PAS_ERR_IO with a message naming the line. */
pas_status pas_farm_journal_read(const char *path, pas_farm_journal_t *j, char *err, size_t errlen);
/* local: parse a journal held in memory (what journal_read does). */
pas_status pas_farm_journal_parse(const char *text, size_t len, pas_farm_journal_t *j, char *err,
                                  size_t errlen);
/* local: the entry for id, NULL if none. */
const pas_farm_jentry_t *pas_farm_journal_find(const pas_farm_journal_t *j, uint64_t id);
void pas_farm_journal_free(pas_farm_journal_t *j);

/* local: format one journal line (ends in '\n'; tabs and newlines in the
 * command and host become spaces).  Returns its length, or -1 if cap is too
 * small. */
long pas_farm_journal_format(char *buf, size_t cap, uint64_t id, uint64_t number, int ok,
                             const char *exit, int attempts, int rank, const char *host, int slot,
                             double start, double wall, const char *cmd);

#define PAS_FARM_JOURNAL_HEADER                                                                    \
    "# pas-farm journal v1\n"                                                                      \
    "#id\tnumber\tstatus\texit\tattempts\trank\thost\tslot\tstart\twall\tcommand\n"

#endif
