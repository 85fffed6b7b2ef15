/* kbaudit — read-only reader for Windows registry hive files (regf).
 *
 * A hive is opened from a file (mapped read-only) or from a caller's buffer. Opening
 * validates the base block and every hive bin and records where each allocated cell
 * starts; afterwards every offset the reader follows is checked against that record, so a
 * corrupt or hostile hive produces an error naming the file and the offset, never an
 * out-of-bounds read, an endless loop or an unbounded allocation.
 *
 * Keys and values are identified by the offset of their cell (regf_off). Names, classes and
 * strings come out as UTF-8. Nothing here recurses on the C stack. */
#ifndef KBAUDIT_REGF_H
#define KBAUDIT_REGF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/buf.h"
#include "kbaudit/error.h"

typedef struct regf_hive regf_hive;
typedef uint32_t regf_off;          /* cell offset, relative to the first hive bin */
#define REGF_NONE 0xFFFFFFFFu

/* Registry value types (REG_*). Other numbers are kept and reported as they are. */
enum regf_type {
    REGF_NONE_TYPE = 0, REGF_SZ = 1, REGF_EXPAND_SZ = 2, REGF_BINARY = 3, REGF_DWORD = 4,
    REGF_DWORD_BE = 5, REGF_LINK = 6, REGF_MULTI_SZ = 7, REGF_RESOURCE_LIST = 8,
    REGF_FULL_RESOURCE_DESCRIPTOR = 9, REGF_RESOURCE_REQUIREMENTS_LIST = 10, REGF_QWORD = 11
};

/* Limits that keep hostile input bounded (documented in docs/regf.md). */
#define REGF_MAX_DEPTH 512           /* key nesting, as Windows allows */
#define REGF_MAX_RI_DEPTH 1          /* ri levels: ri -> lf/lh/li only, as Windows writes */
#define REGF_BIG_DATA_SEGMENT 16344  /* bytes of value data per db segment */

typedef struct regf_header {
    uint32_t seq_primary, seq_secondary;
    uint64_t last_written;           /* FILETIME */
    uint32_t major, minor;
    uint32_t root;                   /* offset of the root key */
    uint32_t bins_size;              /* hive bins data size from the base block */
    uint32_t bins_used;              /* bytes of bins actually present (zero tail dropped) */
    bool dirty;                      /* sequence numbers differ: an unflushed log may exist */
    bool zero_tail;                  /* trailing hive-bin area was all zero and was ignored */
} regf_header;

typedef struct regf_key_info {
    uint16_t flags;
    uint64_t last_write;             /* FILETIME */
    uint32_t subkey_count;
    uint32_t value_count;
    uint32_t parent;
} regf_key_info;

typedef struct regf_value_info {
    uint32_t type;
    uint32_t length;                 /* data length in bytes */
    bool has_name;                   /* false for the default (unnamed) value */
} regf_value_info;

/* A list of cell offsets (subkeys or values of one key). */
typedef struct regf_offlist {
    regf_off *v;
    size_t n, cap;
} regf_offlist;

void regf_offlist_free(regf_offlist *l);

int regf_open_file(const char *path, regf_hive **out, kb_error *err);
/* `data` must stay valid until regf_close; `name` is used in error messages. */
int regf_open_buffer(const void *data, size_t size, const char *name, regf_hive **out, kb_error *err);
void regf_close(regf_hive *h);

/* Dirty hives and their transaction logs (regf_log*.c, docs/regf.md "Transaction logs").
 *
 * A hive whose base block sequence numbers differ was not completely written: its newest
 * changes are in the logs beside it (HIVE.LOG1, HIVE.LOG2). regf_open_recovered applies
 * them in memory, as Windows does when it loads the hive: the old format (Vista, Server
 * 2008: base block, "DIRT" dirty vector, dirty pages) and the new one (Windows 8.1 and
 * later: "HvLE" entries with Marvin32 hashes). The caller reads the log files and passes
 * their bytes; nothing here touches a file. The recovered hive is a private copy. */
typedef enum regf_recovery_status {
    REGF_RECOVERY_CLEAN = 0,       /* sequence numbers agree: the primary file alone */
    REGF_RECOVERY_APPLIED,         /* dirty, and a log was applied */
    REGF_RECOVERY_NO_LOG,          /* dirty, and no log was given */
    REGF_RECOVERY_REJECTED,        /* dirty, and every log failed its checks (see reason) */
    REGF_RECOVERY_SKIPPED          /* dirty, logs not looked at (--no-logs) */
} regf_recovery_status;

#define REGF_MAX_LOGS 2
#define REGF_LOG_REASON 200

typedef struct regf_log_input {
    const char *name;                /* shown in reports and errors */
    const void *data;                /* NULL when the file could not be read: */
    size_t size;
    const char *error;               /* then why (copied into the report), else NULL */
} regf_log_input;

typedef struct regf_recovery {
    regf_recovery_status status;
    uint32_t file_seq1, file_seq2;   /* the primary file's own sequence numbers */
    unsigned format;                 /* 1: old (DIRT), 2: new (HvLE); 0 when nothing applied */
    uint32_t pages;                  /* dirty pages written into the recovered image */
    uint32_t entries;                /* new format: log entries applied */
    uint32_t seq_first, seq_last;    /* sequence numbers applied (new format: of entries) */
    size_t nlogs;                    /* logs given, in the order given */
    bool used[REGF_MAX_LOGS];        /* which logs had pages applied */
    /* why a log was not applied, or where it stopped ("" when it was applied whole) */
    char reason[REGF_MAX_LOGS][REGF_LOG_REASON];
} regf_recovery;

/* Opens a hive like regf_open_buffer (DATA must stay valid until regf_close), applying
 * LOGS (at most REGF_MAX_LOGS, any order, NULL data for a log that could not be read) when
 * the hive is dirty. A log that fails a check is not applied and REP says why; the hive
 * then opens as it is on disk. Fails only as regf_open_buffer would on the primary file. */
int regf_open_recovered(const void *data, size_t size, const char *name, const regf_log_input *logs,
                        size_t nlogs, regf_hive **out, regf_recovery *rep, kb_error *err);
/* The same for a hive file, mapped read-only (the logs' bytes come from the caller). */
int regf_open_file_logs(const char *path, const regf_log_input *logs, size_t nlogs, regf_hive **out,
                        regf_recovery *rep, kb_error *err);
/* One line for a report: "clean", "recovered 12 dirty pages from SOFTWARE.LOG1", ... */
void regf_recovery_describe(const regf_recovery *rep, const regf_log_input *logs, char *buf, size_t size);
const char *regf_recovery_status_name(regf_recovery_status s);  /* "clean", "recovered", ... */

/* The 64-bit Marvin32 hash the new log format uses (exposed for tests). */
uint64_t regf_marvin32(uint64_t seed, const void *data, size_t len);
#define REGF_LOG_MARVIN_SEED 0x82EF4D887A4E55C5ull

const char *regf_name(const regf_hive *h);
const regf_header *regf_get_header(const regf_hive *h);
regf_off regf_root(const regf_hive *h);

/* Keys */
int regf_key_info_get(const regf_hive *h, regf_off key, regf_key_info *out, kb_error *err);
int regf_key_name(const regf_hive *h, regf_off key, kb_buf *out, kb_error *err);   /* appends */
int regf_key_class(const regf_hive *h, regf_off key, kb_buf *out, kb_error *err);  /* appends; empty if none */
int regf_key_subkeys(const regf_hive *h, regf_off key, regf_offlist *out, kb_error *err);
int regf_key_values(const regf_hive *h, regf_off key, regf_offlist *out, kb_error *err);
/* One child by name, compared case-insensitively as Windows does. Returns 0 and sets *out,
 * or -1 with kind KB_ERR_NOTFOUND when absent (other kinds: corrupt hive). */
int regf_key_child(const regf_hive *h, regf_off key, const char *name, size_t name_len,
                   regf_off *out, kb_error *err);
/* A path of backslash-separated names below `key` ("" or "\" is `key` itself). */
int regf_key_lookup(const regf_hive *h, regf_off key, const char *path, regf_off *out, kb_error *err);
/* The same, and appends to `stored` the path with the names as they are stored in the hive
 * (joined by '\'), e.g. to show "Microsoft\Windows NT" for "microsoft\windows nt". */
int regf_key_lookup_stored(const regf_hive *h, regf_off key, const char *path, regf_off *out,
                           kb_buf *stored, kb_error *err);

/* Values */
int regf_value_info_get(const regf_hive *h, regf_off value, regf_value_info *out, kb_error *err);
int regf_value_name(const regf_hive *h, regf_off value, kb_buf *out, kb_error *err);  /* appends */
/* Finds a value by name (case-insensitive); "" is the default value. */
int regf_value_lookup(const regf_hive *h, regf_off key, const char *name, regf_off *out, kb_error *err);
/* Points *data at the value's bytes. Small and normal values point into the hive; big data
 * (db) is assembled into `scratch` (reset first). *data is valid until scratch changes. */
int regf_value_data(const regf_hive *h, regf_off value, kb_buf *scratch, const uint8_t **data,
                    uint32_t *len, kb_error *err);

/* Convenience for typed reads: REG_SZ / REG_EXPAND_SZ as UTF-8 up to the first NUL
 * (appended to out), REG_DWORD (or 4-byte binary) as a number. */
int regf_value_string(const regf_hive *h, regf_off value, kb_buf *out, kb_error *err);
int regf_value_dword(const regf_hive *h, regf_off value, uint32_t *out, kb_error *err);

/* Depth-first walk of a subtree in subkey-list order, without recursion. Each key is
 * visited once; a key reached twice (a cycle or a shared subtree) is an error. */
typedef struct regf_walker regf_walker;
int regf_walk_begin(const regf_hive *h, regf_off start, regf_walker **out, kb_error *err);
/* Returns 1 with *key set, 0 when done, -1 on error. */
int regf_walk_next(regf_walker *w, regf_off *key, kb_error *err);
/* Path of the current key relative to `start` (UTF-8, components joined by '\'). */
const char *regf_walk_path(const regf_walker *w, size_t *len);
/* Name of the current key alone (UTF-8; "" for the start key). */
const char *regf_walk_name(const regf_walker *w, size_t *len);
unsigned regf_walk_depth(const regf_walker *w);
/* During a walk, regf_key_values with each value record claimed for the walk: a value
 * listed twice (in one key's list, or a list shared by two keys) is an error ("loop"), so
 * a hostile hive cannot make a walk visit more values than it holds. */
int regf_walk_values(regf_walker *w, regf_off key, regf_offlist *out, kb_error *err);
/* During a walk, regf_value_data charged against the walk's data budget (twice the hive
 * bins size, which a valid hive never reaches: each data cell belongs to one value). Data
 * cells shared between values cannot multiply an export's size. */
int regf_walk_value_data(regf_walker *w, regf_off value, kb_buf *scratch, const uint8_t **data,
                         uint32_t *len, kb_error *err);
void regf_walk_end(regf_walker *w);

const char *regf_type_name(uint32_t type);   /* "REG_SZ", ... or NULL when unknown */

#endif
