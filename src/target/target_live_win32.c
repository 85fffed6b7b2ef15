/* The live target: the running Windows system kbaudit.exe runs on. The registry is read
 * through the Win32 API, always in its 64-bit view (KEY_WOW64_64KEY, so a 32-bit exe on
 * x64 Windows sees HKLM\SOFTWARE and not Wow6432Node), and only with KEY_READ. Files live
 * under the system's Windows directory (GetSystemWindowsDirectoryW) and are read through
 * the evidence layer, which turns the WOW64 file-system redirector off. Provenance is
 * written as the system names it: "HKLM\SOFTWARE\...", "C:\Windows\System32\...".
 *
 * A key, value or file the system refuses (not elevated) is KB_ERR_DENIED, which facts
 * record as denied evidence; the audit is then at best inconclusive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbaudit/evidence.h"
#include "kbaudit/win32.h"
#include "target_internal.h"

#define LIVE_SAM (KEY_READ | KEY_WOW64_64KEY)
/* no value kbaudit reads comes near this; a larger one is refused, not allocated */
#define LIVE_VALUE_MAX (64u << 20)

typedef struct live_state {
    HKEY hive[2];        /* HKLM\SOFTWARE, HKLM\SYSTEM (NULL when they cannot be opened) */
    LONG hive_status[2];
} live_state;

static live_state *state(kb_target *t) { return t->backend; }

/* "HKLM\SOFTWARE\key" for messages. */
static void key_label(kb_target *t, kb_hive_id id, const char *key, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s", target_hive_label(t, id), key && *key ? "\\" : "", key ? key : "");
}

static int hive_open(kb_target *t, kb_hive_id id, kb_error *err)
{
    live_state *s = state(t);
    if (s->hive[id] != NULL)
        return 0;
    return kb_win_error_set(err, (DWORD)s->hive_status[id], target_hive_label(t, id), "cannot open");
}

/* Opens HIVE\KEY for reading; *k is NULL on failure (err set, KB_ERR_NOTFOUND when absent). */
static int open_key(kb_target *t, kb_hive_id id, const char *key, HKEY *k, kb_error *err)
{
    *k = NULL;
    if (hive_open(t, id, err) != 0)
        return -1;
    char label[1024];
    key_label(t, id, key, label, sizeof label);
    wchar_t *w = kb_win_wide(key ? key : "", false);
    if (w == NULL)
        return kb_error_set(err, KB_ERR_NOTFOUND, "%s: not a valid key name", label);
    LONG rc = RegOpenKeyExW(state(t)->hive[id], w, 0, LIVE_SAM, k);
    free(w);
    if (rc != ERROR_SUCCESS) {
        *k = NULL;
        return kb_win_error_set(err, (DWORD)rc, label, "cannot open the key");
    }
    return 0;
}

static int key_exists(kb_target *t, kb_hive_id id, const char *key, bool *exists, kb_error *err)
{
    HKEY k;
    kb_error e = {0};
    *exists = false;
    if (open_key(t, id, key, &k, &e) == 0) {
        RegCloseKey(k);
        *exists = true;
        return 0;
    }
    if (e.kind == KB_ERR_NOTFOUND && state(t)->hive[id] != NULL)
        return 0;
    if (err)
        *err = e;
    return -1;
}

/* Reads HIVE\KEY\VALUE: its type and data (appended to out). */
static int query(kb_target *t, kb_hive_id id, const char *key, const char *value, DWORD *type, kb_buf *out,
                 kb_error *err)
{
    HKEY k;
    if (open_key(t, id, key, &k, err) != 0)
        return -1;
    char label[1200];
    key_label(t, id, key, label, sizeof label);
    size_t n = strlen(label);
    snprintf(label + n, sizeof label - n, "\\%s", value);
    wchar_t *w = kb_win_wide(value, false);
    if (w == NULL) {
        RegCloseKey(k);
        return kb_error_set(err, KB_ERR_NOTFOUND, "%s: not a valid value name", label);
    }
    LONG rc;
    DWORD size = 0;
    size_t base = out->len;
    /* the size first, then the data; a value that grows in between is read again */
    for (int tries = 0; tries < 4; tries++) {
        rc = RegQueryValueExW(k, w, NULL, type, NULL, &size);
        if (rc != ERROR_SUCCESS)
            break;
        if (size > LIVE_VALUE_MAX) {
            RegCloseKey(k);
            free(w);
            return kb_error_set(err, KB_ERR_FORMAT, "%s: %lu bytes, larger than the %u MiB limit", label,
                                (unsigned long)size, LIVE_VALUE_MAX >> 20);
        }
        if (kb_buf_reserve(out, size + 2) != 0) {
            rc = ERROR_NOT_ENOUGH_MEMORY;
            break;
        }
        DWORD got = size;
        rc = RegQueryValueExW(k, w, NULL, type, (BYTE *)out->data + base, &got);
        if (rc == ERROR_SUCCESS) {
            out->len = base + got;
            out->data[out->len] = '\0';
            break;
        }
        if (rc != ERROR_MORE_DATA)
            break;
    }
    RegCloseKey(k);
    free(w);
    if (rc != ERROR_SUCCESS)
        return kb_win_error_set(err, (DWORD)rc, label, "cannot read the value");
    return 0;
}

static const char *type_name(DWORD type, char *buf, size_t size)
{
    const char *n = regf_type_name(type);
    if (n)
        return n;
    snprintf(buf, size, "type %lu", (unsigned long)type);
    return buf;
}

/* A value of another type than asked for is a wrong value (KB_ERR_FORMAT), as offline. */
static int check_type(kb_target *t, kb_hive_id id, const char *key, const char *value, DWORD type, DWORD want1,
                      DWORD want2, const char *want, kb_error *err)
{
    if (type == want1 || type == want2)
        return 0;
    char label[1024], tn[24];
    key_label(t, id, key, label, sizeof label);
    return kb_error_set(err, KB_ERR_FORMAT, "%s: value \"%s\" is %s, not %s", label, value, type_name(type, tn, sizeof tn),
                        want);
}

static int reg_string(kb_target *t, kb_hive_id id, const char *key, const char *value, kb_buf *out, kb_error *err)
{
    kb_buf raw = KB_BUF_INIT;
    DWORD type = 0;
    int r = query(t, id, key, value, &type, &raw, err);
    if (r == 0)
        r = check_type(t, id, key, value, type, REG_SZ, REG_EXPAND_SZ, "REG_SZ or REG_EXPAND_SZ", err);
    if (r == 0) {
        /* as the offline reader: the string ends at its first NUL (or the data's end) */
        size_t units = raw.len / 2, end = 0;
        const wchar_t *w = (const wchar_t *)(void *)raw.data;
        while (end < units && w[end] != 0)
            end++;
        if (kb_win_put_utf8(out, w, (int)end) != 0)
            r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    kb_buf_free(&raw);
    return r;
}

static int reg_dword(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t *out, kb_error *err)
{
    kb_buf raw = KB_BUF_INIT;
    DWORD type = 0;
    int r = query(t, id, key, value, &type, &raw, err);
    if (r == 0)
        r = check_type(t, id, key, value, type, REG_DWORD, REG_DWORD, "REG_DWORD", err);
    if (r == 0 && raw.len != 4) {   /* as offline: anything but 4 bytes is a corrupt value */
        char label[1024];
        key_label(t, id, key, label, sizeof label);
        r = kb_error_set(err, KB_ERR_FORMAT, "%s: value \"%s\" is a REG_DWORD of %zu bytes", label, value, raw.len);
    }
    if (r == 0)
        *out = (uint32_t)(uint8_t)raw.data[0] | (uint32_t)(uint8_t)raw.data[1] << 8 |
               (uint32_t)(uint8_t)raw.data[2] << 16 | (uint32_t)(uint8_t)raw.data[3] << 24;
    kb_buf_free(&raw);
    return r;
}

static int reg_value(kb_target *t, kb_hive_id id, const char *key, const char *value, uint32_t type, kb_buf *out,
                     kb_error *err)
{
    kb_buf raw = KB_BUF_INIT;
    DWORD got = 0;
    char tn[24];
    int r = query(t, id, key, value, &got, &raw, err);
    if (r == 0)
        r = check_type(t, id, key, value, got, type, type, type_name(type, tn, sizeof tn), err);
    if (r == 0 && kb_buf_append(out, raw.data ? raw.data : "", raw.len) != 0)
        r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    kb_buf_free(&raw);
    return r;
}

static int reg_subkeys(kb_target *t, kb_hive_id id, const char *key, char ***names, size_t *n, char ***skipped,
                       size_t *nskipped, kb_error *err)
{
    *names = NULL;
    *n = 0;
    if (skipped)
        *skipped = NULL, *nskipped = 0;
    HKEY k;
    if (open_key(t, id, key, &k, err) != 0)
        return -1;
    char label[1024];
    key_label(t, id, key, label, sizeof label);
    wchar_t name[256];   /* a key name is at most 255 characters */
    int r = 0;
    kb_buf u = KB_BUF_INIT;
    for (DWORD i = 0; r == 0; i++) {
        DWORD len = sizeof name / sizeof name[0];
        LONG rc = RegEnumKeyExW(k, i, name, &len, NULL, NULL, NULL, NULL);
        if (rc == ERROR_NO_MORE_ITEMS)
            break;
        if (rc != ERROR_SUCCESS) {
            r = kb_win_error_set(err, (DWORD)rc, label, "cannot list the subkeys");
            break;
        }
        kb_buf_reset(&u);
        if (kb_win_put_utf8(&u, name, (int)len) != 0) {
            r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
            break;
        }
        const char *s = u.data ? u.data : "";
        if (strlen(s) != u.len || strchr(s, '\\'))   /* no key path reaches it */
            r = skipped ? target_push_name(skipped, nskipped, target_escape_name(s, u.len), err) : 0;
        else
            r = target_push_name(names, n, strdup(s), err);
    }
    kb_buf_free(&u);
    RegCloseKey(k);
    if (r != 0) {
        target_free_names(*names, *n);
        *names = NULL, *n = 0;
        if (skipped) {
            target_free_names(*skipped, *nskipped);
            *skipped = NULL, *nskipped = 0;
        }
    }
    return r;
}

/* WINPATH below the Windows directory ("System32\ntoskrnl.exe"), or below the system drive's
 * root with a leading '\', as "C:\Windows\System32\ntoskrnl.exe". ".." is refused. */
static int live_path(kb_target *t, const char *winpath, kb_buf *out, kb_error *err)
{
    const char *base = t->windir;
    size_t baselen = strlen(base);
    if (winpath[0] == '\\' || winpath[0] == '/')
        baselen = base[1] == ':' ? 2 : baselen;   /* "C:" */
    if (kb_buf_append(out, base, baselen) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    const char *p = winpath;
    while (*p) {
        while (*p == '\\' || *p == '/')
            p++;
        size_t n = strcspn(p, "\\/");
        if (n == 0)
            break;
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return kb_error_set(err, KB_ERR_USAGE, "%s: refused: \"..\"", winpath);
        if (!(n == 1 && p[0] == '.') && (kb_buf_putc(out, '\\') || kb_buf_append(out, p, n)))
            return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        p += n;
    }
    return 0;
}

static int live_file(kb_target *t, const char *winpath, char **host, kb_error *err)
{
    *host = NULL;
    kb_buf p = KB_BUF_INIT;
    kb_path_kind kind;
    if (live_path(t, winpath, &p, err) != 0 || kb_path_kind_of(p.data, &kind, err) != 0) {
        kb_buf_free(&p);
        return -1;
    }
    if (kind == KB_PATH_NONE) {
        kb_error_set(err, KB_ERR_NOTFOUND, "%s: not found", p.data);
        kb_buf_free(&p);
        return -1;
    }
    *host = p.data;
    return 0;
}

static char *live_show_path(kb_target *t, const char *dir, const char *name)
{
    kb_buf p = KB_BUF_INIT, spec = KB_BUF_INIT;
    kb_error e = {0};
    if (kb_buf_printf(&spec, "%s\\%s", dir, name) != 0 || live_path(t, spec.data, &p, &e) != 0)
        kb_buf_free(&p);
    kb_buf_free(&spec);
    return p.data;
}

static void live_close(kb_target *t)
{
    live_state *s = state(t);
    if (s == NULL)
        return;
    for (int i = 0; i < 2; i++)
        if (s->hive[i])
            RegCloseKey(s->hive[i]);
    free(s);
    t->backend = NULL;
}

static const target_ops live_ops = {
    hive_open, key_exists, reg_string, reg_dword, reg_value, reg_subkeys, live_file, live_show_path, live_close,
};

int target_open_live(kb_target **out, kb_error *err)
{
    *out = NULL;
    kb_target *t = calloc(1, sizeof *t);
    live_state *s = calloc(1, sizeof *s);
    wchar_t dir[MAX_PATH + 1];
    UINT n = GetSystemWindowsDirectoryW(dir, sizeof dir / sizeof dir[0]);
    if (t == NULL || s == NULL) {
        free(t), free(s);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    t->kind = KB_TARGET_LIVE;
    t->ops = &live_ops;
    t->backend = s;
    t->windir_found_by = "GetSystemWindowsDirectory";
    if (n == 0 || n > MAX_PATH || (t->windir = kb_win_utf8(dir)) == NULL) {
        target_close(t);
        return kb_error_set(err, KB_ERR_IO, "the Windows directory of this system is unknown (GetSystemWindowsDirectoryW)");
    }
    size_t len = strlen(t->windir);
    if (len > 3 && t->windir[len - 1] == '\\')
        t->windir[len - 1] = '\0';
    static const wchar_t *const roots[2] = {L"SOFTWARE", L"SYSTEM"};
    for (int i = 0; i < 2; i++) {
        t->hive_path[i] = strdup(target_hive_label(t, (kb_hive_id)i));
        s->hive_status[i] = RegOpenKeyExW(HKEY_LOCAL_MACHINE, roots[i], 0, LIVE_SAM, &s->hive[i]);
        if (s->hive_status[i] != ERROR_SUCCESS)
            s->hive[i] = NULL;
    }
    if (t->hive_path[0] == NULL || t->hive_path[1] == NULL) {
        target_close(t);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    if (hive_open(t, KB_HIVE_SOFTWARE, err) != 0) {
        target_close(t);
        return -1;
    }
    *out = t;
    return 0;
}
