# pas - parallel algorithm suite.  `make help` lists the targets.
#
# Two builds from the same sources:
#   make          hybrid MPI+OpenMP with mpicc        -> bin/, build/mpi/
#   make MPI=0    OpenMP only, no MPI needed at all    -> bin/, build/serial/
# MPI=auto (the default) picks MPI=1 when mpicc is on the PATH.
#
# Each module adds itself through a module.mk fragment (LIB_SRCS, PROG_SRCS,
# UNIT_TESTS, MPI_TEST_SRCS, BENCH_TARGETS), so modules never edit this file.

MPI ?= auto
MPI_REQUESTED := $(MPI)
ifeq ($(MPI),auto)
  override MPI := $(if $(shell command -v mpicc 2>/dev/null),1,0)
endif

# The hybrid build compiles with $(MPICC) unless CC is given on the command
# line (a CC in the environment, e.g. from a module, is meant for plain C:
# use OMPI_CC=... to change the compiler behind mpicc).
MPICC ?= mpicc
ifeq ($(MPI),1)
  VARIANT := mpi
  ifneq ($(origin CC),command line)
    CC := $(MPICC)
  endif
  # MPICH (and MPICH-derived MPIs: Cray, Intel, MVAPICH) build in their own
  # directory, so that an Open MPI build and an MPICH one live side by side.
  MPI_FLAVOR := $(if $(shell printf '\043include <mpi.h>\n' | $(CC) -E -dM -x c - 2>/dev/null | grep -w MPICH_VERSION),mpich,)
  ifeq ($(MPI_FLAVOR),mpich)
    VARIANT := mpich
    # GCC's -Wstringop-overflow misreads MPICH's MPI_STATUSES_IGNORE (a
    # null MPI_Status[] constant) as a zero-size array: a known false positive,
    # silenced for MPICH only.
    PAS_CFLAGS_MPI := -Wno-stringop-overflow
    # MPICH 4's ch4 busy-polls; pas's blocking calls yield when oversubscribed
    PAS_CPPFLAGS += -DPAS_MPI_YIELD
  endif
else
  VARIANT := serial
  ifeq ($(origin CC),default)
    CC := gcc
  endif
  PAS_CPPFLAGS += -DPAS_NO_MPI
endif

BUILD   ?= build/$(VARIANT)
BINDIR  ?= bin
PREFIX  ?= /usr/local
DESTDIR ?=

CFLAGS  ?= -O3 -march=native -g
PAS_CFLAGS := -std=c11 -Wall -Wextra -Wshadow -Wno-unused-parameter -fopenmp $(PAS_CFLAGS_MPI)
PAS_LDLIBS := -fopenmp -lm -lpthread

# Warnings are errors in CI (and with WERROR=1).
ifeq ($(CI),true)
  WERROR ?= 1
endif
ifeq ($(WERROR),1)
  PAS_CFLAGS += -Werror
endif

comma := ,
# make SANITIZE=address,undefined  or  make SANITIZE=thread
ifneq ($(SANITIZE),)
  PAS_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
  PAS_LDLIBS += -fsanitize=$(SANITIZE)
  BUILD := $(BUILD)-$(subst $(comma),-,$(SANITIZE))
endif

# Optional: hwloc counts physical cores for the thread choice.
ifneq ($(shell pkg-config --exists hwloc 2>/dev/null && echo yes),)
  PAS_CPPFLAGS += -DPAS_HAVE_HWLOC $(shell pkg-config --cflags hwloc)
  PAS_LDLIBS += $(shell pkg-config --libs hwloc)
endif

ifeq ($(V),1)
  Q :=
  say = @true
else
  Q := @
  say = @printf '  %-7s %s\n'
endif

# ---- modules ---------------------------------------------------------------
LIB_SRCS :=
PROG_SRCS :=
UNIT_TESTS :=
MPI_TEST_SRCS :=
BENCH_TARGETS :=
PUBLIC_HEADERS :=
INC_DIRS :=
MODULE_MKS := $(sort $(wildcard algorithms/*/module.mk) $(wildcard */module.mk))
# MODULES="sort matmul" builds the foundation plus only those modules.
ifneq ($(MODULES),)
  $(foreach m,$(MODULES),$(if $(wildcard algorithms/$(m)/module.mk $(m)/module.mk),,\
    $(error MODULES: there is no module '$(m)'; modules are: $(notdir $(patsubst %/module.mk,%,$(MODULE_MKS))))))
  MODULE_MKS := algorithms/core/module.mk decomp/module.mk tests/module.mk algorithms/scan/module.mk \
                $(foreach m,$(MODULES),$(wildcard algorithms/$(m)/module.mk $(m)/module.mk))
endif
# The MPI layer under libpas (algorithms/core/mpi/), objects of their own
# linked before libpas.a into every program and test: the one-rank stand-in
# of the OpenMP-only build (mpi_serial.c), and the yielding PMPI wrappers of
# MPICH builds (mpi_yield.c, empty elsewhere).  They define MPI_* symbols:
# outside libpas.a, the library exports only pas_ names, and the wrappers,
# linked as objects, always interpose on the MPI library.
MPI_LAYER_SRCS := algorithms/core/mpi/mpi_yield.c
ifeq ($(MPI),0)
  MPI_LAYER_SRCS += algorithms/core/mpi/mpi_serial.c
  INC_DIRS += algorithms/core/mpi
  PUBLIC_HEADERS += algorithms/core/mpi/mpi_serial.h
endif

LIB      := $(BUILD)/libpas.a
MPI_LAYER_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(MPI_LAYER_SRCS))
# What a program links after its own object: `make -s print-LIBS_PAS`.  Set
# before the modules are read: their rules name it as a prerequisite.
LIBS_PAS := $(MPI_LAYER_OBJS) $(LIB)

include $(sort $(MODULE_MKS))

PAS_CPPFLAGS += $(addprefix -I,$(INC_DIRS))
ALL_CFLAGS := $(PAS_CPPFLAGS) $(CPPFLAGS) $(PAS_CFLAGS) $(CFLAGS)

LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
PROGS    := $(patsubst %.c,$(BINDIR)/%,$(notdir $(PROG_SRCS)))
UNIT_BINS := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(UNIT_TESTS)))
MPI_TEST_BINS := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(MPI_TEST_SRCS)))
ALL_OBJS := $(LIB_OBJS) $(MPI_LAYER_OBJS) $(patsubst %.c,$(BUILD)/obj/%.o,$(PROG_SRCS) $(UNIT_TESTS) $(MPI_TEST_SRCS))

# Programs relink when the variant changes (bin/ is shared by both builds).

$(shell mkdir -p $(BUILD) $(BINDIR); [ -f $(BINDIR)/.variant ] && [ "$$(cat $(BINDIR)/.variant)" = "$(VARIANT)$(SANITIZE)" ] || echo "$(VARIANT)$(SANITIZE)" > $(BINDIR)/.variant)

.PHONY: all lib progs tests run run-main test test-main check bench install uninstall clean help deps \
        format format-check structure
.DEFAULT_GOAL := all

all: progs tests

lib: $(LIBS_PAS)
progs: $(PROGS)
tests: $(UNIT_BINS) $(MPI_TEST_BINS)

# Objects rebuild when the compiler or its flags change (SANITIZE=, CFLAGS=,
# MPI=...), even in a BUILD= directory given on the command line.
FLAGS_STAMP := $(BUILD)/.cflags
$(shell mkdir -p $(BUILD); echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $(FLAGS_STAMP) 2>/dev/null || echo '$(CC) $(ALL_CFLAGS)' > $(FLAGS_STAMP))

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	$(say) CC $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(say) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

define prog_rule
$(BINDIR)/$(basename $(notdir $(1))): $(BUILD)/obj/$(1:.c=.o) $(LIBS_PAS) $(BINDIR)/.variant
	$$(say) LINK $$@
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) -o $$@ $$< $(LIBS_PAS) $$(PAS_LDLIBS) $$(LDLIBS)
endef
$(foreach s,$(PROG_SRCS),$(eval $(call prog_rule,$(s))))

define unit_rule
$(BUILD)/tests/$(basename $(notdir $(1))): $(BUILD)/obj/$(1:.c=.o) $(LIBS_PAS)
	$$(say) LINK $$@
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) -o $$@ $$< $(LIBS_PAS) $$(PAS_LDLIBS) -lcriterion $$(LDLIBS)
endef
$(foreach s,$(UNIT_TESTS),$(eval $(call unit_rule,$(s))))

define mpitest_rule
$(BUILD)/tests/$(basename $(notdir $(1))): $(BUILD)/obj/$(1:.c=.o) $(LIBS_PAS)
	$$(say) LINK $$@
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) -o $$@ $$< $(LIBS_PAS) $$(PAS_LDLIBS) $$(LDLIBS)
endef
$(foreach s,$(MPI_TEST_SRCS),$(eval $(call mpitest_rule,$(s))))

-include $(ALL_OBJS:.o=.d)

# ---- the two commands of the README ------------------------------------------
# They install missing Debian packages first (as root), then re-run make so
# that MPI detection sees what was just installed.
# MPI=0 on the command line needs no MPI packages.
DEPS_GROUP := $(if $(filter 0,$(MPI_REQUESTED)),serial,core)

run:
	@jobs/ensure-deps.sh $(DEPS_GROUP)
	@$(MAKE) --no-print-directory run-main

run-main: progs
	@PAS_BINDIR=$(BINDIR) PAS_MPI=$(MPI) jobs/run-local.sh

test:
	@jobs/ensure-deps.sh $(DEPS_GROUP)-test
	@$(MAKE) --no-print-directory test-main

# Unit tests, then every MPI case at 1-7 ranks, then the OpenMP-only build.
test-main: all
	@PAS_BUILD=$(BUILD) PAS_BINDIR=$(BINDIR) PAS_MPI=$(MPI) tests/test-all.sh

# Unit tests only: quick, no MPI launches.
check: tests
	@PAS_BUILD=$(BUILD) PAS_MPI=$(MPI) tests/run-tests.sh --unit-only

bench: $(BENCH_TARGETS)

deps:
	@jobs/ensure-deps.sh all

# ---- style and structure (HACKING.md) --------------------------------------------
# format: clang-format -i over the tracked C files, as .clang-format says;
# format-check: the same in --dry-run -Werror (make test runs it);
# structure: no circle of calls between a module's files, libpas.a exports
# only pas_ names (nm and tsort over the objects: tests/tools/structure.sh).
format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@tests/tools/format-check.sh

structure: lib
	@tests/tools/structure.sh $(BUILD)

# ---- install ------------------------------------------------------------------
install: progs lib
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/pas
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	$(if $(filter 0,$(MPI)),rm -f $(DESTDIR)$(PREFIX)/lib/libpas_mpi.a && ar rcs $(DESTDIR)$(PREFIX)/lib/libpas_mpi.a $(MPI_LAYER_OBJS),@true)
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(PREFIX)/include/pas/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(shell sed -n 's/.*PAS_VERSION "\(.*\)"/\1/p' algorithms/core/pas_core.h)|' \
	    -e 's|@CFLAGS@|$(filter -DPAS_NO_MPI,$(PAS_CPPFLAGS))|' -e 's|@LIBS@|$(if $(filter 0,$(MPI)),-lpas_mpi )$(PAS_LDLIBS)|' pas.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pas.pc

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(PROGS))) $(DESTDIR)$(PREFIX)/lib/libpas.a $(DESTDIR)$(PREFIX)/lib/libpas_mpi.a
	rm -rf $(DESTDIR)$(PREFIX)/include/pas $(DESTDIR)$(PREFIX)/lib/pkgconfig/pas.pc

clean:
	rm -rf build bin

help:
	@echo 'pas make targets (MPI=auto|1|0, V=1 for full commands, WERROR=1, SANITIZE=...):'
	@echo '  all        build libpas, the programs (bin/) and the tests'
	@echo '  run        the main job: every algorithm, verified, on all local cores'
	@echo '  test       unit tests, MPI runs at 1-7 ranks, and the OpenMP-only build'
	@echo '  check      unit tests only'
	@echo '  bench      every benchmark against its peers (bench-* per module)'
	@echo '  deps       install the Debian packages (as root) or print the apt-get line'
	@echo '  format     clang-format -i the tracked C files; format-check only checks'
	@echo '  structure  no circle of calls inside a module, only pas_ names in libpas.a'
	@echo '  install    PREFIX=$(PREFIX) DESTDIR= : programs, libpas.a (and libpas_mpi.a, the MPI stand-in, with MPI=0), headers, pas.pc'
	@echo '  clean      remove build/ and bin/'
	@echo 'this build: MPI=$(MPI) CC=$(CC) BUILD=$(BUILD)'

# `make -s print-VAR` prints a make variable (used by the test scripts).
print-%:
	@echo $($*)
