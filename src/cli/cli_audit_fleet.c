/* `kbaudit audit` over several targets: each target is audited on a worker (cli_pool), and
 * the main thread writes its report in the order given as soon as it and all before it are
 * done, so the output does not depend on timing and a JSON Lines consumer sees each line as
 * early as the order allows. Only a few targets are held at once (cli_pool's window).
 *
 * What the workers share, and why that is safe: the knowledge base, only read (kbdb's
 * queries take a const kbdb and keep no cache); libxml2, which reads the .mum manifests,
 * initialised here before any worker starts, and whose error handlers (set around each
 * parse by src/mum) are per thread in a libxml2 built with threads, as Debian's is (the
 * Windows build's is not: it audits one target at a time, cli_pool_win32.c). Nothing on
 * a worker's path keeps static state: strtok is used only while the knowledge base loads,
 * time is formatted with gmtime_r, errno texts come from kb_strerror (strerror_r, or
 * strerror_s on Windows, into the caller's buffer: strerror may use a static one), and
 * getenv (NO_COLOR) is read by the main thread.
 * Workers print nothing: every line on standard error comes from the main thread, in order.
 * (ThreadSanitizer found no race in a run over every scenario tree with -j 4.) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_audit_target.h"
#include "cli_pool.h"
#include "kbaudit/outfile.h"
#include "kbaudit/report.h"

typedef enum fleet_format { FLEET_TEXT, FLEET_JSON, FLEET_JSONL, FLEET_JUNIT } fleet_format;

typedef struct fleet {
    const audit_cli_opts *o;
    const kbdb *db;
    fleet_format format;
    FILE *out;
    FILE *details;           /* text: the not-compliant targets' reports, written after the table */
    bool inline_details;     /* text: no temporary file could be had: each report follows its line */
    bool color, progress;
    int exit_code;
    size_t documents;        /* json: written so far (a comma before each but the first) */
    report_totals totals;
    kb_error err;            /* the first write error */
    bool write_failed;
} fleet;

static void work(void *ctx, size_t i, void *slot)
{
    const fleet *f = ctx;
    cli_audit_target(&f->o->targets.items[i], f->db, &f->o->audit, slot);
}

static void count(fleet *f, const cli_outcome *oc)
{
    f->totals.targets++;
    if (oc->code > f->exit_code)
        f->exit_code = oc->code;
    if (!oc->audited) {
        *(oc->code == EXIT_UNREADABLE ? &f->totals.unreadable : &f->totals.other) += 1;
        return;
    }
    switch (oc->res.verdict) {
    case AUDIT_COMPLIANT: f->totals.compliant++; break;
    case AUDIT_NOT_COMPLIANT: f->totals.not_compliant++; break;
    case AUDIT_INCONCLUSIVE: f->totals.inconclusive++; break;
    case AUDIT_NOT_COVERED: f->totals.not_covered++; break;
    }
}

/* Text: the table line now; the whole report of a not-compliant target for later. */
static int text(fleet *f, const cli_outcome *oc, const report_audit_opts *ro, kb_error *err)
{
    if (!oc->audited)
        return report_audit_error_line(ro->target, oc->nerrors ? oc->errors[0].problem : oc->message, f->out, err);
    if (report_audit_summary_line(&oc->res, ro->target, f->out, err) != 0)
        return -1;
    FILE *to = f->inline_details ? f->out : f->details;
    if (to == NULL || oc->res.verdict != AUDIT_NOT_COMPLIANT)
        return 0;
    report_audit_opts full = *ro;
    full.color = f->color;
    fputc('\n', to);
    if (report_audit_text(&oc->res, &full, to, err) != 0)
        return -1;
    if (f->inline_details)
        fputc('\n', to);
    return 0;
}

static int render(fleet *f, size_t i, const cli_outcome *oc, kb_error *err)
{
    report_audit_opts ro = {
        .quiet = f->o->quiet,
        .target = f->o->targets.labels[i],
        .database = f->db->name,
        .baseline = cli_audit_baseline_name(f->o),
        .compact = f->format == FLEET_JSONL,
    };
    if (oc->code == EXIT_USAGE)
        return 0;   /* --live where it cannot run: a usage error, on standard error only */
    switch (f->format) {
    case FLEET_TEXT: return text(f, oc, &ro, err);
    case FLEET_JUNIT:
        return oc->audited ? report_audit_junit_suite(&oc->res, &ro, f->out, err)
                           : report_audit_error_junit_suite(oc->errors, oc->nerrors, &ro, f->out, err);
    case FLEET_JSON:
        if (f->documents++ > 0 && fputs(",\n", f->out) == EOF)
            return kb_error_set(err, KB_ERR_IO, "cannot write the report");
        /* fall through: the same documents, in an array */
    case FLEET_JSONL: break;
    }
    return oc->audited ? report_audit_json(&oc->res, &ro, f->out, err)
                       : report_audit_error_json(oc->errors, oc->nerrors, &ro, f->out, err);
}

/* "n of N done; waiting for TARGET" on a terminal, rewritten in place. DONE targets are
 * written; the one named is the next in the order given, the one the output waits for (the
 * pool starts targets in order, so it is being audited, perhaps with the few after it). */
static void progress(const fleet *f, size_t done)
{
    if (!f->progress)
        return;
    char line[80];
    int n = snprintf(line, sizeof line, "%zu of %zu done", done, f->o->targets.n);
    fprintf(stderr, "\r\033[K%s", line);
    if (done < f->o->targets.n) {
        n += fprintf(stderr, "; waiting for ");
        /* the target as far as it fits one line, control characters left out */
        for (const char *p = f->o->targets.labels[done]; *p && n < 78; p++, n++)
            fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, stderr);
    }
    fflush(stderr);
}

/* Before anything else is written: standard output may be the same terminal, where a
 * report line would otherwise be glued to the progress line. */
static void clear_progress(const fleet *f)
{
    if (f->progress) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

static void emit(void *ctx, size_t i, void *slot)
{
    fleet *f = ctx;
    cli_outcome *oc = slot;
    const char *label = f->o->targets.labels[i];
    count(f, oc);
    clear_progress(f);
    if (!oc->audited)
        cli_cmd_errorf("audit", "%s: %s", label, oc->message ? oc->message : "out of memory");
    kb_error err = {0};
    if (!f->write_failed && render(f, i, oc, &err) != 0) {
        f->write_failed = true;
        f->err = err;
    }
    fflush(f->out);   /* a line as soon as it is final: log pipelines read as we go */
    progress(f, i + 1);
    cli_outcome_free(oc);
}

static fleet_format format_of(const char *s)
{
    return strcmp(s, "json") == 0 ? FLEET_JSON : strcmp(s, "jsonl") == 0 ? FLEET_JSONL
           : strcmp(s, "junit") == 0 ? FLEET_JUNIT : FLEET_TEXT;
}

/* Text: the reports held back for after the table, then the totals. */
static int text_tail(fleet *f, kb_error *err)
{
    if (f->details) {
        char buf[8192];
        size_t n;
        rewind(f->details);
        while ((n = fread(buf, 1, sizeof buf, f->details)) > 0)
            if (fwrite(buf, 1, n, f->out) != n)
                return kb_error_set(err, KB_ERR_IO, "cannot write the report");
        if (ferror(f->details))
            return kb_error_set(err, KB_ERR_IO, "cannot read back the held reports: %s", strerror(errno));
        fputc('\n', f->out);
    }
    f->totals.exit_code = f->exit_code;
    return report_audit_totals_line(&f->totals, f->out, err);
}

int cli_audit_fleet(const audit_cli_opts *o, const kbdb *db)
{
    fleet f = {.o = o, .db = db, .format = format_of(o->format)};
    if ((f.out = cli_audit_open_output(o)) == NULL)
        return EXIT_USAGE;
    kb_error err = {0};
    int rc = 0;
    if (f.format == FLEET_TEXT) {
        kb_stream_text(f.out);
        f.color = report_color_wanted(fileno(f.out), o->no_color);
        /* held in a temporary file, not in memory: a fleet can have many not-compliant hosts */
        /* (msvcrt's tmpfile creates it in the root of the drive, which a user who is not an
         * administrator may not write: the reports then follow their lines instead) */
        if (!o->quiet && (f.details = tmpfile()) == NULL)
            f.inline_details = true;
    } else if (f.format == FLEET_JUNIT) {
        rc = report_junit_begin(f.out, &err);
    } else if (f.format == FLEET_JSON) {
        rc = fputs("[\n", f.out) == EOF ? kb_error_set(&err, KB_ERR_IO, "cannot write the report") : 0;
    }
    f.progress = o->targets.n > 3 && isatty(fileno(stderr));
    progress(&f, 0);
    xmlInitParser();   /* once, before the workers: libxml2 asks for it in threaded programs */
    cli_pool_job job = {
        .n = o->targets.n,
        .jobs = o->jobs ? o->jobs : cli_pool_default_jobs(),
        .slot_size = sizeof(cli_outcome),
        .ctx = &f,
        .work = work,
        .emit = emit,
    };
    if (rc == 0 && cli_pool_run(&job) != 0)
        rc = kb_error_set(&err, KB_ERR_NOMEM, "out of memory");
    clear_progress(&f);
    if (rc == 0 && f.write_failed) {
        err = f.err;
        rc = -1;
    }
    if (rc == 0 && f.format == FLEET_TEXT)
        rc = text_tail(&f, &err);
    else if (rc == 0 && f.format == FLEET_JUNIT)
        rc = report_junit_end(f.out, &err);
    else if (rc == 0 && f.format == FLEET_JSON)
        rc = fputs("]\n", f.out) == EOF ? kb_error_set(&err, KB_ERR_IO, "cannot write the report") : 0;
    if (f.details)
        fclose(f.details);
    if (cli_audit_close_output(o, f.out, rc, &err) != 0)
        return EXIT_USAGE;
    return f.exit_code;
}
