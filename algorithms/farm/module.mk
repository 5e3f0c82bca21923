# farm: a task farm (library pas_farm_run, C callbacks) and pas-farm, which
# runs shell commands from a list over every slot of every rank.
INC_DIRS += algorithms/farm
LIB_SRCS += $(addprefix algorithms/farm/,farm.c slots.c tasklist.c journal.c exec.c)
PROG_SRCS += algorithms/farm/pas-farm.c
PUBLIC_HEADERS += algorithms/farm/pas_farm.h
UNIT_TESTS += tests/unit/test_farm.c
MPI_TEST_SRCS += tests/mpi/t_farm.c

# The farm schedules with the pipeline's FIFO-with-aging (pas_pipe.h): a
# MODULES= build that names farm gets the pipeline too.
ifneq ($(MODULES),)
  ifeq ($(filter pipeline,$(MODULES)),)
    include pipeline/module.mk
  endif
endif

# make bench-farm: pas-farm against xargs -P and GNU parallel (null and 5 ms
# tasks), and the library farm's rate for empty callbacks.
BENCH_TARGETS += bench-farm
.PHONY: bench-farm
bench-farm: $(BINDIR)/pas-farm $(BUILD)/tests/t_farm
	@PAS_BINDIR=$(BINDIR) PAS_BUILD=$(BUILD) PAS_MPI=$(MPI) algorithms/farm/bench/bench-farm.sh
