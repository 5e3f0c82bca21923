#!/usr/bin/env bash
# smpi-run.sh - run a pas program built by `make smpi` on a simulated cluster.
#
#   smpi-run.sh -n RANKS [-p flat|fattree|crossbar|local|PLATFORM.xml] [-t SECONDS] [--] PROGRAM [ARGS]
#
# flat: 4096 hosts on one switch with a shared 1.25 TB/s backbone; fattree:
# 4096 hosts, 2-level fat tree, 4:1 oversubscribed; crossbar: 4096 hosts on
# a non-blocking switch (no backbone) (jobs/smpi/platforms/); local: this
# machine's two cores. One rank per host,
# one OpenMP thread per rank (SimGrid does not simulate OpenMP), no watchdog
# thread. The times pas prints are simulated times (MPI_Wtime under SMPI).
# Compute bursts are timed on this machine and replayed at the platform's host
# speed (1Gf, with smpi/host-speed:1Gf: one simulated host = one core here).
# MPI_Test costs 1 us simulated (SimGrid's default 100 us made each poll of
# a broadcast in flight cost more than the message it waits for); SimGrid
# multiplies it by a count of failed tests that all simulated ranks share,
# unless smpi/grow-injected-times:no (scale-sim.sh sets it for every piece). No cross-traffic (network/crosstraffic:0:
# SimGrid by default also charges each flow 5% of its rate on the reverse
# route, for TCP's acknowledgements; that coupled every pair of opposite
# links in its bandwidth solver, 0.6-0.8% of the simulated time and up to
# 2.6x the wall time), and on the flat platform network/optim:Full (every
# flow crosses its one backbone, so SimGrid's lazy partial updates solve
# everything anyway, at a cost): jobs/README.md has the measurements.
# smpirun's exit status misses MPI_Abort, so this script also fails when a
# rank did not return 0. PAS_SMPI_CFG adds --cfg=... options (after these:
# they win).
set -u
here=$(cd "$(dirname "$0")" && pwd)
np=1 plat=flat limit=0 speed=""
while [ $# -gt 0 ]; do
    case "$1" in
    -n) np="$2"; shift 2 ;;
    -p) plat="$2"; shift 2 ;;
    -t) limit="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "smpi-run.sh: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "smpi-run.sh: no program; usage: smpi-run.sh -n RANKS [-p PLATFORM] PROGRAM [ARGS]" >&2; exit 2; }
command -v smpirun >/dev/null || { echo "smpi-run.sh: smpirun is missing; apt-get install -y libsimgrid-dev" >&2; exit 2; }
case "$plat" in
flat) xml="$here/platforms/flat-4096.xml"; prefix=node-; max=4096; speed=--cfg=network/optim:Full ;;
fattree) xml="$here/platforms/fattree-4096.xml"; prefix=node-; max=4096 ;;
crossbar) xml="$here/platforms/crossbar-4096.xml"; prefix=node-; max=4096 ;;
local) xml="$here/platforms/local-2.xml"; prefix=core-; max=2 ;;
*.xml) xml="$plat"; prefix="${PAS_SMPI_PREFIX:-node-}"; max="${PAS_SMPI_HOSTS:-$np}" ;;
*) echo "smpi-run.sh: platform '$plat' is not flat, fattree, crossbar, local or a .xml file" >&2; exit 2 ;;
esac
case "$np" in ''|*[!0-9]*|0) echo "smpi-run.sh: -n '$np' is not a rank count" >&2; exit 2 ;; esac
[ "$np" -le "$max" ] || { echo "smpi-run.sh: $np ranks but the $plat platform has $max hosts (one rank per host)" >&2; exit 2; }
hosts=$(mktemp)
log=$(mktemp)
trap 'rm -f "$hosts" "$log"' EXIT
seq 0 $((np - 1)) | sed "s/^/$prefix/" >"$hosts"
cmd=(smpirun -np "$np" -platform "$xml" -hostfile "$hosts"
    --cfg=smpi/host-speed:1Gf --cfg=smpi/display-timing:yes --cfg=smpi/shared-malloc:local
    --cfg=smpi/alltoallv:pair --cfg=smpi/allgather:bruck --cfg=smpi/allgatherv:mpich_rdb
    --cfg=smpi/send-is-detached-thresh:0 --cfg=smpi/privatization:1 --cfg=smpi/test:1e-6
    --cfg=network/crosstraffic:0 $speed ${PAS_SMPI_CFG:-} "$@" --threads 1)
[ "$limit" != 0 ] && cmd=(timeout -k 5 "$limit" "${cmd[@]}")
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PAS_WATCHDOG=0 "${cmd[@]}" >"$log" 2>&1
rc=$?
# Keep the program's output and SimGrid's summary; drop the configuration chatter.
grep -v -E '\[xbt_cfg/INFO\]|\[smpi_coll/INFO\] Switch to|^$' "$log"
if [ $rc = 0 ] && grep -q -E 'SMPI process did not return 0|MPI_Abort' "$log"; then
    rc=1
fi
exit $rc
