/* Pending-reboot markers (kb-facts.md §6.2): CBS RebootPending / PackagesPending /
 * RebootInProgress keys, CBS ExecuteState, Session Manager PendingFileRenameOperations in the
 * current control set, winsxs\pending.xml, and Windows Update's RebootRequired key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts_internal.h"
#include "kbaudit/mum.h"

/* PendingFileRenameOperations is a REG_MULTI_SZ of (source, destination) pairs where an
 * empty destination means "delete" (kb-facts.md 6.2). Strings are read in order: a non-empty
 * string in source position starts a pair (its destination, empty or not, is the next
 * string, or missing when the data ends); an empty one there is a list terminator and pairs
 * nothing. So just the terminators (e.g. 4 zero bytes) are 0 pairs, and an odd trailing
 * byte or unterminated last string still counts what it starts. */
static uint32_t rename_pairs(const uint8_t *d, size_t n)
{
    size_t units = n / 2, i = 0;
    uint32_t pairs = 0;
    while (i < units) {
        size_t start = i;
        while (i < units && (d[2 * i] | d[2 * i + 1]) != 0)
            i++;
        bool empty = i == start;
        i++;   /* past the terminator */
        if (empty)
            continue;   /* a terminator in source position */
        if (pairs < UINT32_MAX)
            pairs++;
        while (i < units && (d[2 * i] | d[2 * i + 1]) != 0)   /* the destination, maybe empty */
            i++;
        i++;
    }
    return pairs;
}

static void gather_renames(kb_facts *f, kb_target *t)
{
    char cs[32], key[160];
    const char *set = facts_control_set(f, cs);
    snprintf(key, sizeof key, "%s\\Control\\Session Manager", set ? set : "CurrentControlSet");
    fact_num *out = &f->pending.pending_file_renames;
    out->source = facts_source(f, KB_HIVE_SYSTEM, key, "PendingFileRenameOperations");
    /* unknown unless the value is read, or its key is there without it */
    out->unavailable = true;
    if (!f->hives[KB_HIVE_SYSTEM].readable)
        return;   /* no SYSTEM hive given, or unreadable (warned) */
    if (set == NULL) {
        if (!f->current_control_set.present && !f->hives[KB_HIVE_SYSTEM].corrupt)
            facts_warn(f, "SYSTEM\\Select\\Current is absent: the current control set, hence "
                          "PendingFileRenameOperations, is unknown");
        return;   /* out of range: facts_gather warned */
    }
    kb_buf data = KB_BUF_INIT;
    kb_error e = {0};
    bool exists = false;
    if (target_reg_key_exists(t, KB_HIVE_SYSTEM, key, &exists, &e) != 0) {
        char *what = facts_source(f, KB_HIVE_SYSTEM, key, NULL);
        facts_read_failed(f, KB_HIVE_SYSTEM, &e, what ? what : key);
        free(what);
    } else if (!exists) {
        facts_warn(f, "%s%s\\%s does not exist (Select\\Current is %u): PendingFileRenameOperations is unknown",
                   f->kind == KB_TARGET_LIVE ? "HKLM\\" : "", "SYSTEM", key, f->current_control_set.value);
    } else if (target_reg_value(t, KB_HIVE_SYSTEM, key, "PendingFileRenameOperations", REGF_MULTI_SZ, &data, &e) ==
               0) {
        out->unavailable = false;
        out->present = true;
        out->value = rename_pairs((const uint8_t *)data.data, data.len);
    } else if (e.kind == KB_ERR_NOTFOUND) {
        out->unavailable = false;
        out->present = true;   /* no value: no pending renames */
        out->value = 0;
    } else {
        facts_read_failed(f, KB_HIVE_SYSTEM, &e, out->source);
    }
    kb_buf_free(&data);
}

static void gather_pending_xml(kb_facts *f, kb_target *t)
{
    fact_num *out = &f->pending.pending_xml_operations;
    if (!f->files_available) {
        out->unavailable = true;   /* hive files only: no file evidence, not "absent" */
        out->source = strdup("winsxs/pending.xml");
        return;
    }
    char *host = NULL;
    kb_error e = {0};
    if (target_file(t, "winsxs\\pending.xml", &host, &e) != 0) {
        out->source = target_show_path(t, "winsxs", "pending.xml");
        if (e.kind != KB_ERR_NOTFOUND) {   /* e.g. a symlink leading outside the root: unknown */
            out->unavailable = true;
            if (e.kind == KB_ERR_DENIED)
                facts_denied(f, out->source, e.msg);
            else
                facts_warn(f, "%s", e.msg);
        }
        return;
    }
    out->source = strdup(target_relative(t, host));   /* as on disk: WINDOWS/WINSXS/PENDING.XML */
    uint64_t count = 0;
    if (mum_pending_count(host, &count, &e) == 0) {
        out->present = true;
        out->value = count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
    } else if (e.kind == KB_ERR_DENIED) {
        out->unavailable = true;   /* there, but whether it holds operations is unknown */
        facts_denied(f, out->source, e.msg);
    } else {
        /* the file exists: something is pending even if we cannot count it */
        out->present = true;
        out->value = 1;
        f->pending.pending_xml_error = strdup(e.msg);
        facts_warn(f, "winsxs\\pending.xml exists but cannot be read (counted as 1 operation): %s", e.msg);
    }
    free(host);
}

void facts_gather_pending(kb_facts *f, kb_target *t)
{
    facts_pending *p = &f->pending;
    facts_read_flag(f, t, KB_HIVE_SOFTWARE, CBS_KEY "\\RebootPending", &p->cbs_reboot_pending);
    facts_read_flag(f, t, KB_HIVE_SOFTWARE, CBS_KEY "\\PackagesPending", &p->cbs_packages_pending);
    facts_read_flag(f, t, KB_HIVE_SOFTWARE, CBS_KEY "\\RebootInProgress", &p->cbs_reboot_in_progress);
    facts_read_flag(f, t, KB_HIVE_SOFTWARE,
                    "Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired",
                    &p->wu_reboot_required);
    facts_read_num(f, t, KB_HIVE_SOFTWARE, CBS_KEY, "ExecuteState", &p->cbs_execute_state);
    gather_renames(f, t);
    gather_pending_xml(f, t);
}
