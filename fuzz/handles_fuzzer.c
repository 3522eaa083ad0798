/* The C API's handle validation: each input builds a small pool of handle
 * values — live objects of each kind (memory, requests, RAM-disk devices and
 * their targets), the same objects once deleted (stale), NULL, random numbers
 * and near misses of live values — and passes them, in every handle position,
 * to a selection of calls. A stale, NULL or wrong-kind handle gets
 * STATUS_INVALID_HANDLE (or FALSE, NULL, nothing done) and a verifier report
 * (report mode: counted), never a crash; the live objects keep working (a send
 * completes exactly once); and at the end of each input, once the fuzzer has
 * deleted what it made and dropped its references, no object is left. */
#include <wdfio/wdf.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char* __asan_default_options(void) { return "allocator_may_return_null=1"; }

enum Kind { KIND_MEMORY, KIND_REQUEST, KIND_DEVICE, KIND_TARGET, KIND_UNKNOWN };

typedef struct {
    void* value;
    enum Kind kind;
    int mine;  /* created by this input (the model knows whether it is alive) */
    int live;  /* mine and not deleted */
    int refs;  /* WdfObjectReference calls not yet undone */
    int owner; /* a target: the pool index of its device (deleted with it); else -1 */
} Entry;

#define POOL 16
static Entry pool[POOL];
static int entries;
static const uint8_t* in_data;
static size_t in_size, in_pos;
static atomic_int completions;
static int accepted;

static void fail(const char* what) {
    fprintf(stderr, "handles fuzzer: %s\n", what);
    abort();
}
#define EXPECT(cond)              \
    do {                          \
        if (!(cond)) fail(#cond); \
    } while (0)

static uint8_t take8(void) { return in_pos < in_size ? in_data[in_pos++] : (in_pos++, 0); }
static uint64_t take64(void) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | take8();
    return v;
}

static int add(void* value, enum Kind kind, int mine, int owner) {
    if (entries == POOL) return -1;
    /* A value already in the pool is not added twice: an unknown alias of a
     * live handle would change it behind the model's back. */
    for (int i = 0; !mine && i < entries; ++i)
        if (pool[i].value == value) return -1;
    pool[entries] = (Entry){value, kind, mine, mine, 0, owner};
    return entries++;
}
/* An entry to use: any of the pool, or NULL when it is empty (index -1). */
static int pick(void) { return entries ? take8() % (entries + 1) - 1 : -1; }
static void* value_of(int i) { return i < 0 ? NULL : pool[i].value; }
/* Whether the model knows this value is not a live handle of `kind`: NULL, one
 * of ours deleted or of another kind. A random value might, by luck, name some
 * live object of the library's own (a queue): nothing is asserted for those. */
static int known_bad(int i, enum Kind kind) {
    if (i < 0) return 1;
    return pool[i].mine && (!pool[i].live || pool[i].kind != kind);
}
static int known_good(int i, enum Kind kind) { return i >= 0 && pool[i].mine && pool[i].live && pool[i].kind == kind; }

/* A known-bad handle is a verifier report (counted in report mode), besides
 * the call's status: what tells a driver writer which call and which handle. */
static unsigned long long violations_before;
static void expect_reported(int bad) {
    if (bad && WdfioHostVerifierViolations() == violations_before) fail("a bad handle was not reported");
}

static void on_complete(WDFREQUEST request, WDFIOTARGET target, PWDF_REQUEST_COMPLETION_PARAMS params, WDFCONTEXT ctx) {
    (void)request, (void)target, (void)params, (void)ctx;
    atomic_fetch_add(&completions, 1);
}

/* Waits (bounded) for every accepted send's routine; cancels a request parked
 * in a stopped target after a while. */
static void settle(int request) {
    for (int i = 0; i < 5000 && atomic_load(&completions) < accepted; ++i) {
        if (i == 20 && request >= 0) WdfRequestCancelSentRequest((WDFREQUEST)value_of(request));
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    EXPECT(atomic_load(&completions) == accepted);
}

/* Marks `i` deleted, and with a device the targets it owns. */
static void deleted(int i) {
    if (i < 0 || !pool[i].mine) return;
    pool[i].live = 0;
    for (int j = 0; j < entries; ++j)
        if (pool[j].owner == i) pool[j].live = 0;
}

static int tracing = -1; /* WDFIO_FUZZ_TRACE=1: each call on stderr, to read a crash's input */

static void one_call(void) {
    const int a = pick(), b = pick(), c = pick();
    WDF_REQUEST_REUSE_PARAMS reuse;
    NTSTATUS s;
    const int call = take8() % 20;
    if (tracing)
        fprintf(stderr, "call %d on %d %d %d (pool %d, objects %lu)\n", call, a, b, c, entries,
                (unsigned long)WdfioHostObjectCount());
    violations_before = WdfioHostVerifierViolations();
    switch (call) {
    case 0: {
        WDFMEMORY m = NULL;
        if (entries < POOL && WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &m, NULL) == STATUS_SUCCESS)
            add(m, KIND_MEMORY, 1, -1);
        break;
    }
    case 1: {
        WDFREQUEST r = NULL;
        if (entries < POOL && WdfRequestCreate(NULL, NULL, &r) == STATUS_SUCCESS) add(r, KIND_REQUEST, 1, -1);
        break;
    }
    case 2: {
        WDFDEVICE d = NULL;
        if (entries < POOL - 1 && WdfioRamDiskCreate(1 << 16, 512, NULL, &d) == STATUS_SUCCESS) {
            const int device = add(d, KIND_DEVICE, 1, -1);
            WDFIOTARGET t = NULL;
            EXPECT(WdfioDeviceOpenTarget(d, NULL, &t) == STATUS_SUCCESS);
            add(t, KIND_TARGET, 1, device);
        }
        break;
    }
    case 3: add((void*)(uintptr_t)take64(), KIND_UNKNOWN, 0, -1); break;
    case 4: /* a near miss of a value in the pool */
        if (a >= 0) add((void*)((uintptr_t)pool[a].value ^ ((uintptr_t)1 << (take8() % 64))), KIND_UNKNOWN, 0, -1);
        break;
    case 5:
        WdfObjectDelete(value_of(a));
        deleted(a);
        break;
    case 6: {
        size_t size = 7;
        void* buffer = WdfMemoryGetBuffer((WDFMEMORY)value_of(a), &size);
        if (known_bad(a, KIND_MEMORY)) EXPECT(buffer == NULL);
        expect_reported(known_bad(a, KIND_MEMORY));
        if (known_good(a, KIND_MEMORY)) EXPECT(buffer != NULL && size == 512);
        break;
    }
    case 7:
        s = WdfRequestGetStatus((WDFREQUEST)value_of(a));
        if (known_bad(a, KIND_REQUEST)) EXPECT(s == STATUS_INVALID_HANDLE);
        expect_reported(known_bad(a, KIND_REQUEST));
        break;
    case 8:
        s = WdfIoTargetStart((WDFIOTARGET)value_of(a));
        if (known_bad(a, KIND_TARGET)) EXPECT(s == STATUS_INVALID_HANDLE);
        expect_reported(known_bad(a, KIND_TARGET));
        break;
    case 9:
        WdfIoTargetStop((WDFIOTARGET)value_of(a),
                        take8() & 1 ? WdfIoTargetCancelSentIo : WdfIoTargetLeaveSentIoPending);
        expect_reported(known_bad(a, KIND_TARGET));
        break;
    case 10:
        if (known_bad(a, KIND_TARGET))
            EXPECT(WdfIoTargetGetState((WDFIOTARGET)value_of(a)) == WdfIoTargetStateUndefined);
        else (void)WdfIoTargetGetState((WDFIOTARGET)value_of(a));
        break;
    case 11:
        WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
        s = WdfRequestReuse((WDFREQUEST)value_of(a), &reuse);
        if (known_bad(a, KIND_REQUEST)) EXPECT(s == STATUS_INVALID_HANDLE);
        expect_reported(known_bad(a, KIND_REQUEST));
        break;
    case 12: /* NULL memory is "no buffer": not a bad handle here */
        s = WdfIoTargetFormatRequestForRead((WDFIOTARGET)value_of(a), (WDFREQUEST)value_of(b), (WDFMEMORY)value_of(c),
                                            NULL, NULL);
        if (known_bad(a, KIND_TARGET) || known_bad(b, KIND_REQUEST) || (c >= 0 && known_bad(c, KIND_MEMORY)))
            EXPECT(s == STATUS_INVALID_HANDLE);
        expect_reported(known_bad(a, KIND_TARGET) || known_bad(b, KIND_REQUEST) ||
                        (c >= 0 && known_bad(c, KIND_MEMORY)));
        break;
    case 13: {
        WdfRequestSetCompletionRoutine((WDFREQUEST)value_of(a), on_complete, NULL);
        const BOOLEAN sent = WdfRequestSend((WDFREQUEST)value_of(a), (WDFIOTARGET)value_of(b), NULL);
        if (known_bad(a, KIND_REQUEST) || known_bad(b, KIND_TARGET)) EXPECT(!sent);
        expect_reported(known_bad(a, KIND_REQUEST) || known_bad(b, KIND_TARGET));
        if (sent) {
            EXPECT(known_good(a, KIND_REQUEST)); /* only our own request can be sent */
            ++accepted;
            settle(a);
        }
        break;
    }
    case 14:
        if (known_bad(a, KIND_REQUEST)) EXPECT(!WdfRequestCancelSentRequest((WDFREQUEST)value_of(a)));
        expect_reported(known_bad(a, KIND_REQUEST));
        break;
    case 15:
        /* A deleted object still referenced is still there: it takes more (as KMDF's do). */
        WdfObjectReference(value_of(a));
        if (a >= 0 && pool[a].mine && (pool[a].live || pool[a].refs > 0)) pool[a].refs++;
        break;
    case 16:
        /* Only a reference we hold is dropped; one we do not is refused. */
        if (a >= 0 && pool[a].mine && pool[a].refs > 0) {
            WdfObjectDereference(value_of(a));
            pool[a].refs--;
        } else if (a < 0 || !pool[a].mine) {
            WdfObjectDereference(value_of(a));
        }
        break;
    case 17:
        s = WdfRequestChangeTarget((WDFREQUEST)value_of(a), (WDFIOTARGET)value_of(b));
        if (known_bad(a, KIND_REQUEST) || known_bad(b, KIND_TARGET)) EXPECT(s == STATUS_INVALID_HANDLE);
        expect_reported(known_bad(a, KIND_REQUEST) || known_bad(b, KIND_TARGET));
        break;
    case 18:
        WdfIoTargetPurge((WDFIOTARGET)value_of(a), WdfIoTargetPurgeIoAndWait);
        expect_reported(known_bad(a, KIND_TARGET));
        break;
    default: {
        WDFIOTARGET t = (WDFIOTARGET)(uintptr_t)1;
        s = WdfioDeviceOpenTarget((WDFDEVICE)value_of(a), NULL, &t);
        if (known_bad(a, KIND_DEVICE)) EXPECT(s == STATUS_INVALID_HANDLE && t == NULL);
        expect_reported(known_bad(a, KIND_DEVICE));
        if (s == STATUS_SUCCESS && known_good(a, KIND_DEVICE)) {
            if (add(t, KIND_TARGET, 1, a) < 0) WdfObjectDelete(t);
        } else if (s == STATUS_SUCCESS) {
            WdfObjectDelete(t); /* a live device we do not know: not ours to keep */
        }
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static ULONG baseline = ~0u;
    WdfioHostSetVerifierMode(WDFIO_VERIFIER_REPORT);
    if (baseline == ~0u) baseline = WdfioHostObjectCount();
    if (tracing < 0) tracing = getenv("WDFIO_FUZZ_TRACE") != NULL;
    in_data = data, in_size = size, in_pos = 0;
    entries = 0;
    accepted = 0;
    atomic_store(&completions, 0);
    for (int step = 0; step < 64 && in_pos < in_size; ++step) one_call();

    /* Teardown: requests and memory, then devices (their targets go with them),
     * then the references still held. */
    for (int kind = KIND_MEMORY; kind <= KIND_TARGET; ++kind)
        for (int i = 0; i < entries; ++i)
            if (pool[i].live && pool[i].kind == (enum Kind)kind && pool[i].kind != KIND_TARGET) {
                if (kind == KIND_REQUEST) WdfRequestCancelSentRequest((WDFREQUEST)pool[i].value);
                WdfObjectDelete(pool[i].value);
                deleted(i);
            }
    for (int i = 0; i < entries; ++i)
        if (pool[i].live) { /* a target whose device we never made */
            WdfObjectDelete(pool[i].value);
            deleted(i);
        }
    settle(-1);
    for (int i = 0; i < entries; ++i)
        for (; pool[i].refs > 0; pool[i].refs--) WdfObjectDereference(pool[i].value);
    EXPECT(WdfioHostObjectCount() == baseline);
    return 0;
}
