/* outfile.c - atomic outputs: a temporary name per job, registered for
 * removal on errors and signals, written with checked POSIX calls, read back,
 * then renamed into place unless another job got there first.
 *
 * POSIX and not MPI-IO for the data: Open MPI 4.1's MPI_File_write_at returns
 * MPI_SUCCESS with a short count on a full disk (the cause only on stderr),
 * and a collective write hangs when one rank fails inside it.  pwrite gives
 * every rank its count and errno.  Ranks write disjoint byte ranges of one
 * file, as MPI-IO's own POSIX driver does. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pas_core.h"
#include "pas_outfile.h"
#include "pas_paths.h"
#include "pas_watch.h"

#define DEFAULT_PIECE ((size_t)1 << 30)
#define BACK_BUF ((size_t)8 << 20) /* read-back bounce buffer */
#define MAX_REGISTERED 8

/* ---- the registry of temporary files (read by the signal handler) ---- */

/* used: 0 free, 2 being filled, 1 registered (only 1 is seen by the handler) */
static struct {
    char path[PAS_OUTFILE_PATH];
    atomic_int used;
} reg[MAX_REGISTERED];

static const char *sig_program = "pas";
static int sig_rank;
static volatile sig_atomic_t finishing = -1; /* the exit code once finishing */
static void (*volatile sig_first)(void);     /* pas_outfile_on_signal's */

static void reg_add(const char *path)
{
    pas_watch_set_cleanup(pas_outfile_unlink_all); /* the watchdog's exits remove them too */
    for (int i = 0; i < MAX_REGISTERED; i++) {
        int free_slot = 0;
        if (atomic_compare_exchange_strong(&reg[i].used, &free_slot, 2)) {
            snprintf(reg[i].path, sizeof reg[i].path, "%s", path);
            atomic_store(&reg[i].used, 1); /* the name is complete before it is seen */
            return;
        }
    }
}

static void reg_remove(const char *path)
{
    for (int i = 0; i < MAX_REGISTERED; i++) {
        int used = 1;
        if (atomic_load(&reg[i].used) == 1 && strcmp(reg[i].path, path) == 0)
            atomic_compare_exchange_strong(&reg[i].used, &used, 0);
    }
}

int pas_outfile_unlink_all(void)
{
    int n = 0;
    for (int i = 0; i < MAX_REGISTERED; i++) {
        int used = 1;
        if (atomic_compare_exchange_strong(&reg[i].used, &used, 0) && unlink(reg[i].path) == 0)
            n++;
    }
    return n;
}

/* async-signal-safe output */
static void put(char *buf, size_t *len, size_t cap, const char *s)
{
    while (*s && *len + 1 < cap)
        buf[(*len)++] = *s++;
}

/* A process-level handler, by design: SIGTERM/SIGINT end the process with
 * _exit(128 + sig) after removing the temporary files. */
static void on_signal(int sig)
{
    char line[1024];
    size_t n = 0;
    char code[8] = {0};
    int c = 128 + sig, k = 0;
    char rev[8];
    do
        rev[k++] = (char)('0' + c % 10);
    while ((c /= 10) && k < 7);
    for (int i = 0; i < k; i++)
        code[i] = rev[k - 1 - i];
    if (sig_first)
        sig_first();
    /* names first: unlink clears the slots */
    const char *names[MAX_REGISTERED];
    int nn = 0;
    for (int i = 0; i < MAX_REGISTERED; i++)
        if (atomic_load(&reg[i].used) == 1)
            names[nn++] = reg[i].path;
    int removed = pas_outfile_unlink_all();
    if (finishing >= 0)
        _exit(finishing);
    if (sig_rank == 0) {
        const char *phase = pas_watch_current_phase();
        put(line, &n, sizeof line, sig_program);
        put(line, &n, sizeof line,
            sig == SIGINT ? ": interrupted by SIGINT" : ": interrupted by SIGTERM");
        if (phase && *phase) {
            put(line, &n, sizeof line, " during phase '");
            put(line, &n, sizeof line, phase);
            put(line, &n, sizeof line, "'");
        }
        if (removed > 0 || nn > 0) { /* other ranks remove theirs without a word */
            put(line, &n, sizeof line, "; removed the unfinished output ");
            for (int i = 0; i < nn; i++) {
                put(line, &n, sizeof line, i ? ", " : "");
                put(line, &n, sizeof line, names[i]);
            }
        }
        put(line, &n, sizeof line, "; exit ");
        put(line, &n, sizeof line, code);
        line[n++] = '\n';
        ssize_t w = write(2, line, n);
        (void)w;
    }
    _exit(128 + sig);
}

void pas_outfile_on_signal(void (*first)(void))
{
    sig_first = first;
}

void pas_outfile_finishing(int code)
{
    finishing = code;
}

void pas_outfile_signals(const char *program, int rank)
{
    sig_program = program;
    sig_rank = rank;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGINT);
    for (int i = 0; i < 2; i++) {
        int sig = i ? SIGINT : SIGTERM;
        struct sigaction old;
        /* a signal ignored at start stays ignored (nohup, background jobs of a shell) */
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sig, &sa, NULL);
    }
}

/* ---- names ---- */

pas_status pas_outfile_tmp_name(const char *path, const char *host, long pid, uint32_t rnd,
                                char *out, size_t len)
{
    int w = snprintf(out, len, "%s.pas-tmp.%s.%ld.%08x", path, host, pid, (unsigned)rnd);
    return w < 0 || (size_t)w >= len ? PAS_ERR_OVERFLOW : PAS_OK;
}

int pas_outfile_tmp_parse(const char *base, const char *name, char *host, size_t hostlen, long *pid)
{
    size_t bl = strlen(base);
    *pid = -1;
    if (strncmp(name, base, bl) != 0)
        return 0;
    const char *rest = name + bl;
    if (strcmp(rest, ".pas-tmp") == 0)
        return 2;
    if (strncmp(rest, ".tmp.", 5) == 0) { /* older pas-matmul: BASE.tmp.PID */
        char *end;
        long p = strtol(rest + 5, &end, 10);
        if (end == rest + 5 || *end || p <= 0)
            return 0;
        *pid = p;
        return 2;
    }
    if (strncmp(rest, ".pas-tmp.", 9) != 0)
        return 0;
    rest += 9; /* HOST.PID.RAND, the host may hold dots: parse from the right */
    const char *dot2 = strrchr(rest, '.');
    if (!dot2 || strlen(dot2 + 1) != 8 || strspn(dot2 + 1, "0123456789abcdef") != 8)
        return 0;
    const char *dot1 = dot2 - 1;
    while (dot1 > rest && *dot1 != '.')
        dot1--;
    if (dot1 <= rest || dot2 - dot1 < 2)
        return 0;
    long p = 0;
    for (const char *c = dot1 + 1; c < dot2; c++) {
        if (*c < '0' || *c > '9' || p > (LONG_MAX - 9) / 10)
            return 0;
        p = p * 10 + (*c - '0');
    }
    if (p <= 0 || (size_t)(dot1 - rest) >= hostlen)
        return 0;
    snprintf(host, hostlen, "%.*s", (int)(dot1 - rest), rest);
    *pid = p;
    return 1;
}

static void split_path(const char *path, char *dir, size_t dlen, const char **base)
{
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    pas_path_dir(path, dir, dlen);
}

/* Temporary files of earlier jobs for this output: remove those made on this
 * host by a process that is gone; name the others in f->note. */
static void scan_stale(pas_outfile_t *f, const char *host)
{
    char dir[PAS_OUTFILE_PATH];
    const char *base;
    split_path(f->path, dir, sizeof dir, &base);
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t n = 0;
    int removed = 0, kept = 0;
    char rm[256] = "", keep[256] = "";
    for (struct dirent *e; (e = readdir(d));) {
        char h[256], full[PAS_OUTFILE_PATH * 2];
        long pid;
        int kind = pas_outfile_tmp_parse(base, e->d_name, h, sizeof h, &pid);
        if (!kind)
            continue;
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        int dead = kind == 1 && strcmp(h, host) == 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
        if (dead && unlink(full) == 0) {
            if (!removed++)
                snprintf(rm, sizeof rm, "%.200s", e->d_name);
        } else if (!kept++) {
            snprintf(keep, sizeof keep, "%.200s", e->d_name);
        }
    }
    closedir(d);
    if (removed)
        n += (size_t)snprintf(f->note + n, sizeof f->note - n,
                              "removed %d stale temporary file%s of killed runs (%s%s)", removed,
                              removed > 1 ? "s" : "", rm, removed > 1 ? ", ..." : "");
    if (kept && n < sizeof f->note)
        snprintf(
            f->note + n, sizeof f->note - n,
            "%s%d temporary file%s of another run left alone (%s%s): it may still be running, or "
            "ran on "
            "another host or with an older pas; delete %s by hand if no job writes this output",
            n ? "; " : "", kept, kept > 1 ? "s" : "", keep, kept > 1 ? ", ..." : "",
            kept > 1 ? "them" : "it");
}

static void host_name(char *host, size_t len)
{
    if (gethostname(host, len - 1) != 0 || !*host)
        snprintf(host, len, "localhost");
    host[len - 1] = 0;
    for (char *c = host; *c; c++)
        if (*c == '/')
            *c = '_';
}

static uint32_t random_word(void)
{
    uint32_t r = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &r, sizeof r) != (ssize_t)sizeof r)
            r = 0;
        close(fd);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return r ^ (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 16);
}

/* Rank 0's half of pas_outfile_begin. */
static int begin_local(const char *opt, const char *path, pas_outfile_t *f)
{
    struct stat st;
    if (!path || !*path) {
        snprintf(f->why, sizeof f->why, "%s needs a file name", opt);
        return PAS_ERR_ARG;
    }
    if (strcmp(path, "-") == 0) {
        snprintf(f->why, sizeof f->why, "%s - (stdout) is not supported here; give a file name",
                 opt);
        return PAS_ERR_ARG;
    }
    if (strlen(path) >= sizeof f->path - 64) {
        snprintf(f->why, sizeof f->why, "%s: the path is too long", opt);
        return PAS_ERR_ARG;
    }
    snprintf(f->path, sizeof f->path, "%s", path);
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *target = realpath(path, NULL);
        if (!target) {
            snprintf(f->why, sizeof f->why,
                     "%s %s is a symbolic link to a missing file or directory (%s); give the "
                     "target path",
                     opt, path, strerror(errno));
            return PAS_ERR_ARG;
        }
        int fits = strlen(target) < sizeof f->path - 64;
        snprintf(f->path, sizeof f->path, "%s", fits ? target : "");
        free(target);
        if (!fits) {
            snprintf(f->why, sizeof f->why, "%s %s: the link's target path is too long", opt, path);
            return PAS_ERR_ARG;
        }
    }
    if (stat(f->path, &st) == 0) {
        if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            snprintf(f->why, sizeof f->why,
                     "%s %s is a %s; this output is written in parallel and renamed into place, so "
                     "give a "
                     "regular file (it was left untouched)",
                     opt, path, S_ISFIFO(st.st_mode) ? "FIFO" : "device");
            return PAS_ERR_ARG;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(f->why, sizeof f->why, "%s %s is not a regular file; give a file name", opt,
                     path);
            return PAS_ERR_ARG;
        }
        f->existed = 1;
        f->dev = (uint64_t)st.st_dev;
        f->ino = (uint64_t)st.st_ino;
    }
    char host[256] = "";
    host_name(host, sizeof host);
    scan_stale(f, host);
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 8; tries++) {
        if (pas_outfile_tmp_name(f->path, host, (long)getpid(), random_word(), f->tmp,
                                 sizeof f->tmp)) {
            snprintf(f->why, sizeof f->why, "%s %s: the path is too long for a temporary name", opt,
                     path);
            return PAS_ERR_ARG;
        }
        fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int err = errno;
        snprintf(f->why, sizeof f->why,
                 "%s %.300s: cannot create a temporary file next to it (%s); choose a "
                 "writable directory",
                 opt, path, strerror(err));
        f->tmp[0] = 0;
        return PAS_ERR_ARG;
    }
    close(fd);
    return PAS_OK;
}

pas_status pas_outfile_begin(MPI_Comm comm, const char *opt, const char *path, pas_outfile_t *f)
{
    int me;
    MPI_Comm_rank(comm, &me);
    memset(f, 0, sizeof *f);
    int rc = PAS_OK;
    if (me == 0) {
        rc = begin_local(opt, path, f);
        if (rc == PAS_OK)
            reg_add(f->tmp);
    }
    if (MPI_Bcast(&rc, 1, MPI_INT, 0, comm) != MPI_SUCCESS)
        rc = PAS_ERR_MPI;
    if (rc != PAS_OK) {
        if (me == 0 && f->tmp[0])
            unlink(f->tmp), reg_remove(f->tmp);
        return rc;
    }
    char why[sizeof f->why], note[sizeof f->note];
    memcpy(why, f->why, sizeof why);
    memcpy(note, f->note, sizeof note);
    if (MPI_Bcast(f, (int)sizeof *f, MPI_BYTE, 0, comm) != MPI_SUCCESS)
        return PAS_ERR_MPI;
    memcpy(f->why, why, sizeof why);
    memcpy(f->note, note, sizeof note);
    f->owner = me == 0;
    f->live = 1;
    if (me != 0)
        reg_add(f->tmp); /* a signal on any rank removes it */
    return PAS_OK;
}

pas_status pas_outfile_tmp_register(const char *path, char *tmp, size_t len)
{
    char host[256] = "";
    host_name(host, sizeof host);
    /* as pas_outfile_open does: a killed run's temporary files go (silently) */
    pas_outfile_t stale;
    memset(&stale, 0, sizeof stale);
    snprintf(stale.path, sizeof stale.path, "%s", path);
    scan_stale(&stale, host);
    int rc = pas_outfile_tmp_name(path, host, (long)getpid(), random_word(), tmp, len);
    if (rc == PAS_OK)
        reg_add(tmp);
    return rc;
}

void pas_outfile_tmp_release(const char *tmp)
{
    reg_remove(tmp);
}

/* ---- checked POSIX I/O ---- */

static int pwrite_all(int fd, const char *buf, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t w = pwrite(fd, buf, len, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w == 0 ? ENOSPC : errno; /* a write of 0 bytes: no room */
        buf += w, len -= (size_t)w, off += (uint64_t)w;
    }
    return 0;
}

/* 0, an errno, or -1 when the file ends early (fewer bytes than asked). */
static int pread_all(int fd, char *buf, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t r = pread(fd, buf, len, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno;
        if (r == 0)
            return -1;
        buf += r, len -= (size_t)r, off += (uint64_t)r;
    }
    return 0;
}

/* A system error: its text, and that the final name was not touched. */
static int fail(pas_outfile_t *f, int err)
{
    snprintf(f->why, sizeof f->why, "%s (nothing was written)", strerror(err));
    return PAS_ERR_IO;
}

/* Rank 0: the file gets its size, the space reserved first. */
static int reserve(pas_outfile_t *f, uint64_t total)
{
    int fd = open(f->tmp, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(f, errno);
    int rc = PAS_OK;
    if (total > 0 && fallocate(fd, 0, 0, (off_t)total) != 0 && errno != EOPNOTSUPP &&
        errno != ENOSYS && errno != EINVAL)
        rc = fail(f, errno);
    if (rc == PAS_OK && ftruncate(fd, (off_t)total) != 0)
        rc = fail(f, errno);
    if (close(fd) != 0 && rc == PAS_OK)
        rc = fail(f, errno);
    return rc;
}

static int write_extents(pas_outfile_t *f, const pas_outfile_extent_t *ext, size_t next,
                         size_t piece)
{
    int fd = open(f->tmp, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(f, errno);
    int rc = PAS_OK, paused = 0;
    for (size_t i = 0; rc == PAS_OK && i < next; i++)
        for (size_t o = 0; rc == PAS_OK && o < ext[i].len; o += piece) {
            size_t c = ext[i].len - o < piece ? ext[i].len - o : piece;
            int e = pwrite_all(fd, (const char *)ext[i].buf + o, c, ext[i].off + o);
            if (e)
                rc = fail(f, e);
            if (f->owner && !paused++)
                pas_watch_pause("write");
        }
    if (rc == PAS_OK && fsync(fd) != 0)
        rc = fail(f, errno);
    if (close(fd) != 0 && rc == PAS_OK) /* NFS reports write errors here */
        rc = fail(f, errno);
    return rc;
}

static int read_back(pas_outfile_t *f, uint64_t total, const pas_outfile_extent_t *ext, size_t next)
{
    int fd = open(f->tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(f, errno);
    struct stat st;
    int rc = PAS_OK;
    if (fstat(fd, &st) != 0) {
        rc = fail(f, errno);
    } else if ((uint64_t)st.st_size != total) {
        snprintf(f->why, sizeof f->why,
                 "the file holds %llu bytes after writing, not %llu (nothing was written)",
                 (unsigned long long)st.st_size, (unsigned long long)total);
        rc = PAS_ERR_VERIFY;
    }
    char *buf = rc == PAS_OK ? malloc(BACK_BUF) : NULL;
    if (rc == PAS_OK && !buf) {
        snprintf(f->why, sizeof f->why, "no memory to read the output back (nothing was written)");
        rc = PAS_ERR_NOMEM;
    }
    for (size_t i = 0; rc == PAS_OK && i < next; i++)
        for (size_t o = 0; rc == PAS_OK && o < ext[i].len; o += BACK_BUF) {
            size_t c = ext[i].len - o < BACK_BUF ? ext[i].len - o : BACK_BUF;
            int e = pread_all(fd, buf, c, ext[i].off + o);
            if (e > 0)
                rc = fail(f, e);
            else if (e < 0 || memcmp(buf, (const char *)ext[i].buf + o, c) != 0) {
                snprintf(f->why, sizeof f->why,
                         "the bytes read back at offset %llu differ from those written (nothing "
                         "was written)",
                         (unsigned long long)(ext[i].off + o));
                rc = PAS_ERR_VERIFY;
            }
        }
    free(buf);
    close(fd);
    return rc;
}

pas_status pas_outfile_write(MPI_Comm comm, pas_outfile_t *f, uint64_t total,
                             const pas_outfile_extent_t *ext, size_t next, size_t piece)
{
    int rc =
        pas_watch_phase("write"); /* PAS_FAULT=R:write:error fails this rank's write (a test) */
    if (rc != PAS_OK)
        snprintf(f->why, sizeof f->why,
                 "PAS_FAULT injected an error into the write (nothing was written)");
    if (!piece || piece > DEFAULT_PIECE)
        piece = DEFAULT_PIECE;
    if (rc == PAS_OK && !f->live)
        rc = PAS_ERR_INTERNAL;
    if (rc == PAS_OK && f->owner)
        rc = reserve(f, total);
    if ((rc = pas_agree_own(comm, rc)) == PAS_OK)
        rc = pas_agree_own(comm, write_extents(f, ext, next, piece));
    if (rc == PAS_OK)
        rc = pas_agree_own(comm, read_back(f, total, ext, next));
    return rc;
}

/* ---- commit ---- */

static int same_file(const struct stat *st, const pas_outfile_t *f)
{
    return (uint64_t)st->st_dev == f->dev && (uint64_t)st->st_ino == f->ino;
}

static int lost(pas_outfile_t *f)
{
    snprintf(f->why, sizeof f->why,
             "another job wrote this file while this one ran; it keeps that job's complete output "
             "and this "
             "job's result was discarded (give each job its own output)");
    return PAS_ERR_IO;
}

static int commit_local(pas_outfile_t *f)
{
    struct stat st;
    int have = lstat(f->path, &st) == 0;
    if (!have && errno != ENOENT)
        return fail(f, errno);
    if (have && (!f->existed || !same_file(&st, f)))
        return lost(f);
    if (!have) { /* nothing there: create it unless someone else just did */
        if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_NOREPLACE) == 0)
            return PAS_OK;
        if (errno == EEXIST)
            return lost(f);
        if (errno != EINVAL && errno != ENOSYS)
            return fail(f, errno);
    } else { /* the file of begin: swap, then check what was swapped out */
        /* out of the registry first: a signal during the swaps must not
         * remove what the temporary name holds then (another job's file) */
        reg_remove(f->tmp);
        if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_EXCHANGE) == 0) {
            if (lstat(f->tmp, &st) == 0 && same_file(&st, f)) {
                unlink(f->tmp); /* the old output */
                return PAS_OK;
            }
            /* another job's file came in between: give it its place back */
            if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_EXCHANGE) != 0) {
                /* the temporary name now holds the other job's file: keep it */
                snprintf(f->why, sizeof f->why,
                         "another job wrote this file while this one ran and it could not be put "
                         "back (%s); "
                         "its output is in %.300s: rename it by hand if it is the one to keep",
                         strerror(errno), f->tmp);
                f->tmp[0] = 0; /* not removed by the caller */
                return PAS_ERR_IO;
            }
            return lost(f);
        }
        if (errno != EINVAL && errno != ENOSYS)
            return fail(f, errno);
        reg_add(f->tmp); /* still ours until the plain rename below */
    }
    if (rename(f->tmp, f->path) != 0) /* file systems without renameat2 flags */
        return fail(f, errno);
    return PAS_OK;
}

static void sync_dir(const char *path)
{
    char dir[PAS_OUTFILE_PATH];
    const char *base;
    split_path(path, dir, sizeof dir, &base);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

pas_status pas_outfile_commit(MPI_Comm comm, pas_outfile_t *f)
{
    int me, rc = f->live ? PAS_OK : PAS_ERR_INTERNAL;
    MPI_Comm_rank(comm, &me);
    /* Rank 0 keeps the temporary name registered until it is renamed (a
     * signal before that removes it; commit_local unregisters it before a
     * swap); the other ranks leave the renaming to rank 0. */
    if (me != 0)
        reg_remove(f->tmp);
    if (rc == PAS_OK && me == 0) {
        pas_watch_pause("commit");
        rc = commit_local(f);
        if (rc == PAS_OK)
            sync_dir(f->path);
        else
            unlink(f->tmp);
    }
    reg_remove(f->tmp);
    if (MPI_Bcast(&rc, 1, MPI_INT, 0, comm) != MPI_SUCCESS && rc == PAS_OK)
        rc = PAS_ERR_MPI;
    if (me != 0 && rc != PAS_OK)
        rc = PAS_ERR_REMOTE;
    f->live = 0;
    return rc;
}

void pas_outfile_end(pas_outfile_t *f)
{
    if (!f->live)
        return;
    reg_remove(f->tmp);
    if (f->owner)
        unlink(f->tmp);
    f->live = 0;
}
