/* Field labels of systeminfo in the languages kbaudit reads. The label is the text before
 * the colon in the LIST form and the column title in the CSV form. Sources and which labels
 * are confirmed from real output are in docs/sysinfo.md. */
#include "sysinfo_labels.h"

const sysinfo_label sysinfo_labels[] = {
    {SYSINFO_HOST_NAME, "en", "Host Name"},
    {SYSINFO_OS_NAME, "en", "OS Name"},
    {SYSINFO_OS_VERSION, "en", "OS Version"},
    {SYSINFO_SYSTEM_TYPE, "en", "System Type"},
    {SYSINFO_HOTFIXES, "en", "Hotfix(s)"},

    {SYSINFO_HOST_NAME, "de", "Hostname"},
    {SYSINFO_OS_NAME, "de", "Betriebssystemname"},
    {SYSINFO_OS_VERSION, "de", "Betriebssystemversion"},
    {SYSINFO_SYSTEM_TYPE, "de", "Systemtyp"},
    {SYSINFO_HOTFIXES, "de", "Hotfix(es)"},

    {SYSINFO_HOST_NAME, "fr", "Nom de l'hôte"},
    {SYSINFO_HOST_NAME, "fr", "Nom de l\xE2\x80\x99hôte"},
    {SYSINFO_OS_NAME, "fr", "Nom du système d'exploitation"},
    {SYSINFO_OS_NAME, "fr", "Nom du système d\xE2\x80\x99" "exploitation"},
    {SYSINFO_OS_VERSION, "fr", "Version du système"},
    {SYSINFO_SYSTEM_TYPE, "fr", "Type du système"},
    {SYSINFO_HOTFIXES, "fr", "Correctif(s)"},

    {SYSINFO_HOST_NAME, "es", "Nombre de host"},
    {SYSINFO_OS_NAME, "es", "Nombre del sistema operativo"},
    {SYSINFO_OS_VERSION, "es", "Versión del sistema operativo"},
    {SYSINFO_SYSTEM_TYPE, "es", "Tipo de sistema"},
    {SYSINFO_HOTFIXES, "es", "Revisión(es)"},

    {SYSINFO_HOST_NAME, "nl", "Hostnaam"},
    {SYSINFO_OS_NAME, "nl", "Naam besturingssysteem"},
    {SYSINFO_OS_VERSION, "nl", "Versie besturingssysteem"},
    {SYSINFO_SYSTEM_TYPE, "nl", "Systeemtype"},
    {SYSINFO_HOTFIXES, "nl", "Hotfix(es)"},

    {SYSINFO_HOST_NAME, "it", "Nome host"},
    {SYSINFO_OS_NAME, "it", "Nome SO"},
    {SYSINFO_OS_NAME, "it", "Sistema operativo"},   /* seen in one source only, docs/sysinfo.md */
    {SYSINFO_OS_VERSION, "it", "Versione SO"},
    {SYSINFO_SYSTEM_TYPE, "it", "Tipo sistema"},
    {SYSINFO_HOTFIXES, "it", "Aggiornamenti rapidi"},

    {SYSINFO_HOST_NAME, "ru", "Имя узла"},
    {SYSINFO_OS_NAME, "ru", "Название ОС"},
    {SYSINFO_OS_VERSION, "ru", "Версия ОС"},
    {SYSINFO_SYSTEM_TYPE, "ru", "Тип системы"},
    {SYSINFO_HOTFIXES, "ru", "Исправление(я)"},

    {SYSINFO_HOST_NAME, "zh", "主机名"},
    {SYSINFO_OS_NAME, "zh", "OS 名称"},
    {SYSINFO_OS_VERSION, "zh", "OS 版本"},
    {SYSINFO_SYSTEM_TYPE, "zh", "系统类型"},
    {SYSINFO_HOTFIXES, "zh", "修补程序"},
};

const size_t sysinfo_nlabels = sizeof sysinfo_labels / sizeof sysinfo_labels[0];
