#!/usr/bin/env bash
# local-cluster.sh - a private, real Slurm on this machine, without systemd.
#
#   local-cluster.sh up     [--dir DIR] [--nodes N] [--cpus C]   start munged, slurmctld, N slurmd
#   local-cluster.sh status [--dir DIR]                          sinfo, and which daemons live
#   local-cluster.sh down   [--dir DIR]                          stop exactly the PIDs `up` started
#   local-cluster.sh env    [--dir DIR]                          print the export lines for clients
#
# Everything lives in DIR (default: a new /tmp/pas-slurm.XXXXXX; `up` prints it):
# the munge key and socket, slurm.conf, state, spool, logs, and the file `pids`
# that `down` reads. Ports are chosen free at `up`, so two clusters (two test
# runs) can coexist. Node names are n1..nN, all on localhost, each with C CPUs
# (default 8: slurmd's config_overrides lets 8 ranks share 2 real cores).
# Clients need only SLURM_CONF=DIR/slurm.conf (`eval "$(local-cluster.sh env --dir DIR)"`).
# Needs root (slurmd runs jobs as any user) and the Debian packages slurm-wlm and munge.
set -u
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }

cmd="${1:-}"
[ $# -gt 0 ] && shift
dir="${PAS_SLURM_DIR:-}"
nodes=1
cpus=8
while [ $# -gt 0 ]; do
    case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    --cpus) cpus="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "local-cluster.sh: unknown argument '$1'; see --help" >&2; exit 2 ;;
    esac
done
case "$nodes" in [1-9]|[1-9][0-9]) ;; *) echo "local-cluster.sh: --nodes '$nodes' must be 1..99" >&2; exit 2 ;; esac
case "$cpus" in ''|*[!0-9]*|0) echo "local-cluster.sh: --cpus '$cpus' must be a positive count" >&2; exit 2 ;; esac

die() { echo "local-cluster.sh: $*" >&2; exit 1; }

# A TCP port nobody listens on, from a random start.
used_ports() { ss -Htan 2>/dev/null | awk '{n=split($4,a,":"); print a[n]}'; }
free_port() {
    local p taken
    taken=$(used_ports; cat "$dir/ports" 2>/dev/null)
    for _ in $(seq 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        echo "$taken" | grep -qx "$p" || { echo "$p" >>"$dir/ports"; echo "$p"; return 0; }
    done
    return 1
}

# Is the process PID alive and still the program NAME (no PID reuse)?
alive() { [ -r "/proc/$1/comm" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

start_bg() { # NAME LOG CMD... : start in its own session, record "PID NAME"
    local name="$1" log="$2"
    shift 2
    setsid "$@" </dev/null >>"$log" 2>&1 &
    echo "$! $name" >>"$dir/pids"
}

wait_for() { # SECONDS CMD... : poll until CMD succeeds
    local t="$1"
    shift
    for _ in $(seq $((t * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

up() {
    [ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their users)"
    for b in munged slurmctld slurmd sinfo; do
        command -v "$b" >/dev/null || die "$b not found; install it with: apt-get install -y slurm-wlm munge"
    done
    if [ -z "$dir" ]; then
        dir=$(mktemp -d /tmp/pas-slurm.XXXXXX) || die "cannot create a directory under /tmp"
    fi
    [ -e "$dir/pids" ] && die "$dir already has a cluster (pids); run: $0 down --dir $dir"
    mkdir -p "$dir"/{state,log} || die "cannot create $dir"
    dir=$(cd "$dir" && pwd)
    chmod 700 "$dir"
    : >"$dir/ports"

    # munge: a private key, socket, pid and seed, in the foreground (-F).
    mkdir -p "$dir/munge"
    chmod 700 "$dir/munge"
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
    start_bg munged "$dir/log/munged.log" munged -F --force --key-file="$dir/munge/munge.key" \
        --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
        --seed-file="$dir/munge/munge.seed" --log-file="$dir/log/munged.log"
    wait_for 10 test -S "$dir/munge/munge.socket" || { down_quiet; die "munged did not start; see $dir/log/munged.log"; }

    local ctl_port host
    ctl_port=$(free_port) || die "no free TCP port"
    host=$(hostname -s)
    cat >"$dir/slurm.conf" <<EOF
# Written by jobs/slurm/local-cluster.sh: a private test cluster in $dir
ClusterName=pas
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool-%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=pmix
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2,sched_min_interval=100000
SlurmdParameters=config_overrides
ReturnToService=2
JobRequeue=1
MaxJobCount=10000
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmdTimeout=300
MessageTimeout=20
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
TmpFS=$dir/tmp-%n
EOF
    :
    local i p names=""
    for i in $(seq "$nodes"); do
        p=$(free_port) || die "no free TCP port"
        echo "NodeName=n$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$p CPUs=$cpus State=UNKNOWN" >>"$dir/slurm.conf"
        names="$names${names:+,}n$i"
        mkdir -p "$dir/spool-n$i" "$dir/tmp-n$i"
    done
    echo "PartitionName=debug Nodes=$names Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO" >>"$dir/slurm.conf"
    export SLURM_CONF="$dir/slurm.conf"

    start_bg slurmctld "$dir/log/slurmctld.out" slurmctld -D -i -f "$SLURM_CONF"
    wait_for 20 scontrol ping || { down_quiet; die "slurmctld did not answer; see $dir/log/slurmctld.log"; }
    for i in $(seq "$nodes"); do
        start_bg slurmd "$dir/log/slurmd-n$i.out" slurmd -D -N "n$i" -f "$SLURM_CONF"
    done
    # Idle nodes: every node up and none down.
    if ! wait_for 30 sh -c "[ \"\$(sinfo -h -N -o '%T' | grep -c '^idle')\" = $nodes ]"; then
        sinfo -N >&2
        down_quiet
        die "the nodes did not come up idle; see $dir/log/"
    fi
    echo "local Slurm up: $nodes node(s) x $cpus CPUs, dir $dir"
    echo "  export SLURM_CONF=$dir/slurm.conf"
    echo "  stop it with: $0 down --dir $dir"
}

# Stop the PIDs `up` recorded: TERM, wait, then KILL; the newest first.
down_quiet() {
    [ -f "$dir/pids" ] || return 0
    local pid name left
    tac "$dir/pids" | while read -r pid name; do
        alive "$pid" "$name" && kill -TERM "$pid" 2>/dev/null
    done
    for _ in $(seq 50); do
        left=0
        while read -r pid name; do alive "$pid" "$name" && left=1; done <"$dir/pids"
        [ $left = 0 ] && break
        sleep 0.2
    done
    while read -r pid name; do
        alive "$pid" "$name" && { echo "local-cluster.sh: $name ($pid) ignored TERM; killing it" >&2; kill -KILL "$pid" 2>/dev/null; }
    done <"$dir/pids"
    # slurmstepd daemonizes away from slurmd: find ours by the SLURM_CONF
    # they inherited from the slurmd we started.
    local strays
    strays=$(stepds)
    if [ -n "$strays" ]; then
        kill -TERM $strays 2>/dev/null
        for _ in $(seq 25); do [ -z "$(stepds)" ] && break; sleep 0.2; done
        strays=$(stepds)
        [ -n "$strays" ] && kill -KILL $strays 2>/dev/null
    fi
    mv "$dir/pids" "$dir/pids.stopped"
}

stepds() {
    local f pid
    for f in /proc/[0-9]*/comm; do
        [ "$(cat "$f" 2>/dev/null)" = slurmstepd ] || continue
        pid=${f#/proc/}
        pid=${pid%/comm}
        tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "SLURM_CONF=$dir/slurm.conf" && echo "$pid"
    done
}

down() {
    [ -n "$dir" ] || die "which cluster? pass --dir DIR (printed by 'up') or set PAS_SLURM_DIR"
    [ -f "$dir/pids" ] || { echo "local-cluster.sh: no cluster running in $dir"; return 0; }
    # Jobs still running would be orphaned when slurmd goes: cancel them first.
    export SLURM_CONF="$dir/slurm.conf"
    if timeout 10 scancel --quiet --user="$(id -un)" >/dev/null 2>&1; then
        for _ in $(seq 50); do
            [ -z "$(timeout 5 squeue -h -t R,CG,CF -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    down_quiet
    echo "local Slurm in $dir stopped"
}

status() {
    [ -n "$dir" ] || die "which cluster? pass --dir DIR or set PAS_SLURM_DIR"
    [ -f "$dir/pids" ] || { echo "no cluster running in $dir"; return 1; }
    local pid name bad=0
    while read -r pid name; do
        if alive "$pid" "$name"; then echo "  $name pid $pid: running"; else echo "  $name pid $pid: GONE"; bad=1; fi
    done <"$dir/pids"
    SLURM_CONF="$dir/slurm.conf" sinfo -N || bad=1
    return $bad
}

case "$cmd" in
up) up ;;
down) down ;;
status) status ;;
env) [ -n "$dir" ] || die "pass --dir DIR"; echo "export SLURM_CONF=$dir/slurm.conf" ;;
-h|--help|help) usage ;;
*) usage >&2; exit 2 ;;
esac
