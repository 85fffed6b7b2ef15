/* Small formatting helpers shared by the reports. */
#include <stdio.h>
#include <time.h>

#include "kbaudit/report.h"

const char *report_filetime(uint64_t ft, char buf[32])
{
    /* FILETIME counts 100 ns intervals since 1601-01-01 */
    const uint64_t epoch_delta = 11644473600ull;
    uint64_t secs = ft / 10000000ull;
    buf[0] = '\0';
    if (secs < epoch_delta || secs - epoch_delta > 253402300799ull)   /* up to year 9999 */
        return buf;
    time_t t = (time_t)(secs - epoch_delta);
    struct tm tm;
    if (gmtime_r(&t, &tm) != NULL)
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

const char *report_version(const uint16_t v[4], char buf[24])
{
    snprintf(buf, 24, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
    return buf;
}
