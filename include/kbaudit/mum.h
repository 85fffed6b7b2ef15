/* kbaudit — servicing manifests: the package manifests (.mum) in %windir%\servicing\Packages,
 * the package identity strings CBS uses as registry key and file names, and the count of
 * pending operations in %windir%\winsxs\pending.xml.
 *
 * Everything here is read with libxml2 under one hardened setup (docs/mum.md): files are
 * opened read-only and must be regular files under a size cap; the network, DTD loading and
 * entity substitution are off, and any document type declaration is refused as soon as the
 * parser meets it, before its internal subset is read; element nesting and element count are
 * bounded. A hostile file gives an error naming the file, the line and the problem. */
#ifndef KBAUDIT_MUM_H
#define KBAUDIT_MUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/buf.h"
#include "kbaudit/error.h"

/* Limits on hostile input (docs/mum.md explains each). */
#define MUM_MAX_FILE_SIZE (4u << 20)          /* a .mum larger than 4 MiB is refused */
#define MUM_PENDING_MAX_FILE_SIZE (64u << 20) /* pending.xml larger than 64 MiB is refused */
#define MUM_MAX_DEPTH 64                      /* element nesting (real manifests: about 6) */
#define MUM_MAX_ELEMENTS 200000               /* elements in one .mum */
#define MUM_MAX_VALUE 4096                    /* bytes in one attribute value that is kept */
#define MUM_MAX_ATTRIBUTES 64                 /* attributes (xmlns included) in one start tag */
#define MUM_MAX_NAMESPACES 32                 /* namespace declarations in scope at once */
#define MUM_MAX_IDENTITY_STRING 1024          /* bytes in an identity string */
#define MUM_MAX_LIST 65536                    /* parents, updates, packages or components kept */

/* The XML namespace of servicing manifests. */
#define MUM_NAMESPACE "urn:schemas-microsoft-com:asm.v3"

/* An <assemblyIdentity>: each field is a NUL-terminated UTF-8 copy of the attribute, or
 * NULL when the attribute is absent. `name` is never NULL in a manifest that was read. */
typedef struct mum_identity {
    char *name;
    char *public_key_token;       /* publicKeyToken */
    char *arch;                   /* processorArchitecture: x86, amd64, ia64, wow64, msil... */
    char *language;               /* "neutral", "en-US"... */
    char *version;                /* "6.0.1.4" */
} mum_identity;

typedef struct mum_identity_list {
    mum_identity *v;
    size_t n;
} mum_identity_list;

/* package/@restart */
typedef enum mum_restart {
    MUM_RESTART_UNSPECIFIED = 0,  /* no restart attribute */
    MUM_RESTART_POSSIBLE,         /* "possible" */
    MUM_RESTART_REQUIRED,         /* "required" */
    MUM_RESTART_NEVER,            /* "never" */
    MUM_RESTART_OTHER             /* any other value: see mum_manifest.restart_text */
} mum_restart;

/* One package/update element: its name and what it carries. */
typedef struct mum_update {
    char *name;                   /* update/@name, e.g. "4474419-28_neutral_LDR" (may be NULL) */
    mum_identity_list packages;   /* update/package/assemblyIdentity: child packages */
    mum_identity_list components; /* update/component/assemblyIdentity: component payload */
} mum_update;

typedef struct mum_manifest {
    mum_identity identity;        /* assembly/assemblyIdentity */
    /* assembly attributes (NULL when absent) */
    char *description;            /* "Fix for KB4474419" */
    char *support_information;    /* "http://support.microsoft.com/?kbid=4474419" */
    char *creation_time_stamp;    /* "2019-08-09T15:14:44Z", kept as written */
    char *last_update_time_stamp;
    /* package attributes */
    char *identifier;             /* "KB4474419" (NULL when absent) */
    uint32_t kb;                  /* 4474419; 0 when identifier is not "KB" + digits */
    char *release_type;           /* "Security Update", "Update"... */
    char *restart_text;           /* package/@restart as written (NULL when absent) */
    mum_restart restart;
    mum_identity_list parents;    /* package/parent/assemblyIdentity, all parents in order */
    mum_update *updates;          /* package/update, in order */
    size_t nupdates;
} mum_manifest;

/* Reads a .mum file (opened read-only; it must be a regular file of at most
 * MUM_MAX_FILE_SIZE bytes). On success fills *m (free it with mum_manifest_free); on
 * failure *m is zeroed and err says "FILE: line N: problem". */
int mum_read_file(const char *path, mum_manifest *m, kb_error *err);
/* The same from memory; `name` names the input in messages. */
int mum_read_buffer(const void *data, size_t size, const char *name, mum_manifest *m,
                    kb_error *err);
void mum_manifest_free(mum_manifest *m);

/* A package identity string as CBS writes it in registry key names and .mum file names:
 * Name~PublicKeyToken~Arch~Language~Version, e.g.
 * "Package_for_KB4493471~31bf3856ad364e35~amd64~~6.0.1.4". Fields point into the parsed
 * string (not NUL-terminated). */
typedef struct mum_slice {
    const char *p;
    size_t n;
} mum_slice;

typedef struct mum_package_id {
    mum_slice name, public_key_token, arch, language, version;
    uint16_t version_parts[4];    /* 6.0.1.4 -> {6, 0, 1, 4} */
    /* From the name, when it reads Package[_N]_for_KB<digits>[_suffix] (any case): */
    uint32_t kb;                  /* 4493471; 0 when the name carries no KB number */
    int32_t index;                /* N of Package_N_for_KB...; -1 when absent */
    mum_slice suffix;             /* after the KB digits and '_': "sc_0", "SP1"; n = 0 if none */
} mum_package_id;

/* Splits an identity string of `n` bytes. A trailing ".mum" (any case) is ignored, so a file
 * name can be passed as it is. Requires exactly five '~'-separated fields, a non-empty name
 * and architecture, a 16-hex-digit public key token and a four-part version; the language
 * may be empty (CBS writes "neutral" as empty). Returns 0, or -1 with err set. */
int mum_package_id_parse(const char *s, size_t n, mum_package_id *out, kb_error *err);

/* Reads Package[_N]_for_KB<digits>[_suffix] (case-insensitive) from a package name. Returns
 * true and fills kb/index/suffix when the name has that shape; otherwise false, kb = 0,
 * index = -1 and an empty suffix. */
bool mum_package_name_kb(const char *name, size_t n, uint32_t *kb, int32_t *index,
                         mum_slice *suffix);

/* "KB4474419" (any case) -> 4474419. Returns false (kb = 0) unless the text is "KB" followed
 * by 1 to 9 digits and nothing else. */
bool mum_kb_parse(const char *s, size_t n, uint32_t *kb);

/* "6.0.1.4" -> {6, 0, 1, 4}: exactly four dot-separated decimal numbers of 0..65535. */
bool mum_version_parse(const char *s, size_t n, uint16_t out[4]);

/* Appends the identity in the form CBS uses for key and file names (language "neutral" is
 * written as empty, absent fields as empty): "Package_for_KB4474419~31bf3856ad364e35~amd64~~6.0.1.4".
 * Returns 0, or -1 when out of memory. */
int mum_identity_format(const mum_identity *id, kb_buf *out);

/* %windir%\winsxs\pending.xml: the queue of primitive operations poqexec.exe runs at the
 * next restart. See docs/mum.md for the layout and what is counted. */
typedef struct mum_pending {
    uint64_t operations;          /* element children of each <POQ>, except the markers below */
    uint64_t markers;             /* <BeginTransaction> and <Checkpoint> children of <POQ> */
    uint32_t queues;              /* <POQ> children of <PendingTransaction> */
} mum_pending;

/* Streams pending.xml (read-only, regular file, at most MUM_PENDING_MAX_FILE_SIZE bytes)
 * and counts. A missing file gives -1 with err->kind KB_ERR_NOTFOUND. */
int mum_pending_read_file(const char *path, mum_pending *out, kb_error *err);
int mum_pending_read_buffer(const void *data, size_t size, const char *name, mum_pending *out,
                            kb_error *err);
/* The number of pending operations in the file (mum_pending.operations). */
int mum_pending_count(const char *path, uint64_t *count, kb_error *err);

#endif
