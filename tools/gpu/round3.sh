#!/usr/bin/env bash
# The third GPU run of issue 32 (same setup as check.sh): parity with 128 threads per lane (the network kernel's new
# default), the chain kernel at 128 threads, and longer per-sample training at batch 256.
# A record of the run: the chain kernel it compares was deleted afterwards (docs/performance.md, "One fused kernel"),
# so its `--inference-kernel chain` steps are now refused in one line (per-phase is the other kernel left).
#
# Here (a machine with the .NET SDK):
#   ../shared/tools/gpu-bundle src/Cli cli                # .gpu/cli.tar.xz, a self-contained build
#   mkdir -p .gpudata && for f in ~/.cache/neuromorphic/mnist/*; do gzip -c $f > .gpudata/$(basename $f).gz; done
# There (device tool): carry [".gpu", ".gpudata"], command: bash tools/gpu/round3.sh
# Output: $OUT/results.jsonl (one JSON object per step, with its name), $OUT/log.txt, $OUT/ncu.txt.
DEADLINE=${DEADLINE:-200}          # seconds after which remaining steps are skipped
source "$(dirname "$0")/common.sh"

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
