/* matmul_instance.h - instantiate the template PAS_MATMUL_BODY once per entry
 * of PAS_MATMUL_TYPES (matmul_internal.h), in that order; a kernel file
 * instantiates its template in one line:
 *     #define PAS_MATMUL_BODY "local_gemm_tmpl.h"
 *     #include "matmul_instance.h"
 * The template sees T (element type) and SFX (name suffix, _d or _s).  A macro
 * cannot #include, so this is the list's second spelling; the count below
 * stops the two from drifting. */
#include "matmul_internal.h"

#define PAS_MATMUL_COUNT_(T, SFX) +1
_Static_assert(0 PAS_MATMUL_TYPES(PAS_MATMUL_COUNT_) == 2,
               "matmul_instance.h: instantiate every entry of PAS_MATMUL_TYPES");
#undef PAS_MATMUL_COUNT_

#define T double
#define SFX _d
#include PAS_MATMUL_BODY
#undef T
#undef SFX

#define T float
#define SFX _s
#include PAS_MATMUL_BODY
#undef T
#undef SFX

#undef PAS_MATMUL_BODY
