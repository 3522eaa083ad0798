/* ntstrsafe.h: copies, concatenations, Printf and lengths, A and W, Cch and
 * Cb, with NTSTRSAFE's statuses; RtlUnicodeStringPrintf. */
#include "compat_test.h"

#include <string.h>
#include <wchar.h>

static void copies(void) {
    char a[8];
    CHECK_STATUS(RtlStringCchCopyA(a, sizeof a, "abc"), STATUS_SUCCESS);
    CHECK(strcmp(a, "abc") == 0);
    CHECK_STATUS(RtlStringCbCopyA(a, sizeof a, "1234567"), STATUS_SUCCESS); /* exactly fits */
    CHECK_STATUS(RtlStringCbCopyA(a, sizeof a, "12345678"), STATUS_BUFFER_OVERFLOW);
    CHECK(strcmp(a, "1234567") == 0); /* cut short and terminated */
    CHECK_STATUS(RtlStringCchCopyNA(a, sizeof a, "abcdef", 2), STATUS_SUCCESS);
    CHECK(strcmp(a, "ab") == 0);
    CHECK_STATUS(RtlStringCbCopyNA(a, sizeof a, "xy", 100), STATUS_SUCCESS); /* the source ends first */
    CHECK(strcmp(a, "xy") == 0);
    CHECK_STATUS(RtlStringCchCopyNA(a, 3, "abcdef", 4), STATUS_BUFFER_OVERFLOW);
    CHECK(strcmp(a, "ab") == 0);

    wchar_t w[6];
    CHECK_STATUS(RtlStringCchCopyW(w, ARRAYSIZE(w), L"wide"), STATUS_SUCCESS);
    CHECK(wcscmp(w, L"wide") == 0);
    CHECK_STATUS(RtlStringCbCopyW(w, sizeof w, L"too long"), STATUS_BUFFER_OVERFLOW);
    CHECK(wcscmp(w, L"too l") == 0);
    CHECK_STATUS(RtlStringCbCopyW(w, sizeof w + 3, L"ok"), STATUS_SUCCESS); /* stray bytes ignored */
    CHECK_STATUS(RtlStringCchCopyNW(w, ARRAYSIZE(w), L"abcdef", 3), STATUS_SUCCESS);
    CHECK(wcscmp(w, L"abc") == 0);
    CHECK_STATUS(RtlStringCbCopyNW(w, sizeof w, L"abcdef", 2 * sizeof(wchar_t)), STATUS_SUCCESS);
    CHECK(wcscmp(w, L"ab") == 0);
}

static void concatenations(void) {
    char a[8] = "ab";
    CHECK_STATUS(RtlStringCchCatA(a, sizeof a, "cd"), STATUS_SUCCESS);
    CHECK(strcmp(a, "abcd") == 0);
    CHECK_STATUS(RtlStringCbCatA(a, sizeof a, "efgh"), STATUS_BUFFER_OVERFLOW);
    CHECK(strcmp(a, "abcdefg") == 0);
    CHECK_STATUS(RtlStringCchCatA(a, sizeof a, ""), STATUS_SUCCESS); /* full, nothing to add */
    CHECK_STATUS(RtlStringCchCatA(a, sizeof a, "x"), STATUS_BUFFER_OVERFLOW);
    CHECK(strcmp(a, "abcdefg") == 0);
    a[0] = '\0';
    CHECK_STATUS(RtlStringCchCatNA(a, sizeof a, "12345", 2), STATUS_SUCCESS);
    CHECK_STATUS(RtlStringCbCatNA(a, sizeof a, "345", 1), STATUS_SUCCESS);
    CHECK(strcmp(a, "123") == 0);

    wchar_t w[8] = L"ab";
    CHECK_STATUS(RtlStringCchCatW(w, ARRAYSIZE(w), L"cd"), STATUS_SUCCESS);
    CHECK_STATUS(RtlStringCbCatW(w, sizeof w, L"efghij"), STATUS_BUFFER_OVERFLOW);
    CHECK(wcscmp(w, L"abcdefg") == 0);
    w[2] = L'\0';
    CHECK_STATUS(RtlStringCchCatNW(w, ARRAYSIZE(w), L"xyz", 1), STATUS_SUCCESS);
    CHECK_STATUS(RtlStringCbCatNW(w, sizeof w, L"yz", 100), STATUS_SUCCESS);
    CHECK(wcscmp(w, L"abxyz") == 0);
}

static void printf_forms(void) {
    char a[16];
    CHECK_STATUS(RtlStringCchPrintfA(a, sizeof a, "%Iu-%I64x-%s", (SIZE_T)12, 255ULL, "z"), STATUS_SUCCESS);
    CHECK(strcmp(a, "12-ff-z") == 0);
    CHECK_STATUS(RtlStringCbPrintfA(a, sizeof a, "%ws=%lu", L"wide", (ULONG)7), STATUS_SUCCESS);
    CHECK(strcmp(a, "wide=7") == 0);
    CHECK_STATUS(RtlStringCbPrintfA(a, sizeof a, "%s", "0123456789abcdefXYZ"), STATUS_BUFFER_OVERFLOW);
    CHECK(strcmp(a, "0123456789abcde") == 0);

    wchar_t w[16];
    CHECK_STATUS(RtlStringCchPrintfW(w, ARRAYSIZE(w), L"%s|%ws|%S|%Id", L"w1", L"w2", "n\xC3\xA9", (SSIZE_T)-3),
                 STATUS_SUCCESS);
    CHECK(wcscmp(w, L"w1|w2|n\u00e9|-3") == 0); /* %s is wide in a wide format; %S narrow, UTF-8 */
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"Ram0");
    CHECK_STATUS(RtlStringCbPrintfW(w, sizeof w, L"<%wZ> %hs %c", &name, "h", L'c'), STATUS_SUCCESS);
    CHECK(wcscmp(w, L"<Ram0> h c") == 0);
    CHECK_STATUS(RtlStringCchPrintfW(w, 4, L"%d", 123456), STATUS_BUFFER_OVERFLOW);
    CHECK(wcscmp(w, L"123") == 0);
}

static void lengths(void) {
    size_t n = 99;
    CHECK_STATUS(RtlStringCchLengthA("abc", 10, &n), STATUS_SUCCESS);
    CHECK_EQ(n, 3);
    CHECK_STATUS(RtlStringCbLengthA("abc", 4, &n), STATUS_SUCCESS);
    CHECK_EQ(n, 3);
    CHECK_STATUS(RtlStringCchLengthA("abc", 3, &n), STATUS_INVALID_PARAMETER); /* no NUL within 3 */
    CHECK_EQ(n, 0);
    CHECK_STATUS(RtlStringCchLengthW(L"abcd", 5, &n), STATUS_SUCCESS);
    CHECK_EQ(n, 4);
    CHECK_STATUS(RtlStringCbLengthW(L"abcd", 5 * sizeof(wchar_t), &n), STATUS_SUCCESS);
    CHECK_EQ(n, 4 * sizeof(wchar_t));
    CHECK_STATUS(RtlStringCbLengthW(L"abcd", 4 * sizeof(wchar_t), &n), STATUS_INVALID_PARAMETER);
    CHECK_EQ(n, 0);
    CHECK_STATUS(RtlStringCchLengthA("", 1, NULL), STATUS_SUCCESS); /* the length is optional */
}

static void unicode_string_printf(void) {
    DECLARE_UNICODE_STRING_SIZE(s, 8);
    CHECK_STATUS(RtlUnicodeStringPrintf(&s, L"%s-%d", L"ab", 12), STATUS_SUCCESS);
    CHECK_EQ(s.Length, 5 * sizeof(WCHAR));
    CHECK(memcmp(s.Buffer, L"ab-12", 5 * sizeof(WCHAR)) == 0);
    CHECK_STATUS(RtlUnicodeStringPrintf(&s, L"%s", L"0123456789"), STATUS_BUFFER_OVERFLOW);
    CHECK_EQ(s.Length, 8 * sizeof(WCHAR)); /* filled, no room needed for a NUL */
    /* Bad input: malformed strings, NULLs. */
    UNICODE_STRING bad = s;
    bad.Length = 3;
    CHECK_STATUS(RtlUnicodeStringPrintf(&bad, L"x"), STATUS_INVALID_PARAMETER);
    bad = s;
    bad.Length = bad.MaximumLength + sizeof(WCHAR);
    CHECK_STATUS(RtlUnicodeStringPrintf(&bad, L"x"), STATUS_INVALID_PARAMETER);
    bad.Length = 0;
    bad.Buffer = NULL;
    CHECK_STATUS(RtlUnicodeStringPrintf(&bad, L"x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlUnicodeStringPrintf(NULL, L"x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlUnicodeStringPrintf(&s, NULL), STATUS_INVALID_PARAMETER);
}

static void strsafe_bad_input(void) {
    WdfioHostSetLogCallback(NULL, NULL);
    char a[4] = "old";
    wchar_t w[4] = L"old";
    const size_t too_big = (size_t)NTSTRSAFE_MAX_CCH + 1;
    /* A zero or too large size: STATUS_INVALID_PARAMETER; with room, the destination becomes "". */
    CHECK_STATUS(RtlStringCchCopyA(a, 0, "x"), STATUS_INVALID_PARAMETER);
    CHECK(strcmp(a, "old") == 0); /* no room: untouched */
    CHECK_STATUS(RtlStringCchCopyA(a, too_big, "x"), STATUS_INVALID_PARAMETER);
    CHECK(a[0] == '\0');
    CHECK_STATUS(RtlStringCbCopyW(w, too_big * sizeof(wchar_t), L"x"), STATUS_INVALID_PARAMETER);
    CHECK(w[0] == L'\0');
    CHECK_STATUS(RtlStringCbCopyW(w, sizeof(wchar_t) - 1, L"x"), STATUS_INVALID_PARAMETER); /* < 1 character */
    CHECK_STATUS(RtlStringCchCopyW(w, 0, L"x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbCopyA(a, SIZE_MAX, "x"), STATUS_INVALID_PARAMETER);
    /* NULL pointers. */
    CHECK_STATUS(RtlStringCchCopyA(NULL, 4, "x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCchCopyA(a, sizeof a, NULL), STATUS_INVALID_PARAMETER);
    CHECK(a[0] == '\0');
    CHECK_STATUS(RtlStringCchCopyW(NULL, 4, L"x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbCopyA(NULL, 4, "x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCchCopyNA(a, sizeof a, "x", too_big), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCchCopyNW(w, ARRAYSIZE(w), NULL, 1), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbCopyNA(a, 0, "x", 1), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbCopyNW(NULL, 8, L"x", 4), STATUS_INVALID_PARAMETER);
    /* Cat: the destination's text is kept on refusal; no NUL within its size is refused. */
    strcpy(a, "ab");
    CHECK_STATUS(RtlStringCchCatA(a, 0, "x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCchCatA(a, too_big, "x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCchCatA(a, sizeof a, NULL), STATUS_INVALID_PARAMETER);
    CHECK(strcmp(a, "ab") == 0);
    CHECK_STATUS(RtlStringCchCatA(a, 2, "x"), STATUS_INVALID_PARAMETER); /* "ab" has no NUL within 2 */
    CHECK_STATUS(RtlStringCchCatW(NULL, 4, L"x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbCatA(NULL, 4, "x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbCatW(w, 0, L"x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCchCatNA(a, sizeof a, "x", too_big), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCchCatNW(w, 0, L"x", 1), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbCatNA(NULL, 4, "x", 1), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbCatNW(w, sizeof w, NULL, 4), STATUS_INVALID_PARAMETER);
    /* Printf. */
    CHECK_STATUS(RtlStringCchPrintfA(a, sizeof a, NULL), STATUS_INVALID_PARAMETER);
    CHECK(a[0] == '\0');
    CHECK_STATUS(RtlStringCchPrintfA(NULL, 4, "x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbPrintfA(a, 0, "x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCchPrintfW(w, too_big, L"x"), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbPrintfW(w, sizeof w, NULL), STATUS_INVALID_PARAMETER);
    /* Lengths. */
    size_t n = 5;
    CHECK_STATUS(RtlStringCchLengthA(NULL, 4, &n), STATUS_INVALID_PARAMETER);
    CHECK_EQ(n, 0);
    CHECK_STATUS(RtlStringCchLengthA("x", 0, &n), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCchLengthW(L"x", too_big, &n), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbLengthA("x", too_big, &n), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(RtlStringCbLengthW(NULL, 8, NULL), STATUS_INVALID_PARAMETER);
}

static NTSTATUS va_printf(int wide, size_t size, const void* format, ...) {
    va_list args;
    va_start(args, format);
    static char a[8];
    static wchar_t w[8];
    NTSTATUS s = wide ? (size ? RtlStringCbVPrintfW(w, size, (const wchar_t*)format, args)
                              : RtlStringCchVPrintfW(w, ARRAYSIZE(w), (const wchar_t*)format, args))
                      : (size ? RtlStringCbVPrintfA(a, size, (const char*)format, args)
                              : RtlStringCchVPrintfA(a, sizeof a, (const char*)format, args));
    va_end(args);
    return s;
}

static void va_list_forms(void) {
    CHECK_STATUS(va_printf(0, 0, "%d", 5), STATUS_SUCCESS);
    CHECK_STATUS(va_printf(0, 4, "%d", 12345), STATUS_BUFFER_OVERFLOW);
    CHECK_STATUS(va_printf(1, 0, L"%ws", L"x"), STATUS_SUCCESS);
    CHECK_STATUS(va_printf(1, 8, L"%d", 12345), STATUS_BUFFER_OVERFLOW); /* 2 wide characters */
    CHECK_STATUS(va_printf(0, 0, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(va_printf(1, 2, L"x"), STATUS_INVALID_PARAMETER); /* less than one wide character */
    CHECK_STATUS(va_printf(1, 0, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(va_printf(0, SIZE_MAX, "x"), STATUS_INVALID_PARAMETER);
}

const compat_test strsafe_tests[] = {
    {"StrSafe.Copies", copies},
    {"StrSafe.Concatenations", concatenations},
    {"StrSafe.PrintfForms", printf_forms},
    {"StrSafe.Lengths", lengths},
    {"StrSafe.UnicodeStringPrintf", unicode_string_printf},
    {"StrSafe.BadInput", strsafe_bad_input},
    {"StrSafe.VaListForms", va_list_forms},
    {NULL, NULL},
};
