#!/usr/bin/env bash
# files.sh - the files around a computation (issue 11, rows 1-5 and 12):
# a full disk while pas-sort --out and pas-matmul --save write, an input
# truncated while pas-sort --in reads it, two jobs with one output, FIFOs,
# devices and symbolic links as outputs, SIGTERM and SIGINT mid-write, and
# temporary files of killed runs.  Each case fails on the behaviour before
# the fix (PASS on a wrong file, a replaced device, silence on a signal, a
# temporary file left behind).
#
# The moments are made deterministic with the test hook PAS_TEST_PAUSE
# (pas_watch.h): rank 0 stops after its first piece of a read or write,
# creates FILE.ready and waits for FILE.go; the script acts in between.
# The full-disk cases need a 20 MB tmpfs (root); they are skipped with a
# message where it cannot be mounted.
set -u
cd "$(dirname "$0")/../.."
bin="$PWD/${PAS_BINDIR:-bin}"
mpi="${PAS_MPI:-1}"
# Files live in memory (/dev/shm) where it can be had: fsync on a busy disk
# takes seconds, and these cases are about behaviour, not the disk.
base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "${PAS_FILES_DIR:-$base}/pas-files-XXXXXX")
mnt="$work/full"
mounted=0
cleanup() {
    [ $mounted = 1 ] && umount "$mnt" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "  ok    $1"; }
bad() {
    fail=$((fail + 1)); echo "  FAIL  $1: $2"
    [ -s "$work/err" ] && grep -v pas-rank-exit "$work/err" | head -n 6 | sed 's/^/        /'
}
skipped() { skip=$((skip + 1)); echo "  skip  $1: $2"; }
nps="1 3"
[ "$mpi" = 0 ] && nps="1"
common=(--reps 1 --warmup 0 --quiet --threads 1 --watchdog 120)

# Each rank runs under a small wrapper that records its pid (for signals)
# and reports how it ended: "pas-rank-exit CODE exit|signal" on stderr.
wrap=(perl -e '
my $pidfile = shift;
my $pid = fork();
defined $pid or die "fork: $!";
if ($pid == 0) { exec { $ARGV[0] } @ARGV; exit 127; }
open(my $f, ">", "$pidfile.$pid") or die; close $f;
waitpid($pid, 0);
my ($sig, $code) = ($? & 127, $? >> 8);
printf STDERR "pas-rank-exit %d %s\n", $sig ? 128 + $sig : $code, $sig ? "signal" : "exit";
exit($sig ? 128 + $sig : $code);')

# start NP CMD...: run in the background; $job is its pid.
start() {
    local np="$1"; shift
    rm -f "$work"/pid.* "$work/out" "$work/err"
    if [ "$np" = 1 ]; then
        timeout -k 5 100 "${wrap[@]}" "$work/pid" "$@" >"$work/out" 2>"$work/err" </dev/null &
    else
        jobs/pas-launch -n "$np" -t 100 "${wrap[@]}" "$work/pid" "$@" >"$work/out" 2>"$work/err" </dev/null &
    fi
    job=$!
}
# finish: wait for the job; sets rc, ranks (sorted unique per-rank "CODE how").
finish() {
    wait "$job"
    rc=$?
    ranks=$(grep -o 'pas-rank-exit [0-9]* [a-z]*' "$work/err" | cut -d' ' -f2- | sort -u | tr '\n' ';')
}
run() { start "$@"; finish; }
# await FILE: wait (at most 60 s) until FILE exists, while the job runs.
await() {
    for _ in $(seq 600); do
        [ -e "$1" ] && return 0
        kill -0 "$job" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# leftovers DIR: temporary files of pas in DIR.
leftovers() { ls -A "$1" | grep -E '\.pas-tmp|\.tmp\.[0-9]' | tr '\n' ' '; }
# lines PATTERN: distinct stderr lines matching PATTERN.
lines() { grep -E "$1" "$work/err" | sort -u | wc -l; }

# Inputs: random u64 keys (the same bytes for every run).
head -c 40000000 /dev/urandom >"$work/in40.bin"   # 40 MB: more than the 20 MB disk
head -c 8000000 /dev/urandom >"$work/in8.bin"     # 8 MB
head -c 800000 /dev/urandom >"$work/a.bin"
head -c 800000 /dev/urandom >"$work/b.bin"

echo "== row 1, 2: a full disk (at ${SECONDS}s)"
mkdir -p "$mnt"
if [ "$(id -u)" != 0 ]; then
    skipped "full disk" "needs root to mount a tmpfs (not root here)"
elif ! mount -t tmpfs -o size=20m tmpfs "$mnt" 2>"$work/err"; then
    skipped "full disk" "cannot mount a tmpfs: $(head -n 1 "$work/err")"
else
    mounted=1
    for np in $nps; do
        name="pas-sort --out on a full disk (40 MB into 20 MB, np=$np)"
        run "$np" "$bin/pas-sort" --in "$work/in40.bin" --out "$mnt/o.bin" "${common[@]}"
        left=$(leftovers "$mnt")
        if [ "$rc" = 0 ] || grep -q PASS "$work/out"; then bad "$name" "exit $rc, $(grep -c PASS "$work/out") PASS"
        elif [ "$ranks" != "1 exit;" ]; then bad "$name" "per-rank ends '$ranks', expected only '1 exit'"
        elif [ "$(lines "^pas-sort: .*$mnt/o.bin: No space left on device")" != 1 ]; then bad "$name" "no single line naming the path and 'No space left on device'"
        elif [ -e "$mnt/o.bin" ] || [ -n "$left" ]; then bad "$name" "files left: $(ls -A "$mnt" | tr '\n' ' ')"
        else ok "$name: $(grep -m1 'No space' "$work/err")"; fi
    done
    # an already full disk: fails at once (no watchdog wait, no hang in a collective write)
    head -c 30000000 /dev/zero >"$mnt/filler" 2>/dev/null
    for np in $nps; do
        name="pas-sort --out on an already full disk (np=$np)"
        t0=$(date +%s)
        run "$np" "$bin/pas-sort" --n 100000 --out "$mnt/o.bin" "${common[@]}"
        dt=$(($(date +%s) - t0))
        if [ "$rc" = 0 ] || [ "$rc" = 124 ] || [ $dt -ge 90 ]; then bad "$name" "exit $rc after $dt s"
        elif [ "$(lines "^pas-sort: .*$mnt/o.bin: No space left on device")" != 1 ]; then bad "$name" "no single line naming the path and 'No space left on device'"
        elif [ -e "$mnt/o.bin" ] || [ -n "$(leftovers "$mnt")" ]; then bad "$name" "files left: $(ls -A "$mnt" | tr '\n' ' ')"
        else ok "$name: exit $rc in $dt s"; fi
    done
    rm -f "$mnt/filler"
    for np in $nps; do
        name="pas-matmul --save on a full disk (32 MB into 20 MB, np=$np)"
        run "$np" "$bin/pas-matmul" --m 2000 --n 2000 --k 8 --peak-seconds 0 --save "$mnt/c.mat" "${common[@]}"
        if [ "$rc" = 0 ] || grep -q PASS "$work/out"; then bad "$name" "exit $rc, $(grep -c PASS "$work/out") PASS"
        elif [ "$(lines "^pas-matmul: .*$mnt/c.mat: No space left on device")" != 1 ]; then bad "$name" "no single line naming the path and 'No space left on device'"
        elif [ -n "$(ls -A "$mnt")" ]; then bad "$name" "files left: $(ls -A "$mnt" | tr '\n' ' ')"
        else ok "$name: $(grep -m1 'No space' "$work/err")"; fi
    done
fi

# a write that fails on one rank only: that rank names the reason (rank 0,
# whose own write went well, used to report a bare "I/O error")
if [ "$mpi" = 1 ]; then
    name="pas-sort --out with the write failing on rank 2 only (np=3)"
    rm -f "$work"/one.bin*
    PAS_FAULT=2:write:error run 3 "$bin/pas-sort" --in "$work/in8.bin" --out "$work/one.bin" "${common[@]}"
    if [ "$rc" = 0 ] || grep -q PASS "$work/out"; then bad "$name" "exit $rc, $(grep -c PASS "$work/out") PASS"
    elif [ "$ranks" != "1 exit;" ]; then bad "$name" "per-rank ends '$ranks', expected only '1 exit'"
    elif [ "$(lines "^pas-sort: rank [0-9]+: --out")" != 1 ] || [ "$(lines "^pas-sort: rank 2: --out $work/one.bin: PAS_FAULT injected")" != 1 ]; then
        bad "$name" "not one line from rank 2 with its reason"
    elif [ -e "$work/one.bin" ] || [ -n "$(leftovers "$work")" ]; then bad "$name" "files left: $(leftovers "$work")"
    else ok "$name: $(grep -m1 -- '--out' "$work/err")"; fi
fi

echo "== row 3: the input truncated while it is read (at ${SECONDS}s)"
for np in $nps; do
    [ "$np" = 3 ] && np=2
    name="pas-sort --in cut to half after the first piece (np=$np)"
    cp "$work/in8.bin" "$work/cut.bin"
    rm -f "$work"/p.*
    PAS_TEST_PAUSE="read:$work/p" start "$np" "$bin/pas-sort" --in "$work/cut.bin" --chunk 1M "${common[@]}"
    paused=0
    if await "$work/p.ready"; then paused=1; truncate -s 4000000 "$work/cut.bin"; fi
    touch "$work/p.go"
    finish
    if [ $paused = 0 ]; then bad "$name" "the read never paused (PAS_TEST_PAUSE=read not honoured); exit $rc"
    elif [ "$rc" = 0 ] || grep -q PASS "$work/out"; then bad "$name" "exit $rc, $(grep -c PASS "$work/out") PASS"
    elif [ "$(lines "^pas-sort: .*cut.bin changed while it was read \(8000000 bytes at open, 4000000 now\)")" != 1 ]; then bad "$name" "no single line saying the file changed"
    else ok "$name: $(grep -m1 changed "$work/err")"; fi
done
name="pas-sort --in rewritten in place, same size (np=1)"
cp "$work/in8.bin" "$work/cut.bin"
rm -f "$work"/p.*
PAS_TEST_PAUSE="read:$work/p" start 1 "$bin/pas-sort" --in "$work/cut.bin" --chunk 1M "${common[@]}"
paused=0
if await "$work/p.ready"; then paused=1; sleep 0.05; dd if="$work/a.bin" of="$work/cut.bin" bs=800000 seek=5 conv=notrunc 2>/dev/null; fi
touch "$work/p.go"
finish
if [ $paused = 0 ]; then bad "$name" "the read never paused; exit $rc"
elif [ "$rc" = 0 ] || grep -q PASS "$work/out"; then bad "$name" "exit $rc, $(grep -c PASS "$work/out") PASS"
elif [ "$(lines "^pas-sort: .*cut.bin was modified while it was read")" != 1 ]; then bad "$name" "no single line saying the file was modified"
else ok "$name: exit $rc"; fi

echo "== row 4: two jobs, one output (at ${SECONDS}s)"
run 1 "$bin/pas-sort" --in "$work/b.bin" --out "$work/b.sorted" "${common[@]}" # B's result, for comparison
# the output absent before (np=1: RENAME_NOREPLACE), and present (np=3: RENAME_EXCHANGE)
for np in $nps; do
    pre=absent
    [ "$np" != 1 ] && pre=present
    {
        name="job A paused in its write, job B (np=$np) writes the same --out, output $pre before"
        rm -f "$work"/shared.bin* "$work"/p.*
        [ $pre = present ] && printf 'an old output\n' >"$work/shared.bin"
        PAS_TEST_PAUSE="write:$work/p" start 1 "$bin/pas-sort" --in "$work/a.bin" --out "$work/shared.bin" --chunk 64K "${common[@]}"
        joba=$job
        if ! await "$work/p.ready"; then
            touch "$work/p.go"; job=$joba; finish
            bad "$name" "job A never paused in its write (PAS_TEST_PAUSE=write not honoured); exit $rc"
            continue
        fi
        mv "$work/out" "$work/outA"
        # B runs to the end while A waits
        if [ "$np" = 1 ]; then
            timeout -k 5 100 "$bin/pas-sort" --in "$work/b.bin" --out "$work/shared.bin" "${common[@]}" >"$work/outB" 2>"$work/errB"
        else
            jobs/pas-launch -n "$np" -t 100 "$bin/pas-sort" --in "$work/b.bin" --out "$work/shared.bin" "${common[@]}" >"$work/outB" 2>"$work/errB"
        fi
        rcb=$?
        touch "$work/p.go"
        job=$joba; finish
        if [ $rcb != 0 ]; then bad "$name" "job B failed (exit $rcb): $(head -n 2 "$work/errB")"
        elif [ "$rc" = 0 ]; then bad "$name" "job A exited 0 although job B's output replaced or kept its place"
        elif [ "$(lines '^pas-sort: .*another job wrote this file while this one ran')" != 1 ]; then bad "$name" "job A does not say another job wrote the output"
        elif ! cmp -s "$work/shared.bin" "$work/b.sorted"; then bad "$name" "the output is not job B's complete result"
        elif [ -n "$(leftovers "$work")" ]; then bad "$name" "temporary files left: $(leftovers "$work")"
        else ok "$name: A exit $rc, B exit 0, the file is B's"; fi
    }
done

# the final name changes between the two swaps of the commit and the swap
# back fails (an LD_PRELOAD shim plays the other job and the failure): the
# other job's file must survive under the temporary name (it was deleted)
if command -v cc >/dev/null; then
    cat >"$work/swap.c" <<'SHIM'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
static int calls;
int renameat2(int od, const char *o, int nd, const char *n, unsigned flags)
{
    int (*real)(int, const char *, int, const char *, unsigned) =
        (int (*)(int, const char *, int, const char *, unsigned))dlsym(RTLD_NEXT, "renameat2");
    if (!(flags & RENAME_EXCHANGE))
        return real(od, o, nd, n, flags);
    if (++calls == 2) {
        errno = EIO;
        return -1;
    }
    int r = real(od, o, nd, n, flags);
    if (r == 0) { /* another job's file arrives: what was swapped out is not the old output */
        unlink(o);
        int fd = open(o, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0 && write(fd, "other job\n", 10) == 10)
            close(fd);
    }
    return r;
}
SHIM
    name="the commit's swap back fails after another job's file came in: that file is kept"
    if ! cc -shared -fPIC -o "$work/swap.so" "$work/swap.c" -ldl 2>"$work/err"; then
        skipped "$name" "cannot build the LD_PRELOAD shim"
    else
        rm -f "$work"/sw.bin*
        echo old >"$work/sw.bin"
        LD_PRELOAD="$work/swap.so" run 1 "$bin/pas-sort" --n 1000 --out "$work/sw.bin" "${common[@]}"
        kept=$(grep -l "^other job$" "$work"/sw.bin.pas-tmp.* 2>/dev/null | head -n 1)
        if [ "$rc" != 1 ]; then bad "$name" "exit $rc, expected 1"
        elif [ -z "$kept" ]; then bad "$name" "the other job's file was removed"
        elif [ "$(lines "^pas-sort: --out $work/sw.bin: another job wrote this file .*could not be put back.*$kept")" != 1 ]; then bad "$name" "no line naming where the other job's output is"
        else ok "$name: $(grep -m1 'could not be put back' "$work/err" | cut -c1-150)..."; fi
        rm -f "$work"/sw.bin*
    fi
fi

echo "== row 5: outputs that are not regular files (at ${SECONDS}s)"
mkfifo "$work/fifo"
for prog in pas-sort pas-matmul; do
    opt=--out; args=(--n 1000)
    [ $prog = pas-matmul ] && opt=--save && args=(--m 8 --n 8 --k 8 --peak-seconds 0)
    name="$prog $opt onto a FIFO"
    run 1 "$bin/$prog" "${args[@]}" "$opt" "$work/fifo" "${common[@]}"
    if [ ! -p "$work/fifo" ]; then bad "$name" "the FIFO was replaced: $(ls -l "$work/fifo")"; mkfifo "$work/fifo.new" 2>/dev/null; rm -f "$work/fifo"; mv "$work/fifo.new" "$work/fifo"
    elif [ "$rc" != 2 ] || [ "$(lines "^$prog: $opt $work/fifo is a FIFO")" != 1 ]; then bad "$name" "exit $rc, expected 2 and one line saying it is a FIFO"
    else ok "$name: refused, left as it was"; fi
done
if mknod "$work/null" c 1 3 2>/dev/null; then
    for prog in pas-sort pas-matmul; do
        opt=--out; args=(--n 1000)
        [ $prog = pas-matmul ] && opt=--save && args=(--m 8 --n 8 --k 8 --peak-seconds 0)
        name="$prog $opt onto a character device (a copy of /dev/null)"
        run 1 "$bin/$prog" "${args[@]}" "$opt" "$work/null" "${common[@]}"
        if [ ! -c "$work/null" ]; then bad "$name" "the device was replaced: $(ls -l "$work/null")"; rm -f "$work/null"; mknod "$work/null" c 1 3
        elif [ "$rc" != 2 ] || [ "$(lines "^$prog: $opt $work/null is a device")" != 1 ]; then bad "$name" "exit $rc, expected 2 and one line saying it is a device"
        else ok "$name: refused, left as it was"; fi
    done
else
    skipped "outputs onto a character device" "mknod is not allowed here"
fi
mkdir -p "$work/target"
for prog in pas-sort pas-matmul; do
    opt=--out; args=(--n 1000); size=8000
    [ $prog = pas-matmul ] && opt=--save && args=(--m 8 --n 8 --k 8 --peak-seconds 0) && size=$((64 + 8 * 8 * 8))
    name="$prog $opt onto a symbolic link"
    printf 'old\n' >"$work/target/t.bin"
    rm -f "$work/link.bin"; ln -s target/t.bin "$work/link.bin"
    run 1 "$bin/$prog" "${args[@]}" "$opt" "$work/link.bin" "${common[@]}"
    if [ ! -L "$work/link.bin" ]; then bad "$name" "the link was replaced: $(ls -l "$work/link.bin")"
    elif [ "$rc" != 0 ]; then bad "$name" "exit $rc"
    elif [ "$(stat -c %s "$work/target/t.bin")" != $size ]; then bad "$name" "the target holds $(stat -c %s "$work/target/t.bin") bytes, not $size"
    elif [ -n "$(leftovers "$work")$(leftovers "$work/target")" ]; then bad "$name" "temporary files left"
    else ok "$name: followed, the target written, the link kept"; fi
done

echo "== row 12: SIGTERM and SIGINT while the output is written (at ${SECONDS}s)"
for sig in TERM INT; do
    code=$((128 + $(kill -l "$sig")))
    for np in $nps; do
        name="SIG$sig to every rank in the write of pas-sort --out (np=$np)"
        rm -f "$work"/sig.bin* "$work"/p.*
        PAS_TEST_PAUSE="write:$work/p" start "$np" "$bin/pas-sort" --in "$work/in8.bin" --out "$work/sig.bin" --chunk 64K "${common[@]}"
        paused=0
        if await "$work/p.ready"; then
            paused=1
            sleep 0.3 # the other ranks reach their wait
            tmp=$(leftovers "$work")
            for f in "$work"/pid.*; do kill -"$sig" "${f##*.}" 2>/dev/null; done
        fi
        finish
        touch "$work/p.go"
        expect="$code exit;"
        if [ $paused = 0 ]; then bad "$name" "the write never paused (PAS_TEST_PAUSE=write not honoured); exit $rc"
        elif [ -z "$tmp" ]; then bad "$name" "no temporary file existed during the write"
        elif [ "$ranks" != "$expect" ]; then bad "$name" "per-rank ends '$ranks', expected '$code exit;' (exit $code, not killed)"
        elif [ "$(lines "^pas-sort: interrupted by SIG$sig during phase 'write'; removed the unfinished output")" != 1 ]; then bad "$name" "not exactly one line saying what was interrupted"
        elif [ -n "$(leftovers "$work")" ] || [ -e "$work/sig.bin" ]; then bad "$name" "files left: $(leftovers "$work")"
        else ok "$name: $(grep -m1 interrupted "$work/err")"; fi
    done
done

# the moment between the read-back and the rename: the temporary file is
# still registered, so the signal removes it (it was unregistered too early)
for np in $nps; do
    name="SIGTERM to every rank just before pas-sort --out renames its output (np=$np)"
    rm -f "$work"/sig.bin* "$work"/p.*
    PAS_TEST_PAUSE="commit:$work/p" start "$np" "$bin/pas-sort" --in "$work/in8.bin" --out "$work/sig.bin" --chunk 64K "${common[@]}"
    paused=0 tmp=""
    if await "$work/p.ready"; then
        paused=1
        sleep 0.3 # the other ranks reach their wait
        tmp=$(leftovers "$work")
        for f in "$work"/pid.*; do kill -TERM "${f##*.}" 2>/dev/null; done
    fi
    finish
    touch "$work/p.go"
    if [ $paused = 0 ]; then bad "$name" "the commit never paused (PAS_TEST_PAUSE=commit not honoured); exit $rc"
    elif [ -z "$tmp" ]; then bad "$name" "no temporary file existed before the rename"
    elif [ "$ranks" != "143 exit;" ]; then bad "$name" "per-rank ends '$ranks', expected '143 exit;'"
    elif [ -n "$(leftovers "$work")" ] || [ -e "$work/sig.bin" ]; then bad "$name" "files left: $(leftovers "$work") $(ls "$work"/sig.bin 2>/dev/null)"
    else ok "$name: $(grep -m1 interrupted "$work/err")"; fi
done

if [ "$mpi" = 1 ]; then
    seq 1 300000 >"$work/lines.txt"
    for sig in TERM INT; do
        code=$((128 + $(kill -l "$sig")))
        name="SIG$sig to every rank of pas-pipeline --output while it writes (np=3)"
        rm -f "$work"/copy.txt*
        start 3 "$bin/pas-pipeline" --spec read:1,work:1,write:1 --input "$work/lines.txt" --output "$work/copy.txt" \
            --ordered --cost-us 50 "${common[@]}"
        tmp=""
        for _ in $(seq 300); do
            tmp=$(leftovers "$work")
            [ -n "$tmp" ] || ! kill -0 "$job" 2>/dev/null && break
            sleep 0.1
        done
        sleep 0.5
        # every rank in one kill: with one kill per rank, a loaded machine could
        # pause this script between them, and mpirun, seeing the first rank end,
        # SIGTERMs the rest before they get $sig (CI once saw SIGTERM reported)
        pids=()
        for f in "$work"/pid.*; do [ -e "$f" ] && pids+=("${f##*.}"); done
        [ ${#pids[@]} = 0 ] || kill -"$sig" "${pids[@]}" 2>/dev/null
        finish
        if [ -z "$tmp" ]; then bad "$name" "no temporary output appeared (exit $rc)"
        elif [ "$ranks" != "$code exit;" ]; then bad "$name" "per-rank ends '$ranks', expected '$code exit;'"
        elif [ "$(lines "^pas-pipeline: interrupted by SIG$sig")" != 1 ]; then bad "$name" "not exactly one line saying what was interrupted"
        elif [ -n "$(leftovers "$work")" ] || [ -e "$work/copy.txt" ]; then bad "$name" "files left: $(leftovers "$work")"
        else ok "$name: $(grep -m1 interrupted "$work/err")"; fi
    done
fi

echo "== temporary files of killed runs (at ${SECONDS}s)"
host=$(hostname)
pidmax=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 4194304)
rm -f "$work"/st.bin*
dead="$work/st.bin.pas-tmp.$host.$((pidmax + 1)).0badf00d"
live="$work/st.bin.pas-tmp.$host.$$.0000beef"
other="$work/st.bin.pas-tmp.another-host.12.00c0ffee"
touch "$dead" "$live" "$other"
run 1 "$bin/pas-sort" --n 1000 --out "$work/st.bin" "${common[@]}"
name="a stale temporary file is removed, others are reported and kept"
if [ "$rc" != 0 ]; then bad "$name" "exit $rc"
elif [ -e "$dead" ]; then bad "$name" "the temporary file of a dead pid on this host is still there"
elif [ ! -e "$live" ] || [ ! -e "$other" ]; then bad "$name" "a temporary file of a live process or another host was removed"
elif ! grep -q "removed 1 stale temporary file" "$work/err" || ! grep -q "2 temporary files of another run left alone" "$work/err"; then bad "$name" "no note naming what was removed and what was kept"
else ok "$name: $(grep -m1 note "$work/err" | cut -c1-120)..."; fi

echo "files: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
