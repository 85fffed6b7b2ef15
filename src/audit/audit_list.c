/* Package-list evidence: systeminfo / wmic qfe text names the updates WMI lists, the product
 * and the build, and nothing else. An update on the list is "listed": the list shows neither
 * its CBS state nor the files it brought, and there is no sign of a pending reboot either way.
 * So the list can show what is missing (a requirement not on it, build 6002) but never
 * compliance: everything listed is at best inconclusive (docs/how-kbaudit-decides.md). */
#include <stdlib.h>

#include "audit_internal.h"

static const char unknown_text[] = "whether it is installed and in effect is unknown: the list shows no CBS state "
                                   "and no file version";

void audit_list_requirements(audit_ctx *c)
{
    audit_result *r = c->r;
    for (size_t i = 0; i < r->nreqs; i++) {
        audit_requirement *q = &r->reqs[i];
        /* PENDING here only ever comes from the files' side (a rollup the files do not show):
         * with no files, the listed KB stands as listed */
        if (q->status == AUDIT_PENDING && q->pending_kb) {
            q->status = AUDIT_SATISFIED;
            q->satisfied_by = q->pending_kb;
            q->pending_kb = 0;
        }
        free(q->evidence);
        q->evidence_kind = "package-list";
        if (q->status == AUDIT_SATISFIED && q->satisfied_by == q->kb)
            q->evidence = audit_printf(c, "KB%u is in the hotfix list (listed; %s)", q->kb, unknown_text);
        else if (q->status == AUDIT_SATISFIED && q->satisfied_by)
            q->evidence = audit_printf(c, "KB%u is in the hotfix list and counts for KB%u (listed; %s)", q->satisfied_by,
                                       q->kb, unknown_text);
        else
            q->evidence = audit_printf(c, "neither KB%u nor a later update that counts for it is in the hotfix list%s",
                                       q->kb, c->f->list.incomplete ? " (but the list is incomplete)" : "");
        if (q->evidence == NULL)
            c->oom = true;
    }
}

void audit_list_verdict(audit_ctx *c, size_t missing, bool at_6002)
{
    audit_result *r = c->r;
    r->verdict = AUDIT_NOT_COMPLIANT;
    if (at_6002)
        r->verdict_reason = audit_printf(c, "build %u (systeminfo OS Version), %zu requirement(s) not in the hotfix list",
                                         r->build.effective, missing);
    else if (missing && !c->f->list.incomplete)
        r->verdict_reason = audit_printf(c, "%zu requirement(s) not in the hotfix list", missing);
    else {
        r->verdict = AUDIT_INCONCLUSIVE;
        r->verdict_reason =
            missing ? audit_printf(c, "%zu requirement(s) not in the hotfix list, but systeminfo's list is incomplete "
                                      "(it declares more updates than it names): give the host's wmic qfe output "
                                      "with --qfe", missing)
                    : audit_printf(c, "every requirement is in the hotfix list and the build is %u, but a package list "
                                      "cannot show CBS states, file versions or a pending reboot: listed, not "
                                      "confirmed installed", r->build.effective);
    }
}
