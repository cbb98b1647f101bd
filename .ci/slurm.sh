# Sourced by .ci/run: a real single-node Slurm on localhost for the study end-to-end test (issue 19).
# slurm_up installs Debian's slurm-wlm and munge when missing, writes a cgroup-free slurm.conf for this host
# under a temporary folder, and starts munged, slurmctld and slurmd there. It never fails and never hangs
# (every wait is bounded): it exports NEUROMORPHIC_SLURM=1 (the test then runs and must pass) and SLURM_CONF,
# and on any failure NEUROMORPHIC_SLURM_ERROR with the failing step and the daemon's own message, which the
# test reports as its failure. slurm_down cancels the cluster's jobs and stops only the daemons slurm_up started.

_slurm_log() { echo "slurm: $*" >&2; }

# The last lines of a daemon's log file, on one line.
_slurm_tail() { [ -f "$1" ] && tail -n 5 "$1" | tr '\n' ' ' | cut -c1-800; }

slurm_up() {
  export NEUROMORPHIC_SLURM=1
  NM_SLURM_DIR=$(mktemp -d /tmp/nm-slurm.XXXXXX)
  export NM_SLURM_DIR
  local d=$NM_SLURM_DIR err
  _slurm_log "starting a single-node Slurm on this host (installing slurm-wlm and munge first if missing)"
  if ! _slurm_up_steps "$d" 2>"$d/up.err"; then
    err=$(tail -n 1 "$d/up.err")
    export NEUROMORPHIC_SLURM_ERROR="${err:-setup failed without a message}"
    _slurm_log "not available: $NEUROMORPHIC_SLURM_ERROR"
  else
    _slurm_log "single-node Slurm up ($(timeout 5 sinfo -h -o '%P %D %T %c' 2>/dev/null | head -1)), state in $d"
  fi
}

# Each step writes its failure as the last line on stderr and returns 1.
_slurm_up_steps() {
  local d=$1 sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo -n"
  if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    if ! ($sudo timeout 120 apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo timeout 300 apt-get install -y -qq slurm-wlm munge) >"$d/apt.log" 2>&1; then
      echo "apt-get install slurm-wlm munge failed: $(_slurm_tail "$d/apt.log")" >&2; return 1
    fi
  fi
  if [ "$(id -u)" -ne 0 ]; then echo "the single-node Slurm needs root (SlurmUser=root); running as $(id -un)" >&2; return 1; fi
  local key=/etc/munge/munge.key
  if [ ! -s "$key" ]; then
    key="$d/munge.key"
    dd if=/dev/urandom of="$key" bs=1024 count=1 2>/dev/null && chmod 400 "$key"
  fi
  mkdir -p "$d/munge" "$d/state" "$d/spool" && chmod 700 "$d/munge"
  # Our own munged on a socket in the temporary folder, so that a system munged (if any) is left alone.
  if ! timeout 20 munged --force --socket="$d/munge/munge.socket" --key-file="$key" --pid-file="$d/munged.pid" \
      --log-file="$d/munged.log" --seed-file="$d/munged.seed" >"$d/munged.out" 2>&1; then
    echo "munged did not start: $(cat "$d/munged.out") $(_slurm_tail "$d/munged.log")" >&2; return 1
  fi
  if ! timeout 10 munge -n --socket="$d/munge/munge.socket" | timeout 10 unmunge --socket="$d/munge/munge.socket" >/dev/null 2>"$d/munge-check.err"; then
    echo "munge credential round trip failed: $(cat "$d/munge-check.err") $(_slurm_tail "$d/munged.log")" >&2; return 1
  fi
  local host node mem port
  host=$(hostname -s 2>/dev/null || hostname 2>/dev/null || echo localhost)
  # Ports of our own: two CI runs on one host get separate clusters.
  port=$((20000 + 2 * (RANDOM % 5000)))
  # The node line as slurmd sees the hardware (CPUs, sockets, cores, memory), less the uptime line.
  node=$(timeout 20 slurmd -C 2>/dev/null | grep '^NodeName=' | head -1)
  [ -z "$node" ] && node="NodeName=$host CPUs=$(nproc)"
  mem=$(echo "$node" | grep -o 'RealMemory=[0-9]*' | cut -d= -f2)
  [ -n "$mem" ] && node=$(echo "$node" | sed -E "s/RealMemory=[0-9]+/RealMemory=$((mem * 9 / 10))/")
  node=$(echo "$node" | sed -E "s/^NodeName=[^ ]+/NodeName=$host/")
  cat >"$d/slurm.conf" <<EOF
# Written by .ci/run: one node (this host), one partition, no cgroups, no accounting.
ClusterName=nmci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
MinJobAge=300
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$d/slurm.conf"
  if ! timeout 30 slurmctld -c -f "$d/slurm.conf" >"$d/slurmctld.out" 2>&1; then
    echo "slurmctld did not start: $(cat "$d/slurmctld.out") $(_slurm_tail "$d/slurmctld.log")" >&2; return 1
  fi
  if ! timeout 30 slurmd -f "$d/slurm.conf" >"$d/slurmd.out" 2>&1; then
    echo "slurmd did not start: $(cat "$d/slurmd.out") $(_slurm_tail "$d/slurmd.log")" >&2; return 1
  fi
  # Wait (at most 60 s) for the node to report idle.
  local state="" i
  for i in $(seq 1 60); do
    state=$(timeout 5 sinfo -h -N -o '%T' 2>/dev/null | head -1)
    case "$state" in idle*|mixed*|allocated*) return 0 ;; down*|drain*) timeout 5 scontrol update nodename="$host" state=resume >/dev/null 2>&1 ;; esac
    sleep 1
  done
  echo "node $host not idle after 60 s (state '${state:-unknown}'): slurmctld: $(_slurm_tail "$d/slurmctld.log") slurmd: $(_slurm_tail "$d/slurmd.log")" >&2
  return 1
}

slurm_down() {
  local d=${NM_SLURM_DIR:-} f pid
  [ -z "$d" ] && return 0
  # Jobs first (slurmstepd outlives slurmd under proctrack/linuxproc), then the daemons, by their pid files.
  [ -f "$d/slurmctld.pid" ] && SLURM_CONF="$d/slurm.conf" timeout 10 scancel -u "$(id -un)" >/dev/null 2>&1 && sleep 1
  for f in slurmd slurmctld munged; do
    [ -f "$d/$f.pid" ] || continue
    pid=$(cat "$d/$f.pid" 2>/dev/null)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$d"
  _slurm_log "daemons stopped"
}
