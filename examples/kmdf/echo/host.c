/* The host for the echo driver: load it, add its device, open it by name as
 * any client would, and check the three ways a read ends: with the data a
 * write left, by the driver's timeout when there is none, and cancelled by
 * the client while the driver holds it. Exit 0 when each behaved. */
#include <ntddk.h>
#include <wdf.h>

#include "echo.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

DRIVER_INITIALIZE DriverEntry;

static atomic_int readDone;
static NTSTATUS readStatus;
static ULONG_PTR readInformation;

static VOID OnReadDone(WDFREQUEST Request, WDFIOTARGET Target, PWDF_REQUEST_COMPLETION_PARAMS Params,
                       WDFCONTEXT Context) {
    UNREFERENCED_PARAMETER(Request);
    UNREFERENCED_PARAMETER(Target);
    UNREFERENCED_PARAMETER(Context);
    readStatus = Params->IoStatus.Status;
    readInformation = Params->IoStatus.Information;
    atomic_store(&readDone, 1);
}

/* The driver's KdPrint lines come here: they tell which of its paths ended
 * a held read (the timer, or the cancel routine). */
static atomic_int timerCompletions;
static atomic_int cancelCompletions;

static VOID OnLog(ULONG Level, const char* Message, PVOID Context) {
    UNREFERENCED_PARAMETER(Context);
    if (strstr(Message, "held read timed out") != NULL) atomic_fetch_add(&timerCompletions, 1);
    if (strstr(Message, "held read cancelled") != NULL) atomic_fetch_add(&cancelCompletions, 1);
    if (Level < 2) fprintf(stderr, "wdfio: %s\n", Message);
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void sleep_ms(long ms) {
    const struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static int check(int ok, const char* what) {
    printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    return ok ? 0 : 1;
}

int main(void) {
    WDFDRIVER driver;
    WDFDEVICE device;
    WdfioHostSetLogCallback(OnLog, NULL);
    NTSTATUS status = WdfioDriverLoad(DriverEntry, "Echo", &driver);
    if (NT_SUCCESS(status)) status = WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "loading the driver: 0x%08X\n", (unsigned)status);
        return 1;
    }

    WDFIOTARGET target;
    DECLARE_CONST_UNICODE_STRING(name, ECHO_DEVICE_NAME);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &name, GENERIC_READ | GENERIC_WRITE);
    if (!NT_SUCCESS(status = WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target)) ||
        !NT_SUCCESS(status = WdfIoTargetOpen(target, &open))) {
        fprintf(stderr, "opening %ls: 0x%08X\n", ECHO_DEVICE_NAME, (unsigned)status);
        WdfioHostShutdown();
        return 1;
    }
    int failures = 0;

    /* 1. A write, then a read: the read returns what was written, once. */
    char message[] = "hello from the echo host";
    char buffer[256];
    ULONG_PTR bytes = 0;
    WDF_MEMORY_DESCRIPTOR in, out;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&in, message, sizeof message);
    status = WdfIoTargetSendWriteSynchronously(target, WDF_NO_HANDLE, &in, NULL, NULL, &bytes);
    failures += check(status == STATUS_SUCCESS && bytes == sizeof message, "write stored the message");
    memset(buffer, 0, sizeof buffer);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, buffer, sizeof buffer);
    bytes = 0;
    status = WdfIoTargetSendReadSynchronously(target, WDF_NO_HANDLE, &out, NULL, NULL, &bytes);
    failures += check(status == STATUS_SUCCESS && bytes == sizeof message && memcmp(buffer, message, bytes) == 0,
                      "read returned the message");

    /* 2. A read with no data: held, then ended by the driver's timer with
     * success and no bytes, no sooner than the timeout. */
    double start = now_ms();
    bytes = 1;
    status = WdfIoTargetSendReadSynchronously(target, WDF_NO_HANDLE, &out, NULL, NULL, &bytes);
    double waited = now_ms() - start;
    printf("      read with no data: 0x%08X, %lu bytes after %.0f ms\n", (unsigned)status, (unsigned long)bytes,
           waited);
    failures += check(status == STATUS_SUCCESS && bytes == 0 && waited >= ECHO_READ_TIMEOUT_MS - 5 &&
                          atomic_load(&timerCompletions) == 1,
                      "read with no data completed by the timer");

    /* 3. A read the driver holds, cancelled by the client: STATUS_CANCELLED,
     * well before the timer would have ended it. */
    WDFREQUEST request;
    WDFMEMORY memory;
    status = WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, target, &request);
    if (NT_SUCCESS(status))
        status = WdfMemoryCreatePreallocated(WDF_NO_OBJECT_ATTRIBUTES, buffer, sizeof buffer, &memory);
    if (NT_SUCCESS(status)) status = WdfIoTargetFormatRequestForRead(target, request, memory, NULL, NULL);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "preparing the read: 0x%08X\n", (unsigned)status);
        WdfioHostShutdown();
        return 1;
    }
    WdfRequestSetCompletionRoutine(request, OnReadDone, NULL);
    start = now_ms();
    if (!WdfRequestSend(request, target, WDF_NO_SEND_OPTIONS)) {
        readStatus = WdfRequestGetStatus(request);
        atomic_store(&readDone, 1);
    }
    /* Cancel once the driver holds the read (a read cancelled while still
     * queued ends STATUS_CANCELLED too, without the driver): the queue's
     * counts say when it is the driver's. */
    ULONG queued = 1, driverRequests = 0;
    WDFQUEUE queue = WdfDeviceGetDefaultQueue(device);
    for (int i = 0; i < 100 && (queued != 0 || driverRequests == 0) && !atomic_load(&readDone); ++i) {
        WdfIoQueueGetState(queue, &queued, &driverRequests);
        if (queued != 0 || driverRequests == 0) sleep_ms(1);
    }
    sleep_ms(20);
    WdfIoQueueGetState(queue, &queued, &driverRequests);
    failures += check(queued == 0 && driverRequests == 1 && !atomic_load(&readDone), "the driver holds the read");
    BOOLEAN cancelled = WdfRequestCancelSentRequest(request);
    for (int i = 0; i < 1000 && !atomic_load(&readDone); ++i) sleep_ms(1);
    waited = now_ms() - start;
    printf("      cancelled read: 0x%08X, %lu bytes after %.0f ms (cancel %s)\n", (unsigned)readStatus,
           (unsigned long)readInformation, waited, cancelled ? "reached it" : "did not reach it");
    failures += check(atomic_load(&readDone) && readStatus == STATUS_CANCELLED && readInformation == 0 &&
                          waited < ECHO_READ_TIMEOUT_MS && atomic_load(&cancelCompletions) == 1,
                      "held read cancelled by the client");

    /* 4. The queue still works after the cancel: the next write and read. */
    bytes = 0;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&in, "again", 5);
    status = WdfIoTargetSendWriteSynchronously(target, WDF_NO_HANDLE, &in, NULL, NULL, &bytes);
    memset(buffer, 0, sizeof buffer);
    if (NT_SUCCESS(status)) status = WdfIoTargetSendReadSynchronously(target, WDF_NO_HANDLE, &out, NULL, NULL, &bytes);
    failures += check(status == STATUS_SUCCESS && bytes == 5 && memcmp(buffer, "again", 5) == 0,
                      "write and read after the cancel");

    WdfObjectDelete(request);
    WdfObjectDelete(memory);
    WdfObjectDelete(target);
    WdfioDriverUnload(driver);
    WdfioHostShutdown();
    WdfioHostSetLogCallback(NULL, NULL);
    printf("echo: %d check(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}
