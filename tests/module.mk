# tests: the foundation's Criterion unit tests and self-checking MPI programs.
# Each module registers its own tests in its module.mk the same way, so that
# MODULES=... builds only what it names.
UNIT_TESTS += tests/unit/test_core.c tests/unit/test_decomp.c tests/unit/test_paths.c tests/unit/test_memory.c
MPI_TEST_SRCS += tests/mpi/t_decomp.c
ifeq ($(MPI),0)
  UNIT_TESTS += tests/unit/test_mpi_serial.c
endif
