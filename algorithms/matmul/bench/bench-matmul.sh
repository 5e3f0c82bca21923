#!/usr/bin/env bash
# bench-matmul.sh - pas-matmul against its peers, all measured in the same run
# and interleaved round by round (the machine may be shared: medians of
# ROUNDS rounds, each a median of REPS repetitions):
#   the FMA peak (pas-matmul's throughput loop on all cores),
#   pas OpenMP-only (MPI=0 build) 1 rank x 2 threads,
#   pas MPI 2 ranks x 1 thread (grid 1x2) and 1 rank x 2 threads,
#   OpenBLAS dgemm, 2 threads, OPENBLAS_CORETYPE=SkylakeX where the CPU has
#   AVX-512 (OpenBLAS 0.3.21 takes Zen 4 and 5 for AVX2 machines), else the
#   kernels OpenBLAS picks (SkylakeX kernels on a CPU without AVX-512 die on
#   an illegal instruction: the AVX2-only EPYC VMs of this kind),
#   BLIS dgemm, 2 threads (the kernels BLIS picks for this CPU; BLIS_LIB),
#   ScaLAPACK pdgemm over OpenBLAS on 2 ranks, NB = 128 and 256 (best kept).
# Usage: bench-matmul.sh BINDIR SERIAL_BINDIR BENCH_DIR   (make bench-matmul runs it)
# Environment: N (4096), ROUNDS (3), REPS (3), CORES (2), BLIS_LIB (libblis.so
# for kernel_vs_blas; make bench-matmul sets it when it found BLIS).
set -u
cd "$(dirname "$0")/../../.."
bindir="$1" serial_bindir="$2" benchdir="$3"
n="${N:-4096}" rounds="${ROUNDS:-3}" reps="${REPS:-3}" cores="${CORES:-2}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    coretype="${OPENBLAS_CORETYPE:-SkylakeX}"
else
    coretype="${OPENBLAS_CORETYPE:-}" # unset: OpenBLAS's own choice
fi
blas_env=(env ${coretype:+"OPENBLAS_CORETYPE=$coretype"})

json_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p" | head -n 1; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "nan"}'; }

pas() { # name, launcher args..., -- program args...
    local name="$1"; shift
    local line
    line=$("$@" --m "$n" --n "$n" --k "$n" --reps "$reps" --warmup 1 --json --peak-seconds 0.5 2>>"$out/stderr")
    local verdict rate peak
    verdict=$(echo "$line" | json_field verdict)
    rate=$(echo "$line" | json_field rate)
    peak=$(echo "$line" | json_field peak)
    if [ "$verdict" != PASS ]; then
        echo "bench-matmul: $name did not PASS ($line); see its stderr:" >&2
        tail -n 5 "$out/stderr" >&2
        echo "nan" >>"$out/$name"
        return
    fi
    echo "$rate" >>"$out/$name"
    echo "$peak" >>"$out/peak"
}

echo "bench-matmul: n=$n, $rounds rounds x $reps repetitions, $cores cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "  cpu: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), family $(sed -n 's/^cpu family[^:]*: //p' /proc/cpuinfo | head -n 1) model $(sed -n 's/^model[^:a-z]*: //p' /proc/cpuinfo | head -n 1); $(uptime | sed 's/.*load average/load average/')"
echo "  (the machine may be shared with other work: read the ratios, measured side by side)"
for r in $(seq 1 "$rounds"); do
    echo "  round $r/$rounds ..."
    if [ -x "$serial_bindir/pas-matmul" ]; then
        PAS_MPI=0 pas omp jobs/pas-launch -n 1 "$serial_bindir/pas-matmul" --threads "$cores"
    fi
    if [ "$(cat "$bindir/.variant" 2>/dev/null)" = mpi ]; then
        pas mpi_2x1 jobs/pas-launch -n "$cores" "$bindir/pas-matmul" --grid 1x"$cores" --threads 1
        pas mpi_1x2 jobs/pas-launch -n 1 "$bindir/pas-matmul" --threads "$cores"
    fi
    if [ -x "$benchdir/blas_dgemm" ]; then
        "${blas_env[@]}" OPENBLAS_NUM_THREADS="$cores" "$benchdir/blas_dgemm" "$n" "$reps" \
            | sed -n 's/.*gflops=\([0-9.]*\) check=ok.*/\1/p' >>"$out/blas"
    fi
    if [ -x "$benchdir/blis_dgemm" ]; then
        BLIS_NUM_THREADS="$cores" "$benchdir/blis_dgemm" "$n" "$reps" \
            | sed -n 's/.*gflops=\([0-9.]*\) check=ok.*/\1/p' >>"$out/blis"
    fi
    if [ -x "$benchdir/scalapack_pdgemm" ]; then
        for nb in 128 256; do
            "${blas_env[@]}" OPENBLAS_NUM_THREADS=1 jobs/pas-launch -n "$cores" \
                "$benchdir/scalapack_pdgemm" "$n" "$nb" "$reps" | sed -n 's/.*gflops=\([0-9.]*\).*/\1/p' >>"$out/pdgemm_$nb"
        done
    fi
done

# The local kernels once more, alternating call by call in one process and
# timed in CPU seconds too (what a busy neighbour cannot inflate).
if [ -x "$benchdir/kernel_vs_blas" ]; then
    "${blas_env[@]}" OMP_WAIT_POLICY=passive "$benchdir/kernel_vs_blas" "$n" "$cores" $((reps + 2)) ${BLIS_LIB:+"$BLIS_LIB"} >"$out/kernel" 2>&1
fi

get() { [ -s "$out/$1" ] && median <"$out/$1" || echo nan; }
# the peak is what the cores can do: the best measurement, not the median
peak=$([ -s "$out/peak" ] && sort -g "$out/peak" | tail -n 1 || echo nan)
omp=$(get omp) m21=$(get mpi_2x1) m12=$(get mpi_1x2) blas=$(get blas) blis=$(get blis) p128=$(get pdgemm_128) p256=$(get pdgemm_256)
best_pd=$(printf '%s\n%s\n' "$p128" "$p256" | grep -v nan | sort -g | tail -n 1)
best_nb=$([ "$best_pd" = "$p256" ] && echo 256 || echo 128)
row() { awk -v w="$1" -v g="$2" -v p="$peak" 'BEGIN { if (g == "nan" || g == "") printf "  %-46s %10s\n", w, "skipped"; else printf "  %-46s %10.1f %8.1f%%\n", w, g, 100 * g / p }'; }
ratio() { awk -v a="$2" -v b="$3" -v w="$1" -v goal="$4" 'BEGIN { if (a == "nan" || b == "nan" || a == "" || b == "" || b == 0) printf "  %-46s %10s\n", w, "n/a"; else printf "  %-46s %9.2fx   (goal >= %s)\n", w, a / b, goal }'; }
echo
echo "matmul n=$n, medians of $rounds rounds                  GFLOP/s   of peak"
row "FMA peak, measured ($cores cores, best)" "$peak"
row "pas OpenMP-only (MPI=0), 1 rank x $cores threads" "$omp"
row "pas MPI, $cores ranks x 1 thread (grid 1x$cores)" "$m21"
row "pas MPI, 1 rank x $cores threads" "$m12"
row "OpenBLAS dgemm, $cores threads, ${coretype:-own choice}" "$blas"
row "BLIS dgemm, $cores threads" "$blis"
row "ScaLAPACK pdgemm, $cores ranks, NB=128" "$p128"
row "ScaLAPACK pdgemm, $cores ranks, NB=256" "$p256"
echo
ratio "pas OpenMP-only / OpenBLAS dgemm" "$omp" "$blas" 1.1
ratio "pas OpenMP-only / BLIS dgemm" "$omp" "$blis" 1.1
ratio "pas MPI $cores ranks / best pdgemm (NB=$best_nb)" "$m21" "$best_pd" 1.1
ratio "pas MPI $cores ranks x 1 / 1 rank x $cores threads" "$m21" "$m12" 0.95
ratio "pas OpenMP-only / FMA peak" "$omp" "$peak" 0.85
ratio "pas MPI 1 rank x $cores threads / FMA peak" "$m12" "$peak" 0.85
ratio "pas MPI $cores ranks / FMA peak" "$m21" "$peak" 0.85
echo "  load: $(uptime | sed 's/.*load average/load average/')"
if [ -s "$out/kernel" ]; then
    echo
    echo "local kernels alternating in one process ($cores threads; cpu = GFLOP per CPU-second of the process):"
    sed 's/^kernel /  /' "$out/kernel"
fi
for f in omp mpi_2x1 mpi_1x2 blas blis pdgemm_128 pdgemm_256 peak; do
    [ -s "$out/$f" ] && echo "  samples $f: $(tr '\n' ' ' <"$out/$f")"
done
