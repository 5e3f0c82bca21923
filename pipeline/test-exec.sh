#!/usr/bin/env bash
# t_pipe_exec [RANKS] - pas-pipeline --transform exec against the same
# command run serially on the whole input: with --ordered the output must be
# byte-identical (cmp) for commands that work record by record (tr, cat,
# awk, grep), including one that writes 50x what it reads (big outputs both
# ways: no deadlock) and one that writes less; without --ordered the same
# lines in some order.  Then failures: a missing command, a non-zero exit, a
# command killed by a signal, --exec-timeout: exit 1, one line naming the
# command, the block and why, and no output file left; and a SIGTERM to the
# job takes the running commands along (none survives).
# Installed as $(BUILD)/tests/t_pipe_exec; run from the repository root
# (tests/run-tests.sh does) with pas-pipeline on the PATH; its preamble, shared
# with the other script test, is pipeline/test-common.sh.
set -u
NAME=t_pipe_exec
. pipeline/test-common.sh
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok    $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL  $*"; }
seq 1 20000 | awk '{printf "%d record %x with Some text\n", $1, $1 * 7919}' >"$dir/in"
printf 'no newline at the end' >>"$dir/in"
head -n 300 "$dir/in" >"$dir/small"
spec=()
[ "$np" -ge 3 ] && spec=(--spec "read:1,work:$((np - 2)),write:1")

# same NAME CMD [OPTIONS]: ordered output equals `sh -c CMD < $in`
in="$dir/in"
same() {
    local name="$1" cmd="$2"; shift 2
    sh -c "$cmd" <"$in" >"$dir/ref" || { bad "$name: the serial run failed"; return; }
    if ! "$launch" -n "$np" -t 60 "$prog" "${spec[@]}" --input "$in" --exec "$cmd" --ordered \
        --output "$dir/out" --quiet "$@" >"$dir/log" 2>&1; then
        bad "$name: exit $?: $(grep -m1 'pas-pipeline:' "$dir/log")"
    elif cmp -s "$dir/ref" "$dir/out"; then
        ok "$name: --ordered output identical to the serial run ($(wc -c <"$dir/ref") bytes, $np ranks)"
    else
        bad "$name: the output differs from the serial run: $(cmp "$dir/ref" "$dir/out" 2>&1)"
    fi
    rm -f "$dir/out"
}
same "tr" 'tr a-z A-Z' --block 16K
same "cat, default block" 'cat'
same "awk fields" "awk '{print \$3, \$1}'" --block 8K
same "grep, fewer bytes out" 'grep -v 7 || true' --block 8K
same "20x output" 'awk "{for (i = 0; i < 20; i++) print}"' --block 64K
in="$dir/small"
same "one record per block (each larger than --block)" 'tr e E' --block 1
in="$dir/in"

# unordered: the same lines, blocks in any order
sh -c 'tr a-z A-Z' <"$dir/in" | sort >"$dir/ref"
if "$launch" -n "$np" -t 60 "$prog" "${spec[@]}" --input "$dir/in" --exec 'tr a-z A-Z; echo' \
    --block 4K --output "$dir/out" --quiet >"$dir/log" 2>&1 &&
    grep -v '^$' "$dir/out" | sort | cmp -s "$dir/ref" -; then
    ok "unordered: the same lines"
else
    bad "unordered: $(grep -m1 'pas-pipeline:' "$dir/log")"
fi
rm -f "$dir/out"

# failures: exit 1, one line naming why, no output left behind
fails() {
    local name="$1" cmd="$2" regex="$3"; shift 3
    "$launch" -n "$np" -t 60 "$prog" "${spec[@]}" --input "$dir/in" --exec "$cmd" --block 64K \
        --output "$dir/out" --quiet "$@" >"$dir/log" 2>&1
    local rc=$?
    if [ $rc != 1 ]; then
        bad "$name: exit $rc, expected 1: $(tail -n 2 "$dir/log")"
    elif ! grep -Eq -- "$regex" "$dir/log"; then
        bad "$name: no line matches /$regex/: $(grep -m1 'pas-pipeline:' "$dir/log")"
    elif ls "$dir" | grep -q '^out'; then
        bad "$name: output left behind: $(ls "$dir" | grep '^out' | tr '\n' ' ')"
    else
        ok "$name: $(grep -m1 -E -- "$regex" "$dir/log" | cut -c1-150)"
    fi
}
fails "command not found" 'no_such_command_pas_exec' \
    "--exec 'no_such_command_pas_exec' failed on block [0-9]+: exit 127 \(command not found\)"
fails "non-zero exit" 'cat >/dev/null; exit 3' "failed on block [0-9]+: exit 3\)"
fails "killed" 'kill -9 $$' "failed on block [0-9]+: signal 9"
# the block that holds line 4000, by the framing rule (whole lines, at most --block bytes)
blk=$(awk -v B=65536 '{ n = length($0) + 1; if (at > 0 && at + n > B) { b++; at = 0 }
                        if ($1 == 4000) { print b; exit }
                        at += n; if (at >= B) { b++; at = 0 } }' "$dir/in")
fails "fails at one block only" 'if grep -q "^4000 "; then exit 4; else cat; fi' \
    "failed on block $blk: exit 4"
fails "time limit" 'sleep 30' "failed on block [0-9]+: timed out after 0.5s" --exec-timeout 0.5

# SIGTERM: no command survives it (each writes its pid, then becomes
# `sleep 45`)
"$launch" -n "$np" -t 60 "$prog" "${spec[@]}" --input "$dir/in" \
    --exec "echo \$\$ >>'$dir/pids'; exec sleep 45" --block 64K --output "$dir/out" --quiet \
    >"$dir/log" 2>&1 &
job=$!
for _ in $(seq 1 150); do [ -s "$dir/pids" ] && break; sleep 0.1; done
sleep 0.5
# the signal goes to every rank of the job, as Slurm sends it at a time
# limit (how a launcher passes on its own signals is its business).  Only
# the ranks running commands once: then the launcher killed the writer rank
# as the first rank ended, at times before its handler removed its
# temporary output file.
ranks=$(for p in $(pgrep -f -- "--output $dir/out"); do
    [ "$(ps -o comm= -p "$p")" = pas-pipeline ] && echo "$p"
done)
kill -TERM $ranks
wait "$job"
rc=$?
alive() { local n=0 p; for p in $(cat "$dir/pids" 2>/dev/null); do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done; echo $n; }
for _ in $(seq 1 30); do left=$(alive); [ "$left" = 0 ] && break; sleep 0.1; done
started=$(wc -l <"$dir/pids" 2>/dev/null || echo 0)
# A launcher may SIGKILL the other ranks as soon as one ends (MPICH's does):
# a rank killed before its handler ran leaves its temporary file, never the
# final name; the next run to that output removes it (its process is gone).
stale=""
if ls "$dir" | grep -q '^out\.pas-tmp\.' && [ ! -e "$dir/out" ]; then
    "$launch" -n 1 -t 60 "$prog" --input "$dir/small" --exec cat --output "$dir/out" --quiet \
        >"$dir/log2" 2>&1 && cmp -s "$dir/out" "$dir/small" &&
        ! ls "$dir" | grep -q '^out\.pas-tmp\.' && rm -f "$dir/out" &&
        stale=" (a rank killed by the launcher left its temporary file: the next run removed it)"
fi
if [ "$started" -gt 0 ] && [ "$left" = 0 ] && [ $rc != 0 ] && ! ls "$dir" | grep -q '^out'; then
    ok "SIGTERM: exit $rc, none of the $started commands left running, no output$stale"
else
    bad "SIGTERM: exit $rc, $left of $started commands still running, files: $(ls "$dir" | tr '\n' ' ')"
    kill -KILL $(cat "$dir/pids" 2>/dev/null) 2>/dev/null # the ones this test started, by id
fi

echo "exec: $pass passed, $fail failed, 0 skipped"
[ $fail -eq 0 ]
