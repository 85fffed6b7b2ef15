/* Unit tests of the PE version reader: on PE files assembled byte by byte in the test
 * (every field under the test's control), on the mingw-built fixtures of
 * tests/fixtures/pe/fixtures.txt and on their hand-corrupted copies (corrupt.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kbaudit/peversion.h"

#define FIXTURE(name) KBAUDIT_FIXTURE_DIR "/pe/" name

/* ------------------------------------------------------------------ byte writers */

static void w16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { w16(p, v & 0xFFFF), w16(p + 2, v >> 16); }

/* A VS_VERSIONINFO under construction: blocks are opened and closed like XML elements;
 * closing one writes its wLength. Alignment is relative to the blob's start. */
typedef struct vw {
    uint8_t b[8192];
    uint32_t n;
    uint32_t open[8];
    int depth;
} vw;

static void vw_align(vw *w)
{
    while (w->n % 4)
        w->b[w->n++] = 0;
}

static void vw_utf16(vw *w, const char *s, bool nul)
{
    for (; *s; s++, w->n += 2)
        w16(w->b + w->n, (uint8_t)*s);
    if (nul)
        w16(w->b + w->n, 0), w->n += 2;
}

/* Opens a block with `key`, a value of `vbytes` bytes and wValueLength `vlen`. */
static void vw_begin(vw *w, const char *key, uint16_t type, const void *value, uint32_t vbytes, uint16_t vlen)
{
    vw_align(w);
    w->open[w->depth++] = w->n;
    w16(w->b + w->n + 2, vlen);
    w16(w->b + w->n + 4, type);
    w->n += 6;
    vw_utf16(w, key, true);
    vw_align(w);
    if (vbytes)
        memcpy(w->b + w->n, value, vbytes), w->n += vbytes;
}

static void vw_end(vw *w)
{
    uint32_t start = w->open[--w->depth];
    w16(w->b + start, w->n - start);
}

/* A String whose wValueLength counts UTF-16 units with the NUL, as rc.exe writes it. */
static void vw_string(vw *w, const char *key, const char *value)
{
    uint8_t v[512];
    size_t n = strlen(value);
    for (size_t i = 0; i <= n; i++)
        w16(v + 2 * i, (uint8_t)value[i]);
    vw_begin(w, key, 1, v, (uint32_t)(2 * (n + 1)), (uint16_t)(n + 1));
    vw_end(w);
}

static void fixed_info(uint8_t f[52], const uint16_t fv[4], const uint16_t pv[4])
{
    memset(f, 0, 52);
    w32(f, 0xFEEF04BDu);
    w32(f + 4, 0x00010000u);
    w32(f + 8, (uint32_t)fv[0] << 16 | fv[1]);
    w32(f + 12, (uint32_t)fv[2] << 16 | fv[3]);
    w32(f + 16, (uint32_t)pv[0] << 16 | pv[1]);
    w32(f + 20, (uint32_t)pv[2] << 16 | pv[3]);
    w32(f + 24, 0x3F);
    w32(f + 32, 0x40004);   /* VOS_NT_WINDOWS32 */
    w32(f + 36, 1);         /* VFT_APP */
}

/* Options for the usual VS_VERSIONINFO. */
typedef struct blob_opts {
    uint16_t fv[4], pv[4];
    bool var_first;          /* VarFileInfo before StringFileInfo */
    bool two_tables;         /* a second StringTable 040704B0 */
    bool no_fixed;           /* wValueLength 0, no VS_FIXEDFILEINFO */
    const char *file_version;
} blob_opts;

static void std_blob(vw *w, const blob_opts *o)
{
    uint8_t f[52];
    static const uint16_t def_fv[4] = {6, 0, 6003, 20489};
    bool zero = !(o->fv[0] | o->fv[1] | o->fv[2] | o->fv[3]);
    fixed_info(f, zero ? def_fv : o->fv, zero ? def_fv : o->pv[0] ? o->pv : o->fv);
    memset(w, 0, sizeof *w);
    if (o->no_fixed)
        vw_begin(w, "VS_VERSION_INFO", 0, NULL, 0, 0);
    else
        vw_begin(w, "VS_VERSION_INFO", 0, f, 52, 52);
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0) == o->var_first) {
            uint8_t t[8];
            w16(t, 0x409), w16(t + 2, 1200), w16(t + 4, 0x407), w16(t + 6, 1200);
            vw_begin(w, "VarFileInfo", 1, NULL, 0, 0);
            vw_begin(w, "Translation", 0, t, o->two_tables ? 8 : 4, o->two_tables ? 8 : 4);
            vw_end(w);
            vw_end(w);
        } else {
            vw_begin(w, "StringFileInfo", 1, NULL, 0, 0);
            vw_begin(w, "040904B0", 1, NULL, 0, 0);
            vw_string(w, "CompanyName", "Microsoft Corporation");
            vw_string(w, "FileVersion", o->file_version ? o->file_version
                                                        : "6.0.6003.20489 (vistasp2_ldr_escrow.190320-1700)");
            vw_string(w, "OriginalFilename", "ntoskrnl.exe");
            vw_end(w);
            if (o->two_tables) {
                vw_begin(w, "040704B0", 1, NULL, 0, 0);
                vw_string(w, "FileVersion", "de");
                vw_end(w);
            }
            vw_end(w);
        }
    }
    vw_end(w);
}

/* The .rsrc section: root -> RT_VERSION -> name 1 -> one leaf per blob. */
#define RSRC_RVA 0x1000u
typedef struct rsrc {
    uint8_t b[16384];
    uint32_t n;
} rsrc;

static uint32_t rs_dir(rsrc *r, uint16_t nnamed, uint16_t nids)
{
    uint32_t off = r->n;
    memset(r->b + off, 0, 16 + 8u * (nnamed + nids));
    w16(r->b + off + 12, nnamed);
    w16(r->b + off + 14, nids);
    r->n += 16 + 8u * (nnamed + nids);
    return off;
}

static void rs_entry(rsrc *r, uint32_t dir, int i, uint32_t name, uint32_t target)
{
    w32(r->b + dir + 16 + 8 * i, name);
    w32(r->b + dir + 16 + 8 * i + 4, target);
}

/* Root, type and name directories and `n` language leaves with their blobs; `shift`
 * moves each blob off 32-bit alignment. Returns the data entry offsets via `entries`. */
static void rs_versions(rsrc *r, int n, const uint16_t *langs, vw *const *blobs, uint32_t shift, uint32_t *entries)
{
    memset(r, 0, sizeof *r);
    uint32_t root = rs_dir(r, 0, 1), names = rs_dir(r, 0, 1), ls = rs_dir(r, 0, (uint16_t)n);
    rs_entry(r, root, 0, 16, 0x80000000u | names);
    rs_entry(r, names, 0, 1, 0x80000000u | ls);
    for (int i = 0; i < n; i++) {
        uint32_t e = r->n;
        r->n += 16;
        rs_entry(r, ls, i, langs[i], e);
        r->n = (r->n + 3) & ~3u;
        r->n += shift;
        w32(r->b + e, RSRC_RVA + r->n);
        w32(r->b + e + 4, blobs[i]->n);
        memcpy(r->b + r->n, blobs[i]->b, blobs[i]->n);
        r->n += blobs[i]->n;
        if (entries)
            entries[i] = e;
    }
}

/* A PE file with one section, .rsrc at RVA 0x1000, file offset 0x200. */
typedef struct image {
    uint8_t b[20480];
    size_t n;
    uint32_t opt, sections;
} image;

static void make_pe(image *im, uint16_t machine, bool plus, const rsrc *r)
{
    memset(im, 0, sizeof *im);
    uint8_t *b = im->b;
    b[0] = 'M', b[1] = 'Z';
    w32(b + 0x3C, 0x40);
    memcpy(b + 0x40, "PE\0\0", 4);
    w16(b + 0x44, machine);
    w16(b + 0x46, 1);
    uint16_t opt_size = plus ? 240 : 224;
    w16(b + 0x54, opt_size);
    im->opt = 0x58;
    w16(b + im->opt, plus ? 0x20B : 0x10B);
    uint32_t dirs = im->opt + (plus ? 112 : 96);
    w32(b + dirs - 4, 16);
    if (r) {
        w32(b + dirs + 16, RSRC_RVA);
        w32(b + dirs + 20, r->n);
    }
    im->sections = im->opt + opt_size;
    uint8_t *s = b + im->sections;
    memcpy(s, ".rsrc", 5);
    uint32_t raw = r ? (r->n + 0x1FF) & ~0x1FFu : 0x200;
    w32(s + 8, r ? r->n : 0x10);
    w32(s + 12, RSRC_RVA);
    w32(s + 16, raw);
    w32(s + 20, 0x200);
    if (r)
        memcpy(b + 0x200, r->b, r->n);
    im->n = 0x200 + raw;
}

/* Reads an image; returns pe_version_read's result and leaves the error in `err`. */
static int read_image(const image *im, pe_version_info *vi, kb_error *err)
{
    pe_file *pe = NULL;
    memset(vi, 0, sizeof *vi);
    memset(err, 0, sizeof *err);
    if (pe_open_buffer(im->b, im->n, "t.dll", &pe, err) != 0)
        return -1;
    int r = pe_version_read(pe, vi, err);
    pe_close(pe);
    return r;
}

static void image_of(image *im, const blob_opts *o, uint16_t machine, bool plus)
{
    static vw w;
    static rsrc r;
    std_blob(&w, o);
    vw *blobs[1] = {&w};
    uint16_t lang = 0x409;
    rs_versions(&r, 1, &lang, blobs, 0, NULL);
    make_pe(im, machine, plus, &r);
}

static void expect_error(const image *im, const char *needle)
{
    pe_version_info vi;
    kb_error err;
    int r = read_image(im, &vi, &err);
    pe_version_info_free(&vi);
    if (r == 0)
        fail_msg("expected an error containing \"%s\", the file was read", needle);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err.msg, needle);
    if (strncmp(err.msg, "t.dll: ", 7) != 0)
        fail_msg("error \"%s\" does not start with the file name", err.msg);
}

static void assert_version(const uint16_t v[4], int a, int b, int c, int d)
{
    assert_int_equal(v[0], a);
    assert_int_equal(v[1], b);
    assert_int_equal(v[2], c);
    assert_int_equal(v[3], d);
}

/* ------------------------------------------------------------------ crafted images */

static image im;   /* big: keep it off the stack */

static void test_crafted_basic(void **state)
{
    (void)state;
    blob_opts o = {.fv = {6, 0, 6003, 20489}, .pv = {6, 0, 6003, 20490}};
    image_of(&im, &o, PE_MACHINE_AMD64, true);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_int_equal(vi.machine, PE_MACHINE_AMD64);
    assert_true(vi.is_pe32plus);
    assert_true(vi.has_version && vi.has_fixed && !vi.version_zero && pe_version_usable(&vi));
    assert_version(vi.file_version, 6, 0, 6003, 20489);
    assert_version(vi.product_version, 6, 0, 6003, 20490);
    assert_int_equal(vi.file_os, 0x40004);
    assert_int_equal(vi.file_type, 1);
    assert_string_equal(vi.string_table, "040904B0");
    assert_int_equal(vi.n_strings, 3);
    assert_string_equal(vi.strings[0].key, "CompanyName");
    assert_string_equal(pe_version_string(&vi, "fileversion"), "6.0.6003.20489 (vistasp2_ldr_escrow.190320-1700)");
    assert_string_equal(pe_version_string(&vi, "OriginalFilename"), "ntoskrnl.exe");
    assert_null(pe_version_string(&vi, "ProductName"));
    assert_int_equal(vi.n_translations, 1);
    assert_int_equal(vi.translations[0], 0x040904B0u);
    assert_int_equal(vi.n_resource_langs, 1);
    assert_int_equal(vi.resource_lang, 0x409);
    assert_string_equal(vi.warning, "");
    pe_version_info_free(&vi);
}

static void test_crafted_pe32_machines(void **state)
{
    (void)state;
    static const uint16_t machines[] = {PE_MACHINE_I386, PE_MACHINE_IA64, 0x01C4};
    blob_opts o = {.fv = {1, 2, 3, 4}};
    for (size_t i = 0; i < 3; i++) {
        image_of(&im, &o, machines[i], machines[i] == PE_MACHINE_IA64);
        pe_version_info vi;
        kb_error err;
        assert_int_equal(read_image(&im, &vi, &err), 0);
        assert_int_equal(vi.machine, machines[i]);
        assert_int_equal(vi.is_pe32plus, machines[i] == PE_MACHINE_IA64);
        assert_version(vi.file_version, 1, 2, 3, 4);
        pe_version_info_free(&vi);
    }
    assert_string_equal(pe_machine_name(PE_MACHINE_I386), "x86");
    assert_string_equal(pe_machine_name(PE_MACHINE_AMD64), "x64");
    assert_string_equal(pe_machine_name(PE_MACHINE_IA64), "ia64");
    assert_null(pe_machine_name(0x01C4));
}

static void test_crafted_var_first_two_tables(void **state)
{
    (void)state;
    blob_opts o = {.fv = {6, 0, 6002, 18005}, .var_first = true, .two_tables = true};
    image_of(&im, &o, PE_MACHINE_I386, false);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_version(vi.file_version, 6, 0, 6002, 18005);
    assert_string_equal(vi.string_table, "040904B0");
    assert_int_equal(vi.n_tables, 2);
    assert_int_equal(vi.tables[0], 0x040904B0u);
    assert_int_equal(vi.tables[1], 0x040704B0u);
    assert_int_equal(vi.n_translations, 2);
    assert_int_equal(vi.translations[1], 0x040704B0u);
    /* only the first table's strings */
    assert_int_equal(vi.n_strings, 3);
    assert_string_equal(pe_version_string(&vi, "FileVersion"), "6.0.6003.20489 (vistasp2_ldr_escrow.190320-1700)");
    pe_version_info_free(&vi);
}

static void test_crafted_no_fixed(void **state)
{
    (void)state;
    blob_opts o = {.no_fixed = true};
    image_of(&im, &o, PE_MACHINE_I386, false);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_true(vi.has_version);
    assert_false(vi.has_fixed);
    assert_false(pe_version_usable(&vi));
    assert_int_equal(vi.n_strings, 3);
    pe_version_info_free(&vi);
}

static void test_crafted_zero_version(void **state)
{
    (void)state;
    static vw w;
    static rsrc r;
    uint8_t f[52];
    static const uint16_t z[4] = {0, 0, 0, 0};
    fixed_info(f, z, z);
    memset(&w, 0, sizeof w);
    vw_begin(&w, "VS_VERSION_INFO", 0, f, 52, 52);
    vw_end(&w);
    vw *blobs[1] = {&w};
    uint16_t lang = 0;
    rs_versions(&r, 1, &lang, blobs, 0, NULL);
    make_pe(&im, PE_MACHINE_I386, false, &r);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_true(vi.has_version && vi.has_fixed && vi.version_zero);
    assert_false(pe_version_usable(&vi));
    assert_int_equal(vi.n_strings, 0);
    assert_string_equal(vi.string_table, "");
    pe_version_info_free(&vi);
}

/* Strings: wValueLength 0, empty, without NUL, key without NUL, value length in bytes. */
static void test_crafted_string_edges(void **state)
{
    (void)state;
    static vw w;
    static rsrc r;
    uint8_t f[52], v[64];
    static const uint16_t fv[4] = {6, 0, 6003, 1};
    fixed_info(f, fv, fv);
    memset(&w, 0, sizeof w);
    vw_begin(&w, "VS_VERSION_INFO", 0, f, 52, 52);
    vw_begin(&w, "StringFileInfo", 1, NULL, 0, 0);
    vw_begin(&w, "000004b0", 1, NULL, 0, 0);
    /* text present but wValueLength 0: no value */
    w16(v, 'x'), w16(v + 2, 0);
    vw_begin(&w, "Zero", 1, v, 4, 0);
    vw_end(&w);
    vw_string(&w, "Empty", "");
    /* wValueLength in bytes (twice the units): bounded by the block, cut at the NUL */
    w16(v, 'a'), w16(v + 2, 'b'), w16(v + 4, 0), w16(v + 6, 0);
    vw_begin(&w, "Bytes", 1, v, 8, 8);
    vw_end(&w);
    /* no NUL: the value runs to the end of the block */
    w16(v, 'n'), w16(v + 2, 'o');
    vw_begin(&w, "NoNul", 1, v, 4, 2);
    vw_end(&w);
    /* wValueLength larger than the block */
    w16(v, 'b'), w16(v + 2, 'i'), w16(v + 4, 'g'), w16(v + 6, 0);
    vw_begin(&w, "Big", 1, v, 8, 500);
    vw_end(&w);
    vw_end(&w);
    vw_end(&w);
    /* a block whose key has no NUL (it fills the block) */
    vw_align(&w);
    uint32_t k = w.n;
    w16(w.b + k, 6 + 8), w16(w.b + k + 2, 0), w16(w.b + k + 4, 1);
    w16(w.b + k + 6, 'Q'), w16(w.b + k + 8, 'Q'), w16(w.b + k + 10, 'Q'), w16(w.b + k + 12, 'Q');
    w.n += 14;
    vw_end(&w);
    vw *blobs[1] = {&w};
    uint16_t lang = 0;
    rs_versions(&r, 1, &lang, blobs, 0, NULL);
    make_pe(&im, PE_MACHINE_AMD64, true, &r);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_string_equal(vi.string_table, "000004b0");
    assert_int_equal(vi.n_strings, 5);
    assert_string_equal(pe_version_string(&vi, "Zero"), "");
    assert_string_equal(pe_version_string(&vi, "Empty"), "");
    assert_string_equal(pe_version_string(&vi, "Bytes"), "ab");
    assert_string_equal(pe_version_string(&vi, "NoNul"), "no");
    assert_string_equal(pe_version_string(&vi, "Big"), "big");
    assert_string_equal(vi.warning, "");
    pe_version_info_free(&vi);
}

static void test_crafted_misaligned_data(void **state)
{
    (void)state;
    static vw w;
    static rsrc r;
    blob_opts o = {.fv = {6, 0, 6003, 20489}};
    std_blob(&w, &o);
    vw *blobs[1] = {&w};
    uint16_t lang = 0x409;
    /* the resource data starts 2 bytes off a 32-bit boundary: alignment inside it is
     * measured from its start, as GetFileVersionInfo's copy does */
    rs_versions(&r, 1, &lang, blobs, 2, NULL);
    make_pe(&im, PE_MACHINE_I386, false, &r);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_version(vi.file_version, 6, 0, 6003, 20489);
    assert_string_equal(pe_version_string(&vi, "OriginalFilename"), "ntoskrnl.exe");
    pe_version_info_free(&vi);
}

static void test_crafted_languages(void **state)
{
    (void)state;
    static vw a, b;
    static rsrc r;
    blob_opts oa = {.fv = {6, 0, 6003, 1}}, ob = {.fv = {6, 0, 6003, 2}};
    std_blob(&a, &oa);
    std_blob(&b, &ob);
    vw *blobs[2] = {&a, &b};
    uint16_t langs[2] = {0x0407, 0x0409};
    rs_versions(&r, 2, langs, blobs, 0, NULL);
    make_pe(&im, PE_MACHINE_I386, false, &r);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_int_equal(vi.n_resource_langs, 2);
    assert_int_equal(vi.resource_langs[0], 0x0407);
    assert_int_equal(vi.resource_langs[1], 0x0409);
    assert_int_equal(vi.resource_lang, 0x0407);
    assert_version(vi.file_version, 6, 0, 6003, 1);   /* the first one is read */
    pe_version_info_free(&vi);
}

static void test_crafted_root_errors(void **state)
{
    (void)state;
    blob_opts o = {.fv = {6, 0, 6003, 20489}};
    uint32_t blob = 0;
    static rsrc r;
    static vw w;
    std_blob(&w, &o);
    vw *blobs[1] = {&w};
    uint16_t lang = 0x409;
    uint32_t entry;
    rs_versions(&r, 1, &lang, blobs, 0, &entry);
    blob = 0x200 + (uint32_t)(r.n - w.n);

    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + blob + 40, 0x12345678);
    expect_error(&im, "signature 0x12345678, not 0xfeef04bd");

    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + blob + 6 + 2, 'X');
    expect_error(&im, "key is \"VX_VERSION_INFO\"");

    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + blob, w.n + 4);   /* wLength beyond the data entry's Size */
    expect_error(&im, "runs past its parent");

    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + blob, 3);
    expect_error(&im, "smaller than a block header");

    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + blob + 2, 51);
    expect_error(&im, "VS_FIXEDFILEINFO length 51");

    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + 0x200 + entry + 4, 4);   /* Size smaller than a block header */
    expect_error(&im, "no room for a block header");
}

static void test_crafted_child_damage(void **state)
{
    (void)state;
    static rsrc r;
    static vw w;
    blob_opts o = {.fv = {6, 0, 6003, 20489}, .var_first = true};
    std_blob(&w, &o);
    /* the second String (FileVersion) lies about its length: the first is kept */
    uint32_t p = 0;
    for (uint32_t i = 0; i + 22 < w.n; i += 2)
        if (memcmp(w.b + i, "F\0i\0l\0e\0V\0e\0r\0s\0i\0o\0n\0", 22) == 0) {
            p = i - 6;
            break;
        }
    assert_true(p > 0);
    w16(w.b + p, 0x7FFF);
    vw *blobs[1] = {&w};
    uint16_t lang = 0x409;
    rs_versions(&r, 1, &lang, blobs, 0, NULL);
    make_pe(&im, PE_MACHINE_I386, false, &r);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_version(vi.file_version, 6, 0, 6003, 20489);
    assert_int_equal(vi.n_strings, 1);
    assert_string_equal(vi.strings[0].key, "CompanyName");
    assert_non_null(strstr(vi.warning, "String at"));
    assert_non_null(strstr(vi.warning, "t.dll: version resource at 0x"));
    assert_int_equal(vi.n_translations, 1);   /* read before the damage */
    pe_version_info_free(&vi);
}

/* Resource trees that loop, nest too deep, or lie about their counts and offsets. */
static void test_crafted_directory_walk(void **state)
{
    (void)state;
    static rsrc r;
    static vw w;
    blob_opts o = {.fv = {6, 0, 6003, 20489}};
    std_blob(&w, &o);
    vw *blobs[1] = {&w};
    uint16_t lang = 0x409;
    rs_versions(&r, 1, &lang, blobs, 0, NULL);
    const uint32_t names = 24, langs = 48;

    /* the language entry points back to the name directory */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + 0x200 + langs + 20, 0x80000000u | names);
    expect_error(&im, "a loop");
    /* ... to itself */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + 0x200 + langs + 20, 0x80000000u | langs);
    expect_error(&im, "a loop");
    /* ... to the root */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + 0x200 + names + 20, 0x80000000u);
    expect_error(&im, "a loop");
    /* counts larger than the file */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + 0x200 + names + 12, 0x4000);
    expect_error(&im, "entry count 16385");
    /* subdirectory offset outside everything */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + 0x200 + names + 20, 0x80000000u | 0x7FFFFF00u);
    expect_error(&im, "not inside any section");
    /* data entry pointing to an RVA no section holds */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + 0x200 + 72, 0x00900000);
    expect_error(&im, "RT_VERSION resource data at RVA 0x900000: not inside any section");

    /* a chain of directories deeper than PE_MAX_RSRC_DEPTH */
    static rsrc deep;
    memset(&deep, 0, sizeof deep);
    uint32_t root = rs_dir(&deep, 0, 1), prev = root;
    for (int i = 0; i < PE_MAX_RSRC_DEPTH + 2; i++) {
        uint32_t d = rs_dir(&deep, 0, 1);
        rs_entry(&deep, prev, 0, prev == root ? 16 : 1, 0x80000000u | d);
        prev = d;
    }
    rs_entry(&deep, prev, 0, 1, 0x7FFFFFF0u);
    make_pe(&im, PE_MACHINE_I386, false, &deep);
    expect_error(&im, "nested more than");

    /* many name entries sharing one language directory: bounded, not an error */
    static rsrc wide;
    memset(&wide, 0, sizeof wide);
    root = rs_dir(&wide, 0, 1);
    uint32_t nm = rs_dir(&wide, 0, 600), lg = rs_dir(&wide, 0, 1);
    rs_entry(&wide, root, 0, 16, 0x80000000u | nm);
    for (int i = 0; i < 600; i++)
        rs_entry(&wide, nm, i, (uint32_t)i + 1, 0x80000000u | lg);
    uint32_t e = wide.n;
    wide.n += 16;
    rs_entry(&wide, lg, 0, 0x409, e);
    w32(wide.b + e, RSRC_RVA + wide.n);
    w32(wide.b + e + 4, w.n);
    memcpy(wide.b + wide.n, w.b, w.n);
    wide.n += w.n;
    make_pe(&im, PE_MACHINE_I386, false, &wide);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_int_equal(vi.n_resource_langs, PE_MAX_LANGS);
    assert_version(vi.file_version, 6, 0, 6003, 20489);
    pe_version_info_free(&vi);
}

static void test_crafted_no_version(void **state)
{
    (void)state;
    pe_version_info vi;
    kb_error err;
    /* no resource directory at all */
    make_pe(&im, PE_MACHINE_I386, false, NULL);
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_false(vi.has_version);
    assert_int_equal(vi.n_resource_langs, 0);
    pe_version_info_free(&vi);
    /* resources, none of them RT_VERSION */
    static rsrc r;
    memset(&r, 0, sizeof r);
    uint32_t root = rs_dir(&r, 0, 1);
    rs_entry(&r, root, 0, 6, 0x80000000u | rs_dir(&r, 0, 0));
    make_pe(&im, PE_MACHINE_I386, false, &r);
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_false(vi.has_version);
    pe_version_info_free(&vi);
    /* an empty RT_VERSION resource */
    static vw w;
    blob_opts o = {.fv = {1, 0, 0, 0}};
    std_blob(&w, &o);
    vw *blobs[1] = {&w};
    uint16_t lang = 0x409;
    uint32_t entry;
    rs_versions(&r, 1, &lang, blobs, 0, &entry);
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + 0x200 + entry + 4, 0);
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_false(vi.has_version);
    assert_non_null(strstr(vi.warning, "empty"));
    pe_version_info_free(&vi);
    /* the RT_VERSION entry pointing to data instead of a directory */
    rs_versions(&r, 1, &lang, blobs, 0, NULL);
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + 0x200 + 20, 24);
    expect_error(&im, "points to data");
}

static void test_crafted_headers(void **state)
{
    (void)state;
    static rsrc r;
    static vw w;
    blob_opts o = {.fv = {6, 0, 6003, 20489}};
    std_blob(&w, &o);
    vw *blobs[1] = {&w};
    uint16_t lang = 0x409;
    rs_versions(&r, 1, &lang, blobs, 0, NULL);

    make_pe(&im, PE_MACHINE_I386, false, &r);
    im.b[0] = 'Z';
    expect_error(&im, "no \"MZ\"");
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + 0x3C, 0xFFFFFFF0u);
    expect_error(&im, "PE header offset 0xfffffff0");
    make_pe(&im, PE_MACHINE_I386, false, &r);
    memcpy(im.b + 0x40, "LE\0\0", 4);
    expect_error(&im, "\"LE\" header at 0x40");
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + im.opt, 0x107);
    expect_error(&im, "magic 0x107");
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + 0x46, 97);
    expect_error(&im, "97 sections");
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + 0x46, 90);
    expect_error(&im, "section table at 0x138 (90 sections) runs past the end");
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + 0x54, 0xFFFF);
    expect_error(&im, "optional header at 0x58 (65535 bytes) runs past the end");
    /* truncated inside the version resource */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    im.n = 0x200 + r.n - 20;
    expect_error(&im, "truncated");
    /* truncated before the resource section */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    im.n = 0x1F0;
    expect_error(&im, "truncated");
    /* tiny files */
    for (size_t n = 0; n < 0x40; n += 7) {
        make_pe(&im, PE_MACHINE_I386, false, &r);
        im.n = n;
        expect_error(&im, n < 2 ? "not a PE file" : "truncated");
    }

    /* two sections whose memory ranges overlap */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w16(im.b + 0x46, 2);
    memcpy(im.b + im.sections + 40, im.b + im.sections, 40);
    memcpy(im.b + im.sections + 40, ".data\0\0\0", 8);
    w32(im.b + im.sections + 40 + 12, RSRC_RVA + 0x10);
    expect_error(&im, "section 2 (\".data\", RVA 0x1010-");

    /* a PE32 whose optional header has no room for the resource directory entry */
    make_pe(&im, PE_MACHINE_I386, false, &r);
    w32(im.b + im.opt + 92, 2);
    pe_version_info vi;
    kb_error err;
    assert_int_equal(read_image(&im, &vi, &err), 0);
    assert_false(vi.has_version);
    pe_version_info_free(&vi);
}

/* ------------------------------------------------------------------ helpers */

static void test_split_file_version(void **state)
{
    (void)state;
    pe_file_version_parts p;
    assert_int_equal(pe_split_file_version("6.0.6003.20489 (vistasp2_ldr_escrow.190320-1700)", &p), 0);
    assert_string_equal(p.version, "6.0.6003.20489");
    assert_int_equal(p.nparts, 4);
    assert_int_equal(p.parts[2], 6003);
    assert_int_equal(p.parts[3], 20489);
    assert_string_equal(p.branch, "vistasp2_ldr_escrow");
    assert_string_equal(p.stamp, "190320-1700");
    assert_int_equal(pe_split_file_version("6.0.6003.20512 (vistasp2_gdr.190508-1654)", &p), 0);
    assert_string_equal(p.branch, "vistasp2_gdr");
    assert_int_equal(pe_split_file_version("10.0.18362.145 (WinBuild.160101.0800)", &p), 0);
    assert_string_equal(p.branch, "WinBuild");
    assert_string_equal(p.stamp, "160101.0800");
    assert_int_equal(pe_split_file_version("5.00.0000.1", &p), 0);
    assert_string_equal(p.version, "5.00.0000.1");
    assert_int_equal(p.parts[1], 0);
    assert_string_equal(p.branch, "");
    assert_int_equal(pe_split_file_version("4.1.6140", &p), 0);
    assert_int_equal(p.nparts, 3);
    assert_int_equal(p.parts[3], 0);
    assert_int_equal(pe_split_file_version("5, 1, 2600, 5512", &p), 0);
    assert_int_equal(p.nparts, 4);
    assert_int_equal(p.parts[3], 5512);
    assert_int_equal(pe_split_file_version("  7.0 (lab_branch)", &p), 0);
    assert_string_equal(p.branch, "lab_branch");
    assert_string_equal(p.stamp, "");
    assert_int_equal(pe_split_file_version("1.2.3.4 (built by: someone)", &p), 0);
    assert_string_equal(p.branch, "");
    assert_int_equal(pe_split_file_version("1.2.3.4.5", &p), 0);
    assert_string_equal(p.version, "1.2.3.4");
    assert_int_equal(pe_split_file_version("required for Tab display under XP", &p), -1);
    assert_string_equal(p.version, "");
    assert_int_equal(pe_split_file_version("", &p), -1);
    assert_int_equal(pe_split_file_version(NULL, &p), -1);
    assert_int_equal(pe_split_file_version("65536.0", &p), -1);
    assert_int_equal(pe_split_file_version("0000001.2", &p), -1);
    char longb[200];
    snprintf(longb, sizeof longb, "1.0 (%0150d.1)", 0);
    assert_int_equal(pe_split_file_version(longb, &p), 0);
    assert_string_equal(p.branch, "");   /* too long for a branch name: not kept */
}

/* ------------------------------------------------------------------ built fixtures */

static void read_fixture(const char *path, pe_version_info *vi)
{
    pe_file *pe = NULL;
    kb_error err = {0};
    memset(vi, 0, sizeof *vi);
    if (pe_open_file(path, &pe, &err) != 0 || pe_version_read(pe, vi, &err) != 0)
        fail_msg("%s: %s", path, err.msg);
    pe_close(pe);
}

static void test_fixture_ldr_escrow(void **state)
{
    (void)state;
    static const char *const files[] = {FIXTURE("ldr_escrow_x86.exe"), FIXTURE("ldr_escrow_x64.exe")};
    for (int i = 0; i < 2; i++) {
        pe_version_info vi;
        read_fixture(files[i], &vi);
        assert_int_equal(vi.machine, i ? PE_MACHINE_AMD64 : PE_MACHINE_I386);
        assert_int_equal(vi.is_pe32plus, i == 1);
        assert_true(pe_version_usable(&vi));
        /* the fixed version and the string disagree; both are reported as they are */
        assert_version(vi.file_version, 6, 0, 6002, 24566);
        assert_version(vi.product_version, 6, 0, 6003, 20489);
        const char *fv = pe_version_string(&vi, "FileVersion");
        assert_string_equal(fv, "6.0.6003.20489 (vistasp2_ldr_escrow.190320-1700)");
        pe_file_version_parts p;
        assert_int_equal(pe_split_file_version(fv, &p), 0);
        assert_string_equal(p.branch, "vistasp2_ldr_escrow");
        assert_int_equal(p.parts[3], 20489);
        assert_string_equal(pe_version_string(&vi, "LegalCopyright"), "\xC2\xA9 Microsoft Corporation. All rights reserved.");
        assert_string_equal(pe_version_string(&vi, "ProductName"), "Microsoft\xC2\xAE Windows\xC2\xAE Operating System");
        assert_string_equal(pe_version_string(&vi, "OriginalFilename"), "ntkrnlmp.exe");
        assert_string_equal(pe_version_string(&vi, "FileDescription"), "NT Kernel & System");
        assert_int_equal(vi.n_strings, 8);
        assert_string_equal(vi.string_table, "040904B0");
        assert_int_equal(vi.n_translations, 1);
        assert_int_equal(vi.translations[0], 0x040904B0u);
        assert_int_equal(vi.resource_lang, 0x409);
        assert_int_equal(vi.file_type, 1);
        assert_string_equal(vi.warning, "");
        pe_version_info_free(&vi);
    }
}

static void test_fixture_gdr_dlls(void **state)
{
    (void)state;
    static const char *const files[] = {FIXTURE("gdr_x86.dll"), FIXTURE("gdr_x64.dll")};
    for (int i = 0; i < 2; i++) {
        pe_version_info vi;
        read_fixture(files[i], &vi);
        assert_int_equal(vi.machine, i ? PE_MACHINE_AMD64 : PE_MACHINE_I386);
        assert_version(vi.file_version, 6, 0, 6003, 20512);
        assert_version(vi.product_version, 6, 0, 6003, 20512);
        assert_int_equal(vi.file_type, 2);   /* VFT_DLL */
        pe_file_version_parts p;
        assert_int_equal(pe_split_file_version(pe_version_string(&vi, "FileVersion"), &p), 0);
        assert_string_equal(p.branch, "vistasp2_gdr");
        assert_string_equal(p.stamp, "190508-1654");
        assert_string_equal(pe_version_string(&vi, "InternalName"), "kernel32");
        pe_version_info_free(&vi);
    }
}

static void test_fixture_multilang(void **state)
{
    (void)state;
    static const char *const files[] = {FIXTURE("multilang_x64.exe"), FIXTURE("multilang_x86.dll")};
    for (int i = 0; i < 2; i++) {
        pe_version_info vi;
        read_fixture(files[i], &vi);
        assert_int_equal(vi.n_resource_langs, 2);
        assert_int_equal(vi.resource_langs[0], 0x0409);
        assert_int_equal(vi.resource_langs[1], 0x040C);
        assert_int_equal(vi.n_tables, 2);
        assert_int_equal(vi.tables[0], 0x040904B0u);
        assert_int_equal(vi.tables[1], 0x040704B0u);
        assert_int_equal(vi.n_translations, 2);
        assert_int_equal(vi.translations[1], 0x040704B0u);
        assert_string_equal(vi.string_table, "040904B0");
        assert_int_equal(vi.n_strings, 6);
        assert_string_equal(pe_version_string(&vi, "FileDescription"), "PostScript Printer Driver");
        assert_string_equal(pe_version_string(&vi, "Comments"), "");
        assert_int_equal(vi.file_type, 3);      /* VFT_DRV */
        assert_int_equal(vi.file_subtype, 1);   /* VFT2_DRV_PRINTER */
        assert_version(vi.file_version, 6, 0, 6003, 20555);
        pe_version_info_free(&vi);
    }
}

static void test_fixture_zero_and_none(void **state)
{
    (void)state;
    pe_version_info vi;
    read_fixture(FIXTURE("zero_x86.exe"), &vi);
    assert_true(vi.has_version && vi.has_fixed && vi.version_zero);
    assert_false(pe_version_usable(&vi));
    assert_string_equal(pe_version_string(&vi, "FileVersion"), "");
    assert_string_equal(vi.string_table, "000004B0");
    pe_version_info_free(&vi);
    static const char *const none[] = {FIXTURE("otherres_x64.dll"), FIXTURE("nores_x86.exe"), FIXTURE("nores_x64.dll")};
    for (int i = 0; i < 3; i++) {
        read_fixture(none[i], &vi);
        assert_false(vi.has_version);
        assert_false(pe_version_usable(&vi));
        assert_int_equal(vi.n_strings, 0);
        assert_string_equal(vi.warning, "");
        pe_version_info_free(&vi);
    }
}

static void test_open_errors(void **state)
{
    (void)state;
    pe_file *pe = NULL;
    kb_error err = {0};
    assert_int_equal(pe_open_file(FIXTURE("no-such-file.dll"), &pe, &err), -1);
    assert_int_equal(err.kind, KB_ERR_NOTFOUND);   /* a missing file is "not found", not an I/O error */
    assert_non_null(strstr(err.msg, "no-such-file.dll: cannot open"));
    assert_int_equal(pe_open_file(KBAUDIT_FIXTURE_DIR "/pe", &pe, &err), -1);
    assert_non_null(strstr(err.msg, "not a regular file"));
    assert_int_equal(pe_open_file(KBAUDIT_SOURCE_DIR "/tests/fixtures/pe/gdr.rc", &pe, &err), -1);
    assert_int_equal(err.kind, KB_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "gdr.rc: not a PE file"));
    assert_null(pe);
}

/* Every hand-corrupted fixture gives what tests/fixtures/pe/corrupt.txt expects. */
static void test_corrupted_fixtures(void **state)
{
    (void)state;
    FILE *fp = fopen(FIXTURE("corrupt/expect.tsv"), "r");
    if (fp == NULL)
        fail_msg("%s missing: the pe_corrupt_build test makes it", FIXTURE("corrupt/expect.tsv"));
    char line[512];
    int checked = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        char *name = line, *kind = strchr(name, '\t'), *arg;
        assert_non_null(kind);
        *kind++ = '\0';
        arg = strchr(kind, '\t');
        assert_non_null(arg);
        *arg++ = '\0';
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", FIXTURE("corrupt"), name);
        pe_file *pe = NULL;
        pe_version_info vi;
        memset(&vi, 0, sizeof vi);
        kb_error err = {0};
        int r = pe_open_file(path, &pe, &err);
        if (r == 0)
            r = pe_version_read(pe, &vi, &err);
        if (strcmp(kind, "error") == 0) {
            if (r == 0 || strstr(err.msg, arg) == NULL || strncmp(err.msg, path, strlen(path)) != 0)
                fail_msg("%s: expected an error naming the file and containing \"%s\", got %s", name, arg,
                         r ? err.msg : "success");
        } else {
            if (r != 0)
                fail_msg("%s: expected %s %s, got the error %s", name, kind, arg, err.msg);
            if (strcmp(kind, "noversion") == 0) {
                assert_false(vi.has_version);
            } else if (strcmp(kind, "nofixed") == 0) {
                assert_true(vi.has_version);
                assert_false(vi.has_fixed);
            } else if (strcmp(kind, "version") == 0) {
                char got[64];
                snprintf(got, sizeof got, "%u.%u.%u.%u", vi.file_version[0], vi.file_version[1],
                         vi.file_version[2], vi.file_version[3]);
                if (!vi.has_fixed || strcmp(got, arg) != 0)
                    fail_msg("%s: expected version %s, got %s", name, arg, vi.has_fixed ? got : "none");
            } else if (strcmp(kind, "warning") == 0) {
                if (strstr(vi.warning, arg) == NULL)
                    fail_msg("%s: expected a warning containing \"%s\", got \"%s\"", name, arg, vi.warning);
            } else if (strcmp(kind, "string") == 0) {
                char *eq = strchr(arg, '=');
                assert_non_null(eq);
                *eq = '\0';
                const char *v = pe_version_string(&vi, arg);
                if (v == NULL || strcmp(v, eq + 1) != 0)
                    fail_msg("%s: expected %s=\"%s\", got \"%s\"", name, arg, eq + 1, v ? v : "(absent)");
            } else {
                fail_msg("%s: unknown expectation %s", name, kind);
            }
        }
        pe_version_info_free(&vi);
        pe_close(pe);
        checked++;
    }
    fclose(fp);
    assert_true(checked >= 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crafted_basic),
        cmocka_unit_test(test_crafted_pe32_machines),
        cmocka_unit_test(test_crafted_var_first_two_tables),
        cmocka_unit_test(test_crafted_no_fixed),
        cmocka_unit_test(test_crafted_zero_version),
        cmocka_unit_test(test_crafted_string_edges),
        cmocka_unit_test(test_crafted_misaligned_data),
        cmocka_unit_test(test_crafted_languages),
        cmocka_unit_test(test_crafted_root_errors),
        cmocka_unit_test(test_crafted_child_damage),
        cmocka_unit_test(test_crafted_directory_walk),
        cmocka_unit_test(test_crafted_no_version),
        cmocka_unit_test(test_crafted_headers),
        cmocka_unit_test(test_split_file_version),
        cmocka_unit_test(test_fixture_ldr_escrow),
        cmocka_unit_test(test_fixture_gdr_dlls),
        cmocka_unit_test(test_fixture_multilang),
        cmocka_unit_test(test_fixture_zero_and_none),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_corrupted_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
