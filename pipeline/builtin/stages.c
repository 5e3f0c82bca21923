/* builtin/stages.c - read, gen, work and write: the built-in stages of
 * pas-pipeline (linked into the program, not into libpas). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifdef PAS_HAVE_ZLIB
#include <zlib.h>
#endif

#include "pas_farm.h"
#include "pas_outfile.h"
#include "builtin/stages.h"

const char *const builtin_names[] = {"read", "gen", "work", "write", NULL};

int builtin_have_zlib(void)
{
#ifdef PAS_HAVE_ZLIB
    return 1;
#else
    return 0;
#endif
}

uint64_t builtin_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t lane[4] = {0x9e3779b97f4a7c15ULL, 0xbf58476d1ce4e5b9ULL, 0x94d049bb133111ebULL, len};
    size_t i = 0;
    for (; i + 32 <= len; i += 32)
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * k, 8);
            lane[k] = (lane[k] ^ w) * 0x9fb21c651e98df25ULL;
            lane[k] ^= lane[k] >> 29;
        }
    uint64_t h = pas_mix64(lane[0] ^ pas_mix64(lane[1] ^ pas_mix64(lane[2] ^ pas_mix64(lane[3]))));
    for (; i < len; i++)
        h = pas_mix64(h ^ p[i]);
    return h;
}

static void tally(uint64_t *where, uint64_t v)
{
    __atomic_fetch_add(where, v, __ATOMIC_RELAXED);
}

/* the exactly-once checksum term of one record */
static uint64_t term(uint64_t seq, uint64_t hash)
{
    return pas_mix64(seq * 0x2545f4914f6cdd1dULL ^ hash);
}

typedef struct {
    builtin_cfg_t *cfg;
    pas_pipe_where_t where;
    FILE *fp;
    char *line;
    size_t cap;
    uint64_t next; /* read: records seen; gen: next item; write: next expected seq */
    unsigned char *buf;
    size_t bufcap;
    uint64_t count, sum, since_ckpt;
    uint64_t seedmix; /* gen: from --seed */
    char part[4096];
    int direct; /* output is not a regular file: no temporary name */
    /* exec: the block being built (read, gen), a record held over for the
     * next block (read), the command's output (work) */
    unsigned char *blk;
    size_t blkcap;
    int held;
    const void *held_data;
    size_t held_len;
    pas_farm_out_t *out;
#ifdef PAS_HAVE_ZLIB
    z_stream z; /* reused per record: deflateInit/inflateInit cost more than a small record */
    int z_on;
#endif
} builtin_state_t;

#ifdef PAS_HAVE_ZLIB
static int z_deflate(builtin_state_t *s, const void *in, size_t len, void *out, uLongf *outlen)
{
    if (!s->z_on) {
        /* windowBits 15 + 16: a gzip member per record, so that the output,
         * their concatenation, is a gzip file (zcat, gzip -d read it) */
        if (deflateInit2(&s->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return PAS_ERR_NOMEM;
        s->z_on = 1;
    } else if (deflateReset(&s->z) != Z_OK) {
        return PAS_ERR_INTERNAL;
    }
    s->z.next_in = (Bytef *)(uintptr_t)in;
    s->z.avail_in = (uInt)len;
    s->z.next_out = out;
    s->z.avail_out = (uInt)*outlen;
    if (deflate(&s->z, Z_FINISH) != Z_STREAM_END)
        return PAS_ERR_INTERNAL;
    *outlen = s->z.total_out;
    return PAS_OK;
}

static int z_inflate(builtin_state_t *s, const void *in, size_t len, void *out, uLongf *outlen)
{
    if (!s->z_on) {
        if (inflateInit2(&s->z, 15 + 16) != Z_OK) /* gzip only */
            return PAS_ERR_NOMEM;
        s->z_on = 2;
    } else if (inflateReset(&s->z) != Z_OK) {
        return PAS_ERR_INTERNAL;
    }
    s->z.next_in = (Bytef *)(uintptr_t)in;
    s->z.avail_in = (uInt)len;
    s->z.next_out = out;
    s->z.avail_out = (uInt)*outlen;
    if (inflate(&s->z, Z_FINISH) != Z_STREAM_END)
        return PAS_ERR_FORMAT;
    *outlen = s->z.total_out;
    return PAS_OK;
}
#endif

static void builtin_free(builtin_state_t *s)
{
#ifdef PAS_HAVE_ZLIB
    if (s->z_on == 1)
        deflateEnd(&s->z);
    else if (s->z_on == 2)
        inflateEnd(&s->z);
#endif
    free(s->line);
    free(s->buf);
    free(s->blk);
    pas_farm_out_free(s->out);
    free(s);
}

static int builtin_new(void **state, const pas_pipe_where_t *where, void *arg)
{
    builtin_state_t *s = calloc(1, sizeof *s);
    if (!s)
        return PAS_ERR_NOMEM;
    s->cfg = arg;
    s->where = *where;
    *state = s;
    return PAS_OK;
}

static void io_fail(builtin_cfg_t *c, const char *fmt, const char *path)
{
    c->io_status = PAS_ERR_IO;
    snprintf(c->io_msg, sizeof c->io_msg, fmt, path, strerror(errno));
    pas_pipe_fail_detail(c->io_msg);
}

static pas_status emit_record(builtin_state_t *s, pas_pipe_emit_t *em, uint64_t seq,
                              const void *content, size_t len)
{
    int rc;
    builtin_rec_t *r = pas_pipe_emit_reserve(em, sizeof *r + len, 0, &rc);
    if (!r)
        return rc;
    *r = (builtin_rec_t){seq, builtin_hash(content, len), (uint32_t)len, (uint32_t)len, 0, 0};
    if (len)
        memcpy(r + 1, content, len);
    s->count++;
    s->sum += term(seq, r->hash);
    return PAS_OK;
}

static void source_done(void *state)
{
    builtin_state_t *s = state;
    tally(&s->cfg->src_count, s->count);
    tally(&s->cfg->src_sum, s->sum);
    if (s->fp && s->fp != stdin)
        fclose(s->fp);
    builtin_free(s);
}

/* ---- read: lines or fixed-size records from a file, stdin or a FIFO ------------- */

static int read_init(void **state, const pas_pipe_where_t *where, void *arg)
{
    int rc = builtin_new(state, where, arg);
    if (rc)
        return rc;
    builtin_state_t *s = *state;
    const char *in = s->cfg->input ? s->cfg->input : "-";
    s->fp = strcmp(in, "-") == 0 ? stdin : fopen(in, "rb");
    if (!s->fp) {
        io_fail(s->cfg, "cannot open input '%s': %s; check the path", in);
        return PAS_ERR_IO;
    }
    return PAS_OK;
}

/* a read that did not reach the end of the input: out of memory for a long
 * line, or an I/O error; never taken for the end of the stream */
static pas_status read_failed(builtin_state_t *s)
{
    builtin_cfg_t *c = s->cfg;
    const char *in = c->input ? c->input : "-";
    if (errno == ENOMEM || errno == EOVERFLOW) {
        snprintf(c->io_msg, sizeof c->io_msg,
                 "reading record %llu of '%s' needs more memory than the job may "
                 "use (%s, with a line buffer of %zu bytes); raise the memory limit, or split the "
                 "long lines",
                 (unsigned long long)s->next, in, strerror(errno), s->cap);
        pas_pipe_fail_detail(c->io_msg);
        c->io_status = PAS_ERR_NOMEM;
        return PAS_ERR_NOMEM;
    }
    if (errno == 0)
        errno = EIO;
    io_fail(c, "reading '%s' failed: %s", in);
    return PAS_ERR_IO;
}

/* one record into *data, *len (valid until the next call): 1, 0 at the end
 * of the input, or an error status */
static int read_record(builtin_state_t *s, const void **data, size_t *len)
{
    if (s->cfg->record) {
        if (s->bufcap < s->cfg->record) {
            free(s->buf);
            if (!(s->buf = malloc(s->cfg->record)))
                return PAS_ERR_NOMEM;
            s->bufcap = s->cfg->record;
        }
        errno = 0;
        *len = fread(s->buf, 1, s->cfg->record, s->fp);
        *data = s->buf;
        if (ferror(s->fp) ||
            (*len < s->cfg->record &&
             !feof(s->fp))) /* a short record is the last one, at end of file only */
            return read_failed(s);
        if (*len == 0)
            return 0;
    } else {
        errno = 0;
        ssize_t got = getline(&s->line, &s->cap, s->fp);
        if (got < 0) {
            /* the end only when the stream says so: getline also returns
             * -1 when it cannot grow its buffer for a long line */
            if (errno != 0 || ferror(s->fp) || !feof(s->fp))
                return read_failed(s);
            return 0;
        }
        *data = s->line;
        *len = (size_t)got;
    }
    if (*len > UINT32_MAX) {
        snprintf(s->cfg->io_msg, sizeof s->cfg->io_msg,
                 "record %llu of '%s' has %zu bytes, over the 4 GiB "
                 "a record may hold; split it",
                 (unsigned long long)s->next, s->cfg->input ? s->cfg->input : "-", *len);
        s->cfg->io_status = PAS_ERR_FORMAT;
        pas_pipe_fail_detail(s->cfg->io_msg);
        return PAS_ERR_FORMAT;
    }
    return 1;
}

/* local: append len bytes to the block being built */
static pas_status block_put(builtin_state_t *s, size_t at, const void *data, size_t len)
{
    if (at + len > s->blkcap) {
        size_t cap = s->blkcap ? s->blkcap : 65536;
        while (cap < at + len)
            cap *= 2;
        unsigned char *nb = realloc(s->blk, cap);
        if (!nb)
            return PAS_ERR_NOMEM;
        s->blk = nb;
        s->blkcap = cap;
    }
    if (len)
        memcpy(s->blk + at, data, len);
    return PAS_OK;
}

/* exec: one item is a block of whole consecutive records, at most --block
 * bytes, or a single record that is larger; the record that does not fit is
 * held for the next block.  Blocks are numbered 0, 1, 2, ... */
static int read_block(builtin_state_t *s, pas_pipe_emit_t *em)
{
    size_t at = 0;
    int any = 0;
    for (;;) {
        const void *data = s->held_data;
        size_t len = s->held_len;
        if (!s->held) {
            int rc = read_record(s, &data, &len);
            if (rc < 0)
                return rc;
            if (rc == 0)
                break;
        }
        if (any && at + len > s->cfg->block) { /* starts the next block */
            s->held = 1;
            s->held_data = data;
            s->held_len = len;
            break;
        }
        s->held = 0;
        if (at + len > UINT32_MAX) {
            snprintf(s->cfg->io_msg, sizeof s->cfg->io_msg,
                     "block %llu of '%s' would hold over 4 GiB; use a smaller --block",
                     (unsigned long long)s->next, s->cfg->input ? s->cfg->input : "-");
            pas_pipe_fail_detail(s->cfg->io_msg);
            return PAS_ERR_FORMAT;
        }
        int rc = block_put(s, at, data, len);
        if (rc)
            return rc;
        at += len;
        any = 1;
        if (at >= s->cfg->block)
            break;
    }
    if (!any)
        return PAS_PIPE_END;
    return emit_record(s, em, s->next++, s->blk, at);
}

static int read_process(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em)
{
    (void)in;
    builtin_state_t *s = state;
    if (s->cfg->transform == BUILTIN_EXEC)
        return read_block(s, em);
    for (;;) { /* skip what a checkpointed run already wrote */
        const void *data;
        size_t len;
        int rc = read_record(s, &data, &len);
        if (rc <= 0)
            return rc < 0 ? rc : PAS_PIPE_END;
        uint64_t seq = s->next++;
        if (seq < s->cfg->resume_seq)
            continue;
        return emit_record(s, em, seq, data, len);
    }
}

/* ---- gen: synthetic records for benchmarks --------------------------------------------- */

static int gen_init(void **state, const pas_pipe_where_t *where, void *arg)
{
    int rc = builtin_new(state, where, arg);
    if (rc)
        return rc;
    builtin_state_t *s = *state;
    /* worker k: items k, k + count, ... from the first past a checkpoint */
    uint64_t k = (uint64_t)where->index, step = (uint64_t)where->count, from = s->cfg->resume_seq;
    s->next = from <= k ? k : k + (from - k + step - 1) / step * step;
    s->seedmix = pas_mix64(s->cfg->seed ^ 0x6a09e667f3bcc909ULL);
    return PAS_OK;
}

/* the content of record seq: a hash of the seed and the sequence number in
 * the first words, a fixed (compressible) pattern after them */
static void gen_fill(const builtin_state_t *s, uint64_t seq, unsigned char *p, size_t len)
{
    for (size_t k = 0; k < len; k += 8) {
        uint64_t w = k < 64 ? pas_mix64(s->seedmix ^ (seq + k)) : 0x2e2e2e2e2e2e2e2eULL ^ k;
        memcpy(p + k, &w, len - k < 8 ? len - k : 8);
    }
}

/* exec: records per block */
static uint64_t gen_per_block(const builtin_cfg_t *c)
{
    uint64_t r = c->size ? c->block / c->size : 1024;
    return r ? r : 1;
}

/* exec: item b is the block of records b*R .. (b+1)*R-1 (R records of --size
 * bytes fit in --block), worker k of a farm of n makes blocks k, k+n, ... */
static int gen_block(builtin_state_t *s, pas_pipe_emit_t *em)
{
    uint64_t per = gen_per_block(s->cfg), first = s->next * per;
    if (first >= s->cfg->n)
        return PAS_PIPE_END;
    uint64_t cnt = s->cfg->n - first < per ? s->cfg->n - first : per;
    size_t len = (size_t)(cnt * s->cfg->size);
    int rc;
    builtin_rec_t *r = pas_pipe_emit_reserve(em, sizeof *r + len, 0, &rc);
    if (!r)
        return rc;
    unsigned char *p = (unsigned char *)(r + 1);
    for (uint64_t i = 0; i < cnt; i++)
        gen_fill(s, first + i, p + i * s->cfg->size, (size_t)s->cfg->size);
    *r = (builtin_rec_t){s->next, builtin_hash(p, len), (uint32_t)len, (uint32_t)len, 0, 0};
    s->count++;
    s->sum += term(s->next, r->hash);
    s->next += (uint64_t)s->where.count;
    return PAS_OK;
}

static int gen_process(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em)
{
    (void)in;
    builtin_state_t *s = state;
    if (s->cfg->transform == BUILTIN_EXEC)
        return gen_block(s, em);
    if (s->next >= s->cfg->n)
        return PAS_PIPE_END;
    uint64_t seq = s->next;
    s->next += (uint64_t)s->where.count;
    size_t len = (size_t)s->cfg->size;
    int rc;
    int prio = s->cfg->prio_levels > 0 ? (int)(seq % (uint64_t)s->cfg->prio_levels) : 0;
    builtin_rec_t *r = pas_pipe_emit_reserve(em, sizeof *r + len, prio, &rc);
    if (!r)
        return rc;
    unsigned char *p = (unsigned char *)(r + 1);
    gen_fill(s, seq, p, len);
    *r = (builtin_rec_t){seq, builtin_hash(p, len), (uint32_t)len, (uint32_t)len, 0, 0};
    s->count++;
    s->sum += term(seq, r->hash);
    return PAS_OK;
}

/* ---- work: checksum, compress, a CPU cost per item --------------------------------------- */

/* CPU time, not wall time: a stage's cost is work, which a preempted
 * worker has not done yet */
static void spin(double us)
{
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    do
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    while ((double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) * 1e-3 < us);
}

/* exec: the block's bytes through the command (stdin to stdout, written and
 * read at once); its output, whatever its length, is the item that goes on,
 * with the block's seq and hash and a hash of the output.  A command that
 * fails (cannot start, exits non-zero, dies of a signal, runs past
 * --exec-timeout) fails the run, naming the command, the block and why. */
static int exec_run(builtin_state_t *s, const builtin_rec_t *r, const pas_pipe_item_t *in,
                    int copies, pas_pipe_emit_t *em)
{
    builtin_cfg_t *c = s->cfg;
    const unsigned char *content = (const unsigned char *)(r + 1);
    size_t clen = r->len;
    if (r->flags & BUILTIN_EXECUTED) { /* a command's output before: feed what it wrote */
        if (clen < 8)
            return PAS_ERR_FORMAT;
        content += 8;
        clen -= 8;
    }
    if (!s->out && !(s->out = pas_farm_out_new()))
        return PAS_ERR_NOMEM;
    pas_farm_out_reset(s->out);
    pas_farm_exec_opts_t o = {c->exec_timeout,
                              PAS_FARM_OUT_CAPTURE,
                              NULL,
                              NULL,
                              NULL,
                              BUILTIN_EXEC_MAX_OUT,
                              content,
                              clen,
                              &c->exec_stop};
    pas_farm_exec_result_t res;
    int rc = pas_farm_exec(c->exec, &o, s->out, &res);
    if (rc)
        return rc;
    if (res.status == 130 && __atomic_load_n(&c->exec_stop, __ATOMIC_RELAXED))
        return PAS_ERR_REMOTE; /* killed because another worker's command failed: its line */
    if (res.status != 0) {
        char why[256];
        __atomic_store_n(&c->exec_stop, 1, __ATOMIC_RELAXED); /* the others' commands are killed */
        if (res.status == 125)
            snprintf(why, sizeof why,
                     "--exec '%.60s' wrote over %zu bytes for block %llu; use a smaller --block",
                     c->exec, o.max_capture, (unsigned long long)r->seq);
        else
            snprintf(why, sizeof why, "--exec '%.60s' failed on block %llu: %.150s", c->exec,
                     (unsigned long long)r->seq, res.reason);
        pas_pipe_fail_detail(why);
        return res.timed_out ? PAS_ERR_TIMEOUT : PAS_ERR_IO;
    }
    size_t olen;
    const unsigned char *out = pas_farm_out_data(s->out, &olen);
    uint64_t ohash = builtin_hash(out, olen);
    for (int k = 0; k < copies; k++) {
        builtin_rec_t *o2 = pas_pipe_emit_reserve(em, sizeof *o2 + 8 + olen, in->prio, &rc);
        if (!o2)
            return rc;
        *o2 = (builtin_rec_t){
            r->seq, r->hash, (uint32_t)(8 + olen), r->orig, r->flags | BUILTIN_EXECUTED, 0};
        unsigned char *p = (unsigned char *)(o2 + 1);
        memcpy(p, &ohash, 8);
        if (olen)
            memcpy(p + 8, out, olen);
        if (c->fault == BUILTIN_FAULT_CORRUPT && r->seq == c->fault_seq && olen > 0)
            p[8] ^= 0x20; /* test only: one flipped bit after the hash was taken */
    }
    return PAS_OK;
}

static int work_process(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em)
{
    builtin_state_t *s = state;
    builtin_cfg_t *c = s->cfg;
    const builtin_rec_t *r = in->data;
    if (in->len < sizeof *r || in->len != sizeof *r + r->len)
        return PAS_ERR_FORMAT;
    if (c->cost_us > 0)
        spin(c->cost_us);
    if (c->transform == BUILTIN_EXEC) {
        int copies = 1;
        if ((c->fault == BUILTIN_FAULT_DROP || c->fault == BUILTIN_FAULT_DUP) &&
            r->seq == c->fault_seq)
            copies = c->fault == BUILTIN_FAULT_DROP ? 0 : 2; /* test only */
        return exec_run(s, r, in, copies, em);
    }
    if (c->transform == BUILTIN_CHECKSUM && !(r->flags & BUILTIN_COMPRESSED) &&
        builtin_hash(r + 1, r->len) != r->hash)
        return PAS_ERR_VERIFY; /* corrupted on the way: stop here, naming the item */
    int copies = 1;
    if ((c->fault == BUILTIN_FAULT_DROP || c->fault == BUILTIN_FAULT_DUP) && r->seq == c->fault_seq)
        /* test only: lose or repeat one item */
        copies = c->fault == BUILTIN_FAULT_DROP ? 0 : 2;
    for (int k = 0; k < copies; k++) {
#ifdef PAS_HAVE_ZLIB
        if (c->transform == BUILTIN_COMPRESS && !(r->flags & BUILTIN_COMPRESSED)) {
            uLongf bound =
                compressBound(r->len) + 18; /* + the gzip header and trailer over zlib's */
            int rc;
            builtin_rec_t *o = pas_pipe_emit_reserve(em, sizeof *o + bound, in->prio, &rc);
            if (!o)
                return rc;
            uLongf got = bound;
            if ((rc = z_deflate(s, r + 1, r->len, o + 1, &got)) != PAS_OK)
                return rc;
            *o = (builtin_rec_t){
                r->seq, r->hash, (uint32_t)got, r->orig, r->flags | BUILTIN_COMPRESSED, 0};
            if ((rc = pas_pipe_emit_trim(em, sizeof *o + got)) != PAS_OK)
                return rc;
            continue;
        }
#endif
        int rc;
        unsigned char *o = pas_pipe_emit_reserve(em, in->len, in->prio, &rc);
        if (!o)
            return rc;
        memcpy(o, in->data, in->len);
        if (c->fault == BUILTIN_FAULT_CORRUPT && r->seq == c->fault_seq && r->len > 0)
            o[sizeof *r] ^= 0x20; /* test only: one flipped bit after the checks here */
    }
    return PAS_OK;
}

/* ---- write: check, then a file (atomically), stdout or nowhere ---------------------------------
 */

/* durable progress: the output up to `offset` holds every item before
 * `next`; written to a temporary name, then renamed over the old one */
static pas_status checkpoint_commit(builtin_state_t *s)
{
    builtin_cfg_t *c = s->cfg;
    if (fflush(s->fp) != 0 || fsync(fileno(s->fp)) != 0) {
        io_fail(c, "cannot write partial output '%.180s': %s", s->part);
        return PAS_ERR_IO;
    }
    char tmp[4200], text[BUILTIN_CKPT_MAX];
    uint64_t offset = c->resume_off + c->out_bytes, tail;
    if (builtin_ckpt_tail(s->part, offset, &tail, c->io_msg, sizeof c->io_msg) != PAS_OK) {
        c->io_status = PAS_ERR_IO; /* what a resume checks the output against */
        pas_pipe_fail_detail(c->io_msg);
        return PAS_ERR_IO;
    }
    size_t len = builtin_ckpt_format(c->ckpt_ident ? c->ckpt_ident : "", s->next, offset, tail,
                                     text, sizeof text);
    if (len == 0)
        return PAS_ERR_INTERNAL; /* the driver checked that the identity fits */
    snprintf(tmp, sizeof tmp, "%s.tmp", c->checkpoint);
    unlink(tmp); /* a stale one, never followed or opened: a link or FIFO there is replaced */
    FILE *f = fopen(tmp, "wx");
    if (!f) {
        io_fail(c, "cannot write checkpoint '%s': %s", tmp);
        return PAS_ERR_IO;
    }
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, c->checkpoint) != 0) {
        io_fail(c, "cannot commit checkpoint '%s': %s", c->checkpoint);
        unlink(tmp);
        return PAS_ERR_IO;
    }
    return PAS_OK;
}

static int write_init(void **state, const pas_pipe_where_t *where, void *arg)
{
    int rc = builtin_new(state, where, arg);
    if (rc)
        return rc;
    builtin_state_t *s = *state;
    builtin_cfg_t *c = s->cfg;
    s->next = c->resume_seq;
    if (!c->output)
        return PAS_OK;
    if (strcmp(c->output, "-") == 0) {
        s->fp = stdout;
        return PAS_OK;
    }
    struct stat st;
    if (stat(c->output, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or a FIFO (/dev/null, a named pipe): written in place,
         * never replaced by a rename */
        if (c->checkpoint) {
            snprintf(c->io_msg, sizeof c->io_msg,
                     "--checkpoint needs a regular --output file, not '%s'", c->output);
            c->io_status = PAS_ERR_IO;
            pas_pipe_fail_detail(c->io_msg);
            return PAS_ERR_IO;
        }
        s->direct = 1;
        s->fp = fopen(c->output, "wb");
        if (!s->fp) {
            io_fail(c, "cannot write output '%s': %s; check the path", c->output);
            return PAS_ERR_IO;
        }
        return PAS_OK;
    }
    if (c->checkpoint) { /* a fixed partial name that a restart can find */
        builtin_part_name(c->output, s->part, sizeof s->part);
        s->fp = fopen(s->part, c->resume_off ? "r+b" : "wb");
        if (s->fp && c->resume_off &&
            (ftruncate(fileno(s->fp), (off_t)c->resume_off) != 0 ||
             fseeko(s->fp, (off_t)c->resume_off, SEEK_SET) != 0)) {
            fclose(s->fp);
            s->fp = NULL;
        }
    } else {
        /* a name unique to the job, removed on signals (pas_outfile) */
        s->fp = pas_outfile_tmp_register(c->output, s->part, sizeof s->part) == PAS_OK
                    ? fopen(s->part, "wbx")
                    : NULL;
    }
    if (!s->fp) {
        io_fail(c, "cannot write output '%s': %s; check the directory", c->output);
        return PAS_ERR_IO;
    }
    return PAS_OK;
}

static int write_process(void *state, const pas_pipe_item_t *in, pas_pipe_emit_t *em)
{
    (void)em;
    builtin_state_t *s = state;
    builtin_cfg_t *c = s->cfg;
    const builtin_rec_t *r = in->data;
    if (in->len < sizeof *r || in->len != sizeof *r + r->len)
        return PAS_ERR_FORMAT;
    const unsigned char *content = (const unsigned char *)(r + 1);
    size_t clen = r->len;
    const void *out = r + 1; /* what is written */
    size_t n = r->len;
    if (r->flags & BUILTIN_EXECUTED) {
        /* a command's output: intact since the command wrote it (its own
         * hash); the sums and the order are over the blocks that went in */
        uint64_t ohash;
        if (clen < 8)
            return PAS_ERR_FORMAT;
        memcpy(&ohash, content, 8);
        out = content + 8;
        n = clen - 8;
        if (builtin_hash(out, n) != ohash)
            tally(&c->content_errors, 1);
        goto tallied;
    }
#ifdef PAS_HAVE_ZLIB
    if (r->flags & BUILTIN_COMPRESSED) { /* check what the compression kept */
        if (s->bufcap < r->orig + 1) {
            free(s->buf);
            if (!(s->buf = malloc((size_t)r->orig + 1)))
                return PAS_ERR_NOMEM;
            s->bufcap = (size_t)r->orig + 1;
        }
        uLongf got = r->orig;
        if (z_inflate(s, content, r->len, s->buf, &got) != PAS_OK || got != r->orig)
            tally(&c->content_errors, 1);
        content = s->buf;
        clen = got;
    }
#endif
    if (builtin_hash(content, clen) != r->hash)
        tally(&c->content_errors, 1);
tallied:
    if (c->ordered && r->seq != s->next)
        tally(&c->order_errors, 1);
    s->next = r->seq + 1;
    s->count++;
    s->sum += term(r->seq, r->hash);
    if (s->fp) {
        /* the record as it came: compressed ones are gzip members, which
         * concatenated make a gzip file */
        if (n && fwrite(out, 1, n, s->fp) != n) {
            io_fail(c, "cannot write output '%.180s': %s", s->part[0] ? s->part : c->output);
            return PAS_ERR_IO;
        }
        tally(&c->out_bytes, n);
        if (c->checkpoint && ++s->since_ckpt >= c->ckpt_every) {
            s->since_ckpt = 0;
            int rc = checkpoint_commit(s);
            if (rc)
                return rc;
        }
    }
    return PAS_OK;
}

static int write_flush(void *state, pas_pipe_emit_t *em)
{
    (void)em;
    builtin_state_t *s = state;
    builtin_cfg_t *c = s->cfg;
    if (!s->fp || s->fp == stdout)
        return s->fp && fflush(stdout) != 0 ? PAS_ERR_IO : PAS_OK;
    if (s->direct) {
        int bad = fclose(s->fp) != 0;
        s->fp = NULL;
        return bad ? PAS_ERR_IO : PAS_OK;
    }
    /* complete: make it durable, then give it its name */
    int bad = fflush(s->fp) != 0 || fsync(fileno(s->fp)) != 0;
    bad |= fclose(s->fp) != 0;
    s->fp = NULL;
    if (bad || rename(s->part, c->output) != 0) {
        io_fail(c, "cannot complete output '%s': %s", c->output);
        return PAS_ERR_IO;
    }
    pas_outfile_tmp_release(s->part);
    if (c->checkpoint)
        unlink(c->checkpoint);
    return PAS_OK;
}

static void write_done(void *state)
{
    builtin_state_t *s = state;
    tally(&s->cfg->snk_count, s->count);
    tally(&s->cfg->snk_sum, s->sum);
    if (s->fp && s->fp != stdout) { /* failed before the end: no half-written output */
        fclose(s->fp);
        if (!s->cfg->checkpoint && !s->direct) {
            unlink(s->part);
            pas_outfile_tmp_release(s->part);
        }
    }
    builtin_free(s);
}

static void work_done(void *state)
{
    builtin_free(state);
}

const pas_pipe_stage_t *builtin_lookup(const char *name, builtin_cfg_t *cfg, pas_pipe_stage_t *out)
{
    if (strcmp(name, "read") == 0)
        *out = (pas_pipe_stage_t){"read", read_init, read_process, NULL, source_done, cfg};
    else if (strcmp(name, "gen") == 0)
        *out = (pas_pipe_stage_t){"gen", gen_init, gen_process, NULL, source_done, cfg};
    else if (strcmp(name, "work") == 0)
        *out = (pas_pipe_stage_t){"work", builtin_new, work_process, NULL, work_done, cfg};
    else if (strcmp(name, "write") == 0)
        *out = (pas_pipe_stage_t){"write", write_init, write_process, write_flush, write_done, cfg};
    else
        return NULL;
    return out;
}
