// peers.cpp - the sorts pas-sort is measured against, on the same keys
// (pas's uniform generator, reimplemented: splitmix64 of the global index).
// One peer per process so that its peak memory (ru_maxrss) is its own.
//   sort-peers --peer gnu|tbb|boost|std --n N --threads T --reps R
// Prints one line: "peer=NAME n=N threads=T median_s=S mkeys_s=R maxrss_kb=K verified=yes|no".
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <omp.h>
#include <sys/resource.h>
#ifdef HAVE_GNU_PARALLEL
#include <parallel/algorithm>
#endif
#ifdef HAVE_TBB
#include <tbb/global_control.h>
#include <tbb/parallel_sort.h>
#endif
#ifdef HAVE_BOOST_SORT
#include <boost/sort/sort.hpp>
#endif

static inline uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

int main(int argc, char **argv)
{
    std::string peer = "gnu";
    uint64_t n = 100000000, seed = 1;
    int threads = 2, reps = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--peer") peer = argv[i + 1];
        else if (a == "--n") n = (uint64_t)strtod(argv[i + 1], nullptr);
        else if (a == "--threads") threads = atoi(argv[i + 1]);
        else if (a == "--reps") reps = atoi(argv[i + 1]);
        else if (a == "--seed") seed = strtoull(argv[i + 1], nullptr, 10);
    }
    omp_set_num_threads(threads);
    std::vector<uint64_t> a(n);
    std::vector<double> t;
    bool ok = true;
#ifdef HAVE_TBB
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, (size_t)threads);
#endif
    for (int r = 0; r < reps + 1; r++) { // the first is a warm-up
#pragma omp parallel for schedule(static)
        for (uint64_t g = 0; g < n; g++)
            a[g] = mix64(seed ^ mix64(g + 0x632be59bd9b4e019ULL));
        double t0 = omp_get_wtime();
        if (peer == "std") {
            std::sort(a.begin(), a.end());
#ifdef HAVE_GNU_PARALLEL
        } else if (peer == "gnu") {
            __gnu_parallel::sort(a.begin(), a.end());
#endif
#ifdef HAVE_TBB
        } else if (peer == "tbb") {
            tbb::parallel_sort(a.begin(), a.end());
#endif
#ifdef HAVE_BOOST_SORT
        } else if (peer == "boost") {
            boost::sort::block_indirect_sort(a.begin(), a.end(), (uint32_t)threads);
#endif
        } else {
            fprintf(stderr, "sort-peers: peer '%s' is not built in (missing library)\n", peer.c_str());
            return 2;
        }
        double t1 = omp_get_wtime();
        if (r > 0)
            t.push_back(t1 - t0);
        ok = ok && std::is_sorted(a.begin(), a.end());
    }
    std::sort(t.begin(), t.end());
    double med = t.empty() ? 0 : t[t.size() / 2];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peer=%s n=%llu threads=%d median_s=%.4f mkeys_s=%.2f maxrss_kb=%ld verified=%s\n", peer.c_str(),
           (unsigned long long)n, threads, med, med > 0 ? n / med / 1e6 : 0.0, ru.ru_maxrss, ok ? "yes" : "no");
    return ok ? 0 : 1;
}
