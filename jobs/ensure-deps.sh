#!/usr/bin/env bash
# ensure-deps.sh GROUP - install the Debian packages pas needs, when missing.
#   serial: a C compiler and make (make MPI=0 run)    core: + Open MPI (make run)
#   serial-test, core-test: + Criterion, hwloc, zlib, clang-format (make test)
#   all:  every optional peer (BLAS, BLIS, ScaLAPACK, TBB, Boost, Highway vqsort, IPS4o, g++ for
#         the C++ peers, hwloc, zlib, gnuplot)
# As root it runs apt-get (update once); otherwise it prints the exact line.
set -u
group="${1:-core}"
# mpicc runs `gcc`, which libopenmpi-dev does not pull in by itself.
serial="gcc libc6-dev make pkg-config"
core="$serial openmpi-bin libopenmpi-dev"
testing="libcriterion-dev hwloc libhwloc-dev zlib1g-dev clang-format"
optional="libopenblas-dev libblis-dev libscalapack-openmpi-dev libtbb-dev libboost-dev libhwy-dev libips4o-dev g++ hwloc libhwloc-dev zlib1g-dev gnuplot-nox"
case "$group" in
serial) want="$serial" ;;
core) want="$core" ;;
serial-test) want="$serial $testing" ;;
core-test|test) want="$core $testing" ;;
all)  want="$core $testing $optional" ;;
*) echo "ensure-deps.sh: unknown group '$group'; use serial, core, serial-test, core-test or all" >&2; exit 2 ;;
esac
[ -n "${PAS_EXTRA_DEBS:-}" ] && want="$want $PAS_EXTRA_DEBS"

missing=()
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "pas: missing packages (${missing[*]}) and no apt-get; install their equivalents" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "pas: missing Debian packages; install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "pas: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "pas: apt-get update failed; check the network or the package mirror" >&2; exit 1; }
apt-get install -y -qq "${missing[@]}" >/dev/null ||
    { echo "pas: apt-get install ${missing[*]} failed" >&2; exit 1; }
