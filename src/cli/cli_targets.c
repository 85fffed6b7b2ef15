/* The targets of `kbaudit audit`, from the command line and from --targets files: a list in
 * the order given, which the audit works through (cli_audit_fleet.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_target.h"
#include "kbaudit/buf.h"
#include "kbaudit/outfile.h"

/* Plenty for a fleet, and a bound for a file that is not a list of targets at all. */
#define TARGETS_MAX 1000000
#define TARGETS_LINE_MAX 8192

static int push(const char *cmd, cli_target_list *l, cli_target_opts t, const char *label)
{
    if (l->n >= TARGETS_MAX)
        return cli_usage_error(cmd, "more than %d targets", TARGETS_MAX);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        cli_target_opts *items = realloc(l->items, cap * sizeof *items);
        if (items)
            l->items = items;
        const char **labels = items ? realloc(l->labels, cap * sizeof *labels) : NULL;
        if (labels == NULL) {
            cli_cmd_errorf(cmd, "out of memory");
            return EXIT_USAGE;
        }
        l->labels = labels;
        l->cap = cap;
    }
    l->items[l->n] = t;
    l->labels[l->n++] = label;
    return 0;
}

/* The file that goes with the target before it (--system after --software), else with the
 * next target, which must then be of the kind it goes with. */
static int attach(const char *cmd, cli_target_list *l, const char *option, const char *value)
{
    bool sys = strcmp(option, "--system") == 0;
    cli_target_opts *last = l->n ? &l->items[l->n - 1] : NULL;
    if (last && sys && last->software && !last->system) {
        last->system = value;
        return 0;
    }
    if (last && !sys && last->systeminfo && !last->qfe) {
        last->qfe = value;
        return 0;
    }
    if (l->pending)
        return cli_usage_error(cmd, "%s %s and %s %s: each goes with its own %s", l->pending_option, l->pending,
                               option, value, sys ? "--software" : "--systeminfo");
    l->pending = value;
    l->pending_option = sys ? "--system" : "--qfe";
    return 0;
}

int cli_targets_add(const char *cmd, cli_target_list *l, const char *option, const char *value)
{
    if (strcmp(option, "--system") == 0 || strcmp(option, "--qfe") == 0)
        return attach(cmd, l, option, value);
    cli_target_opts t = {0};
    const char *label = value;
    if (strcmp(option, "--live") == 0) {
        t.live = true;
        label = "live system";
    } else if (strcmp(option, "--root") == 0) {
        t.root = value;
    } else if (strcmp(option, "--software") == 0) {
        t.software = value;
    } else if (strcmp(option, "--systeminfo") == 0) {
        t.systeminfo = value;
    } else {
        return cli_usage_error(cmd, "unknown target option '%s'", option);
    }
    /* a --system given before its --software (as a single target always allowed) */
    if (l->pending) {
        bool sys = strcmp(l->pending_option, "--system") == 0;
        if (sys ? t.software == NULL : t.systeminfo == NULL)
            return cli_usage_error(cmd, "%s %s goes with the %s right before or after it", l->pending_option,
                                   l->pending, sys ? "--software FILE" : "--systeminfo FILE");
        *(sys ? &t.system : &t.qfe) = l->pending;
        l->pending = NULL;
    }
    return push(cmd, l, t, label);
}

int cli_targets_finish(const char *cmd, cli_target_list *l)
{
    if (l->pending)
        return cli_usage_error(cmd, "%s needs %s", l->pending_option,
                               strcmp(l->pending_option, "--system") == 0 ? "--software" : "--systeminfo");
    if (l->n == 0)
        return cli_usage_error(cmd, l->from_file ? "the --targets file names no target"
                                                 : "give --live, --root DIR, --software FILE, --systeminfo FILE "
                                                   "or --targets FILE");
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].live && l->n > 1)
            return cli_usage_error(cmd, "--live cannot be combined with --root/--software/--system: it audits "
                                        "the running system alone");
    return 0;
}

bool cli_targets_output_hits(const cli_target_list *l, const char *output)
{
    for (size_t i = 0; i < l->nfiles; i++)
        if (cli_output_hits_file(output, l->files[i], 0))
            return true;
    for (size_t i = 0; i < l->n; i++)
        if (cli_output_hits_evidence(&l->items[i], output))
            return true;
    return false;
}

void cli_targets_free(cli_target_list *l)
{
    free(l->files);
    for (size_t i = 0; i < l->nowned; i++)
        free(l->owned[i]);
    free(l->owned);
    free(l->items);
    free(l->labels);
    memset(l, 0, sizeof *l);
}

/* Keeps a string the list's targets point into. */
static char *own(cli_target_list *l, char *s)
{
    if (s == NULL)
        return NULL;
    if (l->nowned == l->capowned) {
        size_t cap = l->capowned ? l->capowned * 2 : 16;
        char **o = realloc(l->owned, cap * sizeof *o);
        if (o == NULL) {
            free(s);
            return NULL;
        }
        l->owned = o;
        l->capowned = cap;
    }
    return l->owned[l->nowned++] = s;
}

static bool is_absolute(const char *p)
{
    if (kb_is_path_separator(p[0]))
        return true;
#ifdef _WIN32
    if (p[0] && p[1] == ':')   /* "E:\..." (and "E:x", relative to E:'s folder: left to Windows) */
        return true;
#endif
    return false;
}

/* PATH from the targets file: relative to the file's folder DIR ("" for standard input). */
static const char *resolve(cli_target_list *l, const char *dir, const char *path)
{
    kb_buf b = KB_BUF_INIT;
    if ((is_absolute(path) || !*dir ? kb_buf_puts(&b, path) : kb_buf_printf(&b, "%s/%s", dir, path)) != 0) {
        kb_buf_free(&b);
        return NULL;
    }
    return own(l, b.data);
}

typedef struct line_ctx {
    const char *cmd, *file, *dir;
    unsigned long line;
} line_ctx;

/* Splits an option line into words: blanks separate, "double quotes" hold blanks. */
static int words(const line_ctx *c, char *s, char **w, size_t cap, size_t *n)
{
    *n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            return 0;
        if (*n == cap)
            return cli_usage_error(c->cmd, "%s:%lu: too many words", c->file, c->line);
        if (*s == '"') {
            char *end = strchr(s + 1, '"');
            if (end == NULL)
                return cli_usage_error(c->cmd, "%s:%lu: a quote is not closed", c->file, c->line);
            w[(*n)++] = s + 1;
            *end = '\0';
            s = end + 1;
            if (*s && *s != ' ' && *s != '\t')
                return cli_usage_error(c->cmd, "%s:%lu: text right after a closing quote", c->file, c->line);
            continue;
        }
        w[(*n)++] = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (*s)
            *s++ = '\0';
    }
}

static int option_line(const line_ctx *c, cli_target_list *l, char *s)
{
    char *w[16];
    size_t n;
    int rc = words(c, s, w, sizeof w / sizeof w[0], &n);
    /* option and path in pairs: --live, the only option without a path, is refused */
    for (size_t i = 0; rc == 0 && i < n; i += 2) {
        static const char *const with_value[] = {"--root", "--software", "--system", "--systeminfo", "--qfe"};
        bool known = strcmp(w[i], "--live") == 0;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0] && !known; k++)
            known = strcmp(w[i], with_value[k]) == 0;
        if (!known)
            return cli_usage_error(c->cmd, "%s:%lu: '%s' is not a target option (--root, --software, --system, "
                                           "--systeminfo, --qfe, --live)", c->file, c->line, w[i]);
        if (strcmp(w[i], "--live") == 0)   /* the running system is never one of a list */
            return cli_usage_error(c->cmd, "%s:%lu: --live cannot be in a targets file: it audits the running "
                                           "system alone", c->file, c->line);
        if (i + 1 >= n)
            return cli_usage_error(c->cmd, "%s:%lu: %s needs a path", c->file, c->line, w[i]);
        const char *path = resolve(l, c->dir, w[i + 1]);
        if (path == NULL) {
            cli_cmd_errorf(c->cmd, "out of memory");
            return EXIT_USAGE;
        }
        rc = cli_targets_add(c->cmd, l, w[i], path);
    }
    return rc;
}

/* One line into buf (without its end); 1 when a line was read, 0 at the end, -1 (printed)
 * for a line too long or holding a NUL byte: a file that is not a list of targets. */
static int next_line(const line_ctx *c, FILE *fp, char *buf, size_t cap)
{
    size_t len = 0;
    int ch = EOF;
    while ((ch = getc(fp)) != EOF && ch != '\n') {
        if (ch == '\0')
            return cli_usage_error(c->cmd, "%s:%lu: NUL byte in the line", c->file, c->line), -1;
        if (len + 1 >= cap)
            return cli_usage_error(c->cmd, "%s:%lu: line longer than %zu bytes", c->file, c->line, cap - 2), -1;
        buf[len++] = (char)ch;
    }
    buf[len] = '\0';
    return ch == EOF && len == 0 ? 0 : 1;
}

/* Skips a UTF-8 byte order mark (Notepad and PowerShell's `Out-File -Encoding utf8` write
 * one) and refuses UTF-16 (PowerShell 5's `>` and `Out-File` default), whose NUL bytes would
 * otherwise be reported as "NUL byte in the line" or, without them, as bogus targets.
 * 0, or EXIT_USAGE (printed). */
static int skip_bom(const line_ctx *c, FILE *fp)
{
    int b0 = getc(fp);
    if (b0 == 0xEF) {
        int b1 = getc(fp), b2 = b1 == 0xBB ? getc(fp) : EOF;
        if (b1 == 0xBB && b2 == 0xBF)
            return 0;
        return cli_usage_error(c->cmd, "%s:1: not a list of targets: it starts with byte 0xEF but not a "
                                       "UTF-8 byte order mark", c->file);
    }
    if (b0 == 0xFF || b0 == 0xFE) {
        int b1 = getc(fp);
        if ((b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF))
            return cli_usage_error(c->cmd, "%s is UTF-16 (PowerShell 5 writes that by default): save it as "
                                           "UTF-8 or ASCII, e.g. Out-File -Encoding ascii", c->file);
        return cli_usage_error(c->cmd, "%s:1: not a list of targets: it starts with byte 0x%02X", c->file, b0);
    }
    if (b0 != EOF && ungetc(b0, fp) == EOF)
        return cli_usage_error(c->cmd, "%s: read error", c->file);
    return 0;
}

static int read_lines(line_ctx *c, cli_target_list *l, FILE *fp)
{
    char buf[TARGETS_LINE_MAX];
    int got;
    if (skip_bom(c, fp) != 0)
        return EXIT_USAGE;
    while (c->line++, (got = next_line(c, fp, buf, sizeof buf)) > 0) {
        size_t len = strlen(buf);
        while (len && (buf[len - 1] == '\r' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
            buf[--len] = '\0';
        char *s = buf;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || *s == '#')
            continue;
        int rc;
        if (strncmp(s, "--", 2) == 0) {
            rc = option_line(c, l, s);
        } else if (*s == '"') {
            /* "host 1": a bare path in quotes, which is also how a folder named "--x" or
             * "#x" is given (or as ./--x) */
            char *w[2];
            size_t n;
            if ((rc = words(c, s, w, 2, &n)) == 0 && n != 1)
                rc = cli_usage_error(c->cmd, "%s:%lu: a quoted path must be alone on its line (or follow a "
                                             "target option)", c->file, c->line);
            const char *path = rc ? NULL : resolve(l, c->dir, w[0]);
            if (rc == 0)
                rc = path ? cli_targets_add(c->cmd, l, "--root", path)
                          : (cli_cmd_errorf(c->cmd, "out of memory"), EXIT_USAGE);
        } else {
            const char *path = resolve(l, c->dir, s);
            rc = path ? cli_targets_add(c->cmd, l, "--root", path) : (cli_cmd_errorf(c->cmd, "out of memory"), EXIT_USAGE);
        }
        if (rc)
            return rc;
        /* a --system or --qfe must find its target on its own line */
        if (l->pending)
            return cli_usage_error(c->cmd, "%s:%lu: %s needs %s on the same line", c->file, c->line,
                                   l->pending_option,
                                   strcmp(l->pending_option, "--system") == 0 ? "--software" : "--systeminfo");
    }
    if (got < 0)
        return EXIT_USAGE;
    if (ferror(fp))
        return cli_usage_error(c->cmd, "%s: read error: %s", c->file, strerror(errno));
    return 0;
}

int cli_targets_read(const char *cmd, cli_target_list *l, const char *file)
{
    l->from_file = true;
    if (l->pending)
        return cli_usage_error(cmd, "%s %s is followed by --targets: it needs its own target", l->pending_option,
                               l->pending);
    bool std_in = strcmp(file, "-") == 0;
    if (std_in && l->read_stdin)
        return cli_usage_error(cmd, "--targets - is given twice: standard input can be read once");
    l->read_stdin |= std_in;
    if (!std_in && l->nfiles == l->capfiles) {
        size_t cap = l->capfiles ? l->capfiles * 2 : 4;
        const char **f = realloc(l->files, cap * sizeof *f);
        if (f == NULL) {
            cli_cmd_errorf(cmd, "out of memory");
            return EXIT_USAGE;
        }
        l->files = f;
        l->capfiles = cap;
    }
    if (!std_in)
        l->files[l->nfiles++] = file;
    FILE *fp = std_in ? stdin : fopen(file, "rb");
    if (fp == NULL)
        return cli_usage_error(cmd, "--targets %s: %s", file, strerror(errno));
    /* the folder of FILE, so that a list kept beside its images works from anywhere */
    kb_buf dir = KB_BUF_INIT;
    const char *slash = NULL;
    for (const char *p = file; *p; p++)
        if (kb_is_path_separator(*p))
            slash = p;
    int rc = std_in || slash == NULL ? kb_buf_puts(&dir, std_in ? "" : ".")
                                     : kb_buf_append(&dir, file, slash == file ? 1 : (size_t)(slash - file));
    line_ctx c = {cmd, std_in ? "(standard input)" : file, dir.data ? dir.data : "", 0};
    if (rc) {
        cli_cmd_errorf(cmd, "out of memory");
        rc = EXIT_USAGE;
    } else {
        rc = read_lines(&c, l, fp);
    }
    if (!std_in)
        fclose(fp);
    kb_buf_free(&dir);
    return rc;
}
