# pipeline: a staged pipeline across ranks (MPI) or threads (shared memory)
INC_DIRS += pipeline
LIB_SRCS += $(addprefix pipeline/,queue.c reorder.c spec.c metrics.c stage.c link_shm.c link_mpi.c)
PUBLIC_HEADERS += pipeline/pas_pipe.h
UNIT_TESTS += tests/unit/test_pipe.c
MPI_TEST_SRCS += tests/mpi/t_pipe.c
