/* EvtIoInCallerContext and WdfDeviceEnqueueRequest from C (driver spec R5.39):
 * every request reaches the callback on the sending thread, before any queue;
 * the driver enqueues it (the queue presents the same WDFREQUEST), completes
 * it there, or gets a clear status for a misuse and still owns the request.
 * Reads go to a parallel queue; ioctls have none (there is no default queue). */
#include "compat_test.h"

#include <pthread.h>

/* Stops the test when a step later steps depend on failed. */
#define REQUIRE(cond)                               \
    do {                                            \
        if (!(cond)) {                              \
            compat_fail(__FILE__, __LINE__, #cond); \
            return;                                 \
        }                                           \
    } while (0)

typedef enum { ENQUEUE, COMPLETE_HERE, KEEP } choice_t;
static choice_t choice;
static pthread_t caller;          /* the thread that sent */
static atomic_int caller_matched; /* the callback ran on it */
static atomic_int in_caller, presented;
static WDFREQUEST seen_in_caller, seen_presented, kept;
static NTSTATUS enqueue_status;
static NTSTATUS forward_in_caller; /* WdfRequestForwardToIoQueue there: no queue to forward from */
static WDFQUEUE queue_in_caller;   /* WdfRequestGetIoQueue there: none yet */
static WDFQUEUE read_queue;
static WDFDEVICE device;

static VOID on_in_caller_context(WDFDEVICE dev, WDFREQUEST request) {
    CHECK(dev == device);
    if (pthread_equal(pthread_self(), caller)) atomic_fetch_add(&caller_matched, 1);
    atomic_fetch_add(&in_caller, 1);
    seen_in_caller = request;
    queue_in_caller = WdfRequestGetIoQueue(request);
    forward_in_caller = WdfRequestForwardToIoQueue(request, read_queue);
    switch (choice) {
    case ENQUEUE:
        enqueue_status = WdfDeviceEnqueueRequest(dev, request);
        if (!NT_SUCCESS(enqueue_status)) WdfRequestComplete(request, enqueue_status); /* still ours */
        break;
    case COMPLETE_HERE: WdfRequestCompleteWithInformation(request, STATUS_DEVICE_BUSY, 0); break;
    case KEEP: kept = request; break;
    }
}

static VOID on_read(WDFQUEUE queue, WDFREQUEST request, size_t length) {
    CHECK(queue == read_queue);
    seen_presented = request;
    atomic_fetch_add(&presented, 1);
    WdfRequestCompleteWithInformation(request, STATUS_SUCCESS, length);
}

static NTSTATUS on_device_add(WDFDRIVER driver, PWDFDEVICE_INIT init) {
    (void)driver;
    WdfDeviceInitSetIoInCallerContextCallback(init, on_in_caller_context);
    NTSTATUS status = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = on_read;
    status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &read_queue);
    if (!NT_SUCCESS(status)) return status;
    return WdfDeviceConfigureRequestDispatching(device, read_queue, WdfRequestTypeRead);
}

static NTSTATUS driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, on_device_add);
    return WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

static WDFDRIVER driver;
static WDFIOTARGET target;

static int start(choice_t c) {
    choice = c;
    caller = pthread_self();
    atomic_store(&caller_matched, 0);
    atomic_store(&in_caller, 0);
    atomic_store(&presented, 0);
    seen_in_caller = seen_presented = kept = NULL;
    enqueue_status = forward_in_caller = STATUS_PENDING;
    queue_in_caller = (WDFQUEUE)&queue_in_caller;
    if (!NT_SUCCESS(WdfioDriverLoad(driver_entry, "wdfio_in_caller_context", &driver))) return 0;
    if (!NT_SUCCESS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device))) return 0;
    return NT_SUCCESS(WdfioDeviceOpenTarget(device, WDF_NO_OBJECT_ATTRIBUTES, &target));
}

#define REQUIRE_START(c)                                    \
    do {                                                    \
        if (!start(c)) {                                    \
            CHECK(!"loading the in-caller-context driver"); \
            return;                                         \
        }                                                   \
    } while (0)

/* R5.39: on the sender's thread, owned by the driver, in no queue; enqueued,
 * the queue presents the same WDFREQUEST. */
static void enqueued_then_presented(void) {
    REQUIRE_START(ENQUEUE);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    client_io io;
    send_client_io(&io, target, 64, FALSE);
    REQUIRE(wait_done(&io));
    CHECK_STATUS(io.status, STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&in_caller), 1);
    CHECK_EQ(atomic_load(&caller_matched), 1);
    CHECK_STATUS(enqueue_status, STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&presented), 1);
    CHECK(seen_presented == seen_in_caller);
    CHECK(queue_in_caller == NULL);
    CHECK_STATUS(forward_in_caller, STATUS_INVALID_DEVICE_REQUEST);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1); /* the forward's */
    free_io(&io);
    WdfioDriverUnload(driver);
}

/* Completed in the callback: no queue sees it. */
static void completed_in_the_callback(void) {
    REQUIRE_START(COMPLETE_HERE);
    client_io io;
    send_client_io(&io, target, 64, FALSE);
    REQUIRE(wait_done(&io));
    CHECK_STATUS(io.status, STATUS_DEVICE_BUSY);
    CHECK_EQ(atomic_load(&presented), 0);
    free_io(&io);
    WdfioDriverUnload(driver);
}

/* No queue takes ioctls: enqueue refuses (not a filter), and the driver still
 * owns it (the callback completes it with that status). */
static void no_queue_for_the_type(void) {
    REQUIRE_START(ENQUEUE);
    client_io io;
    send_client_io(&io, target, 8, TRUE);
    REQUIRE(wait_done(&io));
    CHECK_STATUS(enqueue_status, STATUS_INVALID_DEVICE_REQUEST);
    CHECK_STATUS(io.status, STATUS_INVALID_DEVICE_REQUEST);
    CHECK_EQ(atomic_load(&presented), 0);
    free_io(&io);
    WdfioDriverUnload(driver);
}

/* A purged queue takes nothing: STATUS_WDF_BUSY, still the driver's. */
static void purged_queue_is_busy(void) {
    REQUIRE_START(ENQUEUE);
    WdfIoQueuePurgeSynchronously(read_queue);
    client_io io;
    send_client_io(&io, target, 64, FALSE);
    REQUIRE(wait_done(&io));
    CHECK_STATUS(enqueue_status, STATUS_WDF_BUSY);
    CHECK_STATUS(io.status, STATUS_WDF_BUSY);
    free_io(&io);
    WdfioDriverUnload(driver);
}

/* Outside the callback, a request of no caller context, a bad handle: refused,
 * reported, nothing lost; the kept request is still the driver's to complete. */
static void enqueue_bad_input(void) {
    REQUIRE_START(KEEP);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    client_io io;
    send_client_io(&io, target, 64, FALSE);
    REQUIRE(kept != NULL);
    CHECK_STATUS(WdfDeviceEnqueueRequest(device, kept), STATUS_INVALID_DEVICE_REQUEST); /* after the callback */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);                              /* the forward's, then this */
    CHECK_STATUS(WdfDeviceEnqueueRequest(NULL, kept), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfDeviceEnqueueRequest(device, NULL), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfDeviceEnqueueRequest((WDFDEVICE)read_queue, kept), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfDeviceEnqueueRequest(device, io.request), STATUS_INVALID_DEVICE_REQUEST); /* a client's */
    CHECK(!atomic_load(&io.done));
    WdfRequestComplete(kept, STATUS_SUCCESS);
    REQUIRE(wait_done(&io));
    CHECK_STATUS(io.status, STATUS_SUCCESS);
    CHECK_STATUS(WdfDeviceEnqueueRequest(device, kept), STATUS_INVALID_HANDLE); /* completed: the handle is gone */
    const ULONGLONG before = WdfioHostVerifierViolations();
    WdfDeviceInitSetIoInCallerContextCallback(NULL, on_in_caller_context); /* a report, nothing set */
    CHECK_EQ(WdfioHostVerifierViolations(), before + 1);
    free_io(&io);
    WdfioDriverUnload(driver);
}

const compat_test in_caller_context_tests[] = {
    {"InCallerContext.EnqueuedThenPresented", enqueued_then_presented},
    {"InCallerContext.CompletedInTheCallback", completed_in_the_callback},
    {"InCallerContext.NoQueueForTheType", no_queue_for_the_type},
    {"InCallerContext.PurgedQueueIsBusy", purged_queue_is_busy},
    {"InCallerContext.EnqueueBadInput", enqueue_bad_input},
    {NULL, NULL},
};
