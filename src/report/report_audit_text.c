/* `kbaudit audit` as text for people: the verdict line first (the only line with --quiet),
 * then the evidence behind it. Colour only marks what the words already say. */
#include <stdlib.h>
#include <string.h>

#include "kbaudit/outfile.h"
#include "kbaudit/report.h"
#include "report_audit_util.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_GREEN "\033[1;32m"
#define C_YELLOW "\033[1;33m"
#define C_CYAN "\033[1;36m"

bool report_color_wanted(int fd, bool no_color_option)
{
    /* https://no-color.org: NO_COLOR disables colour; we honour it even when empty, the
     * safer reading for logs */
    if (no_color_option || getenv("NO_COLOR") != NULL)
        return false;
    return kb_is_color_terminal(fd);
}

typedef struct text_out {
    FILE *fp;
    bool color;
    kb_buf tmp;
    bool failed;
} text_out;

static void paint(text_out *t, const char *color)
{
    if (t->color)
        fputs(color, t->fp);
}

static void unpaint(text_out *t)
{
    if (t->color)
        fputs(C_RESET, t->fp);
}

/* Evidence text: escaped so that it cannot move the cursor or change colours. */
static void put_clean(text_out *t, const char *s)
{
    kb_buf_reset(&t->tmp);
    if (report_clean(&t->tmp, s, false) != 0) {
        t->failed = true;
        return;
    }
    if (t->tmp.len)
        fwrite(t->tmp.data, 1, t->tmp.len, t->fp);
}

static const char *verdict_word(audit_verdict v)
{
    switch (v) {
    case AUDIT_COMPLIANT: return "COMPLIANT";
    case AUDIT_NOT_COMPLIANT: return "NOT COMPLIANT";
    case AUDIT_INCONCLUSIVE: return "INCONCLUSIVE";
    case AUDIT_NOT_COVERED: return "NOT COVERED";
    }
    return "UNKNOWN";
}

static const char *verdict_color(audit_verdict v)
{
    switch (v) {
    case AUDIT_COMPLIANT: return C_GREEN;
    case AUDIT_NOT_COMPLIANT: return C_RED;
    case AUDIT_INCONCLUSIVE: return C_YELLOW;
    case AUDIT_NOT_COVERED: return C_CYAN;
    }
    return C_BOLD;
}

static const char *status_color(audit_status s)
{
    return s == AUDIT_SATISFIED ? C_GREEN : s == AUDIT_PENDING ? C_YELLOW : C_RED;
}

/* What follows "VERDICT: ". For not covered and inconclusive the reason is the point; for
 * the others the counts are, and the reason goes on the next line. */
static int verdict_summary(const audit_result *r, kb_buf *b)
{
    if ((r->verdict == AUDIT_NOT_COVERED || r->verdict == AUDIT_INCONCLUSIVE) && r->verdict_reason)
        return report_clean(b, r->verdict_reason, false);
    int rc = 0;
    if (r->build.effective)
        rc |= kb_buf_printf(b, "build %u", r->build.effective);
    else
        rc |= kb_buf_puts(b, "build unknown");
    if (r->build.effective && r->build.registry && r->build.registry != r->build.effective)
        rc |= kb_buf_printf(b, " (registry says %u)", r->build.registry);
    size_t missing = report_count_status(r, AUDIT_MISSING), pending = report_count_status(r, AUDIT_PENDING);
    if (missing)
        rc |= kb_buf_printf(b, ", %zu requirement%s missing", missing, missing == 1 ? "" : "s");
    if (pending)
        rc |= kb_buf_printf(b, ", %zu requirement%s pending", pending, pending == 1 ? "" : "s");
    if (!missing && !pending && r->nreqs)
        rc |= kb_buf_printf(b, ", %s%zu requirement%s satisfied", r->nreqs == 1 ? "" : "all ", r->nreqs,
                            r->nreqs == 1 ? "" : "s");
    if (r->pending_reboot)
        rc |= kb_buf_puts(b, ", reboot pending");
    return rc ? -1 : 0;
}

const char *report_audit_verdict_line(const audit_result *r, char *buf, size_t cap)
{
    kb_buf b = KB_BUF_INIT;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    if (kb_buf_printf(&b, "%s: ", verdict_word(r->verdict)) == 0 && verdict_summary(r, &b) == 0) {
        size_t n = b.len < cap - 1 ? b.len : cap - 1;
        memcpy(buf, b.data, n);
        buf[n] = '\0';
    }
    kb_buf_free(&b);
    return buf;
}

static void verdict_line(text_out *t, const audit_result *r)
{
    kb_buf_reset(&t->tmp);
    if (verdict_summary(r, &t->tmp) != 0) {
        t->failed = true;
        return;
    }
    paint(t, verdict_color(r->verdict));
    fputs(verdict_word(r->verdict), t->fp);
    unpaint(t);
    fprintf(t->fp, ": %s\n", t->tmp.data ? t->tmp.data : "");
}

static void build_row(text_out *t, const char *label, uint32_t v)
{
    if (v)
        fprintf(t->fp, "  %-12s %u", label, v);
    else
        fprintf(t->fp, "  %-12s unknown", label);
}

static void host_section(text_out *t, const audit_result *r, const report_audit_opts *o)
{
    fputs("\nHost:        ", t->fp);
    put_clean(t, r->product ? r->product : "(product unknown)");
    if (r->edition) {
        fputs(", ", t->fp);
        put_clean(t, r->edition);
    }
    const char *arch = facts_arch_name(r->arch);
    fprintf(t->fp, ", %s%s\n", arch ? arch : "architecture unknown", r->server_core ? ", Server Core" : "");
    if (o->target) {
        fputs("Target:      ", t->fp);
        put_clean(t, o->target);
        fputc('\n', t->fp);
    }
    if (r->package_list)   /* say at once what such evidence cannot show */
        fputs("Evidence:    package list (systeminfo / qfe text): CBS states, file versions and a pending\n"
              "             reboot are unknown; listed updates are not confirmed installed\n", t->fp);
    for (int i = 0; i < 2; i++)
        if (r->hives[i].logs && strcmp(r->hives[i].logs, "clean") != 0) {
            /* only dirty hives: a clean one has nothing to say */
            fprintf(t->fp, "Hive logs:   %s ", r->hives[i].hive);
            put_clean(t, r->hives[i].detail ? r->hives[i].detail : r->hives[i].logs);
            fputc('\n', t->fp);
        }
    if (o->database || o->baseline) {
        fputs("Database:    ", t->fp);
        put_clean(t, o->database ? o->database : "(unnamed)");
        fprintf(t->fp, ", baseline %s\n", o->baseline ? o->baseline : "default");
    }
}

static void build_section(text_out *t, const audit_result *r)
{
    const audit_build *b = &r->build;
    char v[24];
    fputs("\nBuild:\n", t->fp);
    build_row(t, r->package_list ? "systeminfo" : "registry", b->registry);
    fputs(r->package_list ? "  (OS Version)\n"
                          : "  (CurrentBuildNumber; expected to follow the kernel at boot, unconfirmed for NT 6.0)\n",
          t->fp);
    build_row(t, "kernel", b->kernel);
    if (b->has_kernel_version)
        fprintf(t->fp, "  (%s %s)", b->kernel_file ? b->kernel_file : "ntoskrnl.exe", report_version(b->kernel_version, v));
    fputc('\n', t->fp);
    build_row(t, "effective", b->effective);
    fputs(b->effective && b->kernel == b->effective ? "  (the files decide)\n"
          : b->effective && r->package_list ? "  (from the systeminfo text: no kernel file version)\n"
          : b->effective ? "  (from the registry: no kernel file version)\n" : "\n", t->fp);
    fprintf(t->fp, "  %-12s ", "consistent");
    if (!b->consistent_known) {
        fputs("unknown (one source only)\n", t->fp);
    } else if (b->consistent) {
        fputs("yes\n", t->fp);
    } else {
        paint(t, C_YELLOW);
        fputs("no", t->fp);
        unpaint(t);
        fputs(": the registry and the kernel file disagree (an install waiting for a reboot, or a failed one)\n",
              t->fp);
    }
}

static void requirements_section(text_out *t, const audit_result *r)
{
    char kb[16], by[16];
    if (r->nreqs == 0)
        return;
    fputs("\nRequirements:\n", t->fp);
    for (size_t i = 0; i < r->nreqs; i++) {
        const audit_requirement *q = &r->reqs[i];
        fputs("  ", t->fp);
        put_clean(t, q->id ? q->id : "?");
        size_t idlen = q->id ? strlen(q->id) : 1;
        fprintf(t->fp, "%*s %-10s ", idlen < 8 ? (int)(8 - idlen) : 0, "",
                report_kb(q->kb, kb) ? kb : "(any)");
        const char *status = audit_status_name(q->status);
        paint(t, status_color(q->status));
        fputs(status, t->fp);
        unpaint(t);
        if (q->satisfied_by) {
            /* the column is padded only when something follows: no trailing blanks */
            size_t n = strlen(status);
            fprintf(t->fp, "%*s by %s%s", n < 9 ? (int)(9 - n) : 0, "", report_kb(q->satisfied_by, by),
                    q->satisfied_by != q->kb ? " (a later update)" : "");
        }
        fputc('\n', t->fp);
        if (q->evidence) {
            fprintf(t->fp, "  %8s evidence%s%s%s: ", "", q->evidence_kind ? " (" : "",
                    q->evidence_kind ? q->evidence_kind : "", q->evidence_kind ? ")" : "");
            put_clean(t, q->evidence);
            fputc('\n', t->fp);
        }
    }
}

static void plan_section(text_out *t, const audit_result *r)
{
    char kb[16];
    fputs("\nInstall plan:", t->fp);
    if (r->nplan == 0) {
        fputs(" nothing to install\n", t->fp);
        return;
    }
    fputc('\n', t->fp);
    for (size_t i = 0; i < r->nplan; i++) {
        const audit_step *s = &r->plan[i];
        if (s->kb == 0) {
            fprintf(t->fp, "  %2zu. ", i + 1);
            paint(t, C_BOLD);
            fputs("reboot", t->fp);
            unpaint(t);
            if (s->reason) {
                fputs(": ", t->fp);
                put_clean(t, s->reason);
            }
            fputc('\n', t->fp);
            continue;
        }
        fprintf(t->fp, "  %2zu. %-10s %-14s ", i + 1, report_kb(s->kb, kb), report_step_kind(s));
        put_clean(t, s->title ? s->title : "(title unknown)");
        if (s->needs_esu)
            fputs("  [needs an ESU licence]", t->fp);
        else if (!s->needs_esu_known)
            fputs("  [ESU licence: unknown]", t->fp);
        fputc('\n', t->fp);
        if (s->reason) {
            fputs("      ", t->fp);
            put_clean(t, s->reason);
            fputc('\n', t->fp);
        }
        if (s->reboot_after && s->reboot_unconfirmed)
            fputs("      then reboot (planned: the database does not confirm whether it needs one)\n", t->fp);
        else if (s->reboot_after)
            fputs("      then reboot\n", t->fp);
        else if (s->reboot_unconfirmed)
            fputs("      reboot: the database does not say whether it needs one\n", t->fp);
    }
}

static void reboot_section(text_out *t, const audit_result *r)
{
    fputs("\nPending reboot: ", t->fp);
    if (r->package_list) {
        fputs("unknown (a package list does not show it)\n", t->fp);
        return;
    }
    if (!r->pending_reboot) {
        fputs("no\n", t->fp);
        return;
    }
    paint(t, C_YELLOW);
    fputs("yes", t->fp);
    unpaint(t);
    fputc('\n', t->fp);
    for (size_t i = 0; i < r->npending_reasons; i++) {
        fputs("  - ", t->fp);
        put_clean(t, r->pending_reasons[i]);
        fputc('\n', t->fp);
    }
}

static void rollup_section(text_out *t, const audit_result *r)
{
    char kb[16], d[16];
    fputs("\nRollup level:\n  newest installed   ", t->fp);
    if (r->newest_rollup_kb) {
        fprintf(t->fp, "%s", report_kb(r->newest_rollup_kb, kb));
        const char *date = report_date(r->newest_rollup_date, d);
        if (date || r->newest_rollup_evidence)
            fprintf(t->fp, " (%s%s%s)", date ? date : "", date && r->newest_rollup_evidence ? ", " : "",
                    r->newest_rollup_evidence ? r->newest_rollup_evidence : "");
        fputc('\n', t->fp);
    } else {
        fputs("none\n", t->fp);
    }
    if (r->newest_known_rollup_kb) {
        const char *date = report_date(r->newest_known_rollup_date, d);
        fprintf(t->fp, "  newest known       %s%s%s%s\n", report_kb(r->newest_known_rollup_kb, kb),
                date ? " (" : "", date ? date : "", date ? ")" : "");
    }
    if (r->level.known) {
        fprintf(t->fp, "  level              %s%s (%s): ", r->level.lower_bound ? "at least " : "",
                report_date(r->level.date, d), r->level.evidence_kind);
        put_clean(t, r->level.evidence);
        fputc('\n', t->fp);
    } else {
        fputs("  level              unknown\n", t->fp);
    }
    if (r->months_behind >= 0)
        fprintf(t->fp, "  months behind      %d\n", r->months_behind);
    else if (r->level.known && r->level.lower_bound && r->months_behind_at_most >= 0)
        fprintf(t->fp, "  months behind      at most %d (the level is a lower bound)\n", r->months_behind_at_most);
    else
        fputs("  months behind      unknown\n", t->fp);
    if (!r->security_only_track)
        return;
    fprintf(t->fp, "  security-only track: newest %s", report_kb(r->security_only_newest_kb, kb));
    const char *date = report_date(r->security_only_newest_date, d);
    fprintf(t->fp, "%s%s%s; %zu month(s) missing%s", date ? " (" : "", date ? date : "", date ? ")" : "",
            r->nsecurity_only_missing, r->nsecurity_only_missing ? ":" : "");
    for (size_t i = 0; r->security_only_missing && i < r->nsecurity_only_missing; i++)
        fprintf(t->fp, " %s", report_kb(r->security_only_missing[i].kb, kb));
    fputc('\n', t->fp);
}

static void esu_section(text_out *t, const audit_result *r)
{
    char kb[16], d[16];
    if (r->newest_installed_kb == 0 && r->esu_updates_missing == 0)
        return;
    fputs("\nESU:\n", t->fp);
    if (r->newest_installed_kb) {
        const char *date = report_date(r->newest_installed_date, d);
        /* a package list shows what is listed, not what is installed */
        fprintf(t->fp, "  newest update %s   %s%s%s%s\n", r->package_list ? "listed   " : "installed",
                report_kb(r->newest_installed_kb, kb),
                date ? " (" : "", date ? date : "", date ? ")" : "");
    }
    if (r->newest_db_kb) {
        const char *date = report_date(r->newest_db_date, d);
        fprintf(t->fp, "  newest in database        %s%s%s%s\n", report_kb(r->newest_db_kb, kb),
                date ? " (" : "", date ? date : "", date ? ")" : "");
    }
    fprintf(t->fp, "  newer months that need an ESU licence: %zu", r->esu_updates_missing);
    if (r->esu_updates_missing && r->esu_months) {
        char d2[16], kb2[16];
        const audit_esu_month *a = &r->esu_months[0], *b = &r->esu_months[r->esu_updates_missing - 1];
        fprintf(t->fp, ", %s (%s) to %s (%s); each month's rollup or security-only update",
                report_date(a->date, d), report_kb(a->rollup_kb ? a->rollup_kb : a->security_only_kb, kb),
                report_date(b->date, d2), report_kb(b->rollup_kb ? b->rollup_kb : b->security_only_kb, kb2));
    }
    fputc('\n', t->fp);
    if (r->nesu_ssus) {
        fputs("  newer SSUs that need an ESU licence:", t->fp);
        for (size_t i = 0; r->esu_ssus && i < r->nesu_ssus; i++)
            fprintf(t->fp, " %s", report_kb(r->esu_ssus[i], kb));
        fputc('\n', t->fp);
    }
}

static void warnings_section(text_out *t, const audit_result *r)
{
    if (r->nwarnings == 0)
        return;
    fputs("\nWarnings:\n", t->fp);
    for (size_t i = 0; i < r->nwarnings; i++) {
        paint(t, C_YELLOW);
        fputs("  -", t->fp);
        unpaint(t);
        fputc(' ', t->fp);
        put_clean(t, r->warnings[i]);
        fputc('\n', t->fp);
    }
}

int report_audit_text(const audit_result *r, const report_audit_opts *o, FILE *out, kb_error *err)
{
    static const report_audit_opts none = {0};
    if (o == NULL)
        o = &none;
    text_out t = {out, o->color, KB_BUF_INIT, false};
    verdict_line(&t, r);
    if (!o->quiet) {
        if (r->verdict_reason && (r->verdict == AUDIT_COMPLIANT || r->verdict == AUDIT_NOT_COMPLIANT)) {
            fputs("  ", out);
            put_clean(&t, r->verdict_reason);
            fputc('\n', out);
        }
        host_section(&t, r, o);
        build_section(&t, r);
        requirements_section(&t, r);
        /* for a platform the database does not cover, plans and rollup levels would be
         * answers to a question that does not apply */
        if (r->verdict != AUDIT_NOT_COVERED) {
            plan_section(&t, r);
            kb_buf u = KB_BUF_INIT;
            if (report_updates_text(&u, r, o) != 0)
                t.failed = true;
            else if (u.len)
                fwrite(u.data, 1, u.len, out);
            kb_buf_free(&u);
            reboot_section(&t, r);
            rollup_section(&t, r);
            esu_section(&t, r);
        }
        warnings_section(&t, r);
    }
    kb_buf_free(&t.tmp);
    if (t.failed)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory while writing the report");
    return ferror(out) ? kb_error_set(err, KB_ERR_IO, "cannot write the report") : 0;
}
