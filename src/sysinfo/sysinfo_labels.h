/* The localized labels of the systeminfo fields kbaudit reads (docs/sysinfo.md lists them
 * with their sources). */
#ifndef KBAUDIT_SYSINFO_LABELS_H
#define KBAUDIT_SYSINFO_LABELS_H

#include <stddef.h>

typedef enum sysinfo_field_id {
    SYSINFO_HOST_NAME = 0,
    SYSINFO_OS_NAME,
    SYSINFO_OS_VERSION,
    SYSINFO_SYSTEM_TYPE,
    SYSINFO_HOTFIXES,
    SYSINFO_NFIELDS
} sysinfo_field_id;

typedef struct sysinfo_label {
    sysinfo_field_id field;
    const char *language;
    const char *text;     /* UTF-8, compared ASCII-case-insensitively */
} sysinfo_label;

extern const sysinfo_label sysinfo_labels[];
extern const size_t sysinfo_nlabels;

#endif
