/* pas-scan - distributed prefix sum of a block-decomposed array, verified. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pas_decomp.h"
#include "pas_driver.h"
#include "pas_scan.h"

typedef struct {
    MPI_Comm comm;
    uint64_t *x, *y;
    size_t n;
} scan_run_t;

static int run_scan(void *ctx)
{
    scan_run_t *s = ctx;
    return pas_scan_u64(s->comm, s->x, s->y, s->n);
}

int main(int argc, char **argv)
{
    uint64_t n = 50000000, mem_limit = 0;
    static const pas_prog_info_t info = {
        "pas-scan", "distributed prefix sum over a block-decomposed array", "[options]",
        "Input: x[i] = 1 + hash(seed, i) mod 1000, the same global array at any rank count.\n"
        "Verification: consecutive differences, carries across ranks, total vs an independent "
        "sum."};
    const pas_opt_t table[] = {
        {"n", PAS_OPT_SIZE, &n, "N", "global number of elements", NULL, 0, 0},
        {"mem-limit", PAS_OPT_SIZE, &mem_limit, "BYTES",
         "memory a rank may use (0: the job's limit: node, cgroup, Slurm, ulimit -v)", NULL, 0, 0},
        {0},
    };
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, NULL, &argc, &argv);
    if (code >= 0)
        return code;

    pas_range_t mine = pas_decomp_block_range(n, d.size, d.rank);
    size_t len = (size_t)pas_range_len(mine);
    scan_run_t s = {d.comm, NULL, NULL, len};
    /* pre-flight: x and y, 8 bytes each per element, plus slack for MPI */
    pas_mem_limit_t lim = pas_driver_mem_limit(&d, mem_limit);
    char what[48];
    snprintf(what, sizeof what, "n=%llu", (unsigned long long)n);
    int rc = pas_driver_mem_check(
        &d, pas_sat_add(pas_sat_mul(pas_range_len(mine), 2 * sizeof(uint64_t)), 32u << 20), &lim,
        what, "use more ranks or a smaller --n");
    if (rc == PAS_OK) {
        s.x = malloc(len * sizeof(uint64_t) + 1);
        s.y = malloc(len * sizeof(uint64_t) + 1);
        rc = pas_driver_checkf(
            &d, s.x && s.y ? PAS_OK : PAS_ERR_NOMEM,
            "cannot allocate 2 x %llu elements on this rank; use a smaller --n or more ranks",
            (unsigned long long)pas_range_len(mine));
    }
    char nbuf[32];
    const char *kv[] = {"n", pas_format_size(n, nbuf, sizeof nbuf), NULL};
    if (rc == PAS_OK) {
        pas_driver_banner(&d, "exscan+openmp", kv);
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < len; i++)
            s.x[i] = 1 + pas_mix64(d.opt.seed ^ pas_mix64(mine.lo + i)) % 1000;
        pas_stats_t st;
        rc = pas_driver_check(
            &d, pas_bench_run(d.comm, d.opt.warmup, d.opt.reps, NULL, run_scan, &s, &st),
            "prefix sum failed");
        if (rc == PAS_OK) {
            int v = pas_scan_verify_u64(d.comm, s.x, s.y, len);
            rc = pas_driver_check(&d, v, "verification failed: the prefix sums are wrong");
            char size[64];
            snprintf(size, sizeof size, "n=%s u64", nbuf);
            pas_result_t r = {info.program,
                              "scan",
                              size,
                              d.size,
                              d.machine.threads,
                              st,
                              st.median > 0 ? (double)n / st.median / 1e6 : 0,
                              "Melem/s",
                              rc == PAS_OK ? "PASS" : "FAIL",
                              NULL};
            if (d.rank == 0)
                pas_result_print(stdout, &r, d.opt.json);
        }
    }
    free(s.x);
    free(s.y);
    return pas_driver_end(&d, rc);
}
