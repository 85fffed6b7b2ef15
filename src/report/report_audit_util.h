/* Helpers shared by the three renderers of an audit result (text, JSON, JUnit). Internal to
 * src/report/. */
#ifndef KBAUDIT_REPORT_AUDIT_UTIL_H
#define KBAUDIT_REPORT_AUDIT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbaudit/audit.h"
#include "kbaudit/buf.h"
#include "kbaudit/report.h"

/* "KB4493730", or NULL when kb is 0 (no update): an absent KB is never printed as KB0. */
const char *report_kb(uint32_t kb, char buf[16]);
/* "2019-04-09", "2019-04" when the database knows only the month, NULL when unknown. */
const char *report_date(kbdb_date d, char buf[16]);
/* A plan step's kind: the engine's name, else the knowledge base's, "reboot" for a step
 * that is not an update. */
const char *report_step_kind(const audit_step *s);
/* How many requirements have this status. */
size_t report_count_status(const audit_result *r, audit_status s);
/* Appends s (may be NULL) with what must not reach a terminal or an XML file escaped:
 * C0 controls, DEL and C1 controls as \xNN (C1 as \u0080..\u009f), bytes that are not
 * UTF-8 as \xNN, U+FFFE/U+FFFF as \uFFFE/\uFFFF. keep_lines keeps \n and \t (for XML
 * element text, where they are allowed). Returns 0 or -1 (out of memory). */
int report_clean(kb_buf *b, const char *s, bool keep_lines);
/* `--updates DIR`: the "updates" member of the audit JSON, and the text report's section
 * (report_updates.c); nothing when o->updates is NULL. */
struct kb_json;
void report_updates_json(struct kb_json *j, const audit_result *r, const report_audit_opts *o);
int report_updates_text(kb_buf *b, const audit_result *r, const report_audit_opts *o);

/* The file serving plan step S, or NULL: none, or its name holds characters a script
 * cannot carry safely (only letters, digits and . _ - + ~ pass). *why says which. */
const char *report_step_file(const report_audit_opts *o, size_t s, const char **why);

#endif
