#include "pas_driver.h"
#include "pas_sort.h"
int main(int argc, char **argv) { pas_driver_t d; static const pas_prog_info_t info = {"t_sort", "x", "", NULL}; const pas_opt_t t[] = {{0}}; int c = pas_driver_begin(&d, &info, t, NULL, &argc, &argv); if (c >= 0) return c; return pas_driver_end(&d, 0); }
