/* Splitting a FileVersion string such as "6.0.6003.20489 (vistasp2_ldr_escrow.190320-1700)"
 * into its version number and the build tag Microsoft appends: branch name, a dot, and a
 * build stamp (yymmdd-hhmm). The branch tells GDR from LDR builds of the same version. */
#include <stdio.h>
#include <string.h>

#include "kbaudit/peversion.h"

static int copy_part(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

int pe_split_file_version(const char *s, pe_file_version_parts *out)
{
    memset(out, 0, sizeof *out);
    if (s == NULL)
        return -1;
    const char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *start = p;
    /* 1 to 4 numbers, each below 65536, separated by '.' (or ", " as some old files do) */
    while (out->nparts < 4) {
        if (*p < '0' || *p > '9')
            break;
        unsigned long v = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (unsigned long)(*p++ - '0');
            if (++digits > 5 || v > 65535)
                return memset(out, 0, sizeof *out), -1;
        }
        out->parts[out->nparts++] = (uint16_t)v;
        const char *q = p;
        if (*q == '.' || *q == ',') {
            q++;
            while (*q == ' ')
                q++;
            if (*q >= '0' && *q <= '9' && out->nparts < 4) {
                p = q;
                continue;
            }
        }
        break;
    }
    if (out->nparts == 0 || copy_part(out->version, sizeof out->version, start, (size_t)(p - start)) != 0)
        return memset(out, 0, sizeof *out), -1;
    /* the tag: " (branch.stamp)" */
    while (*p == ' ')
        p++;
    if (*p != '(')
        return 0;
    const char *close = strchr(p, ')');
    if (close == NULL)
        return 0;
    const char *b = p + 1, *dot = memchr(b, '.', (size_t)(close - b));
    const char *bend = dot ? dot : close;
    for (const char *t = b; t < bend; t++)
        if (*t == ' ')
            return 0;   /* free text, not a build tag */
    if (copy_part(out->branch, sizeof out->branch, b, (size_t)(bend - b)) != 0)
        out->branch[0] = '\0';
    else if (dot && copy_part(out->stamp, sizeof out->stamp, dot + 1, (size_t)(close - dot - 1)) != 0)
        out->stamp[0] = '\0';
    return 0;
}
