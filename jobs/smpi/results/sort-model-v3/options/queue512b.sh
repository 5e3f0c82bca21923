#!/usr/bin/env bash
cd "$(dirname "$0")"
while pgrep -f queue512.sh >/dev/null; do sleep 5; done
./opt-run.sh ct0 fattree 512 --cfg=network/crosstraffic:0
./opt-run.sh base fattree 512
