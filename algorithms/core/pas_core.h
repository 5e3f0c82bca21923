/* pas_core.h - what every pas program and module shares: status codes, the
 * option table, sizes with suffixes, timing, result reporting, the cores a
 * rank may use, and the collective agreement on a verdict.
 *
 * SPMD notes: functions taking an MPI_Comm are collective over it unless
 * marked "local".  Library functions never exit; they return a pas status.
 */
#ifndef PAS_CORE_H
#define PAS_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pas_mpi.h"

#define PAS_VERSION "0.1.0"

/* ---- status ------------------------------------------------------------- */

/* Every status a pas function can return, written once: its name, its
 * value and its text.  The enum and pas_strerror() are generated from this
 * list, so a new status cannot lack its text.
 *
 * A function that returns pas_status says in its header comment whether the
 * value is local (this rank's view) or agreed (every rank of the
 * communicator returns the same value, as pas_agree() makes it).  Booleans
 * and three-way results are int or bool, never pas_status. */
#define PAS_STATUS_LIST(X)                                                                         \
    X(PAS_OK, 0, "success")                                                                        \
    X(PAS_ERR_ARG, -1, "invalid argument") /* out of its domain */                                 \
    X(PAS_ERR_NOMEM, -2, "out of memory")  /* or over the memory limit */                          \
    X(PAS_ERR_IO, -3, "I/O error")         /* a file read or write */                              \
    X(PAS_ERR_MPI, -4, "MPI error")        /* an MPI call failed */                                \
    X(PAS_ERR_VERIFY, -5, "verification failed")                                                   \
    X(PAS_ERR_OVERFLOW, -6, "size or count overflows its type")                                    \
    X(PAS_ERR_UNSUPPORTED, -7, "not supported")   /* in this build or layout */                    \
    X(PAS_ERR_FORMAT, -8, "malformed input data") /* size, header, record */                       \
    X(PAS_ERR_TIMEOUT, -9, "timed out")           /* a watchdog limit expired */                   \
    X(PAS_ERR_INTERNAL, -10, "internal error (a bug in pas)")                                      \
    X(PAS_ERR_REMOTE, -11, "another rank failed") /* see its message */

typedef enum pas_status {
#define PAS_STATUS_ENUM_(name, value, text) name = value,
    PAS_STATUS_LIST(PAS_STATUS_ENUM_)
#undef PAS_STATUS_ENUM_
        PAS_ERR_LAST = -12 /* one past the last: not a status */
} pas_status;

/* local: a static string for a status; never NULL ("unknown status" for a
 * value outside the list). */
const char *pas_strerror(int status);

/* ---- OpenMP ----------------------------------------------------------------- */

/* Loops over fewer elements than this run on one thread: below it the fork and
 * join of a parallel region cost more than the loop (a simple per-element pass,
 * measured on the 2-core Zen machines of REFERENCES.md). */
#define PAS_OMP_MIN_N 100000

/* ---- numbers and sizes ------------------------------------------------- */

/* local: parse a count with an optional suffix: K M G T P (powers of 1000),
 * Ki Mi Gi Ti Pi (powers of 1024), or a plain/scientific decimal ("1e8").
 * Rejects negatives, fractions that do not land on an integer, trailing text
 * and overflow.  Returns PAS_OK, PAS_ERR_ARG or PAS_ERR_OVERFLOW. */
pas_status pas_parse_size(const char *text, uint64_t *out);

/* local, pure: a * b and a + b, saturating at UINT64_MAX, for sizes and
 * memory estimates: an estimate that overflows becomes UINT64_MAX, which no
 * limit admits, instead of wrapping to a small number. */
static inline uint64_t pas_sat_mul(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}
static inline uint64_t pas_sat_add(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}
/* local, pure: a byte count times a factor >= 0, saturating. */
static inline uint64_t pas_sat_scale(uint64_t a, double f)
{
    double v = (double)a * f;
    return a == UINT64_MAX || !(v < 0x1p64) ? UINT64_MAX : (uint64_t)v;
}

/* local: format a count compactly ("100M", "1.5Gi" is never produced: only
 * exact decimal suffixes, else the plain number) into buf. */
const char *pas_format_size(uint64_t n, char *buf, size_t len);

/* local: format a byte count for people: "1000 B", "64.0 KiB", "1.5 GiB". */
const char *pas_format_bytes(uint64_t bytes, char *buf, size_t len);

/* ---- options ----------------------------------------------------------- */

typedef enum {
    PAS_OPT_FLAG,   /* int: set to 1 when present */
    PAS_OPT_INT,    /* int, any sign accepted within [min, max] */
    PAS_OPT_SIZE,   /* uint64_t, with suffixes, within [min, max] */
    PAS_OPT_DOUBLE, /* double within [min, max] */
    PAS_OPT_STRING, /* const char * */
    PAS_OPT_CHOICE  /* const char *, one of `choices` ("a|b|c") */
} pas_opt_kind_t;

typedef struct {
    const char *name; /* long name, without "--"; NULL ends the table */
    pas_opt_kind_t kind;
    void *dest;
    const char *arg;     /* placeholder in --help, e.g. "N" */
    const char *help;    /* one line */
    const char *choices; /* for PAS_OPT_CHOICE */
    double min, max;     /* for numeric kinds; min == max means unbounded */
} pas_opt_t;

/* Options every program has. */
typedef struct {
    uint64_t seed;
    int threads; /* 0: detect */
    int reps;
    int warmup;
    int json;
    int quiet;       /* result rows only: no banner, no table header */
    double watchdog; /* seconds a rank may block in one MPI call; 0: off */
    int help, version;
} pas_common_opts_t;

typedef struct {
    const char *program; /* "pas-sort" */
    const char *summary; /* one line */
    const char *usage;   /* e.g. "[options]" */
    const char *epilog;  /* extra help text, may be NULL */
} pas_prog_info_t;

/* local: parse argv against `table` and the common options.  Returns PAS_OK,
 * or PAS_ERR_ARG with a one-line message naming the problem and the fix in
 * `err` (the caller prints it: usually only rank 0 does).  --help and
 * --version set the corresponding field and return PAS_OK. */
pas_status pas_opts_parse(const pas_prog_info_t *info, const pas_opt_t *table,
                          pas_common_opts_t *common, int argc, char **argv, char *err,
                          size_t errlen);

/* local: print --help (with the current, i.e. default, values) to `out`. */
void pas_opts_help(const pas_prog_info_t *info, const pas_opt_t *table,
                   const pas_common_opts_t *common, FILE *out);

/* ---- growing arrays ------------------------------------------------------ */

/* local: make the array *pp (of elements of `elem` bytes, `*cap` of them, a
 * T ** passed as void *; NULL when *cap is 0) hold at least `need`: the
 * capacity doubles from *cap (PAS_GROW_MIN when 0) until it does.  PAS_OK;
 * PAS_ERR_OVERFLOW when the count or the bytes would pass SIZE_MAX;
 * PAS_ERR_NOMEM.  On error *pp and *cap are unchanged (and still valid). */
#define PAS_GROW_MIN 16
pas_status pas_grow(void *pp, size_t *cap, size_t need, size_t elem);

/* ---- memory: what a rank may allocate ----------------------------------- */

/* The most a rank may use, and which limit bound it (for messages). */
typedef struct {
    uint64_t bytes; /* per rank; UINT64_MAX when nothing limits it */
    char from[400]; /* e.g. "Slurm's SLURM_MEM_PER_NODE, 3.0 GiB per node shared by 2 ranks" */
} pas_mem_limit_t;

/* Reads the file at `path` into buf (NUL-terminated, at most len - 1 bytes);
 * returns the bytes read or -1.  The probe reads /proc and cgroup files only
 * through this, so tests can give it fake ones. */
typedef long (*pas_mem_read_fn)(void *ctx, const char *path, char *buf, size_t len);

typedef struct {
    pas_mem_read_fn read;
    void *ctx;
    const char *slurm_mem_per_node, *slurm_mem_per_cpu, *slurm_cpus_on_node; /* NULL: unset */
    uint64_t rlimit_as; /* RLIMIT_AS soft limit, UINT64_MAX: unlimited */
} pas_mem_sources_t;

/* What one process sees, before sharing among ranks; UINT64_MAX: no limit. */
typedef struct {
    uint64_t host;          /* MemAvailable of /proc/meminfo */
    uint64_t cgroup;        /* room in the tightest level of the memory cgroup */
    char cgroup_dir[4096];  /* that level's directory (ranks under it share it) */
    char cgroup_from[320];  /* "cgroup v2 memory.max of DIR: 3.0 GiB, 12.0 MiB in use" */
    uint64_t slurm;         /* the job's memory on this node */
    const char *slurm_from; /* "SLURM_MEM_PER_NODE" or "SLURM_MEM_PER_CPU x SLURM_CPUS_ON_NODE" */
    uint64_t rlimit;        /* RLIMIT_AS less the address space already mapped (VmSize) */
    uint64_t rlimit_as;
} pas_mem_probe_t;

/* local, pure: a cgroup file's value ("max", a decimal; v1's "no limit",
 * any value >= 2^62, is UINT64_MAX).  PAS_OK or PAS_ERR_FORMAT. */
pas_status pas_mem_parse_value(const char *text, uint64_t *out);

/* local, pure: the number after `key` at a line start of a "key value" or
 * "Key:  value kB" text (memory.stat, /proc/meminfo); kB is scaled. */
pas_status pas_mem_stat_get(const char *text, const char *key, uint64_t *out);

/* local, pure: the job's memory on this node from Slurm's environment
 * (values in MiB, or with a K M G T suffix); UINT64_MAX when unset, 0 or
 * malformed.  *from names the variable(s) used. */
uint64_t pas_mem_parse_slurm(const char *per_node, const char *per_cpu, const char *cpus_on_node,
                             const char **from);

/* local, pure: the directory of this process's memory cgroup from the texts
 * of /proc/self/cgroup and /proc/self/mountinfo; v2 selects the unified
 * hierarchy, else the v1 one with the memory controller.  PAS_OK,
 * PAS_ERR_FORMAT (none) or PAS_ERR_OVERFLOW (len too small). */
pas_status pas_mem_cgroup_dir(const char *proc_cgroup, const char *mountinfo, int v2, char *dir,
                              size_t len);

/* local: read every source (the cgroup walked up to its hierarchy's root). */
void pas_mem_probe(const pas_mem_sources_t *src, pas_mem_probe_t *p);

/* local, pure: one rank's share: host and Slurm memory over node_ranks,
 * the cgroup's room over cgroup_ranks (ranks on the node under the same
 * limiting cgroup), RLIMIT_AS per process; the smallest wins. */
void pas_mem_share(const pas_mem_probe_t *p, int node_ranks, int cgroup_ranks,
                   pas_mem_limit_t *out);

/* local, pure: lower lim to `bytes` (naming `from`) if that is smaller. */
void pas_mem_limit_tighten(pas_mem_limit_t *lim, uint64_t bytes, const char *from);

/* local: the real sources: /proc, /sys, getenv and getrlimit. */
void pas_mem_sources_system(pas_mem_sources_t *src);

/* ---- the machine: cores and threads ------------------------------------ */

typedef struct {
    int ranks, rank;
    int local_ranks;          /* ranks on this node */
    int sharers;              /* ranks on this node with the same affinity mask as this one */
    int hosts;                /* distinct nodes */
    int node_cpus;            /* online CPUs on this node */
    int mask_cpus;            /* CPUs in this rank's affinity mask */
    int omp_procs;            /* omp_get_num_procs() (1 without OpenMP) */
    int hw_cores;             /* physical cores in the mask (hwloc), 0 when unknown */
    int threads;              /* threads each rank should run */
    const char *threads_from; /* why: "--threads", "OMP_NUM_THREADS", ... */
    char host[64];            /* this rank's host name */
    pas_mem_limit_t mem;      /* the memory this rank may use (see pas_mem_share) */
} pas_machine_t;

/* Pure rule behind pas_machine_detect (local, tested on its own):
 * requested > 0 wins; then OMP_NUM_THREADS and SLURM_CPUS_PER_TASK (passed as
 * ints, 0 when unset); then the cores of this rank's affinity mask divided by
 * the ranks on the node that have the same mask (`sharers`, >= 1): bound
 * ranks own their cores, unbound or cgroup-confined ranks split them.
 * Always >= 1. */
int pas_threads_choose(int requested, int omp_env, int slurm_cpt, int mask_cpus, int sharers,
                       const char **why);

/* local: in MPICH builds, make pas's blocking MPI calls wait by testing and
 * yielding the core (mpi/mpi_yield.c); elsewhere a no-op (get returns 0).  Must
 * be the same on every rank: pas_machine_detect agrees on it. */
void pas_mpi_yield_set(int on);
int pas_mpi_yield_get(void);

/* collective: detect the layout and set omp_set_num_threads() accordingly;
 * turns on pas_mpi_yield_set when any node has more ranks than cores
 * (PAS_MPI_YIELD=0 or 1 forces it).  Returns a local status. */
pas_status pas_machine_detect(MPI_Comm comm, int requested_threads, pas_machine_t *m);

/* ---- start-up, agreement, errors ---------------------------------------- */

/* local, pure: does an MPI library's `provided` level satisfy `required`? */
int pas_thread_level_ok(int provided, int required);

/* local: MPI_Init_thread(FUNNELED) and MPI_ERRORS_RETURN on MPI_COMM_WORLD,
 * so that drivers see error codes.  PAS_OK; PAS_ERR_MPI when MPI did not
 * start; PAS_ERR_UNSUPPORTED when MPI started without MPI_THREAD_FUNNELED
 * (the caller prints why and calls MPI_Finalize).  Never exits: the drivers
 * do (pas_driver_begin). */
pas_status pas_init(int *argc, char ***argv);

/* collective, agreed: the worst (most negative) of every rank's status, where
 * PAS_ERR_REMOTE counts only when no rank has a real error.  Every rank
 * returns the same value, so every rank can exit with the same code. */
pas_status pas_agree(MPI_Comm comm, int status);

/* collective: pas_agree, but PAS_ERR_REMOTE on a rank whose own status was
 * PAS_OK when another rank failed, so that pas_driver_check lets the rank
 * that holds the reason (its why) report, not a rank with an empty one.
 * Not agreed: the ranks that failed get the agreed worst error. */
pas_status pas_agree_own(MPI_Comm comm, int status);

/* local: exit status for a pas status: 0 ok, 2 usage (PAS_ERR_ARG), 1 else. */
int pas_exit_code(int status);

/* ---- timing ---------------------------------------------------------------- */

typedef struct {
    double min, median, max; /* seconds */
    int reps;
} pas_stats_t;

/* local, pure: min/median/max of n samples (n >= 1; t is reordered). */
pas_stats_t pas_stats(double *t, int n);

/* collective: the maximum over ranks of a local time. */
double pas_time_max(MPI_Comm comm, double local_seconds);

/* ---- reporting -------------------------------------------------------------- */

/* One result row: everything `make run` prints as a table and --json emits. */
typedef struct {
    const char *program; /* "pas-sort" */
    const char *algo;    /* "sample" */
    const char *size;    /* "n=10M u64 uniform" */
    int ranks, threads;
    pas_stats_t time;
    double rate;           /* per second, over the median time */
    const char *rate_unit; /* "Mkeys/s", "GFLOP/s" */
    const char *verdict;   /* "PASS" or "FAIL" */
    const char *extra;     /* optional "key=value key=value", may be NULL */
} pas_result_t;

/* local: print the banner (rank 0 only does this).  `kv` is a NULL-terminated
 * list of key, value strings after the common keys. */
void pas_banner(FILE *out, const pas_prog_info_t *info, const char *variant, const pas_machine_t *m,
                const char *const *kv);

/* local: table header, a row, or a JSON object, by the options' mode. */
void pas_result_header(FILE *out);
void pas_result_print(FILE *out, const pas_result_t *r, int json);

/* local: write a JSON string literal (quotes and escapes). */
void pas_json_string(FILE *out, const char *s);

/* ---- deterministic random numbers --------------------------------------- */

/* local, pure: splitmix64, used to seed per-rank and per-index streams so that
 * the same seed gives the same global data at any rank count. */
static inline uint64_t pas_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* local, pure: a double in [0, 1) from 64 random bits. */
static inline double pas_unit(uint64_t bits)
{
    return (double)(bits >> 11) * 0x1.0p-53;
}

#endif
