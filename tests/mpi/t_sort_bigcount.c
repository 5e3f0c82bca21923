/* t_sort_bigcount - the 2^31 boundary of MPI's int counts, for real: every
 * rank sends 2^31 + 7 one-byte elements to every other rank through
 * pas_sort_exchange (default chunking), and checks every byte it receives.
 * Needs about 2 x (2^31 + 7) x (p - 1) bytes per rank: run at 2 ranks. */
#include <stdlib.h>
#include <string.h>

#include "pas_driver.h"
#include "pas_sort.h"
#include "sort_internal.h" /* the module's pieces below its public API */

static unsigned char pattern(int from, int to, uint64_t i)
{
    return (unsigned char)(pas_mix64(((uint64_t)from << 48) ^ ((uint64_t)to << 40) ^ i) >> 56);
}

int main(int argc, char **argv)
{
    uint64_t per_peer = (1ULL << 31) + 7;
    static const pas_prog_info_t info = {"t_sort_bigcount", "exchange of more than 2^31 elements",
                                         "[options]", NULL};
    const pas_opt_t table[] = {
        {"count", PAS_OPT_SIZE, &per_peer, "N", "one-byte elements sent to each other rank", NULL,
         0, 0},
        {0},
    };
    pas_driver_t d;
    int code = pas_driver_begin(&d, &info, table, NULL, &argc, &argv);
    if (code >= 0)
        return code;
    int p = d.size, me = d.rank;
    uint64_t *sc = calloc((size_t)p, sizeof *sc), *rcounts = calloc((size_t)p, sizeof *rcounts);
    for (int r = 0; r < p; r++)
        sc[r] = r == me ? 0 : per_peer;
    size_t total = (size_t)per_peer * (size_t)(p - 1);
    unsigned char *send = malloc(total + 1);
    int rc = pas_driver_checkf(&d, send && sc && rcounts ? PAS_OK : PAS_ERR_NOMEM,
                               "cannot allocate %zu bytes to send", total);
    void *recv = NULL;
    size_t nrecv = 0;
    if (rc == PAS_OK) {
        size_t at = 0;
        for (int r = 0; r < p; r++) {
            if (r == me)
                continue;
#pragma omp parallel for schedule(static)
            for (uint64_t i = 0; i < per_peer; i++)
                send[at + i] = pattern(me, r, i);
            at += per_peer;
        }
        double t0 = MPI_Wtime();
        rc = pas_driver_check(
            &d, pas_sort_exchange(d.comm, 1, send, sc, 0, &recv, &nrecv, rcounts, NULL),
            "the exchange failed");
        double dt = pas_time_max(d.comm, MPI_Wtime() - t0);
        free(send);
        if (rc == PAS_OK) {
            int ok = nrecv == total;
            size_t at2 = 0;
            const unsigned char *in = recv;
            for (int r = 0; ok && r < p; r++) {
                ok &= rcounts[r] == (r == me ? 0 : per_peer);
                if (r == me)
                    continue;
                uint64_t bad = 0;
#pragma omp parallel for schedule(static) reduction(+ : bad)
                for (uint64_t i = 0; i < per_peer; i++)
                    bad += in[at2 + i] != pattern(r, me, i);
                ok &= bad == 0;
                at2 += per_peer;
            }
            rc = pas_driver_checkf(&d, ok ? PAS_OK : PAS_ERR_VERIFY,
                                   "received %zu bytes, expected %zu, or their content is wrong",
                                   nrecv, total);
            if (rc == PAS_OK && me == 0)
                printf("t_sort_bigcount: %d ranks exchanged %llu one-byte elements per pair (2^31 "
                       "+ %lld) in %.2f s: PASS\n",
                       p, (unsigned long long)per_peer, (long long)per_peer - (1LL << 31), dt);
        }
    }
    free(recv);
    free(sc);
    free(rcounts);
    return pas_driver_end(&d, rc);
}
