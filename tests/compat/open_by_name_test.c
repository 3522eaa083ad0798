/* WdfIoTargetOpen by name with KMDF's UNICODE_STRING TargetDeviceName:
 * Length-counted wide names become UTF-8 paths; malformed ones are refused. */
#include "compat_test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens `name` for reading on a new target; the target, or NULL. */
static NTSTATUS open_named(PCUNICODE_STRING name, WDFIOTARGET* target) {
    *target = NULL;
    NTSTATUS s = WdfIoTargetCreate(NULL, NULL, target);
    if (!NT_SUCCESS(s)) return s;
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, name, GENERIC_READ);
    s = WdfIoTargetOpen(*target, &open);
    if (NT_SUCCESS(s) && open.FileInformation != FILE_OPENED) s = STATUS_UNSUCCESSFUL;
    return s;
}

static void non_ascii_names_open_their_utf8_paths(void) {
    char path[64] = "/tmp/wdfio-\xC3\xA9\xE2\x82\xAC-XXXXXX"; /* é€ in UTF-8 */
    const int fd = mkstemp(path);
    REQUIRE_STATUS(fd >= 0 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL, STATUS_SUCCESS);
    close(fd);
    WCHAR wide[64] = L"/tmp/wdfio-\u00e9\u20ac-";
    const size_t prefix = wcslen(wide);
    for (size_t i = 0; i < 6; ++i) wide[prefix + i] = (WCHAR)path[strlen(path) - 6 + i];
    wide[prefix + 6] = L'\0';
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, wide);
    WDFIOTARGET target;
    CHECK_STATUS(open_named(&name, &target), STATUS_SUCCESS);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStarted);
    /* Reopen uses the converted name. */
    WdfIoTargetClose(target);
    WDF_IO_TARGET_OPEN_PARAMS reopen;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_REOPEN(&reopen);
    CHECK_STATUS(WdfIoTargetOpen(target, &reopen), STATUS_SUCCESS);
    WdfObjectDelete(target);
    unlink(path);

    /* Created by a wide name: the file Linux sees has the UTF-8 name. */
    DECLARE_CONST_UNICODE_STRING(created, L"/tmp/wdfio-\u00fcber-\U0001F600.img");
    const char* created_utf8 =
        "/tmp/wdfio-\xC3\xBC"
        "ber-\xF0\x9F\x98\x80.img";
    unlink(created_utf8);
    REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &target), STATUS_SUCCESS);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_CREATE_BY_NAME(&open, &created, GENERIC_WRITE);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);
    struct stat st;
    CHECK(stat(created_utf8, &st) == 0);
    WdfObjectDelete(target);
    unlink(created_utf8);
}

static void the_length_ends_the_name_not_a_nul(void) {
    WCHAR text[] = L"/dev/nullXYZ";
    UNICODE_STRING name = {(USHORT)(9 * sizeof(WCHAR)), (USHORT)sizeof text, text}; /* "/dev/null" */
    WDFIOTARGET target;
    CHECK_STATUS(open_named(&name, &target), STATUS_SUCCESS);
    WdfObjectDelete(target);
    name.Length = (USHORT)(9 * sizeof(WCHAR));
    name.MaximumLength = name.Length; /* no room for a NUL: fine */
    CHECK_STATUS(open_named(&name, &target), STATUS_SUCCESS);
    WdfObjectDelete(target);
}

static void malformed_names_are_refused(void) {
    WCHAR text[] = L"/dev/null";
    WDFIOTARGET target;
    UNICODE_STRING name = {(USHORT)(9 * sizeof(WCHAR) - 1), (USHORT)sizeof text, text}; /* not whole characters */
    CHECK_STATUS(open_named(&name, &target), STATUS_INVALID_PARAMETER);
    WdfObjectDelete(target);
    name.Length = (USHORT)(9 * sizeof(WCHAR));
    name.MaximumLength = (USHORT)(8 * sizeof(WCHAR)); /* Length above MaximumLength */
    CHECK_STATUS(open_named(&name, &target), STATUS_INVALID_PARAMETER);
    WdfObjectDelete(target);
    name.MaximumLength = name.Length;
    name.Buffer = NULL; /* characters counted, none there */
    CHECK_STATUS(open_named(&name, &target), STATUS_INVALID_PARAMETER);
    WdfObjectDelete(target);
    name.Length = 0; /* empty */
    CHECK_STATUS(open_named(&name, &target), STATUS_INVALID_PARAMETER);
    WdfObjectDelete(target);
    CHECK_STATUS(open_named(NULL, &target), STATUS_INVALID_PARAMETER); /* the INIT macro had no name */
    WdfObjectDelete(target);

    /* Characters no path can hold: a NUL, a surrogate, beyond U+10FFFF. */
    const WCHAR bad[] = {0, 0xD800, 0x110000};
    for (size_t i = 0; i < ARRAYSIZE(bad); ++i) {
        WCHAR with_bad[] = L"/dev/null";
        with_bad[4] = bad[i];
        UNICODE_STRING s = {(USHORT)(9 * sizeof(WCHAR)), (USHORT)sizeof with_bad, with_bad};
        CHECK_STATUS(open_named(&s, &target), STATUS_OBJECT_NAME_INVALID);
        CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetClosed);
        WdfObjectDelete(target);
    }
}

const compat_test open_by_name_tests[] = {
    {"OpenByName.NonAsciiNamesOpenTheirUtf8Paths", non_ascii_names_open_their_utf8_paths},
    {"OpenByName.TheLengthEndsTheNameNotANul", the_length_ends_the_name_not_a_nul},
    {"OpenByName.MalformedNamesAreRefused", malformed_names_are_refused},
    {NULL, NULL},
};
