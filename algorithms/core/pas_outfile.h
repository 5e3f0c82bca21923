/* pas_outfile.h - output files that are complete and correct or absent.
 *
 *   pas_outfile_t f;
 *   pas_outfile_begin(comm, "--out", path, &f);      // before any work
 *   ... compute, verify ...
 *   pas_outfile_write(comm, &f, total, extents, n, 0); // write, sync, read back
 *   pas_outfile_commit(comm, &f);                      // rename into place
 *   pas_outfile_end(&f);                               // on every path
 *
 * The bytes go to a temporary name unique to the job, in the directory of
 * the final file: "PATH.pas-tmp.HOST.PID.RAND" (rank 0's host and pid, and a
 * random word; rank 0 makes the name and broadcasts it).  The temporary file
 * is registered: pas_outfile_end, pas_driver_end, the watchdog and the
 * SIGTERM/SIGINT handler (pas_outfile_signals) remove it.  Temporary files
 * of this output left by a killed job are reported when the next job
 * begins, and removed when provably stale (made on this host by a pid that
 * no longer exists).
 *
 * Outputs that are not regular files: a FIFO or a character device is
 * refused (PAS_ERR_ARG; it is never replaced: positioned parallel writes and
 * the read-back check need a regular file); a symbolic link is followed: the
 * target is written atomically in the target's directory and the link stays.
 *
 * Two jobs writing the same output: the first to commit wins.  A job whose
 * final name was created or replaced by someone else after its begin does
 * not replace it: its commit fails with a message saying so, and the final
 * file keeps the other job's complete output (renameat2 RENAME_NOREPLACE /
 * RENAME_EXCHANGE make the check and the rename one step on local file
 * systems; where they are unsupported, e.g. NFS, a check just before a plain
 * rename leaves a window of microseconds).
 */
#ifndef PAS_OUTFILE_H
#define PAS_OUTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pas_core.h"

#define PAS_OUTFILE_PATH 4096

typedef struct {
    char path[PAS_OUTFILE_PATH]; /* the final name (a symbolic link's target) */
    char tmp[PAS_OUTFILE_PATH];  /* the temporary name written to */
    int existed;                 /* the final name held a file at begin */
    uint64_t dev, ino;           /* ... its identity */
    int owner;                   /* this rank created the temporary file */
    int live;                    /* the temporary file exists and is registered */
    char note[512];              /* rank 0: stale temporary files found ("" if none) */
    char why[512];               /* local: why this rank's last call failed */
} pas_outfile_t;

/* collective: resolve `path` (global; `opt` names the option in messages),
 * refuse FIFOs and devices, note stale temporary files (removing provably
 * stale ones), and create and register the job's temporary file.  PAS_OK,
 * PAS_ERR_ARG (the path cannot be an output) or PAS_ERR_IO, with f->why on
 * rank 0; the same status on every rank. */
pas_status pas_outfile_begin(MPI_Comm comm, const char *opt, const char *path, pas_outfile_t *f);

/* One piece of this rank's bytes in the file. */
typedef struct {
    uint64_t off;
    const void *buf;
    size_t len;
} pas_outfile_extent_t;

/* collective: make the temporary file `total` bytes (global) long, reserving
 * the space first (a full disk fails here, before any write), write this
 * rank's extents (local) in pieces of at most `piece` bytes (0: 1 GiB; every
 * count and error checked), fsync, then read every extent back and compare
 * it, and check the size.  PAS_OK, PAS_ERR_IO (f->why: the path and the
 * system's reason, e.g. "No space left on device"), PAS_ERR_VERIFY (what
 * was read back differs) or PAS_ERR_NOMEM on the ranks that saw the error,
 * PAS_ERR_REMOTE on the others (pas_driver_check then reports the reason of
 * the rank that saw it).  PAS_FAULT=R:write:error fails rank R's write.  Test
 * hook: PAS_TEST_PAUSE=write:FILE pauses rank 0 after its first piece. */
pas_status pas_outfile_write(MPI_Comm comm, pas_outfile_t *f, uint64_t total,
                             const pas_outfile_extent_t *ext, size_t next, size_t piece);

/* collective: rename the written temporary file to the final name, unless
 * another job created or replaced the final name since begin (then
 * PAS_ERR_IO, f->why says so, and the other job's file stays), then fsync
 * the directory.  The same status on every rank. */
pas_status pas_outfile_commit(MPI_Comm comm, pas_outfile_t *f);

/* local: remove the temporary file if it is still there (the rank that made
 * it) and unregister it.  Safe to call more than once. */
void pas_outfile_end(pas_outfile_t *f);

/* local: install SIGTERM and SIGINT handlers that remove every registered
 * temporary file, print one line (rank 0) naming the program, the signal,
 * the phase it interrupted and what was removed, and exit 128 + signal.
 * A signal ignored when the program starts stays ignored. */
void pas_outfile_signals(const char *program, int rank);

/* local: `first` (async-signal-safe, or NULL) runs at the start of those
 * handlers, before the files are removed: a program's own cleanup, e.g.
 * ending the process groups of the commands it started. */
void pas_outfile_on_signal(void (*first)(void));

/* local: the program has its exit code and is finishing (MPI_Finalize may
 * wait for other ranks): SIGTERM and SIGINT from now on remove what is
 * registered and exit with `code`, without a line (under mpirun, a rank
 * that exits first makes the launcher SIGTERM the others; their verdict
 * stands). */
void pas_outfile_finishing(int code);

/* local, async-signal-safe: remove every registered temporary file; returns
 * how many were removed.  Used before exits that skip pas_outfile_end. */
int pas_outfile_unlink_all(void);

/* local: for outputs streamed by one process (pas-pipeline --output): put
 * a temporary name for `path` in tmp (the form pas_outfile_begin uses) and
 * register it, so that signals and pas_driver_end remove it; the caller
 * creates, writes and renames it, and calls pas_outfile_tmp_release once it
 * is renamed or removed.  First, as pas_outfile_open does, it removes the
 * temporary files of this output that killed processes on this host left.
 * PAS_OK or PAS_ERR_OVERFLOW.  Thread-safe. */
pas_status pas_outfile_tmp_register(const char *path, char *tmp, size_t len);
void pas_outfile_tmp_release(const char *tmp);

/* ---- pure parts, tested by tests/unit/test_paths.c ---- */

/* local, pure: the temporary name for `path`: "PATH.pas-tmp.HOST.PID.RAND"
 * (RAND 8 hex digits).  PAS_OK or PAS_ERR_OVERFLOW when it does not fit. */
pas_status pas_outfile_tmp_name(const char *path, const char *host, long pid, uint32_t rnd,
                                char *out, size_t len);

/* local, pure: whether directory entry `name` is a temporary file of the
 * output whose file name (no directory) is `base`: 1 with *host and *pid set
 * for the current form, 2 for the form of older pas versions
 * ("BASE.pas-tmp", "BASE.tmp.PID"; *pid set or -1), 0 otherwise. */
int pas_outfile_tmp_parse(const char *base, const char *name, char *host, size_t hostlen,
                          long *pid);

#endif
