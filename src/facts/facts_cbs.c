/* Installed servicing packages: the Component Based Servicing\Packages keys of the SOFTWARE
 * hive (identity, CurrentState, install client and time), matched with their .mum manifests
 * in %windir%\servicing\Packages. Windows Vista / 2008 have no PackageIndex key, so the .mum
 * files are the second source: a KB package that has a manifest but no registry key is
 * listed too, without a state. */
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
    return strndup(s.p ? s.p : "", s.n);
}

static facts_package *add_package(kb_facts *f, const char *identity)
{
    facts_package *v = realloc(f->packages, (f->npackages + 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    f->packages = v;
    facts_package *p = &v[f->npackages];
    memset(p, 0, sizeof *p);
    p->index = -1;
    mum_package_id id;
    kb_error e = {0};
    p->identity = strdup(identity);
    if (mum_package_id_parse(identity, strlen(identity), &id, &e) == 0) {
        p->name = slice_dup(id.name);
        p->arch = slice_dup(id.arch);
        p->version = slice_dup(id.version);
        p->kb = id.kb;
        p->index = id.index;
    } else {
        /* not Name~Token~Arch~Lang~Version: keep the whole key name as the name */
        p->name = strdup(identity);
        uint32_t kb = 0;
        int32_t index = -1;
        mum_slice suffix;
        if (mum_package_name_kb(identity, strlen(identity), &kb, &index, &suffix))
            p->kb = kb, p->index = index;
    }
    f->npackages++;
    return p;
}

static void read_registry_package(kb_facts *f, kb_target *t, facts_package *p)
{
    kb_buf key = KB_BUF_INIT, s = KB_BUF_INIT;
    kb_buf_printf(&key, CBS_KEY "\\Packages\\%s", p->identity);
    p->source = facts_source(KB_HIVE_SOFTWARE, key.data, NULL);
    kb_error e = {0};
    if (target_reg_dword(t, KB_HIVE_SOFTWARE, key.data, "CurrentState", &p->state, &e) == 0)
        p->has_state = true;
    else if (e.kind != KB_ERR_NOTFOUND)
        facts_warn(f, "%s\\CurrentState: %s", p->source, e.msg);
    if (target_reg_string(t, KB_HIVE_SOFTWARE, key.data, "InstallClient", &s, &e) == 0)
        p->install_client = strdup(s.data ? s.data : "");
    uint32_t hi, lo;
    if (target_reg_dword(t, KB_HIVE_SOFTWARE, key.data, "InstallTimeHigh", &hi, &e) == 0 &&
        target_reg_dword(t, KB_HIVE_SOFTWARE, key.data, "InstallTimeLow", &lo, &e) == 0) {
        p->has_install_time = true;
        p->install_time = (uint64_t)hi << 32 | lo;
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
        facts_warn(f, "%s", e.msg);
        kb_buf_free(&spec);
        return;
    }
    kb_buf rel = KB_BUF_INIT;
    kb_buf_printf(&rel, "%s/servicing/Packages/%s", f->windows_dir, file_name);
    p->mum_path = rel.data;
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
        if (f->files_available && e.kind != KB_ERR_NOTFOUND)
            facts_warn(f, "servicing\\Packages: %s", e.msg);
        return NULL;
    }
    qsort(names, *n, sizeof *names, cmp_ci);
    return names;
}

void facts_gather_packages(kb_facts *f, kb_target *t)
{
    char **keys = NULL;
    size_t nkeys = 0, nmums = 0;
    kb_error e = {0};
    if (target_reg_subkeys(t, KB_HIVE_SOFTWARE, CBS_KEY "\\Packages", &keys, &nkeys, &e) != 0 &&
        e.kind != KB_ERR_NOTFOUND)
        facts_warn(f, "SOFTWARE\\" CBS_KEY "\\Packages: %s", e.msg);
    char **mums = list_manifests(f, t, &nmums);
    bool *matched = calloc(nmums ? nmums : 1, sizeof *matched);
    kb_buf want = KB_BUF_INIT;
    for (size_t i = 0; i < nkeys && matched; i++) {
        facts_package *p = add_package(f, keys[i]);
        if (p == NULL)
            break;
        read_registry_package(f, t, p);
        if (p->kb == 0 || mums == NULL)
            continue;   /* manifests are read for KB packages only */
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
        uint32_t kb;
        int32_t index;
        mum_slice suffix;
        if (matched[i] || len < 5 || strcasecmp(mums[i] + len - 4, ".mum") != 0 ||
            !mum_package_name_kb(mums[i], len - 4, &kb, &index, &suffix))
            continue;
        char *identity = strndup(mums[i], len - 4);
        facts_package *p = identity ? add_package(f, identity) : NULL;
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
