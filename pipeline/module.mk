# pipeline: a staged pipeline across ranks (MPI) or threads (shared memory),
# and pas-pipeline, which streams records through built-in stages.
INC_DIRS += pipeline
LIB_SRCS += $(addprefix pipeline/,queue.c reorder.c spec.c metrics.c stage.c link_shm.c link_mpi.c crash.c stations.c checkpoint.c)
PROG_SRCS += pipeline/pas-pipeline.c
PUBLIC_HEADERS += pipeline/pas_pipe.h
UNIT_TESTS += tests/unit/test_pipe.c
MPI_TEST_SRCS += tests/mpi/t_pipe.c tests/mpi/t_pipe_bench.c

# Optional: zlib for --transform compress (skipped with a message without it).
PIPE_ZLIB := $(shell pkg-config --exists zlib 2>/dev/null && echo yes || \
               (printf '#include <zlib.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo yes))
ifeq ($(PIPE_ZLIB),yes)
  PAS_CPPFLAGS += -DPAS_HAVE_ZLIB
  PAS_LDLIBS += -lz
else
  $(info pipeline: zlib not found: pas-pipeline --transform compress is disabled (apt-get install zlib1g-dev))
endif

# The checkpoint/restart test is a script (it launches runs itself).
tests: $(BUILD)/tests/t_pipe_checkpoint
$(BUILD)/tests/t_pipe_checkpoint: pipeline/test-checkpoint.sh
	@mkdir -p $(dir $@)
	$(Q)cp $< $@ && chmod +x $@

BENCH_TARGETS += bench-pipeline
.PHONY: bench-pipeline
bench-pipeline: progs tests
	@PAS_MPI=$(MPI) pipeline/bench.sh $(BINDIR) $(BUILD)
