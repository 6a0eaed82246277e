#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for as long as COMMAND runs:
#
#   bash tools/slurm_local.sh [COMMAND ARGS...]     # default COMMAND: sinfo
#
# Starts munged with a fresh key, then slurmctld and slurmd with a minimal slurm.conf that
# names this host with the cores and memory `slurmd -C` finds; waits until `sinfo` shows the
# node idle; runs COMMAND with SLURM_CONF (so sbatch, squeue, scontrol and sinfo talk to this
# cluster) and SLURM_LOCAL_DIR (the cluster's folder: logs, and jobcomp.txt, the final state
# of every job) exported; then cancels what is left and stops every daemon it started. Its
# exit code is COMMAND's.
#
# Everything lives in one temporary folder (kept, and printed, when COMMAND fails): nothing
# under /etc is read or written, and the ports (16817, 16818) are not Slurm's defaults, so an
# installed Slurm is left alone. Needs root (slurmd runs jobs as their user) and the Debian
# packages slurm-wlm and munge (.ci/setup installs them). Where either is missing it prints
# one line saying why and exits 0, so a developer machine skips; with CI=true it exits 1.
set -euo pipefail

skip() {
  if [ "${CI:-}" = true ]; then
    echo "slurm_local: cannot start a Slurm cluster in CI: $1" >&2
    exit 1
  fi
  echo "slurm_local: skipped: $1"
  exit 0
}

[ "$(id -u)" = 0 ] || skip "needs root (slurmd starts jobs as their user); run it as root"
for tool in munged slurmctld slurmd sbatch sinfo squeue scontrol scancel; do
  command -v "$tool" >/dev/null 2>&1 ||
    skip "$tool is missing; install the Debian packages slurm-wlm and munge (.ci/setup)"
done

dir="$(mktemp -d /tmp/slurm-local.XXXXXX)"
chmod 755 "$dir"
pids=()
status=1

stop() {
  set +e
  if [ -n "${SLURM_CONF:-}" ] && [ -e "$dir/slurmctld.pid" ]; then
    # Cancel what is left so that no job step outlives the cluster, and let it end.
    scancel --full --quiet --user=root 2>/dev/null
    for _ in $(seq 1 20); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  # Daemons in reverse order of start: slurmd, slurmctld, munged.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -9 "$pid" 2>/dev/null
  done
  if [ "$status" = 0 ]; then
    rm -rf "$dir"
  else
    echo "slurm_local: logs kept in $dir" >&2
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# munge: a fresh key, readable by root alone; --force because it runs as root here.
dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge.key"
munged --foreground --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" \
  >"$dir/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 40); do
  [ -S "$dir/munge.socket" ] && break
  sleep 0.25
done
[ -S "$dir/munge.socket" ] || {
  cat "$dir/munged.out" "$dir/munged.log" >&2 2>/dev/null
  echo "slurm_local: munged did not start" >&2
  exit 1
}

# The node as slurmd itself measures it (CPUs, sockets, cores, threads, RealMemory).
host="$(hostname -s)"
node="$(slurmd -C | head -1 | sed "s/^NodeName=[^ ]*/NodeName=$host/")"
mkdir -p "$dir/state" "$dir/spool"
# Job ids start from the clock (a new 10 s step gives a new range), not from 1: a job's log,
# named by its id (slurm-%A_%a.log), then never lands in a log an earlier cluster left.
first_id=$(($(date +%s) / 10 % 5000000 * 10 + 1))
cat >"$dir/slurm.conf" <<EOF
ClusterName=lalc-local
FirstJobId=$first_id
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
# No cgroups: processes are tracked by parent pid, tasks are not bound to cores.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# The final state of every job, one line each (sacct would need a database).
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
SchedulerType=sched/backfill
# Cores are the consumable resource; memory is checked against the node but not reserved.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# A job being cancelled or requeued gets SIGTERM, then SIGKILL 5 s later.
KillWait=5
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$dir/slurm.conf" SLURM_LOCAL_DIR="$dir"

slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$dir/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 1 120); do
  state="$(sinfo -h -n "$host" -o %T 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" != idle ]; then
  tail -n 20 "$dir"/slurmctld.log "$dir"/slurmd.log >&2 2>/dev/null || true
  echo "slurm_local: the node is '${state:-not reported}' after 60 s, not idle" >&2
  exit 1
fi
echo "slurm_local: $(sinfo -V), node $host idle ($(echo "$node" | grep -o 'CPUs=[0-9]*'), $(echo "$node" | grep -o 'RealMemory=[0-9]*') MB), folder $dir"

[ $# -gt 0 ] || set -- sinfo
set +e
"$@"
status=$?
set -e
exit "$status"
