/* kbaudit — the knowledge base of Windows Server 2008 SP2 updates (data/kbdb.xml).
 *
 * The bundled database is compiled into the binary; kbdb_load_file() reads another one
 * (plain XML or gzip). Every load validates against the RELAX NG schema (data/kbdb.rng,
 * also embedded) and refuses DTDs, entities and network access; inputs are size-capped.
 * kbdb_check() then verifies what a schema cannot: references resolve, no cycles, dates
 * in a sensible order, kernel versions never go down along the rollup chain.
 *
 * The structs are plain data: nothing in them refers to libxml2. A field the sources do
 * not give is absent (has_* false, 0, KBDB_UNKNOWN); a field the sources give without
 * confirming it has its KBDB_U_* bit set in `unconfirmed`. Format: docs/kbdb.md. */
#ifndef KBAUDIT_KBDB_H
#define KBAUDIT_KBDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/error.h"

/* Largest input accepted, before and after gzip decompression. */
#define KBDB_MAX_BYTES (4u * 1024u * 1024u)

typedef enum kbdb_kind {
    KBDB_KIND_NONE = 0,
    KBDB_KIND_SSU,            /* servicing stack update */
    KBDB_KIND_SHA2,           /* SHA-2 code signing support */
    KBDB_KIND_ROLLUP,         /* monthly rollup (cumulative), including out-of-band ones */
    KBDB_KIND_PREVIEW_ROLLUP, /* preview of monthly rollup */
    KBDB_KIND_SECURITY_ONLY,  /* security-only update (not cumulative) */
    KBDB_KIND_ESU_PREP,       /* ESU licensing preparation package */
    KBDB_KIND_OTHER,
    KBDB_KIND_COUNT
} kbdb_kind;

typedef enum kbdb_tristate { KBDB_UNKNOWN = 0, KBDB_NO, KBDB_YES } kbdb_tristate;

enum { KBDB_ARCH_X86 = 1u << 0, KBDB_ARCH_X64 = 1u << 1, KBDB_ARCH_IA64 = 1u << 2 };

/* Bits of kbdb_update.unconfirmed: which fields the sources give without confirming. */
enum {
    KBDB_U_KIND = 1u << 0,
    KBDB_U_DATE = 1u << 1,
    KBDB_U_TITLE = 1u << 2,
    KBDB_U_ARCH = 1u << 3,
    KBDB_U_SUPERSEDES = 1u << 4,    /* the list as a whole; items carry their own flag too */
    KBDB_U_PREREQUISITES = 1u << 5,
    KBDB_U_REBOOT = 1u << 6,
    KBDB_U_BUILD = 1u << 7,
    KBDB_U_KERNEL = 1u << 8,
    KBDB_U_ESU = 1u << 9
};

/* year 0: unknown; day 0: only the month is known. */
typedef struct kbdb_date {
    uint16_t year;
    uint8_t month, day;
} kbdb_date;

/* A source cited by entries (id "S1", grade 'A'/'B'/'C', href may be NULL). */
typedef struct kbdb_source {
    char *id;
    char grade;
    char *href;
    char *text;
} kbdb_source;

/* A reference to another update: by KB number, or (prerequisites only) by kind —
 * "any update of this kind", or with `latest` the newest one released before. */
typedef struct kbdb_ref {
    uint32_t kb;        /* 0 for a reference by kind */
    kbdb_kind kind;     /* KBDB_KIND_NONE for a reference by KB */
    bool latest;
    bool unconfirmed;
    bool outside;       /* the KB exists but this database does not describe it */
} kbdb_ref;

/* A file version that shows the update is in: role marker (a file other than ntoskrnl.exe
 * whose version, at least this, shows the update) or shipped (a known version of a file the
 * update carries). Each carries its own sources, so two scanners giving the same file can be
 * told apart and compared (kbdb_check fails when they disagree). */
typedef struct kbdb_file {
    char *name;
    uint16_t version[4];
    bool marker;
    bool threshold;     /* a scanner's minimum version, not necessarily the exact one */
    bool unconfirmed;
    unsigned archs;     /* KBDB_ARCH_* the value is given for; 0: every architecture */
    const kbdb_source **sources;  /* the value's own sources; none: the entry's (older files) */
    size_t nsources;
} kbdb_file;

/* A note on one field ("released", "kernel"...) or on the whole entry (field NULL). */
typedef struct kbdb_note {
    const char *field;
    char *text;
} kbdb_note;

typedef struct kbdb_update {
    uint32_t kb;
    kbdb_kind kind;
    kbdb_date date;
    char *title;                  /* NULL: not known */
    unsigned archs;               /* KBDB_ARCH_* bits; 0: not known */
    bool has_supersedes;          /* false: not known; true with 0 items: supersedes nothing */
    kbdb_ref *supersedes;
    size_t nsupersedes;
    bool has_prerequisites;       /* as has_supersedes */
    kbdb_ref *prerequisites;      /* in install order */
    size_t nprerequisites;
    kbdb_tristate reboot;
    uint16_t build;               /* OS build after install (6002/6003); 0: not known */
    bool has_kernel;
    uint16_t kernel[4];           /* ntoskrnl.exe version */
    bool kernel_threshold;        /* kernel is a scanner threshold (minimum) */
    unsigned kernel_archs;        /* KBDB_ARCH_* the kernel version is given for; 0: every one */
    const kbdb_source **kernel_sources;  /* the kernel version's own sources; none: the entry's */
    size_t nkernel_sources;
    kbdb_file *files;
    size_t nfiles;
    kbdb_tristate esu;            /* needs an ESU licence */
    const char *source;           /* the first cited source's address (or its text) */
    const kbdb_source **sources;  /* every cited source, in the entry's order */
    size_t nsources;
    kbdb_note *notes;
    size_t nnotes;
    size_t notes_cap;             /* internal */
    unsigned unconfirmed;         /* KBDB_U_* */
} kbdb_update;

/* One requirement of the "build 6003 ready" baseline. */
typedef struct kbdb_requirement {
    char *id;                     /* "ssu", "sha2", "rollup" */
    uint32_t kb;
    kbdb_kind kind;
    unsigned order;               /* install order, 1 first */
    bool accept_later;            /* a later update of the same kind satisfies it */
    bool has_min_kernel;
    uint16_t min_kernel[4];       /* ntoskrnl.exe at least this shows the level */
    bool order_unconfirmed;
    char *text;
    char **notes;
    size_t nnotes;
    const kbdb_source **sources;
    size_t nsources;
} kbdb_requirement;

typedef struct kbdb {
    char *name;                   /* file name, or "embedded" */
    char *platform;
    char *baseline_id;
    char *baseline_title;
    kbdb_update *updates;         /* in document order (chronological in the bundled file) */
    size_t nupdates;
    kbdb_requirement *baseline;   /* sorted by order */
    size_t nbaseline;
    kbdb_source *sources;
    size_t nsources;
    size_t *by_kb;                /* internal: indexes of updates sorted by KB number */
} kbdb;

/* Flags for the loaders. */
enum { KBDB_LOAD_NO_CHECK = 1u << 0 /* skip kbdb_check(); `kbaudit db check` lists all */ };

/* The database compiled into the binary. */
int kbdb_load_embedded(kbdb **out, kb_error *err);
/* A database file, plain XML or gzip-compressed (detected by content), at most
 * KBDB_MAX_BYTES before and after decompression. Opened read-only. */
int kbdb_load_file(const char *path, unsigned flags, kbdb **out, kb_error *err);
/* The same from memory; `name` is used in messages. */
int kbdb_load_memory(const void *data, size_t size, const char *name, unsigned flags, kbdb **out,
                     kb_error *err);
void kbdb_free(kbdb *db);

/* The embedded XML and schema, as compiled in. */
const unsigned char *kbdb_embedded_xml(size_t *size);
const unsigned char *kbdb_embedded_schema(size_t *size);

const kbdb_update *kbdb_find(const kbdb *db, uint32_t kb);
/* Parses "KB4493471", "kb4493471" or "4493471". Returns 0 or -1. */
int kbdb_parse_kb(const char *s, uint32_t *kb);
/* True when `newer` supersedes `older` through a chain of confirmed supersedes links.
 * The _any form follows unconfirmed links too. */
bool kbdb_supersedes_transitively(const kbdb *db, uint32_t newer, uint32_t older);
bool kbdb_supersedes_transitively_any(const kbdb *db, uint32_t newer, uint32_t older);
/* The update of `kind` with the latest known release date (NULL if none). */
const kbdb_update *kbdb_newest_of_kind(const kbdb *db, kbdb_kind kind);
/* The update of any kind with the latest known release date (NULL if none has a date):
 * how current the database is (`kbaudit --version`). */
const kbdb_update *kbdb_newest(const kbdb *db);

/* Integrity: one problem per line-sized message, naming the KB. */
typedef struct kbdb_problem {
    uint32_t kb;        /* 0 when not about one update */
    char *message;
} kbdb_problem;
typedef struct kbdb_problems {
    kbdb_problem *items;
    size_t count, cap;
} kbdb_problems;
/* Appends every problem found to `out` (which may hold some already). Returns 0 when the
 * check ran (look at out->count), -1 when memory ran out. */
/* How many distinct sources give update u's file thresholds (its <kernel> and marker files;
 * a threshold without sources of its own counts the entry's). 0: u has no threshold. */
size_t kbdb_threshold_sources(const kbdb_update *u);

int kbdb_check(const kbdb *db, kbdb_problems *out, kb_error *err);
void kbdb_problems_free(kbdb_problems *p);

const char *kbdb_kind_name(kbdb_kind kind);        /* "ssu", ...; "none" */
int kbdb_kind_from_name(const char *name, kbdb_kind *kind); /* 0 or -1 */
const char *kbdb_tristate_name(kbdb_tristate t);   /* "yes", "no", "unknown" */
/* Negative, zero or positive like strcmp. Unknown dates sort first; a month-only date
 * sorts before every day of that month. */
int kbdb_date_cmp(kbdb_date a, kbdb_date b);
int kbdb_version_cmp(const uint16_t a[4], const uint16_t b[4]);

#endif
