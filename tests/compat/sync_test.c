/* Spin locks and wait locks (driver spec R7.13, R7.14): mutual exclusion
 * across threads, timeouts, misuse reported and survived, bad input. */
#include "compat_test.h"

#include <pthread.h>
#include <time.h>

enum { kRounds = 20000 };
static WDFSPINLOCK spin;
static WDFWAITLOCK wait_lock;
static long shared_counter; /* guarded by the lock under test, not atomic on purpose */

static void* spin_adder(void* arg) {
    (void)arg;
    for (int i = 0; i < kRounds; ++i) {
        WdfSpinLockAcquire(spin);
        long v = shared_counter;
        shared_counter = v + 1;
        WdfSpinLockRelease(spin);
    }
    return NULL;
}

static void* wait_adder(void* arg) {
    (void)arg;
    for (int i = 0; i < kRounds / 10; ++i) {
        if (WdfWaitLockAcquire(wait_lock, NULL) != STATUS_SUCCESS) return (void*)1;
        long v = shared_counter;
        shared_counter = v + 1;
        WdfWaitLockRelease(wait_lock);
    }
    return NULL;
}

static void spin_lock_excludes_other_threads(void) {
    REQUIRE_STATUS(WdfSpinLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &spin), STATUS_SUCCESS);
    shared_counter = 0;
    pthread_t a, b;
    pthread_create(&a, NULL, spin_adder, NULL);
    pthread_create(&b, NULL, spin_adder, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    CHECK_EQ(shared_counter, 2 * kRounds); /* a lost update would show (and TSan would say) */
    WdfObjectDelete(spin);
}

static void wait_lock_excludes_other_threads(void) {
    REQUIRE_STATUS(WdfWaitLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &wait_lock), STATUS_SUCCESS);
    shared_counter = 0;
    pthread_t a, b;
    void* ra = NULL;
    void* rb = NULL;
    pthread_create(&a, NULL, wait_adder, NULL);
    pthread_create(&b, NULL, wait_adder, NULL);
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    CHECK(ra == NULL && rb == NULL);
    CHECK_EQ(shared_counter, 2 * (kRounds / 10));
    WdfObjectDelete(wait_lock);
}

static atomic_int holder_state; /* 1: holds the lock, 2: told to let go */
static void* hold_until_told(void* arg) {
    (void)arg;
    WdfWaitLockAcquire(wait_lock, NULL);
    atomic_store(&holder_state, 1);
    while (atomic_load(&holder_state) != 2) sleep_ms(1);
    WdfWaitLockRelease(wait_lock);
    return NULL;
}

static void wait_lock_times_out_while_another_thread_holds_it(void) {
    REQUIRE_STATUS(WdfWaitLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &wait_lock), STATUS_SUCCESS);
    atomic_store(&holder_state, 0);
    pthread_t holder;
    pthread_create(&holder, NULL, hold_until_told, NULL);
    while (atomic_load(&holder_state) != 1) sleep_ms(1);
    LONGLONG timeout = 0; /* one try */
    CHECK_STATUS(WdfWaitLockAcquire(wait_lock, &timeout), STATUS_TIMEOUT);
    timeout = WDF_REL_TIMEOUT_IN_MS(20);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_STATUS(WdfWaitLockAcquire(wait_lock, &timeout), STATUS_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const long long waited_ms = (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000LL;
    CHECK(waited_ms >= 19);
    atomic_store(&holder_state, 2);
    CHECK_STATUS(WdfWaitLockAcquire(wait_lock, NULL), STATUS_SUCCESS); /* waits for the release */
    WdfWaitLockRelease(wait_lock);
    pthread_join(holder, NULL);
    timeout = 0;
    CHECK_STATUS(WdfWaitLockAcquire(wait_lock, &timeout), STATUS_SUCCESS); /* free now */
    WdfWaitLockRelease(wait_lock);
    WdfObjectDelete(wait_lock);
}

/* A lock parented to an object goes with it; its cleanup callback runs. */
static atomic_int lock_cleanups;
static void count_lock_cleanup(WDFOBJECT o) {
    (void)o;
    atomic_fetch_add(&lock_cleanups, 1);
}

static void locks_go_with_their_parent(void) {
    WDFMEMORY parent;
    REQUIRE_STATUS(WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, 8, &parent, NULL), STATUS_SUCCESS);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = parent;
    attributes.EvtCleanupCallback = count_lock_cleanup;
    atomic_store(&lock_cleanups, 0);
    WDFSPINLOCK s;
    WDFWAITLOCK w;
    REQUIRE_STATUS(WdfSpinLockCreate(&attributes, &s), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfWaitLockCreate(&attributes, &w), STATUS_SUCCESS);
    WdfObjectDelete(parent);
    CHECK_EQ(atomic_load(&lock_cleanups), 2);
}

static void sync_bad_input(void) {
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFSPINLOCK s;
    WDFWAITLOCK w;
    CHECK_STATUS(WdfSpinLockCreate(NULL, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfWaitLockCreate(NULL, NULL), STATUS_INVALID_PARAMETER);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.Size = 1;
    CHECK_STATUS(WdfSpinLockCreate(&attributes, &s), STATUS_INFO_LENGTH_MISMATCH);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeQueue; /* locks take no scope (spec §1.2) */
    CHECK_STATUS(WdfSpinLockCreate(&attributes, &s), STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ExecutionLevel = WdfExecutionLevelDispatch; /* nor a level */
    CHECK_STATUS(WdfWaitLockCreate(&attributes, &w), STATUS_WDF_EXECUTION_LEVEL_INVALID);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);

    /* Misuse: each reported, nothing hangs, the lock still works after. */
    REQUIRE_STATUS(WdfSpinLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &s), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfWaitLockCreate(WDF_NO_OBJECT_ATTRIBUTES, &w), STATUS_SUCCESS);
    WdfSpinLockRelease(s); /* not held */
    WdfSpinLockAcquire(s);
    WdfSpinLockAcquire(s); /* again by its holder: reported, not taken */
    WdfSpinLockRelease(s);
    WdfWaitLockRelease(w); /* not held */
    CHECK_STATUS(WdfWaitLockAcquire(w, NULL), STATUS_SUCCESS);
    CHECK_STATUS(WdfWaitLockAcquire(w, NULL), STATUS_INVALID_DEVICE_REQUEST); /* by its holder */
    WdfWaitLockRelease(w);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 6);

    /* Handles: NULL, of another type, deleted. */
    WdfSpinLockAcquire(NULL);
    WdfSpinLockAcquire((WDFSPINLOCK)w);
    CHECK_STATUS(WdfWaitLockAcquire(NULL, NULL), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfWaitLockAcquire((WDFWAITLOCK)s, NULL), STATUS_INVALID_HANDLE);
    WdfObjectDelete(s);
    WdfObjectDelete(w);
    WdfSpinLockRelease(s);
    WdfWaitLockRelease(w);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 12);
}

/* WdfObjectAcquireLock (R7.11, R7.12): a device's lock excludes another
 * thread; not recursive; released only by its holder; other kinds have none. */
static WDFOBJECT locked_object;
static atomic_int other_has_it;
static void* lock_from_other_thread(void* arg) {
    (void)arg;
    WdfObjectAcquireLock(locked_object);
    atomic_store(&other_has_it, 1);
    WdfObjectReleaseLock(locked_object);
    return NULL;
}

static void object_lock_of_a_device(void) {
    WDFDEVICE device;
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &device), STATUS_SUCCESS);
    locked_object = device;
    atomic_store(&other_has_it, 0);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WdfObjectAcquireLock(device);
    pthread_t other;
    pthread_create(&other, NULL, lock_from_other_thread, NULL);
    sleep_ms(20);
    CHECK_EQ(atomic_load(&other_has_it), 0); /* waits for us */
    WdfObjectAcquireLock(device);            /* again by its holder: reported, not taken twice */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1);
    WdfObjectReleaseLock(device);
    pthread_join(other, NULL);
    CHECK_EQ(atomic_load(&other_has_it), 1);
    WdfObjectReleaseLock(device); /* not held: reported, ignored */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 2);

    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 8, &memory, NULL), STATUS_SUCCESS);
    WdfObjectAcquireLock(memory); /* no lock of its own: reported, nothing */
    WdfObjectReleaseLock(memory);
    WdfObjectAcquireLock(NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 5);
    WdfObjectDelete(memory);
    WdfObjectDelete(device);
    WdfObjectAcquireLock(device); /* deleted */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 6);
}

const compat_test sync_tests[] = {
    {"spin_lock_excludes_other_threads", spin_lock_excludes_other_threads},
    {"wait_lock_excludes_other_threads", wait_lock_excludes_other_threads},
    {"wait_lock_times_out_while_another_thread_holds_it", wait_lock_times_out_while_another_thread_holds_it},
    {"locks_go_with_their_parent", locks_go_with_their_parent},
    {"sync_bad_input", sync_bad_input},
    {"object_lock_of_a_device", object_lock_of_a_device},
    {NULL, NULL},
};
