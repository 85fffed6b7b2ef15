/* Installed servicing packages: the Component Based Servicing\Packages keys of the SOFTWARE
 * hive (identity, CurrentState, install client and time), matched with their .mum manifests
 * in %windir%\servicing\Packages. Windows Vista / 2008 have no PackageIndex key, so the .mum
 * files are the second source: every package key is matched with its .mum, and a KB
 * package that has a manifest but no registry key is listed too, without a state. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts_internal.h"
#include "kbaudit/mum.h"

static int cmp_ci(const void *a, const void *b)
{
    return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static char *slice_dup(mum_slice s)
{
    return kb_strndup(s.p ? s.p : "", s.n);
}

/* The KB number (and N of Package_N_for_KB...) of an identity or .mum file name stem: from
 * its name field when it is Name~Token~Arch~Lang~Version, else from the whole string. */
static uint32_t identity_kb(const char *identity, mum_package_id *id, bool *parsed, int32_t *index)
{
    kb_error e = {0};
    size_t n = strlen(identity);
    *parsed = mum_package_id_parse(identity, n, id, &e) == 0;
    if (*parsed) {
        *index = id->index;
        return id->kb;
    }
    uint32_t kb = 0;
    mum_slice suffix;
    if (!mum_package_name_kb(identity, n, &kb, index, &suffix))
        kb = 0, *index = -1;
    return kb;
}

static facts_package *add_package(kb_facts *f, const char *identity)
{
    void *v = f->packages;
    if (kb_array_room(&v, f->npackages, sizeof *f->packages) != 0)
        return NULL;
    f->packages = v;
    facts_package *p = &f->packages[f->npackages];
    memset(p, 0, sizeof *p);
    mum_package_id id;
    bool parsed;
    p->identity = strdup(identity);
    p->kb = identity_kb(identity, &id, &parsed, &p->index);
    if (parsed) {
        p->name = slice_dup(id.name);
        p->arch = slice_dup(id.arch);
        p->version = slice_dup(id.version);
    } else {
        p->name = strdup(identity);   /* not Name~Token~Arch~Lang~Version: the whole key name */
    }
    f->npackages++;
    return p;
}

static void read_registry_package(kb_facts *f, kb_target *t, facts_package *p)
{
    kb_buf key = KB_BUF_INIT, s = KB_BUF_INIT;
    kb_buf_printf(&key, CBS_KEY "\\Packages\\%s", p->identity);
    p->source = facts_source(f, KB_HIVE_SOFTWARE, key.data, NULL);
    p->has_key = true;
    kb_error e = {0};
    /* CurrentState decides the audit: a corrupt one makes the hive corrupt */
    if (target_reg_dword(t, KB_HIVE_SOFTWARE, key.data, "CurrentState", &p->state, &e) == 0)
        p->has_state = true;
    else if (e.kind != KB_ERR_NOTFOUND) {
        char *what = facts_source(f, KB_HIVE_SOFTWARE, key.data, "CurrentState");
        facts_read_failed(f, KB_HIVE_SOFTWARE, &e, what ? what : "CurrentState");
        free(what);
    }
    /* the install client and time are only shown: a corrupt one is a warning */
    e.kind = KB_OK;
    if (target_reg_string(t, KB_HIVE_SOFTWARE, key.data, "InstallClient", &s, &e) == 0)
        p->install_client = strdup(s.data ? s.data : "");
    else if (e.kind != KB_ERR_NOTFOUND)
        facts_warn(f, "%s\\InstallClient: %s", p->source, e.msg);
    uint32_t hi, lo;
    e.kind = KB_OK;
    if (target_reg_dword(t, KB_HIVE_SOFTWARE, key.data, "InstallTimeHigh", &hi, &e) == 0 &&
        target_reg_dword(t, KB_HIVE_SOFTWARE, key.data, "InstallTimeLow", &lo, &e) == 0) {
        p->has_install_time = true;
        p->install_time = (uint64_t)hi << 32 | lo;
    } else if (e.kind != KB_ERR_NOTFOUND) {
        facts_warn(f, "%s\\InstallTime: %s", p->source, e.msg);
    }
    kb_buf_free(&key);
    kb_buf_free(&s);
}

static void read_manifest(kb_facts *f, kb_target *t, facts_package *p, const char *file_name)
{
    kb_buf spec = KB_BUF_INIT;
    kb_buf_printf(&spec, "servicing\\Packages\\%s", file_name);
    char *host = NULL;
    kb_error e = {0};
    if (target_file(t, spec.data, &host, &e) != 0) {
        if (e.kind == KB_ERR_DENIED)
            facts_denied(f, spec.data, e.msg);
        else
            facts_warn(f, "%s", e.msg);
        kb_buf_free(&spec);
        return;
    }
    p->mum_path = strdup(target_relative(t, host));   /* as on disk: WINDOWS/SERVICING/... */
    p->has_mum = true;
    mum_manifest m;
    memset(&m, 0, sizeof m);
    if (mum_read_file(host, &m, &e) == 0) {
        p->mum_identifier = facts_strdup(m.identifier);
        p->mum_release_type = facts_strdup(m.release_type);
        p->mum_restart = facts_strdup(m.restart_text);
        if (m.kb && p->kb && m.kb != p->kb)
            facts_warn(f, "%s names KB%u but its manifest says %s", p->identity, p->kb, m.identifier);
    } else {
        p->mum_error = strdup(e.msg);
        if (e.kind == KB_ERR_DENIED)
            facts_denied(f, p->mum_path, e.msg);
        else
            facts_warn(f, "%s", e.msg);
    }
    mum_manifest_free(&m);
    free(host);
    kb_buf_free(&spec);
}

/* The .mum file names of servicing\Packages, sorted case-insensitively (NULL if none). */
static char **list_manifests(kb_facts *f, kb_target *t, size_t *n)
{
    char **names = NULL;
    *n = 0;
    kb_error e = {0};
    if (!f->files_available || target_list_dir(t, "servicing\\Packages", &names, n, &e) != 0) {
        if (f->files_available && e.kind == KB_ERR_DENIED)
            facts_denied(f, "servicing\\Packages", e.msg);
        else if (f->files_available && e.kind != KB_ERR_NOTFOUND)
            facts_warn(f, "servicing\\Packages: %s", e.msg);
        return NULL;
    }
    qsort(names, *n, sizeof *names, cmp_ci);
    return names;
}

void facts_gather_packages(kb_facts *f, kb_target *t)
{
    char **keys = NULL, **odd = NULL;
    size_t nkeys = 0, nodd = 0, nmums = 0;
    kb_error e = {0};
    if (target_reg_subkeys(t, KB_HIVE_SOFTWARE, CBS_KEY "\\Packages", &keys, &nkeys, &odd, &nodd, &e) != 0 &&
        e.kind != KB_ERR_NOTFOUND) {
        char *what = facts_source(f, KB_HIVE_SOFTWARE, CBS_KEY "\\Packages", NULL);
        facts_read_failed(f, KB_HIVE_SOFTWARE, &e, what ? what : "CBS Packages");
        free(what);
    }
    for (size_t i = 0; i < nodd; i++)
        facts_warn(f, "SOFTWARE\\" CBS_KEY "\\Packages: skipped the subkey \"%s\": a NUL or backslash in "
                      "its name, so no key path reaches it", odd[i]);
    target_free_names(odd, nodd);
    char **mums = list_manifests(f, t, &nmums);
    bool *matched = calloc(nmums ? nmums : 1, sizeof *matched);
    kb_buf want = KB_BUF_INIT;
    for (size_t i = 0; i < nkeys && matched; i++) {
        facts_package *p = add_package(f, keys[i]);
        if (p == NULL)
            break;
        read_registry_package(f, t, p);
        if (mums == NULL)
            continue;
        kb_buf_reset(&want);
        kb_buf_printf(&want, "%s.mum", keys[i]);
        const char *key = want.data;
        char **hit = bsearch(&key, mums, nmums, sizeof *mums, cmp_ci);
        if (hit) {
            matched[hit - mums] = true;
            read_manifest(f, t, p, *hit);
        }
    }
    /* KB manifests without a registry key: known to exist on disk, state unknown */
    for (size_t i = 0; i < nmums && matched; i++) {
        size_t len = strlen(mums[i]);
        if (matched[i] || len < 5 || strcasecmp(mums[i] + len - 4, ".mum") != 0)
            continue;
        char *identity = kb_strndup(mums[i], len - 4);
        mum_package_id id;
        bool parsed;
        int32_t index;
        if (identity == NULL || identity_kb(identity, &id, &parsed, &index) == 0) {
            free(identity);
            continue;
        }
        facts_package *p = add_package(f, identity);
        free(identity);
        if (p == NULL)
            break;
        read_manifest(f, t, p, mums[i]);
        p->source = facts_strdup(p->mum_path);
    }
    kb_buf_free(&want);
    free(matched);
    target_free_names(keys, nkeys);
    target_free_names(mums, nmums);
}
