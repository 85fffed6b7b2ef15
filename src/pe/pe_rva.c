/* RVA to file data through the section table. Every read of resource data goes through
 * pe_rva_ptr, which only hands out bytes that are inside one section's file data. */
#include "pe_internal.h"

/* The first section whose memory range holds `rva` (sections do not overlap: pe_open). */
static const pe_section *find_section(const pe_file *pe, uint32_t rva)
{
    for (unsigned i = 0; i < pe->nsections; i++) {
        const pe_section *s = &pe->sections[i];
        uint32_t extent = s->vsize > s->raw_size ? s->vsize : s->raw_size;
        if (rva >= s->vaddr && rva - s->vaddr < extent)
            return s;
    }
    return NULL;
}

/* Bytes from `rva` to the end of the file, when `rva` is in a section's file data. The
 * span may run past the section's raw size: GetFileVersionInfo maps the file as data and
 * reads resources through the section table the same way, bounded only by the file. */
uint32_t pe_rva_avail(const pe_file *pe, uint32_t rva)
{
    const pe_section *s = find_section(pe, rva);
    if (s == NULL || rva - s->vaddr >= s->raw_size)
        return 0;
    return (uint32_t)(pe->size - s->raw_ptr - (rva - s->vaddr));
}

uint32_t pe_rva_to_offset(const pe_file *pe, uint32_t rva)
{
    const pe_section *s = find_section(pe, rva);
    return s ? s->raw_ptr + (rva - s->vaddr) : 0;
}

const uint8_t *pe_rva_ptr(const pe_file *pe, uint32_t rva, uint32_t len, const char *what,
                          kb_error *err)
{
    const pe_section *s = find_section(pe, rva);
    if (s == NULL) {
        kb_error_set(err, KB_ERR_FORMAT, "%s: %s at RVA 0x%x: not inside any section", pe->name, what, rva);
        return NULL;
    }
    uint32_t in = rva - s->vaddr;
    if (in >= s->raw_size) {
        if (s->raw_ptr != 0 && (uint64_t)s->raw_ptr + in >= pe->size)
            kb_error_set(err, KB_ERR_FORMAT,
                         "%s: truncated: %s at RVA 0x%x (file offset 0x%llx) is past the end of the %zu-byte file",
                         pe->name, what, rva, (unsigned long long)s->raw_ptr + in, pe->size);
        else
            kb_error_set(err, KB_ERR_FORMAT,
                         "%s: %s at RVA 0x%x: not in the file data of its section (RVA 0x%x, 0x%x bytes in the file)",
                         pe->name, what, rva, s->vaddr, s->raw_size);
        return NULL;
    }
    uint64_t off = (uint64_t)s->raw_ptr + in;
    if (off + len > pe->size) {
        kb_error_set(err, KB_ERR_FORMAT,
                     "%s: truncated: %s at RVA 0x%x (file offset 0x%llx, %u bytes) runs past the end of the %zu-byte file",
                     pe->name, what, rva, (unsigned long long)off, len, pe->size);
        return NULL;
    }
    return pe->data + off;
}
