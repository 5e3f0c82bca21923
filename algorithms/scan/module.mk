# scan: distributed prefix sums (pas-scan)
INC_DIRS += algorithms/scan
LIB_SRCS += algorithms/scan/scan.c
PROG_SRCS += algorithms/scan/pas-scan.c
PUBLIC_HEADERS += algorithms/scan/pas_scan.h
