#!/bin/bash
# fallback sweep, continued: 1024 crossbar ranks, every distribution of
# --dist all, 4K keys/rank, seeds SEEDS (default 4-8; sort-model-v4 ran 1-3).
# Logs and sweep.txt go to OUT (default: the current directory).
repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
out="$(cd "${OUT:-.}" && pwd)"
cd "$repo" || exit 2
for seed in ${SEEDS:-4 5 6 7 8}; do
  t0=$(date +%s)
  PAS_SMPI_KEYRATE=94 PAS_SMPI_MERGERATE=216 PAS_SMPI_CLASSIFYRATE=300 PAS_SMPI_CFG="--cfg=smpi/simulate-computation:no" \
    nice -n 19 jobs/smpi/smpi-run.sh -n 1024 -p crossbar -t 1200 build/smpi/bin/pas-sort --algo ams --dist all \
    --n $((1024*4096)) --seed "$seed" --reps 1 --warmup 0 --quiet > "$out/sweep-$seed.log" 2>&1
  rc=$?
  echo "seed $seed rc=$rc wall=$(( $(date +%s) - t0 )) rows=$(grep -c 'PASS' "$out/sweep-$seed.log") fallback_rows=$(grep -c 'fallback=[1-9]' "$out/sweep-$seed.log") fail_rows=$(grep -c ' FAIL ' "$out/sweep-$seed.log")" >> "$out/sweep.txt"
done
