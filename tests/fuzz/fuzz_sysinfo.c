/* libFuzzer harness: read the input as systeminfo text and as wmic qfe / Get-HotFix text, the
 * way `kbaudit audit --systeminfo F --qfe F` does, and touch every string the reader returns
 * (the facts code copies them all). */
#include <string.h>

#include "kbaudit/sysinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t use_rows(const sysinfo_hotfixes *h)
{
    size_t sink = h->placeholders + h->empty;
    for (size_t i = 0; i < h->n; i++)
        sink += strlen(h->rows[i].id) + h->rows[i].number + h->rows[i].line;
    return sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    volatile size_t sink = 0;
    kb_error err;
    sysinfo_doc d;
    if (sysinfo_parse("fuzz", data, size, &d, &err) == 0) {
        const sysinfo_field *f[] = {&d.host_name, &d.os_name, &d.os_version, &d.system_type, &d.hotfix_header};
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
            if (f[i]->value)
                sink += strlen(f[i]->value) + strlen(f[i]->label) + f[i]->line;
        sink += strlen(d.encoding) + strlen(d.format) + strlen(d.language) + use_rows(&d.hotfixes);
        sysinfo_doc_free(&d);
    } else {
        sink += strlen(err.msg);
    }
    sysinfo_qfe q;
    if (sysinfo_parse_qfe("fuzz", data, size, &q, &err) == 0) {
        sink += strlen(q.encoding) + strlen(q.format) + use_rows(&q.hotfixes);
        sysinfo_qfe_free(&q);
    } else {
        sink += strlen(err.msg);
    }
    (void)sink;
    return 0;
}
