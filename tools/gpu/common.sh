#!/usr/bin/env bash
# The setup shared by the prepared GPU runs (check.sh, round2.sh, round3.sh), sourced by each: unpack the bundle and
# MNIST, print the device, and step(), which runs one CLI command with --json under its own time limit and the run's
# DEADLINE (seconds; the caller sets it), appending its figures to $OUT/results.jsonl.
set -u
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
start=$(date +%s)
log() { echo "[$(( $(date +%s) - start ))s] $*" | tee -a "$OUT/log.txt"; }
mkdir -p /tmp/b /tmp/mnist
tar xJf .gpu/cli.tar.xz -C /tmp/b || { log "bundle missing"; exit 1; }
for f in .gpudata/*.gz; do gunzip -c "$f" > /tmp/mnist/$(basename "$f" .gz); done
export NEUROMORPHIC_DATA_DIR=/tmp/mnist DOTNET_CLI_TELEMETRY_OPTOUT=1
N=/tmp/b/neuromorphic
M=models/erbp-784-200-10-2ep.nmm
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,driver_version --format=csv | tee -a "$OUT/log.txt"
nproc | tee -a "$OUT/log.txt"

# step NAME LIMIT_S ARGS...: runs the CLI with --json, appends {"step": NAME, ...its figures} to results.jsonl.
step() {
  local name=$1 limit=$2; shift 2
  local now=$(( $(date +%s) - start ))
  if (( now + limit / 3 > DEADLINE )); then log "skip $name (deadline)"; return; fi
  log "start $name: $*"
  local t0=$(date +%s%N)
  timeout "$limit" "$N" "$@" --json > "/tmp/$name.out" 2> "/tmp/$name.err"
  local rc=$? t1=$(date +%s%N)
  local last; last=$(tail -n 1 "/tmp/$name.out")
  if [[ $rc -eq 0 && $last == \{* ]]; then
    python3 -c 'import json,sys; d=json.loads(sys.argv[3]); d={"step":sys.argv[1],"wall_s":round(float(sys.argv[2]),2),**d}; print(json.dumps(d))' \
      "$name" "$(( (t1 - t0) / 1000000 ))e-3" "$last" >> "$OUT/results.jsonl"
    log "done $name rc=0"
  else
    echo "{\"step\":\"$name\",\"rc\":$rc,\"error\":$(tail -n 3 "/tmp/$name.err" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()[-600:]))')}" >> "$OUT/results.jsonl"
    log "FAILED $name rc=$rc"; tail -n 5 "/tmp/$name.err" | tee -a "$OUT/log.txt"
  fi
}

