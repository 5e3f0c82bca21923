/* crash.c - name the stage and the item when a rank dies of a signal.
 * The worker (worker.c) records what each thread is doing in thread-local variables;
 * the handler formats them with async-signal-safe code only. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pipe_internal.h"

_Thread_local const char *pas_pipe_cur_stage;
_Thread_local volatile uint64_t pas_pipe_cur_item;
_Thread_local volatile int pas_pipe_cur_busy;
static int crash_rank;

static size_t put_str(char *buf, size_t at, size_t len, const char *s)
{
    while (s && *s && at + 1 < len)
        buf[at++] = *s++;
    return at;
}

static size_t put_u64(char *buf, size_t at, size_t len, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < 24);
    while (n > 0 && at + 1 < len)
        buf[at++] = tmp[--n];
    return at;
}

static void on_crash(int sig)
{
    char line[256];
    size_t at = put_str(line, 0, sizeof line, "pas: rank ");
    at = put_u64(line, at, sizeof line, (uint64_t)crash_rank);
    at = put_str(line, at, sizeof line, " crashed (signal ");
    at = put_u64(line, at, sizeof line, (uint64_t)sig);
    if (pas_pipe_cur_stage) {
        at = put_str(line, at, sizeof line, ") in stage '");
        at = put_str(line, at, sizeof line, pas_pipe_cur_stage);
        if (pas_pipe_cur_busy) {
            at = put_str(line, at, sizeof line, "' on item ");
            at = put_u64(line, at, sizeof line, pas_pipe_cur_item);
        } else {
            at = put_str(line, at, sizeof line, "' between items");
        }
    } else {
        at = put_str(line, at, sizeof line, ") outside the pipeline's stages");
    }
    at = put_str(line, at, sizeof line, "\n");
    ssize_t ignored = write(STDERR_FILENO, line, at);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

void pas_pipe_crash_report_install(int rank)
{
    crash_rank = rank;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}
