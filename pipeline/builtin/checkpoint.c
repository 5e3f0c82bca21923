/* checkpoint.c - a checkpoint knows its run: it records what identifies the
 * run and a checksum of its own text, and a resume checks both, and the
 * numbers it holds, before any work (builtin/stages.h has the format). */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* realpath */
#endif
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pas_paths.h"
#include "builtin/stages.h"

static const char ckpt_magic[] = "pas-pipeline checkpoint 2\n";

uint64_t builtin_fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* ---- the run's identity ------------------------------------------------------ */

pas_status builtin_ckpt_identity(const builtin_run_id_t *id, char *buf, size_t len, char *err,
                                 size_t errlen)
{
    const char *paths[] = {id->input, id->output, id->spec, id->transform};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (paths[i] && strchr(paths[i], '\n')) {
            snprintf(err, errlen,
                     "a checkpoint cannot record a name with a newline ('%.60s...'); rename it",
                     paths[i]);
            return PAS_ERR_ARG;
        }
    int at;
    if (id->input && id->input_stream)
        at = snprintf(buf, len, "input=%s\ninput_kind=stream\n", id->input);
    else if (id->input)
        at = snprintf(buf, len,
                      "input=%s\ninput_size=%llu\ninput_mtime=%lld.%09lld\ninput_head=%016llx\n",
                      id->input, (unsigned long long)id->input_size, (long long)id->input_mtime_s,
                      (long long)id->input_mtime_ns, (unsigned long long)id->input_head);
    else
        at = snprintf(buf, len, "input=gen\nn=%llu\nsize=%llu\nseed=%llu\n",
                      (unsigned long long)id->n, (unsigned long long)id->size,
                      (unsigned long long)id->seed);
    if (at >= 0 && (size_t)at < len) {
        char record[32];
        if (id->record)
            snprintf(record, sizeof record, "%llu", (unsigned long long)id->record);
        else
            snprintf(record, sizeof record, "lines");
        at += snprintf(buf + at, len - (size_t)at, "record=%s\ntransform=%s\nspec=%s\noutput=%s\n",
                       id->input ? record : "gen", id->transform, id->spec, id->output);
    }
    if (at < 0 || (size_t)at >= len) {
        snprintf(err, errlen,
                 "the run's identity does not fit a checkpoint (%zu bytes); use shorter paths",
                 len);
        return PAS_ERR_ARG;
    }
    return PAS_OK;
}

/* ---- text ------------------------------------------------------------------------ */

size_t builtin_ckpt_format(const char *ident, uint64_t next_seq, uint64_t offset, uint64_t tail,
                           char *buf, size_t len)
{
    int at = snprintf(buf, len, "%s%snext_seq=%llu\noffset=%llu\ntail=%016llx\n", ckpt_magic, ident,
                      (unsigned long long)next_seq, (unsigned long long)offset,
                      (unsigned long long)tail);
    if (at < 0 || (size_t)at + 22 >= len)
        return 0;
    uint64_t crc = builtin_fnv1a(buf, (size_t)at);
    at += snprintf(buf + at, len - (size_t)at, "crc=%016llx\n", (unsigned long long)crc);
    return (size_t)at;
}

/* a count: decimal digits only, no sign, at most BUILTIN_CKPT_LIMIT */
static int parse_count(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 19)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > BUILTIN_CKPT_LIMIT)
        return 0;
    *out = v;
    return 1;
}

/* 16 lowercase hex digits */
static int parse_hex16(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n != 16)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[i] >= '0' && s[i] <= '9'   ? s[i] - '0'
                : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
                                             : -1;
        if (d < 0)
            return 0;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 1;
}

pas_status builtin_ckpt_parse(const char *text, size_t len, builtin_ckpt_t *ck, char *err,
                              size_t errlen)
{
    size_t magic = sizeof ckpt_magic - 1;
    if (len > BUILTIN_CKPT_MAX) {
        snprintf(err, errlen, "is corrupt (%zu bytes, a checkpoint has at most %d)", len,
                 BUILTIN_CKPT_MAX);
        return PAS_ERR_ARG;
    }
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "is corrupt (it holds a NUL byte)");
        return PAS_ERR_ARG;
    }
    if (len < magic || memcmp(text, ckpt_magic, magic) != 0) {
        if (len >= 24 && memcmp(text, "pas-pipeline checkpoint ", 24) == 0)
            snprintf(err, errlen,
                     "was written by another pas-pipeline version (it does not record its run)");
        else
            snprintf(err, errlen, "is not a pas-pipeline checkpoint (its first line is not '%.*s')",
                     (int)magic - 1, ckpt_magic);
        return PAS_ERR_ARG;
    }
    /* the last line: crc=<16 hex>, over every byte before it */
    const size_t crc_line = 4 + 16 + 1;
    if (len < magic + crc_line || text[len - 1] != '\n' ||
        memcmp(text + len - crc_line, "crc=", 4) != 0 ||
        (len > magic + crc_line && text[len - crc_line - 1] != '\n')) {
        snprintf(err, errlen, "is corrupt (truncated: its last line is not crc=...)");
        return PAS_ERR_ARG;
    }
    uint64_t want = 0;
    if (!parse_hex16(text + len - crc_line + 4, 16, &want)) {
        snprintf(err, errlen, "is corrupt (its crc line is not 16 lowercase hex digits)");
        return PAS_ERR_ARG;
    }
    if (builtin_fnv1a(text, len - crc_line) != want) {
        snprintf(err, errlen,
                 "is corrupt (its checksum does not match its text: edited or damaged)");
        return PAS_ERR_ARG;
    }
    /* key=value lines between the first and the crc line: the identity,
     * then the progress (next_seq, offset, tail), each once */
    static const char *const progress[] = {"next_seq", "offset", "tail"};
    size_t at = magic, end = len - crc_line, ilen = 0;
    int have[3] = {0, 0, 0}, line = 1;
    ck->ident[0] = '\0';
    while (at < end) {
        line++;
        const char *l = text + at;
        const char *nl = memchr(l, '\n', end - at);
        size_t n = (size_t)(nl - l);
        const char *eq = memchr(l, '=', n);
        if (!eq || eq == l) {
            snprintf(err, errlen, "is corrupt (line %d is not key=value)", line);
            return PAS_ERR_ARG;
        }
        size_t klen = (size_t)(eq - l), vlen = n - klen - 1;
        int k = 0;
        while (k < 3 && !(strlen(progress[k]) == klen && memcmp(l, progress[k], klen) == 0))
            k++;
        if (k < 3) {
            if (have[k]) {
                snprintf(err, errlen, "is corrupt (%s appears twice)", progress[k]);
                return PAS_ERR_ARG;
            }
            if (k == 2 ? !parse_hex16(eq + 1, vlen, &ck->tail)
                       : !parse_count(eq + 1, vlen, k == 0 ? &ck->next_seq : &ck->offset)) {
                snprintf(err, errlen, "holds %s=%.*s, which is not %s", progress[k],
                         (int)(vlen < 40 ? vlen : 40), eq + 1,
                         k == 2 ? "16 hex digits" : "a count from 0 to 2^62");
                return PAS_ERR_ARG;
            }
            have[k] = 1;
        } else if (have[0] || have[1] || have[2]) {
            snprintf(err, errlen, "is corrupt (line %d follows the progress lines)", line);
            return PAS_ERR_ARG;
        } else {
            memcpy(ck->ident + ilen, l, n + 1); /* fits: the text does */
            ilen += n + 1;
            ck->ident[ilen] = '\0';
        }
        at += n + 1;
    }
    for (int k = 0; k < 3; k++)
        if (!have[k]) {
            snprintf(err, errlen, "is corrupt (it has no %s line)", progress[k]);
            return PAS_ERR_ARG;
        }
    return PAS_OK;
}

/* the value of `key` in identity lines, and its length; NULL if absent */
static const char *ident_value(const char *ident, const char *key, size_t klen, size_t *vlen)
{
    for (const char *l = ident; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        if (n > klen && l[klen] == '=' && memcmp(l, key, klen) == 0) {
            *vlen = n - klen - 1;
            return l + klen + 1;
        }
        l += n + (nl != NULL);
    }
    return NULL;
}

/* how a key reads in a message */
static const char *key_words(const char *key, size_t klen)
{
    static const char *const words[][2] = {
        {"input", "--input"},
        {"input_kind", "the kind of input"},
        {"input_size", "the input's size"},
        {"input_mtime", "the input's modification time"},
        {"input_head", "the hash of the input's first 64 KiB"},
        {"n", "--n"},
        {"size", "--size"},
        {"seed", "--seed"},
        {"record", "--record"},
        {"transform", "--transform"},
        {"spec", "the spec"},
        {"output", "--output"},
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i][0]) == klen && memcmp(words[i][0], key, klen) == 0)
            return words[i][1];
    return NULL;
}

pas_status builtin_ckpt_match(const builtin_ckpt_t *ck, const char *ident, int gen, uint64_t n,
                              char *err, size_t errlen)
{
    /* every line of each must be in the other with the same value: name the
     * first that differs (this run's lines first, then ones only the file has) */
    const char *sides[2] = {ident, ck->ident};
    for (int side = 0; side < 2; side++) {
        for (const char *l = sides[side]; *l;) {
            const char *nl = strchr(l, '\n');
            size_t len = nl ? (size_t)(nl - l) : strlen(l);
            const char *eq = memchr(l, '=', len);
            size_t klen = eq ? (size_t)(eq - l) : len;
            size_t olen = 0;
            const char *other = ident_value(sides[!side], l, klen, &olen);
            size_t vlen = eq ? len - klen - 1 : 0;
            const char *v = eq ? eq + 1 : "";
            if (!other || olen != vlen || memcmp(other, v, vlen) != 0) {
                char label[64];
                const char *words = key_words(l, klen);
                snprintf(label, sizeof label, "%.*s",
                         words ? (int)strlen(words) : (int)(klen < 40 ? klen : 40),
                         words ? words : l);
                const char *then = side ? v : other, *now = side ? other : v;
                size_t tlen = side ? vlen : olen, nlen = side ? olen : vlen;
                snprintf(err, errlen, "is from another run: %s was '%.*s' there, '%.*s' here",
                         label, then ? (int)(tlen < 100 ? tlen : 100) : 6, then ? then : "absent",
                         now ? (int)(nlen < 100 ? nlen : 100) : 6, now ? now : "absent");
                return PAS_ERR_ARG;
            }
            l += len + (nl != NULL);
        }
    }
    if (gen && ck->next_seq > n) {
        snprintf(err, errlen, "says %llu records are done, more than --n %llu",
                 (unsigned long long)ck->next_seq, (unsigned long long)n);
        return PAS_ERR_ARG;
    }
    if (!gen && ck->next_seq > ck->offset) {
        snprintf(err, errlen,
                 "says %llu records are in the first %llu bytes of the output, which cannot be "
                 "(every record writes at least one byte)",
                 (unsigned long long)ck->next_seq, (unsigned long long)ck->offset);
        return PAS_ERR_ARG;
    }
    return PAS_OK;
}

pas_status builtin_ckpt_tail(const char *path, uint64_t offset, uint64_t *hash, char *err,
                             size_t errlen)
{
    unsigned char buf[BUILTIN_CKPT_TAIL];
    size_t k = offset < sizeof buf ? (size_t)offset : sizeof buf, got = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY), bad = 0;
    if (fd < 0) {
        snprintf(err, errlen, "cannot read partial output %.200s (%s)", path, strerror(errno));
        return PAS_ERR_IO;
    }
    while (got < k) {
        ssize_t r = pread(fd, buf + got, k - got, (off_t)(offset - k + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            bad = errno;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (bad)
        snprintf(err, errlen, "cannot read partial output %.200s (%s)", path, strerror(bad));
    else if (got < k)
        snprintf(err, errlen, "partial output %.200s is shorter than offset %llu", path,
                 (unsigned long long)offset);
    if (got < k)
        return PAS_ERR_IO;
    *hash = builtin_fnv1a(buf, k);
    return PAS_OK;
}

/* ---- paths ----------------------------------------------------------------------- */

void builtin_canonical_dir(const char *path, char *buf, size_t len)
{
    char full[PATH_MAX], dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    const char *base = slash ? slash + 1 : path;
    if (realpath(dir, full))
        snprintf(buf, len, "%s%s%s", full, strcmp(full, "/") ? "/" : "", base);
    else
        snprintf(buf, len, "%s", path);
}

void builtin_canonical(const char *path, char *buf, size_t len)
{
    char full[PATH_MAX];
    if (realpath(path, full))
        snprintf(buf, len, "%s", full);
    else
        builtin_canonical_dir(path, buf, len);
}

/* 1 when name is target, 2 when it is target then one of the suffixes the
 * output's partial and temporary files take, 0 otherwise */
static int output_file(const char *name, const char *target)
{
    static const char *const derived[] = {".part", ".tmp", ".pas-tmp"};
    size_t n = strlen(target);
    if (strncmp(name, target, n) != 0)
        return 0;
    if (name[n] == '\0')
        return 1;
    for (size_t i = 0; i < sizeof derived / sizeof *derived; i++) {
        size_t d = strlen(derived[i]);
        /* the suffix alone or followed by '.' and more (x.tmp.1234) */
        if (strncmp(name + n, derived[i], d) == 0 && (name[n + d] == '\0' || name[n + d] == '.'))
            return 2;
    }
    return 0;
}

int builtin_ckpt_clash(const char *ckpt, const char *output, const char *input)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", ckpt); /* the checkpoint's own temporary name */
    int c = output ? output_file(ckpt, output) : 0;
    if (c)
        return c;
    if (output && output_file(tmp, output))
        return 2;
    if (input && (strcmp(ckpt, input) == 0 || strcmp(tmp, input) == 0))
        return 3;
    return 0;
}

/* ---- before the run --------------------------------------------------------------- */

static const char *transform_name(int t)
{
    return t == BUILTIN_COMPRESS ? "compress" : t == BUILTIN_CHECKSUM ? "checksum" : "none";
}

/* the input's identity: regular files by size, mtime and the hash of their head */
static pas_status input_identity(const char *path, builtin_run_id_t *id, char *err, size_t errlen)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
        id->input_stream = 1;
        return PAS_OK;
    }
    FILE *f = fopen(path, "rb");
    unsigned char *head = malloc(BUILTIN_CKPT_HEAD);
    size_t got = 0;
    int ok = f && head && fstat(fileno(f), &st) == 0;
    if (ok) {
        got = fread(head, 1, BUILTIN_CKPT_HEAD, f);
        ok = !ferror(f);
    }
    if (ok) {
        id->input_size = (uint64_t)st.st_size;
        id->input_mtime_s = (int64_t)st.st_mtim.tv_sec;
        id->input_mtime_ns = (int64_t)st.st_mtim.tv_nsec;
        id->input_head = builtin_fnv1a(head, got);
    } else {
        snprintf(err, errlen, "--input %s: %s; check the path", path,
                 head ? strerror(errno) : "out of memory");
    }
    free(head);
    if (f)
        fclose(f);
    return ok ? PAS_OK : PAS_ERR_ARG;
}

/* the whole checkpoint file (at most BUILTIN_CKPT_MAX + 1 bytes, to tell
 * "too long"); PAS_OK, PAS_ERR_IO when absent */
static pas_status read_small(const char *path, char *buf, size_t cap, size_t *len, char *err,
                             size_t errlen)
{
    /* nonblocking: a FIFO put there since the check must not hang the open */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 && errno == ENOENT)
        return PAS_ERR_IO;
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
        errno = EINVAL;
    }
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "cannot be read (%s)", strerror(errno));
        return PAS_ERR_ARG;
    }
    *len = fread(buf, 1, cap, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "cannot be read (%s)", strerror(errno));
        return PAS_ERR_ARG;
    }
    return PAS_OK;
}

/* an existing path that is not a regular file (a FIFO would block the
 * open, a device cannot be resumed): its kind, else NULL */
static const char *not_regular(const char *path, int follow)
{
    struct stat st;
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0 || S_ISREG(st.st_mode))
        return NULL;
    return S_ISFIFO(st.st_mode)                         ? "a FIFO"
           : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
           : S_ISLNK(st.st_mode)                        ? "a symbolic link"
           : S_ISDIR(st.st_mode)                        ? "a directory"
                                                        : "a special file";
}

void builtin_part_name(const char *output, char *buf, size_t len)
{
    snprintf(buf, len, "%s.part", output);
}

pas_status builtin_ckpt_prepare(const builtin_cfg_t *c, const char *spec, char *ident,
                                uint64_t *next_seq, uint64_t *offset, char *err, size_t errlen)
{
    /* names as given with the directory resolved (what the writes and
     * renames touch: a link there is replaced, not followed) and with every
     * link resolved (what the reads follow); a clash of any two is refused */
    char ck[2][PATH_MAX], out[2][PATH_MAX], in[PATH_MAX], part[PATH_MAX + 8], why[400];
    int reading = c->input != NULL;
    builtin_canonical_dir(c->checkpoint, ck[0], sizeof ck[0]);
    builtin_canonical(c->checkpoint, ck[1], sizeof ck[1]);
    builtin_canonical_dir(c->output, out[0], sizeof out[0]);
    builtin_canonical(c->output, out[1], sizeof out[1]);
    if (reading)
        builtin_canonical(c->input, in, sizeof in);
    builtin_part_name(c->output, part, sizeof part);
    *next_seq = *offset = 0;
    struct stat st;
    if (stat(c->output, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen,
                 "--checkpoint needs a regular --output file to resume, and %.200s is not one; "
                 "write to a file",
                 c->output);
        return PAS_ERR_ARG;
    }
    int clash = 0;
    for (int i = 0; i < 4 && !clash; i++)
        clash =
            builtin_ckpt_clash(ck[i / 2], out[i % 2], reading && strcmp(c->input, "-") ? in : NULL);
    if (clash) {
        static const char partial[] =
            "(or its temporary name, with .tmp added) is one of the output's partial "
            "or temporary names (.part, .tmp, .pas-tmp)";
        const char *what[] = {"", "is the --output file", partial,
                              "(or its temporary name, with .tmp added) is the --input file"};
        snprintf(err, errlen,
                 "--checkpoint %.200s %s: the checkpoint would overwrite it; name it apart, e.g. "
                 "%.200s.ckpt",
                 c->checkpoint, what[clash], c->output);
        return PAS_ERR_ARG;
    }
    const char *const inputs[] = {reading ? c->input : NULL, NULL};
    int rc = pas_path_check_output("--checkpoint", c->checkpoint, inputs, err, errlen);
    if (rc)
        return rc;
    const char *kind = not_regular(c->checkpoint, 1);
    if (kind) {
        snprintf(err, errlen,
                 "--checkpoint %.200s is not a regular file (it is %s); give a file name",
                 c->checkpoint, kind);
        return PAS_ERR_ARG;
    }
    if ((kind = not_regular(part, 0)) != NULL) {
        snprintf(
            err, errlen,
            "--checkpoint: the partial output %.200s is not a regular file (it is %s); remove it "
            "or write to another --output",
            part, kind);
        return PAS_ERR_ARG;
    }
    builtin_run_id_t id = {.input = reading ? in : NULL,
                           .n = c->n,
                           .size = c->size,
                           .seed = c->seed,
                           .record = c->record,
                           .transform = transform_name(c->transform),
                           .spec = spec,
                           .output = out[0]};
    if (reading && strcmp(c->input, "-") == 0)
        id.input = "-";
    if (reading && (rc = input_identity(c->input, &id, err, errlen)) != PAS_OK)
        return rc;
    if ((rc = builtin_ckpt_identity(&id, ident, BUILTIN_CKPT_MAX, err, errlen)) != PAS_OK)
        return rc;

    /* a checkpoint from an interrupted run: resume after its last commit */
    builtin_ckpt_t *saved = malloc(sizeof *saved);
    char *text = malloc(BUILTIN_CKPT_MAX + 1);
    size_t len = 0;
    rc = saved && text
             ? read_small(c->checkpoint, text, BUILTIN_CKPT_MAX + 1, &len, why, sizeof why)
             : PAS_ERR_NOMEM;
    if (rc == PAS_ERR_IO) {
        rc = PAS_OK; /* none: a fresh start */
        goto out;
    }
    if (rc == PAS_OK)
        rc = builtin_ckpt_parse(text, len, saved, why, sizeof why);
    int theirs = rc == PAS_OK; /* a checkpoint, readable: from another run, or impossible */
    if (rc == PAS_OK)
        rc = builtin_ckpt_match(saved, ident, !reading, c->n, why, sizeof why);
    if (rc == PAS_OK && saved->offset > 0 &&
        (stat(part, &st) != 0 || (uint64_t)st.st_size < saved->offset)) {
        snprintf(why, sizeof why, "says %llu bytes are written, but the partial output %.200s %s",
                 (unsigned long long)saved->offset, part,
                 stat(part, &st) != 0 ? "is missing" : "is shorter");
        rc = PAS_ERR_ARG;
    }
    uint64_t tail = 0;
    char tail_err[300];
    /* nothing written (offset 0): nothing to check, and the partial output
     * may be missing */
    if (rc == PAS_OK && saved->offset > 0 &&
        builtin_ckpt_tail(part, saved->offset, &tail, tail_err, sizeof tail_err) != PAS_OK) {
        snprintf(why, sizeof why, "does not fit the partial output: %s", tail_err);
        rc = PAS_ERR_ARG;
    } else if (rc == PAS_OK && saved->offset > 0 && tail != saved->tail) {
        snprintf(why, sizeof why,
                 "does not fit the partial output %.200s: its last bytes before offset %llu "
                 "differ from those committed (another run wrote it?)",
                 part, (unsigned long long)saved->offset);
        rc = PAS_ERR_ARG;
    }
    if (rc == PAS_OK) {
        *next_seq = saved->next_seq;
        *offset = saved->offset;
    } else if (rc == PAS_ERR_NOMEM) {
        snprintf(err, errlen, "no memory to read checkpoint %.200s", c->checkpoint);
    } else {
        snprintf(err, errlen, "checkpoint %.200s %s; %sdelete it and %.200s to start over",
                 c->checkpoint, why, theirs ? "rerun with that run's options and input, or " : "",
                 part);
        rc = PAS_ERR_ARG;
    }
out:
    free(text);
    free(saved);
    return rc;
}
