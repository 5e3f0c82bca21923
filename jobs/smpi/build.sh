#!/usr/bin/env bash
# build.sh - the pas programs built with SimGrid's smpicc (`make smpi`), into
# build/smpi/bin (PAS_SMPI_BUILD overrides build/smpi). Same sources and
# optimization flags as the normal build (the simulator replays measured
# compute times), with:
#   -include jobs/smpi/smpi_compat.h   (SimGrid's libc macros, thread level)
#   -UPAS_HAVE_HWLOC                   (no topology discovery in simulated ranks)
# A module that does not compile under smpicc is left out with a message; the
# others are still built. Installs libsimgrid-dev as root when missing.
set -u
cd "$(dirname "$0")/../.."
build="${PAS_SMPI_BUILD:-build/smpi}"
if ! command -v smpicc >/dev/null 2>&1; then
    PAS_EXTRA_DEBS=libsimgrid-dev jobs/ensure-deps.sh core >/dev/null 2>&1
    command -v smpicc >/dev/null 2>&1 || {
        echo "make smpi: SimGrid's smpicc is missing; install it with: apt-get install -y libsimgrid-dev" >&2
        exit 2
    }
fi
mkdir -p "$build"
mk=(make --no-print-directory -j"$(nproc)" MPI=1 CC=smpicc BUILD="$build" BINDIR="$build/bin"
    CFLAGS="-O3 -march=native -g -include $(pwd)/jobs/smpi/smpi_compat.h" CPPFLAGS=-UPAS_HAVE_HWLOC)
# make does not see flag changes: start over when they differ from last time.
if [ "$(cat "$build/.flags" 2>/dev/null)" != "${mk[*]}" ]; then
    rm -rf "$build/obj" "$build/bin" "$build/libpas.a"
    mkdir -p "$build"
    echo "${mk[*]}" >"$build/.flags"
fi
if "${mk[@]}" ${MODULES:+MODULES="$MODULES"} progs >"$build/build.log" 2>&1; then
    echo "make smpi: $(ls "$build/bin" | grep '^pas-' | tr '\n' ' ')in $build/bin"
    exit 0
fi
# Module by module: keep what compiles.
mods=$(make --no-print-directory -s print-MODULE_MKS | tr ' ' '\n' | sed -n 's|^algorithms/\([^/]*\)/module.mk$|\1|p; s|^\([^/]*\)/module.mk$|\1|p' |
    grep -vx -e core -e decomp -e tests -e scan -e jobs)
left=""
for m in $mods; do
    if ! "${mk[@]}" MODULES="$m" progs >"$build/build-$m.log" 2>&1; then
        left="$left $m"
        echo "make smpi: module $m does not compile with smpicc, left out: $(grep -m1 -E 'error' "$build/build-$m.log")" >&2
    fi
done
ls "$build/bin"/pas-* >/dev/null 2>&1 || { echo "make smpi: nothing compiled; see $build/build.log" >&2; exit 1; }
echo "make smpi: $(ls "$build/bin" | grep '^pas-' | tr '\n' ' ')in $build/bin${left:+ (left out:$left)}"
