/* Unit tests of the local matmul kernel: packing, the micro-kernel and edge
 * tiles, and the whole gemm against a naive triple loop, for double and
 * float, all transposes, alpha/beta variants and k = 0. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "matmul_internal.h"
#include "pas_matmul.h"

static double val(uint64_t seed, size_t i, size_t j)
{
    return 2 * pas_unit(pas_mix64(seed ^ pas_mix64(i * 1000003 + j))) - 1;
}

/* C = alpha op(A) op(B) + beta C, the definition. */
static void naive(int ta, int tb, size_t m, size_t n, size_t k, double alpha, const double *a,
                  size_t lda, const double *b, size_t ldb, double beta, double *c, size_t ldc)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) {
            double s = 0;
            for (size_t p = 0; p < k; p++)
                s +=
                    (ta ? a[p + i * lda] : a[i + p * lda]) * (tb ? b[j + p * ldb] : b[p + j * ldb]);
            c[i + j * ldc] = alpha * s + (beta == 0 ? 0 : beta * c[i + j * ldc]);
        }
}

Test(matmul_pack, a_panels_hold_rows_in_order_and_zero_the_edge)
{
    size_t mc = PAS_MR_d + 3, kc = 5, lda = mc + 2;
    for (int ta = 0; ta < 2; ta++) {
        size_t ld = ta ? kc + 1 : lda;
        double *a = malloc(sizeof(double) * ld * (ta ? mc : kc));
        for (size_t i = 0; i < mc; i++)
            for (size_t p = 0; p < kc; p++)
                a[ta ? p + i * ld : i + p * ld] = (double)(i * 100 + p);
        size_t panels = (mc + PAS_MR_d - 1) / PAS_MR_d;
        double *out = malloc(sizeof(double) * panels * PAS_MR_d * kc);
        pas_matmul_pack_a_d(ta, mc, kc, a, ld, out);
        for (size_t q = 0; q < panels; q++)
            for (size_t p = 0; p < kc; p++)
                for (size_t i = 0; i < PAS_MR_d; i++) {
                    size_t gi = q * PAS_MR_d + i;
                    double want = gi < mc ? (double)(gi * 100 + p) : 0;
                    cr_assert_eq(out[q * PAS_MR_d * kc + p * PAS_MR_d + i], want,
                                 "trans=%d panel %zu p=%zu i=%zu", ta, q, p, i);
                }
        free(a);
        free(out);
    }
}

Test(matmul_pack, b_panels_hold_columns_in_order_and_zero_the_edge)
{
    size_t nc = 2 * PAS_NR_d + 1, kc = 7;
    for (int tb = 0; tb < 2; tb++) {
        size_t ld = tb ? nc + 3 : kc + 1;
        double *b = malloc(sizeof(double) * ld * (tb ? kc : nc));
        for (size_t p = 0; p < kc; p++)
            for (size_t j = 0; j < nc; j++)
                b[tb ? j + p * ld : p + j * ld] = (double)(p * 100 + j);
        size_t panels = (nc + PAS_NR_d - 1) / PAS_NR_d;
        double *out = malloc(sizeof(double) * panels * PAS_NR_d * kc);
        pas_matmul_pack_b_d(tb, kc, nc, b, ld, out);
        for (size_t q = 0; q < panels; q++)
            for (size_t p = 0; p < kc; p++)
                for (size_t j = 0; j < PAS_NR_d; j++) {
                    size_t gj = q * PAS_NR_d + j;
                    double want = gj < nc ? (double)(p * 100 + gj) : 0;
                    cr_assert_eq(out[q * PAS_NR_d * kc + p * PAS_NR_d + j], want,
                                 "trans=%d panel %zu p=%zu j=%zu", tb, q, p, j);
                }
        free(b);
        free(out);
    }
}

/* The micro-kernel on a full tile and on every edge shape: only the mr x nr
 * corner of C changes, to beta C + alpha A B. */
Test(matmul_kernel, full_and_edge_tiles_match_the_definition)
{
    enum { MR = PAS_MR_d, NR = PAS_NR_d, KC = 9, LDC = MR + 5 };
    double pa[MR * KC] __attribute__((aligned(64))), pb[NR * KC] __attribute__((aligned(64)));
    for (int p = 0; p < KC; p++) {
        for (int i = 0; i < MR; i++)
            pa[p * MR + i] = val(1, (size_t)i, (size_t)p);
        for (int j = 0; j < NR; j++)
            pb[p * NR + j] = val(2, (size_t)p, (size_t)j);
    }
    /* beta = 1 accumulates, 0.5 scales, 0 must not read C (NaN there) */
    const double betas[] = {1, 0.5, 0};
    for (int bi = 0; bi < 3; bi++)
        for (size_t mr = 1; mr <= MR; mr++)
            for (size_t nr = 1; nr <= NR; nr++) {
                double beta = betas[bi], c[LDC * (NR + 1)];
                for (size_t j = 0; j < NR + 1; j++)
                    for (size_t i = 0; i < LDC; i++)
                        c[i + j * LDC] =
                            beta == 0 && i < mr && j < nr ? NAN : 0.5 * (double)(i + j * LDC);
                pas_matmul_tile_d(KC, pa, pb, -1.5, beta, c, LDC, mr, nr);
                for (size_t j = 0; j < NR + 1; j++)
                    for (size_t i = 0; i < LDC; i++) {
                        double want = 0.5 * (double)(i + j * LDC);
                        if (i < mr && j < nr) {
                            double s = 0;
                            for (int p = 0; p < KC; p++)
                                s += pa[p * MR + i] * pb[p * NR + j];
                            want = (beta == 0 ? 0 : beta * want) - 1.5 * s;
                        }
                        cr_assert(fabs(c[i + j * LDC] - want) < 1e-12,
                                  "beta=%g mr=%zu nr=%zu (%zu,%zu): %g vs %g", beta, mr, nr, i, j,
                                  c[i + j * LDC], want);
                    }
            }
}

static const struct {
    size_t m, n, k;
} shapes[] = {
    {0, 0, 0},  {1, 1, 1},  {3, 3, 3},       {5, 7, 0},      {13, 13, 13},  {17, 15, 300},
    {1, 40, 3}, {40, 1, 3}, {100, 100, 100}, {193, 29, 257}, {31, 4033, 2}, {200, 50, 600},
};

static double check_d(int ta, int tb, size_t m, size_t n, size_t k, double alpha, double beta)
{
    size_t lda = (ta ? k : m) + 3, ldb = (tb ? n : k) + 1, ldc = m + 2;
    double *a = malloc(sizeof(double) * (lda * (ta ? m : k) + 1));
    double *b = malloc(sizeof(double) * (ldb * (tb ? k : n) + 1));
    double *c = malloc(sizeof(double) * (ldc * n + 1)), *r = malloc(sizeof(double) * (ldc * n + 1));
    for (size_t i = 0; i < lda * (ta ? m : k); i++)
        a[i] = val(3, i, 0);
    for (size_t i = 0; i < ldb * (tb ? k : n); i++)
        b[i] = val(4, i, 0);
    for (size_t i = 0; i < ldc * n; i++)
        c[i] = r[i] = beta == 0 ? NAN : val(5, i, 0); /* beta = 0 must not read C */
    cr_assert_eq(pas_matmul_dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc), PAS_OK);
    naive(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, r, ldc);
    double err = 0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < ldc; i++) {
            double d = fabs(c[i + j * ldc] - r[i + j * ldc]);
            if (i >= m) /* padding rows are untouched */
                cr_assert(c[i + j * ldc] == r[i + j * ldc] ||
                          (isnan(c[i + j * ldc]) && isnan(r[i + j * ldc])));
            else if (!(d <= err))
                err = d;
        }
    free(a);
    free(b);
    free(c);
    free(r);
    return err;
}

Test(matmul_gemm, double_matches_the_triple_loop_for_every_shape_and_transpose)
{
    const double ab[][2] = {{1, 0}, {1, 1}, {-0.5, 2}, {0, 3}, {2.5, -1}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++)
            for (size_t v = 0; v < sizeof ab / sizeof ab[0]; v++) {
                double e = check_d(t & 1, t >> 1, shapes[s].m, shapes[s].n, shapes[s].k, ab[v][0],
                                   ab[v][1]);
                cr_assert(e <= 1e-12 * (double)(shapes[s].k + 1),
                          "m=%zu n=%zu k=%zu ta=%d tb=%d alpha=%g beta=%g: error %g", shapes[s].m,
                          shapes[s].n, shapes[s].k, t & 1, t >> 1, ab[v][0], ab[v][1], e);
            }
}

/* The team's work sharing: several A blocks and k steps (600 x 1100), a
 * one-row edge block (257), several NC blocks (n = 8200), at team sizes that
 * leave threads with no block of their own; beta = 0 with NaN in C. */
Test(matmul_gemm, every_team_size_shares_blocks_and_applies_beta_once)
{
    static const struct {
        size_t m, n, k;
    } sh[] = {{600, 40, 1100}, {257, 13, 60}, {9, 8200, 3}, {40, 600, 1100}};
    const double ab[][2] = {{1, 0}, {2.5, -1}, {-1, 1}};
    const int teams[] = {1, 2, 3, 5};
    for (size_t t = 0; t < sizeof teams / sizeof teams[0]; t++) {
        omp_set_num_threads(teams[t]);
        for (size_t s = 0; s < sizeof sh / sizeof sh[0]; s++)
            for (size_t v = 0; v < sizeof ab / sizeof ab[0]; v++) {
                double e = check_d((int)(s & 1), 0, sh[s].m, sh[s].n, sh[s].k, ab[v][0], ab[v][1]);
                cr_assert(e <= 1e-12 * (double)(sh[s].k + 1),
                          "threads=%d m=%zu n=%zu k=%zu alpha=%g beta=%g: error %g", teams[t],
                          sh[s].m, sh[s].n, sh[s].k, ab[v][0], ab[v][1], e);
            }
    }
}

/* The packing buffer kept between calls: callers at once (each with nt = 1
 * inside a parallel region) of growing and shrinking sizes, so that buffers
 * too small are dropped and others handed from thread to thread. */
Test(matmul_gemm, concurrent_callers_each_get_their_own_packing_buffer)
{
    enum { T = 4, ROUNDS = 6 };
    double worst[T] = {0};
    int status[T] = {0};
#pragma omp parallel num_threads(T)
    {
        int t = omp_get_thread_num();
        for (int r = 0; r < ROUNDS; r++) {
            size_t m = 40 + (size_t)((t + r) % 3) * 150, n = 30 + (size_t)t * 7, k = 520 - 90 * r;
            double *a = malloc(sizeof(double) * m * k), *b = malloc(sizeof(double) * k * n);
            double *c = malloc(sizeof(double) * m * n), *w = malloc(sizeof(double) * m * n);
            for (size_t i = 0; i < m * k; i++)
                a[i] = val(10 + (uint64_t)t, i, (size_t)r);
            for (size_t i = 0; i < k * n; i++)
                b[i] = val(20 + (uint64_t)t, i, (size_t)r);
            naive(0, 0, m, n, k, 1, a, m, b, k, 0, w, m);
            for (int rep = 0; rep < 20; rep++) { /* the calls of the threads overlap */
                status[t] |= (int)pas_matmul_dgemm(0, 0, m, n, k, 1, a, m, b, k, 0, c, m);
                for (size_t i = 0; i < m * n; i++)
                    worst[t] = fabs(c[i] - w[i]) > worst[t] ? fabs(c[i] - w[i]) : worst[t];
            }
            free(a), free(b), free(c), free(w);
        }
    }
    for (int t = 0; t < T; t++) {
        cr_assert_eq(status[t], PAS_OK, "thread %d: status %d", t, status[t]);
        cr_assert(worst[t] <= 1e-12 * 521, "thread %d: error %g", t, worst[t]);
    }
}

Test(matmul_gemm, float_matches_the_triple_loop)
{
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++) {
            size_t m = shapes[s].m, n = shapes[s].n, k = shapes[s].k;
            int ta = t & 1, tb = t >> 1;
            size_t lda = ta ? k : m, ldb = tb ? n : k;
            float *a = malloc(sizeof(float) * (m * k + 1)),
                  *b = malloc(sizeof(float) * (k * n + 1));
            float *c = malloc(sizeof(float) * (m * n + 1));
            double *ad = malloc(sizeof(double) * (m * k + 1)),
                   *bd = malloc(sizeof(double) * (k * n + 1));
            double *cd = malloc(sizeof(double) * (m * n + 1));
            for (size_t i = 0; i < m * k; i++)
                ad[i] = a[i] = (float)val(6, i, 1);
            for (size_t i = 0; i < k * n; i++)
                bd[i] = b[i] = (float)val(7, i, 1);
            for (size_t i = 0; i < m * n; i++)
                cd[i] = c[i] = (float)val(8, i, 1);
            cr_assert_eq(pas_matmul_sgemm(ta, tb, m, n, k, 1.5f, a, lda ? lda : 1, b, ldb ? ldb : 1,
                                          -1.0f, c, m ? m : 1),
                         PAS_OK);
            naive(ta, tb, m, n, k, 1.5, ad, lda, bd, ldb, -1.0, cd, m);
            for (size_t i = 0; i < m * n; i++)
                cr_assert(fabs(c[i] - cd[i]) <= 1e-5 * (double)(k + 1),
                          "m=%zu n=%zu k=%zu t=%d i=%zu: %g vs %g", m, n, k, t, i, c[i], cd[i]);
            free(a), free(b), free(c), free(ad), free(bd), free(cd);
        }
}

Test(matmul_gemm, bad_leading_dimension_is_an_argument_error)
{
    double a[4] = {0}, b[4] = {0}, c[4] = {0};
    cr_assert_eq(pas_matmul_dgemm(0, 0, 2, 2, 2, 1, a, 1, b, 2, 0, c, 2), PAS_ERR_ARG);
    cr_assert_eq(pas_matmul_dgemm(0, 0, 2, 2, 2, 1, a, 2, b, 2, 0, c, 1), PAS_ERR_ARG);
}

/* The CBLAS backend (when the build has one) and pas's kernel agree through
 * the same entry point the distributed algorithms use. */
Test(matmul_gemm, cblas_backend_matches_when_built_in)
{
    if (pas_matmul_set_kernel(PAS_MATMUL_KERNEL_CBLAS) != PAS_OK) {
        cr_assert_eq(pas_matmul_kernel(), PAS_MATMUL_KERNEL_PAS);
        return; /* no CBLAS in this build: nothing to compare */
    }
    size_t m = 37, n = 29, k = 41;
    double *a = malloc(sizeof(double) * m * k), *b = malloc(sizeof(double) * k * n);
    double *c = malloc(sizeof(double) * m * n), *r = malloc(sizeof(double) * m * n);
    for (size_t i = 0; i < m * k; i++)
        a[i] = val(9, i, 2);
    for (size_t i = 0; i < k * n; i++)
        b[i] = val(10, i, 2);
    for (size_t i = 0; i < m * n; i++)
        c[i] = r[i] = val(11, i, 2);
    cr_assert_eq(pas_matmul_gemm_any(0, 1, 0, m, n, k, 0.5, a, k, b, k, -2, c, m), PAS_OK);
    pas_matmul_set_kernel(PAS_MATMUL_KERNEL_PAS);
    naive(1, 0, m, n, k, 0.5, a, k, b, k, -2, r, m);
    for (size_t i = 0; i < m * n; i++)
        cr_assert(fabs(c[i] - r[i]) < 1e-12, "element %zu: %g vs %g", i, c[i], r[i]);
    free(a), free(b), free(c), free(r);
}

/* ---- cache blocking from the CPU (pas_matmul_blocks_for) ------------------- */

Test(matmul_blocks, zen_keeps_its_table_and_other_cpus_follow_their_caches)
{
    const size_t table[3] = {256, 512, 4096};
    size_t b[3];
    static const struct {
        pas_matmul_cpu_t cpu;
        size_t elem, mr, want[3];
    } cases[] = {
        /* Zen 4, Zen 5: the table, whatever the caches */
        {{1, 25, 32 << 10, 1 << 20, 32 << 20}, 8, 32, {256, 512, 4096}},
        {{1, 26, 48 << 10, 1 << 20, 32 << 20}, 4, 64, {256, 512, 4096}},
        /* caches unknown: the table */
        {{0, 0, 0, 0, 0}, 8, 32, {256, 512, 4096}},
        {{0, 6, 48 << 10, 0, 0}, 8, 32, {256, 512, 4096}},
        /* this Intel Xeon (48 KiB L1d, 2 MiB L2, 105 MiB L3): B micro-panel
         * in half of L1, A block in half of L2; float's KC capped at 768 */
        {{0, 6, 48 << 10, 2 << 20, 105 << 20}, 8, 32, {256, 512, 4096}},
        {{0, 6, 48 << 10, 2 << 20, 105 << 20}, 4, 64, {320, 768, 4096}},
        /* 32 KiB L1d, 256 KiB L2, 6 MiB L3: KC 336, MC 32, NC 582 */
        {{0, 6, 32 << 10, 256 << 10, 6 << 20}, 8, 32, {32, 336, 582}},
        /* tiny caches: KC at least 128, MC at least one tile, NC from the table */
        {{0, 6, 4 << 10, 4 << 10, 0}, 8, 32, {32, 128, 4096}},
        /* an AMD CPU of another family follows its caches */
        {{1, 23, 32 << 10, 512 << 10, 16 << 20}, 8, 32, {96, 336, 1560}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pas_matmul_blocks_for(&cases[i].cpu, cases[i].elem, cases[i].mr, 6, table, b);
        cr_assert(b[0] == cases[i].want[0] && b[1] == cases[i].want[1] && b[2] == cases[i].want[2],
                  "case %zu: %zu x %zu x %zu, want %zu x %zu x %zu", i, b[0], b[1], b[2],
                  cases[i].want[0], cases[i].want[1], cases[i].want[2]);
        cr_assert_eq(b[0] % cases[i].mr, 0, "case %zu: MC %zu not a multiple of MR", i, b[0]);
    }
}

/* Whatever blocks a machine gets, the product is the same: small and odd
 * blocks (PAS_MATMUL_BLOCKS) against the triple loop, 1 and 3 threads. */
Test(matmul_blocks, any_blocks_give_the_same_product)
{
    static const char *blocks[] = {"32,128,96", "40,37,50", "1,1,1"};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        for (int t = 1; t <= 3; t += 2) {
            setenv("PAS_MATMUL_BLOCKS", blocks[i], 1);
            omp_set_num_threads(t);
            double e = check_d((int)(i & 1), 1, 131, 97, 300, 1.5, i == 1 ? 0 : -0.5);
            unsetenv("PAS_MATMUL_BLOCKS");
            cr_assert(e <= 1e-12 * 301, "blocks %s, %d threads: error %g", blocks[i], t, e);
        }
}

/* ---- the replica choice of auto / 25d ------------------------------------- */

Test(matmul_replicas, words_model_counts_summa_panels_for_one_layer)
{
    /* 8 x 8 grid, n = 2048: each rank receives 7/8 of a 256 x 2048 A row
     * strip and of a 2048 x 256 B column strip (pas-matmul reported 9.175e5) */
    cr_assert_float_eq(pas_matmul_words_model(64, 1, 2048, 2048, 2048), 2 * 256.0 * 2048 * 7 / 8,
                       1);
    cr_assert_eq(pas_matmul_words_model(64, 3, 100, 100, 100), -1);
}

Test(matmul_replicas, auto_picks_layers_at_large_p_and_one_at_small_p)
{
    /* constant flops per rank: n = 2048 (p / 64)^(1/3) */
    cr_assert_eq(pas_matmul_choose_replicas(64, 2048, 2048, 2048, 8, 0), 1);
    int c1024 = pas_matmul_choose_replicas(1024, 5161, 5161, 5161, 8, 0);
    int c4096 = pas_matmul_choose_replicas(4096, 8192, 8192, 8192, 8, 0);
    cr_assert_gt(c1024, 1);
    cr_assert_gt(c4096, 1);
    cr_assert_eq(1024 % c1024, 0);
    cr_assert_leq((long)c4096 * c4096 * c4096, 4096);
    /* the chosen c moves fewer words than one layer and than every other c */
    double w = pas_matmul_words_model(4096, c4096, 8192, 8192, 8192);
    cr_assert_lt(w, 0.9 * pas_matmul_words_model(4096, 1, 8192, 8192, 8192));
    for (int c = 2; c * c * c <= 4096; c++)
        if (4096 % c == 0)
            cr_assert_leq(w, pas_matmul_words_model(4096, c, 8192, 8192, 8192), "c = %d", c);
}

Test(matmul_replicas, memory_limit_keeps_one_layer)
{
    /* a limit that one layer fits but no replicated one does */
    double one = pas_matmul_footprint(4096, 1, 8192, 8192, 8192, 8);
    cr_assert_eq(pas_matmul_choose_replicas(4096, 8192, 8192, 8192, 8, one * 1.01), 1);
    int c = pas_matmul_choose_replicas(4096, 8192, 8192, 8192, 8, one * 64);
    cr_assert_gt(c, 1);
    cr_assert_leq(pas_matmul_footprint(4096, c, 8192, 8192, 8192, 8), one * 64);
}
