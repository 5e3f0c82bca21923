/* builtin/stages.h - the built-in stages of pas-pipeline and their
 * checkpoints (the program's: linked into pas-pipeline and its unit test only).
 *
 * Every item carries a record header: its origin sequence number (the
 * record's place in the input), a hash of its original content, and its
 * lengths, so that the last stage can check exactly-once delivery (count
 * and an order-independent checksum against the source's), the content
 * (after decompression when compressed) and, when ordered, the order.
 */
#ifndef PIPE_BUILTIN_STAGES_H
#define PIPE_BUILTIN_STAGES_H

#include <stdint.h>

#include "pas_pipe.h"

typedef struct {
    uint64_t seq;  /* origin: the record's number in the input */
    uint64_t hash; /* of the original content */
    uint32_t len;  /* payload bytes that follow */
    uint32_t orig; /* original content bytes */
    uint32_t flags;
    uint32_t pad;
} builtin_rec_t;

/* COMPRESSED: the payload is a gzip member of the content.  EXECUTED: the
 * payload is a command's output (8 bytes of its hash, then the bytes); seq
 * and hash stay those of the block that went in (the exactly-once sums). */
enum { BUILTIN_COMPRESSED = 1, BUILTIN_EXECUTED = 2 };
enum { BUILTIN_NONE, BUILTIN_CHECKSUM, BUILTIN_COMPRESS, BUILTIN_EXEC };
/* --transform exec: most bytes a command may write for one block (an MPI
 * message's int count, less the record header) */
#define BUILTIN_EXEC_MAX_OUT ((size_t)2147483647 - 4096)
enum { BUILTIN_FAULT_NONE, BUILTIN_FAULT_DROP, BUILTIN_FAULT_DUP, BUILTIN_FAULT_CORRUPT };

/* Configuration (global) and tallies (local to a rank; with threads, shared
 * and updated atomically). */
typedef struct {
    const char *input;  /* path, "-" for stdin; NULL for gen */
    uint64_t record;    /* read: fixed-size records of this many bytes; 0: lines */
    uint64_t n, size;   /* gen: items and content bytes each */
    uint64_t seed;      /* gen: the content depends on it (--seed) */
    int prio_levels;    /* gen: item i has priority i mod prio_levels (0: all 0) */
    int transform;      /* BUILTIN_* */
    double cost_us;     /* CPU time spent per item by the work stage */
    const char *output; /* path, "-" for stdout, NULL: verify and discard */
    const char *checkpoint;
    const char *ckpt_ident; /* what identifies the run, recorded in every checkpoint */
    uint64_t ckpt_every;
    uint64_t resume_seq, resume_off; /* from the checkpoint: items and bytes already written */
    int ordered, fault;
    uint64_t fault_seq;
    const char *exec;    /* --transform exec: the command (sh -c) */
    uint64_t block;      /* exec: most bytes of whole records per item (one record may be more) */
    double exec_timeout; /* exec: seconds per command run, 0 none */
    volatile int exec_stop; /* exec: a command failed here: stop the others (threads) */

    uint64_t src_count, src_sum, snk_count, snk_sum, order_errors, content_errors, out_bytes;
    int io_status;
    char io_msg[256];
} builtin_cfg_t;

/* local: the stages by name ("read", "gen", "work", "write"); NULL if unknown. */
const pas_pipe_stage_t *builtin_lookup(const char *name, builtin_cfg_t *cfg, pas_pipe_stage_t *out);
extern const char *const builtin_names[];

/* local, pure: the content hash used by the checks (4 lanes of 64 bits). */
uint64_t builtin_hash(const void *data, size_t len);

/* local: 1 when built with zlib. */
int builtin_have_zlib(void);

/* ---- checkpoints (checkpoint.c) ----------------------------------------------------
 *
 * A checkpoint is a small text file:
 *   pas-pipeline checkpoint 2
 *   key=value lines that identify the run (input, its size, mtime and a hash
 *   of its first 64 KiB; or --n, --size, --seed; --record, --transform, the
 *   spec, the output path)
 *   next_seq=N       records before N are in the output
 *   offset=B         ... in its first B bytes
 *   tail=16 hex      FNV-1a 64 of the (up to) 4 KiB of the output before B
 *   crc=16 hex       FNV-1a 64 of every byte before this line
 * A resume must match it line for line; anything else is a usage error. */
#define BUILTIN_CKPT_MAX 16384          /* most bytes of a checkpoint */
#define BUILTIN_CKPT_LIMIT (1ULL << 62) /* most records or bytes it may claim */
#define BUILTIN_CKPT_HEAD (64 << 10)    /* input bytes hashed into the identity */
#define BUILTIN_CKPT_TAIL 4096 /* output bytes before the offset hashed into the progress */

typedef struct {
    uint64_t next_seq, offset, tail;
    char ident[BUILTIN_CKPT_MAX]; /* the identity lines, in order */
} builtin_ckpt_t;

/* What identifies a run (the source's side: input for read, n/size/seed for gen). */
typedef struct {
    const char *input; /* canonical path; NULL for gen */
    int input_stream;  /* stdin or a FIFO: no size, time or content to record */
    uint64_t input_size, input_head;
    int64_t input_mtime_s, input_mtime_ns;
    uint64_t n, size, seed, record;
    const char *transform, *spec;
    const char *output; /* canonical path */
} builtin_run_id_t;

/* local, pure: FNV-1a 64 of len bytes */
uint64_t builtin_fnv1a(const void *data, size_t len);

/* local, pure: the identity lines of id into buf.  PAS_OK, or PAS_ERR_ARG
 * when they do not fit or a path holds a newline (message in err). */
pas_status builtin_ckpt_identity(const builtin_run_id_t *id, char *buf, size_t len, char *err,
                                 size_t errlen);

/* local, pure: the checkpoint text of (ident, next_seq, offset, tail) into
 * buf; its length, or 0 when it does not fit. */
size_t builtin_ckpt_format(const char *ident, uint64_t next_seq, uint64_t offset, uint64_t tail,
                           char *buf, size_t len);

/* local: FNV-1a 64 of the BUILTIN_CKPT_TAIL bytes of file `path` before
 * `offset` (all of them when offset is smaller).  PAS_OK, or PAS_ERR_IO with
 * the reason in err (the file cannot be read, or is shorter than offset). */
pas_status builtin_ckpt_tail(const char *path, uint64_t offset, uint64_t *hash, char *err,
                             size_t errlen);

/* local, pure: parse a checkpoint's text.  PAS_OK, or PAS_ERR_ARG with the
 * reason in err ("is corrupt (...)", "is not a pas-pipeline checkpoint"). */
pas_status builtin_ckpt_parse(const char *text, size_t len, builtin_ckpt_t *ck, char *err,
                              size_t errlen);

/* local, pure: does the checkpoint belong to this run (identity `ident`) and
 * are its numbers possible (gen: next_seq <= n; read: every record wrote at
 * least one byte, so next_seq <= offset)?  PAS_OK or PAS_ERR_ARG with err. */
pas_status builtin_ckpt_match(const builtin_ckpt_t *ck, const char *ident, int gen, uint64_t n,
                              char *err, size_t errlen);

/* local, pure: on canonical paths: 1 when the checkpoint is the output, 2
 * when it or its own temporary name (ckpt.tmp) is the output's partial or
 * temporary name (output.part*, .tmp*, .pas-tmp*) or the output itself, 3
 * when either is the input (may be NULL); 0 otherwise. */
int builtin_ckpt_clash(const char *ckpt, const char *output, const char *input);

/* local: `path` made absolute with every symbolic link resolved (realpath)
 * when it exists, else as builtin_canonical_dir. */
void builtin_canonical(const char *path, char *buf, size_t len);

/* local: `path` made absolute with only its directory resolved, the last
 * component kept as given (a link there is not followed: it is the name a
 * rename replaces); a copy of path when the directory cannot be resolved. */
void builtin_canonical_dir(const char *path, char *buf, size_t len);

/* local (on one rank, before any work): check the --checkpoint path against
 * the output and input, build this run's identity into ident (BUILTIN_CKPT_MAX
 * bytes), read the checkpoint if there is one and check that it belongs to
 * this run and to the partial output.  next_seq and offset are 0 without one.
 * PAS_OK or PAS_ERR_ARG with one line in err. */
pas_status builtin_ckpt_prepare(const builtin_cfg_t *c, const char *spec, char *ident,
                                uint64_t *next_seq, uint64_t *offset, char *err, size_t errlen);

/* local: the partial output's name while a checkpointed run goes on. */
void builtin_part_name(const char *output, char *buf, size_t len);

#endif
