# pipeline: a staged pipeline across ranks (MPI) or threads (shared memory),
# and pas-pipeline, which streams records through built-in stages.
INC_DIRS += pipeline
LIB_SRCS += $(addprefix pipeline/,run.c engine_mpi.c engine_shm.c worker.c \
                                  queue.c reorder.c spec.c metrics.c crash.c)
PROG_SRCS += pipeline/pas-pipeline.c

# The built-in stages (read, gen, work, write) and their checkpoints are the
# program's, not libpas's: their objects are linked into pas-pipeline and into
# the unit test of the checkpoint format only.  LDFLAGS comes before the
# program's object and libpas.a on the link line, so they find the library
# (override: also with LDFLAGS given on the command line).
PIPE_BUILTIN_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,\
                       pipeline/builtin/stages.c pipeline/builtin/checkpoint.c)
$(BINDIR)/pas-pipeline $(BUILD)/tests/test_pipe: $(PIPE_BUILTIN_OBJS)
$(BINDIR)/pas-pipeline $(BUILD)/tests/test_pipe: override LDFLAGS += $(PIPE_BUILTIN_OBJS)
-include $(PIPE_BUILTIN_OBJS:.o=.d)
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

# The checkpoint/restart test and the exec test are scripts (they launch
# runs themselves).
tests: $(BUILD)/tests/t_pipe_checkpoint $(BUILD)/tests/t_pipe_exec
$(BUILD)/tests/t_pipe_checkpoint: pipeline/test-checkpoint.sh
	@mkdir -p $(dir $@)
	$(Q)cp $< $@ && chmod +x $@
$(BUILD)/tests/t_pipe_exec: pipeline/test-exec.sh
	@mkdir -p $(dir $@)
	$(Q)cp $< $@ && chmod +x $@

# --transform exec runs its commands with the farm's pas_farm_exec: a
# MODULES= build that names pipeline gets the farm too (farm/module.mk
# includes this file the other way round).
ifneq ($(MODULES),)
  ifeq ($(filter farm,$(MODULES)),)
    ifndef PAS_PIPE_MK_FARM
      PAS_PIPE_MK_FARM := 1
      include algorithms/farm/module.mk
    endif
  endif
endif

BENCH_TARGETS += bench-pipeline
.PHONY: bench-pipeline
bench-pipeline: progs tests
	@PAS_MPI=$(MPI) pipeline/bench.sh $(BINDIR) $(BUILD)
