# tests: Criterion unit tests (tests/unit/test_*.c) and self-checking MPI
# programs (tests/mpi/t_*.c), run by tests/run-tests.sh from tests/cases/.
UNIT_TESTS += $(wildcard tests/unit/test_*.c)
MPI_TEST_SRCS += $(wildcard tests/mpi/t_*.c)
