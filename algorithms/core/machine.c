/* machine.c - which cores each rank may use, and how many threads it runs.
 *
 * Sources, most specific first: --threads; OMP_NUM_THREADS; Slurm's
 * SLURM_CPUS_PER_TASK; otherwise the affinity mask, shared with the other
 * ranks on the node that have the very same mask.  Ranks bound to their own
 * cores (srun --cpu-bind, mpirun --bind-to core) each own their mask; unbound
 * ranks, or ranks confined together by a cgroup or cpuset, split it; ranks
 * bound per socket split their socket.  hwloc, when built in, counts physical
 * cores so SMT siblings are not double-booked.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef PAS_HAVE_HWLOC
#include <hwloc.h>
#endif

#include "pas_core.h"

int pas_threads_choose(int requested, int omp_env, int slurm_cpt, int mask_cpus, int sharers,
                       const char **why)
{
    const char *w;
    int t;
    if (requested > 0) {
        t = requested, w = "--threads";
    } else if (omp_env > 0) {
        t = omp_env, w = "OMP_NUM_THREADS";
    } else if (slurm_cpt > 0) {
        t = slurm_cpt, w = "SLURM_CPUS_PER_TASK";
    } else if (sharers <= 1) {
        t = mask_cpus, w = "affinity mask (own cores)";
    } else {
        t = mask_cpus / sharers;
        w = "affinity mask / ranks sharing it";
    }
    if (t < 1)
        t = 1;
    if (why)
        *why = w;
    return t;
}

static int env_int(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    long x = strtol(v, &end, 10); /* "4,2" (nested OMP) takes the first level */
    return (end != v && x > 0 && x < 1 << 20) ? (int)x : 0;
}

static int hw_cores_in_mask(void)
{
#ifdef PAS_HAVE_HWLOC
    hwloc_topology_t topo;
    int cores = 0;
    if (hwloc_topology_init(&topo) != 0)
        return 0;
    if (hwloc_topology_load(topo) == 0) {
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        if (set && hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0) {
            int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
            for (int i = 0; i < n; i++) {
                hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, i);
                if (core && hwloc_bitmap_intersects(core->cpuset, set))
                    cores++;
            }
        }
        hwloc_bitmap_free(set);
    }
    hwloc_topology_destroy(topo);
    return cores;
#else
    return 0;
#endif
}

/* A 64-bit digest of an affinity mask, to find the ranks that share it. */
static uint64_t mask_digest(const cpu_set_t *set)
{
    uint64_t h = 0x243f6a8885a308d3ULL;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, set))
            h = pas_mix64(h ^ (uint64_t)c);
    return h;
}

/* The switch read by the yielding wrappers of MPICH builds
 * (mpi/mpi_yield.c); elsewhere always off. */
static int yield_on;

void pas_mpi_yield_set(int on)
{
#ifdef PAS_MPI_YIELD
    yield_on = on;
#else
    (void)on;
#endif
}

int pas_mpi_yield_get(void)
{
    return yield_on;
}

pas_status pas_machine_detect(MPI_Comm comm, int requested_threads, pas_machine_t *m)
{
    int rc = PAS_OK;
    memset(m, 0, sizeof *m);
    MPI_Comm_rank(comm, &m->rank);
    MPI_Comm_size(comm, &m->ranks);

    m->node_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        m->mask_cpus = CPU_COUNT(&set);
    } else {
        m->mask_cpus = m->node_cpus;
        for (int c = 0; c < m->node_cpus && c < CPU_SETSIZE; c++)
            CPU_SET(c, &set);
    }

    /* Ranks on this node, ranks sharing my exact mask, and the number of
     * nodes (one leader per shared-memory communicator).  Every rank makes
     * every call, so a local failure cannot strand the others. */
    /* The memory limits this process sees; ranks under the same limiting
     * cgroup share its room, as ranks with the same mask share cores. */
    pas_mem_sources_t src;
    pas_mem_probe_t probe;
    pas_mem_sources_system(&src);
    pas_mem_probe(&src, &probe);
    MPI_Comm node = MPI_COMM_NULL;
    int node_rank = 0, sharers = 1, cg_sharers = 1;
    m->local_ranks = 1;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, m->rank, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &m->local_ranks);
        MPI_Comm_rank(node, &node_rank);
        uint64_t mine[2] = {mask_digest(&set), 0};
        for (const char *c = probe.cgroup_dir; *c; c++)
            mine[1] = pas_mix64(mine[1] ^ (unsigned char)*c);
        uint64_t *all = malloc((size_t)m->local_ranks * sizeof mine);
        if (MPI_Allgather(mine, 2, MPI_UINT64_T, all ? all : mine, all ? 2 : 0, MPI_UINT64_T,
                          node) == MPI_SUCCESS &&
            all) {
            sharers = cg_sharers = 0;
            for (int i = 0; i < m->local_ranks; i++) {
                sharers += all[2 * i] == mine[0];
                cg_sharers += all[2 * i + 1] == mine[1];
            }
        } else {
            rc = PAS_ERR_NOMEM;
        }
        free(all);
        MPI_Comm_free(&node);
    } else {
        rc = PAS_ERR_MPI;
    }
    int leader = node_rank == 0;
    if (MPI_Allreduce(&leader, &m->hosts, 1, MPI_INT, MPI_SUM, comm) != MPI_SUCCESS)
        rc = PAS_ERR_MPI;
#ifdef _OPENMP
    m->omp_procs = omp_get_num_procs();
#else
    m->omp_procs = 1;
#endif
    m->hw_cores = hw_cores_in_mask();
    /* Count physical cores, not SMT siblings, when hwloc knows them. */
    int mask = m->hw_cores > 0 && m->hw_cores < m->mask_cpus ? m->hw_cores : m->mask_cpus;
    m->sharers = sharers;
    m->threads =
        pas_threads_choose(requested_threads, env_int("OMP_NUM_THREADS"),
                           env_int("SLURM_CPUS_PER_TASK"), mask, sharers, &m->threads_from);
#ifdef _OPENMP
    omp_set_num_threads(m->threads);
#else
    m->threads = 1;
    m->threads_from = "no OpenMP in this build";
#endif
    pas_mem_share(&probe, m->local_ranks, cg_sharers, &m->mem);
    /* Yield while waiting when any node has more ranks than cores; every
     * rank must switch alike, so the job agrees (before any wrapped call). */
    const char *y = getenv("PAS_MPI_YIELD");
    int want = y && *y ? atoi(y) != 0 : (sharers > m->mask_cpus || m->local_ranks > m->node_cpus),
        any = 0;
    if (MPI_Allreduce(&want, &any, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS)
        rc = PAS_ERR_MPI;
    pas_mpi_yield_set(any);
    if (gethostname(m->host, sizeof m->host) != 0)
        strcpy(m->host, "unknown");
    m->host[sizeof m->host - 1] = '\0';
    return rc;
}
