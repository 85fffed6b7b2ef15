/* The subcommands: KB_COMMAND(name, function, help text, one-line summary). Each lives in
 * cli_<name>.c, which defines `int function(int argc, char **argv)` (argv[0] = the
 * subcommand's name; returns an exit code, see cli.h) and `const char help[]`.
 * Keep this list in the order `kbaudit --help` shows it. */
KB_COMMAND(audit, cli_audit, cli_audit_help, "build 6002 or 6003? missing updates and their install order, for one host or many (text, JSON, JUnit)")
KB_COMMAND(reg, cli_reg, cli_reg_help, "read registry hive files: get, ls, export, dump, info")
KB_COMMAND(pe, cli_pe, cli_pe_help, "read the version resource of PE files (EXE, DLL, SYS)")
KB_COMMAND(mum, cli_mum, cli_mum_help, "read servicing manifests (.mum) and count pending.xml operations")
KB_COMMAND(msu, cli_msu, cli_msu_help, "read update packages (.msu): KB, Windows version, architecture, applies to 2008 SP2?")
KB_COMMAND(db, cli_db, cli_db_help, "the knowledge base of 2008 SP2 updates: list, show, baseline, check, export")
KB_COMMAND(facts, cli_facts, cli_facts_help, "print the facts read from a Windows system (live, tree or hive files)")
