/* machine.c - which cores each rank may use, and how many threads it runs.
 *
 * Sources, most specific first: --threads; OMP_NUM_THREADS; Slurm's
 * SLURM_CPUS_PER_TASK; otherwise the affinity mask.  A rank whose mask covers
 * the whole node (not bound by the launcher) shares the node with the other
 * ranks on it, so it takes its share; a rank bound to a subset owns it.
 * hwloc, when built in, counts physical cores so SMT siblings are not
 * double-booked.
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

int pas_threads_choose(int requested, int omp_env, int slurm_cpt, int mask_cpus,
                       int node_cpus, int local_ranks, const char **why)
{
    const char *w;
    int t;
    if (requested > 0) {
        t = requested, w = "--threads";
    } else if (omp_env > 0) {
        t = omp_env, w = "OMP_NUM_THREADS";
    } else if (slurm_cpt > 0) {
        t = slurm_cpt, w = "SLURM_CPUS_PER_TASK";
    } else if (mask_cpus > 0 && mask_cpus < node_cpus) {
        t = mask_cpus, w = "affinity mask (bound rank)";
    } else {
        int cpus = mask_cpus > 0 ? mask_cpus : node_cpus;
        t = cpus / (local_ranks > 0 ? local_ranks : 1);
        w = "node cores / ranks on node";
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

int pas_machine_detect(MPI_Comm comm, int requested_threads, pas_machine_t *m)
{
    memset(m, 0, sizeof *m);
    if (MPI_Comm_rank(comm, &m->rank) || MPI_Comm_size(comm, &m->ranks))
        return PAS_ERR_MPI;

    /* Ranks on this node, and how many nodes: one leader per shared-memory comm. */
    MPI_Comm node;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, m->rank, MPI_INFO_NULL, &node))
        return PAS_ERR_MPI;
    int node_rank;
    MPI_Comm_size(node, &m->local_ranks);
    MPI_Comm_rank(node, &node_rank);
    MPI_Comm_free(&node);
    int leader = node_rank == 0;
    if (MPI_Allreduce(&leader, &m->hosts, 1, MPI_INT, MPI_SUM, comm))
        return PAS_ERR_MPI;

    m->node_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    m->mask_cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : m->node_cpus;
#ifdef _OPENMP
    m->omp_procs = omp_get_num_procs();
#else
    m->omp_procs = 1;
#endif
    m->hw_cores = hw_cores_in_mask();
    /* Count physical cores, not SMT siblings, when hwloc knows them. */
    int mask = m->mask_cpus;
    int nodec = m->node_cpus;
    if (m->hw_cores > 0 && m->hw_cores < mask) {
        nodec = nodec * m->hw_cores / mask;
        mask = m->hw_cores;
    }
    m->threads = pas_threads_choose(requested_threads, env_int("OMP_NUM_THREADS"),
                                    env_int("SLURM_CPUS_PER_TASK"), mask, nodec,
                                    m->local_ranks, &m->threads_from);
#ifdef _OPENMP
    omp_set_num_threads(m->threads);
#else
    m->threads = 1;
    m->threads_from = "no OpenMP in this build";
#endif
    if (gethostname(m->host, sizeof m->host) != 0)
        strcpy(m->host, "unknown");
    m->host[sizeof m->host - 1] = '\0';
    return PAS_OK;
}
