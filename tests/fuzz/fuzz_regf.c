/* libFuzzer harness: open a hive from memory and read everything in it the way
 * `kbaudit reg dump` does, plus the path lookups the audit uses. */
#include <stdio.h>

#include "kbaudit/regexport.h"
#include "kbaudit/regf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    regf_hive *h = NULL;
    kb_error err;
    if (regf_open_buffer(data, size, "fuzz", &h, &err) != 0)
        return 0;
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        regexport_dump(h, regf_root(h), null, &err);
        regexport_options o = {"HKEY_LOCAL_MACHINE\\SOFTWARE", true, NULL, NULL};
        regexport_reg(h, regf_root(h), "", &o, null, &err);
        fclose(null);
    }
    regf_off key, val;
    kb_buf s = KB_BUF_INIT;
    if (regf_key_lookup(h, regf_root(h), "Microsoft\\Windows NT\\CurrentVersion", &key, &err) == 0 &&
        regf_value_lookup(h, key, "CurrentBuildNumber", &val, &err) == 0)
        regf_value_string(h, val, &s, &err);
    kb_buf_free(&s);
    regf_close(h);
    return 0;
}
