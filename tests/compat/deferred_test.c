/* Timers and work items (driver spec §8.1–8.3) on a device the host made:
 * one-shot and periodic expiry, start/stop results, contexts reached from
 * the callback, deletion with the parent, a passive timer that may block,
 * work items re-enqueued and flushed, misuse reported, bad input. */
#include "compat_test.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    atomic_int Fired;
    int RestartsLeft; /* a one-shot timer restarts itself this many times */
} TIMER_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(TIMER_CONTEXT, GetTimerContext)

static WDFDEVICE device;

static int make_device(void) { return NT_SUCCESS(WdfioRamDiskCreate(1 << 20, 512, NULL, &device)); }

static NTSTATUS make_timer(PFN_WDF_TIMER callback, ULONG period, WDFOBJECT parent, WDFTIMER* timer) {
    WDF_TIMER_CONFIG config;
    if (period) WDF_TIMER_CONFIG_INIT_PERIODIC(&config, callback, period);
    else WDF_TIMER_CONFIG_INIT(&config, callback);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, TIMER_CONTEXT);
    attributes.ParentObject = parent;
    return WdfTimerCreate(&config, &attributes, timer);
}

static void on_timer(WDFTIMER timer) {
    TIMER_CONTEXT* c = GetTimerContext(timer); /* the timer's state, as drivers keep it */
    if (c->RestartsLeft > 0) {
        --c->RestartsLeft;
        WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(1));
    }
    atomic_fetch_add(&c->Fired, 1);
}

static void one_shot_timer_fires_once_per_start(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    WDFTIMER timer;
    REQUIRE_STATUS(make_timer(on_timer, 0, device, &timer), STATUS_SUCCESS);
    CHECK(WdfTimerGetParentObject(timer) == (WDFOBJECT)device);
    TIMER_CONTEXT* c = GetTimerContext(timer);
    CHECK(!WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(5))); /* was not pending */
    CHECK(wait_for_count(&c->Fired, 1));
    sleep_ms(20);
    CHECK_EQ(atomic_load(&c->Fired), 1);
    c->RestartsLeft = 2; /* the callback restarts its own timer */
    WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(1));
    CHECK(wait_for_count(&c->Fired, 4));
    CHECK(!WdfTimerStop(timer, TRUE)); /* nothing pending any more */
    WdfObjectDelete(device);           /* the timer goes with it */
}

static void periodic_timer_fires_until_stopped(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    WDFTIMER timer;
    REQUIRE_STATUS(make_timer(on_timer, 2, device, &timer), STATUS_SUCCESS);
    TIMER_CONTEXT* c = GetTimerContext(timer);
    WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(1));
    CHECK(wait_for_count(&c->Fired, 5));
    WdfTimerStop(timer, TRUE); /* waits for a running callback */
    const int after_stop = atomic_load(&c->Fired);
    sleep_ms(20);
    CHECK_EQ(atomic_load(&c->Fired), after_stop);
    WdfObjectDelete(timer);
    WdfObjectDelete(device);
}

static void stop_of_a_pending_timer_cancels_it(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    WDFTIMER timer;
    REQUIRE_STATUS(make_timer(on_timer, 0, device, &timer), STATUS_SUCCESS);
    TIMER_CONTEXT* c = GetTimerContext(timer);
    CHECK(!WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_SEC(10)));
    CHECK(WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_SEC(10))); /* pending: due time replaced */
    CHECK(WdfTimerStop(timer, FALSE));
    CHECK(!WdfTimerStop(timer, FALSE));
    /* Pending when the device goes: deleted with it, never fires. */
    WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(30));
    WdfObjectReference(timer); /* keeps its context readable after the delete */
    WdfObjectDelete(device);
    sleep_ms(50);
    CHECK_EQ(atomic_load(&c->Fired), 0);
    WdfObjectDereference(timer);
}

static atomic_ullong violations_in_callback;
static void stop_and_wait_from_own_callback(WDFTIMER timer) {
    const ULONGLONG before = WdfioHostVerifierViolations();
    const BOOLEAN stopped = WdfTimerStop(timer, TRUE); /* would wait for itself */
    atomic_store(&violations_in_callback, stopped ? 0 : WdfioHostVerifierViolations() - before);
    atomic_fetch_add(&GetTimerContext(timer)->Fired, 1);
}

static void stop_and_wait_from_the_timers_own_callback_is_reported(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    WDFTIMER timer;
    REQUIRE_STATUS(make_timer(stop_and_wait_from_own_callback, 0, device, &timer), STATUS_SUCCESS);
    atomic_store(&violations_in_callback, 0);
    WdfTimerStart(timer, 0); /* absolute 0: already past, fires at once */
    CHECK(wait_for_count(&GetTimerContext(timer)->Fired, 1));
    CHECK_EQ(atomic_load(&violations_in_callback), 1);
    WdfObjectDelete(device);
}

static atomic_int slow_entered, slow_done, done_at_cleanup;
static void slow_timer(WDFTIMER timer) {
    (void)timer;
    atomic_store(&slow_entered, 1);
    sleep_ms(30);
    atomic_store(&slow_done, 1);
}
static void slow_timer_cleanup(WDFOBJECT timer) {
    (void)timer;
    atomic_store(&done_at_cleanup, atomic_load(&slow_done));
}

/* R8.7: the running callback finishes before the cleanup callback runs. */
static void a_timers_cleanup_waits_for_its_running_callback(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    WDF_TIMER_CONFIG config;
    WDF_TIMER_CONFIG_INIT(&config, slow_timer);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    attributes.EvtCleanupCallback = slow_timer_cleanup;
    WDFTIMER timer;
    REQUIRE_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_SUCCESS);
    atomic_store(&slow_entered, 0);
    atomic_store(&slow_done, 0);
    atomic_store(&done_at_cleanup, -1);
    WdfTimerStart(timer, 0);
    for (int i = 0; i < 5000 && !atomic_load(&slow_entered); ++i) sleep_ms(1);
    WdfObjectDelete(timer);
    CHECK_EQ(atomic_load(&done_at_cleanup), 1);
    WdfObjectDelete(device);
}

static void timer_bad_input(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFTIMER timer = (WDFTIMER)&device;
    WDF_TIMER_CONFIG config;
    WDF_TIMER_CONFIG_INIT(&config, on_timer);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);

    /* The parent first (spec R1.2), before the other arguments. */
    CHECK_STATUS(WdfTimerCreate(NULL, NULL, NULL), STATUS_WDF_PARENT_NOT_SPECIFIED);
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_WDF_PARENT_NOT_SPECIFIED);
    CHECK(timer == NULL);
    attributes.ParentObject = device;
    attributes.Size = 2;
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_INFO_LENGTH_MISMATCH);
    attributes.Size = sizeof attributes;
    CHECK_STATUS(WdfTimerCreate(NULL, &attributes, &timer), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, NULL), STATUS_INVALID_PARAMETER);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2); /* the NULLs KMDF bugchecks on */

    config.Size = 12;
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_INFO_LENGTH_MISMATCH);
    WDF_TIMER_CONFIG_INIT_PERIODIC(&config, on_timer, 0x80000000UL); /* above MAXLONG */
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_INVALID_PARAMETER);
    WDF_TIMER_CONFIG_INIT(&config, on_timer);
    config.UseHighResolutionTimer = TRUE;
    config.TolerableDelay = 1;
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_INVALID_PARAMETER);
    WDF_TIMER_CONFIG_INIT(&config, NULL);
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_INVALID_PARAMETER);
    WDF_TIMER_CONFIG_INIT(&config, on_timer);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice; /* a timer takes no scope */
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID);
    attributes.SynchronizationScope = WdfSynchronizationScopeInheritFromParent;
    attributes.ExecutionLevel = WdfExecutionLevelPassive; /* serialized with a dispatch-level device (R7.6) */
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_WDF_INCOMPATIBLE_EXECUTION_LEVEL);
    WDF_TIMER_CONFIG_INIT_PERIODIC(&config, on_timer, 10);
    config.AutomaticSerialization = FALSE;
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_NOT_SUPPORTED); /* passive, periodic (R8.2) */
    WDF_TIMER_CONFIG_INIT(&config, on_timer);
    attributes.ExecutionLevel = WdfExecutionLevelDispatch; /* where timers run anyway */
    REQUIRE_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_SUCCESS);
    WdfObjectDelete(timer);
    attributes.ExecutionLevel = WdfExecutionLevelInheritFromParent;

    /* A parent with no device above it; one with a device above it. */
    WDFMEMORY loose, under_device;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 8, &loose, NULL), STATUS_SUCCESS);
    attributes.ParentObject = loose;
    CHECK_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_INVALID_DEVICE_REQUEST);
    WDF_OBJECT_ATTRIBUTES memory_attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&memory_attributes);
    memory_attributes.ParentObject = device;
    REQUIRE_STATUS(WdfMemoryCreate(&memory_attributes, NonPagedPool, 0, 8, &under_device, NULL), STATUS_SUCCESS);
    attributes.ParentObject = under_device;
    REQUIRE_STATUS(WdfTimerCreate(&config, &attributes, &timer), STATUS_SUCCESS);
    CHECK(WdfTimerGetParentObject(timer) == (WDFOBJECT)under_device);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);

    /* Handles: NULL, of another type, deleted. */
    CHECK(!WdfTimerStart(NULL, 0));
    CHECK(!WdfTimerStop((WDFTIMER)loose, FALSE));
    CHECK(WdfTimerGetParentObject(NULL) == NULL);
    WdfObjectDelete(under_device); /* its timer with it */
    CHECK(!WdfTimerStart(timer, WDF_REL_TIMEOUT_IN_MS(1)));
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 6);
    WdfObjectDelete(loose);
    WdfObjectDelete(device);
}

/* Work items. */
typedef struct {
    atomic_int Runs;
    int ReenqueuesLeft;
} WORK_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(WORK_CONTEXT, GetWorkContext)

static void on_work(WDFWORKITEM item) {
    WORK_CONTEXT* c = GetWorkContext(item);
    sleep_ms(2); /* long enough for the flush below to have to wait */
    if (c->ReenqueuesLeft > 0) {
        --c->ReenqueuesLeft;
        WdfWorkItemEnqueue(item); /* "queued" cleared before the callback: this queues another run */
    }
    atomic_fetch_add(&c->Runs, 1);
}

static NTSTATUS make_work_item(PFN_WDF_WORKITEM callback, WDFOBJECT parent, WDFWORKITEM* item) {
    WDF_WORKITEM_CONFIG config;
    WDF_WORKITEM_CONFIG_INIT(&config, callback);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, WORK_CONTEXT);
    attributes.ParentObject = parent;
    return WdfWorkItemCreate(&config, &attributes, item);
}

static void work_item_runs_and_flush_waits_for_re_enqueues(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    WDFWORKITEM item;
    REQUIRE_STATUS(make_work_item(on_work, device, &item), STATUS_SUCCESS);
    CHECK(WdfWorkItemGetParentObject(item) == (WDFOBJECT)device);
    WORK_CONTEXT* c = GetWorkContext(item);
    c->ReenqueuesLeft = 3;
    WdfWorkItemEnqueue(item);
    WdfWorkItemFlush(item);
    CHECK_EQ(atomic_load(&c->Runs), 4); /* the first run and its three re-enqueues */
    WdfObjectDelete(device);
}

static void deleting_a_queued_work_item_still_runs_it(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    WDFWORKITEM item;
    REQUIRE_STATUS(make_work_item(on_work, device, &item), STATUS_SUCCESS);
    WORK_CONTEXT* c = GetWorkContext(item);
    WdfObjectReference(item); /* keeps the context readable after delete */
    WdfWorkItemEnqueue(item);
    WdfObjectDelete(item); /* waits for the queued run (R8.11) */
    CHECK_EQ(atomic_load(&c->Runs), 1);
    WdfObjectDereference(item);
    WdfObjectDelete(device);
}

static atomic_ullong flush_violations;
static void flush_from_own_callback(WDFWORKITEM item) {
    const ULONGLONG before = WdfioHostVerifierViolations();
    WdfWorkItemFlush(item); /* would wait for itself: reported, returns */
    atomic_store(&flush_violations, WdfioHostVerifierViolations() - before);
    atomic_fetch_add(&GetWorkContext(item)->Runs, 1);
}

static void work_item_bad_input(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFWORKITEM item;
    WDF_WORKITEM_CONFIG config;
    WDF_WORKITEM_CONFIG_INIT(&config, on_work);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    CHECK_STATUS(WdfWorkItemCreate(&config, NULL, &item), STATUS_WDF_PARENT_NOT_SPECIFIED);
    CHECK_STATUS(WdfWorkItemCreate(&config, &attributes, &item), STATUS_WDF_PARENT_NOT_SPECIFIED);
    attributes.ParentObject = device;
    CHECK_STATUS(WdfWorkItemCreate(NULL, &attributes, &item), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfWorkItemCreate(&config, &attributes, NULL), STATUS_INVALID_PARAMETER);
    config.Size = 4;
    CHECK_STATUS(WdfWorkItemCreate(&config, &attributes, &item), STATUS_INFO_LENGTH_MISMATCH);
    WDF_WORKITEM_CONFIG_INIT(&config, NULL);
    CHECK_STATUS(WdfWorkItemCreate(&config, &attributes, &item), STATUS_INVALID_PARAMETER);
    WDF_WORKITEM_CONFIG_INIT(&config, on_work);
    attributes.ExecutionLevel = WdfExecutionLevelPassive; /* a work item takes no level (always passive) */
    CHECK_STATUS(WdfWorkItemCreate(&config, &attributes, &item), STATUS_WDF_EXECUTION_LEVEL_INVALID);
    attributes.ExecutionLevel = WdfExecutionLevelInheritFromParent;
    WDFMEMORY loose;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 8, &loose, NULL), STATUS_SUCCESS);
    attributes.ParentObject = loose;
    CHECK_STATUS(WdfWorkItemCreate(&config, &attributes, &item), STATUS_INVALID_DEVICE_REQUEST);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);

    REQUIRE_STATUS(make_work_item(flush_from_own_callback, device, &item), STATUS_SUCCESS);
    atomic_store(&flush_violations, 0);
    WdfWorkItemEnqueue(item);
    CHECK(wait_for_count(&GetWorkContext(item)->Runs, 1));
    CHECK_EQ(atomic_load(&flush_violations), 1);
    WdfWorkItemFlush(item);

    WdfWorkItemEnqueue(NULL);
    WdfWorkItemFlush((WDFWORKITEM)loose);
    CHECK(WdfWorkItemGetParentObject(NULL) == NULL);
    WdfObjectDelete(item);
    WdfWorkItemEnqueue(item);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 7);
    WdfObjectDelete(loose);
    WdfObjectDelete(device);
}

static WDFIOTARGET read_target;
static atomic_int reads_done;
static NTSTATUS read_status;

/* A synchronous read of the device, as a timer that may block does it. */
static void on_read_timer(WDFTIMER timer) {
    (void)timer;
    static char buffer[512];
    WDF_MEMORY_DESCRIPTOR output;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&output, buffer, sizeof buffer);
    ULONG_PTR bytes = 0;
    read_status = WdfIoTargetSendReadSynchronously(read_target, NULL, &output, NULL, NULL, &bytes);
    atomic_fetch_add(&reads_done, 1);
}

/* R8.2: a timer with ExecutionLevel Passive runs its callback where it may
 * block, so its synchronous send goes through; the same callback in a
 * dispatch-level timer is refused (STATUS_INVALID_DEVICE_REQUEST) and reported. */
static void a_passive_timer_may_send_synchronously(void) {
    if (!make_device()) {
        CHECK(!"WdfioRamDiskCreate");
        return;
    }
    REQUIRE_STATUS(WdfioDeviceOpenTarget(device, NULL, &read_target), STATUS_SUCCESS);
    WDF_TIMER_CONFIG config;
    WDF_TIMER_CONFIG_INIT(&config, on_read_timer);
    config.AutomaticSerialization = FALSE;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    attributes.ExecutionLevel = WdfExecutionLevelPassive;
    WDFTIMER passive, dispatch;
    REQUIRE_STATUS(WdfTimerCreate(&config, &attributes, &passive), STATUS_SUCCESS);
    attributes.ExecutionLevel = WdfExecutionLevelInheritFromParent;
    REQUIRE_STATUS(WdfTimerCreate(&config, &attributes, &dispatch), STATUS_SUCCESS);

    const ULONGLONG reported = WdfioHostVerifierViolations();
    atomic_store(&reads_done, 0);
    read_status = STATUS_PENDING;
    WdfTimerStart(passive, WDF_REL_TIMEOUT_IN_MS(1));
    CHECK(wait_for_count(&reads_done, 1));
    CHECK_STATUS(read_status, STATUS_SUCCESS);
    CHECK_EQ(WdfioHostVerifierViolations(), reported);

    const char* mode = getenv("WDFIO_VERIFIER");
    if (mode && strcmp(mode, "report") == 0) { /* else the blocking call aborts, as KMDF breaks */
        WdfTimerStart(dispatch, WDF_REL_TIMEOUT_IN_MS(1));
        CHECK(wait_for_count(&reads_done, 2));
        CHECK_STATUS(read_status, STATUS_INVALID_DEVICE_REQUEST);
        CHECK_EQ(WdfioHostVerifierViolations(), reported + 1);
    }
    WdfObjectDelete(read_target);
    WdfObjectDelete(device);
}

const compat_test deferred_tests[] = {
    {"one_shot_timer_fires_once_per_start", one_shot_timer_fires_once_per_start},
    {"periodic_timer_fires_until_stopped", periodic_timer_fires_until_stopped},
    {"stop_of_a_pending_timer_cancels_it", stop_of_a_pending_timer_cancels_it},
    {"stop_and_wait_from_the_timers_own_callback_is_reported", stop_and_wait_from_the_timers_own_callback_is_reported},
    {"a_timers_cleanup_waits_for_its_running_callback", a_timers_cleanup_waits_for_its_running_callback},
    {"timer_bad_input", timer_bad_input},
    {"a_passive_timer_may_send_synchronously", a_passive_timer_may_send_synchronously},
    {"work_item_runs_and_flush_waits_for_re_enqueues", work_item_runs_and_flush_waits_for_re_enqueues},
    {"deleting_a_queued_work_item_still_runs_it", deleting_a_queued_work_item_still_runs_it},
    {"work_item_bad_input", work_item_bad_input},
    {NULL, NULL},
};
