# matmul: dense matrix multiply, local packed kernel and SUMMA/Cannon/2.5D (pas-matmul)
INC_DIRS += algorithms/matmul
LIB_SRCS += $(addprefix algorithms/matmul/,local_gemm.c peak.c summa.c cannon.c replicate.c multiply.c verify.c)
PROG_SRCS += algorithms/matmul/pas-matmul.c
PUBLIC_HEADERS += algorithms/matmul/pas_matmul.h
UNIT_TESTS += tests/unit/test_matmul.c

# The kernels are written with GCC vector extensions; -std=c11 turns off FMA
# contraction, which the micro-kernel and the peak loop need to emit FMAs.
$(BUILD)/obj/algorithms/matmul/local_gemm.o $(BUILD)/obj/algorithms/matmul/peak.o: ALL_CFLAGS += -ffp-contract=fast
MPI_TEST_SRCS += tests/mpi/t_matmul.c
