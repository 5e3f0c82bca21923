/* pas_driver.h - the skeleton every pas program's main() follows:
 *
 *   pas_driver_t d;
 *   int code = pas_driver_begin(&d, &info, table, &argc, &argv);
 *   if (code >= 0) return code;              // --help, --version, usage error
 *   ... validate options: pas_driver_check(&d, status, "msg") on any rank ...
 *   ... pas_bench_run(...) to time the algorithm, verify, report ...
 *   return pas_driver_end(&d, status);
 *
 * Every exit path is collective: all ranks reach the same verdict and exit
 * with the same code, so no rank is left waiting.
 */
#ifndef PAS_DRIVER_H
#define PAS_DRIVER_H

#include "pas_core.h"
#include "pas_outfile.h"

typedef struct {
    MPI_Comm comm;
    int rank, size;
    pas_common_opts_t opt;
    pas_machine_t machine;
    const pas_prog_info_t *info;
    const pas_opt_t *table;
} pas_driver_t;

/* Initialise MPI, parse options, detect cores, install the SIGTERM/SIGINT
 * handlers (pas_outfile_signals).  Returns -1 to go on, or the
 * exit code main() should return (MPI is already finalised then).  The
 * caller sets its own options' defaults in `table` before calling, and
 * sets d->opt's defaults by passing `common_defaults` (may be NULL). */
int pas_driver_begin(pas_driver_t *d, const pas_prog_info_t *info, const pas_opt_t *table,
                     const pas_common_opts_t *common_defaults, int *argc, char ***argv);

/* collective: agree on the worst status.  If it is an error, the lowest rank
 * that saw one prints "program: message" to stderr (one line for the job),
 * where message is its `msg` (or pas_strerror when msg is NULL).  Returns
 * the agreed status, identical on every rank. */
pas_status pas_driver_check(pas_driver_t *d, int status, const char *msg);

/* collective, agreed: the printf-style variant; the message is only formatted on failing ranks. */
pas_status pas_driver_checkf(pas_driver_t *d, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* collective: check the output path `path` of option `opt` (not one of the
 * NULL-terminated `inputs`; see pas_path_check_output) and begin the
 * atomic output f (pas_outfile_begin); a bad path is one line and
 * PAS_ERR_ARG.  Rank 0 prints a note about stale temporary files found.
 * pas_driver_end removes the temporary file if the output was not committed. */
pas_status pas_driver_output(pas_driver_t *d, const char *opt, const char *path,
                             const char *const *inputs, pas_outfile_t *f);

/* local: the memory limit of a rank: `option` bytes (a --mem-limit given
 * by the user, named as such) or, when 0, the job's limit detected at begin. */
pas_mem_limit_t pas_driver_mem_limit(const pas_driver_t *d, uint64_t option);

/* collective: the memory pre-flight.  `need` is this rank's estimate (local;
 * UINT64_MAX when it overflowed), `what` the work ("n=400M u64 keys"),
 * `fix` the way to need less ("use more ranks or a smaller --n").  An
 * estimate above the limit, or one that overflows, is a usage error: one
 * line naming the need, the limit and which limit bound it. */
pas_status pas_driver_mem_check(pas_driver_t *d, uint64_t need, const pas_mem_limit_t *lim,
                                const char *what, const char *fix);

/* collective: print the banner and header (rank 0; nothing with --quiet/--json). */
void pas_driver_banner(pas_driver_t *d, const char *variant, const char *const *kv);

/* collective: finalise MPI and return the exit code for `status`. */
int pas_driver_end(pas_driver_t *d, int status);

/* collective: run `warmup` untimed then `reps` timed repetitions of `run`,
 * each preceded by `prepare` (untimed; may be NULL) and a barrier; the time
 * of a repetition is the maximum over ranks.  Stops at the first failing
 * repetition (status agreed across ranks).  Stats in *stats. */
typedef int (*pas_bench_fn)(void *ctx);
pas_status pas_bench_run(MPI_Comm comm, int warmup, int reps, pas_bench_fn prepare,
                         pas_bench_fn run, void *ctx, pas_stats_t *stats);

#endif
