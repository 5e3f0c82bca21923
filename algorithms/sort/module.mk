# sort: distributed sorting (pas-sort): sample, merge, quick, mway; local
# radix/merge/quick sorts; typed keys and records; MPI-IO files.
INC_DIRS += algorithms/sort
LIB_SRCS += $(addprefix algorithms/sort/,sort.c sample.c merge.c quick.c mway.c multiway_select.c \
              splitters.c partition.c exchange.c local_radix.c local_merge.c local_quick.c keys.c \
              generate.c verify.c records.c file_io.c)
PROG_SRCS += algorithms/sort/pas-sort.c
PUBLIC_HEADERS += algorithms/sort/pas_sort.h
UNIT_TESTS += tests/unit/test_sort.c
MPI_TEST_SRCS += tests/mpi/t_sort.c
BENCH_TARGETS += bench-sort
