#!/usr/bin/env bash
cd "$(dirname "$0")"
./opt-run.sh fairb flat 256 --cfg=network/solver:fairbottleneck
./opt-run.sh full flat 512 --cfg=network/optim:Full
./opt-run.sh base flat 512
./opt-run.sh full+ct0 flat 512 --cfg=network/optim:Full --cfg=network/crosstraffic:0
./opt-run.sh ct0 flat 512 --cfg=network/crosstraffic:0
./opt-run.sh full fattree 512 --cfg=network/optim:Full
./opt-run.sh base fattree 512
./opt-run.sh full+ct0 fattree 512 --cfg=network/optim:Full --cfg=network/crosstraffic:0
