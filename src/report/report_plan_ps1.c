/* `kbaudit audit --updates DIR --format ps1`: the install plan as a PowerShell script, the
 * same steps and rules as the batch file (report_plan_cmd.c has the exit codes and why).
 * PowerShell 2.0 is the oldest that runs it (Start-Process -Wait -PassThru; the script's
 * folder from $MyInvocation, as $PSScriptRoot is 3.0). */
#include <stdio.h>

#include "kbaudit/report.h"
#include "report_audit_util.h"

#define NL "\r\n"


/* TEXT inside a single-quoted PowerShell string: a ' is written twice (the only character
 * such a string treats specially). */
static void ps1_quoted_body(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\'')
            fputc('\'', out);
        fputc(*p, out);
    }
}

static const char prelude[] =
    "param([string]$Updates = (Split-Path -Parent $MyInvocation.MyCommand.Path))" NL
    "$script:installed = $false" NL
    "function Install-Step([int]$Step, [string]$Kb, [string]$File) {" NL
    "    Write-Host \"step ${Step}: $Kb, $File\"" NL
    "    $path = Join-Path $Updates $File" NL
    "    $p = Start-Process -FilePath 'wusa.exe' -ArgumentList @(\"`\"$path`\"\", '/quiet', '/norestart') -Wait -PassThru" NL
    "    switch ($p.ExitCode) {" NL
    "        0 { $script:installed = $true }" NL
    "        3010 { $script:installed = $true }" NL
    "        2359302 { Write-Host '  already installed' }" NL
    "        default { Write-Host \"kbaudit plan: step ${Step}, ${Kb}: wusa.exe exited $($p.ExitCode): stopping\"; exit 1 }" NL
    "    }" NL
    "}" NL
    "function Restart-Point([int]$Step, [bool]$Always) {" NL
    "    $marker = Join-Path $env:TEMP \"kbaudit-plan-step$Step.restarted\"" NL
    "    if ($Always) { if (Test-Path $marker) { return }; Set-Content -Path $marker -Value 'restarted' }" NL
    "    elseif (-not $script:installed) { return }" NL
    "    Write-Host \"restarting after step ${Step}: run this script again when the server is back\"" NL
    "    shutdown.exe /r /t 60 /c \"kbaudit plan: restart after step $Step, then run the script again\"" NL
    "    exit 0" NL
    "}" NL;

int report_plan_ps1(const audit_result *r, const report_audit_opts *o, FILE *out, kb_error *err)
{
    fprintf(out, "# kbaudit %s: install plan (%zu step(s); Windows Server 2008 SP2 %s). Run it elevated on the" NL
                 "# server, the .msu files next to it (or: -Updates FOLDER). After each restart, run it again:" NL
                 "# steps already installed answer 2359302 (WU_S_ALREADY_INSTALLED) and are passed." NL,
            KBAUDIT_VERSION, r->nplan, facts_arch_name(r->arch) ? facts_arch_name(r->arch) : "(architecture unknown)");
    fputs(prelude, out);
    for (size_t s = 0; s < r->nplan; s++) {
        const audit_step *st = &r->plan[s];
        char kb[16];
        if (st->kb == 0) {
            fprintf(out, "Restart-Point %zu $true" NL, s + 1);
            continue;
        }
        const char *why, *file = report_step_file(o, s, &why);
        report_kb(st->kb, kb);
        if (file == NULL) {
            fprintf(out, "Write-Host 'kbaudit plan: step %zu, %s: ", s + 1, kb);
            ps1_quoted_body(out, why);   /* any ' doubled: the string cannot end early */
            fputs(": stopping'; exit 1" NL, out);
            continue;
        }
        fprintf(out, "Install-Step %zu '", s + 1);
        ps1_quoted_body(out, kb);
        fputs("' '", out);
        ps1_quoted_body(out, file);
        fputs("'" NL, out);
        if (st->reboot_after)
            fprintf(out, "Restart-Point %zu $false" NL, s + 1);
    }
    fputs("Write-Host 'kbaudit plan: every step done'" NL "exit 0" NL, out);
    if (fflush(out) != 0 || ferror(out))
        return kb_error_set(err, KB_ERR_IO, "cannot write the script");
    return 0;
}
