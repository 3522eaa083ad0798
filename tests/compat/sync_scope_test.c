/* Synchronization scopes (driver spec R7.1-R7.4, R7.11, R5.13): with scope
 * Queue a queue's callbacks never overlap, with scope Device neither do those
 * of all the device's queues, and with scope None they do; a timer with
 * AutomaticSerialization runs between them, one without it in the middle;
 * a callback that completes its request inline gets the next one after it
 * returns; the lock is not recursive. Several client threads send at once
 * (an in-process send runs the driver on the sender's thread). */
#include "compat_test.h"

#include <pthread.h>
#include <string.h>

static WDF_SYNCHRONIZATION_SCOPE device_scope, queue_scope;
static WDF_IO_QUEUE_DISPATCH_TYPE dispatch_type;
static BOOLEAN timer_serialized, recurse;
static atomic_int inside, most_inside, calls, timer_fired, timer_saw_inside;
static atomic_int second_entered; /* a callback entered while another ran */
static WDFDEVICE device;
static WDFQUEUE ioctl_queue;
static WDFTIMER timer;
static ULONGLONG violations_in_callback;

static void enter(void) {
    const int now = atomic_fetch_add(&inside, 1) + 1;
    int most = atomic_load(&most_inside);
    while (now > most && !atomic_compare_exchange_weak(&most_inside, &most, now)) {
    }
    if (now > 1) atomic_store(&second_entered, 1);
    atomic_fetch_add(&calls, 1);
}

/* Stays inside until another callback comes in (scope None shows they
 * overlap) or 30 ms pass (a serialized one never sees it). */
static void linger(void) {
    for (int i = 0; i < 30 && !atomic_load(&second_entered); ++i) sleep_ms(1);
}

static VOID on_io(WDFQUEUE queue, WDFREQUEST request) {
    enter();
    if (timer) {
        WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(1));
        sleep_ms(20); /* long enough for the timer to fire, if nothing holds it back */
    } else {
        linger();
    }
    if (recurse) {
        const ULONGLONG before = WdfioHostVerifierViolations();
        WdfObjectAcquireLock(queue); /* held already, by this callback: reported, not taken */
        violations_in_callback = WdfioHostVerifierViolations() - before;
    }
    atomic_fetch_sub(&inside, 1);
    WdfRequestCompleteWithInformation(request, STATUS_SUCCESS, 0);
}

static VOID on_read(WDFQUEUE queue, WDFREQUEST request, size_t length) {
    (void)length;
    on_io(queue, request);
}

static VOID on_ioctl(WDFQUEUE queue, WDFREQUEST request, size_t out, size_t in, ULONG code) {
    (void)out, (void)in, (void)code;
    on_io(queue, request);
}

static VOID on_timer(WDFTIMER t) {
    (void)t;
    if (atomic_load(&inside) > 0) atomic_store(&timer_saw_inside, 1);
    atomic_fetch_add(&timer_fired, 1);
}

static NTSTATUS on_device_add(WDFDRIVER driver, PWDFDEVICE_INIT init) {
    (void)driver;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = device_scope;
    NTSTATUS status = WdfDeviceCreate(&init, &attributes, &device);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, dispatch_type);
    config.EvtIoRead = on_read;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = queue_scope;
    WDFQUEUE read_queue;
    status = WdfIoQueueCreate(device, &config, &attributes, &read_queue);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchParallel);
    config.EvtIoDeviceControl = on_ioctl;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = queue_scope;
    status = WdfIoQueueCreate(device, &config, &attributes, &ioctl_queue);
    if (!NT_SUCCESS(status)) return status;
    status = WdfDeviceConfigureRequestDispatching(device, ioctl_queue, WdfRequestTypeDeviceControl);
    if (!NT_SUCCESS(status)) return status;
    if (timer_serialized != 2) { /* 2: no timer */
        WDF_TIMER_CONFIG timer_config;
        WDF_TIMER_CONFIG_INIT(&timer_config, on_timer);
        timer_config.AutomaticSerialization = timer_serialized;
        WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
        attributes.ParentObject = read_queue;
        status = WdfTimerCreate(&timer_config, &attributes, &timer);
    }
    return status;
}

static NTSTATUS driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, on_device_add);
    return WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

static WDFDRIVER driver;
static WDFIOTARGET target;

static int start(WDF_SYNCHRONIZATION_SCOPE device_s, WDF_SYNCHRONIZATION_SCOPE queue_s, WDF_IO_QUEUE_DISPATCH_TYPE type,
                 BOOLEAN with_timer) {
    device_scope = device_s;
    queue_scope = queue_s;
    dispatch_type = type;
    timer_serialized = with_timer;
    recurse = FALSE;
    timer = NULL;
    atomic_store(&inside, 0);
    atomic_store(&most_inside, 0);
    atomic_store(&calls, 0);
    atomic_store(&timer_fired, 0);
    atomic_store(&timer_saw_inside, 0);
    atomic_store(&second_entered, 0);
    violations_in_callback = 0;
    if (!NT_SUCCESS(WdfioDriverLoad(driver_entry, "wdfio_sync_scope", &driver))) return 0;
    if (!NT_SUCCESS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device))) return 0;
    return NT_SUCCESS(WdfioDeviceOpenTarget(device, WDF_NO_OBJECT_ATTRIBUTES, &target));
}

static void stop(void) {
    WdfIoTargetClose(target);
    WdfObjectDelete(target);
    WdfioDriverUnload(driver);
}

#define REQUIRE_START(d, q, type, t)                 \
    do {                                             \
        if (!start((d), (q), (type), (t))) {         \
            CHECK(!"loading the sync-scope driver"); \
            return;                                  \
        }                                            \
    } while (0)

/* Client threads: each sends `per_thread` synchronous reads (or ioctls, odd threads when asked). */
static int per_thread;
static BOOLEAN mix_ioctls;
static atomic_int failed_sends;

static void* client(void* arg) {
    const BOOLEAN ioctl = mix_ioctls && ((size_t)arg & 1);
    char buffer[8];
    for (int i = 0; i < per_thread; ++i) {
        WDF_MEMORY_DESCRIPTOR d;
        WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&d, buffer, sizeof buffer);
        const NTSTATUS s = ioctl ? WdfIoTargetSendIoctlSynchronously(target, NULL, 0x222000, NULL, &d, NULL, NULL)
                                 : WdfIoTargetSendReadSynchronously(target, NULL, &d, NULL, NULL, NULL);
        if (!NT_SUCCESS(s)) atomic_fetch_add(&failed_sends, 1);
    }
    return NULL;
}

static void run_clients(int threads, int each, BOOLEAN ioctls) {
    per_thread = each;
    mix_ioctls = ioctls;
    atomic_store(&failed_sends, 0);
    atomic_store(&calls, 0);
    pthread_t t[8];
    for (int i = 0; i < threads; ++i) pthread_create(&t[i], NULL, client, (void*)(size_t)i);
    for (int i = 0; i < threads; ++i) pthread_join(t[i], NULL);
    CHECK_EQ(atomic_load(&failed_sends), 0);
    CHECK_EQ(atomic_load(&calls), threads * each);
}

/* ---- Tests */

/* Scope None: a parallel queue's callbacks run at once (the control case). */
static void scope_none_overlaps(void) {
    REQUIRE_START(WdfSynchronizationScopeNone, WdfSynchronizationScopeInheritFromParent, WdfIoQueueDispatchParallel, 2);
    run_clients(4, 3, FALSE);
    CHECK(atomic_load(&most_inside) > 1);
    stop();
}

/* R7.3: scope Queue serializes a parallel queue's callbacks. */
static void scope_queue_serializes_a_parallel_queue(void) {
    REQUIRE_START(WdfSynchronizationScopeNone, WdfSynchronizationScopeQueue, WdfIoQueueDispatchParallel, 2);
    run_clients(4, 3, FALSE);
    CHECK_EQ(atomic_load(&most_inside), 1);
    stop();
}

/* R7.1, R7.3: the device's scope Device, inherited by its queues: one lock
 * for both, so reads and ioctls never overlap either. */
static void scope_device_serializes_all_its_queues(void) {
    REQUIRE_START(WdfSynchronizationScopeDevice, WdfSynchronizationScopeInheritFromParent, WdfIoQueueDispatchParallel,
                  2);
    run_clients(4, 3, TRUE);
    CHECK_EQ(atomic_load(&most_inside), 1);
    stop();
}

/* Scope Queue on a device's queues: each queue apart, so a read and an ioctl may overlap. */
static void scope_queue_keeps_queues_apart(void) {
    REQUIRE_START(WdfSynchronizationScopeQueue, WdfSynchronizationScopeInheritFromParent, WdfIoQueueDispatchParallel,
                  2);
    run_clients(2, 4, TRUE);
    CHECK_EQ(atomic_load(&most_inside), 2);
    stop();
}

/* R7.11: WdfObjectAcquireLock on the device holds back a Device-scoped queue's callbacks. */
static void* one_read(void* arg) {
    (void)arg;
    run_clients(1, 1, FALSE);
    return NULL;
}
static void object_lock_holds_back_callbacks(void) {
    REQUIRE_START(WdfSynchronizationScopeDevice, WdfSynchronizationScopeInheritFromParent, WdfIoQueueDispatchParallel,
                  2);
    WdfObjectAcquireLock(ioctl_queue); /* a Device-scoped queue's lock is the device's */
    pthread_t t;
    pthread_create(&t, NULL, one_read, NULL);
    sleep_ms(30);
    CHECK_EQ(atomic_load(&calls), 0);
    WdfObjectReleaseLock(device);
    pthread_join(t, NULL);
    CHECK_EQ(atomic_load(&calls), 1);
    stop();
}

/* R5.12, R5.13: a sequential Queue-scoped queue whose callback completes
 * inline: the next request comes after the callback returns, never inside
 * it (that would be a recursive acquire), and all complete. */
static void inline_completion_under_the_lock_presents_after(void) {
    REQUIRE_START(WdfSynchronizationScopeNone, WdfSynchronizationScopeQueue, WdfIoQueueDispatchSequential, 2);
    client_io io[6];
    for (int i = 0; i < 6; ++i) send_client_io(&io[i], target, 8, FALSE);
    for (int i = 0; i < 6; ++i) {
        CHECK(wait_done(&io[i]));
        CHECK_STATUS(io[i].status, STATUS_SUCCESS);
        free_io(&io[i]);
    }
    CHECK_EQ(atomic_load(&most_inside), 1);
    CHECK_EQ(atomic_load(&calls), 6);
    stop();
}

/* R7.4: a timer under a Queue-scoped queue, with AutomaticSerialization,
 * fires only between the queue's callbacks; without it, in the middle. */
static void timer_with_automatic_serialization_waits(void) {
    REQUIRE_START(WdfSynchronizationScopeNone, WdfSynchronizationScopeQueue, WdfIoQueueDispatchParallel, TRUE);
    run_clients(1, 3, FALSE);
    CHECK(wait_for_count(&timer_fired, 1));
    CHECK_EQ(atomic_load(&timer_saw_inside), 0);
    WdfTimerStop(timer, TRUE);
    stop();
}

/* A serialized timer that fires while the lock is held runs when it is
 * released, on the releasing thread — unless WdfTimerStop came first. */
static WDFQUEUE read_queue_of(void) { return (WDFQUEUE)WdfTimerGetParentObject(timer); }
static void timer_kept_for_the_holder_runs_at_release_unless_stopped(void) {
    REQUIRE_START(WdfSynchronizationScopeNone, WdfSynchronizationScopeQueue, WdfIoQueueDispatchParallel, TRUE);
    WDFQUEUE q = read_queue_of();
    WdfObjectAcquireLock(q);
    WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(1));
    sleep_ms(30);
    CHECK_EQ(atomic_load(&timer_fired), 0); /* due, but the lock is held */
    WdfObjectReleaseLock(q);
    CHECK_EQ(atomic_load(&timer_fired), 1); /* run by the release */

    WdfObjectAcquireLock(q);
    WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(1));
    sleep_ms(30);
    WdfTimerStop(timer, TRUE);
    WdfObjectReleaseLock(q);
    sleep_ms(10);
    CHECK_EQ(atomic_load(&timer_fired), 1); /* stopped before its turn: dropped */
    stop();
}

static void timer_without_serialization_runs_inside(void) {
    REQUIRE_START(WdfSynchronizationScopeNone, WdfSynchronizationScopeQueue, WdfIoQueueDispatchParallel, FALSE);
    run_clients(1, 3, FALSE);
    CHECK(wait_for_count(&timer_fired, 1));
    CHECK_EQ(atomic_load(&timer_saw_inside), 1);
    WdfTimerStop(timer, TRUE);
    stop();
}

/* R7.12: acquiring the queue's lock inside a callback it serializes is
 * reported (KMDF's WDF_RECURSIVE_LOCK) and changes nothing. */
static void recursive_acquire_is_reported(void) {
    REQUIRE_START(WdfSynchronizationScopeNone, WdfSynchronizationScopeQueue, WdfIoQueueDispatchParallel, 2);
    recurse = TRUE;
    run_clients(1, 1, FALSE);
    CHECK_EQ(violations_in_callback, 1);
    run_clients(1, 1, FALSE); /* the lock was released all the same */
    stop();
}

/* R1.1: a scope on an object that takes none; an out-of-range one. */
static void bad_scopes_are_refused(void) {
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeQueue;
    WDFMEMORY memory = NULL;
    CHECK_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 8, &memory, NULL),
                 STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID);
    CHECK(memory == NULL);
    const int bad = 7;
    memcpy(&attributes.SynchronizationScope, &bad, sizeof bad);
    CHECK_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 8, &memory, NULL), STATUS_WDF_OBJECT_ATTRIBUTES_INVALID);
}

const compat_test sync_scope_tests[] = {
    {"SyncScope.NoneOverlaps", scope_none_overlaps},
    {"SyncScope.QueueSerializesAParallelQueue", scope_queue_serializes_a_parallel_queue},
    {"SyncScope.DeviceSerializesAllItsQueues", scope_device_serializes_all_its_queues},
    {"SyncScope.QueueKeepsQueuesApart", scope_queue_keeps_queues_apart},
    {"SyncScope.ObjectLockHoldsBackCallbacks", object_lock_holds_back_callbacks},
    {"SyncScope.InlineCompletionUnderTheLockPresentsAfter", inline_completion_under_the_lock_presents_after},
    {"SyncScope.TimerWithAutomaticSerializationWaits", timer_with_automatic_serialization_waits},
    {"SyncScope.TimerKeptForTheHolderRunsAtReleaseUnlessStopped",
     timer_kept_for_the_holder_runs_at_release_unless_stopped},
    {"SyncScope.TimerWithoutSerializationRunsInside", timer_without_serialization_runs_inside},
    {"SyncScope.RecursiveAcquireIsReported", recursive_acquire_is_reported},
    {"SyncScope.BadScopesAreRefused", bad_scopes_are_refused},
    {NULL, NULL},
};
