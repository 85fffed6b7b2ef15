/* libFuzzer harness: the same bytes go to the .mum reader (then every identity it returns is
 * written in CBS form and parsed back), to the pending.xml counter, and to the package
 * identity and KB parsers as a string. */
#include <stdlib.h>
#include <string.h>

#include "kbaudit/mum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A slice the identity parser returns must lie inside the string it was given. */
static void check_slice(mum_slice s, const char *base, size_t n)
{
    if (s.n && (s.p < base || s.p + s.n > base + n))
        abort();
}

static void round_trip(const mum_identity *id, kb_buf *b)
{
    kb_error err;
    mum_package_id p;
    kb_buf_reset(b);
    if (mum_identity_format(id, b) != 0 || b->data == NULL)
        return;
    if (mum_package_id_parse(b->data, b->len, &p, &err) == 0) {
        /* what parsed back is the name that was written */
        if (p.name.n != strlen(id->name) || memcmp(p.name.p, id->name, p.name.n) != 0)
            abort();
    }
}

static void read_manifest(const uint8_t *data, size_t size)
{
    mum_manifest m;
    kb_error err;
    if (mum_read_buffer(data, size, "fuzz", &m, &err) != 0)
        return;
    if (m.identity.name == NULL)
        abort();
    kb_buf b = KB_BUF_INIT;
    round_trip(&m.identity, &b);
    for (size_t i = 0; i < m.parents.n; i++)
        round_trip(&m.parents.v[i], &b);
    for (size_t i = 0; i < m.nupdates; i++) {
        for (size_t j = 0; j < m.updates[i].packages.n; j++)
            round_trip(&m.updates[i].packages.v[j], &b);
        for (size_t j = 0; j < m.updates[i].components.n; j++)
            round_trip(&m.updates[i].components.v[j], &b);
    }
    kb_buf_free(&b);
    mum_manifest_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_manifest(data, size);

    mum_pending pending;
    kb_error err;
    mum_pending_read_buffer(data, size, "fuzz", &pending, &err);

    const char *s = (const char *)data;
    mum_package_id id;
    if (mum_package_id_parse(s, size, &id, &err) == 0) {
        check_slice(id.name, s, size);
        check_slice(id.public_key_token, s, size);
        check_slice(id.arch, s, size);
        check_slice(id.language, s, size);
        check_slice(id.version, s, size);
        check_slice(id.suffix, s, size);
        if (id.name.n == 0 || id.arch.n == 0 || id.public_key_token.n != 16)
            abort();
    }
    uint32_t kb;
    int32_t index;
    mum_slice suffix;
    if (mum_package_name_kb(s, size, &kb, &index, &suffix) && (kb == 0 || index < -1))
        abort();
    check_slice(suffix, s, size);
    uint16_t v[4];
    mum_version_parse(s, size, v);
    mum_kb_parse(s, size, &kb);
    return 0;
}
