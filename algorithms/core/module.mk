# core: status, options, timing, reporting, cores, watchdog, output files
# (the MPI layer, mpistub/ and mpi_yield.c, is built by the top Makefile)
INC_DIRS += algorithms/core
LIB_SRCS += $(addprefix algorithms/core/,status.c size.c options.c machine.c runtime.c timing.c report.c driver.c watch.c paths.c outfile.c memory.c grow.c)
PUBLIC_HEADERS += algorithms/core/pas_core.h algorithms/core/pas_driver.h algorithms/core/pas_watch.h algorithms/core/pas_paths.h algorithms/core/pas_outfile.h algorithms/core/pas_mpi.h
