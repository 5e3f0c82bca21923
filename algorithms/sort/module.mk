# sort: distributed sorting (pas-sort): sample, merge, quick, mway, ams; local
# radix/merge/quick sorts; typed keys and records; MPI-IO files.
INC_DIRS += algorithms/sort
# the one-way stack of sort_internal.h: entry, algorithms, phases, tables, kernels, buffers
LIB_SRCS += $(addprefix algorithms/sort/,entry.c \
              sample.c merge.c quick.c mway.c ams.c ams_split.c \
              multiway_select.c splitters.c rebalance.c exchange.c partition.c \
              verify.c records.c generate.c file_io.c keys.c \
              local_radix.c local_merge.c local_quick.c buffers.c)
PROG_SRCS += algorithms/sort/pas-sort.c
PUBLIC_HEADERS += algorithms/sort/pas_sort.h
UNIT_TESTS += tests/unit/test_sort.c
MPI_TEST_SRCS += tests/mpi/t_sort.c tests/mpi/t_sort_bigcount.c
BENCH_TARGETS += bench-sort

# make bench-sort: the local sort against vqsort and IPS4o (sort-local-bench),
# then pas-sort against GNU parallel mode sort, TBB parallel_sort
# and Boost block_indirect_sort on 1e8 uniform uint64 (SORT_BENCH_N, _REPS).
SORT_PEERS := $(BUILD)/sort-peers
SORT_PEER_FLAGS := $(if $(wildcard /usr/include/c++/*/parallel/algorithm),-DHAVE_GNU_PARALLEL)
SORT_PEER_LIBS :=
ifneq ($(wildcard /usr/include/tbb/parallel_sort.h /usr/include/oneapi/tbb/parallel_sort.h),)
  SORT_PEER_FLAGS += -DHAVE_TBB
  SORT_PEER_LIBS += -ltbb
endif
ifneq ($(wildcard /usr/include/boost/sort/sort.hpp),)
  SORT_PEER_FLAGS += -DHAVE_BOOST_SORT
endif

$(SORT_PEERS): algorithms/sort/bench/peers.cpp
	$(say) CXX $@
	@mkdir -p $(dir $@)
	$(Q)if command -v g++ >/dev/null; then \
	    g++ -O3 -march=native -std=c++17 -fopenmp $(SORT_PEER_FLAGS) $< -o $@ $(SORT_PEER_LIBS) -lpthread; \
	else echo "bench-sort: g++ not found, peers skipped"; fi
	@[ -n "$(findstring HAVE_TBB,$(SORT_PEER_FLAGS))" ] || echo "bench-sort: TBB headers not found, tbb::parallel_sort skipped"
	@[ -n "$(findstring HAVE_BOOST_SORT,$(SORT_PEER_FLAGS))" ] || echo "bench-sort: boost/sort/sort.hpp not found, Boost skipped"

# The local sort against Highway's vqsort (libhwy-dev) and IPS4o (libips4o-dev)
# in one process (local_bench.c, peers behind the C shim peers_local.cpp).
SORT_LOCAL_BENCH := $(BUILD)/sort-local-bench
SORT_LOCAL_FLAGS :=
SORT_LOCAL_LIBS :=
ifneq ($(wildcard /usr/include/hwy/contrib/sort/vqsort.h),)
  ifneq ($(wildcard /usr/lib/*/libhwy_contrib.so /usr/lib/libhwy_contrib.so /usr/local/lib/libhwy_contrib.so),)
    SORT_LOCAL_FLAGS += -DHAVE_HWY
    SORT_LOCAL_LIBS += -lhwy_contrib -lhwy
  endif
endif
ifneq ($(wildcard /usr/include/ips4o.hpp),)
  SORT_LOCAL_FLAGS += -DHAVE_IPS4O
endif

$(BUILD)/obj/sort-peers-local.o: algorithms/sort/bench/peers_local.cpp
	$(say) CXX $@
	@mkdir -p $(dir $@)
	$(Q)g++ -O3 -march=native -std=c++17 -fopenmp -pthread $(SORT_LOCAL_FLAGS) -c $< -o $@

$(SORT_LOCAL_BENCH): algorithms/sort/bench/local_bench.c $(BUILD)/obj/sort-peers-local.o $(LIBS_PAS)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/obj/sort-peers-local.o $(LIBS_PAS) \
	    $(SORT_LOCAL_LIBS) -lstdc++ -latomic -pthread $(PAS_LDLIBS) $(LDLIBS)
	@[ -n "$(findstring HAVE_HWY,$(SORT_LOCAL_FLAGS))" ] || echo "bench-sort: libhwy-dev (vqsort) not found, vqsort skipped"
	@[ -n "$(findstring HAVE_IPS4O,$(SORT_LOCAL_FLAGS))" ] || echo "bench-sort: libips4o-dev not found, IPS4o skipped"

.PHONY: bench-sort
bench-sort: $(BINDIR)/pas-sort $(SORT_PEERS) $(if $(shell command -v g++),$(SORT_LOCAL_BENCH))
	@PAS_BINDIR=$(BINDIR) SORT_PEERS=$(SORT_PEERS) SORT_LOCAL_BENCH=$(SORT_LOCAL_BENCH) PAS_MPI=$(MPI) \
	    algorithms/sort/bench/bench-sort.sh
