/* The offline backend's registry reads: hive file + key path + value name, with the regf reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target_internal.h"

static int find_key(kb_target *t, kb_hive_id id, const char *key, const regf_hive **h, regf_off *k,
                    kb_error *err)
{
    *h = target_hive(t, id, err);
    if (*h == NULL)
        return -1;
    if (t->last_key && t->last_hive == *h && strcmp(t->last_key, key) == 0) {
        *k = t->last_off;
        return 0;
    }
    if (regf_key_lookup(*h, regf_root(*h), key, k, err) != 0)
        return -1;
    char *copy = strdup(key);   /* out of memory: no cache, the next read looks it up again */
    free(t->last_key);
    t->last_key = copy;
    t->last_hive = *h;
    t->last_off = *k;
    return 0;
}

int target_offline_key_exists(kb_target *t, kb_hive_id id, const char *key, bool *exists, kb_error *err)
{
    const regf_hive *h;
    regf_off k;
    kb_error e = {0};
    *exists = false;
    if (find_key(t, id, key, &h, &k, &e) == 0) {
        *exists = true;
        return 0;
    }
    if (e.kind == KB_ERR_NOTFOUND && h != NULL)
        return 0;
    if (err)
        *err = e;
    return -1;
}

static int find_value(kb_target *t, kb_hive_id id, const char *key, const char *value,
                      const regf_hive **h, regf_off *v, kb_error *err)
{
    regf_off k;
    if (find_key(t, id, key, h, &k, err) != 0)
        return -1;
    return regf_value_lookup(*h, k, value, v, err);
}

/* A value of another type than the one asked for is a corrupt value (KB_ERR_FORMAT), not a
 * missing one: REG_DWORD (4) for dwords, REG_SZ (1) or REG_EXPAND_SZ (2) for strings, the
 * caller's type for raw data. */
static int check_type(const regf_hive *h, regf_off v, uint32_t want1, uint32_t want2, const char *want,
                      const char *value, kb_error *err)
{
    regf_value_info vi;
    if (regf_value_info_get(h, v, &vi, err) != 0)
        return -1;
    if (vi.type == want1 || vi.type == want2)
        return 0;
    const char *tn = regf_type_name(vi.type);
    char num[24];
    snprintf(num, sizeof num, "type %u", (unsigned)vi.type);
    return kb_error_set(err, KB_ERR_FORMAT, "%s: value \"%s\" is %s, not %s", regf_name(h), value,
                        tn ? tn : num, want);
}

int target_offline_string(kb_target *t, kb_hive_id id, const char *key, const char *value, kb_buf *out,
                      kb_error *err)
{
    const regf_hive *h;
    regf_off v;
    if (find_value(t, id, key, value, &h, &v, err) != 0 ||
        check_type(h, v, 1, 2, "REG_SZ or REG_EXPAND_SZ", value, err) != 0)
        return -1;
    return regf_value_string(h, v, out, err);
}

int target_offline_dword(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t *out,
                     kb_error *err)
{
    const regf_hive *h;
    regf_off v;
    if (find_value(t, id, key, value, &h, &v, err) != 0 || check_type(h, v, 4, 4, "REG_DWORD", value, err) != 0)
        return -1;
    return regf_value_dword(h, v, out, err);
}

int target_offline_value(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t type,
                     kb_buf *out, kb_error *err)
{
    const regf_hive *h;
    regf_off v;
    kb_buf scratch = KB_BUF_INIT;
    const uint8_t *d;
    uint32_t n;
    const char *tn = regf_type_name(type);
    if (find_value(t, id, key, value, &h, &v, err) != 0 ||
        check_type(h, v, type, type, tn ? tn : "the expected type", value, err) != 0 ||
        regf_value_data(h, v, &scratch, &d, &n, err) != 0) {
        kb_buf_free(&scratch);
        return -1;
    }
    int r = kb_buf_append(out, d, n) ? kb_error_set(err, KB_ERR_NOMEM, "out of memory") : 0;
    kb_buf_free(&scratch);
    return r;
}

char *target_escape_name(const char *name, size_t len)
{
    kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        int r = ch == 0 ? kb_buf_puts(&b, "\\0")
                : ch < 0x20 || ch == 0x7f ? kb_buf_printf(&b, "\\x%02x", ch)
                : kb_buf_putc(&b, (char)ch);
        if (r)
            return kb_buf_free(&b), NULL;
    }
    return b.data ? b.data : strdup("");
}

int target_push_name(char ***v, size_t *n, char *s, kb_error *err)
{
    char **nv = s ? realloc(*v, (*n + 1) * sizeof *nv) : NULL;
    if (nv == NULL) {
        free(s);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    *v = nv;
    nv[(*n)++] = s;
    return 0;
}

int target_offline_subkeys(kb_target *t, kb_hive_id id, const char *key, char ***names, size_t *n,
                       char ***skipped, size_t *nskipped, kb_error *err)
{
    *names = NULL;
    *n = 0;
    if (skipped)
        *skipped = NULL, *nskipped = 0;
    const regf_hive *h;
    regf_off k;
    regf_offlist kids = {0};
    if (find_key(t, id, key, &h, &k, err) != 0 || regf_key_subkeys(h, k, &kids, err) != 0) {
        regf_offlist_free(&kids);
        return -1;
    }
    int r = 0;
    *names = calloc(kids.n ? kids.n : 1, sizeof **names);
    if (*names == NULL)
        r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    kb_buf name = KB_BUF_INIT;
    for (size_t i = 0; r == 0 && i < kids.n; i++) {
        kb_buf_reset(&name);
        if (regf_key_name(h, kids.v[i], &name, err) != 0)
            r = -1;
        else if (name.data && (strlen(name.data) != name.len || strchr(name.data, '\\')))
            /* a NUL or a backslash inside: no key path reaches it */
            r = skipped ? target_push_name(skipped, nskipped, target_escape_name(name.data, name.len), err) : 0;
        else if (((*names)[*n] = strdup(name.data ? name.data : "")) == NULL)
            r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        else
            ++*n;
    }
    kb_buf_free(&name);
    regf_offlist_free(&kids);
    if (r != 0) {
        target_free_names(*names, *n);
        *names = NULL;
        *n = 0;
        if (skipped) {
            target_free_names(*skipped, *nskipped);
            *skipped = NULL, *nskipped = 0;
        }
    }
    return r;
}
