/* A fault filter from C, above a RAM disk: Fail with its status and
 * counters, NeverComplete with timeouts and cancel, Delay, Short, a filter
 * over a target handle, and bad configs. */
#include "compat_test.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define FILTER_NAME "\\Device\\CompatFaultFilter"

static WDFDEVICE disk, filter;
static WDFIOTARGET target;

/* disk → filter (configured) → target opened on the filter by name. */
static NTSTATUS make_stack(const WDFIO_FAULT_CONFIG* config) {
    disk = filter = NULL;
    target = NULL;
    NTSTATUS s = WdfioRamDiskCreate(1 << 20, 512, NULL, &disk);
    if (!NT_SUCCESS(s)) return s;
    s = WdfioFaultFilterCreate(disk, config, FILTER_NAME, &filter);
    if (!NT_SUCCESS(s)) return s;
    s = WdfIoTargetCreate(filter, NULL, &target);
    if (!NT_SUCCESS(s)) return s;
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(FILTER_NAME), GENERIC_READ | GENERIC_WRITE);
    return WdfIoTargetOpen(target, &open);
}

static void remove_stack(void) {
    WdfObjectDelete(filter); /* with its target */
    WdfObjectDelete(disk);
}

static NTSTATUS transfer(int write, LONGLONG offset, ULONG_PTR* bytes, PWDF_REQUEST_SEND_OPTIONS options) {
    static unsigned char buffer[4096];
    WDF_MEMORY_DESCRIPTOR described;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&described, buffer, sizeof buffer);
    return write ? WdfIoTargetSendWriteSynchronously(target, NULL, &described, &offset, options, bytes)
                 : WdfIoTargetSendReadSynchronously(target, NULL, &described, &offset, options, bytes);
}

static void check_counters(ULONGLONG seen, ULONGLONG passed, ULONGLONG failed, ULONGLONG delayed, ULONGLONG shortened,
                           ULONGLONG held) {
    WDFIO_FAULT_COUNTERS c;
    WDFIO_FAULT_COUNTERS_INIT(&c);
    CHECK_STATUS(WdfioFaultFilterGetCounters(filter, &c), STATUS_SUCCESS);
    CHECK_EQ(c.Seen, seen);
    CHECK_EQ(c.Passed, passed);
    CHECK_EQ(c.Failed, failed);
    CHECK_EQ(c.Delayed, delayed);
    CHECK_EQ(c.Shortened, shortened);
    CHECK_EQ(c.Held, held);
}

static void fail_every_read_with_the_configured_status(void) {
    WDFIO_FAULT_CONFIG config;
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultFail, 1.0);
    config.Types = WDFIO_FAULT_TYPE_READ;
    config.Status = STATUS_DEVICE_NOT_READY;
    if (make_stack(&config) != STATUS_SUCCESS) {
        CHECK(!"make_stack");
        remove_stack();
        return;
    }
    for (int i = 0; i < 10; ++i) {
        ULONG_PTR bytes = 99;
        CHECK_STATUS(transfer(0, i * 4096, &bytes, NULL), STATUS_DEVICE_NOT_READY);
        CHECK_EQ(bytes, 0);
        CHECK_STATUS(transfer(1, i * 4096, &bytes, NULL), STATUS_SUCCESS); /* writes pass */
        CHECK_EQ(bytes, 4096);
    }
    check_counters(20, 10, 10, 0, 0, 0);
    CHECK_STATUS(WdfioFaultFilterResetCounters(filter), STATUS_SUCCESS);
    check_counters(0, 0, 0, 0, 0, 0);
    remove_stack();
}

typedef struct {
    atomic_int runs;
    atomic_int status;
} outcome;

static void record(WDFREQUEST request, WDFIOTARGET t, PWDF_REQUEST_COMPLETION_PARAMS params, WDFCONTEXT context) {
    (void)request, (void)t;
    outcome* o = (outcome*)context;
    atomic_store(&o->status, params->IoStatus.Status);
    atomic_fetch_add(&o->runs, 1);
}

/* An asynchronous read through the filter, with options. */
static BOOLEAN send_read(WDFREQUEST request, WDFMEMORY memory, outcome* o, PWDF_REQUEST_SEND_OPTIONS options) {
    if (WdfIoTargetFormatRequestForRead(target, request, memory, NULL, NULL) != STATUS_SUCCESS) return FALSE;
    WdfRequestSetCompletionRoutine(request, record, o);
    return WdfRequestSend(request, target, options);
}

static void never_complete_times_out_and_cancels(void) {
    WDFIO_FAULT_CONFIG config;
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultNeverComplete, 1.0);
    if (make_stack(&config) != STATUS_SUCCESS) {
        CHECK(!"make_stack");
        remove_stack();
        return;
    }
    /* A synchronous helper with a timeout. */
    WDF_REQUEST_SEND_OPTIONS options;
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, 0);
    WDF_REQUEST_SEND_OPTIONS_SET_TIMEOUT(&options, WDF_REL_TIMEOUT_IN_MS(50));
    CHECK_EQ(options.Timeout, -500000);
    ULONG_PTR bytes = 99;
    CHECK_STATUS(transfer(0, 0, &bytes, &options), STATUS_IO_TIMEOUT);
    CHECK_EQ(bytes, 0);

    /* An asynchronous send with a timeout. */
    WDFREQUEST request;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL), STATUS_SUCCESS);
    static outcome timed, cancelled;
    memset(&timed, 0, sizeof timed);
    memset(&cancelled, 0, sizeof cancelled);
    CHECK(send_read(request, memory, &timed, &options));
    CHECK(wait_for_count(&timed.runs, 1));
    CHECK_STATUS(atomic_load(&timed.status), STATUS_IO_TIMEOUT);

    /* No timeout: held until cancelled. */
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    REQUIRE_STATUS(WdfRequestReuse(request, &reuse), STATUS_SUCCESS); /* clears the timeout's cancel */
    CHECK(send_read(request, memory, &cancelled, NULL));
    sleep_ms(30);
    CHECK_EQ(atomic_load(&cancelled.runs), 0);
    CHECK(WdfRequestCancelSentRequest(request));
    CHECK(wait_for_count(&cancelled.runs, 1));
    sleep_ms(10);
    CHECK_EQ(atomic_load(&cancelled.runs), 1);
    CHECK_STATUS(atomic_load(&cancelled.status), STATUS_CANCELLED);
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_CANCELLED);
    check_counters(3, 0, 0, 0, 0, 3);

    /* Removing the filter completes what it still holds. */
    WdfRequestReuse(request, &reuse);
    memset(&cancelled, 0, sizeof cancelled);
    CHECK(send_read(request, memory, &cancelled, NULL));
    remove_stack();
    CHECK(wait_for_count(&cancelled.runs, 1));
    CHECK_STATUS(atomic_load(&cancelled.status), STATUS_CANCELLED);
    WdfObjectDelete(request);
    WdfObjectDelete(memory);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void delay_and_short(void) {
    WDFIO_FAULT_CONFIG config;
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultDelay, 1.0);
    config.DelayMicroseconds = 30000;
    if (make_stack(&config) != STATUS_SUCCESS) {
        CHECK(!"make_stack");
        remove_stack();
        return;
    }
    const long long start = now_ms();
    ULONG_PTR bytes = 0;
    CHECK_STATUS(transfer(1, 0, &bytes, NULL), STATUS_SUCCESS);
    CHECK(now_ms() - start >= 29);
    CHECK_EQ(bytes, 4096);
    check_counters(1, 0, 0, 1, 0, 0);
    remove_stack();

    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultShort, 1.0);
    config.ShortFraction = 0.25;
    if (make_stack(&config) != STATUS_SUCCESS) {
        CHECK(!"make_stack");
        remove_stack();
        return;
    }
    CHECK_STATUS(transfer(0, 0, &bytes, NULL), STATUS_SUCCESS);
    CHECK_EQ(bytes, 1024);
    check_counters(1, 0, 0, 0, 1, 0);
    remove_stack();
}

static void a_filter_over_a_target_handle(void) {
    WDFIOTARGET below;
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 20, 512, NULL, &disk), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioDeviceOpenTarget(disk, NULL, &below), STATUS_SUCCESS);
    WDFIO_FAULT_CONFIG config;
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultFail, 0.0); /* passes everything */
    REQUIRE_STATUS(WdfioFaultFilterCreate(below, &config, NULL, &filter), STATUS_SUCCESS);
    WDFDEVICE second;
    CHECK_STATUS(WdfioFaultFilterCreate(below, &config, NULL, &second), STATUS_INVALID_DEVICE_STATE); /* taken */
    REQUIRE_STATUS(WdfioDeviceOpenTarget(filter, NULL, &target), STATUS_SUCCESS);
    static unsigned char out[4096], in[4096];
    fill_pattern(out, sizeof out, 11);
    WDF_MEMORY_DESCRIPTOR from, into;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&from, out, sizeof out);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&into, in, sizeof in);
    LONGLONG offset = 65536;
    CHECK_STATUS(WdfIoTargetSendWriteSynchronously(target, NULL, &from, &offset, NULL, NULL), STATUS_SUCCESS);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &into, &offset, NULL, NULL), STATUS_SUCCESS);
    CHECK(memcmp(in, out, sizeof in) == 0);
    check_counters(2, 2, 0, 0, 0, 0);
    /* Deleting the handle the filter took over leaves the filter working. */
    WdfObjectDelete(below);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &into, &offset, NULL, NULL), STATUS_SUCCESS);
    /* Counters of a device that is not a filter. */
    WDFIO_FAULT_COUNTERS counters;
    WDFIO_FAULT_COUNTERS_INIT(&counters);
    CHECK_STATUS(WdfioFaultFilterGetCounters(disk, &counters), STATUS_INVALID_DEVICE_REQUEST);
    CHECK_STATUS(WdfioFaultFilterResetCounters(disk), STATUS_INVALID_DEVICE_REQUEST);
    remove_stack();
}

static void bad_configs_and_arguments(void) {
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &disk), STATUS_SUCCESS);
    WDFIO_FAULT_CONFIG config;
    WDFDEVICE out = (WDFDEVICE)(uintptr_t)1;
    CHECK_STATUS(WdfioFaultFilterCreate(disk, NULL, NULL, &out), STATUS_INVALID_PARAMETER);
    CHECK(out == NULL);
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultFail, 0.5);
    CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, NULL), STATUS_INVALID_PARAMETER);
    config.Size = 8;
    CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &out), STATUS_INFO_LENGTH_MISMATCH);
    const double bad_shares[] = {1.5, -0.1, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_shares / sizeof bad_shares[0]; ++i) {
        WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultFail, bad_shares[i]);
        CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &out), STATUS_INVALID_PARAMETER);
    }
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultFail, 0.5);
    config.Types = 0x100;
    CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &out), STATUS_INVALID_PARAMETER);
    WDFIO_FAULT_CONFIG_INIT(&config, (WDFIO_FAULT_MODE)9, 0.5);
    CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &out), STATUS_INVALID_PARAMETER);
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultFail, 0.5);
    config.Status = STATUS_SUCCESS;
    CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &out), STATUS_INVALID_PARAMETER);
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultDelay, 0.5); /* no delay */
    CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &out), STATUS_INVALID_PARAMETER);
    config.DelayMicroseconds = ~0ULL;
    CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &out), STATUS_INVALID_PARAMETER);
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultShort, 0.5);
    config.ShortFraction = 1.0;
    CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &out), STATUS_INVALID_PARAMETER);
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultFail, 0.5);
    CHECK_STATUS(WdfioFaultFilterCreate(disk, &config, "BadName", &out), STATUS_OBJECT_NAME_INVALID);
    /* A lower target that is not open. */
    WDFIOTARGET closed;
    REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &closed), STATUS_SUCCESS);
    CHECK_STATUS(WdfioFaultFilterCreate(closed, &config, NULL, &out), STATUS_INVALID_DEVICE_STATE);
    WdfObjectDelete(closed);
    CHECK_EQ(WdfioHostObjectCount(), 1); /* no filter was left behind */

    REQUIRE_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &filter), STATUS_SUCCESS);
    WDFIO_FAULT_COUNTERS counters;
    CHECK_STATUS(WdfioFaultFilterGetCounters(filter, NULL), STATUS_INVALID_PARAMETER);
    WDFIO_FAULT_COUNTERS_INIT(&counters);
    counters.Size = 16;
    CHECK_STATUS(WdfioFaultFilterGetCounters(filter, &counters), STATUS_INFO_LENGTH_MISMATCH);
    WDFIOTARGET t;
    CHECK_STATUS(WdfioDeviceOpenTarget(filter, NULL, NULL), STATUS_INVALID_PARAMETER);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;
    CHECK_STATUS(WdfioDeviceOpenTarget(filter, &attributes, &t), STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID);
    remove_stack();
}

const compat_test fault_filter_tests[] = {
    {"FaultFilter.FailEveryReadWithTheConfiguredStatus", fail_every_read_with_the_configured_status},
    {"FaultFilter.NeverCompleteTimesOutAndCancels", never_complete_times_out_and_cancels},
    {"FaultFilter.DelayAndShort", delay_and_short},
    {"FaultFilter.AFilterOverATargetHandle", a_filter_over_a_target_handle},
    {"FaultFilter.BadConfigsAndArguments", bad_configs_and_arguments},
    {NULL, NULL},
};
