/* pas-farm - run a list of shell commands over every slot of every rank:
 * on-demand handout, priorities with aging, time limits, retries, a journal
 * that resumes, progress and a summary.  The farm is pas_farm_run; this
 * program reads the list, runs each task with pas_farm_exec and reports. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pas_driver.h"
#include "pas_farm.h"

#define LINE_LIMIT (1u << 20) /* longest task line or command, bytes */

typedef struct {
    char *text;      /* the task line (or the argument, with --command) */
    uint64_t number; /* 1-based input position: {#} */
    uint64_t id;     /* journal identity */
    int prio;
    int skip;  /* journal says: do not run */
    int ended; /* its result came back */
} rec_t;

/* lines from a stream, read by a thread so that the farm never waits on it */
typedef struct line_s {
    struct line_s *next;
    char *text;
    size_t len;
} line_t;

typedef struct {
    /* options */
    const char *tasks, *command, *args, *journal, *output_dir, *retry_on_text;
    int slots, aging, prio_field, retries, resume, only_failed, tag, keep_order, progress;
    double timeout;
    uint64_t max_output;
    int quiet, json;
    /* rank 0 state */
    int rank, size;
    rec_t *rec;
    size_t nrec, caprec, cursor; /* cursor: next record to hand to the farm */
    uint64_t *occ_key, *occ_n;   /* occurrences of each command text (open addressing) */
    size_t occ_cap, occ_used;
    int upfront; /* the whole list was read before the start */
    FILE *in;
    const char *expect; /* --expect FILE: compare the ordered stdout instead of printing it */
    FILE *expect_f;
    uint64_t expect_at; /* bytes compared */
    int expect_bad;
    pthread_t reader;
    int reader_started;
    pthread_mutex_t mu;
    line_t *lines, *lines_tail;
    int reader_eof, reader_err;
    uint64_t lineno;
    int jfd;
    uint64_t skipped, failed_n;
    uint64_t *rank_tasks;
    double *rank_busy;
    struct {
        double wall;
        uint64_t number;
    } slowest[5];
    uint64_t failed_list[10];
    int nfailed_list;
    /* keep-order */
    char **held;
    size_t *held_len;
    unsigned char *held_ready;
    size_t held_cap;
    uint64_t next_print; /* number of the next task to print */
    char *payload;       /* the task being handed to the farm */
    size_t paycap;
    char err[512];
    int tty;
    double t0;
} farm_t;

/* ---- reading the list (rank 0) ----------------------------------------------- */

static uint64_t text_hash(const char *s)
{
    return pas_farm_task_id(s, 0) | 1;
}

static int occ_next(farm_t *f, const char *text, uint64_t *occ)
{
    if (2 * (f->occ_used + 1) > f->occ_cap) {
        size_t cap = f->occ_cap ? 2 * f->occ_cap : 1024;
        uint64_t *k = calloc(cap, sizeof *k), *n = calloc(cap, sizeof *n);
        if (!k || !n) {
            free(k);
            free(n);
            return PAS_ERR_NOMEM;
        }
        for (size_t i = 0; i < f->occ_cap; i++) {
            if (!f->occ_key[i])
                continue;
            size_t h = f->occ_key[i] & (cap - 1);
            while (k[h])
                h = (h + 1) & (cap - 1);
            k[h] = f->occ_key[i];
            n[h] = f->occ_n[i];
        }
        free(f->occ_key);
        free(f->occ_n);
        f->occ_key = k;
        f->occ_n = n;
        f->occ_cap = cap;
    }
    uint64_t key = text_hash(text);
    size_t h = key & (f->occ_cap - 1);
    while (f->occ_key[h] && f->occ_key[h] != key)
        h = (h + 1) & (f->occ_cap - 1);
    if (!f->occ_key[h]) {
        f->occ_key[h] = key;
        f->occ_used++;
    }
    *occ = ++f->occ_n[h];
    return PAS_OK;
}

/* One input line: a record, or nothing (comment, blank).  The id hashes the
 * command as it will run, {rank} and {slot} left unexpanded. */
static int add_line(farm_t *f, char *line, size_t len)
{
    f->lineno++;
    if (len > LINE_LIMIT) {
        snprintf(f->err, sizeof f->err,
                 "line %llu of %s is %zu bytes, over the limit of %u; shorten it (put long "
                 "arguments in a file)",
                 (unsigned long long)f->lineno, f->args ? f->args : f->tasks, len, LINE_LIMIT);
        return PAS_ERR_ARG;
    }
    if (memchr(line, 0, len)) {
        snprintf(f->err, sizeof f->err,
                 "line %llu of %s contains a NUL byte; the list must be text",
                 (unsigned long long)f->lineno, f->args ? f->args : f->tasks);
        return PAS_ERR_ARG;
    }
    char *text;
    int prio;
    char why[256];
    int rc = pas_farm_line_parse(line, f->prio_field, &text, &prio, why, sizeof why);
    if (rc < 0) {
        snprintf(f->err, sizeof f->err, "line %llu of %s: %s", (unsigned long long)f->lineno,
                 f->args ? f->args : f->tasks, why);
        return PAS_ERR_ARG;
    }
    if (rc == 0)
        return PAS_OK;
    pas_status grown = pas_grow(&f->rec, &f->caprec, f->nrec + 1, sizeof *f->rec);
    if (grown)
        return grown;
    rec_t *r = &f->rec[f->nrec];
    *r = (rec_t){strdup(text), f->nrec + 1, 0, prio, 0, 0};
    if (!r->text)
        return PAS_ERR_NOMEM;
    const char *cmd = r->text;
    char *expanded = NULL;
    if (f->command) {
        size_t cap = strlen(f->command) * 2 + strlen(text) * 8 + 64;
        expanded = malloc(cap);
        if (!expanded)
            return PAS_ERR_NOMEM;
        long n = pas_farm_expand(f->command, text, r->number, -1, -1, expanded, cap);
        if (n < 0 || n > (long)LINE_LIMIT) {
            free(expanded);
            snprintf(
                f->err, sizeof f->err,
                "task %llu: the command is over %u bytes; shorten the template or the argument",
                (unsigned long long)r->number, LINE_LIMIT);
            return PAS_ERR_ARG;
        }
        cmd = expanded;
    }
    uint64_t occ = 0;
    rc = occ_next(f, cmd, &occ);
    r->id = pas_farm_task_id(cmd, occ);
    free(expanded);
    if (rc)
        return rc;
    f->nrec++;
    return PAS_OK;
}

static void *reader_main(void *arg)
{
    farm_t *f = arg;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&buf, &cap, f->in)) >= 0) {
        line_t *l = malloc(sizeof *l);
        char *t = malloc((size_t)n + 1);
        if (!l || !t) {
            free(l);
            free(t);
            pthread_mutex_lock(&f->mu);
            f->reader_err = PAS_ERR_NOMEM;
            pthread_mutex_unlock(&f->mu);
            break;
        }
        memcpy(t, buf, (size_t)n + 1);
        *l = (line_t){NULL, t, (size_t)n}; /* the length: add_line refuses NULs inside */
        pthread_mutex_lock(&f->mu);
        if (f->lines_tail)
            f->lines_tail->next = l;
        else
            f->lines = l;
        f->lines_tail = l;
        pthread_mutex_unlock(&f->mu);
    }
    int bad = ferror(f->in);
    pthread_mutex_lock(&f->mu);
    f->reader_eof = 1;
    if (bad && !f->reader_err)
        f->reader_err = PAS_ERR_IO;
    pthread_mutex_unlock(&f->mu);
    free(buf);
    return NULL;
}

static int read_all(farm_t *f)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = PAS_OK;
    while (rc == PAS_OK && (n = getline(&buf, &cap, f->in)) >= 0)
        rc = add_line(f, buf, (size_t)n);
    if (rc == PAS_OK && ferror(f->in)) {
        snprintf(f->err, sizeof f->err, "cannot read %s: %s", f->args ? f->args : f->tasks,
                 strerror(errno));
        rc = PAS_ERR_IO;
    }
    free(buf);
    return rc;
}

/* ---- the farm's callbacks ---------------------------------------------------------- */

typedef struct {
    int32_t status, exited, code, timed_out, reason_len;
} wire_result_t;

static int farm_next(void *arg, pas_farm_task_t *t)
{
    farm_t *f = arg;
    for (;;) {
        while (f->cursor < f->nrec && f->rec[f->cursor].skip)
            f->cursor++;
        if (f->cursor < f->nrec) {
            rec_t *r = &f->rec[f->cursor++];
            size_t len = strlen(r->text);
            /* the payload: [number u64][text NUL]; the farm copies it */
            if (8 + len + 1 > f->paycap) {
                char *np = realloc(f->payload, 8 + len + 1);
                if (!np)
                    return PAS_ERR_NOMEM;
                f->payload = np;
                f->paycap = 8 + len + 1;
            }
            memcpy(f->payload, &r->number, 8);
            memcpy(f->payload + 8, r->text, len + 1);
            *t = (pas_farm_task_t){r->number - 1, r->prio, f->payload, 8 + len + 1};
            return 1;
        }
        if (f->upfront)
            return 0;
        pthread_mutex_lock(&f->mu);
        line_t *l = f->lines;
        if (l) {
            f->lines = l->next;
            if (!f->lines)
                f->lines_tail = NULL;
        }
        int eof = f->reader_eof, err = f->reader_err;
        pthread_mutex_unlock(&f->mu);
        if (!l) {
            if (err) {
                snprintf(f->err, sizeof f->err, "cannot read %s: %s", f->args ? f->args : f->tasks,
                         pas_strerror(err));
                return err;
            }
            return eof ? 0 : PAS_FARM_AGAIN;
        }
        int rc = add_line(f, l->text, l->len);
        free(l->text);
        free(l);
        if (rc)
            return rc;
    }
}

static int farm_run(void *arg, const pas_farm_where_t *w, const void *data, size_t len,
                    pas_farm_out_t *out)
{
    const farm_t *f = arg;
    uint64_t number;
    memcpy(&number, data, 8);
    const char *text = (const char *)data + 8;
    (void)len;
    char *cmd = NULL;
    if (f->command) {
        size_t cap = strlen(f->command) * 2 + strlen(text) * 8 + 64;
        cmd = malloc(cap);
        if (cmd)
            pas_farm_expand(f->command, text, number, w->rank, w->slot, cmd, cap);
    } else {
        cmd = strdup(text);
    }
    pas_farm_exec_opts_t o = {f->timeout, PAS_FARM_OUT_INHERIT, NULL, NULL, NULL, 0, NULL, 0, NULL};
    char tag[48], outp[4096], errp[4096];
    pas_farm_exec_result_t r;
    memset(&r, 0, sizeof r);
    if (!cmd) {
        r.status = 127;
        snprintf(r.reason, sizeof r.reason, "cannot start: out of memory");
        goto pack;
    }
    if (f->keep_order) {
        o.mode = PAS_FARM_OUT_CAPTURE;
        o.max_capture = (size_t)f->max_output;
    } else if (f->tag) {
        o.mode = PAS_FARM_OUT_TAG;
        snprintf(tag, sizeof tag, "%llu\t", (unsigned long long)number);
        o.tag = tag;
    } else if (f->output_dir) {
        o.mode = PAS_FARM_OUT_FILES;
        char base[4000];
        const char *t = f->output_dir;
        long n;
        if (strchr(t, '{'))
            n = pas_farm_expand(t, text, number, w->rank, w->slot, base, sizeof base);
        else
            n = snprintf(base, sizeof base, "%s/%llu", t, (unsigned long long)number);
        if (n < 0 || n >= (long)sizeof base - 8) {
            r.status = 127;
            snprintf(r.reason, sizeof r.reason, "cannot start: --output-dir path over %zu bytes",
                     sizeof base - 8);
            goto pack;
        }
        /* mkdir -p of the directory part */
        for (char *s = base + 1; *s; s++) {
            if (*s != '/')
                continue;
            *s = 0;
            mkdir(base, 0755);
            *s = '/';
        }
        snprintf(outp, sizeof outp, "%s.out", base);
        snprintf(errp, sizeof errp, "%s.err", base);
        o.out_path = outp;
        o.err_path = errp;
    }
    if (pas_farm_exec(cmd, &o, out, &r) != PAS_OK) {
        r.status = 127;
        snprintf(r.reason, sizeof r.reason, "cannot start: out of memory");
    }
pack:;
    free(cmd);
    /* the result: [captured stdout][reason][wire_result_t] */
    wire_result_t h = {r.status, r.exited, r.code, r.timed_out, (int32_t)strlen(r.reason)};
    if (pas_farm_out_put(out, r.reason, (size_t)h.reason_len) ||
        pas_farm_out_put(out, &h, sizeof h))
        return 127;
    return r.status;
}

static int unpack(const pas_farm_result_t *res, wire_result_t *h, char *reason, size_t cap,
                  const char **out, size_t *outlen)
{
    const char *p = res->data;
    if (res->len < sizeof *h)
        return PAS_ERR_INTERNAL;
    memcpy(h, p + res->len - sizeof *h, sizeof *h);
    size_t rl = (size_t)h->reason_len;
    if (h->reason_len < 0 || rl > res->len - sizeof *h || rl >= cap)
        return PAS_ERR_INTERNAL;
    *outlen = res->len - sizeof *h - rl;
    memcpy(reason, p + *outlen, rl);
    reason[rl] = 0;
    *out = p;
    return PAS_OK;
}

static void print_held(farm_t *f)
{
    while (f->next_print <= f->nrec) {
        size_t i = (size_t)f->next_print - 1;
        if (f->rec[i].skip) {
            f->next_print++;
            continue;
        }
        if (i >= f->held_cap || !f->held_ready[i])
            break;
        if (f->expect_f) {
            char buf[65536];
            for (size_t k = 0; k < f->held_len[i] && !f->expect_bad;) {
                size_t want = f->held_len[i] - k < sizeof buf ? f->held_len[i] - k : sizeof buf;
                size_t got = fread(buf, 1, want, f->expect_f);
                size_t same = 0;
                while (same < got && buf[same] == f->held[i][k + same])
                    same++;
                f->expect_at += same;
                if (same < want)
                    f->expect_bad = 1;
                k += want;
            }
        } else {
            fwrite(f->held[i], 1, f->held_len[i], stdout);
        }
        free(f->held[i]);
        f->held[i] = NULL;
        f->next_print++;
    }
    fflush(stdout);
}

static int farm_done(void *arg, const pas_farm_result_t *res)
{
    farm_t *f = arg;
    rec_t *r = &f->rec[res->id];
    if (r->ended) {
        snprintf(f->err, sizeof f->err, "internal error: task %llu ended twice",
                 (unsigned long long)r->number);
        return PAS_ERR_INTERNAL;
    }
    r->ended = 1;
    wire_result_t h;
    char reason[200];
    const char *out;
    size_t outlen;
    if (unpack(res, &h, reason, sizeof reason, &out, &outlen)) {
        snprintf(f->err, sizeof f->err, "internal error: task %llu came back malformed",
                 (unsigned long long)r->number);
        return PAS_ERR_INTERNAL;
    }
    int ok = res->status == 0;
    if (!ok) {
        f->failed_n++;
        if (f->nfailed_list < 10)
            f->failed_list[f->nfailed_list++] = r->number;
    }
    f->rank_tasks[res->rank]++;
    f->rank_busy[res->rank] += res->wall;
    for (int i = 0; i < 5; i++) {
        if (res->wall > f->slowest[i].wall) {
            memmove(&f->slowest[i + 1], &f->slowest[i], (size_t)(4 - i) * sizeof f->slowest[0]);
            f->slowest[i].wall = res->wall;
            f->slowest[i].number = r->number;
            break;
        }
    }
    if (f->jfd >= 0) {
        char exitbuf[200];
        snprintf(exitbuf, sizeof exitbuf, "%s", ok ? "0" : reason);
        char *cmd = NULL;
        if (f->command) {
            size_t cap = strlen(f->command) * 2 + strlen(r->text) * 8 + 64;
            cmd = malloc(cap);
            if (cmd)
                pas_farm_expand(f->command, r->text, r->number, -1, -1, cmd, cap);
        }
        const char *c = cmd ? cmd : r->text;
        size_t cap = strlen(c) + 512;
        char *line = malloc(cap);
        long n = line ? pas_farm_journal_format(line, cap, r->id, r->number, ok, exitbuf,
                                                res->attempts, res->rank, res->host, res->slot,
                                                res->start, res->wall, c)
                      : -1;
        int wrc = n > 0 && write(f->jfd, line, (size_t)n) == n ? PAS_OK : PAS_ERR_IO;
        free(line);
        free(cmd);
        if (wrc) {
            snprintf(f->err, sizeof f->err,
                     "cannot append to the journal %s: %s; free space or choose another --journal",
                     f->journal, strerror(errno));
            return PAS_ERR_IO;
        }
    }
    if (!ok && !f->quiet && !f->json)
        fprintf(stderr, "%spas-farm: task %llu failed: %s (attempts %d, rank %d on %s)\n",
                f->tty ? "\r\033[K" : "", (unsigned long long)r->number, reason, res->attempts,
                res->rank, res->host);
    if (f->keep_order) {
        size_t i = (size_t)r->number - 1;
        if (i >= f->held_cap) { /* three arrays grow alike; held_cap moves once all have */
            size_t ch = f->held_cap, cl = f->held_cap, cr = f->held_cap;
            pas_status rc = pas_grow(&f->held, &ch, i + 1, sizeof *f->held);
            if (rc || (rc = pas_grow(&f->held_len, &cl, i + 1, sizeof *f->held_len)) ||
                (rc = pas_grow(&f->held_ready, &cr, i + 1, 1)))
                return rc;
            memset(f->held_ready + f->held_cap, 0, cr - f->held_cap);
            f->held_cap = cr;
        }
        f->held[i] = malloc(outlen ? outlen : 1);
        if (!f->held[i])
            return PAS_ERR_NOMEM;
        memcpy(f->held[i], out, outlen);
        f->held_len[i] = outlen;
        f->held_ready[i] = 1;
        print_held(f);
    }
    return PAS_OK;
}

static void farm_tick(void *arg, const pas_farm_progress_t *p)
{
    farm_t *f = arg;
    if (f->quiet || f->json || !(f->tty || f->progress))
        return;
    double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
    char eta[32] = "?";
    /* the whole list is known when it was read up front, else once it ended */
    uint64_t total = f->upfront ? (uint64_t)f->nrec - f->skipped : p->read;
    if ((f->upfront || p->input_ended) && rate > 0)
        snprintf(eta, sizeof eta, "%.0fs", (double)(total - p->done) / rate);
    fprintf(
        stderr,
        "%spas-farm: %llu done (%llu failed), %llu running, %llu queued, %.1f tasks/s, ETA %s%s",
        f->tty ? "\r\033[K" : "", (unsigned long long)p->done, (unsigned long long)p->failed,
        (unsigned long long)p->running, (unsigned long long)p->queued, rate, eta,
        f->tty ? "" : "\n");
    fflush(stderr);
}

/* ---- start: options, the list, the journal (rank 0) ----------------------------- */

static int parse_codes(const char *text, pas_farm_opts_t *o, char *err, size_t errlen)
{
    const char *p = text;
    o->nretry_on = 0;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > 255 || (*end && *end != ',') ||
            o->nretry_on == PAS_FARM_MAX_RETRY_ON) {
            snprintf(err, errlen,
                     "--retry-on '%s': give up to %d exit statuses 0..255 separated by commas, "
                     "e.g. 1,124",
                     text, PAS_FARM_MAX_RETRY_ON);
            return PAS_ERR_ARG;
        }
        o->retry_on[o->nretry_on++] = (int)v;
        p = *end ? end + 1 : end;
    }
    return PAS_OK;
}

static int open_list(farm_t *f)
{
    const char *path = f->args ? f->args : f->tasks;
    if (!strcmp(path, "-")) {
        f->in = stdin;
        f->upfront = 0;
        return PAS_OK;
    }
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(f->err, sizeof f->err, "cannot open the task list %s: %s; check the path", path,
                 strerror(errno));
        return PAS_ERR_ARG;
    }
    if (S_ISDIR(sb.st_mode)) {
        snprintf(f->err, sizeof f->err,
                 "the task list %s is a directory; give a file, - for stdin, or a named pipe",
                 path);
        return PAS_ERR_ARG;
    }
    if (access(path, R_OK) != 0) {
        snprintf(f->err, sizeof f->err, "cannot read the task list %s: %s", path, strerror(errno));
        return PAS_ERR_ARG;
    }
    f->upfront = S_ISREG(sb.st_mode);
    if (f->upfront || f->resume || f->only_failed) {
        f->in = fopen(path, "r");
        if (!f->in) {
            snprintf(f->err, sizeof f->err, "cannot open the task list %s: %s", path,
                     strerror(errno));
            return PAS_ERR_ARG;
        }
    }
    return PAS_OK;
}

static void *fifo_open_then_read(void *arg)
{
    farm_t *f = arg;
    f->in = fopen(f->args ? f->args : f->tasks, "r");
    if (!f->in) {
        pthread_mutex_lock(&f->mu);
        f->reader_err = PAS_ERR_IO;
        f->reader_eof = 1;
        pthread_mutex_unlock(&f->mu);
        return NULL;
    }
    return reader_main(arg);
}

static int open_journal(farm_t *f)
{
    pas_farm_journal_t j;
    char why[400];
    int rc = pas_farm_journal_read(f->journal, &j, why, sizeof why);
    if (rc) {
        snprintf(f->err, sizeof f->err, "%s: %s", f->journal, why);
        return rc == PAS_ERR_NOMEM ? rc : PAS_ERR_ARG;
    }
    if (j.lines > 0 && !f->resume && !f->only_failed) {
        snprintf(f->err, sizeof f->err,
                 "the journal %s already records %zu task ends; add --resume (skip the succeeded) "
                 "or --only-failed, or remove it",
                 f->journal, j.lines);
        pas_farm_journal_free(&j);
        return PAS_ERR_ARG;
    }
    size_t matched = 0;
    for (size_t i = 0; i < f->nrec; i++) {
        const pas_farm_jentry_t *e = pas_farm_journal_find(&j, f->rec[i].id);
        matched += e != NULL;
        if (f->only_failed)
            f->rec[i].skip = !e || e->ok;
        else if (f->resume)
            f->rec[i].skip = e && e->ok;
        f->skipped += f->rec[i].skip;
    }
    if (j.n > 0 && matched == 0) {
        snprintf(f->err, sizeof f->err,
                 "the journal %s records %zu tasks and none of them is in this task list: it "
                 "belongs to another list; use another --journal",
                 f->journal, j.n);
        pas_farm_journal_free(&j);
        return PAS_ERR_ARG;
    }
    long good = j.good_size;
    int torn = j.torn;
    pas_farm_journal_free(&j);
    f->jfd = open(f->journal, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (f->jfd < 0) {
        snprintf(f->err, sizeof f->err,
                 "cannot write the journal %s: %s; choose a writable directory", f->journal,
                 strerror(errno));
        return PAS_ERR_ARG;
    }
    if (torn && ftruncate(f->jfd, good) != 0) {
        snprintf(f->err, sizeof f->err, "cannot cut the torn last line of the journal %s: %s",
                 f->journal, strerror(errno));
        return PAS_ERR_IO;
    }
    if (torn)
        fprintf(stderr, "pas-farm: the journal's last line was incomplete (a crash while writing "
                        "it); it was dropped and that task runs again\n");
    if (good == 0 && !torn) {
        struct stat sb;
        if (fstat(f->jfd, &sb) == 0 && sb.st_size == 0 &&
            write(f->jfd, PAS_FARM_JOURNAL_HEADER, strlen(PAS_FARM_JOURNAL_HEADER)) < 0) {
            snprintf(f->err, sizeof f->err, "cannot write the journal %s: %s", f->journal,
                     strerror(errno));
            return PAS_ERR_IO;
        }
    }
    return PAS_OK;
}

/* Everything rank 0 checks before the farm starts. */
static int farm_prepare(farm_t *f, pas_farm_opts_t *fo)
{
    if (f->command && !f->args) {
        snprintf(f->err, sizeof f->err,
                 "--command needs --args FILE (one argument per line; - for stdin)");
        return PAS_ERR_ARG;
    }
    if (f->args && !f->command) {
        snprintf(f->err, sizeof f->err,
                 "--args needs --command TEMPLATE (e.g. --command 'gzip -9 {}')");
        return PAS_ERR_ARG;
    }
    if (f->args && strcmp(f->tasks, "-") != 0) {
        snprintf(f->err, sizeof f->err,
                 "give either --tasks FILE or --command with --args FILE, not both");
        return PAS_ERR_ARG;
    }
    if (f->expect) {
        if (!f->keep_order) {
            snprintf(f->err, sizeof f->err,
                     "--expect compares the ordered output: add --keep-order");
            return PAS_ERR_ARG;
        }
        f->expect_f = fopen(f->expect, "rb");
        if (!f->expect_f) {
            snprintf(f->err, sizeof f->err, "cannot read --expect %s: %s", f->expect,
                     strerror(errno));
            return PAS_ERR_ARG;
        }
    }
    if (f->keep_order + f->tag + (f->output_dir != NULL) > 1) {
        snprintf(
            f->err, sizeof f->err,
            "--keep-order, --tag and --output-dir are different ways to handle output; choose one");
        return PAS_ERR_ARG;
    }
    if (f->resume && f->only_failed) {
        snprintf(f->err, sizeof f->err,
                 "--resume and --only-failed exclude each other: --resume runs all but the "
                 "succeeded, --only-failed only the failed");
        return PAS_ERR_ARG;
    }
    if ((f->resume || f->only_failed) && !f->journal) {
        snprintf(f->err, sizeof f->err, "--%s needs --journal FILE",
                 f->resume ? "resume" : "only-failed");
        return PAS_ERR_ARG;
    }
    if (f->retry_on_text && parse_codes(f->retry_on_text, fo, f->err, sizeof f->err))
        return PAS_ERR_ARG;
    int rc = open_list(f);
    if (rc)
        return rc;
    if (f->in && (f->upfront || f->resume || f->only_failed)) {
        f->upfront = 1;
        rc = read_all(f);
        if (f->in != stdin)
            fclose(f->in);
        f->in = NULL;
        if (rc)
            return rc;
    }
    if (f->journal) {
        rc = open_journal(f);
        if (rc)
            return rc;
    }
    if (!f->upfront) {
        pthread_mutex_init(&f->mu, NULL);
        if (pthread_create(&f->reader, NULL, f->in ? reader_main : fifo_open_then_read, f) != 0) {
            snprintf(f->err, sizeof f->err, "cannot start the reader thread");
            return PAS_ERR_NOMEM;
        }
        f->reader_started = 1;
    }
    return PAS_OK;
}

static void print_summary(farm_t *f, const pas_farm_stats_t *st, FILE *out)
{
    double rate = st->wall > 0 ? (double)st->tasks / st->wall : 0;
    fprintf(out,
            "pas-farm: %llu tasks: %llu succeeded, %llu failed, %llu retries, %llu skipped "
            "(journal); %.2f s, %.1f tasks/s\n",
            (unsigned long long)(st->tasks + f->skipped), (unsigned long long)st->succeeded,
            (unsigned long long)st->failed, (unsigned long long)st->retried,
            (unsigned long long)f->skipped, st->wall, rate);
    if (f->nfailed_list) {
        fprintf(out, "pas-farm: failed:");
        for (int i = 0; i < f->nfailed_list; i++)
            fprintf(out, " #%llu", (unsigned long long)f->failed_list[i]);
        fprintf(out, "%s (see the lines above%s)\n", f->failed_n > 10 ? " ..." : "",
                f->journal ? " or the journal" : "");
    }
    if (f->slowest[0].wall > 0) {
        fprintf(out, "pas-farm: slowest:");
        for (int i = 0; i < 5 && f->slowest[i].wall > 0; i++)
            fprintf(out, " #%llu %.3fs", (unsigned long long)f->slowest[i].number,
                    f->slowest[i].wall);
        fputc('\n', out);
    }
    fprintf(out, "pas-farm: per rank (tasks, busy s):");
    for (int r = 0; r < f->size; r++)
        fprintf(out, " %d:%llu/%.2f", r, (unsigned long long)f->rank_tasks[r], f->rank_busy[r]);
    fputc('\n', out);
}

static void print_json(farm_t *f, const pas_farm_stats_t *st, int slots, const char *verdict)
{
    printf("{\"program\":\"pas-farm\",\"ranks\":%d,\"slots\":%d,\"tasks\":%llu,\"succeeded\":%llu,"
           "\"failed\":%llu,\"retries\":%llu,\"skipped\":%llu,\"wall\":%.6f,\"rate\":%.3f,\"failed_"
           "tasks\":[",
           f->size, slots, (unsigned long long)(st->tasks + f->skipped),
           (unsigned long long)st->succeeded, (unsigned long long)st->failed,
           (unsigned long long)st->retried, (unsigned long long)f->skipped, st->wall,
           st->wall > 0 ? (double)st->tasks / st->wall : 0);
    for (int i = 0; i < f->nfailed_list; i++)
        printf("%s%llu", i ? "," : "", (unsigned long long)f->failed_list[i]);
    printf("],\"slowest\":[");
    for (int i = 0; i < 5 && f->slowest[i].wall > 0; i++)
        printf("%s{\"task\":%llu,\"wall\":%.6f}", i ? "," : "",
               (unsigned long long)f->slowest[i].number, f->slowest[i].wall);
    printf("],\"per_rank\":[");
    for (int r = 0; r < f->size; r++)
        printf("%s{\"rank\":%d,\"tasks\":%llu,\"busy\":%.6f}", r ? "," : "", r,
               (unsigned long long)f->rank_tasks[r], f->rank_busy[r]);
    printf("],\"verdict\":\"%s\"}\n", verdict);
}

/* TERM, INT, HUP (srun forwards them; Slurm sends TERM at the time limit):
 * the tasks run in their own sessions, so take their groups along, then die
 * of the same signal.  The journal holds every task that ended. */
static void on_stop(int sig)
{
    pas_farm_exec_kill_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const pas_prog_info_t info = {
    "pas-farm", "run a list of shell commands over every slot of every rank", "[options]",
    "Tasks: one shell command per line (# comments and blank lines skipped), or\n"
    "--command TEMPLATE over --args FILE with {} {#} {rank} {slot}.  A line may\n"
    "start with prio=N (higher first; aging bounds the wait).  Exit status: 0 all\n"
    "tasks succeeded, 1 some failed (after retries), 2 usage error.  See "
    "algorithms/farm/README.md."};

enum { FARM_NOPTS = 19 }; /* the options below and the table's end */

/* The option table over f's fields. */
static void farm_options(farm_t *f, pas_opt_t table[FARM_NOPTS])
{
    const pas_opt_t t[FARM_NOPTS] = {
        {"tasks", PAS_OPT_STRING, &f->tasks, "FILE",
         "task list: a file, - for stdin, or a named pipe", NULL, 0, 0},
        {"command", PAS_OPT_STRING, &f->command, "TEMPLATE",
         "command template over --args ({} {#} {rank} {slot})", NULL, 0, 0},
        {"args", PAS_OPT_STRING, &f->args, "FILE",
         "one argument per line for --command (- for stdin)", NULL, 0, 0},
        {"slots", PAS_OPT_INT, &f->slots, "N",
         "concurrent tasks per rank (default: the cores the rank may use)", NULL, 1, 4096},
        {"priority-field", PAS_OPT_INT, &f->prio_field, "K",
         "field K of each line is its integer priority", NULL, 1, 1000},
        {"aging", PAS_OPT_INT, &f->aging, "N",
         "dispatches after which a waiting task gains one priority level", NULL, 1, 1000000000},
        {"task-timeout", PAS_OPT_DOUBLE, &f->timeout, "SEC",
         "kill a task's process group after SEC seconds (0: no limit)", NULL, 0, 1e9},
        {"retries", PAS_OPT_INT, &f->retries, "N",
         "run a failed task up to N more times (on another rank if any)", NULL, 0, 1000},
        {"retry-on", PAS_OPT_STRING, &f->retry_on_text, "CODES",
         "retry only these exit statuses (e.g. 1,124; default: any)", NULL, 0, 0},
        {"output-dir", PAS_OPT_STRING, &f->output_dir, "DIR",
         "each task's stdout/stderr to DIR/{#}.out/.err (or a template)", NULL, 0, 0},
        {"tag", PAS_OPT_FLAG, &f->tag, NULL,
         "prefix each output line with the task number and a tab", NULL, 0, 0},
        {"keep-order", PAS_OPT_FLAG, &f->keep_order, NULL,
         "print each task's stdout whole, in task order", NULL, 0, 0},
        {"max-output", PAS_OPT_SIZE, &f->max_output, "BYTES",
         "--keep-order: most stdout held per task (more fails the task)", NULL, 1, 1 << 30},
        {"expect", PAS_OPT_STRING, &f->expect, "FILE",
         "--keep-order: compare the ordered stdout with FILE instead of printing it", NULL, 0, 0},
        {"journal", PAS_OPT_STRING, &f->journal, "FILE",
         "append one line per task end (TSV) to FILE", NULL, 0, 0},
        {"resume", PAS_OPT_FLAG, &f->resume, NULL,
         "skip the tasks the journal records as succeeded", NULL, 0, 0},
        {"only-failed", PAS_OPT_FLAG, &f->only_failed, NULL,
         "run only the tasks the journal records as failed", NULL, 0, 0},
        {"progress", PAS_OPT_FLAG, &f->progress, NULL,
         "print progress lines on stderr even when it is not a terminal", NULL, 0, 0},
        {0},
    };
    memcpy(table, t, sizeof t);
}

/* Every rank: the farm's options from the command line; rank 0 checks them
 * and opens the task list and the journal (farm_prepare).  A local status
 * with the message in f->err. */
static int farm_setup(farm_t *f, const pas_driver_t *d, pas_farm_opts_t *fo)
{
    f->rank = d->rank;
    f->size = d->size;
    f->quiet = d->opt.quiet;
    f->json = d->opt.json;
    f->tty = isatty(2);
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    signal(SIGHUP, on_stop);
    pas_farm_opts_default(fo);
    fo->slots = f->slots > 0 ? f->slots : d->machine.threads;
    fo->aging = f->aging;
    fo->retries = f->retries;
    if (d->rank == 0) {
        f->rank_tasks = calloc((size_t)d->size, sizeof *f->rank_tasks);
        f->rank_busy = calloc((size_t)d->size, sizeof *f->rank_busy);
        return f->rank_tasks && f->rank_busy ? farm_prepare(f, fo) : PAS_ERR_NOMEM;
    }
    if (f->retry_on_text)
        return parse_codes(f->retry_on_text, fo, f->err, sizeof f->err) ? PAS_ERR_ARG : PAS_OK;
    return PAS_OK;
}

/* collective: the banner, then the farm itself; the agreed status. */
static int farm_execute(farm_t *f, pas_driver_t *d, const pas_farm_opts_t *fo, pas_farm_stats_t *st)
{
    char sl[96], src[300];
    snprintf(sl, sizeof sl, "%d (%s)", fo->slots,
             f->slots > 0 ? "--slots" : d->machine.threads_from);
    snprintf(src, sizeof src, "%s%s", f->command ? "--args " : "", f->args ? f->args : f->tasks);
    const char *kv[] = {
        "slots per rank", sl, "tasks from", src, "journal", f->journal ? f->journal : "-", NULL};
    if (d->rank == 0 && !f->quiet && !f->json)
        pas_banner(stderr, &info, "farm", &d->machine, kv);
    pas_farm_calls_t calls = {farm_next, farm_run, farm_done, farm_tick, f};
    int frc = pas_farm_run(d->comm, &calls, fo, st);
    if (f->tty && d->rank == 0 && !f->quiet && !f->json)
        fprintf(stderr, "\r\033[K");
    return pas_driver_check(d, frc, f->err[0] ? f->err : "the farm failed");
}

/* Rank 0, after a farm that ran: check that every task read ended exactly
 * once (or was skipped), print the held output, the summary, --json or the
 * --quiet row.  Returns the local status (PAS_ERR_INTERNAL when the count
 * is off); *verdict becomes PAS_ERR_VERIFY when tasks failed or the output
 * differs from --expect, with the message in f->err. */
static int farm_report(farm_t *f, const pas_driver_t *d, const pas_farm_stats_t *st, int slots,
                       int *verdict)
{
    int rc = PAS_OK;
    for (size_t i = 0; i < f->nrec; i++)
        if (!f->rec[i].skip && !f->rec[i].ended)
            rc = PAS_ERR_INTERNAL;
    if (rc == PAS_OK && st->tasks + f->skipped != f->nrec)
        rc = PAS_ERR_INTERNAL;
    if (rc)
        snprintf(f->err, sizeof f->err, "internal error: %llu tasks read, %llu ended, %llu skipped",
                 (unsigned long long)f->nrec, (unsigned long long)st->tasks,
                 (unsigned long long)f->skipped);
    if (f->keep_order)
        print_held(f);
    if (f->expect_f && !f->expect_bad && fgetc(f->expect_f) != EOF)
        f->expect_bad = 1;
    const char *v = rc == PAS_OK && st->failed == 0 && !f->expect_bad ? "PASS" : "FAIL";
    if (rc == PAS_OK && !f->json && !f->quiet)
        print_summary(f, st, stderr);
    if (rc == PAS_OK && f->json)
        print_json(f, st, slots, v);
    if (rc == PAS_OK && f->quiet) {
        char size[64];
        snprintf(size, sizeof size, "tasks=%llu", (unsigned long long)(st->tasks + f->skipped));
        pas_result_t row = {"pas-farm",
                            "exec",
                            size,
                            d->size,
                            slots,
                            {st->wall, st->wall, st->wall, 1},
                            st->wall > 0 ? (double)st->tasks / st->wall : 0,
                            "tasks/s",
                            v,
                            NULL};
        pas_result_print(stdout, &row, 0);
    }
    fflush(stdout);
    if (rc == PAS_OK && st->failed) {
        snprintf(f->err, sizeof f->err, "%llu of %llu tasks failed (listed above)",
                 (unsigned long long)st->failed, (unsigned long long)st->tasks);
        *verdict = PAS_ERR_VERIFY;
    }
    if (rc == PAS_OK && !st->failed && f->expect_bad) {
        *verdict = PAS_ERR_VERIFY;
        snprintf(f->err, sizeof f->err,
                 "the ordered output differs from --expect %s after byte %llu", f->expect,
                 (unsigned long long)f->expect_at);
    }
    return rc;
}

static void farm_free(farm_t *f)
{
    if (f->reader_started)
        pthread_cancel(f->reader), pthread_join(f->reader, NULL);
    if (f->jfd >= 0)
        close(f->jfd);
    if (f->expect_f)
        fclose(f->expect_f);
    for (size_t i = 0; i < f->nrec; i++)
        free(f->rec[i].text);
    free(f->rec);
    free(f->occ_key);
    free(f->occ_n);
    free(f->rank_tasks);
    free(f->rank_busy);
    free(f->held);
    free(f->held_len);
    free(f->held_ready);
    free(f->payload);
}

int main(int argc, char **argv)
{
    farm_t f = {.tasks = "-", .aging = 64, .max_output = 16u << 20, .jfd = -1, .next_print = 1};
    pas_opt_t table[FARM_NOPTS];
    farm_options(&f, table);
    pas_common_opts_t defaults = {.seed = 1, .reps = 1, .warmup = 0, .watchdog = 0};
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, &defaults, &argc, &argv);
    if (code >= 0)
        return code;

    pas_farm_opts_t fo;
    int rc = farm_setup(&f, &d, &fo);
    rc = pas_driver_check(&d, rc, f.err[0] ? f.err : NULL);
    pas_farm_stats_t st = {0};
    if (rc == PAS_OK)
        rc = farm_execute(&f, &d, &fo, &st);
    int farm_ok = rc, verdict = PAS_OK;
    if (d.rank == 0 && rc == PAS_OK)
        rc = farm_report(&f, &d, &st, fo.slots, &verdict);
    if (farm_ok == PAS_OK) { /* every rank agrees on rank 0's verdict */
        rc = pas_driver_check(&d, rc, f.err[0] ? f.err : NULL);
        if (rc == PAS_OK)
            rc = pas_driver_checkf(&d, verdict, "%s", f.err[0] ? f.err : "tasks failed");
    }
    farm_free(&f);
    return pas_driver_end(&d, rc);
}
