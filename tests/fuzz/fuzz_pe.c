/* libFuzzer harness: open a PE file from memory and read its version resource the way
 * `kbaudit pe` does, then use every string the way the facts code will (lookups, the
 * FileVersion split). */
#include <stdio.h>
#include <string.h>

#include "kbaudit/peversion.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pe_file *pe = NULL;
    kb_error err;
    if (pe_open_buffer(data, size, "fuzz", &pe, &err) != 0)
        return 0;
    pe_version_info vi;
    if (pe_version_read(pe, &vi, &err) == 0) {
        volatile size_t sink = 0;
        (void)pe_machine_name(vi.machine);
        (void)pe_version_usable(&vi);
        for (size_t i = 0; i < vi.n_strings; i++) {
            pe_file_version_parts p;
            sink += strlen(vi.strings[i].key) + strlen(vi.strings[i].value);
            if (pe_split_file_version(vi.strings[i].value, &p) == 0)
                sink += strlen(p.version) + strlen(p.branch) + strlen(p.stamp);
        }
        static const char *const keys[] = {"FileVersion", "ProductVersion", "OriginalFilename", "CompanyName"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            const char *v = pe_version_string(&vi, keys[i]);
            if (v)
                sink += strlen(v);
        }
        for (size_t i = 0; i < vi.n_resource_langs; i++)
            sink += vi.resource_langs[i];
        for (size_t i = 0; i < vi.n_tables; i++)
            sink += vi.tables[i];
        for (size_t i = 0; i < vi.n_translations; i++)
            sink += vi.translations[i];
        sink += strlen(vi.warning) + strlen(vi.string_table);
        (void)sink;
    }
    pe_version_info_free(&vi);
    pe_close(pe);
    return 0;
}
