/* kbaudit_linkcheck.exe: the Windows build's dependencies on their own, before and apart from
 * kbaudit's code. It uses each part of the static libxml2 kbaudit uses (parser, Relax-NG,
 * xmlwriter), zlib, and the registry through advapi32 the way live mode will (64-bit view),
 * so that check_imports.py sees the imports they bring and wine can show they work. Exit 0
 * when every part gave the expected answer. */
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlwriter.h>
#include <zlib.h>

static const char schema[] =
    "<element name='update' xmlns='http://relaxng.org/ns/structure/1.0'>"
    "<attribute name='kb'><text/></attribute></element>";
static const char good[] = "<update kb='4493730'/>";
static const char bad[] = "<update id='4493730'/>";

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static int validates(xmlRelaxNGPtr rng, const char *text)
{
    xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "update.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return -1;
    xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(rng);
    int rc = vctx ? xmlRelaxNGValidateDoc(vctx, doc) : -1;
    xmlRelaxNGFreeValidCtxt(vctx);
    xmlFreeDoc(doc);
    return rc;
}

int main(void)
{
    int failures = 0;
    LIBXML_TEST_VERSION
    xmlSetGenericErrorFunc(NULL, quiet);

    xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewMemParserCtxt(schema, (int)sizeof schema - 1);
    xmlRelaxNGPtr rng = pctx ? xmlRelaxNGParse(pctx) : NULL;
    xmlRelaxNGFreeParserCtxt(pctx);
    int good_rc = rng ? validates(rng, good) : -1;
    int bad_rc = rng ? validates(rng, bad) : -1;
    xmlRelaxNGFree(rng);
    printf("libxml2 %s: Relax-NG valid document %s, invalid document %s\n", xmlParserVersion,
           good_rc == 0 ? "accepted" : "REJECTED", bad_rc > 0 ? "rejected" : "NOT REJECTED");
    failures += good_rc != 0;
    failures += bad_rc <= 0;

    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    int wrc = w ? xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) : -1;
    if (wrc >= 0)
        wrc = xmlTextWriterStartElement(w, BAD_CAST "update");
    if (wrc >= 0)
        wrc = xmlTextWriterWriteAttribute(w, BAD_CAST "kb", BAD_CAST "4474419");
    if (wrc >= 0)
        wrc = xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    int wrote = wrc >= 0 && strstr((const char *)xmlBufferContent(buf), "kb=\"4474419\"") != NULL;
    printf("xmlwriter: %s\n", wrote ? "wrote the element" : "FAILED");
    failures += !wrote;
    xmlBufferFree(buf);

    static const char text[] = "Windows Server 2008 SP2 build 6003";
    Bytef packed[128], unpacked[128];
    uLongf packed_len = sizeof packed, unpacked_len = sizeof unpacked;
    int zrc = compress(packed, &packed_len, (const Bytef *)text, sizeof text);
    if (zrc == Z_OK)
        zrc = uncompress(unpacked, &unpacked_len, packed, packed_len);
    int zok = zrc == Z_OK && unpacked_len == sizeof text && memcmp(unpacked, text, sizeof text) == 0;
    printf("zlib %s: round trip %s\n", zlibVersion(), zok ? "ok" : "FAILED");
    failures += !zok;

    HKEY key;
    LONG rrc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
                             0, KEY_READ | KEY_WOW64_64KEY, &key);
    printf("advapi32: HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion %s (%ld)\n",
           rrc == ERROR_SUCCESS ? "opened" : "NOT OPENED", (long)rrc);
    if (rrc == ERROR_SUCCESS)
        RegCloseKey(key);
    failures += rrc != ERROR_SUCCESS;

    xmlCleanupParser();
    return failures ? 1 : 0;
}
