/* Unit tests of the memory limit: cgroup v1 and v2 files, Slurm's variables,
 * RLIMIT_AS and the host, read from fake /proc and /sys texts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pas_core.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

typedef struct {
    const char *path, *text;
} fake_file_t;

/* The reader over a NULL-terminated table of fake files. */
static long fake_read(void *ctx, const char *path, char *buf, size_t len)
{
    for (const fake_file_t *f = ctx; f->path; f++)
        if (strcmp(f->path, path) == 0) {
            snprintf(buf, len, "%s", f->text);
            return (long)strlen(buf);
        }
    return -1;
}

static pas_mem_sources_t fake(const fake_file_t *files)
{
    pas_mem_sources_t s = {fake_read, (void *)files, NULL, NULL, NULL, UINT64_MAX};
    return s;
}

static const char meminfo[] = "MemTotal:       24000000 kB\nMemFree:        20000000 kB\n"
                              "MemAvailable:   16777216 kB\nBuffers:           1000 kB\n";
static const char mounts_v2[] =
    "22 28 0:21 / /proc rw,nosuid - proc proc rw\n"
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
static const char mounts_v1[] =
    "30 22 0:26 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
    "31 22 0:27 / /sys/fs/cgroup/memory rw shared:9 - cgroup cgroup rw,memory\n"
    "32 22 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

Test(memory, cgroup_values_parse)
{
    uint64_t v = 7;
    cr_assert_eq(pas_mem_parse_value("max\n", &v), PAS_OK);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(pas_mem_parse_value("3221225472\n", &v), PAS_OK);
    cr_assert_eq(v, 3 * GiB);
    cr_assert_eq(pas_mem_parse_value("9223372036854771712\n", &v), PAS_OK); /* v1: no limit */
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(pas_mem_parse_value("0", &v), PAS_OK);
    cr_assert_eq(v, 0);
    static const char *const bad[] = {
        "", "\n", "maximum", "-1", "12abc", "abc", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 7;
        cr_assert_eq(pas_mem_parse_value(bad[i], &v), PAS_ERR_FORMAT, "'%s'", bad[i]);
        cr_assert_eq(v, 7, "'%s' wrote the output", bad[i]);
    }
}

Test(memory, stat_and_meminfo_fields)
{
    uint64_t v = 0;
    cr_assert_eq(pas_mem_stat_get(meminfo, "MemAvailable", &v), PAS_OK);
    cr_assert_eq(v, 16 * GiB);
    cr_assert_eq(pas_mem_stat_get("anon 100\nfile 2048\nfile_mapped 5\n", "file", &v), PAS_OK);
    cr_assert_eq(v, 2048); /* not file_mapped */
    cr_assert_eq(pas_mem_stat_get("cache 1\ntotal_cache 4096\n", "total_cache", &v), PAS_OK);
    cr_assert_eq(v, 4096);
    cr_assert_eq(pas_mem_stat_get("xfile 1\n", "file", &v), PAS_ERR_FORMAT);
    cr_assert_eq(pas_mem_stat_get("VmPeak:  10 kB\nVmSize:\t 2048 kB\n", "VmSize", &v), PAS_OK);
    cr_assert_eq(v, 2 * MiB);
}

Test(memory, slurm_variables)
{
    const char *from = NULL;
    cr_assert_eq(pas_mem_parse_slurm("3072", NULL, NULL, &from), 3 * GiB);
    cr_assert_str_eq(from, "SLURM_MEM_PER_NODE");
    cr_assert_eq(pas_mem_parse_slurm("3G", NULL, NULL, &from), 3 * GiB);
    cr_assert_eq(pas_mem_parse_slurm(NULL, "1024", "4", &from), 4 * GiB);
    cr_assert_str_eq(from, "SLURM_MEM_PER_CPU x SLURM_CPUS_ON_NODE");
    cr_assert_eq(pas_mem_parse_slurm("0", NULL, NULL, &from), UINT64_MAX, "0 is the whole node");
    cr_assert_null(from);
    cr_assert_eq(pas_mem_parse_slurm("lots", NULL, NULL, &from), UINT64_MAX);
    cr_assert_eq(pas_mem_parse_slurm(NULL, "1024", NULL, &from), UINT64_MAX,
                 "per cpu needs the cpu count");
    cr_assert_eq(pas_mem_parse_slurm("99999999999999999999T", NULL, NULL, &from), UINT64_MAX);
    cr_assert_eq(pas_mem_parse_slurm(NULL, NULL, NULL, &from), UINT64_MAX);
}

Test(memory, cgroup_directory_from_proc)
{
    char dir[256];
    cr_assert_eq(pas_mem_cgroup_dir("0::/slurm/job_7/step_0\n", mounts_v2, 1, dir, sizeof dir),
                 PAS_OK);
    cr_assert_str_eq(dir, "/sys/fs/cgroup/slurm/job_7/step_0");
    cr_assert_eq(pas_mem_cgroup_dir("0::/\n", mounts_v2, 1, dir, sizeof dir), PAS_OK);
    cr_assert_str_eq(dir, "/sys/fs/cgroup");
    /* hybrid: memory in v1, with other controllers on the same line */
    const char *hybrid = "9:name=systemd:/\n4:memory,hugetlb:/process_api/abc\n0::/\n";
    cr_assert_eq(pas_mem_cgroup_dir(hybrid, mounts_v1, 0, dir, sizeof dir), PAS_OK);
    cr_assert_str_eq(dir, "/sys/fs/cgroup/memory/process_api/abc");
    cr_assert_eq(pas_mem_cgroup_dir(hybrid, mounts_v1, 1, dir, sizeof dir), PAS_OK);
    cr_assert_str_eq(dir, "/sys/fs/cgroup/unified");
    /* a container's mount shows only its subtree: the root is stripped */
    const char *sub = "40 30 0:26 /kubepods/pod1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n";
    cr_assert_eq(pas_mem_cgroup_dir("0::/kubepods/pod1/c1\n", sub, 1, dir, sizeof dir), PAS_OK);
    cr_assert_str_eq(dir, "/sys/fs/cgroup/c1");
    /* an escaped space in the mount point */
    const char *esc = "40 30 0:26 / /mnt/cg\\040two rw - cgroup2 none rw\n";
    cr_assert_eq(pas_mem_cgroup_dir("0::/a\n", esc, 1, dir, sizeof dir), PAS_OK);
    cr_assert_str_eq(dir, "/mnt/cg two/a");
    /* no such hierarchy, or a path too long for the buffer */
    cr_assert_eq(pas_mem_cgroup_dir("0::/a\n", mounts_v1 + 0, 0, dir, sizeof dir), PAS_ERR_FORMAT);
    cr_assert_eq(pas_mem_cgroup_dir("4:cpu:/a\n", mounts_v1, 0, dir, sizeof dir), PAS_ERR_FORMAT);
    cr_assert_eq(pas_mem_cgroup_dir("0::/a/long/path\n", mounts_v2, 1, dir, 8), PAS_ERR_OVERFLOW);
}

Test(memory, cgroup_v2_walks_up_to_the_tightest_level)
{
    static const fake_file_t fs[] = {
        {"/proc/meminfo", meminfo},
        {"/proc/self/cgroup", "0::/slurm/job_7/step_0\n"},
        {"/proc/self/mountinfo", mounts_v2},
        {"/sys/fs/cgroup/slurm/job_7/step_0/memory.max", "max\n"},
        {"/sys/fs/cgroup/slurm/job_7/memory.max", "3221225472\n"},
        {"/sys/fs/cgroup/slurm/job_7/memory.current", "1073741824\n"},
        {"/sys/fs/cgroup/slurm/job_7/memory.stat", "anon 536870912\nfile 536870912\n"},
        {"/sys/fs/cgroup/slurm/memory.max", "10737418240\n"},
        {"/sys/fs/cgroup/slurm/memory.current", "1073741824\n"},
        {NULL, NULL},
    };
    pas_mem_sources_t src = fake(fs);
    pas_mem_probe_t p;
    pas_mem_probe(&src, &p);
    cr_assert_eq(p.host, 16 * GiB);
    /* 3 GiB less 512 MiB of anonymous memory (the page cache is not counted) */
    cr_assert_eq(p.cgroup, 3 * GiB - 512 * MiB, "room %llu", (unsigned long long)p.cgroup);
    cr_assert_str_eq(p.cgroup_dir, "/sys/fs/cgroup/slurm/job_7");
    cr_assert(strstr(p.cgroup_from, "cgroup v2 memory.max of /sys/fs/cgroup/slurm/job_7"), "%s",
              p.cgroup_from);
    pas_mem_limit_t lim;
    pas_mem_share(&p, 2, 2, &lim);
    cr_assert_eq(lim.bytes, (3 * GiB - 512 * MiB) / 2);
    cr_assert(strstr(lim.from, "cgroup v2") && strstr(lim.from, "shared by 2 ranks"), "%s",
              lim.from);
}

Test(memory, cgroup_v1_limit_in_bytes)
{
    static const fake_file_t fs[] = {
        {"/proc/meminfo", meminfo},
        {"/proc/self/cgroup", "4:memory:/job/a\n0::/\n"},
        {"/proc/self/mountinfo", mounts_v1},
        {"/sys/fs/cgroup/memory/job/a/memory.limit_in_bytes", "2147483648\n"},
        {"/sys/fs/cgroup/memory/job/a/memory.usage_in_bytes", "0\n"},
        {"/sys/fs/cgroup/memory/job/memory.limit_in_bytes", "9223372036854771712\n"},
        {"/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"},
        {NULL, NULL},
    };
    pas_mem_sources_t src = fake(fs);
    pas_mem_probe_t p;
    pas_mem_probe(&src, &p);
    cr_assert_eq(p.cgroup, 2 * GiB);
    pas_mem_limit_t lim;
    pas_mem_share(&p, 4, 1, &lim); /* the other 3 ranks are in other cgroups */
    cr_assert_eq(lim.bytes, 2 * GiB);
    cr_assert(strstr(lim.from, "cgroup v1 memory.limit_in_bytes of /sys/fs/cgroup/memory/job/a"),
              "%s", lim.from);
}

Test(memory, the_smallest_source_binds_and_is_named)
{
    static const fake_file_t fs[] = {{"/proc/meminfo", meminfo}, {NULL, NULL}};
    pas_mem_sources_t src = fake(fs);
    pas_mem_probe_t p;
    pas_mem_limit_t lim;

    pas_mem_probe(&src, &p);
    cr_assert_eq(p.cgroup, UINT64_MAX, "no cgroup files: no cgroup limit");
    pas_mem_share(&p, 4, 4, &lim);
    cr_assert_eq(lim.bytes, 4 * GiB);
    cr_assert(strstr(lim.from, "available memory"), "%s", lim.from);

    src.slurm_mem_per_node = "3072";
    pas_mem_probe(&src, &p);
    pas_mem_share(&p, 2, 2, &lim);
    cr_assert_eq(lim.bytes, 1536 * MiB);
    cr_assert(strstr(lim.from, "SLURM_MEM_PER_NODE"), "%s", lim.from);

    src.rlimit_as = 1 * GiB; /* no /proc/self/status: nothing mapped counted */
    pas_mem_probe(&src, &p);
    pas_mem_share(&p, 2, 2, &lim);
    cr_assert_eq(lim.bytes, 1 * GiB);
    cr_assert(strstr(lim.from, "RLIMIT_AS"), "%s", lim.from);

    pas_mem_limit_tighten(&lim, 100 * MiB, "half the node");
    cr_assert_eq(lim.bytes, 100 * MiB);
    cr_assert_str_eq(lim.from, "half the node");
    pas_mem_limit_tighten(&lim, 200 * MiB, "more");
    cr_assert_eq(lim.bytes, 100 * MiB);
}

Test(memory, rlimit_less_the_mapped_address_space)
{
    static const fake_file_t fs[] = {{"/proc/self/status", "Name: x\nVmSize:   524288 kB\n"},
                                     {NULL, NULL}};
    pas_mem_sources_t src = fake(fs);
    src.rlimit_as = 3 * GiB;
    pas_mem_probe_t p;
    pas_mem_probe(&src, &p);
    cr_assert_eq(p.host, UINT64_MAX);
    cr_assert_eq(p.rlimit, 3 * GiB - 512 * MiB);
    src.rlimit_as = 256 * MiB; /* already over */
    pas_mem_probe(&src, &p);
    cr_assert_eq(p.rlimit, 0);
}

Test(memory, saturating_arithmetic)
{
    cr_assert_eq(pas_sat_mul(1ULL << 61, 8), UINT64_MAX);
    cr_assert_eq(pas_sat_mul(1ULL << 60, 8), 1ULL << 63);
    cr_assert_eq(pas_sat_add(UINT64_MAX - 1, 2), UINT64_MAX);
    cr_assert_eq(pas_sat_scale(1ULL << 63, 2.2), UINT64_MAX);
    cr_assert_eq(pas_sat_scale(UINT64_MAX, 0.5), UINT64_MAX);
    cr_assert_eq(pas_sat_scale(1000, 2.5), 2500);
}
