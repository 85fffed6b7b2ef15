/* ASCII case-insensitive comparisons: CBS treats package names and attribute keywords
 * without regard to case ("Package_for_KB..." on disk, "package_for_kb..." in a CAB), and
 * the C library's strcasecmp depends on the locale. */
#include "mum_internal.h"

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool mum_iprefix(const char *s, size_t n, const char *prefix)
{
    size_t i = 0;
    for (; prefix[i]; i++)
        if (i >= n || lower(s[i]) != lower(prefix[i]))
            return false;
    return true;
}

bool mum_ieq(const char *a, size_t an, const char *b)
{
    size_t i = 0;
    for (; b[i]; i++)
        if (i >= an || lower(a[i]) != lower(b[i]))
            return false;
    return i == an;
}
