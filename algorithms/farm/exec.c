/* exec.c - run one shell task in its own session, watch it with a pidfd,
 * enforce its time limit on the whole process group, and route its output
 * (inherited, files, tagged lines, or captured). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "farm_internal.h"

extern char **environ;

static pthread_mutex_t tag_mu = PTHREAD_MUTEX_INITIALIZER;

/* The process groups of the tasks running now, for pas_farm_exec_kill_all
 * (a signal handler): lock-free, one entry per running task. */
#define FARM_RUNNING_MAX 8192
static pid_t running[FARM_RUNNING_MAX];

static int running_add(pid_t pgid)
{
    for (int i = 0; i < FARM_RUNNING_MAX; i++) {
        pid_t none = 0;
        if (__atomic_compare_exchange_n(&running[i], &none, pgid, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return i;
    }
    return -1;
}

static void running_remove(int i)
{
    if (i >= 0)
        __atomic_store_n(&running[i], 0, __ATOMIC_SEQ_CST);
}

/* Spawns between posix_spawn and running_add: a signal handler waits for
 * them, so that no task started just before the signal outlives the farm. */
static int spawning;

void pas_farm_exec_kill_all(void)
{
    /* The spawning threads block the stop signals, so this handler runs on
     * another thread and the wait ends (bounded, in case of a stuck spawn). */
    struct timespec tick = {0, 1000 * 1000};
    for (int i = 0; i < 2000 && __atomic_load_n(&spawning, __ATOMIC_SEQ_CST) > 0; i++)
        nanosleep(&tick, NULL);
    for (int i = 0; i < FARM_RUNNING_MAX; i++) {
        pid_t g = __atomic_load_n(&running[i], __ATOMIC_SEQ_CST);
        if (g > 0)
            kill(-g, SIGKILL);
    }
}

#define LINE_MAX_TAGGED 65536 /* a longer line is passed on in pieces, each tagged */

typedef struct {
    int fd;     /* read end, -1 when closed */
    int target; /* 1 or 2 (TAG) */
    char *line;
    size_t n;
} stream_t;

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* One tagged line in one writev: the mutex keeps this rank's slots apart,
 * and one write keeps the line whole past it (a launcher forwards what it
 * reads from each rank's pipe as it comes: a tag and its line written apart
 * were split by another rank's line, 1 run in 3).  Whole up to PIPE_BUF
 * bytes; a longer line's rest follows. */
static void tag_emit(stream_t *s, const char *tag)
{
    struct iovec v[3] = {{(void *)tag, strlen(tag)}, {s->line, s->n}, {"\n", 1}};
    int nv = s->n == 0 || s->line[s->n - 1] != '\n' ? 3 : 2;
    pthread_mutex_lock(&tag_mu);
    ssize_t w;
    do
        w = writev(s->target, v, nv);
    while (w < 0 && errno == EINTR);
    size_t done = w > 0 ? (size_t)w : 0;
    for (int i = 0; i < nv && w >= 0; i++) { /* the rest of a short write */
        if (done >= v[i].iov_len) {
            done -= v[i].iov_len;
            continue;
        }
        write_all(s->target, (const char *)v[i].iov_base + done, v[i].iov_len - done);
        done = 0;
    }
    pthread_mutex_unlock(&tag_mu);
    s->n = 0;
}

/* Read what is there; 0 at EOF (fd closed). */
static int stream_read(stream_t *s, const pas_farm_exec_opts_t *o, pas_farm_out_t *cap,
                       int *overflow)
{
    char buf[65536];
    ssize_t got = read(s->fd, buf, sizeof buf);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (got <= 0) {
        if (o->mode == PAS_FARM_OUT_TAG && s->n)
            tag_emit(s, o->tag);
        close(s->fd);
        s->fd = -1;
        return 0;
    }
    if (o->mode == PAS_FARM_OUT_CAPTURE) {
        size_t room = o->max_capture > cap->len ? o->max_capture - cap->len : 0;
        size_t take = (size_t)got < room ? (size_t)got : room;
        if (take < (size_t)got)
            *overflow = 1;
        if (take && pas_farm_put(cap, buf, take) != PAS_OK)
            *overflow = 1;
        return 1;
    }
    for (ssize_t i = 0; i < got; i++) { /* TAG */
        s->line[s->n++] = buf[i];
        if (buf[i] == '\n' || s->n == LINE_MAX_TAGGED)
            tag_emit(s, o->tag);
    }
    return 1;
}

static const char *signame(int sig)
{
    const char *d = strsignal(sig);
    return d ? d : "?";
}

pas_status pas_farm_exec(const char *cmd, const pas_farm_exec_opts_t *o, pas_farm_out_t *captured,
                         pas_farm_exec_result_t *r)
{
    memset(r, 0, sizeof *r);
    int rc = PAS_OK;
    int outfd = -1, errfd = -1, pfd = -1;
    int pipes[2][2] = {{-1, -1}, {-1, -1}};
    int inpipe[2] = {-1, -1}; /* stdin from o->input */
    size_t fed = 0;
    int sigpipe_seen = 0, sigpipe_was_pending = 0;
    sigset_t pipe_set, pipe_old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    stream_t st[2] = {{-1, 1, NULL, 0}, {-1, 2, NULL, 0}};
    char tmp[2][4200];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    int fail_errno = 0;
    const char *fail_what = NULL;

    if (o->input) {
        /* a write to a command that stopped reading fails with EPIPE here;
         * the SIGPIPE it raises is blocked on this thread and taken back */
        sigset_t pend;
        pthread_sigmask(SIG_BLOCK, &pipe_set, &pipe_old);
        sigpipe_was_pending = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) == 1;
        if (pipe2(inpipe, O_CLOEXEC) != 0) {
            fail_errno = errno;
            fail_what = "pipe";
            goto start_failed;
        }
        fcntl(inpipe[1], F_SETFL, fcntl(inpipe[1], F_GETFL) | O_NONBLOCK);
        posix_spawn_file_actions_adddup2(&fa, inpipe[0], 0);
    } else {
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    }
    if (o->mode == PAS_FARM_OUT_FILES) {
        snprintf(tmp[0], sizeof tmp[0], "%s.tmp", o->out_path);
        snprintf(tmp[1], sizeof tmp[1], "%s.tmp", o->err_path);
        outfd = open(tmp[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        errfd = outfd >= 0 ? open(tmp[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
        if (errfd < 0) {
            fail_errno = errno;
            fail_what = outfd < 0 ? tmp[0] : tmp[1];
            goto start_failed;
        }
        posix_spawn_file_actions_adddup2(&fa, outfd, 1);
        posix_spawn_file_actions_adddup2(&fa, errfd, 2);
    } else if (o->mode == PAS_FARM_OUT_TAG || o->mode == PAS_FARM_OUT_CAPTURE) {
        int n = o->mode == PAS_FARM_OUT_TAG ? 2 : 1;
        for (int i = 0; i < n; i++) {
            if (pipe2(pipes[i], O_CLOEXEC) != 0) {
                fail_errno = errno;
                fail_what = "pipe";
                goto start_failed;
            }
            posix_spawn_file_actions_adddup2(&fa, pipes[i][1], i + 1);
            st[i].fd = pipes[i][0];
            if (o->mode == PAS_FARM_OUT_TAG && !(st[i].line = malloc(LINE_MAX_TAGGED))) {
                rc = PAS_ERR_NOMEM;
                goto out;
            }
        }
    }
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    for (int s = 1; s < NSIG && s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaddset(&dflt, s);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dflt);
    posix_spawnattr_setflags(&at,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    /* Until the task's group is registered, this thread takes no stop signal
     * and a handler on another thread waits for the registration. */
    sigset_t stops, old;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stops, &old);
    __atomic_add_fetch(&spawning, 1, __ATOMIC_SEQ_CST);
    int e = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
    int reg = e ? -1 : running_add(pid);
    __atomic_sub_fetch(&spawning, 1, __ATOMIC_SEQ_CST);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e) {
        fail_errno = e;
        fail_what = "/bin/sh";
        goto start_failed;
    }
    for (int i = 0; i < 2; i++) {
        if (pipes[i][1] >= 0)
            close(pipes[i][1]);
        pipes[i][1] = -1;
    }
    if (inpipe[0] >= 0)
        close(inpipe[0]);
    inpipe[0] = -1;
    if (inpipe[1] >= 0 && o->input_len == 0) {
        close(inpipe[1]);
        inpipe[1] = -1;
    }

    /* watch: the shell's end, its output, the time limit */
    pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    double t0 = pas_farm_now(), deadline = o->timeout > 0 ? t0 + o->timeout : 0;
    int status = 0, reaped = 0, overflow = 0, cancelled = 0, poll_err = 0;
    while (!reaped) {
        struct pollfd pf[4];
        int np = 0;
        if (pfd >= 0)
            pf[np++] = (struct pollfd){pfd, POLLIN, 0};
        for (int i = 0; i < 2; i++)
            if (st[i].fd >= 0)
                pf[np++] = (struct pollfd){st[i].fd, POLLIN, 0};
        if (inpipe[1] >= 0)
            pf[np++] = (struct pollfd){inpipe[1], POLLOUT, 0};
        int ms = pfd >= 0 ? -1 : 2;
        if (o->cancel)
            ms = ms < 0 || ms > 50 ? 50 : ms;
        if (deadline > 0) {
            double left = deadline - pas_farm_now();
            int lm = left <= 0 ? 0 : (int)(left * 1000) + 1;
            ms = ms < 0 || lm < ms ? lm : ms;
        }
        int pr = poll(pf, (nfds_t)np, ms);
        if (pr < 0 && errno != EINTR) { /* cannot watch it: end it, a failed task */
            poll_err = errno;
            kill(-pid, SIGKILL);
            running_remove(reg);
            waitpid(pid, &status, 0);
            reaped = 1;
            break;
        }
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < np; k++)
                if (st[i].fd >= 0 && pf[k].fd == st[i].fd && pf[k].revents)
                    stream_read(&st[i], o, captured, &overflow);
        for (int k = 0; k < np; k++) /* feed stdin: as much as the pipe takes */
            if (inpipe[1] >= 0 && pf[k].fd == inpipe[1] && pf[k].revents) {
                const char *in = o->input;
                ssize_t w = write(inpipe[1], in + fed, o->input_len - fed);
                if (w > 0)
                    fed += (size_t)w;
                else if (w < 0 && (errno == EINTR || errno == EAGAIN))
                    continue;
                if (w <= 0 || fed == o->input_len) { /* all fed, or the reader is gone */
                    sigpipe_seen |= w < 0 && errno == EPIPE;
                    close(inpipe[1]);
                    inpipe[1] = -1;
                }
            }
        siginfo_t si = {0};
        /* leave the shell a zombie until its group is killed, so the group
         * id cannot be reused meanwhile */
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) {
            kill(-pid, SIGKILL);
            running_remove(reg);
            waitpid(pid, &status, 0);
            reaped = 1;
        } else if (deadline > 0 && pas_farm_now() >= deadline) {
            kill(-pid, SIGKILL);
            running_remove(reg);
            waitpid(pid, &status, 0);
            reaped = 1;
            r->timed_out = 1;
        } else if (overflow) { /* failed already: do not let it run on */
            kill(-pid, SIGKILL);
            running_remove(reg);
            waitpid(pid, &status, 0);
            reaped = 1;
        } else if (o->cancel && __atomic_load_n(o->cancel, __ATOMIC_RELAXED)) {
            kill(-pid, SIGKILL);
            running_remove(reg);
            waitpid(pid, &status, 0);
            reaped = 1;
            cancelled = 1;
        }
    }
    if (inpipe[1] >= 0) {
        close(inpipe[1]);
        inpipe[1] = -1;
    }
    /* the group is gone: drain what it wrote (bounded, in case a child left
     * the session and still holds the pipe) */
    double drain_end = pas_farm_now() + 2;
    while ((st[0].fd >= 0 || st[1].fd >= 0) && pas_farm_now() < drain_end) {
        struct pollfd pf[2];
        int np = 0;
        for (int i = 0; i < 2; i++)
            if (st[i].fd >= 0)
                pf[np++] = (struct pollfd){st[i].fd, POLLIN, 0};
        if (poll(pf, (nfds_t)np, 100) <= 0)
            continue;
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < np; k++)
                if (st[i].fd >= 0 && pf[k].fd == st[i].fd && pf[k].revents)
                    stream_read(&st[i], o, captured, &overflow);
    }
    if (poll_err) {
        r->status = 255; /* not 125: the exec stage reads that as a capture overflow */
        snprintf(r->reason, sizeof r->reason, "poll failed: %s (process group killed)",
                 strerror(poll_err));
    } else if (cancelled) {
        r->status = 130;
        snprintf(r->reason, sizeof r->reason, "cancelled (process group killed)");
    } else if (r->timed_out) {
        r->status = 124;
        snprintf(r->reason, sizeof r->reason, "timed out after %gs (process group killed)",
                 o->timeout);
    } else if (WIFEXITED(status)) {
        r->exited = 1;
        r->code = WEXITSTATUS(status);
        r->status = r->code;
        if (r->code == 127)
            snprintf(r->reason, sizeof r->reason, "exit 127 (command not found)");
        else if (r->code == 126)
            snprintf(r->reason, sizeof r->reason, "exit 126 (command not executable)");
        else if (r->code)
            snprintf(r->reason, sizeof r->reason, "exit %d", r->code);
    } else if (WIFSIGNALED(status)) {
        r->code = WTERMSIG(status);
        r->status = 128 + r->code;
        snprintf(r->reason, sizeof r->reason, "signal %d (%s)", r->code, signame(r->code));
    }
    if (overflow) {
        r->status = 125;
        snprintf(r->reason, sizeof r->reason,
                 "stdout over %zu bytes (--max-output): cut, task failed", o->max_capture);
    }
    if (o->mode == PAS_FARM_OUT_FILES) {
        close(outfd);
        close(errfd);
        outfd = errfd = -1;
        if (rename(tmp[0], o->out_path) != 0 || rename(tmp[1], o->err_path) != 0) {
            r->status = 127;
            snprintf(r->reason, sizeof r->reason, "cannot rename its output to %.100s: %s",
                     o->out_path, strerror(errno));
        }
    }
    goto out;

start_failed:
    r->status = 127;
    snprintf(r->reason, sizeof r->reason, "cannot start: %.80s: %s", fail_what,
             strerror(fail_errno));
    if (o->mode == PAS_FARM_OUT_FILES) {
        unlink(tmp[0]);
        unlink(tmp[1]);
    }
out:
    for (int k = 0; k < 2; k++)
        if (inpipe[k] >= 0)
            close(inpipe[k]);
    if (o->input) {
        if (sigpipe_seen && !sigpipe_was_pending) {
            struct timespec zero = {0, 0};
            while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
                ;
        }
        pthread_sigmask(SIG_SETMASK, &pipe_old, NULL);
    }
    for (int i = 0; i < 2; i++) {
        for (int k = 0; k < 2; k++)
            if (pipes[i][k] >= 0 && (k == 1 || st[i].fd >= 0))
                close(pipes[i][k]);
        free(st[i].line);
    }
    if (outfd >= 0)
        close(outfd);
    if (errfd >= 0)
        close(errfd);
    if (pfd >= 0)
        close(pfd);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return rc;
}
