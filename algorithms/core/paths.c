/* paths.c - input and output paths checked before any work is done. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pas_core.h"
#include "pas_paths.h"

pas_status pas_path_check_input(const char *opt, const char *path, int allow_stream, uint64_t *size,
                                char *err, size_t errlen)
{
    struct stat st;
    if (!path || !*path) {
        snprintf(err, errlen, "%s needs a file name", opt);
        return PAS_ERR_ARG;
    }
    if (strcmp(path, "-") == 0) {
        if (!allow_stream) {
            snprintf(err, errlen, "%s - (stdin) is not supported here; give a file", opt);
            return PAS_ERR_ARG;
        }
        *size = UINT64_MAX;
        return PAS_OK;
    }
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s %s: %s; check the path", opt, path, strerror(errno));
        return PAS_ERR_ARG;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s %s is a directory; give a file", opt, path);
        return PAS_ERR_ARG;
    }
    int stream = S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode);
    if (stream && !allow_stream) {
        snprintf(err, errlen, "%s %s is a pipe or device; give a regular file", opt, path);
        return PAS_ERR_ARG;
    }
    if (!stream && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s %s is not a regular file; give a file", opt, path);
        return PAS_ERR_ARG;
    }
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s %s: %s; check its permissions", opt, path, strerror(errno));
        return PAS_ERR_ARG;
    }
    *size = stream ? UINT64_MAX : (uint64_t)st.st_size;
    return PAS_OK;
}

void pas_path_dir(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, len, ".");
    else if (slash == path)
        snprintf(dir, len, "/");
    else
        snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

pas_status pas_path_check_output(const char *opt, const char *path, const char *const *inputs,
                                 char *err, size_t errlen)
{
    struct stat st, in;
    if (!path || !*path) {
        snprintf(err, errlen, "%s needs a file name", opt);
        return PAS_ERR_ARG;
    }
    if (strcmp(path, "-") == 0)
        return PAS_OK;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s %s is a directory; give a file name", opt, path);
        return PAS_ERR_ARG;
    }
    for (int i = 0; exists && inputs && inputs[i]; i++)
        if (stat(inputs[i], &in) == 0 && in.st_dev == st.st_dev && in.st_ino == st.st_ino) {
            snprintf(err, errlen,
                     "%s %s is the input file %s; write to another file (the input is "
                     "read while the output is written)",
                     opt, path, inputs[i]);
            return PAS_ERR_ARG;
        }
    if (exists && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))
        return PAS_OK; /* written in place, never renamed over */
    char dir[PATH_MAX];
    pas_path_dir(path, dir, sizeof dir);
    struct stat ds;
    if (stat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode)) {
        snprintf(err, errlen,
                 "%s %s: the directory %s does not exist; create it or choose another path", opt,
                 path, dir);
        return PAS_ERR_ARG;
    }
    /* Probe by creating a file: permission bits do not tell root or
     * read-only file systems apart. */
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/.pas-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) {
        snprintf(err, errlen, "%s %s: cannot create files in %s (%s); choose a writable directory",
                 opt, path, dir, strerror(errno));
        return PAS_ERR_ARG;
    }
    close(fd);
    unlink(probe);
    return PAS_OK;
}
