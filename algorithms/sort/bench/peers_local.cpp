// peers_local.cpp - the node-local peers of pas's local sort, behind a C
// interface for local_bench.c: Highway's vqsort (hwy::Sorter; 1 thread, or
// 2+ threads over a one-pass partition written here) and IPS4o (parallel).
// Built with HAVE_HWY / HAVE_IPS4O when their headers are there; a peer that
// is not built in answers -1.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <omp.h>
#ifdef HAVE_HWY
#include <hwy/contrib/sort/vqsort.h>
#endif
#ifdef HAVE_IPS4O
#include <ips4o.hpp>
#endif

// the element types, as local_bench.c numbers them
enum { T_U64, T_U32, T_I64, T_F64 };

extern "C" int peer_local_have(const char *peer);
extern "C" int peer_local_sort(const char *peer, int type, void *a, void *tmp, size_t n,
                               int threads);

extern "C" int peer_local_have(const char *peer)
{
#ifdef HAVE_HWY
    if (!strcmp(peer, "vqsort"))
        return 1;
#endif
#ifdef HAVE_IPS4O
    if (!strcmp(peer, "ips4o"))
        return 1;
#endif
    (void)peer;
    return 0;
}

#ifdef HAVE_HWY
static const hwy::Sorter &sorter()
{
    // one per thread: a Sorter holds its own buffer
    static thread_local hwy::Sorter s;
    return s;
}

// vqsort on `threads` threads: a pivot from a sample, one partition of a into
// tmp (a count, then a scatter; keys equal to the pivot alternate sides by
// index so that all-equal inputs split evenly), then each side sorted by one
// vqsort.  2 threads only (two sides); the result is in tmp.
template <class K> static void vq_two(K *a, K *tmp, size_t n)
{
    K s[255];
    for (int i = 0; i < 255; i++)
        s[i] = a[(size_t)((unsigned __int128)(2 * (uint64_t)i + 1) * n / 510)];
    sorter()(s, 255, hwy::SortAscending());
    const K p = s[127];
    size_t left[2] = {0, 0};
#pragma omp parallel num_threads(2)
    {
        int t = omp_get_thread_num();
        size_t lo = t == 0 ? 0 : n / 2, hi = t == 0 ? n / 2 : n, c = 0;
        for (size_t i = lo; i < hi; i++)
            c += a[i] < p || (!(p < a[i]) && !(i & 1));
        left[t] = c;
#pragma omp barrier
        size_t nl = left[0] + left[1];
        size_t l = t == 0 ? 0 : left[0];
        size_t r = t == 0 ? nl : nl + ((n / 2) - left[0]);
        for (size_t i = lo; i < hi; i++) {
            K x = a[i];
            if (x < p || (!(p < x) && !(i & 1)))
                tmp[l++] = x;
            else
                tmp[r++] = x;
        }
#pragma omp barrier
        if (t == 0)
            sorter()(tmp, nl, hwy::SortAscending());
        else
            sorter()(tmp + nl, n - nl, hwy::SortAscending());
    }
}

template <class K> static int vq(K *a, K *tmp, size_t n, int threads)
{
    if (threads < 2) {
        sorter()(a, n, hwy::SortAscending());
        return 0;
    }
    vq_two(a, tmp, n);
    return 1;
}
#endif

#ifdef HAVE_IPS4O
template <class K> static int ip(K *a, size_t n, int threads)
{
    if (threads < 2)
        ips4o::sort(a, a + n, std::less<K>());
    else
        ips4o::parallel::sort(a, a + n, std::less<K>(), threads);
    return 0;
}
#endif

// Sort a[0..n) of `type` with `peer`; returns 0 (result in a), 1 (result in
// tmp, n elements) or -1 (peer not built in).
extern "C" int peer_local_sort(const char *peer, int type, void *a, void *tmp, size_t n,
                               int threads)
{
#ifdef HAVE_HWY
    if (!strcmp(peer, "vqsort")) {
        switch (type) {
        case T_U32:
            return vq((uint32_t *)a, (uint32_t *)tmp, n, threads);
        case T_I64:
            return vq((int64_t *)a, (int64_t *)tmp, n, threads);
        case T_F64:
            return vq((double *)a, (double *)tmp, n, threads);
        default:
            return vq((uint64_t *)a, (uint64_t *)tmp, n, threads);
        }
    }
#endif
#ifdef HAVE_IPS4O
    if (!strcmp(peer, "ips4o")) {
        switch (type) {
        case T_U32:
            return ip((uint32_t *)a, n, threads);
        case T_I64:
            return ip((int64_t *)a, n, threads);
        case T_F64:
            return ip((double *)a, n, threads);
        default:
            return ip((uint64_t *)a, n, threads);
        }
    }
#endif
    (void)peer, (void)type, (void)a, (void)tmp, (void)n, (void)threads;
    return -1;
}
