/* Unit tests of the systeminfo / qfe reader on bytes built in the test: each encoding, each
 * language's labels, the LIST and CSV forms, hotfix rows as written in the wild, every qfe
 * form, and hostile text (NULs, invalid UTF-16, a huge line, rows out of order, too many
 * rows), each a clean error that names the line or offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kbaudit/buf.h"
#include "kbaudit/sysinfo.h"
#include "kbaudit/utf.h"

static const char en[] =
    "\r\n"
    "Host Name:                 SRV1\r\n"
    "OS Name:                   Microsoftr Windows Serverr 2008 Standard \r\n"
    "OS Version:                6.0.6002 Service Pack 2 Build 6002\r\n"
    "System Type:               x64-based PC\r\n"
    "Processor(s):              1 Processor(s) Installed.\r\n"
    "                           [01]: Intel64 Family 6\r\n"
    "Hotfix(s):                 4 Hotfix(s) Installed.\r\n"
    "                           [01]: KB4493730\r\n"
    "                           [02]: File 1\r\n"
    "                           [03]: 4474419\r\n"
    "                           [04]: {7A068575-C5DB-43D9-BE20-3895D0C69B17}\r\n"
    "Network Card(s):           1 NIC(s) Installed.\r\n"
    "                           [01]: Intel(R) PRO/1000 MT Network Connection\r\n"
    "                                 [01]: 192.168.0.2\r\n";

static sysinfo_doc parse_ok(const void *data, size_t n)
{
    sysinfo_doc d;
    kb_error err = {0};
    if (sysinfo_parse("t.txt", data, n, &d, &err) != 0)
        fail_msg("%s", err.msg);
    return d;
}

static void parse_fails(const void *data, size_t n, const char *needle)
{
    sysinfo_doc d;
    kb_error err = {0};
    assert_int_equal(sysinfo_parse("t.txt", data, n, &d, &err), -1);
    if (strstr(err.msg, needle) == NULL || strncmp(err.msg, "t.txt: ", 7) != 0)
        fail_msg("message \"%s\" lacks \"%s\" or the file name", err.msg, needle);
}

static void test_english_list(void **state)
{
    (void)state;
    sysinfo_doc d = parse_ok(en, strlen(en));
    assert_string_equal(d.encoding, "utf-8");
    assert_string_equal(d.format, "list");
    assert_string_equal(d.language, "en");
    assert_string_equal(d.os_name.value, "Microsoftr Windows Serverr 2008 Standard");
    assert_int_equal(d.os_name.line, 3);
    assert_string_equal(d.os_version.value, "6.0.6002 Service Pack 2 Build 6002");
    assert_string_equal(d.system_type.value, "x64-based PC");
    assert_string_equal(d.host_name.value, "SRV1");
    assert_int_equal(d.declared, 4);
    assert_int_equal(d.hotfixes.n, 3);
    assert_int_equal(d.hotfixes.placeholders, 1);
    assert_string_equal(d.hotfixes.rows[0].id, "KB4493730");
    assert_int_equal(d.hotfixes.rows[0].number, 4493730);
    assert_int_equal(d.hotfixes.rows[0].line, 9);
    assert_int_equal(d.hotfixes.rows[1].number, 4474419);   /* a bare number */
    assert_int_equal(d.hotfixes.rows[2].number, 0);         /* a GUID: kept, no number */
    assert_false(d.incomplete);
    sysinfo_doc_free(&d);
}

/* The same text as UTF-16LE with and without BOM, and as UTF-8 with BOM. */
static void test_encodings(void **state)
{
    (void)state;
    kb_buf b = KB_BUF_INIT;
    assert_int_equal(kb_buf_append(&b, "\xFF\xFE", 2), 0);
    assert_int_equal(kb_utf8_to_utf16le(&b, en, strlen(en)), 0);
    sysinfo_doc d = parse_ok(b.data, b.len);
    assert_string_equal(d.encoding, "utf-16le+bom");
    assert_int_equal(d.hotfixes.n, 3);
    sysinfo_doc_free(&d);
    d = parse_ok(b.data + 2, b.len - 2);
    assert_string_equal(d.encoding, "utf-16le");
    assert_string_equal(d.os_version.value, "6.0.6002 Service Pack 2 Build 6002");
    sysinfo_doc_free(&d);
    /* an unpaired surrogate, and an odd length */
    b.data[40] = 0x00, b.data[41] = (char)0xDC;
    parse_fails(b.data, b.len, "offset 40: invalid UTF-16");
    parse_fails(b.data, b.len - 1, "odd number of bytes");
    kb_buf_reset(&b);
    assert_int_equal(kb_buf_append(&b, "\xEF\xBB\xBF", 3), 0);
    assert_int_equal(kb_buf_puts(&b, en), 0);
    d = parse_ok(b.data, b.len);
    assert_string_equal(d.encoding, "utf-8+bom");
    sysinfo_doc_free(&d);
    parse_fails("\xFE\xFF\x00O", 4, "big-endian");
    kb_buf_free(&b);
}

/* French in CP850 (è = 0x8A, ® = 0xA9), Russian in CP866, German with ASCII labels. */
static void test_oem_code_pages(void **state)
{
    (void)state;
    static const char fr[] = "Nom du syst\x8Ame d'exploitation:              Microsoft\xA9 Windows Server\xA9 2008 Standard\r\n"
                             "Version du syst\x8Ame:                         6.0.6003 Service Pack 2 version 6003\r\n"
                             "Type du syst\x8Ame:                            PC \x85 base de x64\r\n"
                             "Correctif(s):                              1 Correctif(s) install\x82(s).\r\n"
                             "                                           [01]: KB4493471\r\n";
    sysinfo_doc d = parse_ok(fr, strlen(fr));
    assert_string_equal(d.encoding, "cp850");
    assert_string_equal(d.language, "fr");
    assert_string_equal(d.os_name.value, "Microsoft\xC2\xAE Windows Server\xC2\xAE 2008 Standard");
    assert_string_equal(d.system_type.value, "PC \xC3\xA0 base de x64");
    assert_int_equal(d.hotfixes.rows[0].number, 4493471);
    sysinfo_doc_free(&d);
    /* Название ОС / Версия ОС / Тип системы in CP866 */
    static const char ru[] = "\x8D\xA0\xA7\xA2\xA0\xAD\xA8\xA5 \x8E\x91:    Microsoft Windows Server 2008 Standard\r\n"
                             "\x82\xA5\xE0\xE1\xA8\xEF \x8E\x91:      6.0.6002 Service Pack 2 \x91\xA1\xAE\xE0\xAA\xA0 6002\r\n"
                             "\x92\xA8\xAF \xE1\xA8\xE1\xE2\xA5\xAC\xEB:    x64-based PC\r\n";
    d = parse_ok(ru, strlen(ru));
    assert_string_equal(d.encoding, "cp866");
    assert_string_equal(d.language, "ru");
    assert_string_equal(d.os_version.label, "Версия ОС");
    sysinfo_doc_free(&d);
    static const char de[] = "Betriebssystemname:        Microsoft Windows Server 2008 Enterprise\n"
                             "Betriebssystemversion:     6.0.6002 Service Pack 2 Build 6002\n"
                             "Systemtyp:                 x64-based PC\n"
                             "Hotfix(es):                1 Hotfix(es) installiert.\n"
                             "                           [01]: KB4474419\n";
    d = parse_ok(de, strlen(de));
    assert_string_equal(d.language, "de");
    assert_int_equal(d.hotfixes.n, 1);
    sysinfo_doc_free(&d);
    /* GBK bytes: no code page gives the labels; the message says GBK is not decoded */
    static const char gbk[] = "OS \xC3\xFB\xB3\xC6:          Microsoft Windows Server 2008\r\n";
    parse_fails(gbk, strlen(gbk), "GBK/CP936");
}

static void test_other_languages(void **state)
{
    (void)state;
    static const struct {
        const char *lang, *text;
    } cases[] = {
        {"es", "Nombre del sistema operativo:   Microsoft Windows Server 2008 Standard\n"
               "Versión del sistema operativo:  6.0.6003 Service Pack 2 Compilación 6003\n"
               "Tipo de sistema:                X86-based PC\n"},
        {"nl", "Naam besturingssysteem:    Microsoft Windows Server 2008 Standard\n"
               "Versie besturingssysteem:  6.0.6003 Service Pack 2 build 6003\n"},
        {"it", "Nome SO:                   Microsoft Windows Server 2008 Standard\n"
               "Versione SO:               6.0.6003 Service Pack 2 build 6003\n"},
        {"zh", "OS 名称:          Microsoft Windows Server 2008 Standard\n"
               "OS 版本:          6.0.6003 Service Pack 2 Build 6003\n"
               "系统类型:         x64-based PC\n"
               "修补程序:         安装了 1 个修补程序。\n"
               "                  [01]: KB4493471\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sysinfo_doc d = parse_ok(cases[i].text, strlen(cases[i].text));
        assert_string_equal(d.language, cases[i].lang);
        assert_string_equal(d.os_name.value, "Microsoft Windows Server 2008 Standard");
        sysinfo_doc_free(&d);
    }
}

static void test_csv_form(void **state)
{
    (void)state;
    static const char csv[] =
        "\"Host Name\",\"OS Name\",\"OS Version\",\"System Type\",\"Hotfix(s)\",\"Network Card(s)\"\r\n"
        "\"SRV1\",\"Microsoft Windows Server 2008 Standard\",\"6.0.6003 Service Pack 2 Build 6003\",\"x64-based PC\","
        "\"3 Hotfix(s) Installed.,[01]: KB4493730,[02]: KB4474419,[03]: KB4493471\",\"1 NIC(s) Installed.,[01]: x\"\r\n";
    sysinfo_doc d = parse_ok(csv, strlen(csv));
    assert_string_equal(d.format, "csv");
    assert_string_equal(d.os_version.value, "6.0.6003 Service Pack 2 Build 6003");
    assert_int_equal(d.hotfixes.n, 3);
    assert_int_equal(d.hotfixes.rows[2].number, 4493471);
    sysinfo_doc_free(&d);
    char two[sizeof csv * 2];
    snprintf(two, sizeof two, "%s%s", csv, strchr(csv, '\n') + 1);
    parse_fails(two, strlen(two), "line 3: a second row of values");
    static const char open_quote[] = "\"OS Name\",\"OS Version\"\n\"Microsoft,\"6.0.6003\n";
    parse_fails(open_quote, strlen(open_quote), "line 2: text after a closing quote");
}

static void test_malformed(void **state)
{
    (void)state;
    parse_fails("", 0, "empty file");
    parse_fails("Caption=x\r\nHotFixID=KB1\r\n", 24, "not systeminfo output");
    static const char nul[] = "OS Name: x\nOS Version: 6.0.6002\n\0x";
    parse_fails(nul, sizeof nul - 1, "line 3 (offset 32): a NUL byte");
    static const char twice[] = "OS Name: a\nOS Version: 6.0.6002\nOS Name: b\n";
    parse_fails(twice, strlen(twice), "line 3: a second \"OS Name\" field (the first is on line 1)");
    static const char order[] = "OS Name: a\nOS Version: 6.0.6002\nHotfix(s): 2 Hotfix(s) Installed.\n"
                                "  [01]: KB1\n  [03]: KB3\n";
    parse_fails(order, strlen(order), "line 5: hotfix row [03] where [02] was expected");
    static const char notrow[] = "OS Name: a\nOS Version: 6.0.6002\nHotfix(s): 1 Hotfix(s) Installed.\n  KB1\n";
    parse_fails(notrow, strlen(notrow), "line 4: in the hotfix list");
    static const char more[] = "OS Name: a\nOS Version: 6.0.6002\nHotfix(s): 1 Hotfix(s) Installed.\n  [01]: KB1\n"
                               "  [02]: KB2\n";
    parse_fails(more, strlen(more), "says 1 hotfix(es) but the list holds 2");
    /* fewer rows than declared, ending at a bare row: systeminfo's own limit, read as incomplete */
    static const char fewer[] = "OS Name: a\nOS Version: 6.0.6002\nHotfix(s): 3 Hotfix(s) Installed.\n  [01]: KB1\n"
                                "  [02]\nNetwork Card(s): none\n";
    sysinfo_doc d = parse_ok(fewer, strlen(fewer));
    assert_true(d.incomplete);
    assert_int_equal(d.incomplete_line, 5);
    sysinfo_doc_free(&d);
    /* a line over the limit */
    size_t n = SYSINFO_MAX_LINE + 100;
    char *big = malloc(n + 64);
    assert_non_null(big);
    memcpy(big, "OS Name: ", 9);
    memset(big + 9, 'A', n);
    memcpy(big + 9 + n, "\nOS Version: 6.0.6002\n", 22);
    parse_fails(big, 9 + n + 22, "line 1: ");
    free(big);
}

/* More rows than the limit: an error at the first row past it, in linear time. */
static void test_too_many_rows(void **state)
{
    (void)state;
    kb_buf b = KB_BUF_INIT;
    assert_int_equal(kb_buf_printf(&b, "OS Name: a\nOS Version: 6.0.6002\nHotfix(s): %d Hotfix(s) Installed.\n",
                                   SYSINFO_MAX_HOTFIXES + 1), 0);
    for (int i = 1; i <= SYSINFO_MAX_HOTFIXES + 1; i++)
        assert_int_equal(kb_buf_printf(&b, "  [%02d]: KB%d\n", i, 1000000 + i), 0);
    char want[64];
    snprintf(want, sizeof want, "line %d: more than %d hotfix rows", SYSINFO_MAX_HOTFIXES + 4, SYSINFO_MAX_HOTFIXES);
    parse_fails(b.data, b.len, want);
    kb_buf_free(&b);
}

static sysinfo_qfe qfe_ok(const char *text, const char *format)
{
    sysinfo_qfe q;
    kb_error err = {0};
    if (sysinfo_parse_qfe("q.txt", (const uint8_t *)text, strlen(text), &q, &err) != 0)
        fail_msg("%s", err.msg);
    assert_string_equal(q.format, format);
    return q;
}

static void test_qfe_forms(void **state)
{
    (void)state;
    sysinfo_qfe q = qfe_ok("\r\n\r\nCaption=http://support.microsoft.com/?kbid=4493730\r\nCSName=SRV1\r\n"
                           "HotFixID=KB4493730\r\nInstalledOn=4/10/2019\r\n\r\n\r\nCaption=\r\nHotFixID=File 1\r\n\r\n"
                           "Caption=x\r\nHotFixID=4474419\r\n",
                           "wmic-list");
    assert_int_equal(q.hotfixes.n, 2);
    assert_int_equal(q.hotfixes.placeholders, 1);
    assert_int_equal(q.hotfixes.rows[1].number, 4474419);
    sysinfo_qfe_free(&q);
    /* the table: a non-ASCII user name before the column must not shift it */
    q = qfe_ok("Caption                   CSName     HotFixID   InstalledBy\n"
               "http://x/?kbid=4493730    SRVÄÖ      KB4493730  NT-AUTORITÄT\\SYSTEM\n"
               "                          SRVÄÖ      KB4474419\n",
               "wmic-table");
    assert_int_equal(q.hotfixes.n, 2);
    assert_string_equal(q.hotfixes.rows[0].id, "KB4493730");
    assert_int_equal(q.hotfixes.rows[1].number, 4474419);
    sysinfo_qfe_free(&q);
    q = qfe_ok("\nSource        Description      HotFixID      InstalledBy          InstalledOn\n"
               "------        -----------      --------      -----------          -----------\n"
               "SRV1          Update           KB4493730     NT AUTHORITY\\SYSTEM  4/10/2019 12:00:00 AM\n",
               "table");
    assert_int_equal(q.hotfixes.n, 1);
    sysinfo_qfe_free(&q);
    q = qfe_ok("\n\nSource      : SRV1\nDescription : Update\nHotFixID    : KB4493471\nInstalledBy : x\n\n"
               "Source      : SRV1\nHotFixID    : KB4474419\n",
               "format-list");
    assert_int_equal(q.hotfixes.n, 2);
    sysinfo_qfe_free(&q);
    q = qfe_ok("#TYPE System.Management.ManagementObject#root\\cimv2\\Win32_QuickFixEngineering\n"
               "\"PSComputerName\",\"Description\",\"HotFixID\",\"InstalledBy\"\n"
               "\"SRV1\",\"Update\",\"KB4493730\",\"x, y\"\n\"SRV1\",\"Security Update\",\"KB4493471\",\"\"\n",
               "csv");
    assert_int_equal(q.hotfixes.n, 2);
    assert_int_equal(q.hotfixes.rows[1].number, 4493471);
    sysinfo_qfe_free(&q);
}

static void assert_host(const sysinfo_field *f, const char *value, size_t line, const char *label)
{
    assert_non_null(f->value);
    assert_string_equal(f->value, value);
    assert_int_equal(f->line, line);
    assert_string_equal(f->label, label);
}

/* The host name each qfe form carries (CSName, or Get-HotFix's Source); a second host is kept
 * with its line, a later one or one in other case is not; none gives NULL. */
static void test_qfe_host(void **state)
{
    (void)state;
    sysinfo_qfe q = qfe_ok("\r\n\r\nCaption=x\r\nCSName=SRV1\r\nHotFixID=KB4493730\r\n\r\nCSName=srv1\r\n"
                           "HotFixID=KB4474419\r\n\r\nCSName=SRV2\r\nHotFixID=KB4493471\r\n\r\nCSName=SRV3\r\n"
                           "HotFixID=KB1\r\n", "wmic-list");
    assert_host(&q.host, "SRV1", 4, "CSName");
    assert_host(&q.other_host, "SRV2", 10, "CSName");
    sysinfo_qfe_free(&q);
    q = qfe_ok("Caption                   CSName     HotFixID   InstalledBy\n"
               "http://x/?kbid=4493730    SRVÄÖ      KB4493730  NT-AUTORITÄT\\SYSTEM\n"
               "                          srvÄÖ      KB4474419\n", "wmic-table");
    assert_host(&q.host, "SRVÄÖ", 2, "CSName");
    assert_null(q.other_host.value);
    sysinfo_qfe_free(&q);
    q = qfe_ok("\nSource        Description      HotFixID      InstalledBy          InstalledOn\n"
               "------        -----------      --------      -----------          -----------\n"
               "SRV1          Update           KB4493730     NT AUTHORITY\\SYSTEM  4/10/2019 12:00:00 AM\n"
               "SRV9          Update           KB4474419     NT AUTHORITY\\SYSTEM  4/10/2019 12:00:00 AM\n", "table");
    assert_host(&q.host, "SRV1", 4, "Source");
    assert_host(&q.other_host, "SRV9", 5, "Source");
    sysinfo_qfe_free(&q);
    q = qfe_ok("\n\nSource      : SRV1\nHotFixID    : KB4493471\n\nCSName      : SRV1\nHotFixID    : KB4474419\n",
               "format-list");
    assert_host(&q.host, "SRV1", 3, "Source");
    assert_null(q.other_host.value);
    sysinfo_qfe_free(&q);
    /* CSV: CSName is read even after a Source column and past the HotFixID one */
    q = qfe_ok("\"Source\",\"HotFixID\",\"CSName\"\n\"\",\"KB4493730\",\"SRV1\"\n", "csv");
    assert_host(&q.host, "SRV1", 2, "CSName");
    sysinfo_qfe_free(&q);
    q = qfe_ok("HotFixID   \nKB4493730  \n", "table");   /* wmic qfe get HotFixID */
    assert_null(q.host.value);
    assert_int_equal(q.host.line, 0);
    sysinfo_qfe_free(&q);
}

static void test_qfe_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *needle;
    } cases[] = {
        {"", "no text"},
        {"Caption   CSName\nx         y\n", "line 1: not wmic qfe or Get-HotFix output"},
        {"Caption=x\nCSName=y\n", "no \"HotFixID=\" line"},
        {"\"Caption\",\"CSName\"\n\"x\",\"y\"\n", "line 1: the CSV header has no HotFixID column"},
        {"\"Caption\",\"HotFixID\"\n\"x\"\n", "line 2: 1 cells: no HotFixID"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sysinfo_qfe q;
        kb_error err = {0};
        assert_int_equal(sysinfo_parse_qfe("q.txt", (const uint8_t *)cases[i].text, strlen(cases[i].text), &q, &err), -1);
        if (strstr(err.msg, cases[i].needle) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].needle);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english_list),   cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_oem_code_pages), cmocka_unit_test(test_other_languages),
        cmocka_unit_test(test_csv_form),       cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_too_many_rows),  cmocka_unit_test(test_qfe_forms), cmocka_unit_test(test_qfe_host),
        cmocka_unit_test(test_qfe_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
