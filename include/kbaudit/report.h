/* kbaudit — reports: rendering facts and audit results as text, JSON or JUnit XML.
 * Reports never read evidence: they only format what facts/audit produced. */
#ifndef KBAUDIT_REPORT_H
#define KBAUDIT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "kbaudit/audit.h"
#include "kbaudit/error.h"
#include "kbaudit/facts.h"

/* `kbaudit facts`: docs/facts-json.md. */
/* "tree", "hives" or "live", as the JSON reports name a target kind. */
const char *report_target_kind(kb_target_kind kind);
int report_facts_json(const kb_facts *f, FILE *out, kb_error *err);
int report_facts_text(const kb_facts *f, FILE *out, kb_error *err);

/* `kbaudit audit`: what the renderers need besides the result. Every field may be 0/NULL. */
typedef struct report_audit_opts {
    bool color;               /* text: ANSI colour (decide with report_color_wanted) */
    bool quiet;               /* text: only the verdict line */
    const char *target;       /* what was audited, as given: the root folder or the SOFTWARE hive */
    const char *database;     /* the knowledge base's name ("embedded" or the --db file) */
    const char *baseline;     /* "default" or "latest" */
    /* `--updates DIR`: the packages found there and how they match the plan (NULL: none) */
    const char *updates_dir;
    const audit_package *packages;
    const audit_updates *updates;
    bool compact;             /* json: the whole document on one line (--format jsonl) */
} report_audit_opts;

/* One reason why a target's evidence could not be audited (exit 3): `problem` is the whole
 * message, as standard error shows it; the other fields are what is known of where. */
typedef struct report_evidence_error {
    const char *file;         /* the evidence file; NULL when not known */
    const char *key;          /* the registry key or value ("SOFTWARE\...\Packages"); NULL */
    bool has_offset;
    uint64_t offset;          /* the offset in the file of the bad structure */
    const char *problem;
} report_evidence_error;

/* Text for people: the verdict line first, then build, requirements, plan, reboot, rollup
 * level, ESU, warnings. Strings from the evidence are printed with control characters
 * escaped, so a hostile registry value cannot drive the terminal. */
int report_audit_text(const audit_result *r, const report_audit_opts *o, FILE *out, kb_error *err);
/* The verdict line alone ("NOT COMPLIANT: build 6002, 2 requirements missing"), without
 * colour and without a newline, into buf (truncated to cap). */
const char *report_audit_verdict_line(const audit_result *r, char *buf, size_t cap);
/* JSON: docs/json-output.md. */
int report_audit_json(const audit_result *r, const report_audit_opts *o, FILE *out, kb_error *err);
/* JUnit XML (libxml2 xmlwriter): one testsuite for the host; one testcase for the build,
 * one per requirement and one for the pending reboot. docs/json-output.md, "JUnit". */
int report_audit_junit(const audit_result *r, const report_audit_opts *o, FILE *out, kb_error *err);

/* Exit 3 still gives CI a document (docs/json-output.md, "When the evidence is unreadable"):
 * JSON with verdict "inconclusive", exit_code 3 and the errors; JUnit with one testcase in
 * error. */
int report_audit_error_json(const report_evidence_error *e, size_t n, const report_audit_opts *o, FILE *out,
                            kb_error *err);
int report_audit_error_junit(const report_evidence_error *e, size_t n, const report_audit_opts *o, FILE *out,
                             kb_error *err);

/* Several targets in one JUnit document: report_junit_begin, then per target one
 * <testsuite> element (report_audit_junit_suite or report_audit_error_junit_suite), then
 * report_junit_end. <testsuites> carries no totals: they are not known until the end, and
 * each <testsuite> has its own. */
int report_junit_begin(FILE *out, kb_error *err);
int report_audit_junit_suite(const audit_result *r, const report_audit_opts *o, FILE *out, kb_error *err);
int report_audit_error_junit_suite(const report_evidence_error *e, size_t n, const report_audit_opts *o,
                                   FILE *out, kb_error *err);
int report_junit_end(FILE *out, kb_error *err);

/* Several targets as text: one line per target, "TARGET: VERDICT: summary" (the verdict
 * line, and the KBs of the missing and the pending requirements), or "TARGET: ERROR: problem" for evidence
 * that could not be read; and a totals line. */
int report_audit_summary_line(const audit_result *r, const char *target, FILE *out, kb_error *err);
int report_audit_error_line(const char *target, const char *problem, FILE *out, kb_error *err);
typedef struct report_totals {
    size_t targets, compliant, not_compliant, inconclusive, not_covered, unreadable, other;
    int exit_code;
} report_totals;
int report_audit_totals_line(const report_totals *t, FILE *out, kb_error *err);

/* Install scripts for the box (docs/json-output.md, "Install scripts"): `wusa.exe FILE /quiet
 * /norestart` per step in plan order, each exit code checked (0 and 3010 installed, 2359302
 * already installed, anything else stops), a restart at each reboot point; a step without a
 * usable file stops the script there. They need o->updates and o->packages. cmd: batch for
 * cmd.exe, CRLF; ps1: PowerShell 2.0 or later, CRLF. */
int report_plan_cmd(const audit_result *r, const report_audit_opts *o, FILE *out, kb_error *err);
int report_plan_ps1(const audit_result *r, const report_audit_opts *o, FILE *out, kb_error *err);

/* Whether to colour text written to fd: only on a terminal, never when the NO_COLOR
 * environment variable exists (whatever its value, even empty) or --no-color was given. */
bool report_color_wanted(int fd, bool no_color_option);

/* Formats a FILETIME as "YYYY-MM-DDTHH:MM:SSZ" (buf of 32); "" when out of range. */
const char *report_filetime(uint64_t ft, char buf[32]);
/* "6.0.6003.20489" (buf of 24). */
const char *report_version(const uint16_t v[4], char buf[24]);

#endif
