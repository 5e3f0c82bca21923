/* pas_scan.h - prefix sums over a block-distributed array: OpenMP inside a
 * rank, one MPI_Exscan between ranks.  The building block of bucket offsets
 * in the sorts and of any "where does my data go" computation. */
#ifndef PAS_SCAN_H
#define PAS_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "pas_core.h"

/* local: y[i] = offset + x[0] + ... + x[i] (inclusive, wrapping mod 2^64),
 * with the threads of the calling OpenMP team (or a new one).  x == y is
 * allowed.  Returns the sum of x (not including offset). */
uint64_t pas_scan_local_u64(const uint64_t *x, uint64_t *y, size_t n, uint64_t offset);

/* collective: the global inclusive prefix sum of the distributed array whose
 * local part on each rank is x[0..n) (n local, may be 0), ranks in order.
 * Returns a local status: PAS_OK, PAS_ERR_MPI, or an injected fault's. */
pas_status pas_scan_u64(MPI_Comm comm, const uint64_t *x, uint64_t *y, size_t n);

/* collective: check y against x without gathering: consecutive differences,
 * the carry across rank boundaries (skipping empty ranks), and the final
 * value against an independently reduced total.  Assumes no wrap-around
 * (x small enough that the total fits in 64 bits).  Agreed: PAS_OK or
 * PAS_ERR_VERIFY, the same on every rank. */
pas_status pas_scan_verify_u64(MPI_Comm comm, const uint64_t *x, const uint64_t *y, size_t n);

#endif
