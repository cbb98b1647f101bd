#!/usr/bin/env bash
# The third GPU run of issue 32 (same setup as check.sh): parity with 128 threads per lane (the network kernel's new
# default), the chain kernel at 128 threads, and longer per-sample training at batch 256.
# A record of the run: the chain kernel it compares was deleted afterwards (docs/performance.md, "One fused kernel"),
# so its `--inference-kernel chain` steps are now refused in one line (per-phase is the other kernel left).
#
# Here (a machine with the .NET SDK):
#   ../shared/tools/gpu-bundle src/Cli cli                # .gpu/cli.tar.xz, a self-contained build
#   mkdir -p .gpudata && for f in ~/.cache/neuromorphic/mnist/*; do gzip -c $f > .gpudata/$(basename $f).gz; done
# There (device tool): carry [".gpu", ".gpudata"], command: bash tools/gpu/check.sh
# Output: $OUT/results.jsonl (one JSON object per step, with its name), $OUT/log.txt, $OUT/ncu.txt.
set -u
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
DEADLINE=${DEADLINE:-200}          # seconds after which remaining steps are skipped
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

step parity_train_cuda 60 train --backend cuda --batch 64 --batch-update sample --train-samples 256 --epochs 1 --validation-samples 0 --test-samples 1000 --out /tmp/p_cuda.nmm
step test_default 60 test $M --backend cuda --batch 4096
step bench_train_4096 40 bench --backend cuda --train --batch-update sample --batch 4096 --samples 4096
step bench_train_8192 40 bench --backend cuda --train --batch-update sample --batch 8192 --samples 8192
for g in 128 256; do
  step bench_fresh_p1_chain_g$g 40 bench --backend cuda --fresh --blank-out 1 --test-sample-ms 250 --batch 16384 --inference-kernel chain --group-size $g
done
step bench_fresh_p1_network 40 bench --backend cuda --fresh --blank-out 1 --test-sample-ms 250 --batch 16384 --inference-kernel network
step train_b256_eta8 100 train --backend cuda --batch 256 --batch-update sample --epochs 2 --eta-decay 0.5 --eta 3.75e-4 --out /tmp/t5.nmm
step train_b256_eta16_8ep 150 train --backend cuda --batch 256 --batch-update sample --epochs 8 --eta 1.875e-4 --test-every-epoch --test-samples 10000 --validation-samples 0 --out /tmp/t6.nmm
log "end"
