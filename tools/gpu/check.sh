#!/usr/bin/env bash
# One prepared GPU run (issue 32): parity, throughput, a profile and a short CUDA training, in priority order,
# each step under its own time limit and the whole under a deadline, every figure written under $OUT.
#
# Here (a machine with the .NET SDK):
#   ../shared/tools/gpu-bundle src/Cli cli                # .gpu/cli.tar.xz, a self-contained build
#   mkdir -p .gpudata && for f in ~/.cache/neuromorphic/mnist/*; do gzip -c $f > .gpudata/$(basename $f).gz; done
# There (device tool): carry [".gpu", ".gpudata"], command: bash tools/gpu/check.sh
# Output: $OUT/results.jsonl (one JSON object per step, with its name), $OUT/log.txt, $OUT/ncu.txt.
DEADLINE=${DEADLINE:-420}          # seconds after which remaining steps are skipped
source "$(dirname "$0")/common.sh"

# 1. Parity: fused network kernel training (per-sample updates, batch 64, 256 samples) CUDA vs the native CPU path.
step parity_train_cuda 90 train --backend cuda --batch 64 --batch-update sample --train-samples 256 --epochs 1 --validation-samples 0 --test-samples 1000 --out /tmp/p_cuda.nmm
step parity_train_cpu 90 train --backend cpu --batch 64 --batch-update sample --train-samples 256 --epochs 1 --validation-samples 0 --test-samples 1000 --out /tmp/p_cpu.nmm
# Inference: the per-phase kernels, the network kernel and the CPU on all 10,000 test digits of the committed model.
# (The chain kernel this step once ran was deleted after this run: docs/performance.md, "One fused kernel".)
step test_per_phase 60 test $M --backend cuda --batch 4096 --inference-kernel per-phase
step test_network 60 test $M --backend cuda --batch 4096 --inference-kernel network
step test_cpu 90 test $M --backend cpu --batch 16

# 2. Throughput (the committed trained model by default).
for b in 1024 4096 16384; do
  step bench_inf_per_phase_$b 40 bench --backend cuda --batch $b --inference-kernel per-phase
  step bench_inf_network_$b 40 bench --backend cuda --batch $b --inference-kernel network
done
step bench_train_1 40 bench --backend cuda --train --batch 1 --samples 100
for b in 256 1024 4096 16384; do
  step bench_train_sample_$b 60 bench --backend cuda --train --batch-update sample --batch $b --samples $b
done
step bench_train_cpu16 40 bench --backend cpu --train --batch-update sample --batch 16 --samples 256

# 3. Accuracy of per-sample updates at batch 256 on CUDA, the main job's protocol (batch 1: 4.22%).
# Two epochs of 50,000 if the measured speed allows them in about 150 s, else fewer digits per epoch (said in the JSON).
sps=$(python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1])]
print(next((int(d["samples_per_s"]) for d in r if d.get("step")=="bench_train_sample_256" and "samples_per_s" in d), 0))' "$OUT/results.jsonl" 2>/dev/null || echo 0)
per_epoch=$(( sps * 70 )); (( per_epoch > 50000 )) && per_epoch=50000
if (( per_epoch >= 5000 )); then
  step train_b256_2ep 200 train --backend cuda --batch 256 --batch-update sample --epochs 2 --eta-decay 0.5 --train-samples $per_epoch --out /tmp/b256.nmm
else log "skip train_b256_2ep: $sps samples/s at batch 256"; fi

# 4. Where the time goes: one launch of each kernel of a training batch and an inference batch under Nsight Compute.
now=$(( $(date +%s) - start ))
if command -v ncu >/dev/null && (( now + 60 < DEADLINE )); then
  log "ncu"
  timeout 120 ncu --clock-control none --launch-count 2 --section SpeedOfLight --section Occupancy --section LaunchStats \
    --section MemoryWorkloadAnalysis "$N" bench --backend cuda --train --batch-update sample --batch 1024 --samples 1024 > "$OUT/ncu.txt" 2>&1
  log "ncu rc=$?"
  timeout 90 ncu --clock-control none --launch-count 1 --section SpeedOfLight --section Occupancy --section LaunchStats \
    "$N" bench --backend cuda --batch 4096 --samples 4096 >> "$OUT/ncu.txt" 2>&1
  log "ncu inference rc=$?"
else log "ncu skipped"; fi
log "end"
