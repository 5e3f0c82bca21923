/* pas_mpi.h - the one place that decides where MPI comes from.
 *
 * The hybrid build (make, MPI=1) uses the real <mpi.h>.  The OpenMP-only build
 * (make MPI=0, or automatically when no mpicc is found) compiles the same
 * sources against mpi/mpi_serial.h: a single-rank MPI in which collectives
 * are copies and a message to oneself is queued, so every program runs on one
 * node with no MPI installed.  It holds only what pas calls.
 */
#ifndef PAS_MPI_H
#define PAS_MPI_H

#ifdef PAS_NO_MPI
#include "mpi_serial.h"
#define PAS_HAVE_MPI 0
#else
#include <mpi.h>
#define PAS_HAVE_MPI 1
#endif

#endif
