/* The queue operations of driver spec §5.5, §5.8 and §5.9 from C: Drain,
 * FindRequest / RetrieveFoundRequest, ReadyNotify, Requeue, and
 * RetrieveNextRequest's statuses. The test driver's default queue is manual
 * (reads and writes wait there); ioctls go to a parallel queue that holds
 * them, for the "not manual" cases and a drain that waits for the driver. */
#include "compat_test.h"

#include <pthread.h>
#include <string.h>

static WDFQUEUE manual;   /* the default queue */
static WDFQUEUE parallel; /* ioctls; holds each in `held_ioctl` */
static WDFREQUEST held_ioctl;
static atomic_int ioctls;
static NTSTATUS in_callback_drain_checked; /* what the ioctl callback saw trying to wait */
static BOOLEAN drain_synchronously_in_callback;
static BOOLEAN forward_ioctls; /* to the manual queue; refused: completed STATUS_UNSUCCESSFUL */
static NTSTATUS forward_status;

static VOID on_ioctl(WDFQUEUE queue, WDFREQUEST request, size_t out, size_t in, ULONG code) {
    (void)queue, (void)out, (void)in, (void)code;
    held_ioctl = request;
    if (forward_ioctls) {
        forward_status = WdfRequestForwardToIoQueue(request, manual);
        if (!NT_SUCCESS(forward_status)) WdfRequestComplete(request, STATUS_UNSUCCESSFUL);
    }
    if (drain_synchronously_in_callback) {
        const ULONGLONG before = WdfioHostVerifierViolations();
        WdfIoQueueDrainSynchronously(manual); /* R5.23: would wait for itself: a report, no wait */
        in_callback_drain_checked = WdfioHostVerifierViolations() == before + 1 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
    }
    atomic_fetch_add(&ioctls, 1);
}

/* R5.30: a request the driver requeued (or forwarded), cancelled while waiting. */
static atomic_int canceled_on_queue;
static VOID on_canceled_on_queue(WDFQUEUE queue, WDFREQUEST request) {
    CHECK(queue == manual);
    CHECK(WdfRequestGetIoQueue(request) == manual); /* the driver's again */
    atomic_fetch_add(&canceled_on_queue, 1);
    WdfRequestComplete(request, STATUS_CANCELLED);
}

static NTSTATUS on_device_add(WDFDRIVER driver, PWDFDEVICE_INIT init) {
    (void)driver;
    WDFDEVICE device;
    NTSTATUS status = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchManual);
    config.EvtIoCanceledOnQueue = on_canceled_on_queue;
    status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &manual);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchParallel);
    config.EvtIoDeviceControl = on_ioctl;
    status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &parallel);
    if (!NT_SUCCESS(status)) return status;
    return WdfDeviceConfigureRequestDispatching(device, parallel, WdfRequestTypeDeviceControl);
}

static NTSTATUS driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, on_device_add);
    return WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

static WDFDRIVER driver;
static WDFDEVICE device;
static WDFIOTARGET target;

static int start(void) {
    atomic_store(&ioctls, 0);
    atomic_store(&canceled_on_queue, 0);
    held_ioctl = NULL;
    drain_synchronously_in_callback = FALSE;
    forward_ioctls = FALSE;
    if (!NT_SUCCESS(WdfioDriverLoad(driver_entry, "wdfio_queue_ops", &driver))) return 0;
    if (!NT_SUCCESS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device))) return 0;
    return NT_SUCCESS(WdfioDeviceOpenTarget(device, WDF_NO_OBJECT_ATTRIBUTES, &target));
}

#define REQUIRE_START()                                    \
    do {                                                   \
        if (!start()) {                                    \
            CHECK(!"loading the queue-operations driver"); \
            return;                                        \
        }                                                  \
    } while (0)

/* ---- The client side: asynchronous reads (lengths tell them apart) and ioctls */

static void send_io(client_io* io, size_t length, BOOLEAN ioctl) { send_client_io(io, target, length, ioctl); }
static void send_read(client_io* io, size_t length) { send_io(io, length, FALSE); }

static ULONG queued_in(WDFQUEUE q) {
    ULONG queued = 0;
    WdfIoQueueGetState(q, &queued, NULL);
    return queued;
}

/* Retrieves and completes everything waiting in the manual queue. */
static void complete_waiting(void) {
    WDFREQUEST r;
    while (NT_SUCCESS(WdfIoQueueRetrieveNextRequest(manual, &r))) WdfRequestComplete(r, STATUS_SUCCESS);
}

static atomic_int state_callbacks;
static VOID on_queue_state(WDFQUEUE queue, WDFCONTEXT context) {
    CHECK(queue == manual || queue == parallel);
    CHECK(context == (WDFCONTEXT)&state_callbacks);
    atomic_fetch_add(&state_callbacks, 1);
}

/* ---- Tests */

/* R5.32: a stopped queue → STATUS_WDF_PAUSED, an empty one → STATUS_NO_MORE_ENTRIES,
 * a parallel one → STATUS_INVALID_DEVICE_STATE; *OutRequest NULL on failure. */
static void retrieve_next_request_statuses(void) {
    REQUIRE_START();
    client_io a;
    send_read(&a, 8);
    WDFREQUEST r = (WDFREQUEST)&r;
    CHECK_STATUS(WdfIoQueueRetrieveNextRequest(parallel, &r), STATUS_INVALID_DEVICE_STATE);
    CHECK(r == NULL);
    WdfIoQueueStop(manual, NULL, NULL);
    r = (WDFREQUEST)&r;
    CHECK_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_WDF_PAUSED);
    CHECK(r == NULL);
    WdfIoQueueStart(manual);
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    WdfRequestComplete(r, STATUS_SUCCESS);
    CHECK(wait_done(&a));
    r = (WDFREQUEST)&r;
    CHECK_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_NO_MORE_ENTRIES);
    CHECK(r == NULL);
    free_io(&a);
    WdfioDriverUnload(driver);
}

/* R5.33, R5.34: FindRequest walks the waiting requests without taking them;
 * RetrieveFoundRequest takes exactly the one found. */
static void find_then_retrieve_found(void) {
    REQUIRE_START();
    client_io io[3];
    send_read(&io[0], 8);
    send_read(&io[1], 16);
    send_read(&io[2], 32);
    for (int i = 0; i < 100 && queued_in(manual) < 3; ++i) sleep_ms(1);
    REQUIRE_STATUS(queued_in(manual), 3);

    WDF_REQUEST_PARAMETERS p;
    WDF_REQUEST_PARAMETERS_INIT(&p);
    WDFREQUEST first, second, third, none = (WDFREQUEST)&none;
    REQUIRE_STATUS(WdfIoQueueFindRequest(manual, NULL, NULL, &p, &first), STATUS_SUCCESS);
    CHECK_EQ(p.Type, WdfRequestTypeRead);
    CHECK_EQ(p.Parameters.Read.Length, 8);
    REQUIRE_STATUS(WdfIoQueueFindRequest(manual, first, NULL, &p, &second), STATUS_SUCCESS);
    CHECK_EQ(p.Parameters.Read.Length, 16);
    REQUIRE_STATUS(WdfIoQueueFindRequest(manual, second, NULL, NULL, &third), STATUS_SUCCESS);
    CHECK_STATUS(WdfIoQueueFindRequest(manual, third, NULL, NULL, &none), STATUS_NO_MORE_ENTRIES);
    CHECK(none == NULL);
    /* Not a WDFFILEOBJECT: refused (file_object_test.c finds by a real one). */
    CHECK_STATUS(WdfIoQueueFindRequest(manual, NULL, (WDFFILEOBJECT)&p, NULL, &none), STATUS_INVALID_HANDLE);
    /* Found, not retrieved: still waiting, not the driver's to complete or delete. */
    ULONG queued = 0, owned = 9;
    WdfIoQueueGetState(manual, &queued, &owned);
    CHECK_EQ(queued, 3);
    CHECK_EQ(owned, 0);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WdfRequestComplete(second, STATUS_SUCCESS);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1);
    WdfObjectDelete(second); /* not deletable: ignored */
    CHECK(WdfRequestGetIoQueue(second) == NULL);
    CHECK(!atomic_load(&io[1].done));

    WDFREQUEST got;
    REQUIRE_STATUS(WdfIoQueueRetrieveFoundRequest(manual, second, &got), STATUS_SUCCESS);
    CHECK(got == second);
    CHECK(WdfRequestGetIoQueue(got) == manual);
    WdfIoQueueGetState(manual, &queued, &owned);
    CHECK_EQ(queued, 2);
    CHECK_EQ(owned, 1);
    got = (WDFREQUEST)&got;
    CHECK_STATUS(WdfIoQueueRetrieveFoundRequest(manual, second, &got), STATUS_NOT_FOUND); /* taken already */
    CHECK(got == NULL);
    CHECK_STATUS(WdfIoQueueFindRequest(manual, second, NULL, NULL, &none), STATUS_NOT_FOUND); /* rescan */
    WdfRequestCompleteWithInformation(second, STATUS_SUCCESS, 16);
    CHECK(wait_done(&io[1]));
    CHECK_STATUS(io[1].status, STATUS_SUCCESS);
    /* Completed and gone, yet the reference keeps the tag usable: not found. */
    CHECK_STATUS(WdfIoQueueFindRequest(manual, second, NULL, NULL, &none), STATUS_NOT_FOUND);
    WdfObjectDereference(second);

    /* The next retrieval is the oldest, the one found first. */
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &got), STATUS_SUCCESS);
    CHECK(got == first);
    WdfRequestComplete(got, STATUS_SUCCESS);
    WdfObjectDereference(first);
    REQUIRE_STATUS(WdfIoQueueRetrieveFoundRequest(manual, third, &got), STATUS_SUCCESS);
    WdfRequestComplete(got, STATUS_SUCCESS);
    WdfObjectDereference(third);
    for (int i = 0; i < 3; ++i) {
        CHECK(wait_done(&io[i]));
        free_io(&io[i]);
    }
    WdfioDriverUnload(driver);
}

/* A found request cancelled while it waits is completed STATUS_CANCELLED;
 * the tag then finds nothing. */
static void found_request_cancelled_while_waiting(void) {
    REQUIRE_START();
    client_io a;
    send_read(&a, 8);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    WDFREQUEST found;
    REQUIRE_STATUS(WdfIoQueueFindRequest(manual, NULL, NULL, NULL, &found), STATUS_SUCCESS);
    CHECK(WdfRequestCancelSentRequest(a.request));
    CHECK(wait_done(&a));
    CHECK_STATUS(a.status, STATUS_CANCELLED);
    CHECK_EQ(atomic_load(&canceled_on_queue), 0); /* never presented: the framework completed it */
    WDFREQUEST got;
    CHECK_STATUS(WdfIoQueueRetrieveFoundRequest(manual, found, &got), STATUS_NOT_FOUND);
    WdfObjectDereference(found);
    free_io(&a);
    WdfioDriverUnload(driver);
}

static void find_and_retrieve_found_bad_input(void) {
    REQUIRE_START();
    WDFREQUEST r = (WDFREQUEST)&r;
    WDF_REQUEST_PARAMETERS p;
    WDF_REQUEST_PARAMETERS_INIT(&p);
    CHECK_STATUS(WdfIoQueueFindRequest(NULL, NULL, NULL, NULL, &r), STATUS_INVALID_HANDLE);
    CHECK(r == NULL);
    CHECK_STATUS(WdfIoQueueFindRequest((WDFQUEUE)device, NULL, NULL, NULL, &r), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoQueueFindRequest(manual, NULL, NULL, NULL, NULL), STATUS_INVALID_PARAMETER);
    p.Size = 8;
    CHECK_STATUS(WdfIoQueueFindRequest(parallel, NULL, NULL, &p, &r), STATUS_INVALID_PARAMETER_4); /* first */
    const ULONGLONG reported = WdfioHostVerifierViolations();
    CHECK_STATUS(WdfIoQueueFindRequest(parallel, NULL, NULL, NULL, &r), STATUS_INVALID_DEVICE_REQUEST);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1);
    CHECK_STATUS(WdfIoQueueFindRequest(manual, NULL, NULL, NULL, &r), STATUS_NO_MORE_ENTRIES);
    CHECK_STATUS(WdfIoQueueFindRequest(manual, (WDFREQUEST)manual, NULL, NULL, &r), STATUS_INVALID_HANDLE);

    CHECK_STATUS(WdfIoQueueRetrieveFoundRequest(NULL, (WDFREQUEST)&r, &r), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoQueueRetrieveFoundRequest(manual, NULL, &r), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfIoQueueRetrieveFoundRequest(manual, NULL, NULL), STATUS_INVALID_PARAMETER);
    /* A driver-created request was never in a queue. */
    WDFREQUEST mine;
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &mine), STATUS_SUCCESS);
    CHECK_STATUS(WdfIoQueueRetrieveFoundRequest(manual, mine, &r), STATUS_NOT_FOUND);
    CHECK_STATUS(WdfIoQueueFindRequest(manual, mine, NULL, NULL, &r), STATUS_NOT_FOUND);
    const ULONGLONG before = WdfioHostVerifierViolations();
    CHECK_STATUS(WdfIoQueueRetrieveFoundRequest(parallel, mine, &r), STATUS_INVALID_DEVICE_REQUEST);
    CHECK_EQ(WdfioHostVerifierViolations(), before + 1);
    WdfObjectDelete(mine);
    WdfioDriverUnload(driver);
}

/* R5.35: once per empty → non-empty transition while presenting, on Start
 * when requests wait, and within the registering call. */
static atomic_int ready;
static VOID on_ready(WDFQUEUE queue, WDFCONTEXT context) {
    CHECK(queue == manual);
    CHECK(context == (WDFCONTEXT)&ready);
    atomic_fetch_add(&ready, 1);
}

static void ready_notify_fires_on_each_arrival_into_an_empty_queue(void) {
    REQUIRE_START();
    atomic_store(&ready, 0);
    REQUIRE_STATUS(WdfIoQueueReadyNotify(manual, on_ready, (WDFCONTEXT)&ready), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&ready), 0); /* empty: nothing yet */
    client_io io[4];
    send_read(&io[0], 8);
    CHECK(wait_for_count(&ready, 1));
    send_read(&io[1], 8);
    for (int i = 0; i < 100 && queued_in(manual) < 2; ++i) sleep_ms(1);
    CHECK_EQ(queued_in(manual), 2);
    CHECK_EQ(atomic_load(&ready), 1); /* not empty before: no second call */
    complete_waiting();
    send_read(&io[2], 8);
    CHECK(wait_for_count(&ready, 2));
    complete_waiting();
    /* Stopped: cancelled (which needs the stop), then arrivals are silent. */
    WdfIoQueueStop(manual, NULL, NULL);
    CHECK_STATUS(WdfIoQueueReadyNotify(manual, NULL, NULL), STATUS_SUCCESS);
    send_read(&io[3], 8);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    CHECK_EQ(atomic_load(&ready), 2);
    /* Registered while stopped with one waiting: on Start. */
    REQUIRE_STATUS(WdfIoQueueReadyNotify(manual, on_ready, (WDFCONTEXT)&ready), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&ready), 2);
    WdfIoQueueStart(manual);
    CHECK_EQ(atomic_load(&ready), 3);
    complete_waiting();
    for (int i = 0; i < 4; ++i) {
        CHECK(wait_done(&io[i]));
        free_io(&io[i]);
    }
    WdfioDriverUnload(driver);
}

static void ready_notify_bad_input(void) {
    REQUIRE_START();
    atomic_store(&ready, 0);
    CHECK_STATUS(WdfIoQueueReadyNotify(NULL, on_ready, NULL), STATUS_INVALID_HANDLE);
    ULONGLONG reported = WdfioHostVerifierViolations();
    CHECK_STATUS(WdfIoQueueReadyNotify(parallel, on_ready, NULL), STATUS_INVALID_DEVICE_REQUEST);
    CHECK_STATUS(WdfIoQueueReadyNotify(manual, NULL, NULL), STATUS_INVALID_DEVICE_REQUEST); /* none to cancel */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    REQUIRE_STATUS(WdfIoQueueReadyNotify(manual, on_ready, (WDFCONTEXT)&ready), STATUS_SUCCESS);
    reported = WdfioHostVerifierViolations();
    CHECK_STATUS(WdfIoQueueReadyNotify(manual, on_ready, (WDFCONTEXT)&ready), STATUS_INVALID_DEVICE_REQUEST);
    CHECK_STATUS(WdfIoQueueReadyNotify(manual, NULL, NULL), STATUS_INVALID_DEVICE_REQUEST); /* still presenting */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    WdfIoQueueStop(manual, NULL, NULL);
    CHECK_STATUS(WdfIoQueueReadyNotify(manual, NULL, NULL), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&ready), 0);
    WdfioDriverUnload(driver);
}

/* R5.38: back to the head of its manual queue, the same handle when retrieved again. */
static void requeue_puts_it_back_at_the_head(void) {
    REQUIRE_START();
    client_io a, b;
    send_read(&a, 8);
    send_read(&b, 16);
    for (int i = 0; i < 100 && queued_in(manual) < 2; ++i) sleep_ms(1);
    WDFREQUEST r, again;
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    ULONG queued = 0, owned = 0;
    WdfIoQueueGetState(manual, &queued, &owned);
    CHECK_EQ(owned, 1);
    REQUIRE_STATUS(WdfRequestRequeue(r), STATUS_SUCCESS);
    WdfIoQueueGetState(manual, &queued, &owned);
    CHECK_EQ(queued, 2);
    CHECK_EQ(owned, 0);
    /* Waiting again: not the driver's. */
    const ULONGLONG reported = WdfioHostVerifierViolations();
    CHECK_STATUS(WdfRequestRequeue(r), STATUS_INVALID_DEVICE_REQUEST);
    WdfRequestComplete(r, STATUS_SUCCESS);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    CHECK(!atomic_load(&a.done));
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &again), STATUS_SUCCESS);
    CHECK(again == r); /* the head: a's, the same handle */
    WDF_REQUEST_PARAMETERS p;
    WDF_REQUEST_PARAMETERS_INIT(&p);
    WdfRequestGetParameters(again, &p);
    CHECK_EQ(p.Parameters.Read.Length, 8);
    WdfRequestComplete(again, STATUS_SUCCESS);
    complete_waiting();
    CHECK(wait_done(&a) && wait_done(&b));
    CHECK_STATUS(a.status, STATUS_SUCCESS);
    free_io(&a);
    free_io(&b);
    WdfioDriverUnload(driver);
}

/* R5.38 with R5.19/R5.30: requeued after a purge, or already cancelled: cancelled, still SUCCESS. */
static void requeue_cancels_after_a_purge_or_a_cancel(void) {
    REQUIRE_START();
    atomic_store(&state_callbacks, 0);
    client_io a, b;
    send_read(&a, 8);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    WDFREQUEST r;
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    WdfIoQueuePurge(manual, on_queue_state, (WDFCONTEXT)&state_callbacks);
    CHECK_EQ(atomic_load(&state_callbacks), 0); /* the driver holds one */
    CHECK_STATUS(WdfRequestRequeue(r), STATUS_SUCCESS);
    CHECK(wait_done(&a));
    CHECK_STATUS(a.status, STATUS_CANCELLED);
    CHECK_EQ(atomic_load(&canceled_on_queue), 1); /* presented before: through EvtIoCanceledOnQueue (R5.30) */
    CHECK_EQ(atomic_load(&state_callbacks), 1);
    WdfIoQueueStart(manual);

    send_read(&b, 8);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    CHECK(!WdfRequestCancelSentRequest(b.request) || 1); /* the driver holds it, not cancelable: only marked */
    CHECK_STATUS(WdfRequestRequeue(r), STATUS_SUCCESS);
    CHECK(wait_done(&b));
    CHECK_STATUS(b.status, STATUS_CANCELLED);
    CHECK_EQ(atomic_load(&canceled_on_queue), 2);
    CHECK_EQ(queued_in(manual), 0);
    free_io(&a);
    free_io(&b);
    WdfioDriverUnload(driver);
}

/* R5.30: requeued, then cancelled while it waits: back to the driver through
 * EvtIoCanceledOnQueue, which completes it. */
static void requeued_then_cancelled_goes_to_evt_io_canceled_on_queue(void) {
    REQUIRE_START();
    client_io a;
    send_read(&a, 8);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    WDFREQUEST r;
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfRequestRequeue(r), STATUS_SUCCESS);
    CHECK(WdfRequestCancelSentRequest(a.request));
    CHECK(wait_done(&a));
    CHECK_STATUS(a.status, STATUS_CANCELLED);
    CHECK_EQ(atomic_load(&canceled_on_queue), 1);
    ULONG queued = 9, owned = 9;
    WdfIoQueueGetState(manual, &queued, &owned);
    CHECK(queued == 0 && owned == 0);
    free_io(&a);
    WdfioDriverUnload(driver);
}

/* R5.36: a forward into a draining queue is refused (STATUS_WDF_BUSY), the
 * request still the driver's; one forwarded and then cancelled while it
 * waits goes to EvtIoCanceledOnQueue (R5.30). */
static void forward_into_a_draining_queue_then_cancelled_after_forward(void) {
    REQUIRE_START();
    forward_ioctls = TRUE;
    WdfIoQueueDrain(manual, NULL, NULL);
    client_io io, io2;
    send_io(&io, 8, TRUE);
    CHECK(wait_done(&io));
    CHECK_STATUS(forward_status, STATUS_WDF_BUSY);
    CHECK_STATUS(io.status, STATUS_UNSUCCESSFUL); /* completed by the driver, which still owned it */
    ULONG owned = 9;
    WdfIoQueueGetState(parallel, NULL, &owned);
    CHECK_EQ(owned, 0);
    WdfIoQueueStart(manual);
    send_io(&io2, 8, TRUE);
    for (int i = 0; i < 1000 && queued_in(manual) < 1; ++i) sleep_ms(1);
    CHECK_STATUS(forward_status, STATUS_SUCCESS);
    CHECK(WdfRequestCancelSentRequest(io2.request));
    CHECK(wait_done(&io2));
    CHECK_STATUS(io2.status, STATUS_CANCELLED);
    CHECK_EQ(atomic_load(&canceled_on_queue), 1);
    free_io(&io);
    free_io(&io2);
    WdfioDriverUnload(driver);
}

static VOID cancel_routine(WDFREQUEST request) { WdfRequestComplete(request, STATUS_CANCELLED); }

static void requeue_bad_input(void) {
    REQUIRE_START();
    CHECK_STATUS(WdfRequestRequeue(NULL), STATUS_INVALID_DEVICE_REQUEST);
    WDFREQUEST mine;
    REQUIRE_STATUS(WdfRequestCreate(NULL, target, &mine), STATUS_SUCCESS);
    CHECK_STATUS(WdfRequestRequeue(mine), STATUS_INVALID_DEVICE_REQUEST); /* driver-created: no queue */
    WdfObjectDelete(mine);
    /* From a parallel queue: always refused (R5.38). */
    client_io io, a;
    send_io(&io, 8, TRUE);
    CHECK(wait_for_count(&ioctls, 1));
    ULONGLONG reported = WdfioHostVerifierViolations();
    CHECK_STATUS(WdfRequestRequeue(held_ioctl), STATUS_INVALID_DEVICE_REQUEST);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1);
    WdfRequestComplete(held_ioctl, STATUS_SUCCESS);
    CHECK(wait_done(&io));
    CHECK_STATUS(io.status, STATUS_SUCCESS);
    /* Still cancelable: refused, still the driver's. */
    send_read(&a, 8);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    WDFREQUEST r;
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    WdfRequestMarkCancelable(r, cancel_routine);
    reported = WdfioHostVerifierViolations();
    CHECK_STATUS(WdfRequestRequeue(r), STATUS_INVALID_DEVICE_REQUEST);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1);
    CHECK(WdfRequestGetIoQueue(r) == manual);
    CHECK_STATUS(WdfRequestUnmarkCancelable(r), STATUS_SUCCESS);
    WdfRequestComplete(r, STATUS_SUCCESS);
    CHECK(wait_done(&a));
    CHECK_STATUS(a.status, STATUS_SUCCESS);
    free_io(&io);
    free_io(&a);
    WdfioDriverUnload(driver);
}

/* R5.20, R5.21, R5.14: draining refuses arrivals, keeps giving out what waits,
 * and calls back once nothing waits and the driver holds nothing. */
static void drain_calls_back_when_nothing_waits_or_is_held(void) {
    REQUIRE_START();
    atomic_store(&state_callbacks, 0);
    client_io a, b, late;
    send_read(&a, 8);
    send_read(&b, 8);
    for (int i = 0; i < 100 && queued_in(manual) < 2; ++i) sleep_ms(1);
    WdfIoQueueDrain(manual, on_queue_state, (WDFCONTEXT)&state_callbacks);
    ULONG queued = 0;
    WDF_IO_QUEUE_STATE state = WdfIoQueueGetState(manual, &queued, NULL);
    CHECK(!(state & WdfIoQueueAcceptRequests));
    CHECK(state & WdfIoQueueDispatchRequests);
    CHECK_EQ(queued, 2);
    CHECK_EQ(atomic_load(&state_callbacks), 0);
    send_read(&late, 8);
    CHECK(wait_done(&late));
    CHECK_STATUS(late.status, STATUS_INVALID_DEVICE_STATE); /* R5.15 */
    WDFREQUEST r;
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    WdfRequestComplete(r, STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&state_callbacks), 0); /* one still waits */
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&state_callbacks), 0); /* the driver holds it */
    WdfRequestComplete(r, STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&state_callbacks), 1);
    state = WdfIoQueueGetState(manual, NULL, NULL);
    CHECK(!(state & WdfIoQueueAcceptRequests) && (state & WdfIoQueueDispatchRequests));
    CHECK((state & WdfIoQueueNoRequests) && (state & WdfIoQueueDriverNoRequests));
    CHECK(WDF_IO_QUEUE_DRAINED(state) && WDF_IO_QUEUE_PURGED(state) && WDF_IO_QUEUE_IDLE(state));
    CHECK(!WDF_IO_QUEUE_READY(state) && !WDF_IO_QUEUE_STOPPED(state));
    /* Already drained: the callback runs within the call (R5.21). */
    WdfIoQueueDrain(manual, on_queue_state, (WDFCONTEXT)&state_callbacks);
    CHECK_EQ(atomic_load(&state_callbacks), 2);
    WdfIoQueueDrainSynchronously(manual); /* nothing to wait for */
    WdfIoQueueStart(manual);
    state = WdfIoQueueGetState(manual, NULL, NULL);
    CHECK(WDF_IO_QUEUE_READY(state) && !WDF_IO_QUEUE_DRAINED(state));
    WdfIoQueueStop(manual, NULL, NULL);
    state = WdfIoQueueGetState(manual, NULL, NULL);
    CHECK(WDF_IO_QUEUE_STOPPED(state) && !WDF_IO_QUEUE_READY(state) && !WDF_IO_QUEUE_PURGED(state));
    WdfIoQueueStart(manual);
    CHECK(wait_done(&a) && wait_done(&b));
    free_io(&a);
    free_io(&b);
    free_io(&late);
    WdfioDriverUnload(driver);
}

/* The last waiting request cancelled, not retrieved: the drain is done all the same. */
static void drain_completes_when_the_last_waiting_request_is_cancelled(void) {
    REQUIRE_START();
    atomic_store(&state_callbacks, 0);
    client_io a;
    send_read(&a, 8);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    WdfIoQueueDrain(manual, on_queue_state, (WDFCONTEXT)&state_callbacks);
    CHECK_EQ(atomic_load(&state_callbacks), 0);
    CHECK(WdfRequestCancelSentRequest(a.request));
    CHECK(wait_done(&a));
    CHECK_STATUS(a.status, STATUS_CANCELLED);
    CHECK(wait_for_count(&state_callbacks, 1));
    free_io(&a);
    WdfioDriverUnload(driver);
}

/* A parallel queue drains once the driver completes what it holds. */
static void drain_of_a_presenting_queue_waits_for_the_driver(void) {
    REQUIRE_START();
    atomic_store(&state_callbacks, 0);
    client_io io;
    send_io(&io, 8, TRUE);
    CHECK(wait_for_count(&ioctls, 1));
    WdfIoQueueDrain(parallel, on_queue_state, (WDFCONTEXT)&state_callbacks);
    CHECK_EQ(atomic_load(&state_callbacks), 0);
    /* R5.22: one Stop-type and one Purge/Drain-type at a time. */
    ULONGLONG reported = WdfioHostVerifierViolations();
    WdfIoQueueStop(parallel, on_queue_state, (WDFCONTEXT)&state_callbacks); /* a Stop-type: allowed */
    CHECK_EQ(WdfioHostVerifierViolations(), reported);
    WdfIoQueuePurge(parallel, on_queue_state, (WDFCONTEXT)&state_callbacks); /* a second Purge/Drain-type */
    WdfIoQueueDrainSynchronously(parallel);                                  /* and another */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    CHECK_EQ(atomic_load(&state_callbacks), 0);
    WdfRequestComplete(held_ioctl, STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&state_callbacks), 2); /* the stop's and the drain's, not the refused purge's */
    CHECK(wait_done(&io));
    CHECK_STATUS(io.status, STATUS_SUCCESS); /* the refused purge cancelled nothing */
    free_io(&io);
    WdfioDriverUnload(driver);
}

/* DrainSynchronously waits for another thread to finish the work; from a
 * callback it refuses to wait (R5.23). */
static void* retrieve_later(void* unused) {
    (void)unused;
    sleep_ms(50);
    complete_waiting();
    return NULL;
}

static void drain_synchronously_waits_but_not_in_a_callback(void) {
    REQUIRE_START();
    client_io a, io;
    send_read(&a, 8);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    pthread_t helper;
    REQUIRE_STATUS(pthread_create(&helper, NULL, retrieve_later, NULL) == 0 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL,
                   STATUS_SUCCESS);
    WdfIoQueueDrainSynchronously(manual);
    ULONG queued = 9, owned = 9;
    WdfIoQueueGetState(manual, &queued, &owned);
    CHECK(queued == 0 && owned == 0); /* returned only once a was retrieved and completed */
    CHECK(wait_done(&a));
    pthread_join(helper, NULL);
    WdfIoQueueStart(manual);

    in_callback_drain_checked = STATUS_PENDING;
    drain_synchronously_in_callback = TRUE;
    send_io(&io, 8, TRUE);
    CHECK(wait_for_count(&ioctls, 1));
    CHECK_STATUS(in_callback_drain_checked, STATUS_SUCCESS);
    WdfRequestComplete(held_ioctl, STATUS_SUCCESS);
    CHECK(wait_done(&io));
    free_io(&a);
    free_io(&io);
    WdfioDriverUnload(driver);
}

/* R5.18: StopAndPurge cancels what waits at the call and the cancelable
 * requests the driver holds; the queue still accepts, and what comes later
 * waits for WdfIoQueueStart. Its callback is a Stop's: when the driver holds
 * nothing. */
static atomic_int cancel_routines;
static VOID on_cancel(WDFREQUEST request) {
    atomic_fetch_add(&cancel_routines, 1);
    WdfRequestComplete(request, STATUS_CANCELLED);
}

static void stop_and_purge_cancels_what_waits_and_keeps_accepting(void) {
    REQUIRE_START();
    atomic_store(&state_callbacks, 0);
    atomic_store(&cancel_routines, 0);
    client_io held, cancelable, waiting, late;
    send_read(&held, 8);
    send_read(&cancelable, 16);
    send_read(&waiting, 24);
    for (int i = 0; i < 100 && queued_in(manual) < 3; ++i) sleep_ms(1);
    WDFREQUEST h, c;
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &h), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &c), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfRequestMarkCancelableEx(c, on_cancel), STATUS_SUCCESS);
    WdfIoQueueStopAndPurge(manual, on_queue_state, (WDFCONTEXT)&state_callbacks);
    CHECK(wait_done(&waiting));
    CHECK_STATUS(waiting.status, STATUS_CANCELLED);
    CHECK(wait_done(&cancelable));
    CHECK_STATUS(cancelable.status, STATUS_CANCELLED);
    CHECK_EQ(atomic_load(&cancel_routines), 1);
    CHECK_EQ(atomic_load(&state_callbacks), 0); /* the driver still holds one */
    const WDF_IO_QUEUE_STATE state = WdfIoQueueGetState(manual, NULL, NULL);
    CHECK((state & WdfIoQueueAcceptRequests) && !(state & WdfIoQueueDispatchRequests));
    send_read(&late, 32);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    CHECK_EQ(queued_in(manual), 1); /* accepted, waiting */
    WDFREQUEST r;
    CHECK_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_WDF_PAUSED);
    WdfRequestComplete(h, STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&state_callbacks), 1);
    CHECK(wait_done(&held));
    CHECK_STATUS(held.status, STATUS_SUCCESS);
    WdfIoQueueStart(manual);
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    WdfRequestComplete(r, STATUS_SUCCESS);
    CHECK(wait_done(&late));
    CHECK_STATUS(late.status, STATUS_SUCCESS);
    WdfIoQueueStopAndPurgeSynchronously(manual); /* nothing held: returns at once */
    WdfIoQueueStart(manual);
    free_io(&held);
    free_io(&cancelable);
    free_io(&waiting);
    free_io(&late);
    WdfioDriverUnload(driver);
}

static void stop_and_purge_bad_input(void) {
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WdfIoQueueStopAndPurge(NULL, on_queue_state, NULL);
    WdfIoQueueStopAndPurgeSynchronously(NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    REQUIRE_START();
    WdfIoQueueStopAndPurge((WDFQUEUE)device, NULL, NULL); /* a device is not a queue */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 3);
    /* R5.22: a second Stop-type callback while one is outstanding. */
    client_io io;
    send_read(&io, 8);
    for (int i = 0; i < 100 && queued_in(manual) < 1; ++i) sleep_ms(1);
    WDFREQUEST r;
    REQUIRE_STATUS(WdfIoQueueRetrieveNextRequest(manual, &r), STATUS_SUCCESS);
    atomic_store(&state_callbacks, 0);
    WdfIoQueueStop(manual, on_queue_state, (WDFCONTEXT)&state_callbacks);
    WdfIoQueueStopAndPurge(manual, on_queue_state, (WDFCONTEXT)&state_callbacks);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 4);
    WdfRequestComplete(r, STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&state_callbacks), 1); /* the Stop's only */
    CHECK(wait_done(&io));
    free_io(&io);
    WdfioDriverUnload(driver);
}

static void drain_bad_input(void) {
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WdfIoQueueDrain(NULL, on_queue_state, NULL);
    WdfIoQueueDrainSynchronously(NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    REQUIRE_START();
    WdfIoQueueDrain((WDFQUEUE)device, NULL, NULL); /* a device is not a queue */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 3);
    CHECK(WdfIoQueueGetState(manual, NULL, NULL) & WdfIoQueueAcceptRequests);
    WdfioDriverUnload(driver);
}

const compat_test queue_ops_tests[] = {
    {"QueueOps.RetrieveNextRequestStatuses", retrieve_next_request_statuses},
    {"QueueOps.FindThenRetrieveFound", find_then_retrieve_found},
    {"QueueOps.FoundRequestCancelledWhileWaiting", found_request_cancelled_while_waiting},
    {"QueueOps.FindAndRetrieveFoundBadInput", find_and_retrieve_found_bad_input},
    {"QueueOps.ReadyNotifyFiresOnEachArrivalIntoAnEmptyQueue", ready_notify_fires_on_each_arrival_into_an_empty_queue},
    {"QueueOps.ReadyNotifyBadInput", ready_notify_bad_input},
    {"QueueOps.RequeuePutsItBackAtTheHead", requeue_puts_it_back_at_the_head},
    {"QueueOps.RequeueCancelsAfterAPurgeOrACancel", requeue_cancels_after_a_purge_or_a_cancel},
    {"QueueOps.RequeueBadInput", requeue_bad_input},
    {"QueueOps.ForwardIntoADrainingQueueThenCancelledAfterForward",
     forward_into_a_draining_queue_then_cancelled_after_forward},
    {"QueueOps.RequeuedThenCancelledGoesToEvtIoCanceledOnQueue",
     requeued_then_cancelled_goes_to_evt_io_canceled_on_queue},
    {"QueueOps.DrainCallsBackWhenNothingWaitsOrIsHeld", drain_calls_back_when_nothing_waits_or_is_held},
    {"QueueOps.DrainCompletesWhenTheLastWaitingRequestIsCancelled",
     drain_completes_when_the_last_waiting_request_is_cancelled},
    {"QueueOps.DrainOfAPresentingQueueWaitsForTheDriver", drain_of_a_presenting_queue_waits_for_the_driver},
    {"QueueOps.DrainSynchronouslyWaitsButNotInACallback", drain_synchronously_waits_but_not_in_a_callback},
    {"QueueOps.DrainBadInput", drain_bad_input},
    {"QueueOps.StopAndPurgeCancelsWhatWaitsAndKeepsAccepting", stop_and_purge_cancels_what_waits_and_keeps_accepting},
    {"QueueOps.StopAndPurgeBadInput", stop_and_purge_bad_input},
    {NULL, NULL},
};
