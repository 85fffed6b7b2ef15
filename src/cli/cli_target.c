/* Target options shared by `facts` and `audit`: --root DIR | --software FILE [--system FILE]. */
#include <string.h>

#include "cli.h"
#include "cli_target.h"

int cli_target_open(const char *cmd, const cli_target_opts *o, kb_target **t)
{
    *t = NULL;
    if (o->root && (o->software || o->system))
        return cli_usage_error(cmd, "--root cannot be combined with --software/--system");
    if (!o->root && !o->software)
        return cli_usage_error(cmd, o->system ? "--system needs --software" : "give --root DIR or --software FILE");
    kb_error err = {0};
    int r = o->root ? target_open_tree(o->root, t, &err) : target_open_hives(o->software, o->system, t, &err);
    if (r != 0) {
        fprintf(stderr, "kbaudit %s: evidence unreadable: %s\n", cmd, err.msg);
        return EXIT_UNREADABLE;
    }
    return 0;
}
