/* pe_version_read: find the RT_VERSION resources, read the first one, and the small
 * helpers around the result (usable, string lookup, machine names, freeing). */
#include "pe_internal.h"

#include <stdio.h>
#include <stdlib.h>

static int read_leaf(const pe_file *pe, const pe_rsrc_leaf *leaf, pe_version_info *out, kb_error *err)
{
    if (leaf->data_size == 0) {
        snprintf(out->warning, sizeof out->warning,
                 "%s: resource data entry at 0x%x: the RT_VERSION resource is empty", pe->name, leaf->entry_off);
        return 0;
    }
    uint32_t avail = pe_rva_avail(pe, leaf->data_rva);
    uint32_t size = leaf->data_size < PE_MAX_VERSION_SIZE ? leaf->data_size : PE_MAX_VERSION_SIZE;
    /* A Size larger than the file holds (truncated file, lying field): read what is there,
     * and the block lengths inside decide whether that was enough. */
    bool cut = avail != 0 && avail < size;
    if (cut)
        size = avail;
    const uint8_t *blob = pe_rva_ptr(pe, leaf->data_rva, size, "RT_VERSION resource data", err);
    if (blob == NULL)
        return -1;
    uint32_t blob_off = pe_rva_to_offset(pe, leaf->data_rva);
    if (pe_verinfo_parse(pe, blob, size, blob_off, out, err) != 0) {
        if (cut && err) {
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n, " (truncated: the data entry says %u bytes, the file holds %u)",
                     leaf->data_size, size);
        }
        return -1;
    }
    return 0;
}

int pe_version_read(const pe_file *pe, pe_version_info *out, kb_error *err)
{
    memset(out, 0, sizeof *out);
    out->machine = pe->machine;
    out->is_pe32plus = pe->pe32plus;
    pe_rsrc_leaf *leaves = malloc(PE_MAX_LANGS * sizeof *leaves);
    if (leaves == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", pe->name);
    size_t n = 0;
    int rc = pe_rsrc_find_versions(pe, leaves, &n, err);
    if (rc == 0 && n > 0) {
        out->resource_langs = malloc(n * sizeof *out->resource_langs);
        if (out->resource_langs == NULL) {
            rc = kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", pe->name);
        } else {
            for (size_t i = 0; i < n; i++)
                out->resource_langs[i] = leaves[i].lang;
            out->n_resource_langs = n;
            out->resource_lang = leaves[0].lang;
            rc = read_leaf(pe, &leaves[0], out, err);
        }
    }
    free(leaves);
    return rc;
}

void pe_version_info_free(pe_version_info *vi)
{
    if (vi == NULL)
        return;
    for (size_t i = 0; i < vi->n_strings; i++) {
        free(vi->strings[i].key);
        free(vi->strings[i].value);
    }
    free(vi->strings);
    free(vi->resource_langs);
    free(vi->tables);
    free(vi->translations);
    vi->strings = NULL;
    vi->resource_langs = NULL;
    vi->tables = vi->translations = NULL;
    vi->n_strings = vi->n_resource_langs = vi->n_tables = vi->n_translations = 0;
}

bool pe_version_usable(const pe_version_info *vi)
{
    return vi->has_version && vi->has_fixed && !vi->version_zero;
}

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

const char *pe_version_string(const pe_version_info *vi, const char *key)
{
    for (size_t i = 0; i < vi->n_strings; i++) {
        const char *a = vi->strings[i].key, *b = key;
        while (*a && ascii_lower((unsigned char)*a) == ascii_lower((unsigned char)*b))
            a++, b++;
        if (*a == '\0' && *b == '\0')
            return vi->strings[i].value;
    }
    return NULL;
}

const char *pe_machine_name(uint16_t machine)
{
    switch (machine) {
    case PE_MACHINE_I386: return "x86";
    case PE_MACHINE_AMD64: return "x64";
    case PE_MACHINE_IA64: return "ia64";
    default: return NULL;
    }
}
