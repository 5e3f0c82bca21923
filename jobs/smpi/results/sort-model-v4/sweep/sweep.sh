#!/bin/bash
# fallback sweep: 1024 crossbar ranks, every distribution, 4K keys/rank, seeds 1..
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
for seed in 1 2 3; do
  t0=$(date +%s)
  PAS_SMPI_KEYRATE=94 PAS_SMPI_MERGERATE=216 PAS_SMPI_CLASSIFYRATE=300 PAS_SMPI_CFG="--cfg=smpi/simulate-computation:no" \
    nice -n 19 jobs/smpi/smpi-run.sh -n 1024 -p crossbar -t 1200 build/smpi/bin/pas-sort --algo ams --dist all \
    --n $((1024*4096)) --seed $seed --reps 1 --warmup 0 --quiet > sweep-$seed.log 2>&1
  rc=$?
  echo "seed $seed rc=$rc wall=$(( $(date +%s) - t0 )) rows=$(grep -c 'PASS' sweep-$seed.log) fallback_rows=$(grep -c 'fallback=[1-9]' sweep-$seed.log) fail_rows=$(grep -c ' FAIL ' sweep-$seed.log)" >> sweep.txt
done
