# test-common.sh - sourced by the pipeline's script tests (test-exec.sh,
# test-checkpoint.sh) from the repository root, with NAME set to the test's
# name and the script's arguments after it: drops a launcher's variables (the
# script may itself run under mpirun -np 1, and the runs inside start their
# own jobs), and sets np (ranks, $1 or 4; 1 in the OpenMP-only build), prog
# (pas-pipeline from the PATH), launch and dir (a temporary directory,
# removed at exit).
for v in $(env | grep -o '^\(OMPI\|PMIX\|OPAL\|ORTE\)_[A-Za-z0-9_]*'); do
    case $v in OMPI_ALLOW_RUN_AS_ROOT*) ;; *) unset "$v" ;; esac
done
np="${1:-4}"
[ "${PAS_MPI:-1}" = 0 ] && np=1
prog=$(command -v pas-pipeline) || { echo "$NAME: pas-pipeline is not on the PATH" >&2; exit 2; }
launch="${PAS_LAUNCH:-jobs/pas-launch}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
