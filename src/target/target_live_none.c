/* The live target where there is none: only the Windows build reads a running system. */
#include "target_internal.h"

int target_open_live(kb_target **out, kb_error *err)
{
    *out = NULL;
    return kb_error_set(err, KB_ERR_UNSUPPORTED,
                        "--live reads the running Windows system: run the Windows build (kbaudit.exe) on the "
                        "host itself; here, give --root DIR (a mounted image) or --software FILE");
}
