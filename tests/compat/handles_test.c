/* Handles: every function refuses NULL, foreign, deleted and wrong-type
 * handles with a status (or does nothing, where it returns none); parent and
 * child deletion; cleanup and destroy callbacks; references. */
#include "compat_test.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Calls every function that takes a handle with `bad` in the handle's place
 * and checks each refuses it. `bad` is cast to each handle type. */
static void every_function_refuses(void* bad) {
    WDFMEMORY memory;
    WDFREQUEST request;
    WDFIOTARGET target;
    WDFDEVICE disk;
    if (WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL) != STATUS_SUCCESS) return;
    WdfRequestCreate(NULL, NULL, &request);
    WdfioRamDiskCreate(1 << 16, 512, NULL, &disk);
    WdfioDeviceOpenTarget(disk, NULL, &target);

    char raw[16];
    ULONG_PTR bytes = 7;
    LONGLONG offset = 0;
    WDF_MEMORY_DESCRIPTOR descriptor;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&descriptor, raw, sizeof raw);
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("/dev/null"), GENERIC_READ);
    WDFIO_FAULT_CONFIG config;
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultFail, 0.0);
    WDFIO_FAULT_COUNTERS counters;
    WDFIO_FAULT_COUNTERS_INIT(&counters);
    WDF_REQUEST_COMPLETION_PARAMS params;
    WDF_REQUEST_COMPLETION_PARAMS_INIT(&params);
    WDFDEVICE out_device = NULL;
    WDFIOTARGET out_target = NULL;
    WDFREQUEST out_request = NULL;

    /* memory */
    CHECK(WdfMemoryGetBuffer((WDFMEMORY)bad, NULL) == NULL);
    CHECK_STATUS(WdfMemoryAssignBuffer((WDFMEMORY)bad, raw, sizeof raw), STATUS_INVALID_HANDLE);
    /* requests */
    if (bad) { /* NULL is "no target" here */
        CHECK_STATUS(WdfRequestCreate(NULL, (WDFIOTARGET)bad, &out_request), STATUS_INVALID_HANDLE);
        CHECK(out_request == NULL);
    }
    CHECK_STATUS(WdfRequestReuse((WDFREQUEST)bad, &reuse), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfRequestChangeTarget((WDFREQUEST)bad, target), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfRequestChangeTarget(request, (WDFIOTARGET)bad), STATUS_INVALID_HANDLE);
    WdfRequestSetCompletionRoutine((WDFREQUEST)bad, NULL, NULL);
    CHECK(!WdfRequestSend((WDFREQUEST)bad, target, NULL));
    CHECK(!WdfRequestSend(request, (WDFIOTARGET)bad, NULL));
    CHECK_STATUS(WdfRequestGetStatus(request), STATUS_INVALID_HANDLE); /* why the send above failed */
    CHECK_STATUS(WdfRequestGetStatus((WDFREQUEST)bad), STATUS_INVALID_HANDLE);
    CHECK_EQ(WdfRequestGetInformation((WDFREQUEST)bad), 0);
    CHECK(!WdfRequestCancelSentRequest((WDFREQUEST)bad));
    WdfRequestGetCompletionParams((WDFREQUEST)bad, &params);
    CHECK_EQ(params.Type, WdfRequestTypeNoFormat); /* nothing written */
    /* targets */
    if (bad) { /* NULL is "no device" here */
        CHECK_STATUS(WdfIoTargetCreate((WDFDEVICE)bad, NULL, &out_target), STATUS_INVALID_HANDLE);
        CHECK(out_target == NULL);
    }
    CHECK_STATUS(WdfIoTargetOpen((WDFIOTARGET)bad, &open), STATUS_INVALID_HANDLE);
    WdfIoTargetClose((WDFIOTARGET)bad);
    CHECK_STATUS(WdfIoTargetStart((WDFIOTARGET)bad), STATUS_INVALID_HANDLE);
    WdfIoTargetStop((WDFIOTARGET)bad, WdfIoTargetCancelSentIo);
    WdfIoTargetPurge((WDFIOTARGET)bad, WdfIoTargetPurgeIoAndWait);
    CHECK_EQ(WdfIoTargetGetState((WDFIOTARGET)bad), WdfIoTargetStateUndefined);
    /* formatting: a bad target, a bad request, a bad memory */
    CHECK_STATUS(WdfIoTargetFormatRequestForRead((WDFIOTARGET)bad, request, memory, NULL, NULL), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoTargetFormatRequestForRead(target, (WDFREQUEST)bad, memory, NULL, NULL), STATUS_INVALID_HANDLE);
    if (bad) { /* NULL memory is "no buffer" */
        CHECK_STATUS(WdfIoTargetFormatRequestForRead(target, request, (WDFMEMORY)bad, NULL, NULL),
                     STATUS_INVALID_HANDLE);
        CHECK_STATUS(WdfIoTargetFormatRequestForWrite(target, request, (WDFMEMORY)bad, NULL, &offset),
                     STATUS_INVALID_HANDLE);
        CHECK_STATUS(WdfIoTargetFormatRequestForIoctl(target, request, 1, (WDFMEMORY)bad, NULL, memory, NULL),
                     STATUS_INVALID_HANDLE);
        CHECK_STATUS(WdfIoTargetFormatRequestForInternalIoctl(target, request, 1, memory, NULL, (WDFMEMORY)bad, NULL),
                     STATUS_INVALID_HANDLE);
        CHECK_STATUS(WdfIoTargetFormatRequestForInternalIoctlOthers(target, request, 1, memory, NULL, NULL, NULL,
                                                                    (WDFMEMORY)bad, NULL),
                     STATUS_INVALID_HANDLE);
    }
    CHECK_STATUS(WdfIoTargetFormatRequestForWrite((WDFIOTARGET)bad, request, memory, NULL, &offset),
                 STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoTargetFormatRequestForIoctl(target, (WDFREQUEST)bad, 1, NULL, NULL, memory, NULL),
                 STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoTargetFormatRequestForInternalIoctl((WDFIOTARGET)bad, request, 1, NULL, NULL, NULL, NULL),
                 STATUS_INVALID_HANDLE);
    CHECK_STATUS(
        WdfIoTargetFormatRequestForInternalIoctlOthers(target, (WDFREQUEST)bad, 1, NULL, NULL, NULL, NULL, NULL, NULL),
        STATUS_INVALID_HANDLE);
    /* synchronous helpers: a bad target, a bad supplied request, a bad memory in a descriptor */
    WDF_MEMORY_DESCRIPTOR bad_memory;
    WDF_MEMORY_DESCRIPTOR_INIT_HANDLE(&bad_memory, (WDFMEMORY)bad, NULL);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously((WDFIOTARGET)bad, NULL, &descriptor, NULL, NULL, &bytes),
                 STATUS_INVALID_HANDLE);
    if (bad) /* NULL is "no request" here */
        CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, (WDFREQUEST)bad, &descriptor, NULL, NULL, &bytes),
                     STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoTargetSendWriteSynchronously((WDFIOTARGET)bad, NULL, &descriptor, NULL, NULL, &bytes),
                 STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoTargetSendWriteSynchronously(target, NULL, &bad_memory, NULL, NULL, &bytes),
                 bad ? STATUS_INVALID_HANDLE : STATUS_INVALID_PARAMETER); /* a NULL Memory is a bad descriptor */
    CHECK_STATUS(WdfIoTargetSendIoctlSynchronously((WDFIOTARGET)bad, NULL, 1, NULL, &descriptor, NULL, &bytes),
                 STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoTargetSendInternalIoctlSynchronously((WDFIOTARGET)bad, NULL, 1, NULL, NULL, NULL, &bytes),
                 STATUS_INVALID_HANDLE);
    CHECK_STATUS(
        WdfIoTargetSendInternalIoctlOthersSynchronously((WDFIOTARGET)bad, NULL, 1, NULL, NULL, NULL, NULL, &bytes),
        STATUS_INVALID_HANDLE);
    CHECK_EQ(bytes, 7); /* untouched: nothing was formatted */
    /* built-in drivers */
    CHECK_STATUS(WdfioFaultFilterCreate(bad, &config, NULL, &out_device), STATUS_INVALID_HANDLE);
    CHECK(out_device == NULL);
    CHECK_STATUS(WdfioFaultFilterGetCounters((WDFDEVICE)bad, &counters), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfioFaultFilterResetCounters((WDFDEVICE)bad), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfioDeviceOpenTarget((WDFDEVICE)bad, NULL, &out_target), STATUS_INVALID_HANDLE);
    /* objects */
    WdfObjectDelete(bad);
    WdfObjectReference(bad);
    WdfObjectDereference(bad);

    /* The real objects are unharmed. */
    CHECK(WdfMemoryGetBuffer(memory, NULL) != NULL);
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStarted);
    WdfObjectDelete(request);
    WdfObjectDelete(memory);
    WdfObjectDelete(disk); /* its target goes with it */
}

static void null_handles_are_refused(void) { every_function_refuses(NULL); }

static void foreign_pointers_are_refused(void) {
    static char not_a_handle[256];
    every_function_refuses(not_a_handle);
    int on_the_stack = 0;
    every_function_refuses(&on_the_stack);
}

static void deleted_handles_are_refused(void) {
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &memory, NULL), STATUS_SUCCESS);
    /* Keep it referenced so that its address stays ours, deleted but not destroyed. */
    WdfObjectReference(memory);
    WdfObjectDelete(memory);
    every_function_refuses(memory);
    WdfObjectDelete(memory); /* twice: nothing happens */
    WdfObjectDereference(memory);
}

static void wrong_handle_types_are_refused(void) {
    WDFMEMORY memory;
    WDFREQUEST request;
    WDFDEVICE disk;
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &memory, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfRequestCreate(NULL, NULL, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &disk), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioDeviceOpenTarget(disk, NULL, &target), STATUS_SUCCESS);
    /* Each kind where another is expected. every_function_refuses tries all positions;
     * a memory handle is fine where a memory is expected, so check the others here. */
    CHECK_STATUS(WdfRequestGetStatus((WDFREQUEST)memory), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfRequestGetStatus((WDFREQUEST)target), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfRequestGetStatus((WDFREQUEST)disk), STATUS_INVALID_HANDLE);
    CHECK(WdfMemoryGetBuffer((WDFMEMORY)request, NULL) == NULL);
    CHECK_STATUS(WdfIoTargetStart((WDFIOTARGET)request), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoTargetStart((WDFIOTARGET)disk), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfioDeviceOpenTarget((WDFDEVICE)target, NULL, &target), STATUS_INVALID_HANDLE);
    CHECK(target == NULL); /* out cleared */
    CHECK_STATUS(WdfioFaultFilterGetCounters((WDFDEVICE)memory, NULL), STATUS_INVALID_HANDLE);
    WDFIO_FAULT_CONFIG config;
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultFail, 0.5);
    WDFDEVICE filter;
    CHECK_STATUS(WdfioFaultFilterCreate(request, &config, NULL, &filter), STATUS_INVALID_HANDLE); /* lower: a request */
    CHECK_STATUS(WdfioFaultFilterCreate(memory, &config, NULL, &filter), STATUS_INVALID_HANDLE);
    WdfObjectDelete(request);
    WdfObjectDelete(memory);
    WdfObjectDelete(disk);
}

static atomic_int cleanups, destroys;
static WDFOBJECT last_cleaned;
static void count_cleanup(WDFOBJECT object) {
    last_cleaned = object;
    atomic_fetch_add(&cleanups, 1);
}
static void count_destroy(WDFOBJECT object) {
    (void)object;
    atomic_fetch_add(&destroys, 1);
}

static void deleting_a_parent_deletes_its_children_first(void) {
    atomic_store(&cleanups, 0);
    atomic_store(&destroys, 0);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = count_cleanup;
    attributes.EvtDestroyCallback = count_destroy;
    WDFREQUEST request;
    REQUIRE_STATUS(WdfRequestCreate(&attributes, NULL, &request), STATUS_SUCCESS);
    attributes.ParentObject = request;
    WDFMEMORY child1, child2, grandchild;
    REQUIRE_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 64, &child1, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 64, &child2, NULL), STATUS_SUCCESS);
    attributes.ParentObject = child1;
    REQUIRE_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 64, &grandchild, NULL), STATUS_SUCCESS);
    CHECK_EQ(WdfioHostObjectCount(), 4);

    WdfObjectDelete(child2); /* a child alone: its parent stays */
    CHECK_EQ(atomic_load(&cleanups), 1);
    CHECK_EQ(atomic_load(&destroys), 1);
    CHECK(WdfMemoryGetBuffer(child1, NULL) != NULL);

    WdfObjectDelete(request);
    CHECK_EQ(atomic_load(&cleanups), 4);
    CHECK_EQ(atomic_load(&destroys), 4);
    CHECK(last_cleaned == (WDFOBJECT)request); /* the parent's cleanup runs last */
    CHECK(WdfMemoryGetBuffer(grandchild, NULL) == NULL);
    CHECK_EQ(WdfioHostObjectCount(), 0);
}

static void a_reference_keeps_a_deleted_object_until_dereferenced(void) {
    atomic_store(&destroys, 0);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtDestroyCallback = count_destroy;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 64, &memory, NULL), STATUS_SUCCESS);
    WdfObjectReference(memory);
    WdfObjectDelete(memory);
    CHECK_EQ(atomic_load(&destroys), 0);
    CHECK_EQ(WdfioHostObjectCount(), 1);
    WdfObjectDereference(memory);
    CHECK_EQ(atomic_load(&destroys), 1);
    CHECK_EQ(WdfioHostObjectCount(), 0);
    /* A dereference without a reference is refused (it would destroy a live object). */
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &memory, NULL), STATUS_SUCCESS);
    WdfObjectDereference(memory);
    CHECK(WdfMemoryGetBuffer(memory, NULL) != NULL);
    WdfObjectDelete(memory);
}

static void a_deleted_parent_cannot_adopt(void) {
    WDFMEMORY parent, child = NULL;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &parent, NULL), STATUS_SUCCESS);
    WdfObjectReference(parent);
    WdfObjectDelete(parent);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = parent;
    CHECK_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 64, &child, NULL), STATUS_INVALID_HANDLE);
    CHECK(child == NULL);
    WdfObjectDereference(parent);
}

static void shutdown_deletes_what_is_left(void) {
    WDFMEMORY memory;
    WDFREQUEST request;
    WDFDEVICE disk;
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &memory, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfRequestCreate(NULL, NULL, &request), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, "\\Device\\CompatShutdown", &disk), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &target), STATUS_SUCCESS);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME("\\Device\\CompatShutdown"),
                                                GENERIC_READ | GENERIC_WRITE);
    REQUIRE_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);
    CHECK_EQ(WdfioHostObjectCount(), 4);
    WdfioHostShutdown();
    CHECK_EQ(WdfioHostObjectCount(), 0);
    /* The host comes back on demand, and the name is free again. */
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, "\\Device\\CompatShutdown", &disk), STATUS_SUCCESS);
    WdfObjectDelete(disk);
    CHECK_STATUS(WdfioHostInitialize(), STATUS_SUCCESS);
    CHECK_STATUS(WdfioHostInitialize(), STATUS_SUCCESS); /* again: harmless */
}

/* A deleted handle stays invalid even when the allocator gives its memory to
 * a new object of the same kind: calls through it are refused (and reported
 * by the verifier) and never reach the new object. */
static atomic_int reuse_runs;
static void count_reuse_run(WDFREQUEST request, WDFIOTARGET target, PWDF_REQUEST_COMPLETION_PARAMS params,
                            WDFCONTEXT context) {
    (void)request, (void)target, (void)params, (void)context;
    atomic_fetch_add(&reuse_runs, 1);
}

static void a_deleted_request_never_acts_on_a_new_one(void) {
    /* b is held below a NeverComplete filter, so that a cancel is visible. */
    WDFDEVICE disk, filter;
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &disk), STATUS_SUCCESS);
    WDFIO_FAULT_CONFIG config;
    WDFIO_FAULT_CONFIG_INIT(&config, WdfioFaultNeverComplete, 1.0);
    REQUIRE_STATUS(WdfioFaultFilterCreate(disk, &config, NULL, &filter), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioDeviceOpenTarget(filter, NULL, &target), STATUS_SUCCESS);
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL), STATUS_SUCCESS);

    WDFREQUEST a, b;
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &a), STATUS_SUCCESS);
    WdfObjectDelete(a);
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &b), STATUS_SUCCESS); /* likely a's memory */
    CHECK(a != b);
    atomic_store(&reuse_runs, 0);
    REQUIRE_STATUS(WdfIoTargetFormatRequestForRead(target, b, memory, NULL, NULL), STATUS_SUCCESS);
    WdfRequestSetCompletionRoutine(b, count_reuse_run, NULL);
    CHECK(WdfRequestSend(b, target, NULL));

    const ULONGLONG reported = WdfioHostVerifierViolations();
    CHECK(!WdfRequestCancelSentRequest(a));
    CHECK_STATUS(WdfRequestGetStatus(a), STATUS_INVALID_HANDLE);
    WdfObjectDelete(a);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 3);
    sleep_ms(20);
    CHECK_EQ(atomic_load(&reuse_runs), 0); /* b was not cancelled */
    CHECK_EQ(WdfioHostObjectCount(), 5);   /* nor deleted (disk, filter, target, memory, b) */
    CHECK(WdfRequestCancelSentRequest(b)); /* and is still usable */
    CHECK(wait_for_count(&reuse_runs, 1));
    CHECK_STATUS(WdfRequestGetStatus(b), STATUS_CANCELLED);
    WdfObjectDelete(b);
    WdfObjectDelete(memory);
    WdfObjectDelete(filter);
    WdfObjectDelete(disk);
}

static void a_deleted_memory_never_acts_on_a_new_one(void) {
    WDFMEMORY a, b;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &a, NULL), STATUS_SUCCESS);
    WdfObjectDelete(a);
    void* buffer = NULL;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &b, &buffer), STATUS_SUCCESS);
    CHECK(a != b);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    char other[8];
    CHECK(WdfMemoryGetBuffer(a, NULL) == NULL);
    CHECK_STATUS(WdfMemoryAssignBuffer(a, other, sizeof other), STATUS_INVALID_HANDLE);
    WdfObjectDelete(a);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 3);
    size_t size = 0;
    CHECK(WdfMemoryGetBuffer(b, &size) == buffer); /* b untouched: not deleted, not reassigned */
    CHECK_EQ(size, 64);
    CHECK_EQ(WdfioHostObjectCount(), 1);
    WdfObjectDelete(b);
}

/* Handle values are never handed out twice, whatever addresses the objects get. */
static void a_deleted_handle_value_is_never_reused(void) {
    WDFMEMORY first;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &first, NULL), STATUS_SUCCESS);
    WdfObjectDelete(first);
    WDFMEMORY previous = first;
    int reused = 0;
    for (int i = 0; i < 100000; ++i) {
        WDFMEMORY next;
        REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &next, NULL), STATUS_SUCCESS);
        if (next == first || next == previous) ++reused;
        WdfObjectDelete(next);
        previous = next;
    }
    CHECK_EQ(reused, 0);
    CHECK(WdfMemoryGetBuffer(first, NULL) == NULL);
}

/* WdfioHostShutdown deletes what is left and says what that was, by kind
 * and the call that made it. */
static char left_line[512];
static VOID capture_left(ULONG level, const char* message, PVOID context) {
    (void)level;
    (void)context;
    if (strstr(message, "WdfioHostShutdown") != NULL) snprintf(left_line, sizeof left_line, "%s", message);
}

static void shutdown_says_what_was_left(void) {
    WDFMEMORY memory;
    WDFOBJECT object;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 16, &memory, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 16, &memory, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfObjectCreate(NULL, &object), STATUS_SUCCESS);
    left_line[0] = 0;
    WdfioHostSetLogCallback(capture_left, NULL);
    WdfioHostShutdown();
    WdfioHostSetLogCallback(NULL, NULL);
    CHECK(strstr(left_line, "2 WDFMEMORY (WdfMemoryCreate)") != NULL);
    CHECK(strstr(left_line, "1 WDFOBJECT (WdfObjectCreate)") != NULL);
    CHECK_EQ(WdfioHostObjectCount(), 0);
    REQUIRE_STATUS(WdfioHostInitialize(), STATUS_SUCCESS); /* for the tests after this one */
    left_line[0] = 0;
    WdfioHostSetLogCallback(capture_left, NULL);
    WdfioHostShutdown(); /* nothing left: nothing said */
    WdfioHostSetLogCallback(NULL, NULL);
    CHECK(left_line[0] == 0);
    REQUIRE_STATUS(WdfioHostInitialize(), STATUS_SUCCESS);
}

const compat_test handle_tests[] = {
    {"Handles.NullHandlesAreRefused", null_handles_are_refused},
    {"Handles.ShutdownSaysWhatWasLeft", shutdown_says_what_was_left},
    {"Handles.ForeignPointersAreRefused", foreign_pointers_are_refused},
    {"Handles.DeletedHandlesAreRefused", deleted_handles_are_refused},
    {"Handles.WrongHandleTypesAreRefused", wrong_handle_types_are_refused},
    {"Handles.DeletingAParentDeletesItsChildrenFirst", deleting_a_parent_deletes_its_children_first},
    {"Handles.AReferenceKeepsADeletedObjectUntilDereferenced", a_reference_keeps_a_deleted_object_until_dereferenced},
    {"Handles.ADeletedParentCannotAdopt", a_deleted_parent_cannot_adopt},
    {"Handles.ShutdownDeletesWhatIsLeft", shutdown_deletes_what_is_left},
    {"Handles.ADeletedRequestNeverActsOnANewOne", a_deleted_request_never_acts_on_a_new_one},
    {"Handles.ADeletedMemoryNeverActsOnANewOne", a_deleted_memory_never_acts_on_a_new_one},
    {"Handles.ADeletedHandleValueIsNeverReused", a_deleted_handle_value_is_never_reused},
    {NULL, NULL},
};
