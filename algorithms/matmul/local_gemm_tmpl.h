/* local_gemm_tmpl.h - the local kernel for one element type T, instantiated
 * by local_gemm.c through matmul_instance.h once per entry (T, SFX) of
 * PAS_MATMUL_TYPES; the register tile MR x NR and the default cache blocks
 * come from PAS_MR##SFX, ... (matmul_internal.h).
 *
 * Loops (BLIS's five around the micro-kernel):
 *   jc over NC columns of C   - B block KC x NC, packed once by the team
 *     pc over KC of k         - (the packed B block lives in L3)
 *       ic over MC rows       - a thread claims and packs an A block (L2)
 *         jr over NR columns  - runs of panels, shared once blocks run out
 *           ir over MR rows   - the micro-kernel: MR x NR accumulators
 */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SFX)
#define MR CAT(PAS_MR, SFX)
#define NR CAT(PAS_NR, SFX)
#define KCDEF CAT(PAS_KC, SFX)
#define MCDEF CAT(PAS_MC, SFX)
#define NCDEF CAT(PAS_NC, SFX)
#define VLEN (PAS_VBYTES / (int)sizeof(T))
#define MV (MR / VLEN)

typedef T FN(vec) __attribute__((vector_size(PAS_VBYTES)));
typedef T FN(uvec) __attribute__((vector_size(PAS_VBYTES), aligned(sizeof(T))));

/* op(A)(i, p) is a[i + p*lda], or a[p + i*lda] transposed. */
void FN(pas_matmul_pack_a)(int trans, size_t mc, size_t kc, const T *a, size_t lda, T *out)
{
    for (size_t i0 = 0; i0 < mc; i0 += MR) {
        size_t mr = mc - i0 < MR ? mc - i0 : MR;
        T *restrict dst = out + i0 * kc;
        if (!trans) {
            for (size_t p = 0; p < kc; p++) {
                const T *restrict src = a + i0 + p * lda;
                size_t i = 0;
                for (; i < mr; i++)
                    dst[p * MR + i] = src[i];
                for (; i < MR; i++)
                    dst[p * MR + i] = 0;
            }
        } else {
            for (size_t i = 0; i < mr; i++) {
                const T *restrict src = a + (i0 + i) * lda;
                for (size_t p = 0; p < kc; p++)
                    dst[p * MR + i] = src[p];
            }
            for (size_t i = mr; i < MR; i++)
                for (size_t p = 0; p < kc; p++)
                    dst[p * MR + i] = 0;
        }
    }
}

/* op(B)(p, j) is b[p + j*ldb], or b[j + p*ldb] transposed; panels [lo, hi). */
static void FN(pack_b_panels)(int trans, size_t kc, size_t nc, const T *b, size_t ldb, T *out,
                              size_t lo, size_t hi)
{
    for (size_t q = lo; q < hi; q++) {
        size_t j0 = q * NR, nr = nc - j0 < NR ? nc - j0 : NR;
        T *restrict dst = out + j0 * kc;
        if (!trans && nr == NR) {
            /* NR read streams, one sequential write stream */
            const T *restrict src = b + j0 * ldb;
            for (size_t p = 0; p < kc; p++)
#pragma GCC unroll 32
                for (size_t j = 0; j < NR; j++)
                    dst[p * NR + j] = src[p + j * ldb];
        } else if (!trans) {
            for (size_t j = 0; j < nr; j++) {
                const T *restrict src = b + (j0 + j) * ldb;
                for (size_t p = 0; p < kc; p++)
                    dst[p * NR + j] = src[p];
            }
            for (size_t j = nr; j < NR; j++)
                for (size_t p = 0; p < kc; p++)
                    dst[p * NR + j] = 0;
        } else {
            for (size_t p = 0; p < kc; p++) {
                const T *restrict src = b + j0 + p * ldb;
                size_t j = 0;
                for (; j < nr; j++)
                    dst[p * NR + j] = src[j];
                for (; j < NR; j++)
                    dst[p * NR + j] = 0;
            }
        }
    }
}

void FN(pas_matmul_pack_b)(int trans, size_t kc, size_t nc, const T *b, size_t ldb, T *out)
{
    FN(pack_b_panels)(trans, kc, nc, b, ldb, out, 0, (nc + NR - 1) / NR);
}

/* The micro-kernel: C (ldc) = beta C + alpha * pa * pb over kc, a full MR x NR
 * tile.  The accumulators are an array the compiler keeps in registers (fully
 * unrolled); with -ffp-contract=fast each update is one FMA with the B value
 * broadcast from memory.  Each iteration also prefetches the B row PAS_PF_B
 * rows ahead: the A micro-panel streaming through L1 evicts B between tiles,
 * so B comes from L2 (L3 for a block's first tile), and the hardware
 * prefetchers follow the A stream, not B's.  The mode is a constant at each
 * call site, so each becomes its own specialised loop:
 *   0: C = alpha AB (beta = 0: C is not read, as BLAS defines it)
 *   1: C += alpha AB
 *   2: C = beta C + alpha AB */
static inline __attribute__((always_inline)) void FN(ukernel)(int mode, size_t kc,
                                                              const T *restrict pa,
                                                              const T *restrict pb, T alpha, T beta,
                                                              T *restrict c, size_t ldc)
{
    FN(vec) acc[NR][MV];
    if (mode != 0) {
#pragma GCC unroll 32
        for (int j = 0; j < NR; j++) /* the C tile arrives while we multiply */
#pragma GCC unroll 8
            for (int i = 0; i < MR; i += 64 / (int)sizeof(T))
                __builtin_prefetch(c + j * ldc + i, 1, 3);
#pragma GCC unroll 32
        for (int j = 0; j < NR; j++)
            __builtin_prefetch(c + j * ldc + MR - 1, 1, 3);
    }
#pragma GCC unroll 32
    for (int j = 0; j < NR; j++)
#pragma GCC unroll 4
        for (int v = 0; v < MV; v++)
            acc[j][v] = (FN(vec)){0};
    for (size_t p = 0; p < kc; p++) {
        FN(vec) av[MV];
        __builtin_prefetch((const void *)((uintptr_t)pb + (p + PAS_PF_B) * NR * sizeof(T)), 0,
                           3); /* may pass the end */
#pragma GCC unroll 4
        for (int v = 0; v < MV; v++)
            av[v] = *(const FN(vec) *)(pa + p * MR + v * VLEN);
#pragma GCC unroll 32
        for (int j = 0; j < NR; j++) {
            T bj = pb[p * NR + j];
#pragma GCC unroll 4
            for (int v = 0; v < MV; v++)
                acc[j][v] += av[v] * bj;
        }
    }
#pragma GCC unroll 32
    for (int j = 0; j < NR; j++)
#pragma GCC unroll 4
        for (int v = 0; v < MV; v++) {
            FN(uvec) *cp = (FN(uvec) *)(c + j * ldc + v * VLEN);
            if (mode == 0)
                *cp = acc[j][v] * alpha;
            else if (mode == 1)
                *cp += acc[j][v] * alpha;
            else
                *cp = *cp * beta + acc[j][v] * alpha;
        }
}

void FN(pas_matmul_tile)(size_t kc, const T *pa, const T *pb, T alpha, T beta, T *c, size_t ldc,
                         size_t mr, size_t nr)
{
    if (mr == MR && nr == NR) {
        if (beta == 0)
            FN(ukernel)(0, kc, pa, pb, alpha, beta, c, ldc);
        else if (beta == 1)
            FN(ukernel)(1, kc, pa, pb, alpha, beta, c, ldc);
        else
            FN(ukernel)(2, kc, pa, pb, alpha, beta, c, ldc);
        return;
    }
    T tmp[MR * NR] __attribute__((aligned(64)));
    FN(ukernel)(0, kc, pa, pb, alpha, beta, tmp, MR);
    for (size_t j = 0; j < nr; j++)
        for (size_t i = 0; i < mr; i++)
            c[i + j * ldc] = beta == 0 ? tmp[i + j * MR] : beta * c[i + j * ldc] + tmp[i + j * MR];
}

/* ir and jr loops over the NR panels [q0, q1) of one packed A block and B block. */
static void FN(macro)(size_t mc, size_t nc, size_t kc, const T *pa, const T *pb, T alpha, T beta,
                      T *c, size_t ldc, size_t q0, size_t q1)
{
    for (size_t q = q0; q < q1; q++) {
        size_t j0 = q * NR, nr = nc - j0 < NR ? nc - j0 : NR;
        for (size_t i0 = 0; i0 < mc; i0 += MR) {
            size_t mr = mc - i0 < MR ? mc - i0 : MR;
            FN(pas_matmul_tile)
            (kc, pa + i0 * kc, pb + j0 * kc, alpha, beta, c + i0 + j0 * ldc, ldc, mr, nr);
        }
    }
}

/* The work of one k step on a jc block, as every thread of the team sees it. */
typedef struct {
    size_t m, mc_max, nc, kc, npan, run; /* rows, MC, columns, k, NR panels, panels per run */
    uint32_t nruns;
    const T *pb; /* the packed B block */
    T alpha, beta;
    T *c; /* C at (0, jc) */
    size_t ldc;
} FN(kstep_t);

/* Claim and multiply runs of the A block published in *slot, packed at apack,
 * until none is left: 0, or 1 if its owner is still claiming or packing one
 * (the caller comes back later). */
static int FN(drain)(const FN(kstep_t) * w, uint64_t *slot, const T *apack)
{
    uint32_t r;
    size_t blk;
    while ((r = claim_run(slot, w->nruns, &blk)) != SLOT_DONE) {
        if (r == SLOT_PACKING)
            return 1;
        size_t ic = blk * w->mc_max, mc = w->m - ic < w->mc_max ? w->m - ic : w->mc_max;
        size_t q0 = r * w->run, q1 = q0 + w->run < w->npan ? q0 + w->run : w->npan;
        FN(macro)(mc, w->nc, w->kc, apack, w->pb, w->alpha, w->beta, w->c + ic, w->ldc, q0, q1);
    }
    return 0;
}

static size_t FN(round_up)(size_t x, size_t to)
{
    return (x + to - 1) / to * to;
}

/* local: the whole kernel for this type (pas_matmul_dgemm / sgemm). */
static pas_status FN(gemm)(int ta, int tb, size_t m, size_t n, size_t k, T alpha, const T *a,
                           size_t lda, const T *b, size_t ldb, T beta, T *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return PAS_OK;
    if (ldc < m || (k > 0 && (lda < (ta ? k : m) || ldb < (tb ? n : k))))
        return PAS_ERR_ARG;
    int multiply = k > 0 && alpha != 0;
    int nt = 1;
#ifdef _OPENMP
    nt = omp_in_parallel() ? 1 : omp_get_max_threads();
#endif
    if ((double)m * n * (k + 1) < 2e5)
        nt = 1; /* a team costs more than it saves */
    /* Block sizes: this CPU's (the table's on Zen 4 and Zen 5, else from its
     * cache sizes), or PAS_MATMUL_BLOCKS="MC,KC,NC" (tuning); then evened out
     * so that no block is a sliver (n = 4096 with NC = 4032 would leave a
     * 64-column block). */
    size_t MC, KC, NC;
    pas_matmul_blocks(sizeof(T), MR, NR, (const size_t[3]){MCDEF, KCDEF, NCDEF}, &MC, &KC, &NC);
    size_t kblocks = (k + KC - 1) / KC, nblocks = (n + NC - 1) / NC;
    if (kblocks)
        KC = (k + kblocks - 1) / kblocks;
    NC = FN(round_up)((n + nblocks - 1) / nblocks, NR);
    size_t kcap = multiply ? (k < KC ? k : KC) : 0;
    size_t ncap = FN(round_up)(n < NC ? n : NC, NR);
    size_t mcap = FN(round_up)(m < MC ? m : MC, MR);
    /* one buffer (kept from the last call when large enough): the B block,
     * each thread's A block, and each thread's slot (its published A block
     * and next run, a cache line each) */
    T *pb = NULL, *pa = NULL;
    uint64_t *slot = NULL;
    void *buf = NULL;
    size_t bbytes = FN(round_up)(kcap * ncap * sizeof(T), 64);
    size_t abytes = FN(round_up)(kcap * mcap * sizeof(T), 64);
    if (multiply) {
        if (!(buf = buffer_take(bbytes + (abytes + 64) * (size_t)nt)))
            return PAS_ERR_NOMEM;
        pb = buf;
        pa = (T *)((char *)buf + bbytes);
        slot = (uint64_t *)((char *)pa + abytes * (size_t)nt);
        for (int t = 0; t < nt; t++)
            slot[(size_t)t * 8] = SLOT_NONE;
    }
    size_t astride = abytes / sizeof(T);
    size_t next_b = 0, next_ic = 0; /* work counters the team claims from */
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int tid = 0, team = 1; /* the team granted may be smaller than nt
                                  (OMP_THREAD_LIMIT, OMP_DYNAMIC) */
#ifdef _OPENMP
        tid = omp_get_thread_num();
        team = omp_get_num_threads();
#endif
        if (beta != 1 && !multiply) { /* else the first k block applies beta */
            pas_range_t cols = pas_decomp_block_range(n, team, tid);
            for (size_t j = cols.lo; j < cols.hi; j++) {
                T *cj = c + j * ldc;
                if (beta == 0)
                    for (size_t i = 0; i < m; i++)
                        cj[i] = 0;
                else
                    for (size_t i = 0; i < m; i++)
                        cj[i] *= beta;
            }
        }
        if (multiply) {
            T *mya = pa + (size_t)tid * astride;
            size_t nic = (m + MC - 1) / MC;
            for (size_t jc = 0; jc < n; jc += NC) {
                size_t nc = n - jc < NC ? n - jc : NC;
                size_t npan = (nc + NR - 1) / NR, chunk = npan / (size_t)(4 * team) + 1;
                /* the unit of work on an A block: a run of NR panels, small
                 * enough that the last block of a k step can be shared */
                size_t run = npan / (size_t)(4 * team);
                run = run < 1 ? 1 : run > 8 ? 8 : run;
                uint32_t nruns = (uint32_t)((npan + run - 1) / run);
                for (size_t pc = 0; pc < k; pc += KC) {
                    size_t kc = k - pc < KC ? k - pc : KC;
                    __atomic_store_n(&slot[(size_t)tid * 8], SLOT_NONE, __ATOMIC_RELAXED);
                    /* pack B by claimed chunks of panels */
                    for (;;) {
                        size_t lo = __atomic_fetch_add(&next_b, chunk, __ATOMIC_RELAXED);
                        if (lo >= npan)
                            break;
                        FN(pack_b_panels)
                        (tb, kc, nc, tb ? b + jc + pc * ldb : b + pc + jc * ldb, ldb, pb, lo,
                         lo + chunk < npan ? lo + chunk : npan);
                    }
#pragma omp barrier
                    if (tid == 0)
                        next_b = 0; /* nobody reads it again before the next barrier */
                    /* Threads claim A blocks one at a time (a thread the OS
                     * preempts holds back nobody but itself), pack them, and
                     * publish them in their slot; runs of panels are claimed
                     * from the slot.  When no block is left, a thread helps
                     * with the others' blocks, reading their packed A: so
                     * the team reaches the barrier together, and m < MC x
                     * threads still uses every thread.  An owner never packs
                     * again while helped: helping starts only once every
                     * block of this k step has been claimed.  SLOT_CLAIMING,
                     * stored before the claim (all sequentially consistent),
                     * makes a helper wait for an owner that has claimed a
                     * block but not yet said so. */
                    /* the first k step applies beta */
                    FN(kstep_t)
                    w = {m,
                         MC,
                         nc,
                         kc,
                         npan,
                         run,
                         nruns,
                         pb,
                         alpha,
                         pc == 0 ? beta : 1,
                         c + jc * ldc,
                         ldc};
                    for (;;) {
                        __atomic_store_n(&slot[(size_t)tid * 8], SLOT_CLAIMING, __ATOMIC_SEQ_CST);
                        size_t blk = __atomic_fetch_add(&next_ic, 1, __ATOMIC_SEQ_CST);
                        if (blk >= nic) {
                            __atomic_store_n(&slot[(size_t)tid * 8], SLOT_NONE, __ATOMIC_SEQ_CST);
                            break;
                        }
                        size_t ic = blk * MC, mc = m - ic < MC ? m - ic : MC;
                        __atomic_store_n(&slot[(size_t)tid * 8], (uint64_t)blk << 32 | SLOT_PACKING,
                                         __ATOMIC_RELAXED);
                        FN(pas_matmul_pack_a)
                        (ta, mc, kc, ta ? a + pc + ic * lda : a + ic + pc * lda, lda, mya);
                        __atomic_store_n(&slot[(size_t)tid * 8], (uint64_t)blk << 32,
                                         __ATOMIC_RELEASE);
                        FN(drain)(&w, &slot[(size_t)tid * 8], mya);
                    }
                    for (int busy = 1; busy;) { /* help until every block is done or taken */
                        busy = 0;
                        for (int o = 1; o < team; o++) {
                            int owner = (tid + o) % team;
                            if (FN(drain)(&w, &slot[(size_t)owner * 8],
                                          pa + (size_t)owner * astride)) {
                                busy = 1;      /* the owner claims or packs a block: wait */
                                sched_yield(); /* it may share our core */
                            }
                        }
                    }
#pragma omp barrier
                    if (tid == 0)
                        next_ic = 0; /* claims resume only after the next pack barrier */
                }
            }
        }
    }
    buffer_give(buf);
    return PAS_OK;
}

#undef VLEN
#undef MV
#undef FN
#undef CAT
#undef CAT_
#undef MR
#undef NR
#undef KCDEF
#undef MCDEF
#undef NCDEF
