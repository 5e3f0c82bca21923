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

    static const struct { const char *path; int stream; const char *needle; } bad[] = {
        {"/nonexistent/keys.bin", 0, "No such file"}, {"/tmp", 0, "is a directory"},
        {"-", 0, "stdin"}, {"", 0, "needs a file name"}, {"/dev/null", 0, "pipe or device"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(pas_path_check_input("--in", bad[i].path, bad[i].stream, &size, err, sizeof err),
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
