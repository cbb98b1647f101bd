#!/usr/bin/env bash
# The second GPU run of issue 32 (same setup as check.sh): the batch limit of per-sample training, threads per lane,
# the chain kernel against the network kernel where both apply, and the learning rate of large per-sample batches.
# A record of the run: the chain kernel it compares was deleted afterwards (docs/performance.md, "One fused kernel"),
# so its `--inference-kernel chain` steps are now refused in one line (per-phase is the other kernel left).
#
# Here (a machine with the .NET SDK):
#   ../shared/tools/gpu-bundle src/Cli cli                # .gpu/cli.tar.xz, a self-contained build
#   mkdir -p .gpudata && for f in ~/.cache/neuromorphic/mnist/*; do gzip -c $f > .gpudata/$(basename $f).gz; done
# There (device tool): carry [".gpu", ".gpudata"], command: bash tools/gpu/round2.sh
# Output: $OUT/results.jsonl (one JSON object per step, with its name), $OUT/log.txt, $OUT/ncu.txt.
DEADLINE=${DEADLINE:-330}          # seconds after which remaining steps are skipped
source "$(dirname "$0")/common.sh"

# 1. Per-sample training beyond 2^31 private weights must be refused in one line; the largest batch that fits.
step bench_train_sample_16384 40 bench --backend cuda --train --batch-update sample --batch 16384 --samples 16384
step bench_train_sample_8192 60 bench --backend cuda --train --batch-update sample --batch 8192 --samples 8192
# 2. Threads per lane (registers limit the network kernel to 4 groups of 256 per multiprocessor).
for g in 64 128 256; do
  step bench_train_4096_g$g 40 bench --backend cuda --train --batch-update sample --batch 4096 --samples 4096 --group-size $g
  step bench_inf_16384_g$g 40 bench --backend cuda --batch 16384 --inference-kernel network --group-size $g
done
# 3. Where both kernels apply (deterministic synapses, 250 ms): chain against network.
for k in chain network; do
  step bench_fresh_p1_$k 40 bench --backend cuda --fresh --blank-out 1 --test-sample-ms 250 --batch 16384 --inference-kernel $k
done
step test_default 60 test $M --backend cuda --batch 4096
# 4. Per-sample updates at large batches: the learning rate (best: 3e-3 x 0.75 per epoch at batch 1, 4.22%).
step train_b256_eta16 120 train --backend cuda --batch 256 --batch-update sample --epochs 2 --eta-decay 0.5 --eta 1.875e-4 --out /tmp/t1.nmm
step train_b256_eta64 120 train --backend cuda --batch 256 --batch-update sample --epochs 2 --eta-decay 0.5 --eta 4.6875e-5 --out /tmp/t2.nmm
step train_b1024_eta32 120 train --backend cuda --batch 1024 --batch-update sample --epochs 2 --eta-decay 0.5 --eta 9.375e-5 --out /tmp/t3.nmm
step train_b256_eta4 120 train --backend cuda --batch 256 --batch-update sample --epochs 2 --eta-decay 0.5 --eta 7.5e-4 --out /tmp/t4.nmm
log "end"
