#!/usr/bin/env bash
# t_pipe_checkpoint [RANKS] - a checkpointed pas-pipeline run is killed by
# PAS_FAULT (its writer exits, as a crashed rank would), restarted, and its
# output must be byte-identical (cmp) to an uninterrupted run's.
# Installed as $(BUILD)/tests/t_pipe_checkpoint; run from the repository root
# (tests/run-tests.sh does) with pas-pipeline on the PATH; its preamble, shared
# with the other script test, is pipeline/test-common.sh.
set -u
NAME=t_pipe_checkpoint
. pipeline/test-common.sh
seq 1 60000 | awk '{printf "%d record %x with some text\n", $1, $1 * 7919}' >"$dir/in"
fail() { echo "t_pipe_checkpoint: $*" >&2; echo "checkpoint: 0 passed, 1 failed, 0 skipped"; exit 1; }
common=(--input "$dir/in" --transform compress --checkpoint-every 500)

"$launch" -n "$np" -t 60 "$prog" "${common[@]}" --output "$dir/ref" --ordered --quiet >/dev/null ||
    fail "the uninterrupted run failed"
# the writer is the last rank (with threads: rank 0); it dies at its 20000th record
PAS_FAULT="$((np > 1 ? np - 1 : 0)):write:exit:20000" "$launch" -n "$np" -t 60 "$prog" "${common[@]}" \
    --output "$dir/out" --checkpoint "$dir/ckpt" --quiet >"$dir/log1" 2>&1
rc=$?
[ $rc -ne 0 ] || fail "the run with an injected crash exited 0"
grep -q "PAS_FAULT injects 'exit'" "$dir/log1" || fail "the fault did not fire: $(tail -n 3 "$dir/log1")"
[ -e "$dir/out" ] && fail "a crashed run left a complete-looking output"
[ -s "$dir/ckpt" ] || fail "no checkpoint was committed before the crash"
"$launch" -n "$np" -t 60 "$prog" "${common[@]}" --output "$dir/out" --checkpoint "$dir/ckpt" >"$dir/log2" 2>&1 ||
    fail "the restarted run failed: $(tail -n 3 "$dir/log2")"
at=$(sed -n 's/^# resumed_at *= *//p' "$dir/log2")
[ "${at:-0}" -gt 0 ] || fail "the restart did not resume from the checkpoint (resumed_at=${at:-?})"
cmp "$dir/ref" "$dir/out" || fail "the resumed output differs from the uninterrupted one"
[ -e "$dir/ckpt" ] && fail "the checkpoint was not removed after completion"
echo "t_pipe_checkpoint: killed at record 20000 (rc $rc), resumed at $at, output identical ($np ranks) PASS"
echo "checkpoint: 1 passed, 0 failed, 0 skipped"
