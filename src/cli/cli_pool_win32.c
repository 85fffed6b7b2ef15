/* Windows: targets are audited one after another. The Windows build's libxml2 (which reads
 * the servicing manifests and writes JUnit) is built without thread support
 * (tools/build-libxml2-mingw.sh), so it must not run on two threads at once. */
#include "cli_pool.h"

int cli_pool_run_threads(const cli_pool_job *job, size_t window, unsigned char *slots)
{
    (void)job, (void)window, (void)slots;
    return -1;
}

unsigned cli_pool_default_jobs(void)
{
    return 1;
}
