/* The KMDF driver half (driver spec §2–§6): a test driver loaded through the
 * host, its PnP callbacks in spec §4's order, queues presenting to its
 * callbacks, the driver's side of requests (parameters, buffers,
 * completion, forwarding, cancelation), filters, and bad input. */
#include "compat_test.h"

#include <string.h>
#include <wchar.h>

/* ---- The test driver: what it does is set by these, what it saw is recorded. */

static char events[64]; /* one letter per callback, in order */
static size_t event_count;
static void note(char c) {
    if (event_count < sizeof events - 1) events[event_count++] = c;
}
static void reset_events(void) {
    memset(events, 0, sizeof events);
    event_count = 0;
}

typedef enum { QueueParallel, QueueSequential, QueueReadOnly, QueueDefaultOnly, QueueForwardToManual } queue_kind;
static struct {
    queue_kind queue;
    char fail_at;                 /* a PnP callback letter that fails, or 0 */
    BOOLEAN filter;               /* WdfFdoInitSetFilter, and only an ioctl queue */
    BOOLEAN filter_default_queue; /* ... which is the default queue (R3.14), not a configured one (R3.13) */
    BOOLEAN hold_reads;           /* EvtIoRead keeps reads, marked cancelable */
    BOOLEAN hold_unmarked;        /* ... not marked cancelable: the driver polls WdfRequestIsCanceled */
    BOOLEAN skip_create;          /* EvtDriverDeviceAdd returns success without a device */
} mode;

typedef struct {
    int Presentations;
    WDFQUEUE Manual;
} DEVICE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DEVICE_CONTEXT, GetDeviceContext)

typedef struct {
    unsigned Stamp; /* zero on each presentation; set by the driver */
} REQUEST_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(REQUEST_CONTEXT, GetRequestContext)

/* What the callbacks saw last. */
static WDF_REQUEST_PARAMETERS last_parameters;
static WDFREQUEST last_request;
static WDFQUEUE last_queue;
static atomic_int stale_context; /* a request context not zeroed on presentation */
static atomic_int cancels;

static NTSTATUS pnp(WDFDEVICE device, char letter) {
    (void)device;
    note(letter);
    return mode.fail_at == letter ? STATUS_DEVICE_NOT_READY : STATUS_SUCCESS;
}
static NTSTATUS on_prepare(WDFDEVICE d, WDFCMRESLIST raw, WDFCMRESLIST translated) {
    CHECK(raw == NULL && translated == NULL);
    return pnp(d, 'P');
}
static NTSTATUS on_release(WDFDEVICE d, WDFCMRESLIST translated) {
    (void)translated;
    return pnp(d, 'R');
}
static NTSTATUS on_d0_entry(WDFDEVICE d, WDF_POWER_DEVICE_STATE previous) {
    CHECK_EQ(previous, WdfPowerDeviceD3Final);
    return pnp(d, 'E');
}
static NTSTATUS on_d0_exit(WDFDEVICE d, WDF_POWER_DEVICE_STATE target) {
    CHECK_EQ(target, WdfPowerDeviceD3Final);
    return pnp(d, 'X');
}
static NTSTATUS on_smio_init(WDFDEVICE d) { return pnp(d, 'I'); }
static NTSTATUS on_smio_suspend(WDFDEVICE d) { return pnp(d, 'S'); }
static VOID on_smio_flush(WDFDEVICE d) { (void)pnp(d, 'F'); }
static VOID on_smio_cleanup(WDFDEVICE d) { (void)pnp(d, 'C'); }
static VOID on_device_cleanup(WDFOBJECT o) {
    (void)o;
    note('D');
}
static VOID on_unload(WDFDRIVER d) {
    CHECK(WdfGetDriver() == d);
    note('U');
}

static VOID on_cancel(WDFREQUEST request) {
    atomic_fetch_add(&cancels, 1);
    WdfRequestComplete(request, STATUS_CANCELLED);
}

static void seen(WDFQUEUE queue, WDFREQUEST request) {
    last_queue = queue;
    last_request = request;
    WDF_REQUEST_PARAMETERS_INIT(&last_parameters);
    WdfRequestGetParameters(request, &last_parameters);
    REQUEST_CONTEXT* rc = GetRequestContext(request);
    if (!rc || rc->Stamp != 0) atomic_fetch_add(&stale_context, 1);
    if (rc) rc->Stamp = 0xfeed;
    GetDeviceContext(WdfIoQueueGetDevice(queue))->Presentations++;
}

static VOID on_read(WDFQUEUE queue, WDFREQUEST request, size_t length) {
    seen(queue, request);
    DEVICE_CONTEXT* dc = GetDeviceContext(WdfIoQueueGetDevice(queue));
    if (mode.queue == QueueForwardToManual) {
        CHECK_STATUS(WdfRequestForwardToIoQueue(request, dc->Manual), STATUS_SUCCESS);
        /* Forwarded: waiting in the manual queue, no longer the driver's. A
         * completion now is refused and leaves this queue holding nothing. */
        const ULONGLONG before = WdfioHostVerifierViolations();
        WdfRequestComplete(request, STATUS_SUCCESS);
        CHECK_EQ(WdfioHostVerifierViolations(), before + 1);
        ULONG owned = 9;
        WdfIoQueueGetState(queue, NULL, &owned);
        CHECK_EQ(owned, 0);
        return;
    }
    if (mode.hold_reads) {
        if (!mode.hold_unmarked) WdfRequestMarkCancelable(request, on_cancel);
        return;
    }
    PVOID buffer;
    size_t size = 0;
    NTSTATUS status = WdfRequestRetrieveOutputBuffer(request, length, &buffer, &size);
    if (NT_SUCCESS(status)) memset(buffer, 'r', size);
    WdfRequestCompleteWithInformation(request, status, NT_SUCCESS(status) ? length : 0);
}

/* Held reads at a power-down: kept (EvtIoResume would follow); at removal,
 * completed, unless still cancelable and so its cancel routine's (run by the purge). */
static VOID on_hold_stop(WDFQUEUE queue, WDFREQUEST request, ULONG flags) {
    (void)queue;
    if (flags & WdfRequestStopActionSuspend) {
        WdfRequestStopAcknowledge(request, FALSE);
        return;
    }
    if (!(flags & WdfRequestStopRequestCancelable) || NT_SUCCESS(WdfRequestUnmarkCancelable(request)))
        WdfRequestComplete(request, STATUS_CANCELLED);
}

static VOID on_write(WDFQUEUE queue, WDFREQUEST request, size_t length) {
    seen(queue, request);
    WDFMEMORY memory;
    NTSTATUS status = WdfRequestRetrieveInputMemory(request, &memory);
    char first = 0;
    if (NT_SUCCESS(status)) status = WdfMemoryCopyToBuffer(memory, 0, &first, 1);
    WdfRequestSetInformation(request, first == 'w' ? length : 0);
    WdfRequestComplete(request, status);
}

static VOID on_ioctl(WDFQUEUE queue, WDFREQUEST request, size_t out, size_t in, ULONG code) {
    seen(queue, request);
    (void)in;
    if (mode.filter) { /* down, and back through a completion routine */
        return;
    }
    WdfRequestCompleteWithInformation(request, code == 0x1234 ? STATUS_SUCCESS : STATUS_INVALID_DEVICE_REQUEST,
                                      code == 0x1234 ? out : 0);
}

static VOID on_default(WDFQUEUE queue, WDFREQUEST request) {
    seen(queue, request);
    note('d');
    WdfRequestComplete(request, STATUS_NOT_SUPPORTED);
}

static VOID filter_ioctl_done(WDFREQUEST request, WDFIOTARGET target, PWDF_REQUEST_COMPLETION_PARAMS params,
                              WDFCONTEXT context) {
    (void)target;
    (void)context;
    note('f');
    WdfRequestCompleteWithInformation(request, params->IoStatus.Status, params->IoStatus.Information);
}

static VOID filter_ioctl(WDFQUEUE queue, WDFREQUEST request, size_t out, size_t in, ULONG code) {
    (void)out, (void)in, (void)code;
    seen(queue, request);
    WdfRequestFormatRequestUsingCurrentType(request);
    WdfRequestSetCompletionRoutine(request, filter_ioctl_done, NULL);
    if (!WdfRequestSend(request, WdfDeviceGetIoTarget(WdfIoQueueGetDevice(queue)), WDF_NO_SEND_OPTIONS))
        WdfRequestComplete(request, WdfRequestGetStatus(request));
}

static NTSTATUS make_queues(WDFDEVICE device) {
    WDF_IO_QUEUE_CONFIG config;
    if (mode.filter && mode.filter_default_queue) {
        WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
        config.EvtIoDeviceControl = filter_ioctl;
        return WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE);
    }
    if (mode.filter) {
        WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchParallel);
        config.EvtIoDeviceControl = filter_ioctl;
        WDFQUEUE ioctls;
        NTSTATUS status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &ioctls);
        return NT_SUCCESS(status) ? WdfDeviceConfigureRequestDispatching(device, ioctls, WdfRequestTypeDeviceControl)
                                  : status;
    }
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(
        &config, mode.queue == QueueSequential ? WdfIoQueueDispatchSequential : WdfIoQueueDispatchParallel);
    if (mode.queue == QueueDefaultOnly) {
        config.EvtIoDefault = on_default;
    } else {
        config.EvtIoRead = on_read;
        if (mode.hold_reads) config.EvtIoStop = on_hold_stop; /* without it, the removal would wait for them (R4.11) */
        if (mode.queue != QueueReadOnly) {
            config.EvtIoWrite = on_write;
            config.EvtIoDeviceControl = on_ioctl;
        }
    }
    NTSTATUS status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE);
    if (!NT_SUCCESS(status) || mode.queue != QueueForwardToManual) return status;
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchManual);
    return WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &GetDeviceContext(device)->Manual);
}

static NTSTATUS on_device_add(WDFDRIVER driver, PWDFDEVICE_INIT init) {
    CHECK(WdfGetDriver() == driver);
    note('A');
    if (mode.skip_create) return STATUS_SUCCESS;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp_callbacks;
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp_callbacks);
    pnp_callbacks.EvtDevicePrepareHardware = on_prepare;
    pnp_callbacks.EvtDeviceReleaseHardware = on_release;
    pnp_callbacks.EvtDeviceD0Entry = on_d0_entry;
    pnp_callbacks.EvtDeviceD0Exit = on_d0_exit;
    pnp_callbacks.EvtDeviceSelfManagedIoInit = on_smio_init;
    pnp_callbacks.EvtDeviceSelfManagedIoSuspend = on_smio_suspend;
    pnp_callbacks.EvtDeviceSelfManagedIoFlush = on_smio_flush;
    pnp_callbacks.EvtDeviceSelfManagedIoCleanup = on_smio_cleanup;
    WdfDeviceInitSetPnpPowerEventCallbacks(init, &pnp_callbacks);
    WDF_OBJECT_ATTRIBUTES request_attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&request_attributes, REQUEST_CONTEXT);
    WdfDeviceInitSetRequestAttributes(init, &request_attributes);
    if (mode.filter) WdfFdoInitSetFilter(init);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, DEVICE_CONTEXT);
    attributes.EvtCleanupCallback = on_device_cleanup;
    WDFDEVICE device;
    NTSTATUS status = WdfDeviceCreate(&init, &attributes, &device);
    CHECK(init == NULL || !NT_SUCCESS(status)); /* used up */
    if (!NT_SUCCESS(status)) return status;
    CHECK(WdfDeviceGetDriver(device) == driver);
    return make_queues(device);
}

static NTSTATUS test_driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    CHECK(registry_path != NULL && registry_path->Length > 0);
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, on_device_add);
    config.EvtDriverUnload = on_unload;
    WDFDRIVER driver;
    NTSTATUS status = WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, &driver);
    if (NT_SUCCESS(status)) {
        CHECK(WdfGetDriver() == driver);
        CHECK(WdfDriverGetRegistryPath(driver) != NULL);
        CHECK_STATUS(WdfDriverCreate(object, registry_path, NULL, &config, NULL), STATUS_INVALID_DEVICE_STATE);
    }
    return status;
}

/* Loads the driver and adds one device above `lower` (or none); opens a target on it. */
static WDFDRIVER driver;
static WDFDEVICE device;
static WDFIOTARGET target;
static int start(WDFDEVICE lower) {
    reset_events();
    atomic_store(&stale_context, 0);
    atomic_store(&cancels, 0);
    if (!NT_SUCCESS(WdfioDriverLoad(test_driver_entry, "wdfio_test", &driver))) return 0;
    if (!NT_SUCCESS(WdfioDeviceAdd(driver, lower, &device))) return 0;
    return NT_SUCCESS(WdfioDeviceOpenTarget(device, WDF_NO_OBJECT_ATTRIBUTES, &target));
}

#define REQUIRE_START(lower)                   \
    do {                                       \
        if (!start(lower)) {                   \
            CHECK(!"loading the test driver"); \
            memset(&mode, 0, sizeof mode);     \
            return;                            \
        }                                      \
    } while (0)

static NTSTATUS read_sync(LONGLONG offset, char* buffer, ULONG size, ULONG_PTR* bytes) {
    WDF_MEMORY_DESCRIPTOR d;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&d, buffer, size);
    return WdfIoTargetSendReadSynchronously(target, NULL, &d, &offset, NULL, bytes);
}
static NTSTATUS write_sync(LONGLONG offset, char* buffer, ULONG size, ULONG_PTR* bytes) {
    WDF_MEMORY_DESCRIPTOR d;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&d, buffer, size);
    return WdfIoTargetSendWriteSynchronously(target, NULL, &d, &offset, NULL, bytes);
}

/* ---- Tests */

static void load_start_and_unload_run_the_callbacks_in_order(void) {
    memset(&mode, 0, sizeof mode);
    REQUIRE_START(WDF_NO_HANDLE);
    CHECK(strcmp(events, "APEI") == 0); /* device add, then R4.1: prepare, D0 entry, self-managed I/O init */
    WdfObjectDelete(device);            /* an FDO is not the driver's to delete (R1.18): nothing happens */
    CHECK(WdfDeviceGetDriver(device) == driver);
    CHECK(strcmp(events, "APEI") == 0);
    WdfioDriverUnload(driver);
    if (strcmp(events, "APEISXRFCDU") != 0) {
        fprintf(stderr, "callbacks ran as \"%s\"\n", events);
        CHECK(!"R4.8's order: suspend, D0 exit, release, flush, cleanup, the device's cleanup, then unload");
    }
}

static void a_failed_start_is_undone_and_leaves_no_device(void) {
    const char* want[] = {"APR", "APER", "APEIXR"}; /* R4.3 */
    const char fail[] = {'P', 'E', 'I'};
    for (int i = 0; i < 3; ++i) {
        memset(&mode, 0, sizeof mode);
        mode.fail_at = fail[i];
        reset_events();
        REQUIRE_STATUS(WdfioDriverLoad(test_driver_entry, "wdfio_test", &driver), STATUS_SUCCESS);
        WDFDEVICE d = (WDFDEVICE)&d;
        CHECK_STATUS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &d), STATUS_DEVICE_NOT_READY);
        CHECK(d == NULL);
        if (strncmp(events, want[i], strlen(want[i])) != 0 || events[strlen(want[i])] != 'D') {
            fprintf(stderr, "failing at %c, callbacks ran as \"%s\"\n", fail[i], events);
            CHECK(!"a failed start undone in R4.3's order, then the device deleted");
        }
        WdfioDriverUnload(driver);
    }
    memset(&mode, 0, sizeof mode);
}

static void requests_reach_the_callbacks_with_their_parameters(void) {
    memset(&mode, 0, sizeof mode);
    REQUIRE_START(WDF_NO_HANDLE);
    char buffer[512];
    ULONG_PTR bytes = 0;
    CHECK_STATUS(read_sync(4096, buffer, sizeof buffer, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, sizeof buffer);
    CHECK(buffer[0] == 'r' && buffer[511] == 'r');
    CHECK_EQ(last_parameters.Type, WdfRequestTypeRead);
    CHECK_EQ(last_parameters.Parameters.Read.Length, sizeof buffer);
    CHECK_EQ(last_parameters.Parameters.Read.DeviceOffset, 4096);
    CHECK(last_queue == WdfDeviceGetDefaultQueue(device));
    memset(buffer, 'w', sizeof buffer);
    CHECK_STATUS(write_sync(512, buffer, 100, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, 100);
    CHECK_EQ(last_parameters.Type, WdfRequestTypeWrite);
    CHECK_EQ(last_parameters.Parameters.Write.DeviceOffset, 512);
    WDF_MEMORY_DESCRIPTOR out;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, buffer, 64);
    CHECK_STATUS(WdfIoTargetSendIoctlSynchronously(target, NULL, 0x1234, NULL, &out, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, 64);
    CHECK_EQ(last_parameters.Type, WdfRequestTypeDeviceControl);
    CHECK_EQ(last_parameters.Parameters.DeviceIoControl.IoControlCode, 0x1234);
    CHECK_EQ(last_parameters.Parameters.DeviceIoControl.OutputBufferLength, 64);
    CHECK_EQ(atomic_load(&stale_context), 0); /* each presentation's context zeroed */
    CHECK_EQ(GetDeviceContext(device)->Presentations, 3);
    /* The request handles are gone once completed: using one is a report. */
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WdfRequestComplete(last_request, STATUS_SUCCESS);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1);
    WdfioDriverUnload(driver);
}

static void types_without_a_callback_fail_or_go_to_evt_io_default(void) {
    memset(&mode, 0, sizeof mode);
    mode.queue = QueueReadOnly;
    REQUIRE_START(WDF_NO_HANDLE);
    char buffer[16] = "w";
    ULONG_PTR bytes;
    CHECK_STATUS(write_sync(0, buffer, sizeof buffer, &bytes), STATUS_INVALID_DEVICE_REQUEST); /* R5.5 */
    WdfioDriverUnload(driver);
    mode.queue = QueueDefaultOnly;
    REQUIRE_START(WDF_NO_HANDLE);
    CHECK_STATUS(write_sync(0, buffer, sizeof buffer, &bytes), STATUS_NOT_SUPPORTED); /* EvtIoDefault's answer */
    CHECK(strchr(events, 'd') != NULL);
    CHECK_EQ(last_parameters.Type, WdfRequestTypeWrite);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

/* A read forwarded to a manual queue waits there; retrieved, it is the same
 * handle with the same context, and completing it completes the client's read. */
static atomic_int read_done;
static NTSTATUS read_status;
static VOID client_read_done(WDFREQUEST request, WDFIOTARGET t, PWDF_REQUEST_COMPLETION_PARAMS params,
                             WDFCONTEXT context) {
    (void)request, (void)t, (void)context;
    read_status = params->IoStatus.Status;
    atomic_fetch_add(&read_done, 1);
}

static WDFREQUEST send_read(WDFMEMORY* memory) {
    WDFREQUEST request = NULL;
    if (!NT_SUCCESS(WdfRequestCreate(NULL, target, &request)) ||
        !NT_SUCCESS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, memory, NULL)) ||
        !NT_SUCCESS(WdfIoTargetFormatRequestForRead(target, request, *memory, NULL, NULL))) {
        CHECK(!"a read request");
        return request;
    }
    atomic_store(&read_done, 0);
    WdfRequestSetCompletionRoutine(request, client_read_done, NULL);
    CHECK(WdfRequestSend(request, target, WDF_NO_SEND_OPTIONS));
    return request;
}

static void forwarded_to_a_manual_queue_then_retrieved(void) {
    memset(&mode, 0, sizeof mode);
    mode.queue = QueueForwardToManual;
    REQUIRE_START(WDF_NO_HANDLE);
    WDFQUEUE manual = GetDeviceContext(device)->Manual;
    WDFREQUEST nothing;
    CHECK_STATUS(WdfIoQueueRetrieveNextRequest(manual, &nothing), STATUS_NO_MORE_ENTRIES);
    WDFMEMORY memory;
    WDFREQUEST client = send_read(&memory);
    ULONG queued = 0, owned = 9;
    WDF_IO_QUEUE_STATE state = WdfIoQueueGetState(manual, &queued, &owned);
    CHECK_EQ(queued, 1);
    CHECK_EQ(owned, 0);
    CHECK(state & WdfIoQueueAcceptRequests);
    CHECK(!(state & WdfIoQueueNoRequests));
    WDFREQUEST held;
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &held), STATUS_SUCCESS);
    CHECK(held == last_request);                      /* the handle EvtIoRead saw */
    CHECK_EQ(GetRequestContext(held)->Stamp, 0xfeed); /* its context kept across the forward */
    CHECK(WdfRequestGetIoQueue(held) == manual);
    WdfIoQueueGetState(manual, &queued, &owned);
    CHECK_EQ(owned, 1);
    CHECK_EQ(atomic_load(&read_done), 0);
    WdfRequestCompleteWithInformation(held, STATUS_SUCCESS, 0);
    CHECK(wait_for_count(&read_done, 1));
    CHECK_STATUS(read_status, STATUS_SUCCESS);
    WdfObjectDelete(client);
    WdfObjectDelete(memory);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

static void a_held_request_is_cancelled_through_its_cancel_routine(void) {
    memset(&mode, 0, sizeof mode);
    mode.hold_reads = TRUE;
    REQUIRE_START(WDF_NO_HANDLE);
    WDFMEMORY memory;
    WDFREQUEST client = send_read(&memory);
    CHECK(WdfRequestCancelSentRequest(client));
    CHECK(wait_for_count(&read_done, 1));
    CHECK_STATUS(read_status, STATUS_CANCELLED);
    CHECK_EQ(atomic_load(&cancels), 1);
    /* Held again: unload purges the queue, which cancels it too (R4.8). */
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    CHECK_STATUS(WdfRequestReuse(client, &reuse), STATUS_SUCCESS);
    CHECK_STATUS(WdfIoTargetFormatRequestForRead(target, client, memory, NULL, NULL), STATUS_SUCCESS);
    atomic_store(&read_done, 0);
    WdfRequestSetCompletionRoutine(client, client_read_done, NULL);
    CHECK(WdfRequestSend(client, target, WDF_NO_SEND_OPTIONS));
    WdfioDriverUnload(driver);
    CHECK(wait_for_count(&read_done, 1));
    CHECK_STATUS(read_status, STATUS_CANCELLED);
    CHECK_EQ(atomic_load(&cancels), 2);
    WdfObjectDelete(client);
    WdfObjectDelete(memory);
    memset(&mode, 0, sizeof mode);
}

/* A queue stopped while the driver holds a request: the stop callback runs
 * when the driver completes it. */
static atomic_int stopped;
static VOID on_stopped(WDFQUEUE queue, WDFCONTEXT context) {
    CHECK(context == (WDFCONTEXT)&stopped);
    (void)queue;
    atomic_fetch_add(&stopped, 1);
}

static void stop_completes_when_the_driver_lets_go(void) {
    memset(&mode, 0, sizeof mode);
    mode.hold_reads = TRUE;
    REQUIRE_START(WDF_NO_HANDLE);
    WDFMEMORY memory;
    WDFREQUEST client = send_read(&memory);
    WDFQUEUE queue = WdfDeviceGetDefaultQueue(device);
    atomic_store(&stopped, 0);
    WdfIoQueueStop(queue, on_stopped, (WDFCONTEXT)&stopped);
    CHECK_EQ(atomic_load(&stopped), 0);
    WDF_IO_QUEUE_STATE state = WdfIoQueueGetState(queue, NULL, NULL);
    CHECK((state & WdfIoQueueAcceptRequests) && !(state & WdfIoQueueDispatchRequests));
    CHECK_STATUS(WdfRequestUnmarkCancelable(last_request), STATUS_SUCCESS);
    WdfRequestComplete(last_request, STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&stopped), 1);
    CHECK(wait_for_count(&read_done, 1));
    WdfIoQueueStart(queue);
    WdfIoQueueStopSynchronously(queue); /* nothing held: returns at once */
    WdfIoQueuePurgeSynchronously(queue);
    CHECK(WdfIoQueueGetState(queue, NULL, NULL) & WdfIoQueueDriverNoRequests);
    WdfObjectDelete(client);
    WdfObjectDelete(memory);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

/* A filter with only an ioctl queue: reads and writes go down by themselves
 * to the RAM disk below, ioctls through its callback and completion routine.
 * Twice: the ioctl queue configured for ioctls only (R3.13), then the
 * default queue without read or write callbacks (R3.14). */
static void filter_passes_down(BOOLEAN default_queue);
static void a_filter_passes_down_what_it_has_no_queue_for(void) {
    filter_passes_down(FALSE);
    filter_passes_down(TRUE);
}

static void filter_passes_down(BOOLEAN default_queue) {
    WDFDEVICE disk;
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 20, 512, NULL, &disk), STATUS_SUCCESS);
    memset(&mode, 0, sizeof mode);
    mode.filter = TRUE;
    mode.filter_default_queue = default_queue;
    if (!start(disk)) {
        CHECK(!"loading the filter");
        WdfObjectDelete(disk);
        memset(&mode, 0, sizeof mode);
        return;
    }
    CHECK(WdfDeviceGetIoTarget(device) != NULL);
    char out[512], in[512];
    fill_pattern(out, sizeof out, 9);
    ULONG_PTR bytes;
    CHECK_STATUS(write_sync(1024, out, sizeof out, &bytes), STATUS_SUCCESS);
    CHECK_STATUS(read_sync(1024, in, sizeof in, &bytes), STATUS_SUCCESS);
    CHECK(memcmp(in, out, sizeof in) == 0);
    CHECK_EQ(GetDeviceContext(device)->Presentations, 0); /* the filter saw none of them */
    ULONGLONG size = 0;
    WDF_MEMORY_DESCRIPTOR d;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&d, &size, sizeof size);
    CHECK_STATUS(WdfIoTargetSendIoctlSynchronously(target, NULL, 0x80081272 /* BLKGETSIZE64 */, NULL, &d, NULL, &bytes),
                 STATUS_SUCCESS);
    CHECK_EQ(size, 1 << 20);
    CHECK(strchr(events, 'f') != NULL); /* through the filter's completion routine */
    WdfioDriverUnload(driver);
    WdfObjectDelete(disk);
    memset(&mode, 0, sizeof mode);
}

static NTSTATUS failing_entry(PDRIVER_OBJECT object, PUNICODE_STRING path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, on_device_add);
    CHECK_STATUS(WdfDriverCreate(object, path, NULL, &config, NULL), STATUS_SUCCESS);
    return STATUS_DEVICE_NOT_READY;
}
static NTSTATUS lazy_entry(PDRIVER_OBJECT object, PUNICODE_STRING path) {
    (void)object, (void)path;
    return STATUS_SUCCESS;
}
static NTSTATUS bad_config_entry(PDRIVER_OBJECT object, PUNICODE_STRING path) {
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, NULL); /* a PnP driver without EvtDriverDeviceAdd */
    CHECK_STATUS(WdfDriverCreate(object, path, NULL, &config, NULL), STATUS_INVALID_PARAMETER);
    config.Size = 3;
    CHECK_STATUS(WdfDriverCreate(object, path, NULL, &config, NULL), STATUS_INFO_LENGTH_MISMATCH);
    CHECK_STATUS(WdfDriverCreate(object, path, NULL, NULL, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfDriverCreate(NULL, path, NULL, &config, NULL), STATUS_INVALID_PARAMETER);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    WDF_DRIVER_CONFIG_INIT(&config, on_device_add);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    WDFOBJECT parent;
    CHECK_STATUS(WdfObjectCreate(NULL, &parent), STATUS_SUCCESS);
    attributes.ParentObject = parent;
    CHECK_STATUS(WdfDriverCreate(object, path, &attributes, &config, NULL), STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
    WdfObjectDelete(parent);
    return STATUS_UNSUCCESSFUL;
}

static void driver_and_host_bad_input(void) {
    memset(&mode, 0, sizeof mode);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFDRIVER d = (WDFDRIVER)&d;
    CHECK_STATUS(WdfioDriverLoad(NULL, "x", &d), STATUS_INVALID_PARAMETER);
    CHECK(d == NULL);
    CHECK_STATUS(WdfioDriverLoad(test_driver_entry, "x", NULL), STATUS_INVALID_PARAMETER);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    CHECK_STATUS(WdfioDriverLoad(failing_entry, "x", &d), STATUS_DEVICE_NOT_READY); /* nothing left */
    CHECK_EQ(WdfioHostObjectCount(), 0);
    CHECK_STATUS(WdfioDriverLoad(lazy_entry, "x", &d), STATUS_DRIVER_INTERNAL_ERROR);
    CHECK_STATUS(WdfioDriverLoad(bad_config_entry, "x", &d), STATUS_UNSUCCESSFUL);
    CHECK_EQ(WdfioHostObjectCount(), 0);
    CHECK(WdfGetDriver() == NULL); /* none loaded */

    /* Device add: bad handles, an add that makes no device. */
    REQUIRE_STATUS(WdfioDriverLoad(test_driver_entry, "x", &driver), STATUS_SUCCESS);
    CHECK(WdfGetDriver() == driver); /* the one loaded */
    WDFDEVICE dev;
    CHECK_STATUS(WdfioDeviceAdd(NULL, NULL, &dev), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfioDeviceAdd(driver, (WDFDEVICE)driver, &dev), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfioDeviceAdd(driver, NULL, NULL), STATUS_INVALID_PARAMETER);
    mode.skip_create = TRUE;
    CHECK_STATUS(WdfioDeviceAdd(driver, NULL, &dev), STATUS_INVALID_DEVICE_STATE);
    mode.skip_create = FALSE;
    WdfioDriverUnload(driver);
    WdfioDriverUnload(driver); /* gone: a report */
    CHECK(WdfDriverGetRegistryPath(NULL) == NULL);
    CHECK(WdfDeviceGetIoTarget(NULL) == NULL && WdfDeviceGetDefaultQueue(NULL) == NULL);
    CHECK(WdfDeviceGetDriver(NULL) == NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 12);
}

static VOID on_stop(WDFQUEUE queue, WDFREQUEST request, ULONG flags) { (void)queue, (void)request, (void)flags; }

/* Init setters, WdfDeviceCreate and WdfIoQueueCreate bad input, from inside EvtDriverDeviceAdd. */
static int bad_input_adds;
static NTSTATUS bad_input_device_add(WDFDRIVER drv, PWDFDEVICE_INIT init) {
    (void)drv;
    if (bad_input_adds++ > 0) { /* a second device of the same name */
        WDFDEVICE dev;
        CHECK_STATUS(WdfDeviceInitAssignName(init, UNICODE_NAME("\\Device\\WdfioDriverTest")), STATUS_SUCCESS);
        return WdfDeviceCreate(&init, NULL, &dev);
    }
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WdfDeviceInitSetIoType(NULL, WdfDeviceIoBuffered);
    WdfDeviceInitSetIoType(init, (WDF_DEVICE_IO_TYPE)42);
    WdfDeviceInitSetPnpPowerEventCallbacks(init, NULL);
    WDF_PNPPOWER_EVENT_CALLBACKS pnp_callbacks;
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp_callbacks);
    pnp_callbacks.Size = 8;
    WdfDeviceInitSetPnpPowerEventCallbacks(init, &pnp_callbacks);
    WdfDeviceInitSetRequestAttributes(init, NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 5); /* each ignored (R1.6) */
    CHECK_STATUS(WdfDeviceInitAssignName(init, UNICODE_NAME("NotUnderDevice")), STATUS_OBJECT_NAME_INVALID);
    UNICODE_STRING odd = {3, 8, (PWCH)L"\\Device\\X"};
    CHECK_STATUS(WdfDeviceInitAssignName(init, &odd), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfDeviceInitAssignName(init, UNICODE_NAME("\\Device\\WdfioDriverTest")), STATUS_SUCCESS);

    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    WDFDEVICE dev;
    CHECK_STATUS(WdfDeviceCreate(NULL, NULL, &dev), STATUS_INVALID_PARAMETER);
    attributes.ParentObject = drv;
    CHECK_STATUS(WdfDeviceCreate(&init, &attributes, &dev), STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
    PWDFDEVICE_INIT kept = init;
    const NTSTATUS created = WdfDeviceCreate(&init, NULL, &dev);
    CHECK_STATUS(created, STATUS_SUCCESS);
    if (!NT_SUCCESS(created)) return created;
    CHECK(init == NULL);
    WDFDEVICE again;
    CHECK_STATUS(WdfDeviceCreate(&kept, NULL, &again), STATUS_INVALID_DEVICE_STATE); /* used up */
    WdfFdoInitSetFilter(kept);                                                       /* too late: a report */
    CHECK(WdfDeviceGetIoTarget(dev) == NULL);                                        /* at the bottom of its stack */
    CHECK(WdfDeviceGetDefaultQueue(dev) == NULL);

    /* Queues, in R5.1's order. */
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = on_read;
    config.Size = 12;
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, NULL, &queue), STATUS_INFO_LENGTH_MISMATCH);
    config.Size = sizeof config;
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, NULL, NULL), STATUS_INVALID_PARAMETER_4);
    config.DispatchType = (WDF_IO_QUEUE_DISPATCH_TYPE)7;
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, NULL, &queue), STATUS_INVALID_PARAMETER);
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchSequential);
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, NULL, &queue), STATUS_WDF_NO_CALLBACK);
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchManual);
    config.EvtIoRead = on_read;
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, NULL, &queue), STATUS_INVALID_PARAMETER);
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = on_read;
    config.Settings.Parallel.NumberOfPresentedRequests = 4; /* R5.9: a limit */
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, NULL, &queue), STATUS_SUCCESS);
    WdfObjectDelete(queue);
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = on_read;
    config.EvtIoStop = on_stop;
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, NULL, &queue), STATUS_SUCCESS);
    WdfObjectDelete(queue);
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchManual);
    config.EvtIoStop = on_stop; /* R5.1: a manual queue may have EvtIoStop */
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, NULL, &queue), STATUS_SUCCESS);
    WdfObjectDelete(queue);
    WDFOBJECT loose;
    CHECK_STATUS(WdfObjectCreate(NULL, &loose), STATUS_SUCCESS);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = loose;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = on_read;
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, &attributes, &queue), STATUS_INVALID_DEVICE_REQUEST);
    WdfObjectDelete(loose);
    const NTSTATUS made = WdfIoQueueCreate(dev, &config, NULL, &queue);
    CHECK_STATUS(made, STATUS_SUCCESS);
    if (!NT_SUCCESS(made)) return made;
    CHECK(WdfDeviceGetDefaultQueue(dev) == queue);
    CHECK(WdfIoQueueGetDevice(queue) == dev);
    CHECK_STATUS(WdfIoQueueCreate(dev, &config, NULL, NULL), STATUS_UNSUCCESSFUL); /* a second default queue */
    WdfObjectDelete(queue); /* the default queue: not the driver's to delete */
    CHECK(WdfIoQueueGetDevice(queue) == dev);

    /* Dispatching, retrieval. */
    CHECK_STATUS(WdfDeviceConfigureRequestDispatching(dev, queue, WdfRequestTypeOther), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfDeviceConfigureRequestDispatching(NULL, queue, WdfRequestTypeRead), STATUS_INVALID_HANDLE);
    WDFREQUEST request;
    CHECK_STATUS(WdfIoQueueRetrieveNextRequest(queue, &request), STATUS_INVALID_DEVICE_STATE); /* parallel (R5.32) */
    CHECK_STATUS(WdfIoQueueRetrieveNextRequest(queue, NULL), STATUS_INVALID_PARAMETER);
    return STATUS_SUCCESS;
}

static NTSTATUS bad_input_entry(PDRIVER_OBJECT object, PUNICODE_STRING path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, bad_input_device_add);
    return WdfDriverCreate(object, path, NULL, &config, NULL);
}

static void device_and_queue_bad_input(void) {
    memset(&mode, 0, sizeof mode);
    bad_input_adds = 0;
    REQUIRE_STATUS(WdfioDriverLoad(bad_input_entry, "bad_input", &driver), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device), STATUS_SUCCESS);
    /* Named: a second device of that name collides. */
    WDFDEVICE second;
    CHECK_STATUS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &second), STATUS_OBJECT_NAME_COLLISION);
    WdfioDriverUnload(driver);
}

/* The driver's side of a request, misused: each a report, nothing completed twice. */
static void request_driver_side_bad_input(void) {
    memset(&mode, 0, sizeof mode);
    mode.hold_reads = TRUE;
    REQUIRE_START(WDF_NO_HANDLE);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFREQUEST mine;
    REQUIRE_STATUS(WdfRequestCreate(NULL, NULL, &mine), STATUS_SUCCESS);
    WdfRequestComplete(mine, STATUS_SUCCESS); /* driver-created: completed never (R1.19) */
    PVOID buffer;
    CHECK_STATUS(WdfRequestRetrieveInputBuffer(mine, 0, &buffer, NULL), STATUS_INVALID_DEVICE_REQUEST);
    WDF_REQUEST_PARAMETERS parameters;
    WDF_REQUEST_PARAMETERS_INIT(&parameters);
    WdfRequestGetParameters(mine, &parameters);
    CHECK_EQ(parameters.Type, WdfRequestTypeNoFormat);
    CHECK(WdfRequestGetIoQueue(mine) == NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);

    WDFMEMORY memory;
    WDFREQUEST client = send_read(&memory);
    WDFREQUEST held = last_request;
    CHECK_STATUS(WdfRequestRetrieveOutputBuffer(held, 65, &buffer, NULL), STATUS_BUFFER_TOO_SMALL);
    CHECK_STATUS(WdfRequestRetrieveInputBuffer(held, 0, &buffer, NULL), STATUS_INVALID_DEVICE_REQUEST); /* a read */
    CHECK_STATUS(WdfRequestRetrieveOutputBuffer(held, 0, NULL, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfRequestRetrieveOutputMemory(held, NULL), STATUS_INVALID_PARAMETER);
    WdfRequestGetParameters(held, NULL);
    WdfRequestMarkCancelable(held, NULL);
    CHECK_STATUS(WdfRequestForwardToIoQueue(held, WdfDeviceGetDefaultQueue(device)), STATUS_INVALID_DEVICE_REQUEST);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 6);
    WdfObjectDelete(held); /* presented: not the driver's to delete (R1.19); still held */
    CHECK_STATUS(WdfRequestUnmarkCancelable(held), STATUS_SUCCESS);
    WdfRequestCompleteWithInformation(held, STATUS_SUCCESS, 65); /* more than the buffer: refused */
    CHECK_EQ(atomic_load(&read_done), 0);
    WdfRequestCompleteWithInformation(held, STATUS_SUCCESS, 64);
    CHECK(wait_for_count(&read_done, 1));
    WdfRequestComplete(held, STATUS_SUCCESS); /* twice */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 8);
    WdfObjectDelete(mine);
    WdfObjectDelete(client);
    WdfObjectDelete(memory);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

static void a_held_request_knows_it_was_cancelled(void) {
    memset(&mode, 0, sizeof mode);
    mode.hold_reads = TRUE;
    mode.hold_unmarked = TRUE;
    REQUIRE_START(WDF_NO_HANDLE);
    WDFMEMORY memory;
    WDFREQUEST client = send_read(&memory);
    WDFREQUEST held = last_request;
    CHECK(!WdfRequestIsCanceled(held));
    WdfRequestCancelSentRequest(client);
    CHECK(WdfRequestIsCanceled(held)); /* not cancelable: the driver finds out and completes it */
    CHECK_EQ(atomic_load(&read_done), 0);
    WdfRequestComplete(held, STATUS_CANCELLED);
    CHECK(wait_for_count(&read_done, 1));
    CHECK_STATUS(read_status, STATUS_CANCELLED);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    CHECK(!WdfRequestIsCanceled(held));   /* let go: a report */
    CHECK(!WdfRequestIsCanceled(client)); /* driver-created: not the driver side's */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    WdfObjectDelete(client);
    WdfObjectDelete(memory);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

static void strings_versions_and_the_verifier_from_c(void) {
    memset(&mode, 0, sizeof mode);
    REQUIRE_STATUS(WdfioDriverLoad(test_driver_entry, "x", &driver), STATUS_SUCCESS);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFSTRING string;
    UNICODE_STRING us;
    REQUIRE_STATUS(WdfStringCreate(UNICODE_NAME("abc"), WDF_NO_OBJECT_ATTRIBUTES, &string), STATUS_SUCCESS);
    WdfStringGetUnicodeString(string, &us);
    CHECK_EQ(us.Length, 3 * sizeof(WCHAR));
    CHECK(us.Buffer && us.Buffer[0] == L'a' && us.Buffer[2] == L'c' && us.Buffer[3] == 0); /* NUL-terminated */
    CHECK_STATUS(WdfDriverRetrieveVersionString(driver, string), STATUS_SUCCESS);
    WdfStringGetUnicodeString(string, &us);
    CHECK(us.Length > 6 * sizeof(WCHAR) && wcsncmp(us.Buffer, L"wdfio ", 6) == 0);
    WdfObjectDelete(string);
    REQUIRE_STATUS(WdfStringCreate(NULL, NULL, &string), STATUS_SUCCESS);
    WdfStringGetUnicodeString(string, &us);
    CHECK_EQ(us.Length, 0);
    WdfObjectDelete(string);
    UNICODE_STRING odd = {5, 8, (PWCH)L"abc"};
    CHECK_STATUS(WdfStringCreate(&odd, NULL, &string), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfStringCreate(NULL, NULL, NULL), STATUS_INVALID_PARAMETER);
    WdfStringGetUnicodeString(NULL, &us);
    CHECK_STATUS(WdfDriverRetrieveVersionString(driver, NULL), STATUS_INVALID_HANDLE);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 3);

    WDF_DRIVER_VERSION_AVAILABLE_PARAMS version;
    WDF_DRIVER_VERSION_AVAILABLE_PARAMS_INIT(&version, 1, 33);
    CHECK(WdfDriverIsVersionAvailable(driver, &version));
    WDF_DRIVER_VERSION_AVAILABLE_PARAMS_INIT(&version, 1, 9);
    CHECK(WdfDriverIsVersionAvailable(driver, &version));
    WDF_DRIVER_VERSION_AVAILABLE_PARAMS_INIT(&version, 1, 35);
    CHECK(!WdfDriverIsVersionAvailable(driver, &version));
    WDF_DRIVER_VERSION_AVAILABLE_PARAMS_INIT(&version, 2, 0);
    CHECK(!WdfDriverIsVersionAvailable(driver, &version));
    version.Size = 2;
    CHECK(!WdfDriverIsVersionAvailable(driver, &version));
    CHECK(!WdfDriverIsVersionAvailable(driver, NULL));
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 5);

    /* The driver's own verifier calls: reports (this runner is in report mode). */
    WdfVerifierDbgBreakPoint();
    WdfVerifierKeBugCheck(0x7, 1, 2, 3, 4);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 7);
    CHECK_STATUS(WdfioHostSetVerifierMode(7), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioHostSetVerifierMode(WDFIO_VERIFIER_REPORT), STATUS_SUCCESS);
    WdfioDriverUnload(driver);
}

const compat_test driver_tests[] = {
    {"Driver.LoadStartAndUnloadRunTheCallbacksInOrder", load_start_and_unload_run_the_callbacks_in_order},
    {"Driver.AFailedStartIsUndoneAndLeavesNoDevice", a_failed_start_is_undone_and_leaves_no_device},
    {"Driver.RequestsReachTheCallbacksWithTheirParameters", requests_reach_the_callbacks_with_their_parameters},
    {"Driver.TypesWithoutACallbackFailOrGoToEvtIoDefault", types_without_a_callback_fail_or_go_to_evt_io_default},
    {"Driver.ForwardedToAManualQueueThenRetrieved", forwarded_to_a_manual_queue_then_retrieved},
    {"Driver.AHeldRequestIsCancelledThroughItsCancelRoutine", a_held_request_is_cancelled_through_its_cancel_routine},
    {"Driver.StopCompletesWhenTheDriverLetsGo", stop_completes_when_the_driver_lets_go},
    {"Driver.AFilterPassesDownWhatItHasNoQueueFor", a_filter_passes_down_what_it_has_no_queue_for},
    {"Driver.DriverAndHostBadInput", driver_and_host_bad_input},
    {"Driver.DeviceAndQueueBadInput", device_and_queue_bad_input},
    {"Driver.RequestDriverSideBadInput", request_driver_side_bad_input},
    {"Driver.AHeldRequestKnowsItWasCancelled", a_held_request_knows_it_was_cancelled},
    {"Driver.StringsVersionsAndTheVerifierFromC", strings_versions_and_the_verifier_from_c},
    {NULL, NULL},
};
