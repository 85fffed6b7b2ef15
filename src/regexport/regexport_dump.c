/* Lossless line dump of a subtree (see kbaudit/regexport.h): the format the differential
 * tests compare with hivex, and a convenient one to diff two hives. */
#include "kbaudit/regexport.h"

#include "regexport_out.h"

static int dump_values(regf_walker *w, const regf_hive *h, regf_off key, const char *path, size_t path_len,
                       rx_out *o, regf_offlist *vals, kb_buf *name, kb_buf *scratch, kb_error *err)
{
    if (regf_walk_values(w, key, vals, err) != 0)
        return -1;
    for (size_t i = 0; i < vals->n; i++) {
        regf_value_info vi;
        const uint8_t *data;
        uint32_t len;
        if (rx_read_value(w, h, vals->v[i], &vi, name, scratch, &data, &len, err) != 0)
            return -1;
        kb_buf *t = &o->text;
        if (kb_buf_puts(t, "V\t") || rx_json_string(t, path, path_len) || kb_buf_putc(t, '\t') ||
            rx_json_string(t, name->data, name->len) || kb_buf_printf(t, "\t%u\t", vi.type) ||
            rx_hex(t, data, len) || kb_buf_putc(t, '\n'))
            return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    }
    return 0;
}

int regexport_dump(const regf_hive *h, regf_off key, FILE *out, kb_error *err)
{
    rx_out o;
    rx_init(&o, out, false);
    regf_walker *w = NULL;
    regf_offlist vals = {0};
    kb_buf name = KB_BUF_INIT, scratch = KB_BUF_INIT;
    int r = regf_walk_begin(h, key, &w, err);
    regf_off cur;
    while (r == 0 && (r = regf_walk_next(w, &cur, err)) == 1) {
        size_t plen;
        const char *path = regf_walk_path(w, &plen);
        if (kb_buf_puts(&o.text, "K\t") || rx_json_string(&o.text, path, plen) ||
            kb_buf_putc(&o.text, '\n')) {
            r = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
            break;
        }
        r = dump_values(w, h, cur, path, plen, &o, &vals, &name, &scratch, err);
        if (r == 0)
            r = rx_maybe_flush(&o, err);
    }
    if (r == 0)
        r = rx_flush(&o, err);
    regf_walk_end(w);
    regf_offlist_free(&vals);
    kb_buf_free(&name);
    kb_buf_free(&scratch);
    rx_free(&o);
    return r < 0 ? -1 : 0;
}
