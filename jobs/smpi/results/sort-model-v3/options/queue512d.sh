#!/usr/bin/env bash
cd "$(dirname "$0")"
while pgrep -f queue512b.sh >/dev/null; do sleep 5; done
D="--cfg=network/crosstraffic:1 --cfg=network/optim:Lazy"
./opt-run.sh ct0 flat 512 --cfg=network/crosstraffic:0 --cfg=network/optim:Lazy
./opt-run.sh full+ct0 flat 512 --cfg=network/optim:Full --cfg=network/crosstraffic:0
./opt-run.sh base flat 512 $D
