/* The resource directory walk: root (types) -> RT_VERSION -> names -> languages -> data
 * entries. The tree is walked with an explicit stack, bounded in depth and in the number of
 * entries read, and a subdirectory that leads back to one of its ancestors is refused, so a
 * hostile tree can neither recurse without end nor loop. */
#include "pe_internal.h"

typedef struct rsrc_dir {
    uint32_t off;                  /* offset from the start of the resource directory */
    const uint8_t *entries;
    uint32_t count;
} rsrc_dir;

typedef struct rsrc_frame {
    rsrc_dir dir;
    uint32_t next;                 /* next entry to look at */
} rsrc_frame;

/* Maps the directory table at `off` and its entries. */
static int read_dir(const pe_file *pe, uint32_t off, rsrc_dir *d, kb_error *err)
{
    uint64_t rva = (uint64_t)pe->rsrc_rva + off;
    if (rva > UINT32_MAX)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: resource directory offset 0x%x lies past the 4 GiB address space",
                            pe->name, off);
    const uint8_t *t = pe_rva_ptr(pe, (uint32_t)rva, RSRC_DIR_SIZE, "resource directory table", err);
    if (t == NULL)
        return -1;
    uint32_t count = (uint32_t)rd16(t + RSRC_DIR_NNAMED) + rd16(t + RSRC_DIR_NIDS);
    uint32_t avail = pe_rva_avail(pe, (uint32_t)rva) - RSRC_DIR_SIZE;   /* to the end of the file */
    if ((uint64_t)count * RSRC_ENTRY_SIZE > avail)
        return kb_error_set(err, KB_ERR_FORMAT,
                            "%s: resource directory at 0x%x: entry count %u runs past the end of the file (room for %u): truncated or corrupt",
                            pe->name, pe_rva_to_offset(pe, (uint32_t)rva), count, avail / RSRC_ENTRY_SIZE);
    d->off = off;
    d->entries = t + RSRC_DIR_SIZE;
    d->count = count;
    return 0;
}

static int read_leaf(const pe_file *pe, uint32_t off, uint16_t lang, pe_rsrc_leaf *leaf, kb_error *err)
{
    uint64_t rva = (uint64_t)pe->rsrc_rva + off;
    if (rva > UINT32_MAX)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: resource data entry offset 0x%x lies past the 4 GiB address space",
                            pe->name, off);
    const uint8_t *e = pe_rva_ptr(pe, (uint32_t)rva, RSRC_DATA_SIZE, "resource data entry", err);
    if (e == NULL)
        return -1;
    leaf->lang = lang;
    leaf->data_rva = rd32(e);
    leaf->data_size = rd32(e + 4);
    leaf->entry_off = pe_rva_to_offset(pe, (uint32_t)rva);
    return 0;
}

/* The RT_VERSION subdirectory of the root, or 0 (with *found false) if there is none. */
static int find_type(const pe_file *pe, const rsrc_dir *root, uint32_t *sub, bool *found, kb_error *err)
{
    *found = false;
    for (uint32_t i = 0; i < root->count; i++) {
        const uint8_t *e = root->entries + (size_t)i * RSRC_ENTRY_SIZE;
        uint32_t name = rd32(e), target = rd32(e + 4);
        if ((name & RSRC_HIGH_BIT) || name != RT_VERSION)
            continue;
        if (!(target & RSRC_HIGH_BIT))
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: resource directory at 0x%x: the RT_VERSION entry points to data, not to a directory",
                                pe->name, pe_rva_to_offset(pe, pe->rsrc_rva));
        *sub = target & ~RSRC_HIGH_BIT;
        *found = true;
        return 0;
    }
    return 0;
}

int pe_rsrc_find_versions(const pe_file *pe, pe_rsrc_leaf *leaves, size_t *n, kb_error *err)
{
    *n = 0;
    if (pe->rsrc_rva == 0)
        return 0;
    rsrc_dir root;
    if (read_dir(pe, 0, &root, err) != 0)
        return -1;
    uint32_t sub;
    bool found;
    if (find_type(pe, &root, &sub, &found, err) != 0)
        return -1;
    if (!found)
        return 0;

    rsrc_frame stack[PE_MAX_RSRC_DEPTH];
    int depth = 0;
    uint32_t budget = PE_MAX_RSRC_ENTRIES - root.count;
    if (sub == 0)
        return kb_error_set(err, KB_ERR_FORMAT, "%s: resource directory: the RT_VERSION entry leads back to the root (a loop)",
                            pe->name);
    if (read_dir(pe, sub, &stack[0].dir, err) != 0)
        return -1;
    stack[0].next = 0;
    while (depth >= 0 && *n < PE_MAX_LANGS) {
        rsrc_frame *f = &stack[depth];
        if (f->next >= f->dir.count) {
            depth--;
            continue;
        }
        if (budget-- == 0)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: resource directory: more than %u entries, giving up",
                                pe->name, PE_MAX_RSRC_ENTRIES);
        const uint8_t *e = f->dir.entries + (size_t)f->next * RSRC_ENTRY_SIZE;
        f->next++;
        uint32_t name = rd32(e), target = rd32(e + 4);
        if (!(target & RSRC_HIGH_BIT)) {
            /* a leaf: the entry naming it gives the language (named ones have none) */
            uint16_t lang = (name & RSRC_HIGH_BIT) ? 0 : (uint16_t)name;
            if (read_leaf(pe, target, lang, &leaves[*n], err) != 0)
                return -1;
            ++*n;
            continue;
        }
        uint32_t child = target & ~RSRC_HIGH_BIT;
        if (depth + 1 >= PE_MAX_RSRC_DEPTH)
            return kb_error_set(err, KB_ERR_FORMAT, "%s: resource directory at 0x%x: nested more than %d levels below RT_VERSION",
                                pe->name, pe_rva_to_offset(pe, pe->rsrc_rva + f->dir.off), PE_MAX_RSRC_DEPTH);
        bool loop = child == 0;
        for (int i = 0; i <= depth && !loop; i++)
            loop = stack[i].dir.off == child;
        if (loop)
            return kb_error_set(err, KB_ERR_FORMAT,
                                "%s: resource directory at 0x%x: entry %u leads back to the directory at offset 0x%x (a loop)",
                                pe->name, pe_rva_to_offset(pe, pe->rsrc_rva + f->dir.off), f->next - 1, child);
        if (read_dir(pe, child, &stack[depth + 1].dir, err) != 0)
            return -1;
        stack[++depth].next = 0;
    }
    return 0;
}
