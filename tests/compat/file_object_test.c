/* File objects (driver spec §9.4): an open of a C driver's device by name is
 * the create, closing that target the cleanup and then the close; the
 * WDFFILEOBJECT each open makes, the requests that carry it, exclusive
 * devices, a failed create, the cleanup's cancel of the open's waiting
 * requests, a filter's forwarded create/cleanup/close, and bad input. */
#include "compat_test.h"

#include <string.h>
#include <wchar.h>

/* ---- The test driver */

static char events[64]; /* one letter per callback, in order */
static atomic_int event_count;
static void note(char c) {
    const int i = atomic_fetch_add(&event_count, 1);
    if (i < (int)sizeof events - 1) events[i] = c;
}
static void reset_events(void) {
    memset(events, 0, sizeof events);
    atomic_store(&event_count, 0);
}

static struct {
    BOOLEAN no_config;         /* no WdfDeviceInitSetFileObjectConfig: class NotRequired */
    BOOLEAN not_required;      /* class WdfFileObjectNotRequired, with callbacks */
    BOOLEAN exclusive;         /* WdfDeviceInitSetExclusive */
    NTSTATUS create_status;    /* what EvtDeviceFileCreate completes with */
    BOOLEAN complete_later;    /* ... from a work item instead of the callback */
    BOOLEAN manual_reads;      /* reads wait in a manual queue */
    BOOLEAN finish_in_cleanup; /* EvtFileCleanup completes the open's waiting read itself */
    BOOLEAN scope_queue;       /* the file objects' attributes ask for scope Queue (R7.7) */
    BOOLEAN filter;            /* the device is a filter (no read queue: reads pass down) */
    const char* name;          /* the device's name */
} mode;

/* The filter's callbacks note capitals, the device below's small letters. */
static WDFDEVICE upper_device;
static char letter(char c, WDFDEVICE d) {
    if (upper_device && d == upper_device) return (char)(c - 'a' + 'A');
    return c;
}

typedef struct {
    WDFQUEUE Manual;
} DEVICE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DEVICE_CONTEXT, GetDeviceContext)

typedef struct {
    unsigned Stamp; /* zero when made; set by EvtDeviceFileCreate */
    char CloseLetter;
} FILE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(FILE_CONTEXT, GetFileContext)

/* What the callbacks saw. */
static WDFFILEOBJECT created[4]; /* by open, in order */
static atomic_int creates;
static WDFFILEOBJECT last_read_file;
static KPROCESSOR_MODE last_read_mode, last_create_mode;
static WDFDEVICE create_device;
static atomic_int stale_file_context;
static WCHAR last_file_name[32];
static USHORT last_file_name_length;

static VOID on_file_create(WDFDEVICE device, WDFREQUEST request, WDFFILEOBJECT file);
static VOID on_file_cleanup(WDFFILEOBJECT file) {
    note(letter('u', file ? WdfFileObjectGetDevice(file) : NULL));
    if (!file) return;
    DEVICE_CONTEXT* dc = GetDeviceContext(WdfFileObjectGetDevice(file));
    if (mode.finish_in_cleanup && dc->Manual) {
        /* R9.12: the open's waiting requests are still there, for the driver to finish. */
        WDFREQUEST mine;
        if (NT_SUCCESS(WdfIoQueueRetrieveRequestByFileObject(dc->Manual, file, &mine)))
            WdfRequestCompleteWithInformation(mine, STATUS_SUCCESS, 7);
    }
}
static VOID on_file_close(WDFFILEOBJECT file) {
    note(letter('l', file ? WdfFileObjectGetDevice(file) : NULL));
    if (file) CHECK(WdfFileObjectGetDevice(file) != NULL);
}
static VOID on_file_object_cleanup(WDFOBJECT o) {
    (void)o;
    note('x');
}
static VOID on_file_object_destroy(WDFOBJECT o) {
    (void)o;
    note('y');
}

static VOID on_read(WDFQUEUE queue, WDFREQUEST request, size_t length) {
    (void)length;
    last_read_file = WdfRequestGetFileObject(request);
    last_read_mode = WdfRequestGetRequestorMode(request);
    DEVICE_CONTEXT* dc = GetDeviceContext(WdfIoQueueGetDevice(queue));
    if (mode.manual_reads) {
        CHECK_STATUS(WdfRequestForwardToIoQueue(request, dc->Manual), STATUS_SUCCESS);
        return;
    }
    note('r');
    WdfRequestCompleteWithInformation(request, STATUS_SUCCESS, 0);
}

static NTSTATUS on_device_add(WDFDRIVER driver, PWDFDEVICE_INIT init) {
    (void)driver;
    if (!mode.no_config) {
        WDF_FILEOBJECT_CONFIG config;
        WDF_FILEOBJECT_CONFIG_INIT(&config, on_file_create, on_file_close, on_file_cleanup);
        CHECK_EQ(config.FileObjectClass, WdfFileObjectWdfCannotUseFsContexts);
        CHECK_EQ(config.AutoForwardCleanupClose, WdfUseDefault);
        if (mode.not_required) config.FileObjectClass = WdfFileObjectNotRequired;
        WDF_OBJECT_ATTRIBUTES attributes;
        WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, FILE_CONTEXT);
        attributes.EvtCleanupCallback = on_file_object_cleanup;
        attributes.EvtDestroyCallback = on_file_object_destroy;
        if (mode.scope_queue) attributes.SynchronizationScope = WdfSynchronizationScopeQueue;
        WdfDeviceInitSetFileObjectConfig(init, &config, &attributes);
    }
    if (mode.exclusive) WdfDeviceInitSetExclusive(init, TRUE);
    if (mode.filter) WdfFdoInitSetFilter(init);
    unicode_name name;
    NTSTATUS status = WdfDeviceInitAssignName(init, unicode_name_of(&name, mode.name));
    if (!NT_SUCCESS(status)) return status;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, DEVICE_CONTEXT);
    WDFDEVICE device;
    status = WdfDeviceCreate(&init, &attributes, &device);
    if (!NT_SUCCESS(status)) return status;
    if (mode.filter) {
        upper_device = device;
        return STATUS_SUCCESS;
    }
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = on_read;
    status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE);
    if (!NT_SUCCESS(status) || !mode.manual_reads) return status;
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchManual);
    return WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &GetDeviceContext(device)->Manual);
}

static NTSTATUS driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, on_device_add);
    return WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

static WDFDRIVER driver;
static WDFDEVICE device;

static int start(const char* name) {
    reset_events();
    memset(created, 0, sizeof created);
    atomic_store(&creates, 0);
    atomic_store(&stale_file_context, 0);
    last_read_file = NULL;
    mode.name = name;
    if (!NT_SUCCESS(WdfioDriverLoad(driver_entry, "wdfio_file_object_test", &driver))) return 0;
    if (NT_SUCCESS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device))) return 1;
    WdfioDriverUnload(driver);
    return 0;
}

#define REQUIRE_START(name)                           \
    do {                                              \
        if (!start(name)) {                           \
            CHECK(!"loading the file-object driver"); \
            memset(&mode, 0, sizeof mode);            \
            return;                                   \
        }                                             \
    } while (0)

/* An open by name: a remote target of the host (no parent device). */
static NTSTATUS open_by_name(const char* name, WDFIOTARGET* target) {
    *target = NULL;
    NTSTATUS status = WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, target);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_TARGET_OPEN_PARAMS params;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&params, UNICODE_NAME(name), GENERIC_READ | GENERIC_WRITE);
    status = WdfIoTargetOpen(*target, &params);
    if (!NT_SUCCESS(status)) {
        WdfObjectDelete(*target);
        *target = NULL;
    }
    return status;
}

static NTSTATUS read_sync(WDFIOTARGET target) {
    char buffer[16];
    WDF_MEMORY_DESCRIPTOR d;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&d, buffer, sizeof buffer);
    return WdfIoTargetSendReadSynchronously(target, NULL, &d, NULL, NULL, NULL);
}

/* An asynchronous read through `target`, counted in *done with its status in *status. */
typedef struct {
    atomic_int done;
    NTSTATUS status;
    ULONG_PTR information;
    WDFREQUEST request;
    WDFMEMORY memory;
} pending_read;
static VOID read_done(WDFREQUEST request, WDFIOTARGET t, PWDF_REQUEST_COMPLETION_PARAMS params, WDFCONTEXT context) {
    (void)request, (void)t;
    pending_read* p = context;
    p->status = params->IoStatus.Status;
    p->information = params->IoStatus.Information;
    atomic_fetch_add(&p->done, 1);
}
static int send_read(WDFIOTARGET target, pending_read* p) {
    memset(p, 0, sizeof *p);
    if (!NT_SUCCESS(WdfRequestCreate(NULL, target, &p->request)) ||
        !NT_SUCCESS(WdfMemoryCreate(NULL, NonPagedPool, 0, 16, &p->memory, NULL)) ||
        !NT_SUCCESS(WdfIoTargetFormatRequestForRead(target, p->request, p->memory, NULL, NULL)))
        return 0;
    WdfRequestSetCompletionRoutine(p->request, read_done, p);
    return WdfRequestSend(p->request, target, WDF_NO_SEND_OPTIONS);
}
static void end_read(pending_read* p) {
    if (p->request) WdfObjectDelete(p->request);
    if (p->memory) WdfObjectDelete(p->memory);
}

/* EvtDeviceFileCreate: checks what it is given, records the file object. */
typedef struct {
    WDFREQUEST Request;
} REQUEST_HOLDER;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(REQUEST_HOLDER, GetRequestHolder)

/* The create completed later, from another thread (the opener waits). */
static VOID complete_create(WDFWORKITEM item) {
    sleep_ms(5);
    WdfRequestComplete(GetRequestHolder(item)->Request, mode.create_status);
}

static VOID on_file_create(WDFDEVICE device, WDFREQUEST request, WDFFILEOBJECT file) {
    note(letter('c', device));
    create_device = device;
    last_create_mode = WdfRequestGetRequestorMode(request);
    const int i = atomic_fetch_add(&creates, 1);
    if (i < 4) created[i] = file;
    CHECK(WdfRequestGetFileObject(request) == file);
    CHECK(WdfRequestGetIoQueue(request) == NULL);
    WDF_REQUEST_PARAMETERS parameters;
    WDF_REQUEST_PARAMETERS_INIT(&parameters);
    WdfRequestGetParameters(request, &parameters);
    CHECK_EQ(parameters.Type, WdfRequestTypeCreate);
    if (file) {
        CHECK(WdfFileObjectGetDevice(file) == device);
        CHECK_EQ(WdfFileObjectGetFlags(file), 0);
        FILE_CONTEXT* fc = GetFileContext(file);
        if (!fc || fc->Stamp != 0) atomic_fetch_add(&stale_file_context, 1);
        if (fc) fc->Stamp = 0xf11e;
        PUNICODE_STRING name = WdfFileObjectGetFileName(file);
        CHECK(name != NULL);
        if (name && name->Length < sizeof last_file_name) {
            memcpy(last_file_name, name->Buffer, name->Length);
            last_file_name_length = name->Length;
        }
        WdfObjectDelete(file); /* not the driver's to delete (R9.10): ignored */
        CHECK(WdfFileObjectGetDevice(file) == device);
    }
    if (mode.complete_later) {
        WDF_OBJECT_ATTRIBUTES attributes;
        WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, REQUEST_HOLDER);
        attributes.ParentObject = device; /* goes with the device */
        WDF_WORKITEM_CONFIG config;
        WDF_WORKITEM_CONFIG_INIT(&config, complete_create);
        WDFWORKITEM item;
        if (NT_SUCCESS(WdfWorkItemCreate(&config, &attributes, &item))) {
            GetRequestHolder(item)->Request = request;
            WdfWorkItemEnqueue(item);
            return;
        }
        CHECK(!"a work item");
    }
    WdfRequestComplete(request, mode.create_status);
}

/* ---- Tests */

/* R9.10–R9.13: create → I/O → cleanup → close → the file object's cleanup and destroy. */
static void one_open_runs_create_io_cleanup_close_in_order(void) {
    memset(&mode, 0, sizeof mode);
    REQUIRE_START("\\Device\\FoOrder");
    WDFIOTARGET target;
    REQUIRE_STATUS(open_by_name("\\Device\\FoOrder", &target), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&creates), 1);
    CHECK(created[0] != NULL);
    CHECK(create_device == device);
    CHECK_EQ(atomic_load(&stale_file_context), 0);
    CHECK_EQ(last_file_name_length, 0); /* the device itself: no name below it */
    CHECK_EQ(last_create_mode, UserMode);
    CHECK_STATUS(read_sync(target), STATUS_SUCCESS);
    CHECK(last_read_file == created[0]);
    CHECK_EQ(last_read_mode, UserMode);
    CHECK_EQ(GetFileContext(created[0])->Stamp, 0xf11e);
    WdfIoTargetClose(target);
    if (strcmp(events, "crulxy") != 0) {
        fprintf(stderr, "callbacks ran as \"%s\"\n", events);
        CHECK(!"R9.13: create, read, EvtFileCleanup, EvtFileClose, the file object's cleanup and destroy");
    }
    CHECK(WdfFileObjectGetDevice(created[0]) == NULL); /* deleted with the close */
    WdfObjectDelete(target);
    CHECK(strcmp(events, "crulxy") == 0); /* closed once */

    /* A name below the device: the file object's name is what followed the device's. */
    reset_events();
    REQUIRE_STATUS(open_by_name("\\Device\\FoOrder\\sub", &target), STATUS_SUCCESS);
    CHECK_EQ(last_file_name_length, 4 * sizeof(WCHAR));
    CHECK(wmemcmp(last_file_name, L"\\sub", 4) == 0);
    WdfObjectDelete(target); /* a delete without a close: cleanup and close too */
    CHECK(strcmp(events, "culxy") == 0);
    WdfioDriverUnload(driver);
}

/* R9.11: the create completed later from another thread; the open waits for it. */
static void a_create_completed_later_decides_the_open(void) {
    memset(&mode, 0, sizeof mode);
    mode.complete_later = TRUE;
    REQUIRE_START("\\Device\\FoLater");
    WDFIOTARGET target;
    REQUIRE_STATUS(open_by_name("\\Device\\FoLater", &target), STATUS_SUCCESS);
    CHECK(strcmp(events, "c") == 0);
    WdfObjectDelete(target);
    mode.create_status = STATUS_DEVICE_BUSY;
    reset_events();
    CHECK_STATUS(open_by_name("\\Device\\FoLater", &target), STATUS_DEVICE_BUSY);
    CHECK(strcmp(events, "cxy") == 0);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

/* R9.11: a create completed with a failure fails the open; the file object
 * goes (its cleanup and destroy), no EvtFileCleanup or EvtFileClose follows. */
static void a_failed_create_fails_the_open_without_cleanup_or_close(void) {
    memset(&mode, 0, sizeof mode);
    mode.create_status = STATUS_ACCESS_DENIED;
    REQUIRE_START("\\Device\\FoFail");
    const ULONG objects = WdfioHostObjectCount();
    WDFIOTARGET target;
    CHECK_STATUS(open_by_name("\\Device\\FoFail", &target), STATUS_ACCESS_DENIED);
    CHECK(target == NULL);
    CHECK(strcmp(events, "cxy") == 0);
    CHECK(WdfFileObjectGetDevice(created[0]) == NULL);
    CHECK_EQ(WdfioHostObjectCount(), objects);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

/* R3.4, R9.11: an exclusive device open → STATUS_ACCESS_DENIED for the next
 * open, without the driver hearing of it; closed, it opens again. */
static void an_exclusive_device_refuses_a_second_open(void) {
    memset(&mode, 0, sizeof mode);
    mode.exclusive = TRUE;
    REQUIRE_START("\\Device\\FoExclusive");
    WDFIOTARGET first, second;
    REQUIRE_STATUS(open_by_name("\\Device\\FoExclusive", &first), STATUS_SUCCESS);
    CHECK_STATUS(open_by_name("\\Device\\FoExclusive", &second), STATUS_ACCESS_DENIED);
    CHECK_EQ(atomic_load(&creates), 1);
    WdfIoTargetClose(first);
    REQUIRE_STATUS(open_by_name("\\Device\\FoExclusive", &second), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&creates), 2);
    WdfObjectDelete(second);
    WdfObjectDelete(first);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

/* R6.20: each request carries the file object of the open it came through;
 * one through the host's own target (no open by name) carries none. */
static void requests_carry_the_file_object_of_their_open(void) {
    memset(&mode, 0, sizeof mode);
    REQUIRE_START("\\Device\\FoTwo");
    WDFIOTARGET a, b, plain;
    REQUIRE_STATUS(open_by_name("\\Device\\FoTwo", &a), STATUS_SUCCESS);
    REQUIRE_STATUS(open_by_name("\\Device\\FoTwo", &b), STATUS_SUCCESS);
    CHECK(created[0] != NULL && created[1] != NULL && created[0] != created[1]);
    CHECK_STATUS(read_sync(b), STATUS_SUCCESS);
    CHECK(last_read_file == created[1]);
    CHECK_STATUS(read_sync(a), STATUS_SUCCESS);
    CHECK(last_read_file == created[0]);
    REQUIRE_STATUS(WdfioDeviceOpenTarget(device, WDF_NO_OBJECT_ATTRIBUTES, &plain), STATUS_SUCCESS);
    CHECK_STATUS(read_sync(plain), STATUS_SUCCESS);
    CHECK(last_read_file == NULL);
    CHECK_EQ(last_read_mode, KernelMode);
    WdfObjectDelete(plain);
    WdfObjectDelete(a);
    CHECK_STATUS(read_sync(b), STATUS_SUCCESS); /* the other open is untouched */
    CHECK(last_read_file == created[1]);
    WdfObjectDelete(b);
    WdfioDriverUnload(driver);
}

/* Waits (at most 10 s) until `queue` holds `want` waiting requests. */
static int wait_queued(WDFQUEUE queue, ULONG want) {
    for (int i = 0; i < 10000; ++i) {
        ULONG queued = 0;
        WdfIoQueueGetState(queue, &queued, NULL);
        if (queued == want) return 1;
        sleep_ms(1);
    }
    return 0;
}

/* R9.12: at an open's cleanup its requests waiting in a queue are cancelled,
 * after EvtFileCleanup (which may still finish them); another open's stay.
 * R5.32: retrieved by file object, oldest first. */
static void cleanup_cancels_only_the_opens_waiting_requests(void) {
    memset(&mode, 0, sizeof mode);
    mode.manual_reads = TRUE;
    REQUIRE_START("\\Device\\FoCancel");
    WDFQUEUE manual = GetDeviceContext(device)->Manual;
    WDFIOTARGET a, b;
    REQUIRE_STATUS(open_by_name("\\Device\\FoCancel", &a), STATUS_SUCCESS);
    REQUIRE_STATUS(open_by_name("\\Device\\FoCancel", &b), STATUS_SUCCESS);
    pending_read ra, rb, ra2, rb2;
    CHECK(send_read(a, &ra));
    CHECK(wait_queued(manual, 1));
    CHECK(send_read(b, &rb));
    CHECK(wait_queued(manual, 2));
    CHECK(send_read(a, &ra2));
    CHECK(wait_queued(manual, 3));

    /* FindRequest by file object (R5.33): b's one read, skipping a's first. */
    WDFREQUEST found = NULL, after = (WDFREQUEST)&after;
    REQUIRE_STATUS(WdfIoQueueFindRequest(manual, NULL, created[1], NULL, &found), STATUS_SUCCESS);
    CHECK(WdfRequestGetFileObject(found) == NULL); /* found, not the driver's yet */
    CHECK_STATUS(WdfIoQueueFindRequest(manual, found, created[1], NULL, &after), STATUS_NO_MORE_ENTRIES);
    CHECK(after == NULL);
    REQUIRE_STATUS(WdfIoQueueFindRequest(manual, found, created[0], NULL, &after), STATUS_SUCCESS); /* a's second */
    WdfObjectDereference(after);

    WDFREQUEST got = (WDFREQUEST)&got;
    CHECK_STATUS(WdfIoQueueRetrieveRequestByFileObject(manual, created[1], &got), STATUS_SUCCESS);
    CHECK(got == found); /* the same request, the same handle */
    WdfObjectDereference(found);
    CHECK(WdfRequestGetFileObject(got) == created[1]);
    CHECK_EQ(WdfRequestGetRequestorMode(got), UserMode);
    WDFREQUEST none = (WDFREQUEST)&none;
    CHECK_STATUS(WdfIoQueueRetrieveRequestByFileObject(manual, created[1], &none), STATUS_NO_MORE_ENTRIES);
    CHECK(none == NULL);

    /* a's cleanup: EvtFileCleanup finishes a's oldest read; the queue cancels the other. */
    mode.finish_in_cleanup = TRUE;
    WdfIoTargetClose(a);
    CHECK(wait_for_count(&ra.done, 1));
    CHECK_STATUS(ra.status, STATUS_SUCCESS);
    CHECK_EQ(ra.information, 7);
    CHECK(wait_for_count(&ra2.done, 1));
    CHECK_STATUS(ra2.status, STATUS_CANCELLED);
    CHECK_EQ(atomic_load(&rb.done), 0); /* b's, held by the driver, untouched */
    CHECK(WdfRequestGetFileObject(got) == created[1]);
    WdfRequestComplete(got, STATUS_SUCCESS);
    CHECK(wait_for_count(&rb.done, 1));
    CHECK_STATUS(rb.status, STATUS_SUCCESS);

    /* Without the driver's help: b's waiting read is cancelled at b's cleanup. */
    mode.finish_in_cleanup = FALSE;
    CHECK(send_read(b, &rb2));
    CHECK(wait_queued(manual, 1));
    CHECK_STATUS(WdfIoQueueRetrieveRequestByFileObject(manual, created[0], &none),
                 STATUS_INVALID_HANDLE); /* a's is gone */
    WdfIoTargetClose(b);
    CHECK(wait_for_count(&rb2.done, 1));
    CHECK_STATUS(rb2.status, STATUS_CANCELLED);
    CHECK(wait_queued(manual, 0));
    end_read(&ra), end_read(&rb), end_read(&ra2), end_read(&rb2);
    WdfObjectDelete(a);
    WdfObjectDelete(b);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

/* R9.9: without a configuration, or with class NotRequired, there are no
 * WDFFILEOBJECTs: the callbacks get NULL, requests carry none. */
static void without_file_objects_the_callbacks_get_null(void) {
    memset(&mode, 0, sizeof mode);
    mode.no_config = TRUE;
    REQUIRE_START("\\Device\\FoNone");
    WDFIOTARGET target;
    REQUIRE_STATUS(open_by_name("\\Device\\FoNone", &target), STATUS_SUCCESS);
    CHECK_STATUS(read_sync(target), STATUS_SUCCESS);
    CHECK(last_read_file == NULL);
    CHECK_EQ(last_read_mode, UserMode); /* still the host's open */
    WdfObjectDelete(target);
    CHECK(strcmp(events, "r") == 0);
    WdfioDriverUnload(driver);

    memset(&mode, 0, sizeof mode);
    mode.not_required = TRUE;
    REQUIRE_START("\\Device\\FoNone");
    REQUIRE_STATUS(open_by_name("\\Device\\FoNone", &target), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&creates), 1);
    CHECK(created[0] == NULL);
    CHECK_STATUS(read_sync(target), STATUS_SUCCESS);
    CHECK(last_read_file == NULL);
    WdfObjectDelete(target);
    CHECK(strcmp(events, "crul") == 0); /* no file object to clean up or destroy */
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

/* R9.14: a filter (AutoForwardCleanupClose WdfUseDefault) forwards the create,
 * cleanup and close: the device below makes its own file object, which the
 * requests the filter passes down carry there. */
static void a_filter_forwards_create_cleanup_and_close(void) {
    memset(&mode, 0, sizeof mode);
    REQUIRE_START("\\Device\\FoLower");
    WDFDRIVER lower_driver = driver;
    WDFDEVICE lower = device;
    memset(&mode, 0, sizeof mode);
    mode.filter = TRUE;
    mode.name = "\\Device\\FoFilter";
    WDFDRIVER filter_driver;
    WDFDEVICE filter;
    if (!NT_SUCCESS(WdfioDriverLoad(driver_entry, "wdfio_file_object_filter", &filter_driver))) {
        CHECK(!"loading the filter");
        WdfioDriverUnload(lower_driver);
        return;
    }
    CHECK_STATUS(WdfioDeviceAdd(filter_driver, lower, &filter), STATUS_SUCCESS);
    WDFIOTARGET target;
    CHECK_STATUS(open_by_name("\\Device\\FoFilter", &target), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&creates), 2);
    CHECK(created[0] != NULL && created[1] != NULL);
    CHECK(WdfFileObjectGetDevice(created[0]) == filter);
    CHECK(WdfFileObjectGetDevice(created[1]) == lower);
    CHECK_STATUS(read_sync(target), STATUS_SUCCESS); /* the filter has no read queue: down it goes */
    CHECK(last_read_file == created[1]);
    WdfObjectDelete(target);
    /* The filter's create, the lower's; the read; cleanup down the stack; each close, then its file object. */
    if (strcmp(events, "CcrUuLxylxy") != 0) {
        fprintf(stderr, "callbacks ran as \"%s\"\n", events);
        CHECK(!"R9.14: create, cleanup and close forwarded down the stack");
    }
    WdfioDriverUnload(filter_driver);
    upper_device = NULL;
    WdfioDriverUnload(lower_driver);
    memset(&mode, 0, sizeof mode);
}

/* The host takes the device down under an open: the open ends first, with
 * valid handles; the target's later delete does nothing more. */
static void unload_under_an_open_ends_it_first(void) {
    memset(&mode, 0, sizeof mode);
    REQUIRE_START("\\Device\\FoUnload");
    WDFIOTARGET target;
    REQUIRE_STATUS(open_by_name("\\Device\\FoUnload", &target), STATUS_SUCCESS);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WdfioDriverUnload(driver);
    CHECK(strcmp(events, "culxy") == 0);
    CHECK_EQ(WdfioHostVerifierViolations(), reported); /* the callbacks' handles were alive */
    CHECK(!NT_SUCCESS(read_sync(target)));
    WdfObjectDelete(target);
    CHECK(strcmp(events, "culxy") == 0);
}

/* R7.7: file objects with scope Queue (or Device) → WdfDeviceCreate fails. */
static void a_file_object_scope_fails_the_device(void) {
    memset(&mode, 0, sizeof mode);
    mode.scope_queue = TRUE;
    mode.name = "\\Device\\FoScope";
    REQUIRE_STATUS(WdfioDriverLoad(driver_entry, "wdfio_file_object_test", &driver), STATUS_SUCCESS);
    WDFDEVICE d;
    CHECK_STATUS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &d), STATUS_INVALID_DEVICE_REQUEST);
    WdfioDriverUnload(driver);
    memset(&mode, 0, sizeof mode);
}

/* Bad input to every new call: a report (this runner is in report mode) and
 * a harmless result, never a crash or a hang. */
static NTSTATUS bad_config_device_add(WDFDRIVER d, PWDFDEVICE_INIT init) {
    (void)d;
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDF_FILEOBJECT_CONFIG config;
    WDF_FILEOBJECT_CONFIG_INIT(&config, on_file_create, on_file_close, on_file_cleanup);
    WdfDeviceInitSetFileObjectConfig(NULL, &config, NULL);
    WdfDeviceInitSetFileObjectConfig(init, NULL, NULL);
    config.Size = 4;
    WdfDeviceInitSetFileObjectConfig(init, &config, NULL);
    config.Size = sizeof config;
    config.FileObjectClass = (WDF_FILEOBJECT_CLASS)9;
    WdfDeviceInitSetFileObjectConfig(init, &config, NULL);
    config.FileObjectClass = (WDF_FILEOBJECT_CLASS)(WdfFileObjectNotRequired | WdfFileObjectCanBeOptional);
    WdfDeviceInitSetFileObjectConfig(init, &config, NULL);
    config.FileObjectClass = WdfFileObjectWdfCannotUseFsContexts;
    config.AutoForwardCleanupClose = (WDF_TRI_STATE)3;
    WdfDeviceInitSetFileObjectConfig(init, &config, NULL);
    config.AutoForwardCleanupClose = WdfUseDefault;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = d;
    WdfDeviceInitSetFileObjectConfig(init, &config, &attributes);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 7);
    unicode_name name;
    NTSTATUS status = WdfDeviceInitAssignName(init, unicode_name_of(&name, "\\Device\\FoBad"));
    if (!NT_SUCCESS(status)) return status;
    WDFDEVICE created_device;
    return WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &created_device);
}
static NTSTATUS bad_config_driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, bad_config_device_add);
    return WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

static void file_object_bad_input(void) {
    memset(&mode, 0, sizeof mode);
    reset_events();
    atomic_store(&creates, 0);
    /* Every bad configuration ignored: the device has no file objects. */
    WDFDRIVER bad;
    REQUIRE_STATUS(WdfioDriverLoad(bad_config_driver_entry, "wdfio_file_object_bad", &bad), STATUS_SUCCESS);
    WDFDEVICE d;
    REQUIRE_STATUS(WdfioDeviceAdd(bad, WDF_NO_HANDLE, &d), STATUS_SUCCESS);
    WDFIOTARGET target;
    CHECK_STATUS(open_by_name("\\Device\\FoBad", &target), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&creates), 0);
    WdfObjectDelete(target);
    CHECK_STATUS(open_by_name("\\Device\\FoNobody", &target), STATUS_OBJECT_NAME_NOT_FOUND);
    WdfioDriverUnload(bad);

    REQUIRE_START("\\Device\\FoBadInput");
    REQUIRE_STATUS(open_by_name("\\Device\\FoBadInput", &target), STATUS_SUCCESS);
    WDFFILEOBJECT file = created[0];
    const ULONGLONG reported = WdfioHostVerifierViolations();
    CHECK(WdfFileObjectGetDevice(NULL) == NULL);
    CHECK(WdfFileObjectGetDevice((WDFFILEOBJECT)device) == NULL); /* a WDFDEVICE */
    CHECK_EQ(WdfFileObjectGetFlags(NULL), 0);
    CHECK(WdfFileObjectGetFileName(NULL) == NULL);
    CHECK(WdfFileObjectGetFileName((WDFFILEOBJECT)target) == NULL);
    CHECK(WdfRequestGetFileObject(NULL) == NULL);
    CHECK(WdfRequestGetFileObject((WDFREQUEST)file) == NULL);
    CHECK_EQ(WdfRequestGetRequestorMode(NULL), KernelMode);
    WDFREQUEST r = (WDFREQUEST)&r;
    CHECK_STATUS(WdfIoQueueRetrieveRequestByFileObject(NULL, file, &r), STATUS_INVALID_HANDLE);
    CHECK(r == NULL);
    WDFQUEUE queue = WdfDeviceGetDefaultQueue(device);
    CHECK_STATUS(WdfIoQueueRetrieveRequestByFileObject(queue, NULL, &r), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoQueueRetrieveRequestByFileObject(queue, (WDFFILEOBJECT)device, &r), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoQueueRetrieveRequestByFileObject(queue, file, NULL), STATUS_INVALID_PARAMETER);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 12);
    /* A queue that presents by itself. */
    CHECK_STATUS(WdfIoQueueRetrieveRequestByFileObject(queue, file, &r), STATUS_INVALID_DEVICE_REQUEST);
    /* A driver-created request carries no file object. */
    WDFREQUEST mine;
    REQUIRE_STATUS(WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE, &mine), STATUS_SUCCESS);
    CHECK(WdfRequestGetFileObject(mine) == NULL);
    CHECK_EQ(WdfRequestGetRequestorMode(mine), KernelMode);
    WdfObjectDelete(mine);
    WdfObjectDelete(target);
    /* Deleted: every call refuses it. */
    const ULONGLONG before = WdfioHostVerifierViolations();
    CHECK(WdfFileObjectGetDevice(file) == NULL);
    CHECK(WdfFileObjectGetFileName(file) == NULL);
    CHECK_STATUS(WdfIoQueueRetrieveRequestByFileObject(queue, file, &r), STATUS_INVALID_HANDLE);
    CHECK_EQ(WdfioHostVerifierViolations(), before + 3);
    WdfioDriverUnload(driver);
}

/* The create request completed twice: the second is a report, nothing else. */
static WDFREQUEST create_request;
static VOID complete_twice(WDFDEVICE d, WDFREQUEST request, WDFFILEOBJECT file) {
    (void)d, (void)file;
    create_request = request;
    WdfRequestComplete(request, STATUS_SUCCESS);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WdfRequestComplete(request, STATUS_UNSUCCESSFUL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1);
}
static NTSTATUS twice_device_add(WDFDRIVER d, PWDFDEVICE_INIT init) {
    (void)d;
    WDF_FILEOBJECT_CONFIG config;
    WDF_FILEOBJECT_CONFIG_INIT(&config, complete_twice, WDF_NO_EVENT_CALLBACK, WDF_NO_EVENT_CALLBACK);
    WdfDeviceInitSetFileObjectConfig(init, &config, WDF_NO_OBJECT_ATTRIBUTES);
    unicode_name name;
    NTSTATUS status = WdfDeviceInitAssignName(init, unicode_name_of(&name, "\\Device\\FoTwice"));
    if (!NT_SUCCESS(status)) return status;
    WDFDEVICE created_device;
    return WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &created_device);
}
static NTSTATUS twice_driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, twice_device_add);
    return WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}
static void a_create_completed_twice_is_reported(void) {
    WDFDRIVER d;
    REQUIRE_STATUS(WdfioDriverLoad(twice_driver_entry, "wdfio_file_object_twice", &d), STATUS_SUCCESS);
    WDFDEVICE dev;
    REQUIRE_STATUS(WdfioDeviceAdd(d, WDF_NO_HANDLE, &dev), STATUS_SUCCESS);
    WDFIOTARGET target;
    CHECK_STATUS(open_by_name("\\Device\\FoTwice", &target), STATUS_SUCCESS);
    CHECK(WdfRequestGetFileObject(create_request) == NULL); /* gone with its completion */
    if (target) WdfObjectDelete(target);
    WdfioDriverUnload(d);
}

const compat_test file_object_tests[] = {
    {"FileObject.OneOpenRunsCreateIoCleanupCloseInOrder", one_open_runs_create_io_cleanup_close_in_order},
    {"FileObject.ACreateCompletedLaterDecidesTheOpen", a_create_completed_later_decides_the_open},
    {"FileObject.AFailedCreateFailsTheOpenWithoutCleanupOrClose",
     a_failed_create_fails_the_open_without_cleanup_or_close},
    {"FileObject.AnExclusiveDeviceRefusesASecondOpen", an_exclusive_device_refuses_a_second_open},
    {"FileObject.RequestsCarryTheFileObjectOfTheirOpen", requests_carry_the_file_object_of_their_open},
    {"FileObject.CleanupCancelsOnlyTheOpensWaitingRequests", cleanup_cancels_only_the_opens_waiting_requests},
    {"FileObject.WithoutFileObjectsTheCallbacksGetNull", without_file_objects_the_callbacks_get_null},
    {"FileObject.AFilterForwardsCreateCleanupAndClose", a_filter_forwards_create_cleanup_and_close},
    {"FileObject.UnloadUnderAnOpenEndsItFirst", unload_under_an_open_ends_it_first},
    {"FileObject.AFileObjectScopeFailsTheDevice", a_file_object_scope_fails_the_device},
    {"FileObject.BadInput", file_object_bad_input},
    {"FileObject.ACreateCompletedTwiceIsReported", a_create_completed_twice_is_reported},
    {NULL, NULL},
};
