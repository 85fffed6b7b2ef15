/* Pending-reboot markers (kb-facts.md §6.2): CBS RebootPending / PackagesPending /
 * RebootInProgress keys, CBS ExecuteState, Session Manager PendingFileRenameOperations in the
 * current control set, winsxs\pending.xml, and Windows Update's RebootRequired key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts_internal.h"
#include "kbaudit/mum.h"

/* PendingFileRenameOperations is a REG_MULTI_SZ of (source, destination) pairs where an
 * empty destination means "delete": count the strings by their terminating NULs. */
static uint32_t rename_pairs(const uint8_t *d, size_t n)
{
    size_t nuls = 0, units = n / 2;
    for (size_t i = 0; i < units; i++)
        if (d[2 * i] == 0 && d[2 * i + 1] == 0)
            nuls++;
    bool list_end = units >= 2 && nuls >= 1 && d[2 * units - 1] == 0 && d[2 * units - 2] == 0 &&
                    d[2 * units - 3] == 0 && d[2 * units - 4] == 0;
    size_t strings = list_end ? nuls - 1 : nuls;
    return (uint32_t)((strings + 1) / 2);
}

static void gather_renames(kb_facts *f, kb_target *t)
{
    char cs[32], key[160];
    const char *set = facts_control_set(f, cs);
    snprintf(key, sizeof key, "%s\\Control\\Session Manager", set ? set : "CurrentControlSet");
    fact_num *out = &f->pending.pending_file_renames;
    out->source = facts_source(KB_HIVE_SYSTEM, key, "PendingFileRenameOperations");
    if (set == NULL)
        return;
    kb_buf data = KB_BUF_INIT;
    uint32_t type;
    kb_error e = {0};
    if (target_reg_value(t, KB_HIVE_SYSTEM, key, "PendingFileRenameOperations", &data, &type, &e) == 0) {
        out->present = true;
        out->value = rename_pairs((const uint8_t *)data.data, data.len);
    } else if (e.kind == KB_ERR_NOTFOUND) {
        out->present = true;   /* no value: no pending renames */
        out->value = 0;
    } else {
        facts_warn(f, "%s: %s", out->source, e.msg);
    }
    kb_buf_free(&data);
}

static void gather_pending_xml(kb_facts *f, kb_target *t)
{
    fact_num *out = &f->pending.pending_xml_operations;
    kb_buf src = KB_BUF_INIT;
    kb_buf_printf(&src, "%s/winsxs/pending.xml", f->windows_dir ? f->windows_dir : "Windows");
    out->source = src.data;
    if (!f->files_available)
        return;
    char *host = NULL;
    kb_error e = {0};
    if (target_file(t, "winsxs\\pending.xml", &host, &e) != 0) {
        if (e.kind != KB_ERR_NOTFOUND)
            facts_warn(f, "%s", e.msg);
        return;
    }
    uint64_t count = 0;
    if (mum_pending_count(host, &count, &e) == 0) {
        out->present = true;
        out->value = count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
    } else {
        /* the file exists: something is pending even if we cannot count it */
        out->present = true;
        out->value = 1;
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
