/* kbaudit — reports: rendering facts and audit results as text, JSON or JUnit XML.
 * Reports never read evidence: they only format what facts/audit produced. */
#ifndef KBAUDIT_REPORT_H
#define KBAUDIT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "kbaudit/error.h"
#include "kbaudit/facts.h"

/* `kbaudit facts`: docs/facts-json.md. */
int report_facts_json(const kb_facts *f, FILE *out, kb_error *err);
int report_facts_text(const kb_facts *f, FILE *out, kb_error *err);

/* Formats a FILETIME as "YYYY-MM-DDTHH:MM:SSZ" (buf of 32); "" when out of range. */
const char *report_filetime(uint64_t ft, char buf[32]);
/* "6.0.6003.20489" (buf of 24). */
const char *report_version(const uint16_t v[4], char buf[24]);

#endif
