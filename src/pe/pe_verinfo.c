/* Decoding one VS_VERSIONINFO: every block (VS_VERSIONINFO, StringFileInfo, StringTable,
 * String, VarFileInfo, Var) starts with wLength, wValueLength, wType and a NUL-terminated
 * UTF-16 key, then padding to 32 bits, the value, padding, and the children. Offsets are
 * relative to the start of the resource (that is where GetFileVersionInfo's copy starts,
 * so that is what the 32-bit alignment is measured from).
 *
 * The root must be sound (length, key "VS_VERSION_INFO", VS_FIXEDFILEINFO signature):
 * anything else is an error. Below it, a damaged block stops the walk of its parent and
 * is reported in `warning`, keeping what was read before it. */
#include "pe_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kbaudit/buf.h"
#include "kbaudit/utf.h"

typedef struct vblock {
    uint32_t off, end;             /* [off, end) inside the resource */
    uint16_t value_len;            /* wValueLength as stored (bytes or UTF-16 units) */
    uint32_t key_off, key_units;   /* the key, without its NUL */
    uint32_t value_off;            /* 32-bit aligned start of the value (<= end) */
} vblock;

typedef struct vctx {
    const pe_file *pe;
    const uint8_t *b;
    uint32_t size;
    uint32_t blob_off;             /* file offset of the resource, for messages */
    pe_version_info *out;
    bool have_strings;             /* the first StringTable has been read */
} vctx;

/* Reads the block header at `off`; `why` says what is wrong when it returns -1. */
static int read_block(const vctx *c, uint32_t off, uint32_t parent_end, vblock *v, char *why, size_t whylen)
{
    if (off > parent_end || parent_end - off < VB_HEADER) {
        snprintf(why, whylen, "no room for a block header (%u bytes left)", off > parent_end ? 0 : parent_end - off);
        return -1;
    }
    uint16_t len = rd16(c->b + off);
    if (len < VB_HEADER) {
        snprintf(why, whylen, "length %u is smaller than a block header", len);
        return -1;
    }
    if (len > parent_end - off) {
        snprintf(why, whylen, "length %u runs past its parent (%u bytes left)", len, parent_end - off);
        return -1;
    }
    v->off = off;
    v->end = off + len;
    v->value_len = rd16(c->b + off + 2);
    v->key_off = off + VB_HEADER;
    uint32_t p = v->key_off;
    while (p + 1 < v->end && (c->b[p] | c->b[p + 1]))
        p += 2;
    v->key_units = (p - v->key_off) / 2;
    /* A key without its NUL fills the block: there is no room left for a value. */
    uint32_t after = p + 1 < v->end ? align4(p + 2) : v->end;
    v->value_off = after < v->end ? after : v->end;
    return 0;
}

static bool key_is(const vctx *c, const vblock *v, const char *ascii)
{
    size_t n = strlen(ascii);
    if (v->key_units != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (rd16(c->b + v->key_off + 2 * i) != (uint8_t)ascii[i])
            return false;
    return true;
}

static char *utf8_dup(const uint8_t *p, uint32_t units)
{
    kb_buf s = KB_BUF_INIT;
    if (kb_utf16le_to_utf8(&s, p, (size_t)units * 2) != 0 || (s.data == NULL && kb_buf_reserve(&s, 0) != 0)) {
        kb_buf_free(&s);
        return NULL;
    }
    return s.data;
}

static void warn(vctx *c, const char *fmt, ...) KB_PRINTF(2, 3);
static void warn(vctx *c, const char *fmt, ...)
{
    if (c->out->warning[0])
        return;   /* keep the first problem: later ones are often its consequences */
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->out->warning, sizeof c->out->warning, "%s: version resource at 0x%x: %s", c->pe->name,
             c->blob_off, msg);
}

static int nomem(const vctx *c, kb_error *err)
{
    return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory reading the version resource", c->pe->name);
}

/* Appends to one of the uint32 lists, keeping at most PE_MAX_LANGS. */
static int push_u32(uint32_t **v, size_t *n, uint32_t x)
{
    if (*n >= PE_MAX_LANGS)
        return 0;
    if (*v == NULL && (*v = malloc(PE_MAX_LANGS * sizeof **v)) == NULL)
        return -1;
    (*v)[(*n)++] = x;
    return 0;
}

/* The 8 hex digits of a StringTable key as (language << 16 | code page). */
static uint32_t table_id(const vctx *c, const vblock *t)
{
    if (t->key_units != 8)
        return 0xFFFFFFFFu;
    uint32_t v = 0;
    for (uint32_t i = 0; i < 8; i++) {
        uint16_t ch = rd16(c->b + t->key_off + 2 * i);
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (d < 0)
            return 0xFFFFFFFFu;
        v = v << 4 | (uint32_t)d;
    }
    return v;
}

/* The value of a String: wValueLength UTF-16 units at most, inside the block, up to the
 * first NUL. A value without its NUL ends with the block. */
static int read_string(vctx *c, const vblock *s, kb_error *err)
{
    pe_version_info *o = c->out;
    uint32_t room = (s->end - s->value_off) / 2;
    uint32_t units = s->value_len < room ? s->value_len : room;
    uint32_t n = 0;
    while (n < units && rd16(c->b + s->value_off + 2 * n) != 0)
        n++;
    pe_string *grown = realloc(o->strings, (o->n_strings + 1) * sizeof *grown);
    if (grown == NULL)
        return nomem(c, err);
    o->strings = grown;
    pe_string *e = &o->strings[o->n_strings];
    e->key = utf8_dup(c->b + s->key_off, s->key_units);
    e->value = utf8_dup(c->b + s->value_off, n);
    if (e->key == NULL || e->value == NULL) {
        free(e->key);
        free(e->value);
        return nomem(c, err);
    }
    o->n_strings++;
    return 0;
}

static int read_table(vctx *c, const vblock *t, kb_error *err)
{
    char why[160];
    uint32_t off = align4(t->value_off + t->value_len);
    while (off < t->end) {
        vblock s;
        if (read_block(c, off, t->end, &s, why, sizeof why) != 0) {
            warn(c, "String at 0x%x: %s; the rest of the string table was skipped", off, why);
            return 0;
        }
        if (read_string(c, &s, err) != 0)
            return -1;
        off = align4(s.end);
    }
    return 0;
}

static int read_string_file_info(vctx *c, const vblock *sfi, kb_error *err)
{
    char why[160];
    uint32_t off = align4(sfi->value_off + sfi->value_len);
    while (off < sfi->end) {
        vblock t;
        if (read_block(c, off, sfi->end, &t, why, sizeof why) != 0) {
            warn(c, "StringTable at 0x%x: %s; the rest of StringFileInfo was skipped", off, why);
            return 0;
        }
        if (push_u32(&c->out->tables, &c->out->n_tables, table_id(c, &t)) != 0)
            return nomem(c, err);
        if (!c->have_strings) {
            /* the first table is the one read; its key is kept as written */
            uint32_t k = t.key_units < 8 ? t.key_units : 8;
            for (uint32_t i = 0; i < k; i++) {
                uint16_t ch = rd16(c->b + t.key_off + 2 * i);
                c->out->string_table[i] = ch >= 0x20 && ch < 0x7F ? (char)ch : '?';
            }
            c->out->string_table[k] = '\0';
            c->have_strings = true;
            if (read_table(c, &t, err) != 0)
                return -1;
        }
        off = align4(t.end);
    }
    return 0;
}

static int read_var_file_info(vctx *c, const vblock *vfi, kb_error *err)
{
    char why[160];
    uint32_t off = align4(vfi->value_off + vfi->value_len);
    while (off < vfi->end) {
        vblock v;
        if (read_block(c, off, vfi->end, &v, why, sizeof why) != 0) {
            warn(c, "Var at 0x%x: %s; the rest of VarFileInfo was skipped", off, why);
            return 0;
        }
        if (key_is(c, &v, "Translation")) {
            uint32_t bytes = v.end - v.value_off;
            if (v.value_len < bytes)
                bytes = v.value_len;   /* wValueLength counts bytes here */
            for (uint32_t i = 0; i + 4 <= bytes; i += 4) {
                uint32_t lang = rd16(c->b + v.value_off + i), cp = rd16(c->b + v.value_off + i + 2);
                if (push_u32(&c->out->translations, &c->out->n_translations, lang << 16 | cp) != 0)
                    return nomem(c, err);
            }
        }
        off = align4(v.end);
    }
    return 0;
}

static void read_fixed(pe_version_info *o, const uint8_t *f)
{
    uint32_t fms = rd32(f + 8), fls = rd32(f + 12), pms = rd32(f + 16), pls = rd32(f + 20);
    o->file_version[0] = (uint16_t)(fms >> 16), o->file_version[1] = (uint16_t)fms;
    o->file_version[2] = (uint16_t)(fls >> 16), o->file_version[3] = (uint16_t)fls;
    o->product_version[0] = (uint16_t)(pms >> 16), o->product_version[1] = (uint16_t)pms;
    o->product_version[2] = (uint16_t)(pls >> 16), o->product_version[3] = (uint16_t)pls;
    o->file_flags_mask = rd32(f + 24);
    o->file_flags = rd32(f + 28);
    o->file_os = rd32(f + 32);
    o->file_type = rd32(f + 36);
    o->file_subtype = rd32(f + 40);
    o->has_fixed = true;
    o->version_zero = (fms | fls) == 0;
}

int pe_verinfo_parse(const pe_file *pe, const uint8_t *blob, uint32_t size, uint32_t blob_off,
                     pe_version_info *out, kb_error *err)
{
    vctx c = {pe, blob, size, blob_off, out, false};
    char why[160];
    vblock root;
    if (read_block(&c, 0, size, &root, why, sizeof why) != 0)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: version resource at 0x%x (%u bytes): VS_VERSIONINFO %s",
                            pe->name, blob_off, size, why);
    if (!key_is(&c, &root, "VS_VERSION_INFO")) {
        char *k = utf8_dup(blob + root.key_off, root.key_units > 40 ? 40 : root.key_units);
        kb_error_set(err, KB_ERR_FORMAT, "%s: version resource at 0x%x: key is \"%s\", not \"VS_VERSION_INFO\"",
                     pe->name, blob_off, k ? k : "?");
        free(k);
        return -1;
    }
    if (root.value_len != 0) {
        if (root.value_len < VS_FIXED_SIZE || root.value_len > root.end - root.value_off)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: version resource at 0x%x: VS_FIXEDFILEINFO length %u (at 0x%x) is not between %u and the %u bytes left",
                                pe->name, blob_off, root.value_len, blob_off + root.value_off, VS_FIXED_SIZE,
                                root.end - root.value_off);
        const uint8_t *f = blob + root.value_off;
        if (rd32(f) != VS_FIXED_SIGNATURE)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: version resource at 0x%x: VS_FIXEDFILEINFO at 0x%x has signature 0x%08x, not 0xfeef04bd",
                                pe->name, blob_off, blob_off + root.value_off, rd32(f));
        read_fixed(out, f);
    }
    out->has_version = true;
    uint32_t off = align4(root.value_off + root.value_len);
    while (off < root.end) {
        vblock child;
        if (read_block(&c, off, root.end, &child, why, sizeof why) != 0) {
            warn(&c, "child block at 0x%x: %s; the rest was skipped", off, why);
            break;
        }
        int r = 0;
        if (key_is(&c, &child, "StringFileInfo"))
            r = read_string_file_info(&c, &child, err);
        else if (key_is(&c, &child, "VarFileInfo"))
            r = read_var_file_info(&c, &child, err);
        if (r != 0)
            return -1;
        off = align4(child.end);
    }
    return 0;
}
