/* Helpers shared by the fact gatherers. */
#ifndef KBAUDIT_FACTS_INTERNAL_H
#define KBAUDIT_FACTS_INTERNAL_H

#include "kbaudit/facts.h"

#define CURRENT_VERSION_KEY "Microsoft\\Windows NT\\CurrentVersion"
#define CBS_KEY "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"

/* Adds a warning line (printf-style). Out of memory is ignored: warnings are best effort. */
void facts_warn(kb_facts *f, const char *fmt, ...) KB_PRINTF(2, 3);
/* A corrupt structure (or a value of the wrong type) in HIVE that the audit depends on: sets
 * the hive's corrupt flag, keeps the first message, and warns (printf-style). */
void facts_corrupt(kb_facts *f, kb_hive_id hive, const char *fmt, ...) KB_PRINTF(3, 4);
/* "SOFTWARE\key\value" (value may be NULL for a key), malloc'ed; live: "HKLM\SOFTWARE\...". */
char *facts_source(const kb_facts *f, kb_hive_id hive, const char *key, const char *value);
/* WHAT could not be read because the system refused access (a live run without elevation):
 * listed in f->denied and warned; the audit is then at best inconclusive. */
void facts_denied(kb_facts *f, const char *what, const char *msg);
/* A read of WHAT in HIVE failed with E (not "not found"): denied (facts_denied) or corrupt
 * (facts_corrupt). */
void facts_read_failed(kb_facts *f, kb_hive_id hive, const kb_error *e, const char *what);
char *facts_strdup(const char *s);

/* A string value into a fact; a missing value leaves it absent, a corrupt one warns too. */
void facts_read_str(kb_facts *f, kb_target *t, kb_hive_id hive, const char *key, const char *value,
                    fact_str *out);
void facts_read_num(kb_facts *f, kb_target *t, kb_hive_id hive, const char *key, const char *value,
                    fact_num *out);
void facts_read_flag(kb_facts *f, kb_target *t, kb_hive_id hive, const char *key, fact_flag *out);

/* Select\Current names ControlSet001 to ControlSet999. */
#define CONTROL_SET_MAX 999
/* The current control set's key prefix ("ControlSet001"), or NULL when SYSTEM is unavailable
 * or Select\Current is out of range. */
const char *facts_control_set(const kb_facts *f, char buf[32]);

void facts_gather_os(kb_facts *f, kb_target *t);
void facts_gather_files(kb_facts *f, kb_target *t);
void facts_gather_packages(kb_facts *f, kb_target *t);
void facts_gather_pending(kb_facts *f, kb_target *t);

#endif
