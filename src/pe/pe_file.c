/* Opening a PE file: map it read-only, check the MS-DOS header, the PE signature, the
 * COFF file header, the optional header (PE32 or PE32+) and the section table, and keep
 * what later RVA lookups need. Nothing past the section table is read here. */
#include "pe_internal.h"
#include "kbaudit/evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const pe_file *pe, kb_error *err, const char *fmt, ...) KB_PRINTF(3, 4);
static int fail(const pe_file *pe, kb_error *err, const char *fmt, ...)
{
    char msg[KB_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kb_error_set(err, KB_ERR_FORMAT, "%s: %s", pe->name, msg);
}

/* Where the PE signature should be; distinguishes "not PE" from "truncated". */
static int check_dos(pe_file *pe, uint32_t *lfanew, kb_error *err)
{
    if (pe->size == 0)
        return fail(pe, err, "not a PE file: the file is empty");
    if (pe->size < 2 || rd16(pe->data) != DOS_MAGIC)
        return fail(pe, err, "not a PE file: no \"MZ\" signature at offset 0");
    if (pe->size < DOS_HEADER_SIZE)
        return fail(pe, err, "truncated: file is %zu bytes, the MS-DOS header needs %u", pe->size,
                    DOS_HEADER_SIZE);
    *lfanew = rd32(pe->data + DOS_LFANEW);
    if ((uint64_t)*lfanew + COFF_END > pe->size) {
        if ((uint64_t)*lfanew + 2 <= pe->size) {
            const uint8_t *s = pe->data + *lfanew;
            if ((s[0] == 'N' || s[0] == 'L') && (s[1] == 'E' || s[1] == 'X'))
                return fail(pe, err, "not a PE file: \"%c%c\" header at 0x%x (16-bit or VxD executable)",
                            s[0], s[1], *lfanew);
        }
        return fail(pe, err,
                    "not a PE file or truncated: PE header offset 0x%x (from 0x3c) leaves no room for "
                    "the %u-byte PE and COFF headers in a %zu-byte file",
                    *lfanew, COFF_END, pe->size);
    }
    const uint8_t *s = pe->data + *lfanew;
    if (rd32(s) != NT_SIGNATURE) {
        if ((s[0] == 'N' || s[0] == 'L') && (s[1] == 'E' || s[1] == 'X'))
            return fail(pe, err, "not a PE file: \"%c%c\" header at 0x%x (16-bit or VxD executable)",
                        s[0], s[1], *lfanew);
        return fail(pe, err, "not a PE file: no \"PE\\0\\0\" signature at 0x%x (offset from 0x3c)",
                    *lfanew);
    }
    return 0;
}

/* Reads the resource data directory, if the optional header has one. */
static int check_optional(pe_file *pe, uint32_t opt, uint16_t opt_size, kb_error *err)
{
    if (opt_size < 2)
        return fail(pe, err, "optional header at 0x%x: size %u is too small for its magic", opt, opt_size);
    if ((uint64_t)opt + opt_size > pe->size)
        return fail(pe, err, "truncated: optional header at 0x%x (%u bytes) runs past the end of the %zu-byte file",
                    opt, opt_size, pe->size);
    const uint8_t *o = pe->data + opt;
    uint16_t magic = rd16(o + OPT_MAGIC);
    uint32_t nrva_at, dirs_at;
    if (magic == OPT_MAGIC_PE32) {
        nrva_at = OPT32_NRVA, dirs_at = OPT32_DIRS;
    } else if (magic == OPT_MAGIC_PE32PLUS) {
        nrva_at = OPT64_NRVA, dirs_at = OPT64_DIRS;
        pe->pe32plus = true;
    } else {
        return fail(pe, err, "optional header at 0x%x: magic 0x%x is neither PE32 (0x10b) nor PE32+ (0x20b)",
                    opt, magic);
    }
    /* No data directory for resources (a short optional header, or NumberOfRvaAndSizes
     * below 3) means no resources, which is not an error. */
    if (opt_size < nrva_at + 4)
        return 0;
    uint32_t nrva = rd32(o + nrva_at);
    uint32_t res_at = dirs_at + DIR_RESOURCE * DIR_ENTRY_SIZE;
    if (nrva <= DIR_RESOURCE || opt_size < res_at + DIR_ENTRY_SIZE)
        return 0;
    pe->rsrc_rva = rd32(o + res_at);
    pe->rsrc_size = rd32(o + res_at + 4);
    /* Only the address matters: Windows reads resources whose directory Size is 0. */
    return 0;
}

static void section_name(const uint8_t *s, char out[9])
{
    for (int i = 0; i < 8; i++)
        out[i] = s[i] >= 0x20 && s[i] < 0x7F ? (char)s[i] : s[i] ? '?' : '\0';
    out[8] = '\0';
}

/* Keeps each section's ranges; refuses a table that runs past the file, too many sections
 * and sections whose memory ranges overlap (the loader refuses such images too). */
static int check_sections(pe_file *pe, uint32_t table, unsigned n, kb_error *err)
{
    if (n > PE_MAX_SECTIONS)
        return fail(pe, err, "COFF header: %u sections, more than the %d the Windows loader accepts",
                    n, PE_MAX_SECTIONS);
    if ((uint64_t)table + (uint64_t)n * SEC_SIZE > pe->size)
        return fail(pe, err, "truncated: section table at 0x%x (%u sections) runs past the end of the %zu-byte file",
                    table, n, pe->size);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *s = pe->data + table + (size_t)i * SEC_SIZE;
        pe_section *sec = &pe->sections[i];
        uint32_t declared = rd32(s + SEC_RAWSIZE);
        sec->vaddr = rd32(s + SEC_VADDR);
        sec->vsize = rd32(s + SEC_VSIZE) ? rd32(s + SEC_VSIZE) : declared;
        sec->raw_ptr = rd32(s + SEC_RAWPTR);
        /* A truncated file keeps the part of the section it still holds. */
        if (sec->raw_ptr >= pe->size)
            sec->raw_size = 0;
        else
            sec->raw_size = (uint64_t)sec->raw_ptr + declared > pe->size ? (uint32_t)(pe->size - sec->raw_ptr)
                                                                         : declared;
        if (sec->raw_ptr == 0)   /* no file data (e.g. .bss) */
            sec->raw_size = 0;
        uint64_t end = (uint64_t)sec->vaddr + sec->vsize;
        for (unsigned j = 0; j < i && sec->vsize; j++) {
            const pe_section *o = &pe->sections[j];
            if (o->vsize && sec->vaddr < (uint64_t)o->vaddr + o->vsize && o->vaddr < end) {
                char a[9], b[9];
                section_name(s, a);
                section_name(pe->data + table + (size_t)j * SEC_SIZE, b);
                return fail(pe, err,
                            "section table at 0x%x: section %u (\"%s\", RVA 0x%x-0x%llx) overlaps section %u (\"%s\", RVA 0x%x-0x%llx)",
                            table, i + 1, a, sec->vaddr, (unsigned long long)end, j + 1, b, o->vaddr,
                            (unsigned long long)o->vaddr + o->vsize);
            }
        }
    }
    pe->nsections = n;
    return 0;
}

static int open_common(pe_file *pe, kb_error *err)
{
    uint32_t lfanew = 0;
    if (check_dos(pe, &lfanew, err) != 0)
        return -1;
    const uint8_t *nt = pe->data + lfanew;
    pe->machine = rd16(nt + COFF_MACHINE);
    unsigned nsec = rd16(nt + COFF_NSECTIONS);
    uint16_t opt_size = rd16(nt + COFF_OPT_SIZE);
    uint32_t opt = lfanew + COFF_END;
    if (check_optional(pe, opt, opt_size, err) != 0)
        return -1;
    return check_sections(pe, opt + opt_size, nsec, err);
}

int pe_open_buffer(const void *data, size_t size, const char *name, pe_file **out, kb_error *err)
{
    *out = NULL;
    pe_file *pe = calloc(1, sizeof *pe);
    if (pe == NULL || (pe->name = strdup(name ? name : "(buffer)")) == NULL) {
        free(pe);
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    pe->data = data;
    pe->size = size;
    if (size > UINT32_MAX) {
        kb_error_set(err, KB_ERR_FORMAT, "%s: %zu bytes is larger than a PE file can be (4 GiB)", pe->name, size);
        pe_close(pe);
        return -1;
    }
    if (open_common(pe, err) != 0) {
        pe_close(pe);
        return -1;
    }
    *out = pe;
    return 0;
}

int pe_open_file(const char *path, pe_file **out, kb_error *err)
{
    *out = NULL;
    /* Evidence is read-only (and its access time left alone where the kernel allows). */
    const void *map;
    size_t size;
    if (kb_map_readonly(path, false, &map, &size, err) != 0)
        return -1;
    pe_file *pe = NULL;
    if (pe_open_buffer(map, size, path, &pe, err) != 0) {
        kb_unmap(map, size);
        return -1;
    }
    pe->mapping = size ? map : NULL;
    pe->mapping_size = size;
    *out = pe;
    return 0;
}

void pe_close(pe_file *pe)
{
    if (pe == NULL)
        return;
    if (pe->mapping)
        kb_unmap(pe->mapping, pe->mapping_size);
    free(pe->name);
    free(pe);
}

const char *pe_name(const pe_file *pe) { return pe->name; }
