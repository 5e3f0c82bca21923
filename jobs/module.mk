# jobs: running at scale. Slurm job scripts (jobs/slurm/), scaling studies
# (jobs/scale/), simulated clusters with SimGrid (jobs/smpi/). Only phony
# targets here, none of them the default goal:
#   make smpi          the programs built with smpicc into build/smpi/bin
#   make smpi-test     the 64-rank simulated smoke test (tests/system/smpi.sh)
#   make scale-sim     weak/strong scaling of matmul (auto: SUMMA/2.5D) and sample
#                      sort (sample, and ams where pas-sort has it) on simulated
#                      clusters, 64 to SIM_MAX ranks (default 1024; 4096 fits),
#                      in pieces: SIM_ONLY=matmul,sort,sort-sample,sort-ams,compare
#                      SIM_MODE=weak|strong|both: hours in all
#   make scaling       strong/weak scaling of pas-sort (or pas-scan) on this machine,
#                      CSV + PNG in build/scale/ (SCALE_SPLITS, SCALE_SIZE)
#   make slurm-test    every job script through a private local Slurm
# Each installs what it needs as root (libsimgrid-dev, slurm-wlm) or says what is missing.
.PHONY: smpi smpi-test scale-sim scaling slurm-test

SIM_MAX ?= 1024
SIM_PLATFORM ?= both
SIM_ONLY ?= matmul,sort,compare
SIM_MODE ?= both
SCALE_SPLITS ?= 1x1 2x1 1x2 2x2
SCALE_SIZE ?= 20M

smpi:
	@PAS_SMPI_BUILD=build/smpi jobs/smpi/build.sh

smpi-test:
	@tests/system/smpi.sh

scale-sim: smpi progs
	@PAS_BINDIR=$(BINDIR) jobs/smpi/scale-sim.sh --max $(SIM_MAX) --platform $(SIM_PLATFORM) \
	    --only $(SIM_ONLY) --mode $(SIM_MODE) --dir build/scale-sim

scaling: progs
	@if ! command -v gnuplot >/dev/null 2>&1; then \
	    echo "make scaling: gnuplot is missing, the CSV is made but no PNG (apt-get install gnuplot-nox)"; fi
	@if [ -x $(BINDIR)/pas-sort ]; then \
	    PAS_BINDIR=$(BINDIR) jobs/scale/scaling.sh --splits "$(SCALE_SPLITS)" --size $(SCALE_SIZE) \
	        --dir build/scale/pas-sort -- pas-sort --algo sample --reps 3; \
	else \
	    echo "make scaling: pas-sort is not built, studying pas-scan instead"; \
	    PAS_BINDIR=$(BINDIR) jobs/scale/scaling.sh --splits "$(SCALE_SPLITS)" --size $(SCALE_SIZE) \
	        --dir build/scale/pas-scan -- pas-scan --reps 3; \
	fi

slurm-test: progs
	@PAS_BINDIR=$(BINDIR) tests/system/slurm.sh
