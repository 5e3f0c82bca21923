# matmul: dense matrix multiply, local packed kernel and SUMMA/Cannon/2.5D (pas-matmul)
INC_DIRS += algorithms/matmul
LIB_SRCS += $(addprefix algorithms/matmul/,local_gemm.c peak.c broadcast.c summa.c cannon.c replicate.c multiply.c verify.c)
PROG_SRCS += algorithms/matmul/pas-matmul.c
PUBLIC_HEADERS += algorithms/matmul/pas_matmul.h
UNIT_TESTS += tests/unit/test_matmul.c

# Optional CBLAS backend (pas-matmul --kernel cblas): OpenBLAS when found;
# MATMUL_CBLAS=0 builds without it.
ifneq ($(MATMUL_CBLAS),0)
  ifneq ($(shell pkg-config --exists openblas 2>/dev/null && echo yes),)
    PAS_CPPFLAGS += -DPAS_HAVE_CBLAS $(shell pkg-config --cflags openblas)
    # --as-needed: programs that never reach the CBLAS path do not load
    # OpenBLAS (whose constructor starts a thread pool)
    PAS_LDLIBS += -Wl,--push-state,--as-needed $(shell pkg-config --libs openblas) -Wl,--pop-state
  endif
endif

# The kernels are written with GCC vector extensions; -std=c11 turns off FMA
# contraction, which the micro-kernel and the peak loop need to emit FMAs.
$(BUILD)/obj/algorithms/matmul/local_gemm.o $(BUILD)/obj/algorithms/matmul/peak.o: ALL_CFLAGS += -ffp-contract=fast
MPI_TEST_SRCS += tests/mpi/t_matmul.c

# ---- make bench-matmul: pas against OpenBLAS and BLIS dgemm, ScaLAPACK pdgemm ----
# The peers are optional: found with pkg-config (BLIS, which Debian ships
# without a .pc, by its multiarch directories), skipped with a message if not.
BENCH_TARGETS += bench-matmul
MATMUL_BENCH_DIR := $(BUILD)/bench-matmul
MATMUL_SERIAL_BUILD := $(BUILD)-bench-serial
MATMUL_HAVE_OPENBLAS := $(shell pkg-config --exists openblas 2>/dev/null && echo yes)
MATMUL_HAVE_SCALAPACK := $(shell pkg-config --exists scalapack-openmpi 2>/dev/null && command -v mpicc >/dev/null && echo yes)
MATMUL_MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null)
MATMUL_BLIS_FLAVOR := $(firstword $(foreach f,openmp pthread serial,$(if $(wildcard /usr/include/$(MATMUL_MULTIARCH)/blis-$(f)/blis.h /usr/lib/$(MATMUL_MULTIARCH)/blis-$(f)/libblis.so),$(f))))
MATMUL_BLIS_INC := /usr/include/$(MATMUL_MULTIARCH)/blis-$(MATMUL_BLIS_FLAVOR)
MATMUL_BLIS_LIBDIR := /usr/lib/$(MATMUL_MULTIARCH)/blis-$(MATMUL_BLIS_FLAVOR)
MATMUL_HAVE_BLIS := $(if $(MATMUL_BLIS_FLAVOR),$(if $(wildcard $(MATMUL_BLIS_INC)/blis.h),$(if $(wildcard $(MATMUL_BLIS_LIBDIR)/libblis.so),yes)))
MATMUL_PEERS :=
ifeq ($(MATMUL_HAVE_BLIS),yes)
  MATMUL_PEERS += $(MATMUL_BENCH_DIR)/blis_dgemm
endif
ifeq ($(MATMUL_HAVE_OPENBLAS),yes)
  MATMUL_PEERS += $(MATMUL_BENCH_DIR)/blas_dgemm $(MATMUL_BENCH_DIR)/kernel_vs_blas
endif
ifeq ($(MATMUL_HAVE_SCALAPACK),yes)
  MATMUL_PEERS += $(MATMUL_BENCH_DIR)/scalapack_pdgemm
endif

$(MATMUL_BENCH_DIR)/blas_dgemm: algorithms/matmul/bench/blas_dgemm.c
	$(say) CC $@
	@mkdir -p $(dir $@)
	$(Q)gcc -O2 $(shell pkg-config --cflags openblas) $< -o $@ $(shell pkg-config --libs openblas) -lm

$(MATMUL_BENCH_DIR)/blis_dgemm: algorithms/matmul/bench/blas_dgemm.c
	$(say) CC $@
	@mkdir -p $(dir $@)
	$(Q)gcc -O2 -DPEER_BLIS -I$(MATMUL_BLIS_INC) $< -o $@ -L$(MATMUL_BLIS_LIBDIR) -Wl,-rpath,$(MATMUL_BLIS_LIBDIR) -lblis -lm

# kernel_vs_blas loads BLIS with dlopen (named at run time), beside OpenBLAS
$(MATMUL_BENCH_DIR)/kernel_vs_blas: algorithms/matmul/bench/kernel_vs_blas.c $(LIBS_PAS)
	$(say) CC $@
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags openblas) $< -o $@ $(LIBS_PAS) $(PAS_LDLIBS) $(shell pkg-config --libs openblas) -ldl

$(MATMUL_BENCH_DIR)/scalapack_pdgemm: algorithms/matmul/bench/scalapack_pdgemm.c
	$(say) CC $@
	@mkdir -p $(dir $@)
	$(Q)mpicc -O2 $< -o $@ $(shell pkg-config --libs scalapack-openmpi) $(shell pkg-config --libs openblas) -lm

.PHONY: bench-matmul
bench-matmul: progs $(MATMUL_PEERS)
	@[ "$(MATMUL_HAVE_OPENBLAS)" = yes ] || echo "bench-matmul: OpenBLAS not found (pkg-config openblas): dgemm peer skipped; apt-get install libopenblas-dev"
	@[ "$(MATMUL_HAVE_BLIS)" = yes ] || echo "bench-matmul: BLIS not found (/usr/include/$(MATMUL_MULTIARCH)/blis-openmp/blis.h): BLIS peer skipped; apt-get install libblis-dev"
	@[ "$(MATMUL_HAVE_SCALAPACK)" = yes ] || echo "bench-matmul: ScaLAPACK not found (pkg-config scalapack-openmpi): pdgemm peer skipped; apt-get install libscalapack-openmpi-dev"
	@$(MAKE) --no-print-directory MPI=0 MODULES="$(MODULES)" BUILD=$(MATMUL_SERIAL_BUILD) BINDIR=$(MATMUL_SERIAL_BUILD)/bin progs
	@BLIS_LIB="$(if $(MATMUL_HAVE_BLIS),$(MATMUL_BLIS_LIBDIR)/libblis.so)" algorithms/matmul/bench/bench-matmul.sh $(BINDIR) $(MATMUL_SERIAL_BUILD)/bin $(MATMUL_BENCH_DIR)
