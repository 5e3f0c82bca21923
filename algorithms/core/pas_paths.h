/* pas_paths.h - pre-flight checks of input and output paths, so that a bad
 * path is a usage error (exit 2) found before any work, and nothing is
 * overwritten or half-written.  All functions are local; drivers call them on
 * one rank and agree with pas_driver_check. */
#ifndef PAS_PATHS_H
#define PAS_PATHS_H

#include <stddef.h>
#include <stdint.h>

#include "pas_core.h"

/* local: an input exists and is readable; a regular file, or with allow_stream a
 * FIFO, character device or "-" (stdin).  *size is its size for a regular
 * file, UINT64_MAX for a stream.  `opt` names the option in the message
 * ("--in").  PAS_OK, or PAS_ERR_ARG with one line in err naming the fix. */
pas_status pas_path_check_input(const char *opt, const char *path, int allow_stream, uint64_t *size,
                                char *err, size_t errlen);

/* local: an output written atomically (temporary name in the same directory, then
 * rename): the directory exists and a file can be created in it (probed,
 * then removed), the path is not a directory, and it is not the same file
 * as any of `inputs` (NULL-terminated, may be NULL; NULL entries skipped).
 * "-" (stdout), and existing FIFOs and character devices (written in
 * place), pass the directory checks.  PAS_OK or PAS_ERR_ARG with err. */
pas_status pas_path_check_output(const char *opt, const char *path, const char *const *inputs,
                                 char *err, size_t errlen);

/* local, pure: the directory part of path ("." when there is none, "/" for
 * a file in the root). */
void pas_path_dir(const char *path, char *dir, size_t len);

#endif
