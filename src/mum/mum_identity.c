/* Package identity strings: Name~PublicKeyToken~Arch~Language~Version, the form CBS uses for
 * its registry key names (Component Based Servicing\Packages\<identity>) and for the file
 * names in servicing\Packages (<identity>.mum). kb-facts.md §6.2 lists the shapes seen on
 * NT 6.0: Package_for_KB4493471, Package_1_for_KB4493730, Package_for_KB958690_sc_0. */
#include "mum_internal.h"

#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Reads 1..9 decimal digits at s[*i]; false if there are none or more than nine. */
static bool read_number(const char *s, size_t n, size_t *i, uint32_t *v)
{
    size_t start = *i;
    uint32_t x = 0;
    while (*i < n && is_digit(s[*i])) {
        if (*i - start == 9)
            return false;
        x = x * 10 + (uint32_t)(s[*i] - '0');
        ++*i;
    }
    if (*i == start)
        return false;
    *v = x;
    return true;
}

bool mum_kb_parse(const char *s, size_t n, uint32_t *kb)
{
    *kb = 0;
    size_t i = 2;
    uint32_t v;
    if (s == NULL || !mum_iprefix(s, n, "kb") || !read_number(s, n, &i, &v) || i != n || v == 0)
        return false;
    *kb = v;
    return true;
}

bool mum_version_parse(const char *s, size_t n, uint16_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        uint32_t v = 0;
        while (i < n && is_digit(s[i]) && i - start < 5)
            v = v * 10 + (uint32_t)(s[i++] - '0');
        if (i == start || v > 0xFFFF || (i < n && is_digit(s[i])))
            return false;
        out[part] = (uint16_t)v;
    }
    return i == n;
}

bool mum_package_name_kb(const char *name, size_t n, uint32_t *kb, int32_t *index,
                         mum_slice *suffix)
{
    *kb = 0;
    *index = -1;
    suffix->p = name;
    suffix->n = 0;
    if (name == NULL || !mum_iprefix(name, n, "package_"))
        return false;
    size_t i = 8;
    int32_t idx = -1;
    uint32_t v;
    if (i < n && is_digit(name[i])) {      /* Package_N_for_... */
        if (!read_number(name, n, &i, &v) || i >= n || name[i] != '_')
            return false;
        idx = (int32_t)v;
        i++;
    }
    if (!mum_iprefix(name + i, n - i, "for_kb"))
        return false;
    i += 6;
    if (!read_number(name, n, &i, &v) || v == 0)
        return false;
    if (i < n) {                           /* ..._suffix */
        if (name[i] != '_' || i + 1 == n)
            return false;
        suffix->p = name + i + 1;
        suffix->n = n - i - 1;
    }
    *kb = v;
    *index = idx;
    return true;
}

/* Error messages quote at most this much of the string, then "...", so the reason that
 * follows is never cut off by the message size. */
#define QUOTE 120
#define QUOTED(n, s) (int)((n) > QUOTE ? QUOTE : (n)), (s), (n) > QUOTE ? "..." : ""

int mum_package_id_parse(const char *s, size_t n, mum_package_id *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    out->index = -1;
    if (s == NULL || n == 0)
        return kb_error_set(err, KB_ERR_FORMAT, "empty package identity");
    if (n > MUM_MAX_IDENTITY_STRING)
        return kb_error_set(err, KB_ERR_FORMAT, "package identity of %zu bytes is longer than the %d-byte limit",
                            n, MUM_MAX_IDENTITY_STRING);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return kb_error_set(err, KB_ERR_FORMAT, "package identity: control character 0x%02x at offset %zu",
                                (unsigned char)s[i], i);
    if (n > 4 && mum_ieq(s + n - 4, 4, ".mum"))
        n -= 4;
    mum_slice f[5];
    size_t nf = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '~')
            continue;
        if (nf == 5)
            return kb_error_set(err, KB_ERR_FORMAT, "package identity \"%.*s%s\": more than 5 '~'-separated "
                                "fields (Name~PublicKeyToken~Arch~Language~Version)", QUOTED(n, s));
        f[nf].p = s + start;
        f[nf].n = i - start;
        nf++;
        start = i + 1;
    }
    if (nf != 5)
        return kb_error_set(err, KB_ERR_FORMAT, "package identity \"%.*s%s\": %zu '~'-separated field%s, "
                            "expected 5 (Name~PublicKeyToken~Arch~Language~Version)", QUOTED(n, s), nf,
                            nf == 1 ? "" : "s");
    if (f[0].n == 0)
        return kb_error_set(err, KB_ERR_FORMAT, "package identity \"%.*s%s\": empty name", QUOTED(n, s));
    bool hex = f[1].n == 16;
    for (size_t i = 0; hex && i < 16; i++)
        hex = is_hex(f[1].p[i]);
    if (!hex)
        return kb_error_set(err, KB_ERR_FORMAT, "package identity \"%.*s%s\": public key token \"%.*s%s\" is "
                            "not 16 hex digits", QUOTED(n, s), QUOTED(f[1].n, f[1].p));
    if (f[2].n == 0)
        return kb_error_set(err, KB_ERR_FORMAT, "package identity \"%.*s%s\": empty processor architecture",
                            QUOTED(n, s));
    if (!mum_version_parse(f[4].p, f[4].n, out->version_parts))
        return kb_error_set(err, KB_ERR_FORMAT, "package identity \"%.*s%s\": version \"%.*s%s\" is not four "
                            "numbers a.b.c.d of 0 to 65535", QUOTED(n, s), QUOTED(f[4].n, f[4].p));
    out->name = f[0];
    out->public_key_token = f[1];
    out->arch = f[2];
    out->language = f[3];
    out->version = f[4];
    mum_package_name_kb(f[0].p, f[0].n, &out->kb, &out->index, &out->suffix);
    return 0;
}

int mum_identity_format(const mum_identity *id, kb_buf *out)
{
    const char *lang = id->language ? id->language : "";
    if (mum_ieq(lang, strlen(lang), "neutral"))
        lang = "";
    const char *fields[5] = {id->name, id->public_key_token, id->arch, lang, id->version};
    for (int i = 0; i < 5; i++) {
        if (i > 0 && kb_buf_putc(out, '~') != 0)
            return -1;
        if (fields[i] && kb_buf_puts(out, fields[i]) != 0)
            return -1;
    }
    return 0;
}
