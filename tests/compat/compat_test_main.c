/* Runs every C API test and checks that each one leaves no object behind. */
#include "compat_test.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int compat_failures = 0;

void compat_fail(const char* file, int line, const char* what) {
    ++compat_failures;
    fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
}

void compat_fail_status(const char* file, int line, const char* what, NTSTATUS got, NTSTATUS want) {
    ++compat_failures;
    fprintf(stderr, "%s:%d: FAILED: %s is 0x%08X, expected 0x%08X\n", file, line, what, (unsigned)got, (unsigned)want);
}

void compat_fail_number(const char* file, int line, const char* what, unsigned long long got, unsigned long long want) {
    ++compat_failures;
    fprintf(stderr, "%s:%d: FAILED: %s is %llu, expected %llu\n", file, line, what, got, want);
}

void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int wait_for_count(atomic_int* counter, int want) {
    for (int waited = 0; waited < 10000; ++waited) {
        if (atomic_load(counter) >= want) return 1;
        sleep_ms(1);
    }
    return atomic_load(counter) >= want;
}

static VOID client_done(WDFREQUEST request, WDFIOTARGET t, PWDF_REQUEST_COMPLETION_PARAMS params, WDFCONTEXT context) {
    (void)request, (void)t;
    client_io* io = (client_io*)context;
    io->status = params->IoStatus.Status;
    atomic_store(&io->done, 1);
}

void send_client_io(client_io* io, WDFIOTARGET target, size_t length, BOOLEAN ioctl) {
    memset(io, 0, sizeof *io);
    if (!NT_SUCCESS(WdfRequestCreate(NULL, target, &io->request)) ||
        !NT_SUCCESS(WdfMemoryCreate(NULL, NonPagedPool, 0, length, &io->memory, NULL)) ||
        !NT_SUCCESS(ioctl
                        ? WdfIoTargetFormatRequestForIoctl(target, io->request, 0x222000, NULL, NULL, io->memory, NULL)
                        : WdfIoTargetFormatRequestForRead(target, io->request, io->memory, NULL, NULL))) {
        CHECK(!"a client request");
        return;
    }
    WdfRequestSetCompletionRoutine(io->request, client_done, io);
    CHECK(WdfRequestSend(io->request, target, WDF_NO_SEND_OPTIONS));
}

int wait_done(client_io* io) {
    for (int waited = 0; waited < 10000 && !atomic_load(&io->done); ++waited) sleep_ms(1);
    return atomic_load(&io->done);
}

void free_io(client_io* io) {
    if (io->request) WdfObjectDelete(io->request);
    if (io->memory) WdfObjectDelete(io->memory);
}

NTSTATUS open_by_wide_name(PCWSTR name, WDFIOTARGET* target) {
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &u, GENERIC_READ | GENERIC_WRITE);
    *target = NULL;
    NTSTATUS status = WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, target);
    if (NT_SUCCESS(status) && !NT_SUCCESS(status = WdfIoTargetOpen(*target, &open))) {
        WdfObjectDelete(*target);
        *target = NULL;
    }
    return status;
}

NTSTATUS open_and_read_back(PCWSTR name, void* out, size_t size, size_t want) {
    WDFIOTARGET target;
    const NTSTATUS status = open_by_wide_name(name, &target);
    if (!NT_SUCCESS(status)) return status;
    WDF_MEMORY_DESCRIPTOR d;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&d, out, (ULONG)size);
    ULONG_PTR bytes = 0;
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &d, NULL, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, want);
    WdfObjectDelete(target);
    return status;
}

PCUNICODE_STRING unicode_name_of(unicode_name* name, const char* text) {
    if (!text) return NULL;
    size_t n = 0;
    for (; text[n] && n < ARRAYSIZE(name->buffer); ++n) name->buffer[n] = (WCHAR)(unsigned char)text[n];
    name->string.Buffer = name->buffer;
    name->string.Length = (USHORT)(n * sizeof(WCHAR));
    name->string.MaximumLength = (USHORT)sizeof name->buffer;
    return &name->string;
}

void fill_pattern(void* buffer, size_t size, unsigned seed) {
    unsigned char* p = (unsigned char*)buffer;
    for (size_t i = 0; i < size; ++i) p[i] = (unsigned char)((i * 2654435761u + seed * 97u) >> 5);
}

static int run_table(const compat_test* tests, const char* filter) {
    int ran = 0;
    for (const compat_test* t = tests; t->name; ++t) {
        if (filter && !strstr(t->name, filter)) continue;
        const int before = compat_failures;
        fprintf(stderr, "[ RUN  ] %s\n", t->name);
        t->run();
        const ULONG left = WdfioHostObjectCount();
        if (left != 0) {
            fprintf(stderr, "%s: FAILED: %u objects left behind\n", t->name, left);
            ++compat_failures;
            WdfioHostShutdown(); /* so the next test starts clean */
        }
        fprintf(stderr, "[ %s ] %s\n", compat_failures == before ? " OK " : "FAIL", t->name);
        ++ran;
    }
    return ran;
}

int main(int argc, char** argv) {
    const char* filter = argc > 1 ? argv[1] : NULL; /* a substring of the test names to run */
    if (!NT_SUCCESS(WdfioHostInitialize())) {
        fprintf(stderr, "WdfioHostInitialize failed\n");
        return 1;
    }
    const compat_test* tables[] = {
        handle_tests,           memory_tests,       io_target_tests, open_by_name_tests,   request_tests,
        ram_disk_tests,         fault_filter_tests, context_tests,   sync_tests,           deferred_tests,
        collection_tests,       driver_tests,       kernel_tests,    pool_tests,           debug_print_tests,
        strsafe_tests,          lookaside_tests,    dpc_tests,       control_device_tests, fault_injection_tests,
        device_interface_tests, file_object_tests,  queue_ops_tests, power_tests,          sync_scope_tests,
        in_caller_context_tests};
    int ran = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; ++i) ran += run_table(tables[i], filter);
    WdfioHostShutdown();
    fprintf(stderr, "%d tests, %d failed checks\n", ran, compat_failures);
    return compat_failures == 0 ? 0 : 1;
}
