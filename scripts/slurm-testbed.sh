#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A real Slurm cluster on this machine for flow's cluster tests: munged, slurmctld and
# three slurmd (node1..node3, each with its own port, spool folder and log) on loopback,
# from Debian's slurm-wlm and munge, all in one folder. Run as root (or with sudo). Nothing listens on
# anything but 127.0.0.1 and nothing is downloaded.
#   scripts/slurm-testbed.sh up [DIR]            start it; prints the SLURM_CONF to use
#   scripts/slurm-testbed.sh down [DIR]          cancel every job and stop everything
#   scripts/slurm-testbed.sh node-up NODE [DIR]  (re)start one slurmd and return it to service
#   scripts/slurm-testbed.sh status [DIR]
# DIR defaults to $FLOW_SLURM_TESTBED or /tmp/flow-slurm-testbed; ports start at
# $FLOW_SLURM_PORT (default 17817: slurmctld; the nodes take the next three).
set -euo pipefail
# The daemons run as root (CI: root, or a user with sudo).
if [ "$(id -u)" -ne 0 ] && [ "${1:-}" != status ] && command -v sudo >/dev/null; then
  exec sudo -n --preserve-env=FLOW_SLURM_TESTBED,FLOW_SLURM_PORT,FLOW_SLURM_CPUS bash "$0" "$@"
fi

cmd=${1:-}
shift || true
node=""
if [ "$cmd" = node-up ]; then node=${1:?node-up needs a node name}; shift; fi
dir=${1:-${FLOW_SLURM_TESTBED:-/tmp/flow-slurm-testbed}}
port=${FLOW_SLURM_PORT:-17817}
nodes=(node1 node2 node3)
cpus=${FLOW_SLURM_CPUS:-4}   # slots per node: jobs ask for one CPU each

die() { echo "slurm-testbed: $*" >&2; exit 1; }

pid_of() { [ -s "$1" ] && cat "$1" 2>/dev/null || true; }
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# Stops the process whose pid file is $1: TERM, then KILL after 5 s.
stop() {
  local p
  p=$(pid_of "$1")
  [ -n "$p" ] || return 0
  kill "$p" 2>/dev/null || { rm -f "$1"; return 0; }
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
  rm -f "$1"
}

write_conf() {
  mkdir -p "$dir/state" "$dir/log" "$dir/run"
  for n in "${nodes[@]}"; do mkdir -p "$dir/spool/$n"; done
  local i=0 node_lines=""
  for n in "${nodes[@]}"; do
    i=$((i + 1))
    node_lines+="NodeName=$n NodeHostname=$(hostname -s) NodeAddr=127.0.0.1 Port=$((port + i)) CPUs=$cpus RealMemory=1000 State=UNKNOWN"$'\n'
  done
  cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm-testbed.sh: a three-node test cluster on loopback.
ClusterName=flowtest
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/run/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
# The nodes' CPUs are the configured ones, not the machine's.
SlurmdParameters=config_overrides
MpiDefault=none
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# Schedule a released job at once rather than in the next batch (up to seconds later).
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
# CPUs are the slots; CR_LLN spreads jobs over the least loaded nodes.
SelectTypeParameters=CR_CPU,CR_LLN
# A node that stops answering is declared DOWN (its jobs NODE_FAIL) within seconds, and
# comes back by itself once its slurmd registers again.
SlurmdTimeout=6
ReturnToService=2
# Finished jobs stay visible to scontrol for 5 minutes; a cancelled job is killed 3 s
# after its SIGTERM.
MinJobAge=300
KillWait=3
InactiveLimit=0
Waittime=0
$node_lines
PartitionName=flow Nodes=$(IFS=,; echo "${nodes[*]}") Default=YES MaxTime=INFINITE State=UP
# One node alone, for measuring what the other two add.
PartitionName=one Nodes=${nodes[0]} MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  alive "$dir/run/munged.pid" && return 0
  if [ ! -s "$dir/munge.key" ]; then
    (umask 077; dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none)
  fi
  chmod 755 "$dir/run" "$dir"
  # --force: munged refuses a root-owned setup in a temporary folder otherwise.
  munged --force --socket="$dir/run/munge.socket" --key-file="$dir/munge.key" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/run/munged.seed" \
    2>>"$dir/log/munged.err"
  for _ in $(seq 50); do [ -S "$dir/run/munge.socket" ] && return 0; sleep 0.1; done
  die "munged did not start (see $dir/log/munged.log)"
}

start_node() {
  local n=$1
  alive "$dir/run/slurmd-$n.pid" && return 0
  SLURM_CONF="$dir/slurm.conf" slurmd -N "$n" -f "$dir/slurm.conf" 2>>"$dir/log/slurmd-$n.err" ||
    die "slurmd $n did not start (see $dir/log/slurmd-$n.log)"
}

wait_idle() {
  local want=${1:-${#nodes[@]}} idle=0
  local until=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$until" ]; do
    idle=$(SLURM_CONF="$dir/slurm.conf" sinfo -N --noheader --responding --states=idle --format='%N' 2>/dev/null | wc -l || true)
    [ "$idle" -ge "$want" ] && return 0
    sleep 0.2
  done
  SLURM_CONF="$dir/slurm.conf" sinfo -N >&2 || true
  die "only $idle of $want nodes became idle in 60 s (see $dir/log)"
}

case "$cmd" in
  up)
    [ "$(id -u)" -eq 0 ] || die "run as root"
    command -v slurmctld >/dev/null && command -v munged >/dev/null ||
      die "install Debian's slurm-wlm and munge first (apt-get install slurm-wlm munge)"
    mkdir -p "$dir"
    write_conf
    start_munge
    if ! alive "$dir/run/slurmctld.pid"; then
      SLURM_CONF="$dir/slurm.conf" slurmctld -f "$dir/slurm.conf" 2>>"$dir/log/slurmctld.err" ||
        die "slurmctld did not start (see $dir/log/slurmctld.log)"
    fi
    for n in "${nodes[@]}"; do start_node "$n"; done
    wait_idle
    echo "SLURM_CONF=$dir/slurm.conf"
    ;;
  node-up)
    [ -f "$dir/slurm.conf" ] || die "no test cluster in $dir"
    start_node "$node"
    SLURM_CONF="$dir/slurm.conf" scontrol update nodename="$node" state=resume 2>/dev/null || true
    for _ in $(seq 300); do
      SLURM_CONF="$dir/slurm.conf" sinfo -N --noheader --responding --states=idle --nodes="$node" --format='%N' 2>/dev/null |
        grep -qx "$node" && exit 0
      sleep 0.2
    done
    die "$node did not return to service in 60 s"
    ;;
  down)
    [ -d "$dir" ] || exit 0
    if alive "$dir/run/slurmctld.pid"; then
      SLURM_CONF="$dir/slurm.conf" scancel --full --quiet --partition=flow 2>/dev/null || true
    fi
    for n in "${nodes[@]}"; do stop "$dir/run/slurmd-$n.pid"; done
    stop "$dir/run/slurmctld.pid"
    # What the nodes still ran (a slurmstepd whose slurmd was killed, its job's
    # processes) goes too: slurmstepd processes and job processes (SLURM_JOB_ID set) of
    # this cluster only, found by the SLURM_CONF in their environment.
    # One grep reads every environment (a fork per process is minutes under load).
    for f in $(grep -lszx "SLURM_CONF=$dir/slurm.conf" /proc/[0-9]*/environ || true); do
      pid=${f#/proc/}
      pid=${pid%/environ}
      [ "$pid" = $$ ] && continue
      comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
      if [ "$comm" = slurmstepd ] || grep -qsz '^SLURM_JOB_ID=' "$f"; then
        kill -9 "$pid" 2>/dev/null || true
      fi
    done
    stop "$dir/run/munged.pid"
    ;;
  status)
    SLURM_CONF="$dir/slurm.conf" sinfo -N
    SLURM_CONF="$dir/slurm.conf" squeue
    ;;
  *)
    sed -n '3,12p' "$0" >&2
    exit 2
    ;;
esac
