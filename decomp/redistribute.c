/* redistribute.c - move a distributed matrix between layouts and grids (and
 * transpose it on the way) with one MPI_Alltoallv.
 *
 * Both sides enumerate what travels between a pair of ranks the same way:
 * the elements in the product of a row set and a column set, in increasing
 * global (column, row) order of the source.  Each dimension is bucketed on
 * its own (local indices by the peer's grid coordinate), so the cost is
 * O(lm + ln + local elements) and no index travels. */
#include <stdlib.h>
#include <string.h>

#include "pas_decomp.h"
#include "pas_watch.h"

/* Local indices 0..len of one dimension, bucketed by a peer coordinate:
 * idx[start[c] .. start[c + 1]) holds those mapped to coordinate c, in
 * increasing order. */
typedef struct {
    uint64_t *idx;
    uint64_t *start; /* parts + 1 */
} buckets_t;

static int bucket(uint64_t len, int parts, const int *coord, buckets_t *b)
{
    b->idx = malloc((len + 1) * sizeof(uint64_t));
    b->start = calloc((size_t)parts + 2, sizeof(uint64_t));
    if (!b->idx || !b->start)
        return PAS_ERR_NOMEM;
    for (uint64_t l = 0; l < len; l++)
        b->start[coord[l] + 2]++;
    for (int c = 0; c < parts; c++)
        b->start[c + 2] += b->start[c + 1];
    for (uint64_t l = 0; l < len; l++)
        b->idx[b->start[coord[l] + 1]++] = l;
    return PAS_OK; /* start[c] .. start[c + 1] now delimit bucket c */
}

static void unbucket(buckets_t *b)
{
    free(b->idx);
    free(b->start);
}

static uint64_t bucket_len(const buckets_t *b, int c)
{
    return b->start[c + 1] - b->start[c];
}

pas_status pas_dmatrix_redistribute(MPI_Comm comm, const pas_dmatrix_t *src, const void *a,
                                    const pas_dmatrix_t *dst, void *b, int transpose,
                                    size_t elem_size)
{
    int size, rank;
    pas_status rc = PAS_OK;
    if (MPI_Comm_size(comm, &size) || MPI_Comm_rank(comm, &rank))
        return PAS_ERR_MPI;
    uint64_t dm = transpose ? src->n : src->m, dn = transpose ? src->m : src->n;
    if (dst->m != dm || dst->n != dn || src->rows * src->cols != size ||
        dst->rows * dst->cols != size || src->myrow * src->cols + src->mycol != rank ||
        dst->myrow * dst->cols + dst->mycol != rank)
        return PAS_ERR_ARG;

    /* Source side: a source row goes to a destination grid row (or column,
     * transposed); likewise a source column. */
    int src_row_parts = transpose ? dst->cols : dst->rows,
        src_col_parts = transpose ? dst->rows : dst->cols;
    int dst_row_parts = transpose ? src->cols : src->rows,
        dst_col_parts = transpose ? src->rows : src->cols;
    int *crow = malloc((src->lm + 1) * sizeof(int)), *ccol = malloc((src->ln + 1) * sizeof(int));
    int *drow = malloc((dst->lm + 1) * sizeof(int)), *dcol = malloc((dst->ln + 1) * sizeof(int));
    int *scount = calloc((size_t)size, sizeof(int)), *sdisp = calloc((size_t)size, sizeof(int));
    int *rcount = calloc((size_t)size, sizeof(int)), *rdisp = calloc((size_t)size, sizeof(int));
    buckets_t sr = {0}, sc = {0}, dr = {0}, dc = {0};
    char *sbuf = NULL, *rbuf = NULL;
    MPI_Datatype elem = MPI_DATATYPE_NULL;
    if (!crow || !ccol || !drow || !dcol || !scount || !sdisp || !rcount || !rdisp) {
        rc = PAS_ERR_NOMEM;
        goto agree;
    }
    for (uint64_t l = 0; l < src->lm; l++) {
        uint64_t g = pas_dmatrix_row_l2g(src, l);
        crow[l] = transpose ? pas_dmatrix_col_owner(dst, g) : pas_dmatrix_row_owner(dst, g);
    }
    for (uint64_t l = 0; l < src->ln; l++) {
        uint64_t g = pas_dmatrix_col_l2g(src, l);
        ccol[l] = transpose ? pas_dmatrix_row_owner(dst, g) : pas_dmatrix_col_owner(dst, g);
    }
    /* Destination side: a destination row comes from a source grid row (or
     * column, transposed); likewise a destination column. */
    for (uint64_t l = 0; l < dst->lm; l++) {
        uint64_t g = pas_dmatrix_row_l2g(dst, l);
        drow[l] = transpose ? pas_dmatrix_col_owner(src, g) : pas_dmatrix_row_owner(src, g);
    }
    for (uint64_t l = 0; l < dst->ln; l++) {
        uint64_t g = pas_dmatrix_col_l2g(dst, l);
        dcol[l] = transpose ? pas_dmatrix_row_owner(src, g) : pas_dmatrix_col_owner(src, g);
    }
    if ((rc = bucket(src->lm, src_row_parts, crow, &sr)) ||
        (rc = bucket(src->ln, src_col_parts, ccol, &sc)) ||
        (rc = bucket(dst->lm, dst_row_parts, drow, &dr)) ||
        (rc = bucket(dst->ln, dst_col_parts, dcol, &dc)))
        goto agree;

    uint64_t stotal = 0, rtotal = 0;
    for (int p = 0; p < size; p++) {
        int pr = p / dst->cols, pc = p % dst->cols; /* p in the destination grid */
        int qr = p / src->cols, qc = p % src->cols; /* p in the source grid */
        uint64_t s = transpose ? bucket_len(&sr, pc) * bucket_len(&sc, pr)
                               : bucket_len(&sr, pr) * bucket_len(&sc, pc);
        uint64_t r = transpose ? bucket_len(&dr, qc) * bucket_len(&dc, qr)
                               : bucket_len(&dr, qr) * bucket_len(&dc, qc);
        if (s > INT32_MAX || r > INT32_MAX || stotal + s > INT32_MAX || rtotal + r > INT32_MAX) {
            rc = PAS_ERR_OVERFLOW; /* displacements are ints too */
            goto agree;
        }
        scount[p] = (int)s, sdisp[p] = (int)stotal, stotal += s;
        rcount[p] = (int)r, rdisp[p] = (int)rtotal, rtotal += r;
    }
    sbuf = malloc(stotal * elem_size + 1);
    rbuf = malloc(rtotal * elem_size + 1);
    if (!sbuf || !rbuf) {
        rc = PAS_ERR_NOMEM;
        goto agree;
    }
    /* pack: per destination, source columns outer, rows inner */
    const char *ac = a;
    for (int p = 0; p < size; p++) {
        int pr = p / dst->cols, pc = p % dst->cols;
        int rsel = transpose ? pc : pr, csel = transpose ? pr : pc;
        char *o = sbuf + (size_t)sdisp[p] * elem_size;
        for (uint64_t x = sc.start[csel]; x < sc.start[csel + 1]; x++)
            for (uint64_t y = sr.start[rsel]; y < sr.start[rsel + 1]; y++, o += elem_size)
                memcpy(o, ac + (sr.idx[y] + sc.idx[x] * src->ld) * elem_size, elem_size);
    }
agree:
    /* every rank reaches this point, so a local failure cannot strand the others */
    if ((rc = pas_agree(comm, rc)) != PAS_OK)
        goto out;
    if (size == 1) { /* one rank: what I packed for myself is what I unpack */
        char *t = rbuf;
        rbuf = sbuf, sbuf = t;
        goto unpack;
    }
    if (MPI_Type_contiguous((int)elem_size, MPI_BYTE, &elem) || MPI_Type_commit(&elem)) {
        rc = PAS_ERR_MPI;
        goto out;
    }
    if (PAS_WATCHED("MPI_Alltoallv", -1, -1,
                    MPI_Alltoallv(sbuf, scount, sdisp, elem, rbuf, rcount, rdisp, elem, comm)) !=
        MPI_SUCCESS) {
        rc = PAS_ERR_MPI;
        goto out;
    }
unpack:; /* (a declaration follows: C11 wants a statement after a label) */
    /* unpack in the source's order: its columns are our columns (or rows,
     * transposed), its rows our rows (or columns) */
    char *bc = b;
    for (int q = 0; q < size; q++) {
        int qr = q / src->cols, qc = q % src->cols;
        const char *i = rbuf + (size_t)rdisp[q] * elem_size;
        if (!transpose) {
            for (uint64_t x = dc.start[qc]; x < dc.start[qc + 1]; x++)
                for (uint64_t y = dr.start[qr]; y < dr.start[qr + 1]; y++, i += elem_size)
                    memcpy(bc + (dr.idx[y] + dc.idx[x] * dst->ld) * elem_size, i, elem_size);
        } else { /* source column = our row, source row = our column */
            for (uint64_t x = dr.start[qc]; x < dr.start[qc + 1]; x++)
                for (uint64_t y = dc.start[qr]; y < dc.start[qr + 1]; y++, i += elem_size)
                    memcpy(bc + (dr.idx[x] + dc.idx[y] * dst->ld) * elem_size, i, elem_size);
        }
    }
out:
    if (elem != MPI_DATATYPE_NULL)
        MPI_Type_free(&elem);
    free(sbuf), free(rbuf);
    unbucket(&sr), unbucket(&sc), unbucket(&dr), unbucket(&dc);
    free(crow), free(ccol), free(drow), free(dcol);
    free(scount), free(sdisp), free(rcount), free(rdisp);
    return rc;
}
