/* DbgPrint, DbgPrintEx, vDbgPrintEx, KdPrint, KdPrintEx with Windows' format
 * prefixes, seen through WdfioHostSetLogCallback; ASSERT, NT_ASSERT,
 * NT_VERIFY and RtlAssert. */
#include "compat_test.h"

#include <stdarg.h>
#include <string.h>

static char logged[1024];       /* the last line */
static char first_logged[1024]; /* the first since start_capture */
static ULONG logged_level;
static int logged_lines;
static void capture_log(ULONG level, const char* message, PVOID context) {
    (void)context;
    logged_level = level;
    if (++logged_lines == 1) snprintf(first_logged, sizeof first_logged, "%s", message);
    snprintf(logged, sizeof logged, "%s", message);
}

static void start_capture(void) {
    logged[0] = '\0';
    logged_lines = 0;
    WdfioHostSetLogCallback(capture_log, NULL);
}

/* Prints, then checks the line the log received. */
#define CHECK_PRINTS(want, ...)                                        \
    do {                                                               \
        logged[0] = '\0';                                              \
        CHECK_STATUS((NTSTATUS)DbgPrint(__VA_ARGS__), STATUS_SUCCESS); \
        if (strcmp(logged, want) != 0) {                               \
            fprintf(stderr, "  logged \"%s\"\n", logged);              \
            compat_fail(__FILE__, __LINE__, "DbgPrint gives " want);   \
        }                                                              \
    } while (0)

static void windows_size_prefixes(void) {
    start_capture();
    const SIZE_T size = (SIZE_T)1 << 40;
    const SSIZE_T negative = -((SSIZE_T)1 << 40);
    CHECK_PRINTS("1099511627776", "%Iu", size);
    CHECK_PRINTS("-1099511627776", "%Id", negative);
    CHECK_PRINTS("10000000000 10000000000", "%Ix %IX", size, size);
    CHECK_PRINTS("ABCDEF0123 abcdef0123", "%IX %Ix", (ULONG_PTR)0xABCDEF0123, (ULONG_PTR)0xABCDEF0123);
    CHECK_PRINTS("-9000000000 18000000000 2540be400", "%I64d %I64u %I64x", -9000000000LL, 18000000000ULL,
                 10000000000ULL);
    CHECK_PRINTS("-5 4294967295 ffffffff", "%I32d %I32u %I32x", (LONG)-5, (ULONG)0xFFFFFFFF, (ULONG)0xFFFFFFFF);
    /* %l is 32 bits, as LONG/ULONG are: the way drivers print NTSTATUS. */
    CHECK_PRINTS("status 0xc000000d -7 4000000000", "status 0x%lx %ld %lu", (ULONG)STATUS_INVALID_PARAMETER, (LONG)-7,
                 (ULONG)4000000000u);
    CHECK_PRINTS("-2 255 -9223372036854775807 42", "%hd %hhu %lld %zu", (SHORT)-2, (UCHAR)255, -9223372036854775807LL,
                 (size_t)42);
    CHECK_PRINTS("[   42] [42   ] [00042] [+7] [0x1f] [1.50]", "[%5d] [%-5d] [%05d] [%+d] [%#x] [%.2f]", 42, 42, 42, 7,
                 31, 1.5);
    CHECK_PRINTS("[  7] [7  ]", "[%*d] [%-*d]", 3, 7, 3, 7);
    CHECK_PRINTS("100% done", "%d%% done", 100);
    CHECK_PRINTS("00000000DEADBEEF", "%p", (void*)(uintptr_t)0xDEADBEEF);
    WdfioHostSetLogCallback(NULL, NULL);
}

static void strings_and_characters(void) {
    start_capture();
    CHECK_PRINTS("narrow wide WIDE also", "%s %ws %S %ls", "narrow", L"wide", L"WIDE", L"also");
    CHECK_PRINTS("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "%ws %ws %ws", L"caf\u00e9", L"\u20ac", L"\U0001F600");
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\Ram0");
    name.Length -= sizeof(WCHAR); /* counted, not NUL-terminated: stops at Length */
    CHECK_PRINTS("name=\\Device\\Ram", "name=%wZ", &name);
    CHECK_PRINTS("\\Dev", "%.4wZ", &name);
    ANSI_STRING ansi = RTL_CONSTANT_STRING("ansi!");
    CHECK_PRINTS("ansi!", "%Z", &ansi);
    CHECK_PRINTS("(null) (null) (null) (null)", "%s %ws %wZ %Z", (char*)NULL, (wchar_t*)NULL, (PUNICODE_STRING)NULL,
                 (PANSI_STRING)NULL);
    UNICODE_STRING empty = {0, 0, NULL};
    CHECK_PRINTS("[(null)]", "[%wZ]", &empty);
    CHECK_PRINTS("x Y \xC3\xA9", "%c %C %wc", 'x', (wint_t)L'Y', (wint_t)L'\u00e9');
    CHECK_PRINTS("[abc] [  abc] [ab]", "[%s] [%5s] [%.2s]", "abc", "abc", "abc");
    char unterminated[3] = {'x', 'y', 'z'}; /* precision bounds the read */
    CHECK_PRINTS("xy", "%.2s", unterminated);
    WdfioHostSetLogCallback(NULL, NULL);
}

static void lines_and_levels(void) {
    start_capture();
    CHECK_STATUS((NTSTATUS)DbgPrint("one line\n"), STATUS_SUCCESS);
    CHECK_EQ(strcmp(logged, "one line"), 0); /* the log adds its own line end */
    CHECK_EQ(logged_level, 2);
    CHECK_STATUS((NTSTATUS)DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "e %d\n", 1), STATUS_SUCCESS);
    CHECK(strcmp(logged, "e 1") == 0 && logged_level == 0);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_WARNING_LEVEL, "w");
    CHECK_EQ(logged_level, 1);
    DbgPrintEx(DPFLTR_DEFAULT_ID, DPFLTR_TRACE_LEVEL, "t");
    CHECK_EQ(logged_level, 2);
    DbgPrintEx(DPFLTR_DEFAULT_ID, DPFLTR_INFO_LEVEL, "i");
    CHECK_EQ(logged_level, 2);
    KdPrint(("kd %Iu\n", (SIZE_T)5));
    CHECK_EQ(strcmp(logged, "kd 5"), 0);
    KdPrintEx((DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "kdex %ws", L"x"));
    CHECK(strcmp(logged, "kdex x") == 0 && logged_level == 0);
    /* Text that looks like a format after expansion stays text. */
    DbgPrint("%s", "%d %s %n");
    CHECK_EQ(strcmp(logged, "%d %s %n"), 0);
    /* Unknown conversions are shown as written; %n writes nothing. */
    int untouched = 5;
    DbgPrint("a%kb %n|%d", &untouched, 3);
    CHECK_EQ(strcmp(logged, "a%kb |3"), 0);
    CHECK_EQ(untouched, 5);
    DbgPrint("trailing %");
    CHECK_EQ(strcmp(logged, "trailing %"), 0);
    /* A line longer than a log line is cut short, not overrun. */
    char long_text[3000];
    memset(long_text, 'z', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    DbgPrint("%s", long_text);
    CHECK(strlen(logged) > 500 && strlen(logged) < 1024);
    /* Bad input. */
    const int lines = logged_lines;
    CHECK_STATUS((NTSTATUS)DbgPrint(NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS((NTSTATUS)DbgPrintEx(0, 0, NULL), STATUS_INVALID_PARAMETER);
    CHECK_EQ(logged_lines, lines);
    WdfioHostSetLogCallback(NULL, NULL);
}

static ULONG print_through_va_list(ULONG level, PCSTR format, ...) {
    va_list args;
    va_start(args, format);
    const ULONG s = vDbgPrintEx(DPFLTR_IHVDRIVER_ID, level, format, args);
    va_end(args);
    return s;
}

static void va_list_form(void) {
    start_capture();
    CHECK_STATUS((NTSTATUS)print_through_va_list(DPFLTR_WARNING_LEVEL, "v %I64u %wZ", 7ULL, (PUNICODE_STRING)NULL),
                 STATUS_SUCCESS);
    CHECK(strcmp(logged, "v 7 (null)") == 0 && logged_level == 1);
    CHECK_STATUS((NTSTATUS)print_through_va_list(DPFLTR_ERROR_LEVEL, NULL), STATUS_INVALID_PARAMETER);
    WdfioHostSetLogCallback(NULL, NULL);
}

static int evaluations;
static int counted(int value) {
    ++evaluations;
    return value;
}

static void assertions(void) {
    start_capture();
    const ULONGLONG before = WdfioHostVerifierViolations();
    ASSERT(counted(1));
    NT_ASSERT(1 + 1 == 2);
    CHECK_EQ(logged_lines, 0);
    CHECK_EQ(WdfioHostVerifierViolations(), before);

    /* WDFIO_VERIFIER=report: logged and counted, and the program goes on. */
    const int line = __LINE__ + 1;
    ASSERT(counted(0) == 1);
    CHECK_EQ(WdfioHostVerifierViolations(), before + 1);
    char where[64];
    snprintf(where, sizeof where, "debug_print_test.c:%d: ASSERT(counted(0) == 1) failed", line);
    CHECK(strstr(first_logged, where) != NULL);
    CHECK_EQ(logged_lines, 2); /* the assertion, then the verifier's report */
    WdfioHostSetLogCallback(NULL, NULL);

    start_capture();
    NT_ASSERTMSG("the message", 0);
    CHECK_EQ(WdfioHostVerifierViolations(), before + 2);
    CHECK(strstr(first_logged, "ASSERT(0) failed: the message") != NULL);
    /* NT_VERIFY evaluates its expression in every build and gives its truth. */
    evaluations = 0;
    CHECK(NT_VERIFY(counted(3) == 3) == TRUE);
    CHECK(NT_VERIFY(counted(3) == 4) == FALSE);
    CHECK_EQ(evaluations, 2);
    CHECK_EQ(WdfioHostVerifierViolations(), before + 3);
    /* RtlAssert itself, with nothing to name. */
    RtlAssert(NULL, NULL, 0, NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), before + 4);
    WdfioHostSetLogCallback(NULL, NULL);
}

const compat_test debug_print_tests[] = {
    {"DebugPrint.WindowsSizePrefixes", windows_size_prefixes},
    {"DebugPrint.StringsAndCharacters", strings_and_characters},
    {"DebugPrint.LinesAndLevels", lines_and_levels},
    {"DebugPrint.VaListForm", va_list_form},
    {"DebugPrint.Assertions", assertions},
    {NULL, NULL},
};
