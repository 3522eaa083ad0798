/* The Windows base around I/O: types and status classes, CTL_CODE, Rtl
 * memory and counted strings, GUIDs, Interlocked*, and Ke time and delays. */
#include "compat_test.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

/* Sizes as on 64-bit Windows (LONG stays 32 bits); C_ASSERT at file scope. */
C_ASSERT(sizeof(LONG) == 4 && sizeof(ULONG) == 4 && sizeof(LONG64) == 8 && sizeof(LONGLONG) == 8);
C_ASSERT(sizeof(ULONG_PTR) == sizeof(void*) && sizeof(SIZE_T) == sizeof(void*) && sizeof(HANDLE) == sizeof(void*));
C_ASSERT(sizeof(CHAR) == 1 && sizeof(SHORT) == 2 && sizeof(USHORT) == 2 && sizeof(BOOLEAN) == 1);
C_ASSERT(sizeof(BYTE) == 1 && sizeof(WORD) == 2 && sizeof(DWORD) == 4 && sizeof(WCHAR) == sizeof(wchar_t));
C_ASSERT(sizeof(LARGE_INTEGER) == 8 && sizeof(ULARGE_INTEGER) == 8 && sizeof(GUID) == 16);
C_ASSERT(sizeof(UNICODE_STRING) == 16 && FIELD_OFFSET(UNICODE_STRING, Buffer) == 8);
C_ASSERT(sizeof(LIST_ENTRY) == 2 * sizeof(void*));

static void types_and_status_classes(void) {
    C_ASSERT(sizeof(INT) == 4); /* and at block scope */
    LARGE_INTEGER li;
    li.QuadPart = 0x123456789ABCDEF0LL;
    CHECK_EQ(li.LowPart, 0x9ABCDEF0u);
    CHECK_EQ(li.HighPart, 0x12345678);
    CHECK_EQ(li.u.LowPart, 0x9ABCDEF0u);
    ULARGE_INTEGER ul;
    ul.u.HighPart = 1;
    ul.u.LowPart = 2;
    CHECK_EQ(ul.QuadPart, 0x100000002ULL);

    CHECK(NT_SUCCESS(STATUS_SUCCESS) && !NT_INFORMATION(STATUS_SUCCESS) && !NT_ERROR(STATUS_SUCCESS));
    CHECK(NT_SUCCESS(STATUS_OBJECT_NAME_EXISTS) && NT_INFORMATION(STATUS_OBJECT_NAME_EXISTS));
    CHECK(!NT_SUCCESS(STATUS_BUFFER_OVERFLOW) && NT_WARNING(STATUS_BUFFER_OVERFLOW));
    CHECK(!NT_SUCCESS(STATUS_INVALID_PARAMETER) && NT_ERROR(STATUS_INVALID_PARAMETER));
    CHECK(!NT_WARNING(STATUS_INVALID_PARAMETER) && !NT_INFORMATION(STATUS_BUFFER_OVERFLOW));

    struct outer {
        int a;
        LIST_ENTRY link;
    } o;
    CHECK(CONTAINING_RECORD(&o.link, struct outer, link) == &o);
    int array[7];
    CHECK_EQ(ARRAYSIZE(array), 7);
    UNREFERENCED_PARAMETER(array);
}

static void control_codes(void) {
    const ULONG code = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS);
    CHECK_EQ(code, 0x00222000u); /* the value every WDK sample's first private IOCTL has */
    CHECK_EQ(CTL_CODE(FILE_DEVICE_DISK, 1, METHOD_OUT_DIRECT, FILE_READ_ACCESS | FILE_WRITE_ACCESS), 0x0007C006u);
    CHECK_EQ(DEVICE_TYPE_FROM_CTL_CODE(code), FILE_DEVICE_UNKNOWN);
    CHECK_EQ(METHOD_FROM_CTL_CODE(CTL_CODE(FILE_DEVICE_NULL, 3, METHOD_NEITHER, 0)), METHOD_NEITHER);
    CHECK_EQ(METHOD_IN_DIRECT, 1);
    CHECK_EQ(FILE_DEVICE_VIRTUAL_DISK, 0x24);
    CHECK_EQ(FILE_DEVICE_MASS_STORAGE, 0x2d);
}

static void rtl_memory(void) {
    char a[16], b[16];
    RtlFillMemory(a, sizeof a, 'x');
    RtlCopyMemory(b, a, sizeof b);
    CHECK(RtlEqualMemory(a, b, sizeof a));
    CHECK_EQ(RtlCompareMemory(a, b, sizeof a), 16);
    b[5] = 'y';
    CHECK(!RtlEqualMemory(a, b, sizeof a));
    CHECK_EQ(RtlCompareMemory(a, b, sizeof a), 5);
    RtlMoveMemory(a + 1, a, 8); /* overlapping */
    RtlZeroMemory(a, 4);
    CHECK(a[0] == 0 && a[3] == 0 && a[4] == 'x');
    RtlSecureZeroMemory(b, sizeof b);
    CHECK(b[15] == 0);
    /* Bad input: NULL or nothing to compare. */
    CHECK_EQ(RtlCompareMemory(NULL, b, 8), 0);
    CHECK_EQ(RtlCompareMemory(a, NULL, 8), 0);
    CHECK_EQ(RtlCompareMemory(a, b, 0), 0);
}

DECLARE_CONST_UNICODE_STRING(file_scope_name, L"\\Device\\Ram0");

static void rtl_unicode_strings(void) {
    UNICODE_STRING s;
    RtlInitUnicodeString(&s, L"abc");
    CHECK_EQ(s.Length, 3 * sizeof(WCHAR));
    CHECK_EQ(s.MaximumLength, 4 * sizeof(WCHAR));
    CHECK(s.Buffer != NULL && s.Buffer[0] == L'a');
    RtlInitUnicodeString(&s, NULL);
    CHECK(s.Length == 0 && s.MaximumLength == 0 && s.Buffer == NULL);
    RtlInitUnicodeString(NULL, L"abc"); /* nothing to write: no crash */
    ANSI_STRING a;
    RtlInitAnsiString(&a, "hello");
    CHECK(a.Length == 5 && a.MaximumLength == 6);
    RtlInitString(&a, NULL);
    CHECK(a.Length == 0 && a.Buffer == NULL);
    RtlInitAnsiString(NULL, "x");
    RtlInitString(NULL, "x");

    CHECK_EQ(file_scope_name.Length, 12 * sizeof(WCHAR));
    CHECK_EQ(file_scope_name.MaximumLength, 13 * sizeof(WCHAR));
    DECLARE_CONST_UNICODE_STRING(local_name, L"ram");
    UNICODE_STRING constant = RTL_CONSTANT_STRING(L"RAM");
    ANSI_STRING narrow = RTL_CONSTANT_STRING("narrow");
    CHECK_EQ(constant.Length, 3 * sizeof(WCHAR));
    CHECK_EQ(narrow.Length, 6);
    CHECK_EQ(narrow.MaximumLength, 7);
    CHECK(RtlEqualUnicodeString(&local_name, &constant, TRUE));
    CHECK(!RtlEqualUnicodeString(&local_name, &constant, FALSE));
    CHECK(RtlCompareUnicodeString(&local_name, &constant, FALSE) > 0); /* 'r' > 'R' */
    CHECK_EQ(RtlCompareUnicodeString(&local_name, &constant, TRUE), 0);
    CHECK(RtlCompareUnicodeString(&constant, &file_scope_name, FALSE) < 0); /* 'R' (0x52) before '\\' (0x5C) */

    DECLARE_UNICODE_STRING_SIZE(copy, 8);
    CHECK(copy.Length == 0 && copy.MaximumLength == 8 * sizeof(WCHAR));
    RtlCopyUnicodeString(&copy, &local_name);
    CHECK(RtlEqualUnicodeString(&copy, &local_name, FALSE));
    CHECK(copy.Buffer[3] == UNICODE_NULL);         /* room for a NUL: added */
    RtlCopyUnicodeString(&copy, &file_scope_name); /* 12 characters into 8: cut short */
    CHECK_EQ(copy.Length, 8 * sizeof(WCHAR));
    CHECK(memcmp(copy.Buffer, L"\\Device\\", 8 * sizeof(WCHAR)) == 0);
    /* Bad input. */
    RtlCopyUnicodeString(&copy, NULL);
    CHECK_EQ(copy.Length, 0);
    RtlCopyUnicodeString(NULL, &local_name);
    CHECK(!RtlEqualUnicodeString(NULL, &local_name, FALSE));
    CHECK(!RtlEqualUnicodeString(&local_name, NULL, TRUE));
    CHECK(RtlCompareUnicodeString(NULL, &local_name, FALSE) < 0);
    CHECK_EQ(RtlCompareUnicodeString(NULL, NULL, FALSE), 0);
}

typedef struct {
    int value;
    LIST_ENTRY link;
    SINGLE_LIST_ENTRY single;
} list_item;

static int value_of(PLIST_ENTRY entry) { return CONTAINING_RECORD(entry, list_item, link)->value; }

static void lists(void) {
    list_item items[4];
    memset(items, 0, sizeof items);
    for (int i = 0; i < 4; ++i) items[i].value = i;
    LIST_ENTRY head;
    InitializeListHead(&head);
    CHECK(IsListEmpty(&head));
    CHECK(RemoveHeadList(&head) == &head); /* empty: the head itself */
    InsertTailList(&head, &items[1].link);
    InsertTailList(&head, &items[2].link);
    InsertHeadList(&head, &items[0].link);
    CHECK(!IsListEmpty(&head));
    CHECK_EQ(value_of(head.Flink), 0);
    CHECK_EQ(value_of(head.Blink), 2);
    CHECK(!RemoveEntryList(&items[1].link)); /* two left */
    CHECK_EQ(value_of(RemoveTailList(&head)), 2);
    CHECK_EQ(value_of(RemoveHeadList(&head)), 0);
    CHECK(IsListEmpty(&head));
    InsertTailList(&head, &items[0].link);
    CHECK(RemoveEntryList(&items[0].link)); /* the last one */

    /* AppendTailList: [0] + [1, 2, 3] (a list without a head of its own). */
    InitializeListHead(&head);
    InsertTailList(&head, &items[0].link);
    LIST_ENTRY other;
    InitializeListHead(&other);
    for (int i = 1; i < 4; ++i) InsertTailList(&other, &items[i].link);
    PLIST_ENTRY first = other.Flink;
    RemoveEntryList(&other); /* detach the head: first..last stay linked in a ring */
    AppendTailList(&head, first);
    int expected = 0;
    for (PLIST_ENTRY e = head.Flink; e != &head; e = e->Flink) CHECK_EQ(value_of(e), expected++);
    CHECK_EQ(expected, 4);
    CHECK_EQ(value_of(head.Blink), 3);

    SINGLE_LIST_ENTRY stack = {NULL};
    CHECK(PopEntryList(&stack) == NULL);
    PushEntryList(&stack, &items[0].single);
    PushEntryList(&stack, &items[1].single);
    CHECK(PopEntryList(&stack) == &items[1].single);
    CHECK(PopEntryList(&stack) == &items[0].single);
    CHECK(PopEntryList(&stack) == NULL);
}

/* Without <initguid.h> here, DEFINE_GUID declares: the object is the one
 * guid_define_a.c and guid_define_b.c both define (weakly). */
DEFINE_GUID(WDFIO_TEST_GUID, 0x12345678, 0x9abc, 0xdef0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef);

static void guids(void) {
    const GUID expected = {0x12345678, 0x9abc, 0xdef0, {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};
    CHECK(IsEqualGUID(&WDFIO_TEST_GUID, &expected));
    CHECK(InlineIsEqualGUID(guid_defined_in_a(), &expected));
    CHECK(guid_defined_in_a() == &WDFIO_TEST_GUID);
    CHECK(guid_defined_in_b() == &WDFIO_TEST_GUID);
    GUID other = expected;
    other.Data4[7] = 0;
    CHECK(!IsEqualGUID(&other, &expected));
}

static void interlocked_results(void) {
    volatile LONG v = 5;
    CHECK_EQ(InterlockedIncrement(&v), 6);
    CHECK_EQ(InterlockedDecrement(&v), 5);
    CHECK_EQ(InterlockedExchangeAdd(&v, 10), 5);
    CHECK_EQ(InterlockedAdd(&v, 1), 16);
    CHECK_EQ(InterlockedExchange(&v, 3), 16);
    CHECK_EQ(InterlockedCompareExchange(&v, 9, 4), 3); /* no match: unchanged */
    CHECK_EQ(v, 3);
    CHECK_EQ(InterlockedCompareExchange(&v, 9, 3), 3);
    CHECK_EQ(v, 9);
    CHECK_EQ(InterlockedAnd(&v, 1), 9);
    CHECK_EQ(InterlockedOr(&v, 6), 1);
    CHECK_EQ(InterlockedXor(&v, 2), 7);
    CHECK_EQ(v, 5);
    v = 0x7FFFFFFF;
    CHECK_EQ(InterlockedIncrement(&v), (LONG)0x80000000); /* wraps like a 32-bit LONG */

    volatile LONG64 w = 1LL << 40;
    CHECK_EQ(InterlockedIncrement64(&w), (1LL << 40) + 1);
    CHECK_EQ(InterlockedDecrement64(&w), 1LL << 40);
    CHECK_EQ(InterlockedExchangeAdd64(&w, 1), 1LL << 40);
    CHECK_EQ(InterlockedAdd64(&w, -1), 1LL << 40);
    CHECK_EQ(InterlockedExchange64(&w, 7), 1LL << 40);
    CHECK_EQ(InterlockedCompareExchange64(&w, 8, 7), 7);
    CHECK_EQ(InterlockedAnd64(&w, 12), 8);
    CHECK_EQ(InterlockedOr64(&w, 1), 8);
    CHECK_EQ(InterlockedXor64(&w, 1), 9);
    CHECK_EQ(w, 8);

    int x = 1, y = 2;
    PVOID volatile p = &x;
    CHECK(InterlockedExchangePointer(&p, &y) == &x);
    CHECK(InterlockedCompareExchangePointer(&p, &x, &x) == &y); /* no match */
    CHECK(InterlockedCompareExchangePointer(&p, &x, &y) == &y);
    CHECK(p == &x);
}

enum { kRounds = 100000 };
static volatile LONG g_counter;
static volatile LONG64 g_counter64;

static void* count_up(void* unused) {
    (void)unused;
    for (int i = 0; i < kRounds; ++i) {
        InterlockedIncrement(&g_counter);
        InterlockedExchangeAdd64(&g_counter64, 2);
    }
    return NULL;
}

static void interlocked_is_atomic_across_threads(void) {
    g_counter = 0;
    g_counter64 = 0;
    pthread_t threads[2];
    for (int i = 0; i < 2; ++i) REQUIRE_STATUS(pthread_create(&threads[i], NULL, count_up, NULL) == 0 ? 0 : 1, 0);
    for (int i = 0; i < 2; ++i) pthread_join(threads[i], NULL);
    CHECK_EQ(g_counter, 2 * kRounds);
    CHECK_EQ(g_counter64, 4 * kRounds);
}

/* 100 ns units from 1601-01-01 to 1970-01-01. */
#define EPOCH_1970 116444736000000000LL

static void ke_time(void) {
    LARGE_INTEGER t1, t2;
    KeQuerySystemTime(&t1);
    const time_t now = time(NULL);
    const LONGLONG seconds = (t1.QuadPart - EPOCH_1970) / 10000000;
    CHECK(seconds >= now - 2 && seconds <= now + 2);
    KeQuerySystemTimePrecise(&t2);
    CHECK(t2.QuadPart >= t1.QuadPart);
    KeQuerySystemTime(NULL); /* nothing to write: no crash */
    KeQuerySystemTimePrecise(NULL);

    CHECK_EQ(KeQueryTimeIncrement(), 156250);
    LARGE_INTEGER ticks1, ticks2;
    KeQueryTickCount(&ticks1);
    LARGE_INTEGER d = {.QuadPart = -2 * 156250}; /* two ticks */
    CHECK_STATUS(KeDelayExecutionThread(KernelMode, FALSE, &d), STATUS_SUCCESS);
    KeQueryTickCount(&ticks2);
    CHECK(ticks2.QuadPart >= ticks1.QuadPart + 1);
    KeQueryTickCount(NULL);

    LARGE_INTEGER frequency = {.QuadPart = 0};
    const LARGE_INTEGER c1 = KeQueryPerformanceCounter(&frequency);
    const LARGE_INTEGER c2 = KeQueryPerformanceCounter(NULL); /* the frequency is optional */
    CHECK_EQ(frequency.QuadPart, 10000000);
    CHECK(c2.QuadPart >= c1.QuadPart);
}

static LONGLONG elapsed_100ns(LARGE_INTEGER since) { return KeQueryPerformanceCounter(NULL).QuadPart - since.QuadPart; }

static void ke_delay(void) {
    LARGE_INTEGER start = KeQueryPerformanceCounter(NULL);
    LARGE_INTEGER interval = {.QuadPart = -200000}; /* 20 ms, relative */
    CHECK_STATUS(KeDelayExecutionThread(KernelMode, FALSE, &interval), STATUS_SUCCESS);
    CHECK(elapsed_100ns(start) >= 200000);

    start = KeQueryPerformanceCounter(NULL);
    KeQuerySystemTime(&interval);
    interval.QuadPart += 200000; /* 20 ms from now, absolute */
    CHECK_STATUS(KeDelayExecutionThread(UserMode, TRUE, &interval), STATUS_SUCCESS);
    CHECK(elapsed_100ns(start) >= 150000); /* the real-time clock may step a little */

    start = KeQueryPerformanceCounter(NULL);
    interval.QuadPart = EPOCH_1970; /* long past */
    CHECK_STATUS(KeDelayExecutionThread(KernelMode, FALSE, &interval), STATUS_SUCCESS);
    interval.QuadPart = 0; /* a yield */
    CHECK_STATUS(KeDelayExecutionThread(KernelMode, FALSE, &interval), STATUS_SUCCESS);
    CHECK(elapsed_100ns(start) < 10000000);

    /* Bad input. */
    CHECK_STATUS(KeDelayExecutionThread(KernelMode, FALSE, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(KeDelayExecutionThread((KPROCESSOR_MODE)7, FALSE, &interval), STATUS_INVALID_PARAMETER);
}

static atomic_int delay_runs;
static NTSTATUS delay_status_in_routine;
static void delay_in_routine(WDFREQUEST request, WDFIOTARGET target, PWDF_REQUEST_COMPLETION_PARAMS params,
                             WDFCONTEXT context) {
    (void)request, (void)target, (void)params, (void)context;
    LARGE_INTEGER interval = {.QuadPart = -100000};
    delay_status_in_routine = KeDelayExecutionThread(KernelMode, FALSE, &interval);
    atomic_fetch_add(&delay_runs, 1);
}

/* A completion routine must not sleep: it would stall every I/O (on Windows
 * it runs at DISPATCH_LEVEL, where sleeping is not allowed). */
static void ke_delay_from_a_completion_routine_is_refused(void) {
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target), STATUS_SUCCESS);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("/dev/null"), GENERIC_READ);
    WDFREQUEST request = NULL;
    WDFMEMORY memory = NULL;
    if (WdfIoTargetOpen(target, &open) == STATUS_SUCCESS &&
        WdfRequestCreate(NULL, target, &request) == STATUS_SUCCESS &&
        WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL) == STATUS_SUCCESS &&
        WdfIoTargetFormatRequestForRead(target, request, memory, NULL, NULL) == STATUS_SUCCESS) {
        atomic_store(&delay_runs, 0);
        delay_status_in_routine = STATUS_SUCCESS;
        const ULONGLONG before = WdfioHostVerifierViolations();
        WdfRequestSetCompletionRoutine(request, delay_in_routine, NULL);
        CHECK(WdfRequestSend(request, target, NULL));
        CHECK(wait_for_count(&delay_runs, 1));
        CHECK_STATUS(delay_status_in_routine, STATUS_INVALID_DEVICE_REQUEST);
        CHECK_EQ(WdfioHostVerifierViolations(), before + 1);
    } else {
        CHECK(!"setup");
    }
    if (memory) WdfObjectDelete(memory);
    if (request) WdfObjectDelete(request);
    WdfObjectDelete(target);
}

const compat_test kernel_tests[] = {
    {"Kernel.TypesAndStatusClasses", types_and_status_classes},
    {"Kernel.ControlCodes", control_codes},
    {"Kernel.RtlMemory", rtl_memory},
    {"Kernel.RtlUnicodeStrings", rtl_unicode_strings},
    {"Kernel.Lists", lists},
    {"Kernel.Guids", guids},
    {"Kernel.InterlockedResults", interlocked_results},
    {"Kernel.InterlockedIsAtomicAcrossThreads", interlocked_is_atomic_across_threads},
    {"Kernel.KeTime", ke_time},
    {"Kernel.KeDelay", ke_delay},
    {"Kernel.KeDelayFromACompletionRoutineIsRefused", ke_delay_from_a_completion_routine_is_refused},
    {NULL, NULL},
};
