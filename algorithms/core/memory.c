/* memory.c - how much memory a rank may use: the job's real limit.
 *
 * The smallest of: the node's available memory (MemAvailable) shared by the
 * ranks on the node; the room left in the process's memory cgroup (v2
 * memory.max or v1 memory.limit_in_bytes, less what is in use but not page
 * cache, at every level up to the hierarchy's root) shared by the ranks on
 * the node under that same cgroup; Slurm's SLURM_MEM_PER_NODE, or
 * SLURM_MEM_PER_CPU x SLURM_CPUS_ON_NODE, shared by the job's ranks on the
 * node; and RLIMIT_AS less the address space the process already maps.
 *
 * Everything is read through a reader callback and plain strings, so the
 * unit tests feed it fake /proc and cgroup files.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pas_core.h"

#define TEXT_MAX 65536 /* mountinfo of a busy host fits */

pas_status pas_mem_parse_value(const char *text, uint64_t *out)
{
    while (text && isspace((unsigned char)*text))
        text++;
    if (!text || !*text)
        return PAS_ERR_FORMAT;
    if (strncmp(text, "max", 3) == 0 && (!text[3] || isspace((unsigned char)text[3]))) {
        *out = UINT64_MAX;
        return PAS_OK;
    }
    if (!isdigit((unsigned char)*text))
        return PAS_ERR_FORMAT;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || (*end && !isspace((unsigned char)*end)))
        return PAS_ERR_FORMAT;
    /* cgroup v1 writes "no limit" as LONG_MAX rounded down to a page */
    *out = v >= (1ULL << 62) ? UINT64_MAX : (uint64_t)v;
    return PAS_OK;
}

pas_status pas_mem_stat_get(const char *text, const char *key, uint64_t *out)
{
    size_t k = strlen(key);
    for (const char *l = text; l && *l;) {
        if (strncmp(l, key, k) == 0 && (l[k] == ' ' || l[k] == '\t' || l[k] == ':')) {
            const char *v = l + k + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            char *end;
            errno = 0;
            unsigned long long x = strtoull(v, &end, 10);
            if (end == v || errno)
                return PAS_ERR_FORMAT;
            while (*end == ' ' || *end == '\t')
                end++;
            /* /proc/meminfo and /proc/self/status count in kB */
            *out = strncmp(end, "kB", 2) == 0 ? pas_sat_mul(x, 1024) : (uint64_t)x;
            return PAS_OK;
        }
        l = strchr(l, '\n');
        l = l ? l + 1 : NULL;
    }
    return PAS_ERR_FORMAT;
}

/* Slurm sizes: a count of MiB, or with a K M G T suffix (binary), as --mem. */
static int slurm_size(const char *v, uint64_t *out)
{
    if (!v || !isdigit((unsigned char)*v))
        return PAS_ERR_FORMAT;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    int shift = 20;
    switch (toupper((unsigned char)*end)) {
    case '\0':
        break;
    case 'K':
        shift = 10, end++;
        break;
    case 'M':
        shift = 20, end++;
        break;
    case 'G':
        shift = 30, end++;
        break;
    case 'T':
        shift = 40, end++;
        break;
    default:
        return PAS_ERR_FORMAT;
    }
    if (errno || *end)
        return PAS_ERR_FORMAT;
    *out = pas_sat_mul(x, 1ULL << shift);
    return PAS_OK;
}

uint64_t pas_mem_parse_slurm(const char *per_node, const char *per_cpu, const char *cpus_on_node,
                             const char **from)
{
    uint64_t v, cpus;
    *from = NULL;
    /* 0 means "all the node's memory" to Slurm: no limit of its own */
    if (per_node && *per_node && slurm_size(per_node, &v) == PAS_OK && v > 0) {
        *from = "SLURM_MEM_PER_NODE";
        return v;
    }
    if (per_cpu && *per_cpu && slurm_size(per_cpu, &v) == PAS_OK && v > 0 && cpus_on_node &&
        pas_parse_size(cpus_on_node, &cpus) == PAS_OK && cpus > 0) {
        *from = "SLURM_MEM_PER_CPU x SLURM_CPUS_ON_NODE";
        return pas_sat_mul(v, cpus);
    }
    return UINT64_MAX;
}

/* Copy field `i` (0-based, space-separated) of line `l`, octal escapes
 * (\040 for a space in a mount point) decoded.  Returns 0 if absent. */
static int field(const char *l, int i, char *buf, size_t len)
{
    for (; i > 0; i--) {
        while (*l && *l != ' ' && *l != '\n')
            l++;
        if (*l != ' ')
            return 0;
        l++;
    }
    size_t n = 0;
    while (*l && *l != ' ' && *l != '\n' && n + 1 < len) {
        if (l[0] == '\\' && l[1] >= '0' && l[1] <= '3' && l[2] >= '0' && l[2] <= '7' &&
            l[3] >= '0' && l[3] <= '7') {
            buf[n++] = (char)((l[1] - '0') * 64 + (l[2] - '0') * 8 + (l[3] - '0'));
            l += 4;
        } else {
            buf[n++] = *l++;
        }
    }
    buf[n] = '\0';
    return n > 0;
}

/* Is `opt` one of the comma-separated words of `list`? */
static int has_word(const char *list, const char *opt)
{
    size_t k = strlen(opt);
    for (const char *c = list; c && *c;) {
        const char *comma = strchr(c, ',');
        size_t n = comma ? (size_t)(comma - c) : strlen(c);
        if (n == k && strncmp(c, opt, k) == 0)
            return 1;
        c = comma ? comma + 1 : NULL;
    }
    return 0;
}

/* The mount point and root of the v2 hierarchy (v1: the one with the memory
 * controller), from /proc/self/mountinfo:
 *   ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS */
static int find_mount(const char *mountinfo, int v2, char *mnt, size_t mlen, char *root,
                      size_t rlen)
{
    for (const char *l = mountinfo; l && *l;) {
        const char *dash = strstr(l, " - ");
        const char *eol = strchr(l, '\n');
        if (dash && (!eol || dash < eol)) {
            char type[32], super[512];
            if (field(dash + 3, 0, type, sizeof type) && field(dash + 3, 2, super, sizeof super) &&
                (v2 ? strcmp(type, "cgroup2") == 0
                    : strcmp(type, "cgroup") == 0 && has_word(super, "memory")) &&
                field(l, 3, root, rlen) && field(l, 4, mnt, mlen))
                return 1;
        }
        l = eol ? eol + 1 : NULL;
    }
    return 0;
}

pas_status pas_mem_cgroup_dir(const char *proc_cgroup, const char *mountinfo, int v2, char *dir,
                              size_t len)
{
    /* lines "ID:CONTROLLERS:PATH"; v2 is "0::PATH" */
    for (const char *l = proc_cgroup; l && *l;) {
        const char *c1 = strchr(l, ':');
        const char *eol = strchr(l, '\n');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 && (!eol || c2 < eol)) {
            char ctl[256];
            size_t n = (size_t)(c2 - c1 - 1);
            if (n < sizeof ctl) {
                memcpy(ctl, c1 + 1, n);
                ctl[n] = '\0';
                int match = v2 ? (n == 0 && strncmp(l, "0:", 2) == 0) : has_word(ctl, "memory");
                char path[4096], mnt[1024], root[1024];
                size_t pn = eol ? (size_t)(eol - c2 - 1) : strlen(c2 + 1);
                if (match && pn > 0 && pn < sizeof path && c2[1] == '/') {
                    memcpy(path, c2 + 1, pn);
                    path[pn] = '\0';
                    if (!find_mount(mountinfo, v2, mnt, sizeof mnt, root, sizeof root))
                        return PAS_ERR_FORMAT;
                    const char *rel = path;
                    size_t rn = strlen(root);
                    /* the mount shows a subtree: its root is not part of the path */
                    if (strcmp(root, "/") != 0 && strncmp(path, root, rn) == 0 &&
                        (path[rn] == '/' || !path[rn]))
                        rel = path + rn;
                    int w = snprintf(dir, len, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel);
                    return w > 0 && (size_t)w < len ? PAS_OK : PAS_ERR_OVERFLOW;
                }
            }
        }
        l = eol ? eol + 1 : NULL;
    }
    return PAS_ERR_FORMAT;
}

static long read_at(const pas_mem_sources_t *src, char *buf, size_t len, const char *fmt, ...)
{
    char path[4200];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= sizeof path)
        return -1;
    return src->read(src->ctx, path, buf, len);
}

/* Walk from `dir` up to the mount point `top`, keeping the level with the
 * least room: its limit less its usage (page cache excluded: the kernel
 * reclaims it before it kills). */
static void cgroup_walk(const pas_mem_sources_t *src, int v2, const char *top, const char *dir,
                        pas_mem_probe_t *p)
{
    static const char *const v2files[] = {"memory.max", "memory.current", "file"};
    static const char *const v1files[] = {"memory.limit_in_bytes", "memory.usage_in_bytes",
                                          "total_cache"};
    const char *const *f = v2 ? v2files : v1files;
    char d[4096], buf[4096];
    size_t tn = strlen(top);
    if (snprintf(d, sizeof d, "%s", dir) >= (int)sizeof d)
        return;
    for (;;) {
        uint64_t limit, used = 0, cache = 0;
        if (read_at(src, buf, sizeof buf, "%s/%s", d, f[0]) > 0 &&
            pas_mem_parse_value(buf, &limit) == PAS_OK && limit != UINT64_MAX) {
            if (read_at(src, buf, sizeof buf, "%s/%s", d, f[1]) > 0)
                pas_mem_parse_value(buf, &used);
            if (read_at(src, buf, sizeof buf, "%s/memory.stat", d) > 0 &&
                pas_mem_stat_get(buf, f[2], &cache) != PAS_OK)
                pas_mem_stat_get(buf, "cache", &cache);
            if (used == UINT64_MAX)
                used = 0;
            used = used > cache ? used - cache : 0;
            uint64_t room = limit > used ? limit - used : 0;
            if (room < p->cgroup) {
                char lb[32], ub[32];
                p->cgroup = room;
                snprintf(p->cgroup_dir, sizeof p->cgroup_dir, "%s", d);
                snprintf(p->cgroup_from, sizeof p->cgroup_from,
                         "cgroup %s %s of %.160s: %s, %s in use", v2 ? "v2" : "v1", f[0], d,
                         pas_format_bytes(limit, lb, sizeof lb),
                         pas_format_bytes(used, ub, sizeof ub));
            }
        }
        size_t n = strlen(d);
        if (n <= tn || strncmp(d, top, tn) != 0)
            break;
        char *slash = strrchr(d, '/');
        if (!slash || (size_t)(slash - d) < tn)
            break;
        *slash = '\0';
    }
}

void pas_mem_probe(const pas_mem_sources_t *src, pas_mem_probe_t *p)
{
    memset(p, 0, sizeof *p);
    p->host = p->cgroup = p->slurm = p->rlimit = UINT64_MAX;
    char *text = malloc(TEXT_MAX), *mounts = malloc(TEXT_MAX);
    if (!text || !mounts) {
        free(text);
        free(mounts);
        return;
    }
    uint64_t v;
    if (src->read(src->ctx, "/proc/meminfo", text, TEXT_MAX) > 0 &&
        pas_mem_stat_get(text, "MemAvailable", &v) == PAS_OK)
        p->host = v;

    /* both hierarchies can hold a limit (a hybrid host): each is walked */
    if (src->read(src->ctx, "/proc/self/cgroup", text, TEXT_MAX) > 0 &&
        src->read(src->ctx, "/proc/self/mountinfo", mounts, TEXT_MAX) > 0) {
        for (int v2 = 1; v2 >= 0; v2--) {
            char dir[4096], mnt[1024], root[1024];
            if (pas_mem_cgroup_dir(text, mounts, v2, dir, sizeof dir) == PAS_OK &&
                find_mount(mounts, v2, mnt, sizeof mnt, root, sizeof root))
                cgroup_walk(src, v2, mnt, dir, p);
        }
    }

    p->slurm = pas_mem_parse_slurm(src->slurm_mem_per_node, src->slurm_mem_per_cpu,
                                   src->slurm_cpus_on_node, &p->slurm_from);

    if (src->rlimit_as != UINT64_MAX) {
        uint64_t vm = 0;
        if (src->read(src->ctx, "/proc/self/status", text, TEXT_MAX) > 0)
            pas_mem_stat_get(text, "VmSize", &vm);
        p->rlimit = src->rlimit_as > vm ? src->rlimit_as - vm : 0;
        p->rlimit_as = src->rlimit_as;
    }
    free(text);
    free(mounts);
}

void pas_mem_share(const pas_mem_probe_t *p, int node_ranks, int cgroup_ranks, pas_mem_limit_t *out)
{
    char b[32], per[32];
    uint64_t nr = node_ranks > 0 ? (uint64_t)node_ranks : 1,
             cr = cgroup_ranks > 0 ? (uint64_t)cgroup_ranks : 1;
    out->bytes = UINT64_MAX;
    snprintf(out->from, sizeof out->from, "no limit found");
    if (p->host != UINT64_MAX && p->host / nr < out->bytes) {
        out->bytes = p->host / nr;
        snprintf(out->from, sizeof out->from,
                 "the node's available memory, %s, shared by %llu rank%s",
                 pas_format_bytes(p->host, b, sizeof b), (unsigned long long)nr, nr > 1 ? "s" : "");
    }
    if (p->cgroup != UINT64_MAX && p->cgroup / cr < out->bytes) {
        out->bytes = p->cgroup / cr;
        snprintf(out->from, sizeof out->from, "%s; %s room shared by %llu rank%s", p->cgroup_from,
                 pas_format_bytes(p->cgroup, b, sizeof b), (unsigned long long)cr,
                 cr > 1 ? "s" : "");
    }
    if (p->slurm != UINT64_MAX && p->slurm / nr < out->bytes) {
        out->bytes = p->slurm / nr;
        snprintf(out->from, sizeof out->from, "Slurm's %s, %s per node shared by %llu rank%s",
                 p->slurm_from, pas_format_bytes(p->slurm, b, sizeof b), (unsigned long long)nr,
                 nr > 1 ? "s" : "");
    }
    if (p->rlimit != UINT64_MAX && p->rlimit < out->bytes) {
        out->bytes = p->rlimit;
        snprintf(out->from, sizeof out->from,
                 "RLIMIT_AS (ulimit -v) of %s, %s of it not yet mapped",
                 pas_format_bytes(p->rlimit_as, b, sizeof b),
                 pas_format_bytes(p->rlimit, per, sizeof per));
    }
}

void pas_mem_limit_tighten(pas_mem_limit_t *lim, uint64_t bytes, const char *from)
{
    if (bytes < lim->bytes) {
        lim->bytes = bytes;
        snprintf(lim->from, sizeof lim->from, "%s", from);
    }
}

static long read_file(void *ctx, const char *path, char *buf, size_t len)
{
    (void)ctx;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    return (long)got;
}

void pas_mem_sources_system(pas_mem_sources_t *src)
{
    memset(src, 0, sizeof *src);
    src->read = read_file;
    src->slurm_mem_per_node = getenv("SLURM_MEM_PER_NODE");
    src->slurm_mem_per_cpu = getenv("SLURM_MEM_PER_CPU");
    src->slurm_cpus_on_node = getenv("SLURM_CPUS_ON_NODE");
    struct rlimit rl;
    src->rlimit_as = getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                         ? (uint64_t)rl.rlim_cur
                         : UINT64_MAX;
}
