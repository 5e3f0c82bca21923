#include <criterion/criterion.h>
Test(farm, placeholder) { cr_assert(1); }
