/* `kbaudit audit --format json`: docs/json-output.md describes every field. Absent facts
 * are null, never a guess: a 0 build, KB or date in the result means "unknown". */
#include "kbaudit/json.h"
#include "kbaudit/report.h"
#include "report_audit_util.h"

typedef struct json_out {
    kb_json j;
} json_out;

/* The JSON writer escapes control characters and turns bytes that are not UTF-8 into
 * \ufffd, so evidence strings go in as they are. */
static void str(json_out *o, const char *key, const char *s)
{
    json_key(&o->j, key);
    json_string(&o->j, s);
}

static void uint_or_null(json_out *o, const char *key, uint32_t v)
{
    json_key(&o->j, key);
    v ? json_uint(&o->j, v) : json_null(&o->j);
}

static void kb_field(json_out *o, const char *key, uint32_t kb)
{
    char b[16];
    json_key(&o->j, key);
    json_string(&o->j, report_kb(kb, b));
}

static void date_field(json_out *o, const char *key, kbdb_date d)
{
    char b[16];
    json_key(&o->j, key);
    json_string(&o->j, report_date(d, b));
}

/* {kb, date} for an update, or null when there is none. */
static void update_ref(json_out *o, const char *key, uint32_t kb, kbdb_date d, const char *evidence,
                       bool with_evidence)
{
    if (kb == 0) {
        json_key(&o->j, key);
        json_null(&o->j);
        return;
    }
    json_key(&o->j, key);
    json_object_begin(&o->j);
    kb_field(o, "kb", kb);
    date_field(o, "date", d);
    if (with_evidence)
        str(o, "evidence", evidence);
    json_object_end(&o->j);
}

static void host(json_out *o, const audit_result *r)
{
    char v[24];
    const audit_build *b = &r->build;
    json_key(&o->j, "host");
    json_object_begin(&o->j);
    str(o, "product", r->product);
    str(o, "edition", r->edition);
    str(o, "arch", facts_arch_name(r->arch));
    /* without any OS identity there is nothing Server Core could have been read from */
    json_key(&o->j, "server_core");
    if (r->product == NULL && r->edition == NULL && !r->server_core)
        json_null(&o->j);
    else
        json_bool(&o->j, r->server_core);
    json_key(&o->j, "build");
    json_object_begin(&o->j);
    uint_or_null(o, "registry", b->registry);
    uint_or_null(o, "kernel", b->kernel);
    str(o, "kernel_version", b->has_kernel_version ? report_version(b->kernel_version, v) : NULL);
    str(o, "kernel_file", b->has_kernel_version ? b->kernel_file : NULL);
    uint_or_null(o, "effective", b->effective);
    json_key(&o->j, "consistent");
    b->consistent_known ? json_bool(&o->j, b->consistent) : json_null(&o->j);
    json_object_end(&o->j);
    json_object_end(&o->j);
}

static void requirements(json_out *o, const audit_result *r)
{
    json_key(&o->j, "requirements");
    json_array_begin(&o->j);
    for (size_t i = 0; i < r->nreqs; i++) {
        const audit_requirement *q = &r->reqs[i];
        json_object_begin(&o->j);
        str(o, "id", q->id);
        kb_field(o, "kb", q->kb);
        str(o, "kind", q->kind == KBDB_KIND_NONE ? NULL : kbdb_kind_name(q->kind));
        uint_or_null(o, "order", q->order);
        str(o, "status", audit_status_name(q->status));
        kb_field(o, "satisfied_by", q->satisfied_by);
        str(o, "evidence", q->evidence);
        str(o, "evidence_kind", q->evidence_kind);
        json_object_end(&o->j);
    }
    json_array_end(&o->j);
}

static void plan(json_out *o, const audit_result *r)
{
    json_key(&o->j, "plan");
    json_array_begin(&o->j);
    for (size_t i = 0; i < r->nplan; i++) {
        const audit_step *s = &r->plan[i];
        json_object_begin(&o->j);
        json_key(&o->j, "step"), json_uint(&o->j, i + 1);
        kb_field(o, "kb", s->kb);
        str(o, "kind", report_step_kind(s));
        /* unknown stays unknown: null when the database does not say and the engine did
         * not plan a reboot anyway */
        json_key(&o->j, "reboot_after");
        if (!s->reboot_after && s->reboot_unconfirmed)
            json_null(&o->j);
        else
            json_bool(&o->j, s->reboot_after);
        json_key(&o->j, "reboot_unconfirmed"), json_bool(&o->j, s->reboot_unconfirmed);
        json_key(&o->j, "needs_esu");
        s->needs_esu_known ? json_bool(&o->j, s->needs_esu) : json_null(&o->j);
        str(o, "title", s->title);
        str(o, "reason", s->reason);
        json_object_end(&o->j);
    }
    json_array_end(&o->j);
}

static void strings(json_out *o, const char *key, char *const *v, size_t n)
{
    json_key(&o->j, key);
    json_array_begin(&o->j);
    for (size_t i = 0; i < n; i++)
        json_string(&o->j, v[i]);
    json_array_end(&o->j);
}

static void level(json_out *o, const audit_result *r)
{
    const audit_level *l = &r->level;
    json_key(&o->j, "level");
    if (!l->known) {
        json_null(&o->j);
        return;
    }
    json_object_begin(&o->j);
    date_field(o, "date", l->date);
    kb_field(o, "rollup_kb", l->rollup_kb);
    kb_field(o, "security_only_kb", l->security_only_kb);
    json_key(&o->j, "lower_bound"), json_bool(&o->j, l->lower_bound);
    str(o, "evidence_kind", l->evidence_kind);
    str(o, "evidence", l->evidence);
    json_object_end(&o->j);
}

static void security_only(json_out *o, const audit_result *r)
{
    json_key(&o->j, "security_only");
    json_object_begin(&o->j);
    json_key(&o->j, "track"), json_bool(&o->j, r->security_only_track);
    update_ref(o, "newest", r->security_only_newest_kb, r->security_only_newest_date, NULL, false);
    json_key(&o->j, "missing");
    json_array_begin(&o->j);
    for (size_t i = 0; r->security_only_missing && i < r->nsecurity_only_missing; i++) {
        const audit_secfix *m = &r->security_only_missing[i];
        json_object_begin(&o->j);
        kb_field(o, "kb", m->kb);
        date_field(o, "date", m->date);
        kb_field(o, "rollup_kb", m->rollup_kb);
        json_object_end(&o->j);
    }
    json_array_end(&o->j);
    json_object_end(&o->j);
}

static void esu(json_out *o, const audit_result *r)
{
    json_key(&o->j, "esu");
    json_object_begin(&o->j);
    update_ref(o, "newest_installed", r->newest_installed_kb, r->newest_installed_date, NULL, false);
    update_ref(o, "newest_in_database", r->newest_db_kb, r->newest_db_date, NULL, false);
    json_key(&o->j, "months_needing_esu");
    json_array_begin(&o->j);
    for (size_t i = 0; r->esu_months && i < r->esu_updates_missing; i++) {
        const audit_esu_month *m = &r->esu_months[i];
        json_object_begin(&o->j);
        date_field(o, "date", m->date);
        kb_field(o, "rollup_kb", m->rollup_kb);
        kb_field(o, "security_only_kb", m->security_only_kb);
        json_object_end(&o->j);
    }
    json_array_end(&o->j);
    json_key(&o->j, "ssus_needing_esu");
    json_array_begin(&o->j);
    for (size_t i = 0; r->esu_ssus && i < r->nesu_ssus; i++) {
        char b[16];
        json_string(&o->j, report_kb(r->esu_ssus[i], b));
    }
    json_array_end(&o->j);
    json_key(&o->j, "updates_needing_esu_missing"), json_uint(&o->j, r->esu_updates_missing);
    json_object_end(&o->j);
}

/* The members every document starts with, an audit's or an error's. */
static void head(json_out *o, const report_audit_opts *opt, const char *verdict, int exit_code, const char *reason)
{
    json_init(&o->j);
    o->j.compact = opt->compact;
    json_object_begin(&o->j);
    str(o, "kbaudit_version", KBAUDIT_VERSION);
    str(o, "database", opt->database);
    str(o, "baseline", opt->baseline);
    str(o, "target", opt->target);
    str(o, "verdict", verdict);
    json_key(&o->j, "exit_code"), json_int(&o->j, exit_code);
    str(o, "verdict_reason", reason);
}

static int finish(json_out *o, FILE *out, kb_error *err)
{
    json_object_end(&o->j);
    int rc = json_write(&o->j, out);   /* fails too when building the document ran out of memory */
    json_free(&o->j);
    return rc ? kb_error_set(err, KB_ERR_IO, "cannot write the report") : 0;
}

/* "hives": per hive read from a file, what was done about its transaction logs. */
static void hive_logs(json_out *o, const audit_result *r)
{
    json_key(&o->j, "hives");
    json_array_begin(&o->j);
    for (int i = 0; i < 2; i++) {
        const struct audit_hive_logs *h = &r->hives[i];
        if (h->logs == NULL)
            continue;
        json_object_begin(&o->j);
        str(o, "hive", h->hive);
        str(o, "logs", h->logs);
        json_key(&o->j, "logs_pages"), json_uint(&o->j, h->pages);
        str(o, "logs_detail", h->detail);
        json_object_end(&o->j);
    }
    json_array_end(&o->j);
}

int report_audit_json(const audit_result *r, const report_audit_opts *opt, FILE *out, kb_error *err)
{
    static const report_audit_opts none = {0};
    if (opt == NULL)
        opt = &none;
    json_out o;
    head(&o, opt, audit_verdict_name(r->verdict), r->exit_code, r->verdict_reason);
    /* what kind of evidence, and what it cannot show (docs/json-output.md "evidence") */
    json_key(&o.j, "evidence");
    json_object_begin(&o.j);
    str(&o, "kind", r->evidence);
    json_key(&o.j, "unknown");
    json_array_begin(&o.j);
    if (r->package_list) {
        json_string(&o.j, "cbs-states");
        json_string(&o.j, "file-versions");
        json_string(&o.j, "pending-reboot");
    }
    json_array_end(&o.j);
    json_object_end(&o.j);
    host(&o, r);
    requirements(&o, r);
    plan(&o, r);
    json_key(&o.j, "pending_reboot");
    r->package_list ? json_null(&o.j) : json_bool(&o.j, r->pending_reboot);
    strings(&o, "pending_reasons", r->pending_reasons, r->npending_reasons);
    update_ref(&o, "newest_rollup_installed", r->newest_rollup_kb, r->newest_rollup_date,
               r->newest_rollup_evidence, true);
    level(&o, r);
    json_key(&o.j, "months_behind");
    r->months_behind >= 0 ? json_int(&o.j, r->months_behind) : json_null(&o.j);
    json_key(&o.j, "months_behind_at_most");
    r->level.known && r->level.lower_bound && r->months_behind_at_most >= 0 ? json_int(&o.j, r->months_behind_at_most)
                                                                           : json_null(&o.j);
    update_ref(&o, "newest_known_rollup", r->newest_known_rollup_kb, r->newest_known_rollup_date, NULL, false);
    security_only(&o, r);
    esu(&o, r);
    report_updates_json(&o.j, r, opt);
    hive_logs(&o, r);
    strings(&o, "warnings", r->warnings, r->nwarnings);
    return finish(&o, out, err);
}

int report_audit_error_json(const report_evidence_error *e, size_t n, const report_audit_opts *opt, FILE *out,
                            kb_error *err)
{
    static const report_audit_opts none = {0};
    if (opt == NULL)
        opt = &none;
    /* the reason says what stderr says, so a dashboard showing only the reason is enough */
    kb_buf reason = KB_BUF_INIT;
    if (kb_buf_printf(&reason, "evidence unreadable: %s", n && e[0].problem ? e[0].problem : "unknown problem") != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory while writing the report");
    json_out o;
    head(&o, opt, audit_verdict_name(AUDIT_INCONCLUSIVE), 3, reason.data);
    kb_buf_free(&reason);
    json_key(&o.j, "errors");
    json_array_begin(&o.j);
    for (size_t i = 0; i < n; i++) {
        json_object_begin(&o.j);
        str(&o, "file", e[i].file);
        str(&o, "key", e[i].key);
        json_key(&o.j, "offset");
        e[i].has_offset ? json_uint(&o.j, e[i].offset) : json_null(&o.j);
        str(&o, "problem", e[i].problem);
        json_object_end(&o.j);
    }
    json_array_end(&o.j);
    return finish(&o, out, err);
}
