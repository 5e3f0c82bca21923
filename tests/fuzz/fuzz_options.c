#define _POSIX_C_SOURCE 200809L
/* libFuzzer harness: argv for a table with every option kind.  The input is
 * split into arguments at '\n' (so values hold other control characters,
 * which the one-line message must not echo raw).  Parsing must never crash, and on failure the
 * message is one line that names the program. */
#include <stdlib.h>
#include <string.h>

#include "pas_core.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[64];
    int argc = 0;
    argv[argc++] = "pas-fuzz";
    for (char *save, *tok = strtok_r(text, "\n", &save); tok && argc < 63;
         tok = strtok_r(NULL, "\n", &save))
        argv[argc++] = tok;
    argv[argc] = NULL;

    int k = 1, flag = 0;
    uint64_t n = 0;
    double x = 0;
    const char *s = NULL, *choice = "a";
    pas_opt_t table[] = {
        {"k", PAS_OPT_INT, &k, "N", "int", NULL, -5, 100},
        {"n", PAS_OPT_SIZE, &n, "N", "size", NULL, 0, 0},
        {"x", PAS_OPT_DOUBLE, &x, "X", "double", NULL, 0, 1},
        {"s", PAS_OPT_STRING, &s, "S", "string", NULL, 0, 0},
        {"c", PAS_OPT_CHOICE, &choice, "C", "choice", "a|bb|ccc", 0, 0},
        {"flag", PAS_OPT_FLAG, &flag, NULL, "flag", NULL, 0, 0},
        {0},
    };
    static const pas_prog_info_t info = {"pas-fuzz", "fuzzing", "[options]", NULL};
    pas_common_opts_t common = {.seed = 1, .reps = 1};
    char err[256] = "";
    int rc = pas_opts_parse(&info, table, &common, argc, argv, err, sizeof err);
    if (rc != PAS_OK && strncmp(err, "pas-fuzz: ", 10) != 0)
        abort();
    for (const char *c = err; rc != PAS_OK && *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\033')
            abort();
    if (rc == PAS_OK && (k < -5 || k > 100 || x < 0 || x > 1))
        abort(); /* out-of-range values must never be accepted */
    free(text);
    return 0;
}
