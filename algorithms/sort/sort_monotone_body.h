/* sort_monotone_body.h - the presortedness scan, written once for the radix
 * sort of every kind (local_radix_body.h) and for the typed local sort's
 * records seen through their key maps (keys.c).  Instantiated by defining
 * MONO_T (the element), MONO_LESS(a, b) (its order) and MONO_NAME (the
 * function's name), then including this file; it undefines the three.
 *
 * MONO_NAME(a, n): 1 when a[0..n) is sorted (so always for n < 2); -1 when it is
 * non-increasing (and not all equal), and now reversed in place; 0: neither.
 * Blocks of 64 elements without an early exit inside (a loop the compiler
 * vectorises); each scan stops at the first block that rules its order out,
 * at once on random-like inputs. */

/* the cache lines of the block 2 KiB ahead of p, asked for now (one read
 * stream with little work per line outran the hardware prefetchers on the
 * Zen 5 VMs measured); may pass the end, so the address is an integer sum */
#define MONO_PREFETCH(p)                                                                           \
    do {                                                                                           \
        for (size_t q_ = 0; q_ < 64 * sizeof *(p); q_ += 64)                                       \
            __builtin_prefetch((const void *)((uintptr_t)(p) + 2048 + q_));                        \
    } while (0)

static int MONO_NAME(MONO_T *a, size_t n)
{
    if (n < 2)
        return 1;
    size_t i = 1;
    for (; i + 64 <= n; i += 64) {
        int bad = 0;
        MONO_PREFETCH(a + i);
        for (size_t k = i; k < i + 64; k++)
            bad |= MONO_LESS(a[k], a[k - 1]);
        if (bad)
            break;
    }
    while (i < n && !MONO_LESS(a[i], a[i - 1]))
        i++;
    if (i == n)
        return 1;
    size_t j = 1;
    for (; j + 64 <= n; j += 64) {
        int bad = 0;
        MONO_PREFETCH(a + j);
        for (size_t k = j; k < j + 64; k++)
            bad |= MONO_LESS(a[k - 1], a[k]);
        if (bad)
            return 0;
    }
    for (; j < n; j++)
        if (MONO_LESS(a[j - 1], a[j]))
            return 0;
    for (size_t l = 0, r = n - 1; l < r; l++, r--) {
        MONO_T x = a[l];
        a[l] = a[r];
        a[r] = x;
    }
    return -1;
}

#undef MONO_T
#undef MONO_LESS
#undef MONO_NAME
#undef MONO_PREFETCH
