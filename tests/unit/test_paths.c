/* Unit tests of the pre-flight path checks: each bad path is refused with a
 * one-line message naming the fix, and the checks leave nothing behind. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pas_core.h"
#include "pas_outfile.h"
#include "pas_paths.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/pas-paths-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static void make_file(const char *name, size_t bytes, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (size_t i = 0; i < bytes; i++)
        fputc((int)i, f);
    fclose(f);
}

static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.' || strncmp(e->d_name, ".pas-probe", 10) == 0;
    closedir(d);
    return n;
}

Test(paths, inputs_exist_are_files_and_report_their_size, .init = setup, .fini = teardown)
{
    char f[128], err[256];
    uint64_t size = 0;
    make_file("keys.bin", 24, f, sizeof f);
    cr_assert_eq(pas_path_check_input("--in", f, 0, &size, err, sizeof err), PAS_OK);
    cr_assert_eq(size, 24);
    cr_assert_eq(pas_path_check_input("--in", "-", 1, &size, err, sizeof err), PAS_OK);
    cr_assert_eq(size, UINT64_MAX);

    static const struct {
        const char *path;
        int stream;
        const char *needle;
    } bad[] = {
        {"/nonexistent/keys.bin", 0, "No such file"},
        {"/tmp", 0, "is a directory"},
        {"-", 0, "stdin"},
        {"", 0, "needs a file name"},
        {"/dev/null", 0, "pipe or device"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(
            pas_path_check_input("--in", bad[i].path, bad[i].stream, &size, err, sizeof err),
            PAS_ERR_ARG, "'%s' accepted", bad[i].path);
        cr_assert(strstr(err, bad[i].needle), "'%s': %s", bad[i].path, err);
        cr_assert(strstr(err, "--in"), "names the option: %s", err);
        cr_assert_null(strchr(err, '\n'));
    }
    cr_assert_eq(pas_path_check_input("--input", "/dev/null", 1, &size, err, sizeof err), PAS_OK);
}

Test(paths, outputs_need_a_writable_directory_and_not_the_input, .init = setup, .fini = teardown)
{
    char in[128], out[128], err[256];
    make_file("in.bin", 8, in, sizeof in);
    snprintf(out, sizeof out, "%s/out.bin", dir);
    const char *inputs[] = {in, NULL};
    cr_assert_eq(pas_path_check_output("--out", out, inputs, err, sizeof err), PAS_OK, "%s", err);
    cr_assert_eq(pas_path_check_output("--out", "-", inputs, err, sizeof err), PAS_OK);
    cr_assert_eq(entries(), 1, "the probe left something behind");

    char same[160];
    snprintf(same, sizeof same, "%s/./in.bin", dir); /* the same file by another name */
    static const char *needles[] = {"is the input file", "is a directory", "does not exist",
                                    "cannot create files"};
    const char *bad[] = {same, dir, "/nonexistent-dir/out.bin", "/proc/pas-out.bin"};
    for (int i = 0; i < 4; i++) {
        err[0] = '\0';
        cr_assert_eq(pas_path_check_output("--out", bad[i], inputs, err, sizeof err), PAS_ERR_ARG,
                     "'%s' accepted", bad[i]);
        cr_assert(strstr(err, needles[i]), "'%s': %s", bad[i], err);
        cr_assert_null(strchr(err, '\n'));
    }
    struct stat st;
    cr_assert_eq(stat(in, &st), 0);
    cr_assert_eq(st.st_size, 8, "the input was not touched");
}

Test(paths, the_directory_of_a_path)
{
    static const struct {
        const char *path, *dir;
    } cases[] = {
        {"out.bin", "."},     {"/out.bin", "/"}, {"a/b/out.bin", "a/b"},
        {"/a/out.bin", "/a"}, {"a/", "a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char d[64];
        pas_path_dir(cases[i].path, d, sizeof d);
        cr_assert_str_eq(d, cases[i].dir, "'%s'", cases[i].path);
    }
}

/* The temporary name of an output and its parse: what the stale scan keys on. */
Test(paths, temporary_names_carry_host_and_pid_and_parse_back)
{
    char t[128], host[64];
    long pid = 0;
    cr_assert_eq(pas_outfile_tmp_name("/d/out.bin", "node-1.cluster", 4242, 0xbeef, t, sizeof t),
                 PAS_OK);
    cr_assert_str_eq(t, "/d/out.bin.pas-tmp.node-1.cluster.4242.0000beef");
    cr_assert_eq(pas_outfile_tmp_parse("out.bin", t + 3, host, sizeof host, &pid), 1);
    cr_assert_str_eq(host, "node-1.cluster");
    cr_assert_eq(pid, 4242);
    cr_assert_eq(pas_outfile_tmp_name("/d/out.bin", "h", 1, 1, t, 20), PAS_ERR_OVERFLOW,
                 "a name that does not fit");

    /* older pas versions: reported, never removed (kind 2) */
    cr_assert_eq(pas_outfile_tmp_parse("out.bin", "out.bin.pas-tmp", host, sizeof host, &pid), 2);
    cr_assert_eq(pid, -1);
    cr_assert_eq(pas_outfile_tmp_parse("out.bin", "out.bin.tmp.77", host, sizeof host, &pid), 2);
    cr_assert_eq(pid, 77);

    /* not ours: another output, a prefix, damaged suffixes */
    static const char *other[] = {
        "out.bin",                       /* the output itself */
        "out.bin2.pas-tmp.h.1.0000beef", /* another output whose name starts the same */
        "xout.bin.pas-tmp.h.1.0000beef", /* ... or ends the same */
        "out.bin.pas-tmp.h.1.beef",      /* short random part */
        "out.bin.pas-tmp.h.1.0000BEEF",  /* not lower-case hex */
        "out.bin.pas-tmp.h.x1.0000beef", /* pid not a number */
        "out.bin.pas-tmp.h.0.0000beef",  /* pid 0 */
        "out.bin.pas-tmp.1.0000beef",    /* no host */
        "out.bin.pas-tmp..1.0000beef",   /* empty host */
        "out.bin.pas-tmp.h.99999999999999999999.0000beef", /* pid overflows */
        "out.bin.tmp.",                                    /* old form without a pid */
        "out.bin.tmp.12x",
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        cr_assert_eq(pas_outfile_tmp_parse("out.bin", other[i], host, sizeof host, &pid), 0,
                     "'%s' taken as ours", other[i]);
    /* a host name too long for the caller's buffer is not ours either */
    cr_assert_eq(
        pas_outfile_tmp_parse("o", "o.pas-tmp.a-very-long-host-name.5.0000beef", host, 8, &pid), 0);
}
