#!/usr/bin/env bash
cd "$(dirname "$0")"
for plat in fattree flat; do
./opt-run.sh base $plat 256
./opt-run.sh ct0 $plat 256 --cfg=network/crosstraffic:0
./opt-run.sh cm02 $plat 256 --cfg=network/model:CM02
./opt-run.sh mmprec $plat 256 --cfg=maxmin/precision:1e-3
./opt-run.sh full $plat 256 --cfg=network/optim:Full
done
