#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the sweep tests (docs/sweeps.md):
#   scripts/slurm-local.sh start   # writes $GRADFLOW_SLURM_DIR/slurm.conf, starts slurmctld and slurmd
#   scripts/slurm-local.sh stop    # stops both (only the daemons this script started, by their pid files)
#   scripts/slurm-local.sh env     # prints `export SLURM_CONF=…` for sbatch/squeue/sacct
# Debian's slurm-wlm (22.05) as root without systemd: AuthType=auth/none (no munge daemon; never use this
# on a shared machine), NodeAddr=127.0.0.1, no cgroups (proctrack/linuxproc, task/none), one node with
# this machine's CPUs, ports 16817/16818 so as not to collide with a real cluster's daemons.
set -euo pipefail
dir=${GRADFLOW_SLURM_DIR:-/tmp/gradflow-slurm}
conf=$dir/slurm.conf
node=$(hostname -s)

start() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null || {
    echo "slurm-local: slurmctld/slurmd not installed (Debian: apt-get install slurm-wlm)" >&2
    return 2
  }
  [ "$(id -u)" = 0 ] || { echo "slurm-local: slurmd must run as root here" >&2; return 2; }
  stop >/dev/null 2>&1 || true
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  cpus=$(nproc)
  memory=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
  cat >"$conf" <<CONF
ClusterName=gradflow-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SchedulerParameters=sched_interval=1,batch_sched_delay=0
MaxArraySize=10001
MaxJobCount=20000
MinJobAge=600
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  export SLURM_CONF=$conf
  slurmctld -f "$conf" -i
  slurmd -f "$conf"
  for _ in $(seq 1 100); do
    if sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then
      echo "slurm-local: up ($conf)" >&2
      return 0
    fi
    sleep 0.2
  done
  echo "slurm-local: the node did not come up in 20 s; logs in $dir/log" >&2
  sinfo >&2 || true
  return 1
}

stop() {
  for daemon in slurmd slurmctld; do
    pidfile=$dir/$daemon.pid
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
      rm -f "$pidfile"
    fi
  done
  echo "slurm-local: stopped" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) echo "usage: scripts/slurm-local.sh start|stop|env" >&2; exit 64 ;;
esac
