# decomp: block and block-cyclic ranges, owners, 2D process grids
INC_DIRS += decomp
LIB_SRCS += $(addprefix decomp/,block.c cyclic.c grid.c dmatrix.c redistribute.c matrix_io.c)
PUBLIC_HEADERS += decomp/pas_decomp.h
