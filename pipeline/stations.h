/* stations.h - the built-in stages of pas-pipeline (private to the module).
 *
 * Every item carries a record header: its origin sequence number (the
 * record's place in the input), a hash of its original content, and its
 * lengths, so that the last stage can check exactly-once delivery (count
 * and an order-independent checksum against the source's), the content
 * (after decompression when compressed) and, when ordered, the order.
 */
#ifndef PIPE_STATIONS_H
#define PIPE_STATIONS_H

#include <stdint.h>

#include "pas_pipe.h"

typedef struct {
    uint64_t seq;  /* origin: the record's number in the input */
    uint64_t hash; /* of the original content */
    uint32_t len;  /* payload bytes that follow */
    uint32_t orig; /* original content bytes */
    uint32_t flags;
    uint32_t pad;
} station_rec_t;

enum { STATION_COMPRESSED = 1 };
enum { STATION_NONE, STATION_CHECKSUM, STATION_COMPRESS };
enum { STATION_FAULT_NONE, STATION_FAULT_DROP, STATION_FAULT_DUP, STATION_FAULT_CORRUPT };

/* Configuration (global) and tallies (local to a rank; with threads, shared
 * and updated atomically). */
typedef struct {
    const char *input;  /* path, "-" for stdin; NULL for gen */
    uint64_t record;    /* read: fixed-size records of this many bytes; 0: lines */
    uint64_t n, size;   /* gen: items and content bytes each */
    int prio_levels;    /* gen: item i has priority i mod prio_levels (0: all 0) */
    int transform;      /* STATION_* */
    double cost_us;     /* CPU time spent per item by the work stage */
    const char *output; /* path, "-" for stdout, NULL: verify and discard */
    const char *checkpoint;
    uint64_t ckpt_every;
    uint64_t resume_seq, resume_off; /* from the checkpoint: items and bytes already written */
    int ordered, fault;
    uint64_t fault_seq;

    uint64_t src_count, src_sum, snk_count, snk_sum, order_errors, content_errors, out_bytes;
    int io_status;
    char io_msg[256];
} station_cfg_t;

/* local: the stages by name ("read", "gen", "work", "write"); NULL if unknown. */
const pas_pipe_stage_t *station_lookup(const char *name, station_cfg_t *cfg, pas_pipe_stage_t *out);
extern const char *const station_names[];

/* local, pure: the content hash used by the checks (4 lanes of 64 bits). */
uint64_t station_hash(const void *data, size_t len);

/* local: 1 when built with zlib. */
int station_have_zlib(void);

/* local: read a checkpoint ("next_seq offset"); PAS_OK, PAS_ERR_IO when
 * absent or unreadable, PAS_ERR_FORMAT when malformed. */
int station_checkpoint_read(const char *path, uint64_t *next_seq, uint64_t *offset);

/* local: the partial output's name while a checkpointed run goes on. */
void station_part_name(const char *output, char *buf, size_t len);

#endif
