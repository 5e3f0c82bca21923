#!/usr/bin/env bash
# pipe-files.sh - pas-pipeline and its files (issue 11), at 1 and 3 ranks:
#   - a checkpoint is tied to its run: resuming with another input (size,
#     mtime or content changed), other options (--n, --seed, --size,
#     --transform, --record, spec, --output), a corrupt, truncated or
#     hand-edited checkpoint (next_seq=-1 or 99999999999, with its checksum
#     fixed up) or a shortened or changed partial output is exit 2 with one line, on
#     every rank, fast, with the checkpoint and the partial output untouched;
#     the same run resumes and its output equals an uninterrupted run's (cmp);
#   - a checkpoint path that is the output, its partial or temporary name
#     (also through a symbolic link as --output), the input, in a missing
#     directory, a FIFO or /dev/null, a FIFO as the partial output, and
#     --checkpoint with --reps 2 or --warmup 1 are exit 2 before any work, and
#     an existing output keeps its bytes;
#   - a spec spelled otherwise (gen,work,write) resumes; a checkpoint at
#     offset 0 resumes without a partial output;
#   - a full disk (a 64 KiB tmpfs, when root can mount one) names the file and
#     "No space left on device" at a checkpoint's flush and at a write;
#   - gen honours --seed (1 and 2 differ, 1 again is identical, and so at any
#     rank count);
#   - --transform compress writes gzip: zcat gives back the input, gzip -t
#     accepts it;
#   - a 80-stage spec's message keeps its reason;
#   - a line too long for the memory limit (ulimit -v) is exit 1 naming the
#     memory, not the end of the input (1 rank: the limit would bind mpirun).
set -u
cd "$(dirname "$0")/../.."
bin="${PAS_BINDIR:-bin}"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
prog="$bin/pas-pipeline"
nps="1 3"
[ "${PAS_MPI:-1}" = 0 ] && nps="1"
if [ ! -x "$prog" ]; then
    echo "pipe-files: 0 passed, 0 failed, 1 skipped ($prog is not built)"
    exit 0
fi
work=$(mktemp -d)
scratch=$(mktemp -d) # edits happen here, outside the run's directory
small="$scratch/small" # a tiny tmpfs here when it can be mounted (a full disk)
trap 'umount "$small" 2>/dev/null; rm -rf "$work" "$scratch"' EXIT
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "  ok    $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL  $*"; }
skipped() { skip=$((skip + 1)); echo "  skip  $*"; }

# run NP ARGS...: pas-pipeline on NP ranks, each rank printing "pas-rank-exit R"
# to stderr; sets rc, ranks_rc (sorted unique per-rank codes), $work/../out, err
run() {
    local np="$1"; shift
    local launch=(jobs/pas-launch -n "$np" -t 60)
    [ "$np" = 1 ] && launch=(timeout -k 5 60)
    "${launch[@]}" sh -c '"$@"; rc=$?; echo "pas-rank-exit $rc" >&2; exit $rc' sh "$prog" "$@" \
        >"$scratch/out" 2>"$scratch/err" </dev/null
    rc=$?
    ranks_rc=$(grep -o 'pas-rank-exit [0-9]*' "$scratch/err" | awk '{print $2}' | sort -u | tr '\n' ' ')
}

# FNV-1a 64 of a file, as the checkpoint's crc line has it (bash arithmetic wraps mod 2^64)
fnv() {
    local h=-3750763034362895579 b
    for b in $(od -An -v -tu1 "$1"); do h=$(((h ^ b) * 1099511628211)); done
    printf '%016x' "$h"
}
# recrc FILE: a hand edit made carefully: the crc line fixed up to match
recrc() {
    head -n -1 "$1" >"$scratch/body"
    { cat "$scratch/body"; echo "crc=$(fnv "$scratch/body")"; } >"$1"
}

# expect_usage NAME REGEX NP ARGS...: exit 2 on every rank, one line matching
# REGEX, the checkpoint and partial output of the run unchanged, no output
expect_usage() {
    local name="$1" regex="$2" np="$3"; shift 3
    local before after why=""
    before=$(cd "$work" && ls -A | sort | xargs -r md5sum 2>/dev/null | tr '\n' ' ')
    run "$np" "$@"
    after=$(cd "$work" && ls -A | sort | xargs -r md5sum 2>/dev/null | tr '\n' ' ')
    local lines
    lines=$(grep -E '^pas-pipeline: ' "$scratch/err" | sort -u | wc -l)
    if [ "$rc" != 2 ]; then why="exit $rc, expected 2"
    elif [ "$ranks_rc" != "2 " ]; then why="per-rank exit codes '$ranks_rc', expected only 2"
    elif [ "$lines" != 1 ]; then why="$lines error lines, expected 1"
    elif ! grep -Eq -- "$regex" "$scratch/err"; then why="message does not match /$regex/"
    elif [ "$before" != "$after" ]; then why="files changed: before [$before] after [$after]"
    fi
    if [ -z "$why" ]; then
        ok "$name (np=$np): $(grep -E '^pas-pipeline: ' "$scratch/err" | head -n 1 | cut -c1-150)"
    else
        bad "$name (np=$np): $why"
        grep -v pas-rank-exit "$scratch/err" | head -n 4 | sed 's/^/        /'
    fi
}

seq 1 20000 | awk '{printf "%d record %x with some text\n", $1, $1 * 7919}' >"$scratch/in.ref"
writer() { echo $(($1 > 1 ? $1 - 1 : 0)); } # the writer's rank (threads: 0)

# crash NP ARGS...: a checkpointed run whose writer dies at record 6000; keeps
# its checkpoint and partial output in $scratch/ck0, $scratch/part0
crash() {
    local np="$1"; shift
    find "$work" -mindepth 1 ! -name in -delete
    PAS_FAULT="$(writer "$np"):write:exit:6000" run "$np" "$@" --output "$work/out" --checkpoint "$work/ck" \
        --checkpoint-every 500 --quiet
    [ -s "$work/ck" ] && [ -s "$work/out.part" ] && [ ! -e "$work/out" ] || return 1
    cp "$work/ck" "$scratch/ck0" && cp "$work/out.part" "$scratch/part0"
}
restore() {
    find "$work" -mindepth 1 ! -name in -delete
    cp "$scratch/ck0" "$work/ck"
    cp "$scratch/part0" "$work/out.part"
}

# resumes NAME NP ARGS...: a run that must resume (exit 0, resumed_at > 0;
# sets at); a failure is reported under NAME
resumes() {
    local name="$1" np="$2"; shift 2
    run "$np" "$@"
    at=$(sed -n 's/^# resumed_at *= *//p' "$scratch/out")
    [ "$rc" = 0 ] && [ "${at:-0}" -gt 0 ] && return 0
    bad "$name (np=$np): exit $rc, resumed_at=${at:-?}"
    grep -v pas-rank-exit "$scratch/err" | head -n 3 | sed 's/^/        /'
    return 1
}

echo "== a checkpoint of a read run, resumed by another run"
for np in $nps; do
    cp "$scratch/in.ref" "$work/in"
    rargs=(--input "$work/in" --transform compress)
    if ! crash "$np" "${rargs[@]}"; then
        bad "np=$np: the crashed run left no checkpoint and partial output (exit $rc)"
        continue
    fi
    cp "$work/in" "$scratch/in.keep"
    touch -r "$work/in" "$scratch/in.keep"
    common=(--output "$work/out" --checkpoint "$work/ck" --quiet)
    keep_input() { cp -p "$scratch/in.keep" "$work/in"; }

    restore; keep_input; echo "20001 one more" >>"$work/in"
    expect_usage "input grew" "from another run: the input's size" "$np" "${rargs[@]}" "${common[@]}"
    restore; keep_input; touch -d '2001-01-01' "$work/in"
    expect_usage "input touched" "from another run: the input's modification time" "$np" "${rargs[@]}" "${common[@]}"
    restore; keep_input; sed -i '1s/^1 /9 /' "$work/in"; touch -r "$scratch/in.keep" "$work/in"
    expect_usage "input edited, same size and mtime" "from another run: the hash of the input's first 64 KiB" \
        "$np" "${rargs[@]}" "${common[@]}"
    restore; keep_input
    expect_usage "other --transform" "from another run: --transform" "$np" --input "$work/in" "${common[@]}"
    restore; keep_input
    expect_usage "other --record" "from another run: --record" "$np" "${rargs[@]}" --record 100 "${common[@]}"
    restore; keep_input; mv "$work/out.part" "$work/o2.part"
    expect_usage "other --output" "from another run: --output" "$np" "${rargs[@]}" --output "$work/o2" \
        --checkpoint "$work/ck" --quiet
    restore; keep_input; printf 'X' | dd of="$work/ck" bs=1 seek=40 conv=notrunc status=none
    expect_usage "a flipped byte" "is corrupt \(its checksum" "$np" "${rargs[@]}" "${common[@]}"
    restore; keep_input; head -c 100 "$scratch/ck0" >"$work/ck"
    expect_usage "a truncated checkpoint" "is corrupt" "$np" "${rargs[@]}" "${common[@]}"
    restore; keep_input; sed -i 's/^next_seq=.*/next_seq=-1/' "$work/ck"
    expect_usage "next_seq=-1, unchecked" "is corrupt \(its checksum" "$np" "${rargs[@]}" "${common[@]}"
    restore; keep_input; sed -i 's/^next_seq=.*/next_seq=-1/' "$work/ck"; recrc "$work/ck"
    expect_usage "next_seq=-1, checksum fixed" "next_seq=-1, which is not a count" "$np" "${rargs[@]}" "${common[@]}"
    restore; keep_input; sed -i 's/^next_seq=.*/next_seq=99999999999/' "$work/ck"; recrc "$work/ck"
    expect_usage "next_seq=99999999999, checksum fixed" "says 99999999999 records are in the first" "$np" \
        "${rargs[@]}" "${common[@]}"
    restore; keep_input; sed -i 's/^offset=.*/offset=99999999999/' "$work/ck"; recrc "$work/ck"
    expect_usage "offset past the partial output" "partial output .* is shorter" "$np" "${rargs[@]}" "${common[@]}"
    restore; keep_input; truncate -s 100 "$work/out.part"
    expect_usage "a shortened partial output" "partial output .* is shorter" "$np" "${rargs[@]}" "${common[@]}"
    restore; keep_input; off=$(sed -n 's/^offset=//p' "$work/ck")
    printf '##########' | dd of="$work/out.part" bs=1 seek=$((off - 10)) conv=notrunc status=none
    expect_usage "a partial output changed before the offset" "does not fit the partial output" "$np" "${rargs[@]}" \
        "${common[@]}"
    restore; keep_input; printf 'pas-pipeline checkpoint next_seq=5000 offset=100\n' >"$work/ck"
    expect_usage "an old-format checkpoint" "another pas-pipeline version" "$np" "${rargs[@]}" "${common[@]}"

    # the same run resumes, and its output is what an uninterrupted run writes
    restore; keep_input
    run "$np" "${rargs[@]}" --output "$scratch/ref.gz" --ordered --quiet
    run "$np" "${rargs[@]}" --output "$work/out" --checkpoint "$work/ck"
    at=$(sed -n 's/^# resumed_at *= *//p' "$scratch/out")
    if [ "$rc" = 0 ] && [ "${at:-0}" -gt 0 ] && cmp -s "$scratch/ref.gz" "$work/out" && [ ! -e "$work/ck" ]; then
        ok "the same run resumes at record $at (np=$np): output identical to an uninterrupted run"
    else
        bad "the same run (np=$np): exit $rc, resumed_at=${at:-?}, output $(cmp -s "$scratch/ref.gz" "$work/out" && echo identical || echo different)"
        grep -v pas-rank-exit "$scratch/err" | head -n 3 | sed 's/^/        /'
    fi
done

echo "== a checkpoint of a gen run, resumed by another run"
for np in $nps; do
    gargs=(--n 20000 --size 40 --seed 5)
    if ! crash "$np" "${gargs[@]}"; then
        bad "np=$np: the crashed gen run left no checkpoint and partial output (exit $rc)"
        continue
    fi
    common=(--output "$work/out" --checkpoint "$work/ck" --quiet)
    restore
    expect_usage "smaller --n" "from another run: --n was '20000' there, '10000' here" "$np" --n 10000 --size 40 \
        --seed 5 "${common[@]}"
    restore
    expect_usage "other --seed" "from another run: --seed" "$np" --n 20000 --size 40 --seed 6 "${common[@]}"
    restore
    expect_usage "other --size" "from another run: --size" "$np" --n 20000 --size 41 --seed 5 "${common[@]}"
    restore
    expect_usage "a read run" "from another run: --input" "$np" --input "$scratch/in.ref" "${common[@]}"
    if [ "$np" = 1 ]; then
        restore
        expect_usage "other spec" "from another run: the spec" "$np" --spec gen:1,work:3,write:1 "${gargs[@]}" \
            "${common[@]}"
    fi
    restore; sed -i 's/^next_seq=.*/next_seq=99999999999/;s/^offset=.*/offset=0/' "$work/ck"; recrc "$work/ck"
    expect_usage "next_seq=99999999999, checksum fixed" "says 99999999999 records are done, more than --n 20000" \
        "$np" "${gargs[@]}" "${common[@]}"
    restore; sed -i 's/^next_seq=.*/next_seq=18446744073709551615/' "$work/ck"; recrc "$work/ck"
    expect_usage "next_seq=2^64-1, checksum fixed" "not a count" "$np" "${gargs[@]}" "${common[@]}"
    restore
    run "$np" "${gargs[@]}" --output "$scratch/gref" --ordered --quiet
    run "$np" "${gargs[@]}" "${common[@]}"
    if [ "$rc" = 0 ] && cmp -s "$scratch/gref" "$work/out"; then
        ok "the same gen run resumes (np=$np): output identical to an uninterrupted run"
    else
        bad "the same gen run (np=$np): exit $rc, output $(cmp -s "$scratch/gref" "$work/out" && echo identical || echo different)"
    fi
    # the spec is recorded in its normal form: gen,work,write resumes gen:1,work:1,write:1
    sp=gen,work,write
    [ "$np" = 1 ] && sp=gen,work:2,write # auto at 1 rank: gen:1,work:2,write:1
    if ! crash "$np" "${gargs[@]}"; then
        bad "np=$np: the crashed gen run left no checkpoint (exit $rc)"
    elif resumes "the spec spelled $sp" "$np" --spec "$sp" "${gargs[@]}" --output "$work/out" --checkpoint "$work/ck"; then
        cmp -s "$scratch/gref" "$work/out" && ok "the spec spelled $sp resumes (np=$np) at record $at: output identical" ||
            bad "the spec spelled $sp (np=$np): output differs from an uninterrupted run's"
    fi
    # records of 0 bytes: a checkpoint at offset 0 needs no partial output
    find "$work" -mindepth 1 -delete
    PAS_FAULT="$(writer "$np"):write:exit:6000" run "$np" --n 20000 --size 0 --output "$work/out" \
        --checkpoint "$work/ck" --checkpoint-every 500 --quiet
    if ! grep -q '^offset=0$' "$work/ck" 2>/dev/null; then
        bad "np=$np: the crashed --size 0 run left no checkpoint at offset 0 (exit $rc)"
    elif rm -f "$work/out.part" &&
        resumes "a checkpoint at offset 0 without a partial output" "$np" --n 20000 --size 0 --output "$work/out" \
            --checkpoint "$work/ck"; then
        [ -f "$work/out" ] && [ ! -s "$work/out" ] && [ ! -e "$work/ck" ] &&
            ok "a checkpoint at offset 0 resumes without a partial output (np=$np, at record $at)" ||
            bad "a checkpoint at offset 0 (np=$np): no empty output, or the checkpoint left behind"
    fi
done

echo "== checkpoint paths, checked before any work"
for np in $nps; do
    rm -f "$work"/*
    printf 'sentinel: must survive\n' >"$work/o"
    cp "$scratch/in.ref" "$work/in"
    W="$work"
    expect_usage "--checkpoint X --output X" "is the --output file" "$np" --n 1000 --output "$W/o" --checkpoint "$W/o"
    expect_usage "--checkpoint X --output ./X" "is the --output file" "$np" --n 1000 --output "$W/./o" --checkpoint "$W/o"
    expect_usage "--checkpoint X.part --output X" "partial or temporary" "$np" --n 1000 --output "$W/o" \
        --checkpoint "$W/o.part"
    expect_usage "--checkpoint X.tmp.12 --output X" "partial or temporary" "$np" --n 1000 --output "$W/o" \
        --checkpoint "$W/o.tmp.12"
    expect_usage "--checkpoint X --output X.tmp" "partial or temporary" "$np" --n 1000 --output "$W/o.tmp" \
        --checkpoint "$W/o"
    expect_usage "--checkpoint is the input" "is the --input file" "$np" --input "$W/in" --output "$W/o2" \
        --checkpoint "$W/in"
    expect_usage "--checkpoint in a missing directory" "--checkpoint /nonexistent/dir/ck: the directory" "$np" \
        --n 1000 --output "$W/o2" --checkpoint /nonexistent/dir/ck
    expect_usage "--checkpoint is a directory" "is a directory" "$np" --n 1000 --output "$W/o2" --checkpoint "$scratch"
    expect_usage "--checkpoint with --output /dev/null" "regular --output file" "$np" --n 1000 --output /dev/null \
        --checkpoint "$W/ck"
    # an --output that is a link is followed: the partial name is the target's name + .part
    ln -sf o "$W/link"
    expect_usage "--checkpoint T.part --output L, L a link to T" "partial or temporary" "$np" --n 3000 \
        --size 40 --output "$W/link" --checkpoint "$W/o.part" --checkpoint-every 2000
    expect_usage "--checkpoint T.tmp --output L, L a link to T" "partial or temporary" "$np" --n 3000 \
        --size 40 --output "$W/link" --checkpoint "$W/o.tmp" --checkpoint-every 2000
    rm -f "$W/link"
    # a plain run through a link writes the target and leaves the link a link
    rm -f "$scratch/tgt" "$scratch/lnk" && ln -s tgt "$scratch/lnk"
    run "$np" --n 500 --size 40 --output "$scratch/lnk"
    if [ "$rc" = 2 ] && [ -L "$scratch/lnk" ] && grep -q "symbolic link to a missing file" "$scratch/err"; then
        ok "--output a link to a missing file is refused, the link stays (np=$np)"
    else
        bad "--output a link to a missing file (np=$np): exit $rc"
    fi
    : >"$scratch/tgt"
    run "$np" --n 500 --size 40 --output "$scratch/lnk"
    if [ "$rc" = 0 ] && [ -L "$scratch/lnk" ] && [ -s "$scratch/tgt" ] && ! ls "$scratch" | grep -q '^tgt\.'; then
        ok "--output a symbolic link writes its target, the link stays (np=$np)"
    else
        bad "--output a symbolic link (np=$np): exit $rc, link $( [ -L "$scratch/lnk" ] && echo kept || echo replaced ), target $( [ -s "$scratch/tgt" ] && echo written || echo empty )"
    fi
    rm -f "$scratch/tgt" "$scratch/lnk"
    # FIFOs outside $work: expect_usage reads every file there
    rm -f "$scratch/ck.fifo" "$scratch/o3.part" && mkfifo "$scratch/ck.fifo" "$scratch/o3.part"
    expect_usage "--checkpoint is a FIFO" "--checkpoint [^ ]*ck.fifo is not a regular file \(it is a FIFO\); give a file name$" \
        "$np" --n 3000 --output "$W/o2" --checkpoint "$scratch/ck.fifo"
    expect_usage "--checkpoint /dev/null" "--checkpoint /dev/null is not a regular file \(it is a device\); give a file name$" \
        "$np" --n 3000 --output "$W/o2" --checkpoint /dev/null
    expect_usage "the partial output is a FIFO" "partial output [^ ]*o3.part is not a regular file \(it is a FIFO\)" \
        "$np" --n 1000 --output "$scratch/o3" --checkpoint "$W/ck"
    rm -f "$scratch/ck.fifo" "$scratch/o3.part"
    expect_usage "--checkpoint with --reps 2" "--checkpoint runs the stream once" "$np" --n 1000 --output "$W/o2" \
        --checkpoint "$W/ck" --reps 2
    expect_usage "--checkpoint with --warmup 1" "--checkpoint runs the stream once" "$np" --n 1000 --output "$W/o2" \
        --checkpoint "$W/ck" --warmup 1
done

echo "== a full file system (a 64 KiB tmpfs)"
mkdir -p "$small"
if mount -t tmpfs -o size=64k tmpfs "$small" 2>/dev/null; then
    for np in $nps; do
        rm -f "$small"/* "$scratch/ck"
        run "$np" --n 3000 --size 40 --output "$small/o" --checkpoint "$scratch/ck" --checkpoint-every 10 --quiet
        if [ "$rc" = 1 ] && grep -q "cannot write partial output '$small/o.part': No space left on device" "$scratch/err"; then
            ok "a checkpoint's flush on a full disk (np=$np): exit 1, $(grep -o 'cannot write partial.*' "$scratch/err" | head -n 1)"
        else
            bad "a checkpoint's flush on a full disk (np=$np): exit $rc, $(grep -v pas-rank-exit "$scratch/err" | head -n 2 | tr '\n' ' ')"
        fi
    done
    for np in $nps; do # the writer's rank names the file; every rank prints that line
        rm -f "$small"/*
        run "$np" --n 3000 --size 40 --output "$small/o" --quiet
        lines=$(grep -E '^pas-pipeline: ' "$scratch/err" | sort -u | wc -l)
        if [ "$rc" = 1 ] && [ "$lines" = 1 ] && [ -z "$(ls -A "$small")" ] &&
            grep -Eq "cannot write output '$small/o\\.(tmp|pas-tmp)[^']*': No space left on device" "$scratch/err"; then
            ok "a write on a full disk (np=$np): exit 1, one line, the temporary file removed, $(grep -o 'cannot write output.*' "$scratch/err" | head -n 1)"
        else
            bad "a write on a full disk (np=$np): exit $rc, $lines lines, left [$(ls -A "$small")], $(grep -v pas-rank-exit "$scratch/err" | head -n 2 | tr '\n' ' ')"
        fi
    done
    umount "$small"
else
    skipped "a full file system: cannot mount a small tmpfs here (needs root)"
fi

echo "== gen honours --seed"
for np in $nps; do
    run "$np" --n 3000 --seed 1 --ordered --output "$scratch/s1.$np" --quiet && run "$np" --n 3000 --seed 2 --ordered --output "$scratch/s2" --quiet &&
        run "$np" --n 3000 --seed 1 --ordered --output "$scratch/s1b" --quiet
    if [ "$rc" != 0 ]; then bad "seeds (np=$np): a run failed (exit $rc)"
    elif cmp -s "$scratch/s1.$np" "$scratch/s2"; then bad "seeds (np=$np): --seed 1 and --seed 2 wrote identical output"
    elif ! cmp -s "$scratch/s1.$np" "$scratch/s1b"; then bad "seeds (np=$np): --seed 1 twice wrote different output"
    else ok "seeds (np=$np): 1 and 2 differ, 1 again is identical"
    fi
done
if [ "$nps" = "1 3" ]; then
    cmp -s "$scratch/s1.1" "$scratch/s1.3" && ok "seed 1: the same output at 1 and 3 ranks" ||
        bad "seed 1: different output at 1 and 3 ranks"
fi

echo "== --transform compress writes gzip"
if command -v zcat >/dev/null && command -v gzip >/dev/null; then
    for np in $nps; do
        run "$np" --input "$scratch/in.ref" --transform compress --output "$scratch/z.gz" --ordered --quiet
        if [ "$rc" = 0 ] && gzip -t "$scratch/z.gz" 2>/dev/null && zcat "$scratch/z.gz" | cmp -s - "$scratch/in.ref"; then
            ok "compress (np=$np): gzip -t accepts it, zcat gives back the input ($(stat -c %s "$scratch/z.gz") bytes)"
        else
            bad "compress (np=$np): exit $rc; gzip -t: $(gzip -t "$scratch/z.gz" 2>&1 | head -n 1)"
        fi
        run "$np" --n 5000 --size 300 --transform compress --output "$scratch/g.gz" --ordered --quiet &&
            run "$np" --n 5000 --size 300 --transform none --output "$scratch/g.raw" --ordered --quiet
        if [ "$rc" = 0 ] && zcat "$scratch/g.gz" | cmp -s - "$scratch/g.raw"; then
            ok "compress of gen records (np=$np): zcat gives the uncompressed run's output"
        else
            bad "compress of gen records (np=$np): exit $rc or zcat differs"
        fi
    done
else
    skipped "compress: no zcat or gzip here"
fi

echo "== a spec of 80 stages"
spec="gen:1$(for _ in $(seq 78); do printf ',work:1'; done),write:1"
for np in $nps; do
    expect_usage "80 stages" "80 stages, more than the 16 a pipeline may have; merge some stages" "$np" --spec "$spec" --n 10
done

echo "== a line longer than the memory limit allows"
# the smallest of these limits (KiB of address space) under which a small
# input passes; then a line of as many bytes as the whole limit cannot fit
printf 'short\n' >"$scratch/short"
limit=""
for l in 262144 524288 1048576 2097152 4194304; do
    if (ulimit -v "$l" && "$prog" --input "$scratch/short" --quiet >/dev/null 2>&1); then limit=$l; break; fi
done
if [ -z "$limit" ]; then
    skipped "huge line: pas-pipeline did not run under ulimit -v 4 GiB here"
else
    truncate -s "${limit}K" "$scratch/huge" && echo >>"$scratch/huge" # one sparse line of NUL bytes
    (ulimit -v "$limit" && exec "$prog" --input "$scratch/huge" --quiet) >"$scratch/out" 2>"$scratch/err"
    rc=$?
    if [ "$rc" = 1 ] && grep -q 'needs more memory than the job may use (.*, with a line buffer of [0-9]* bytes)' \
        "$scratch/err" && ! grep -q PASS "$scratch/out"; then
        ok "a $((limit / 1024)) MiB line under ulimit -v $((limit / 1024)) MiB: exit 1, $(grep -o 'reading record.*' "$scratch/err" | cut -c1-110)"
    else
        bad "a $((limit / 1024)) MiB line under ulimit -v $((limit / 1024)) MiB: exit $rc, $(head -c 300 "$scratch/out" "$scratch/err" | tr '\n' ' ')"
    fi
    rm -f "$scratch/huge"
fi

echo "pipe-files: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
