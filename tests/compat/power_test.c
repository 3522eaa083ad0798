/* Power transitions from C (driver spec §4.2, §4.5, §5.6): WdfioDeviceSuspend
 * and WdfioDeviceResume, the order of the D0 callbacks around them, EvtIoStop
 * for each request the driver holds and WdfRequestStopAcknowledge's two
 * answers, EvtIoResume, and EvtIoStop(Purge) at removal. The test driver's
 * default queue (power-managed) holds every read; its ioctl queue is not
 * power-managed and completes ioctls at once. Power-managed queues hold from
 * their creation until the start's step 4, and again in a Dx (WdfIoQueuePnpHeld). */
#include "compat_test.h"

#include <string.h>

enum answer { ANSWER_KEEP, ANSWER_REQUEUE, ANSWER_COMPLETE, ANSWER_NONE };

static enum answer answer;
static NTSTATUS d0_entry_status;
static WDFREQUEST held[8];
static atomic_int reads, ioctls, stops, resumes;
static ULONG last_stop_flags;
static NTSTATUS suspend_in_callback; /* what WdfioDeviceSuspend returned inside EvtIoRead */
static BOOLEAN suspend_from_read;
static WDFDEVICE device;
static WDFQUEUE default_queue, ioctl_queue;
/* WdfIoQueueGetState of the default queue at each step of the start (R4.1, R4.2). */
static WDF_IO_QUEUE_STATE at_add, at_d0_entry, at_smio_init, ioctl_at_add;
static char events[256]; /* the PnP/power and queue callbacks, in order */

static void note(const char* event) {
    strncat(events, event, sizeof events - strlen(events) - 1);
    strncat(events, " ", sizeof events - strlen(events) - 1);
}

static void hold(WDFREQUEST request) {
    for (size_t i = 0; i < sizeof held / sizeof held[0]; ++i)
        if (!held[i]) {
            held[i] = request;
            return;
        }
    CHECK(!"more reads held than the test expects");
}

static void forget(WDFREQUEST request) {
    for (size_t i = 0; i < sizeof held / sizeof held[0]; ++i)
        if (held[i] == request) held[i] = NULL;
}

static void complete_held(void) {
    for (size_t i = 0; i < sizeof held / sizeof held[0]; ++i)
        if (held[i]) {
            WDFREQUEST r = held[i];
            held[i] = NULL;
            WdfRequestComplete(r, STATUS_SUCCESS);
        }
}

static VOID on_read(WDFQUEUE queue, WDFREQUEST request, size_t length) {
    (void)queue, (void)length;
    if (suspend_from_read) suspend_in_callback = WdfioDeviceSuspend(device, WdfPowerDeviceD3);
    hold(request);
    atomic_fetch_add(&reads, 1);
}

static VOID on_ioctl(WDFQUEUE queue, WDFREQUEST request, size_t out, size_t in, ULONG code) {
    (void)queue, (void)out, (void)in, (void)code;
    atomic_fetch_add(&ioctls, 1);
    WdfRequestComplete(request, STATUS_SUCCESS);
}

static VOID on_io_stop(WDFQUEUE queue, WDFREQUEST request, ULONG flags) {
    (void)queue;
    last_stop_flags = flags;
    note(flags & WdfRequestStopActionPurge ? "stop-purge" : "stop-suspend");
    atomic_fetch_add(&stops, 1);
    if (flags & WdfRequestStopActionPurge) { /* the device goes: always completed here */
        forget(request);
        WdfRequestComplete(request, STATUS_CANCELLED);
        return;
    }
    switch (answer) {
    case ANSWER_KEEP: WdfRequestStopAcknowledge(request, FALSE); break;
    case ANSWER_REQUEUE:
        forget(request);
        WdfRequestStopAcknowledge(request, TRUE);
        break;
    case ANSWER_COMPLETE:
        forget(request);
        WdfRequestComplete(request, STATUS_SUCCESS);
        break;
    case ANSWER_NONE: break;
    }
}

static VOID on_io_resume(WDFQUEUE queue, WDFREQUEST request) {
    (void)queue, (void)request;
    note("resume");
    atomic_fetch_add(&resumes, 1);
}

static void note_state(const char* what, WDF_POWER_DEVICE_STATE state) {
    char text[32];
    snprintf(text, sizeof text, "%s(%s)", what,
             state == WdfPowerDeviceD2        ? "D2"
             : state == WdfPowerDeviceD3      ? "D3"
             : state == WdfPowerDeviceD3Final ? "D3Final"
                                              : "?");
    note(text);
}
static NTSTATUS on_d0_entry(WDFDEVICE d, WDF_POWER_DEVICE_STATE previous) {
    (void)d;
    note_state("d0-entry", previous);
    at_d0_entry = WdfIoQueueGetState(default_queue, NULL, NULL);
    return d0_entry_status;
}
static NTSTATUS on_d0_exit(WDFDEVICE d, WDF_POWER_DEVICE_STATE target) {
    (void)d;
    note_state("d0-exit", target);
    return STATUS_SUCCESS;
}
static NTSTATUS on_smio_init(WDFDEVICE d) {
    (void)d;
    note("smio-init");
    at_smio_init = WdfIoQueueGetState(default_queue, NULL, NULL);
    return STATUS_SUCCESS;
}
static NTSTATUS on_smio_suspend(WDFDEVICE d) {
    (void)d;
    note("smio-suspend");
    return STATUS_SUCCESS;
}
static NTSTATUS on_smio_restart(WDFDEVICE d) {
    (void)d;
    note("smio-restart");
    return STATUS_SUCCESS;
}
static NTSTATUS on_release_hardware(WDFDEVICE d, WDFCMRESLIST translated) {
    (void)d, (void)translated;
    note("release-hw");
    return STATUS_SUCCESS;
}

static NTSTATUS on_device_add(WDFDRIVER driver, PWDFDEVICE_INIT init) {
    (void)driver;
    WDF_PNPPOWER_EVENT_CALLBACKS pnp;
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnp);
    pnp.EvtDeviceD0Entry = on_d0_entry;
    pnp.EvtDeviceD0Exit = on_d0_exit;
    pnp.EvtDeviceSelfManagedIoInit = on_smio_init;
    pnp.EvtDeviceSelfManagedIoSuspend = on_smio_suspend;
    pnp.EvtDeviceSelfManagedIoRestart = on_smio_restart;
    pnp.EvtDeviceReleaseHardware = on_release_hardware;
    WdfDeviceInitSetPnpPowerEventCallbacks(init, &pnp);
    NTSTATUS status = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = on_read;
    config.EvtIoStop = on_io_stop;
    config.EvtIoResume = on_io_resume;
    status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &default_queue);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchParallel);
    config.EvtIoDeviceControl = on_ioctl;
    config.PowerManaged = WdfFalse; /* keeps working in a Dx (R5.2) */
    status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &ioctl_queue);
    if (!NT_SUCCESS(status)) return status;
    at_add = WdfIoQueueGetState(default_queue, NULL, NULL);
    ioctl_at_add = WdfIoQueueGetState(ioctl_queue, NULL, NULL);
    return WdfDeviceConfigureRequestDispatching(device, ioctl_queue, WdfRequestTypeDeviceControl);
}

static NTSTATUS driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, on_device_add);
    return WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

static WDFDRIVER driver;
static WDFIOTARGET target;

static int start(void) {
    answer = ANSWER_KEEP;
    d0_entry_status = STATUS_SUCCESS;
    memset(held, 0, sizeof held);
    atomic_store(&reads, 0);
    atomic_store(&ioctls, 0);
    atomic_store(&stops, 0);
    atomic_store(&resumes, 0);
    last_stop_flags = 0;
    suspend_from_read = FALSE;
    events[0] = '\0';
    if (!NT_SUCCESS(WdfioDriverLoad(driver_entry, "wdfio_power", &driver))) return 0;
    if (!NT_SUCCESS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device))) return 0;
    return NT_SUCCESS(WdfioDeviceOpenTarget(device, WDF_NO_OBJECT_ATTRIBUTES, &target));
}

#define REQUIRE_START()                         \
    do {                                        \
        if (!start()) {                         \
            CHECK(!"loading the power driver"); \
            return;                             \
        }                                       \
    } while (0)

static void send_io(client_io* io, BOOLEAN ioctl) { send_client_io(io, target, 8, ioctl); }

/* ---- Tests */

/* R4.4, R4.5, R4.11, R4.13: the callbacks in order; arrivals wait in a Dx,
 * a non-power-managed queue keeps working; kept requests resume. */
static void suspend_and_resume_in_order(void) {
    REQUIRE_START();
    client_io a, b, late, ioctl;
    send_io(&a, FALSE);
    send_io(&b, FALSE);
    CHECK(wait_for_count(&reads, 2));
    events[0] = '\0';
    REQUIRE_STATUS(WdfioDeviceSuspend(device, WdfPowerDeviceD2), STATUS_SUCCESS);
    CHECK(strcmp(events, "smio-suspend stop-suspend stop-suspend d0-exit(D2) ") == 0);
    CHECK_EQ(last_stop_flags, WdfRequestStopActionSuspend);
    send_io(&late, FALSE);
    send_io(&ioctl, TRUE);
    CHECK(wait_done(&ioctl)); /* not power-managed: presented in D2 */
    CHECK_STATUS(ioctl.status, STATUS_SUCCESS);
    sleep_ms(5);
    CHECK_EQ(atomic_load(&reads), 2); /* waits */
    events[0] = '\0';
    REQUIRE_STATUS(WdfioDeviceResume(device), STATUS_SUCCESS);
    CHECK(strcmp(events, "d0-entry(D2) resume resume smio-restart ") == 0);
    CHECK(wait_for_count(&reads, 3));
    complete_held();
    CHECK(wait_done(&a) && wait_done(&b) && wait_done(&late));
    CHECK_STATUS(late.status, STATUS_SUCCESS);
    free_io(&a), free_io(&b), free_io(&late), free_io(&ioctl);
    WdfioDriverUnload(driver);
}

/* R4.2, R5.14: a power-managed queue made before the start holds (PnpHeld)
 * through D0Entry and presents from step 4, before SelfManagedIoInit; in a Dx
 * it holds again, and so does one made there, until the resume. A queue that
 * is not power-managed is never held. */
static void power_managed_queues_hold_until_powered(void) {
    REQUIRE_START();
    CHECK(at_add & WdfIoQueuePnpHeld);
    CHECK(at_add & WdfIoQueueAcceptRequests); /* accepts meanwhile */
    CHECK(!WDF_IO_QUEUE_READY(at_add));
    CHECK(at_d0_entry & WdfIoQueuePnpHeld);
    CHECK(!(at_smio_init & WdfIoQueuePnpHeld));
    CHECK(!(ioctl_at_add & WdfIoQueuePnpHeld));
    CHECK(WDF_IO_QUEUE_READY(WdfIoQueueGetState(default_queue, NULL, NULL)));

    REQUIRE_STATUS(WdfioDeviceSuspend(device, WdfPowerDeviceD3), STATUS_SUCCESS);
    CHECK(WdfIoQueueGetState(default_queue, NULL, NULL) & WdfIoQueuePnpHeld);
    CHECK(!(WdfIoQueueGetState(ioctl_queue, NULL, NULL) & WdfIoQueuePnpHeld));
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchManual);
    WDFQUEUE made_in_d3;
    REQUIRE_STATUS(WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, &made_in_d3), STATUS_SUCCESS);
    CHECK(WdfIoQueueGetState(made_in_d3, NULL, NULL) & WdfIoQueuePnpHeld);
    WDFREQUEST none = NULL;
    CHECK_STATUS(WdfIoQueueRetrieveNextRequest(made_in_d3, &none), STATUS_WDF_PAUSED);

    REQUIRE_STATUS(WdfioDeviceResume(device), STATUS_SUCCESS);
    CHECK(!(WdfIoQueueGetState(default_queue, NULL, NULL) & WdfIoQueuePnpHeld));
    CHECK(!(WdfIoQueueGetState(made_in_d3, NULL, NULL) & WdfIoQueuePnpHeld));
    CHECK_STATUS(WdfIoQueueRetrieveNextRequest(made_in_d3, &none), STATUS_NO_MORE_ENTRIES);
    WdfioDriverUnload(driver);
}

/* R5.26: acknowledged with requeue, presented again after the resume, not resumed. */
static void requeued_requests_are_presented_again(void) {
    REQUIRE_START();
    answer = ANSWER_REQUEUE;
    client_io a;
    send_io(&a, FALSE);
    CHECK(wait_for_count(&reads, 1));
    REQUIRE_STATUS(WdfioDeviceSuspend(device, WdfPowerDeviceD3), STATUS_SUCCESS);
    CHECK_EQ(atomic_load(&stops), 1);
    REQUIRE_STATUS(WdfioDeviceResume(device), STATUS_SUCCESS);
    CHECK(wait_for_count(&reads, 2));
    CHECK_EQ(atomic_load(&resumes), 0);
    complete_held();
    CHECK(wait_done(&a));
    CHECK_STATUS(a.status, STATUS_SUCCESS);
    free_io(&a);
    WdfioDriverUnload(driver);
}

/* R4.8, R4.12: removal in a Dx: no second D0 exit; the kept request gets EvtIoStop(Purge). */
static void removal_in_a_dx_asks_kept_requests_again(void) {
    REQUIRE_START();
    client_io a;
    send_io(&a, FALSE);
    CHECK(wait_for_count(&reads, 1));
    REQUIRE_STATUS(WdfioDeviceSuspend(device, WdfPowerDeviceD3), STATUS_SUCCESS);
    events[0] = '\0';
    WdfioDriverUnload(driver);
    CHECK(strcmp(events, "release-hw stop-purge ") == 0);
    CHECK(wait_done(&a));
    CHECK_STATUS(a.status, STATUS_CANCELLED);
    free_io(&a);
}

/* R4.8 step 1 at removal from D0: suspend's steps with D3Final, then purge's EvtIoStop. */
static void removal_from_d0_powers_down_first(void) {
    REQUIRE_START();
    client_io a;
    send_io(&a, FALSE);
    CHECK(wait_for_count(&reads, 1));
    events[0] = '\0';
    WdfioDriverUnload(driver); /* kept at the suspend, then asked again */
    CHECK(strcmp(events, "smio-suspend stop-suspend d0-exit(D3Final) release-hw stop-purge ") == 0);
    CHECK(wait_done(&a));
    CHECK_STATUS(a.status, STATUS_CANCELLED);
    free_io(&a);
}

/* R4.5: a failed D0 entry: its status, the device stays in the Dx, and a later resume works. */
static void a_failed_d0_entry_leaves_the_device_suspended(void) {
    REQUIRE_START();
    REQUIRE_STATUS(WdfioDeviceSuspend(device, WdfPowerDeviceD3), STATUS_SUCCESS);
    d0_entry_status = STATUS_DEVICE_NOT_READY;
    CHECK_STATUS(WdfioDeviceResume(device), STATUS_DEVICE_NOT_READY);
    client_io a;
    send_io(&a, FALSE);
    sleep_ms(5);
    CHECK_EQ(atomic_load(&reads), 0);
    d0_entry_status = STATUS_SUCCESS;
    CHECK_STATUS(WdfioDeviceResume(device), STATUS_SUCCESS);
    CHECK(wait_for_count(&reads, 1));
    complete_held();
    CHECK(wait_done(&a));
    free_io(&a);
    WdfioDriverUnload(driver);
}

/* R5.27: an acknowledge with no EvtIoStop to answer: a report, ignored (still the driver's). */
static void stop_acknowledge_without_a_stop(void) {
    REQUIRE_START();
    client_io a;
    send_io(&a, FALSE);
    CHECK(wait_for_count(&reads, 1));
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WdfRequestStopAcknowledge(held[0], FALSE);
    WdfRequestStopAcknowledge(held[0], TRUE);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    WdfRequestStopAcknowledge(NULL, FALSE); /* not a handle */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 3);
    complete_held();
    CHECK(wait_done(&a));
    CHECK_STATUS(a.status, STATUS_SUCCESS);
    free_io(&a);
    WdfioDriverUnload(driver);
}

/* The host calls' bad input. */
static void power_calls_bad_input(void) {
    REQUIRE_START();
    CHECK_STATUS(WdfioDeviceSuspend(device, WdfPowerDeviceD0), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioDeviceSuspend(device, WdfPowerDeviceD3Final), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioDeviceSuspend(device, (WDF_POWER_DEVICE_STATE)99), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioDeviceResume(device), STATUS_INVALID_DEVICE_STATE); /* in D0 */
    const ULONGLONG reported = WdfioHostVerifierViolations();
    CHECK_STATUS(WdfioDeviceSuspend(NULL, WdfPowerDeviceD3), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfioDeviceResume((WDFDEVICE)target), STATUS_INVALID_HANDLE); /* not a device */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    REQUIRE_STATUS(WdfioDeviceSuspend(device, WdfPowerDeviceD3), STATUS_SUCCESS);
    CHECK_STATUS(WdfioDeviceSuspend(device, WdfPowerDeviceD3), STATUS_INVALID_DEVICE_STATE); /* in D3 */
    REQUIRE_STATUS(WdfioDeviceResume(device), STATUS_SUCCESS);
    /* From a queue callback: the wait could be for that very request. */
    suspend_from_read = TRUE;
    client_io a;
    send_io(&a, FALSE);
    CHECK(wait_for_count(&reads, 1));
    CHECK_STATUS(suspend_in_callback, STATUS_INVALID_DEVICE_STATE);
    complete_held();
    CHECK(wait_done(&a));
    free_io(&a);
    WDFDEVICE gone = device;
    WdfioDriverUnload(driver);
    const ULONGLONG before = WdfioHostVerifierViolations();
    CHECK_STATUS(WdfioDeviceSuspend(gone, WdfPowerDeviceD3), STATUS_INVALID_HANDLE); /* deleted */
    CHECK_EQ(WdfioHostVerifierViolations(), before + 1);
}

const compat_test power_tests[] = {
    {"Power.SuspendAndResumeInOrder", suspend_and_resume_in_order},
    {"Power.PowerManagedQueuesHoldUntilPowered", power_managed_queues_hold_until_powered},
    {"Power.RequeuedRequestsArePresentedAgain", requeued_requests_are_presented_again},
    {"Power.RemovalInADxAsksKeptRequestsAgain", removal_in_a_dx_asks_kept_requests_again},
    {"Power.RemovalFromD0PowersDownFirst", removal_from_d0_powers_down_first},
    {"Power.AFailedD0EntryLeavesTheDeviceSuspended", a_failed_d0_entry_leaves_the_device_suspended},
    {"Power.StopAcknowledgeWithoutAStop", stop_acknowledge_without_a_stop},
    {"Power.PowerCallsBadInput", power_calls_bad_input},
    {NULL, NULL},
};
