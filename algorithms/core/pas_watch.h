/* pas_watch.h - hang watchdog and fault injection.
 *
 * Algorithms name their phases and wrap every blocking MPI wait:
 *
 *   pas_watch_phase("exchange");
 *   rc = PAS_WATCHED("MPI_Waitall", peer, TAG_DATA, MPI_Waitall(n, reqs, MPI_STATUSES_IGNORE));
 *
 * Watchdog: when started (pas_driver_begin starts it from --watchdog SECONDS
 * or PAS_WATCHDOG; 0 disables), a helper thread checks the call each rank is
 * blocked in.  One blocked longer than the limit prints what it waited for
 * (operation, peer, tag, phase, seconds) and exits with status 1 without
 * finalising MPI, which makes mpirun (and srun --kill-on-bad-exit) end the
 * whole job instead of burning the allocation.  Collectives: pass peer -1.
 *
 * Fault injection: PAS_FAULT="RANK:PHASE:ACTION[:N]" makes rank RANK (or "*"
 * for every rank) act when it enters phase PHASE, or passes the fault point
 * PHASE (pas_watch_fault), the N-th time (default 1): ACTION is "exit"
 * (exit(3) without MPI_Finalize, as a crashed rank), "abort" (abort()),
 * "hang" (sleep forever: the watchdog or timeout must catch it), or "error",
 * "nomem", "mpi" (pas_watch_phase returns PAS_ERR_INTERNAL, PAS_ERR_NOMEM,
 * PAS_ERR_MPI: the algorithm must report it collectively).
 * PHASE@OP (e.g. exchange@MPI_Allreduce) acts instead when the watched call
 * OP returns in phase PHASE: it ran, but returns MPI_ERR_OTHER on this rank
 * only (any action but exit/abort/hang), as a local MPI error under
 * MPI_ERRORS_RETURN.  Used by the tests; never set in production.
 *
 * All functions are local and thread-safe with respect to the watchdog.
 */
#ifndef PAS_WATCH_H
#define PAS_WATCH_H

#include "pas_core.h"

/* local: name the current phase (a string literal: it is kept, not copied).
 * Returns PAS_OK, or PAS_ERR_INTERNAL when an "error" fault fires here. */
pas_status pas_watch_phase(const char *phase);

/* local: a fault point that is not a phase (the current phase stays):
 * PAS_OK, or the status a PAS_FAULT naming `point` injects here. */
pas_status pas_watch_fault(const char *point);

/* The current phase name ("" before any). */
const char *pas_watch_current_phase(void);

/* Mark entry to and exit from a blocking call. */
void pas_watch_enter(const char *op, int peer, int tag);
void pas_watch_leave(void);

/* pas_watch_leave, and rc (or an injected PHASE@OP error) passed on. */
int pas_watch_leave_rc(int rc);

/* Evaluate `call` (an MPI call returning int) under the watchdog. */
#define PAS_WATCHED(op, peer, tag, call)                                                           \
    (pas_watch_enter((op), (peer), (tag)), pas_watch_leave_rc(call))

/* Test hook: with PAS_TEST_PAUSE="POINT:FILE" (POINT "read", "write" or
 * "commit": rank 0 about to rename the written output into place),
 * the caller reaching `point` creates FILE.ready and waits (at most 120 s)
 * until FILE.go exists, so that a test can act at a known moment (truncate
 * the input, send a signal, run a second job).  Never set in production. */
void pas_watch_pause(const char *point);

/* local: start the watchdog thread with a limit in seconds (0: do not start).
 * `rank` is used in messages.  Returns PAS_OK or PAS_ERR_INTERNAL. */
pas_status pas_watch_start(double limit_seconds, int rank);

/* Stop it (before MPI_Finalize). */
void pas_watch_stop(void);

/* What to run just before the watchdog or an injected "exit" fault ends the
 * process (async-signal-safe; NULL: nothing).  pas_outfile registers its
 * removal of temporary files here, so that this file needs no other. */
typedef int (*pas_watch_cleanup_fn)(void);
void pas_watch_set_cleanup(pas_watch_cleanup_fn fn);

#endif
