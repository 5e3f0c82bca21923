/* Unit tests of decomp/: block, block-cyclic, grids, 2D blocks, from tables
 * of synthetic (n, p) cases, edge cases first. */
#include <criterion/criterion.h>
#include <string.h>

#include "pas_decomp.h"

static const struct {
    uint64_t n;
    int p;
} block_cases[] = {
    {0, 1},     {0, 7},       {1, 1},          {1, 7},
    {3, 7},     {6, 7},       {7, 7},          {8, 7},
    {13, 4},    {100, 3},     {1001, 64},      {65536, 1},
    {65537, 2}, {999983, 97}, {1ULL << 40, 7}, {(1ULL << 62) + 5, 1000},
};

Test(decomp_block, ranges_tile_the_index_space_in_order)
{
    for (size_t c = 0; c < sizeof block_cases / sizeof block_cases[0]; c++) {
        uint64_t n = block_cases[c].n, expect_lo = 0, lo_size = n, hi_size = 0;
        int p = block_cases[c].p;
        for (int i = 0; i < p; i++) {
            pas_range_t r = pas_decomp_block_range(n, p, i);
            cr_assert_eq(r.lo, expect_lo, "n=%llu p=%d part %d starts at %llu",
                         (unsigned long long)n, p, i, (unsigned long long)r.lo);
            cr_assert_geq(r.hi, r.lo);
            cr_assert_eq(pas_range_len(r), pas_decomp_block_count(n, p, i));
            uint64_t len = pas_range_len(r);
            lo_size = len < lo_size ? len : lo_size;
            hi_size = len > hi_size ? len : hi_size;
            expect_lo = r.hi;
        }
        cr_assert_eq(expect_lo, n, "parts of n=%llu p=%d end at %llu", (unsigned long long)n, p,
                     (unsigned long long)expect_lo);
        cr_assert_leq(hi_size - lo_size, 1, "unbalanced: n=%llu p=%d", (unsigned long long)n, p);
    }
}

Test(decomp_block, owner_inverts_range)
{
    for (size_t c = 0; c < sizeof block_cases / sizeof block_cases[0]; c++) {
        uint64_t n = block_cases[c].n;
        int p = block_cases[c].p;
        for (int i = 0; i < p; i++) {
            pas_range_t r = pas_decomp_block_range(n, p, i);
            if (r.hi == r.lo)
                continue;
            cr_assert_eq(pas_decomp_block_owner(n, p, r.lo), i);
            cr_assert_eq(pas_decomp_block_owner(n, p, r.hi - 1), i);
            cr_assert_eq(pas_decomp_block_owner(n, p, r.lo + (r.hi - r.lo) / 2), i);
        }
        cr_assert_eq(pas_decomp_block_owner(n, p, n), -1, "index n is owned by nobody");
    }
}

Test(decomp_block, every_index_owned_exhaustively_small)
{
    for (uint64_t n = 0; n < 40; n++)
        for (int p = 1; p < 12; p++)
            for (uint64_t g = 0; g < n; g++) {
                int o = pas_decomp_block_owner(n, p, g);
                pas_range_t r = pas_decomp_block_range(n, p, o);
                cr_assert(g >= r.lo && g < r.hi, "n=%llu p=%d g=%llu owner %d",
                          (unsigned long long)n, p, (unsigned long long)g, o);
            }
}

Test(decomp_cyclic, counts_sum_to_n_and_indices_round_trip)
{
    static const struct {
        uint64_t n, nb;
        int p, first;
    } cases[] = {
        {0, 1, 1, 0},   {0, 4, 3, 1},     {1, 4, 3, 0},      {5, 1, 7, 0},      {13, 4, 2, 1},
        {100, 7, 3, 2}, {1000, 64, 5, 0}, {4096, 256, 4, 3}, {1001, 10, 10, 9},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint64_t n = cases[c].n, nb = cases[c].nb, total = 0;
        int p = cases[c].p, first = cases[c].first;
        uint64_t seen[16] = {0};
        for (int i = 0; i < p; i++)
            total += pas_decomp_cyclic_count(n, nb, p, i, first);
        cr_assert_eq(total, n, "case %zu: counts sum to %llu", c, (unsigned long long)total);
        for (uint64_t g = 0; g < n; g++) {
            int o = pas_decomp_cyclic_owner(g, nb, p, first);
            uint64_t l = pas_decomp_cyclic_g2l(g, nb, p);
            cr_assert_eq(l, seen[o], "case %zu g=%llu: local indices are dense", c,
                         (unsigned long long)g);
            seen[o]++;
            cr_assert_eq(pas_decomp_cyclic_l2g(l, nb, p, o, first), g);
        }
        for (int i = 0; i < p; i++)
            cr_assert_eq(seen[i], pas_decomp_cyclic_count(n, nb, p, i, first));
    }
}

Test(decomp_grid, dims_are_the_most_square_factorisation)
{
    for (int p = 1; p <= 200; p++) {
        int r, c;
        pas_decomp_grid_dims(p, &r, &c);
        cr_assert_eq(r * c, p);
        cr_assert_leq(r, c);
        for (int d = r + 1; d * d <= p; d++)
            cr_assert_neq(p % d, 0, "p=%d: %d divides and is squarer than %d", p, d, r);
    }
    int r, c;
    pas_decomp_grid_dims(7, &r, &c);
    cr_assert(r == 1 && c == 7, "a prime gives 1 x p");
    pas_decomp_grid_dims(16, &r, &c);
    cr_assert(r == 4 && c == 4);
    pas_decomp_grid_dims(12, &r, &c);
    cr_assert(r == 3 && c == 4);
}

Test(decomp_grid, parse_accepts_RxC_only)
{
    int r = 0, c = 0;
    cr_assert_eq(pas_decomp_grid_parse("4x2", &r, &c), PAS_OK);
    cr_assert(r == 4 && c == 2);
    cr_assert_eq(pas_decomp_grid_parse("1X7", &r, &c), PAS_OK);
    cr_assert(r == 1 && c == 7);
    const char *bad[] = {"",      "4",   "4x",   "x2",   "0x3",  "3x0",           "-1x2", "2x-1",
                         "4x2x1", "abc", "4 x2", "+4x2", "4x2 ", "99999999999x1", NULL};
    for (int i = 0; bad[i]; i++)
        cr_assert_eq(pas_decomp_grid_parse(bad[i], &r, &c), PAS_ERR_ARG, "'%s' accepted", bad[i]);
    cr_assert_eq(pas_decomp_grid_parse(NULL, &r, &c), PAS_ERR_ARG);
}

Test(decomp_block2d, blocks_tile_the_matrix)
{
    static const struct {
        uint64_t m, n;
        int rows, cols;
    } cases[] = {
        {1, 1, 1, 1}, {3, 13, 2, 4}, {13, 13, 3, 2}, {0, 5, 2, 2}, {1001, 100, 1, 3}, {5, 5, 4, 4},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint64_t cells = 0;
        for (int r = 0; r < cases[k].rows; r++)
            for (int c = 0; c < cases[k].cols; c++) {
                pas_block2d_t b =
                    pas_decomp_block2d(cases[k].m, cases[k].n, cases[k].rows, cases[k].cols, r, c);
                cr_assert_eq(b.rows.lo, pas_decomp_block_range(cases[k].m, cases[k].rows, r).lo);
                cr_assert_eq(b.cols.hi, pas_decomp_block_range(cases[k].n, cases[k].cols, c).hi);
                cells += pas_range_len(b.rows) * pas_range_len(b.cols);
            }
        cr_assert_eq(cells, cases[k].m * cases[k].n);
    }
}
