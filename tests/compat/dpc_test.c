/* DPCs (driver spec §8.4): one run per enqueue, cancel before it runs, a
 * queued DPC that is deleted still runs before its cleanup, misuse and bad
 * input. A "blocker" DPC holds the engine thread (where DPCs run) so that
 * another one stays queued for as long as a test needs it to. */
#include "compat_test.h"

typedef struct {
    atomic_int Runs;
    atomic_int RunsAtCleanup;
} DPC_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DPC_CONTEXT, GetDpcContext)

static WDFDEVICE device;
static atomic_int blocker_entered, blocker_release;

static void on_dpc(WDFDPC dpc) { atomic_fetch_add(&GetDpcContext(dpc)->Runs, 1); }

static void on_blocker(WDFDPC dpc) {
    atomic_store(&blocker_entered, 1);
    while (!atomic_load(&blocker_release)) sleep_ms(1);
    on_dpc(dpc);
}

static void on_dpc_cleanup(WDFOBJECT dpc) {
    DPC_CONTEXT* c = GetDpcContext(dpc);
    atomic_store(&c->RunsAtCleanup, atomic_load(&c->Runs));
}

static NTSTATUS make_dpc(PFN_WDF_DPC callback, WDFOBJECT parent, WDFDPC* dpc) {
    WDF_DPC_CONFIG config;
    WDF_DPC_CONFIG_INIT(&config, callback);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, DPC_CONTEXT);
    attributes.ParentObject = parent;
    attributes.EvtCleanupCallback = on_dpc_cleanup;
    return WdfDpcCreate(&config, &attributes, dpc);
}

/* The engine thread held by a blocker DPC: what is enqueued now stays queued. */
static int hold_engine(WDFDPC* blocker) {
    atomic_store(&blocker_entered, 0);
    atomic_store(&blocker_release, 0);
    if (!NT_SUCCESS(make_dpc(on_blocker, device, blocker)) || !WdfDpcEnqueue(*blocker)) return 0;
    for (int i = 0; i < 5000 && !atomic_load(&blocker_entered); ++i) sleep_ms(1);
    return atomic_load(&blocker_entered);
}

static void release_engine(WDFDPC blocker) {
    atomic_store(&blocker_release, 1);
    CHECK(wait_for_count(&GetDpcContext(blocker)->Runs, 1));
}

static void a_dpc_runs_once_per_enqueue(void) {
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &device), STATUS_SUCCESS);
    WDFDPC dpc, blocker;
    REQUIRE_STATUS(make_dpc(on_dpc, device, &dpc), STATUS_SUCCESS);
    CHECK(WdfDpcGetParentObject(dpc) == (WDFOBJECT)device);
    DPC_CONTEXT* c = GetDpcContext(dpc);
    CHECK(WdfDpcEnqueue(dpc));
    CHECK(wait_for_count(&c->Runs, 1));
    if (!hold_engine(&blocker)) {
        CHECK(!"the blocker DPC did not run");
        return;
    }
    CHECK(WdfDpcEnqueue(dpc));  /* queued */
    CHECK(!WdfDpcEnqueue(dpc)); /* already queued: still one run */
    CHECK(!WdfDpcEnqueue(dpc));
    release_engine(blocker);
    CHECK(wait_for_count(&c->Runs, 2));
    sleep_ms(20);
    CHECK_EQ(atomic_load(&c->Runs), 2);
    WdfObjectDelete(device);
}

static void cancel_dequeues_a_dpc_that_has_not_run(void) {
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &device), STATUS_SUCCESS);
    WDFDPC dpc, blocker;
    REQUIRE_STATUS(make_dpc(on_dpc, device, &dpc), STATUS_SUCCESS);
    if (!hold_engine(&blocker)) {
        CHECK(!"the blocker DPC did not run");
        return;
    }
    CHECK(WdfDpcEnqueue(dpc));
    CHECK(WdfDpcCancel(dpc, FALSE));  /* dequeued before it ran */
    CHECK(!WdfDpcCancel(dpc, FALSE)); /* nothing queued any more */
    CHECK(WdfDpcEnqueue(dpc));
    CHECK(WdfDpcCancel(dpc, TRUE)); /* dequeued: no wait needed */
    release_engine(blocker);
    sleep_ms(20);
    CHECK_EQ(atomic_load(&GetDpcContext(dpc)->Runs), 0);
    CHECK(!WdfDpcCancel(dpc, TRUE)); /* not queued, not running: returns at once */
    WdfObjectDelete(device);
}

static void deleting_a_queued_dpc_runs_it_before_its_cleanup(void) {
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &device), STATUS_SUCCESS);
    WDFDPC dpc, blocker;
    REQUIRE_STATUS(make_dpc(on_dpc, device, &dpc), STATUS_SUCCESS);
    if (!hold_engine(&blocker)) {
        CHECK(!"the blocker DPC did not run");
        return;
    }
    WdfObjectReference(dpc); /* keeps the context readable after delete */
    CHECK(WdfDpcEnqueue(dpc));
    WdfObjectDelete(dpc); /* R8.14: not cancelled */
    DPC_CONTEXT* c = GetDpcContext(dpc);
    CHECK_EQ(atomic_load(&c->Runs), 1);
    CHECK_EQ(atomic_load(&c->RunsAtCleanup), 1);
    WdfObjectDereference(dpc);
    release_engine(blocker);
    WdfObjectDelete(device);
}

static atomic_ullong violations_in_callback;
static void cancel_and_wait_from_own_callback(WDFDPC dpc) {
    const ULONGLONG before = WdfioHostVerifierViolations();
    const BOOLEAN cancelled = WdfDpcCancel(dpc, TRUE); /* would wait for itself */
    atomic_store(&violations_in_callback, cancelled ? 0 : WdfioHostVerifierViolations() - before);
    on_dpc(dpc);
}

static void dpc_bad_input(void) {
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &device), STATUS_SUCCESS);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFDPC dpc = (WDFDPC)&device;
    WDF_DPC_CONFIG config;
    WDF_DPC_CONFIG_INIT(&config, on_dpc);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    /* The parent first (spec R1.2). */
    CHECK_STATUS(WdfDpcCreate(NULL, NULL, NULL), STATUS_WDF_PARENT_NOT_SPECIFIED);
    CHECK_STATUS(WdfDpcCreate(&config, &attributes, &dpc), STATUS_WDF_PARENT_NOT_SPECIFIED);
    CHECK(dpc == NULL);
    attributes.ParentObject = device;
    CHECK_STATUS(WdfDpcCreate(NULL, &attributes, &dpc), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfDpcCreate(&config, &attributes, NULL), STATUS_INVALID_PARAMETER);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2); /* the NULLs KMDF bugchecks on */
    config.Size = 4;
    CHECK_STATUS(WdfDpcCreate(&config, &attributes, &dpc), STATUS_INFO_LENGTH_MISMATCH);
    WDF_DPC_CONFIG_INIT(&config, NULL);
    CHECK_STATUS(WdfDpcCreate(&config, &attributes, &dpc), STATUS_INVALID_PARAMETER);
    WDF_DPC_CONFIG_INIT(&config, on_dpc);
    attributes.ExecutionLevel = WdfExecutionLevelDispatch; /* a DPC takes no level (R8.12) */
    CHECK_STATUS(WdfDpcCreate(&config, &attributes, &dpc), STATUS_WDF_EXECUTION_LEVEL_INVALID);
    attributes.ExecutionLevel = WdfExecutionLevelInheritFromParent;
    WDFOBJECT loose;
    REQUIRE_STATUS(WdfObjectCreate(NULL, &loose), STATUS_SUCCESS);
    attributes.ParentObject = loose; /* no device above it */
    CHECK_STATUS(WdfDpcCreate(&config, &attributes, &dpc), STATUS_INVALID_DEVICE_REQUEST);
    CHECK(dpc == NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);

    /* Cancel with Wait from its own callback: reported, FALSE. */
    REQUIRE_STATUS(make_dpc(cancel_and_wait_from_own_callback, device, &dpc), STATUS_SUCCESS);
    atomic_store(&violations_in_callback, 0);
    CHECK(WdfDpcEnqueue(dpc));
    CHECK(wait_for_count(&GetDpcContext(dpc)->Runs, 1));
    CHECK_EQ(atomic_load(&violations_in_callback), 1);

    /* Handles: NULL, of another type, deleted. */
    CHECK(!WdfDpcEnqueue(NULL));
    CHECK(!WdfDpcCancel((WDFDPC)loose, FALSE));
    CHECK(WdfDpcGetParentObject(NULL) == NULL);
    WdfObjectDelete(dpc);
    CHECK(!WdfDpcEnqueue(dpc));
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 7);
    WdfObjectDelete(loose);
    WdfObjectDelete(device);
}

const compat_test dpc_tests[] = {
    {"Dpc.ADpcRunsOncePerEnqueue", a_dpc_runs_once_per_enqueue},
    {"Dpc.CancelDequeuesADpcThatHasNotRun", cancel_dequeues_a_dpc_that_has_not_run},
    {"Dpc.DeletingAQueuedDpcRunsItBeforeItsCleanup", deleting_a_queued_dpc_runs_it_before_its_cleanup},
    {"Dpc.BadInput", dpc_bad_input},
    {NULL, NULL},
};
