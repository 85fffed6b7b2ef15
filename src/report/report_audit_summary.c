/* `kbaudit audit` with several targets, as text: one line per target, so that a run over a
 * fleet reads as a table; the details of the targets that need work follow (the cli writes
 * them with report_audit_text), then a totals line. */
#include "kbaudit/report.h"
#include "report_audit_util.h"

/* The target as given, escaped like every string that can come from the evidence. */
static int put_target(kb_buf *b, const char *target)
{
    return report_clean(b, target ? target : "(target)", false) || kb_buf_puts(b, ": ");
}

static int flush_line(kb_buf *b, FILE *out, kb_error *err)
{
    int rc = 0;
    if (b->data == NULL || kb_buf_putc(b, '\n') != 0)
        rc = kb_error_set(err, KB_ERR_NOMEM, "out of memory while writing the report");
    else if (fwrite(b->data, 1, b->len, out) != b->len)
        rc = kb_error_set(err, KB_ERR_IO, "cannot write the report");
    kb_buf_free(b);
    return rc;
}

/* "; missing: KB1, KB2" for the requirements of status ST (nothing when none). */
static int kbs_of(kb_buf *b, const audit_result *r, audit_status st, const char *label)
{
    char kb[16];
    const char *sep = label;
    int rc = 0;
    for (size_t i = 0; i < r->nreqs && rc == 0; i++) {
        if (r->reqs[i].status != st || report_kb(r->reqs[i].kb, kb) == NULL)
            continue;
        rc = kb_buf_printf(b, "%s%s", sep, kb);
        sep = ", ";
    }
    return rc;
}

int report_audit_summary_line(const audit_result *r, const char *target, FILE *out, kb_error *err)
{
    char line[1024];
    kb_buf b = KB_BUF_INIT;
    /* the verdict line says build, counts and reboot; the KBs say what is missing or pending */
    if (put_target(&b, target) || report_clean(&b, report_audit_verdict_line(r, line, sizeof line), false) ||
        kbs_of(&b, r, AUDIT_MISSING, "; missing: ") || kbs_of(&b, r, AUDIT_PENDING, "; pending: ")) {
        kb_buf_free(&b);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory while writing the report");
    }
    return flush_line(&b, out, err);
}

int report_audit_error_line(const char *target, const char *problem, FILE *out, kb_error *err)
{
    kb_buf b = KB_BUF_INIT;
    if (put_target(&b, target) || kb_buf_puts(&b, "ERROR: evidence unreadable: ") ||
        report_clean(&b, problem ? problem : "unknown problem", false)) {
        kb_buf_free(&b);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory while writing the report");
    }
    return flush_line(&b, out, err);
}

int report_audit_totals_line(const report_totals *t, FILE *out, kb_error *err)
{
    kb_buf b = KB_BUF_INIT;
    int rc = kb_buf_printf(&b, "%zu target%s: %zu compliant, %zu not compliant, %zu inconclusive, %zu not covered, "
                               "%zu unreadable",
                           t->targets, t->targets == 1 ? "" : "s", t->compliant, t->not_compliant, t->inconclusive,
                           t->not_covered, t->unreadable);
    if (rc == 0 && t->other)
        rc = kb_buf_printf(&b, ", %zu not run", t->other);
    if (rc == 0)
        rc = kb_buf_printf(&b, "; exit %d", t->exit_code);
    if (rc) {
        kb_buf_free(&b);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory while writing the report");
    }
    return flush_line(&b, out, err);
}
