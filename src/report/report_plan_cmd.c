/* `kbaudit audit --updates DIR --format cmd`: the install plan as a cmd.exe batch file.
 *
 * wusa.exe is started with `start "" /wait` so the script waits for it whatever its subsystem.
 * Exit codes: 0 installed; 3010 installed, restart required; 2359302 = 0x240006
 * WU_S_ALREADY_INSTALLED (KB949545: wusa on Vista / 2008 returns it for an update already
 * installed); anything else (0x80240017 not applicable...) stops the script. Running it again
 * after a restart is how it continues: installed steps answer 2359302 and are passed. So a
 * reboot point restarts only when this run installed something; a plain "reboot" step (a
 * reboot already pending) leaves a marker in %TEMP% so that it restarts once. */
#include <inttypes.h>
#include <stdio.h>

#include "kbaudit/report.h"
#include "report_audit_util.h"

#define NL "\r\n"

static void header(const audit_result *r, const report_audit_opts *o, FILE *out)
{
    fprintf(out, "@echo off" NL
                 "rem kbaudit %s: install plan for %s (%zu step(s); Windows Server 2008 SP2 %s)." NL
                 "rem Run it from an elevated prompt on the server, the .msu files next to it (or give their" NL
                 "rem folder as the first argument). After each restart, run it again: steps already" NL
                 "rem installed answer 2359302 and are passed." NL
                 "setlocal" NL
                 "set \"UPDATES=%%~dp0\"" NL
                 "if not \"%%~1\"==\"\" set \"UPDATES=%%~1\\\"" NL
                 "set \"INSTALLED=0\"" NL,
            KBAUDIT_VERSION, o->target ? "the audited system" : "a system", r->nplan,
            facts_arch_name(r->arch) ? facts_arch_name(r->arch) : "(architecture unknown)");
}

static void install(FILE *out, size_t n, const char *kb, const char *file)
{
    fprintf(out, NL "rem step %zu: %s" NL
                 "echo step %zu: %s, %s" NL
                 "start \"\" /wait wusa.exe \"%%UPDATES%%%s\" /quiet /norestart" NL
                 "set \"RC=%%ERRORLEVEL%%\"" NL
                 "if \"%%RC%%\"==\"0\" set \"INSTALLED=1\"" NL
                 "if \"%%RC%%\"==\"3010\" set \"INSTALLED=1\"" NL
                 "if \"%%RC%%\"==\"2359302\" echo   already installed" NL
                 "if not \"%%RC%%\"==\"0\" if not \"%%RC%%\"==\"3010\" if not \"%%RC%%\"==\"2359302\" (" NL
                 "  echo kbaudit plan: step %zu, %s: wusa.exe exited %%RC%%: stopping" NL
                 "  exit /b 1" NL
                 ")" NL,
            n, kb, n, kb, file, file, n, kb);
}

static void restart(FILE *out, size_t n, bool always)
{
    if (always)
        fprintf(out, "if not exist \"%%TEMP%%\\kbaudit-plan-step%zu.restarted\" (" NL
                     "  echo restarted> \"%%TEMP%%\\kbaudit-plan-step%zu.restarted\"" NL, n, n);
    else
        fprintf(out, "if \"%%INSTALLED%%\"==\"1\" (" NL);
    fprintf(out, "  echo restarting after step %zu: run this script again when the server is back" NL
                 "  shutdown /r /t 60 /c \"kbaudit plan: restart after step %zu, then run the script again\"" NL
                 "  exit /b 0" NL
                 ")" NL,
            n, n);
}

int report_plan_cmd(const audit_result *r, const report_audit_opts *o, FILE *out, kb_error *err)
{
    header(r, o, out);
    for (size_t s = 0; s < r->nplan; s++) {
        const audit_step *st = &r->plan[s];
        char kb[16];
        if (st->kb == 0) {
            fprintf(out, NL "rem step %zu: restart" NL, s + 1);
            restart(out, s + 1, true);
            continue;
        }
        const char *why, *file = report_step_file(o, s, &why);
        report_kb(st->kb, kb);
        if (file == NULL) {
            fprintf(out, NL "rem step %zu: %s: %s" NL "echo kbaudit plan: step %zu, %s: %s: stopping" NL "exit /b 1" NL,
                    s + 1, kb, why, s + 1, kb, why);
            continue;
        }
        install(out, s + 1, kb, file);
        if (st->reboot_after) {
            fprintf(out, "rem restart point after step %zu" NL, s + 1);
            restart(out, s + 1, false);
        }
    }
    fprintf(out, NL "echo kbaudit plan: every step done" NL "exit /b 0" NL);
    if (fflush(out) != 0 || ferror(out))
        return kb_error_set(err, KB_ERR_IO, "cannot write the script");
    return 0;
}
