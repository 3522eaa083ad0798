/* DDI fault injection (WdfioHostSetDdiFaults, WDFIO_FAULT_DDI): the N-th,
 * every K-th or a share of the named calls fail as if out of memory, and
 * nothing else does; bad specs are refused and keep the old one. */
#include "compat_test.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int Unused;
} FAULT_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE(FAULT_CONTEXT)

static NTSTATUS create_memory(WDFMEMORY* memory) {
    return WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, 64, memory, NULL);
}

static void the_nth_call_fails_and_only_it(void) {
    const ULONGLONG injected = WdfioHostDdiFaultsInjected();
    REQUIRE_STATUS(WdfioHostSetDdiFaults("WdfMemoryCreate:2"), STATUS_SUCCESS);
    WDFMEMORY first, second = (WDFMEMORY)&first, third;
    CHECK_STATUS(create_memory(&first), STATUS_SUCCESS);
    CHECK_STATUS(create_memory(&second), STATUS_INSUFFICIENT_RESOURCES);
    CHECK(second == NULL);
    CHECK_STATUS(create_memory(&third), STATUS_SUCCESS);
    CHECK_EQ(WdfioHostDdiFaultsInjected(), injected + 1);
    CHECK_EQ(WdfioHostObjectCount(), 2); /* the failed one left nothing */
    /* Another call is not counted. */
    WDFOBJECT object;
    CHECK_STATUS(WdfObjectCreate(NULL, &object), STATUS_SUCCESS);
    WdfObjectDelete(object);
    WdfObjectDelete(first);
    WdfObjectDelete(third);
    REQUIRE_STATUS(WdfioHostSetDdiFaults(NULL), STATUS_SUCCESS);
}

static void every_kth_call_fails(void) {
    REQUIRE_STATUS(WdfioHostSetDdiFaults("WdfObjectCreate:every=3"), STATUS_SUCCESS);
    int failed = 0;
    for (int i = 1; i <= 9; ++i) {
        WDFOBJECT object;
        const NTSTATUS s = WdfObjectCreate(NULL, &object);
        if (s == STATUS_INSUFFICIENT_RESOURCES) {
            ++failed;
            CHECK(i % 3 == 0);
        } else {
            CHECK_STATUS(s, STATUS_SUCCESS);
            WdfObjectDelete(object);
        }
    }
    CHECK_EQ(failed, 3);
    REQUIRE_STATUS(WdfioHostSetDdiFaults(""), STATUS_SUCCESS);
}

static void a_rate_fails_a_share(void) {
    REQUIRE_STATUS(WdfioHostSetDdiFaults("WdfCollectionCreate:rate=50"), STATUS_SUCCESS);
    int failed = 0;
    for (int i = 0; i < 400; ++i) {
        WDFCOLLECTION c;
        if (WdfCollectionCreate(NULL, &c) == STATUS_INSUFFICIENT_RESOURCES) ++failed;
        else WdfObjectDelete(c);
    }
    CHECK(failed > 120 && failed < 280);
    REQUIRE_STATUS(WdfioHostSetDdiFaults(NULL), STATUS_SUCCESS);
}

static void any_failable_call_and_its_kinds(void) {
    /* "*": the next failable call, whichever it is. */
    REQUIRE_STATUS(WdfioHostSetDdiFaults("*:1"), STATUS_SUCCESS);
    WDFOBJECT object;
    CHECK_STATUS(WdfObjectCreate(NULL, &object), STATUS_INSUFFICIENT_RESOURCES);
    CHECK_STATUS(WdfObjectCreate(NULL, &object), STATUS_SUCCESS);

    /* A context area, a pool allocation, an open. */
    REQUIRE_STATUS(WdfioHostSetDdiFaults("WdfObjectAllocateContext,ExAllocatePoolWithTag,WdfIoTargetOpen"),
                   STATUS_SUCCESS);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, FAULT_CONTEXT);
    PVOID context = &attributes;
    CHECK_STATUS(WdfObjectAllocateContext(object, &attributes, &context), STATUS_INSUFFICIENT_RESOURCES);
    CHECK(context == NULL);
    CHECK(WdfObjectGet_FAULT_CONTEXT(object) == NULL);
    CHECK_STATUS(WdfObjectAllocateContext(object, &attributes, &context), STATUS_SUCCESS);
    CHECK(ExAllocatePoolWithTag(NonPagedPool, 16, 0x74736554) == NULL);
    PVOID block = ExAllocatePoolWithTag(NonPagedPool, 16, 0x74736554);
    CHECK(block != NULL);
    ExFreePoolWithTag(block, 0x74736554);
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target), STATUS_SUCCESS);
    DECLARE_CONST_UNICODE_STRING(name, L"/dev/null");
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &name, GENERIC_READ);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_INSUFFICIENT_RESOURCES);
    CHECK_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);
    WdfObjectDelete(target);
    WdfObjectDelete(object);
    REQUIRE_STATUS(WdfioHostSetDdiFaults(NULL), STATUS_SUCCESS);
}

static void bad_specs_are_refused_and_keep_the_old_one(void) {
    REQUIRE_STATUS(WdfioHostSetDdiFaults("WdfObjectCreate:2"), STATUS_SUCCESS);
    const char* bad[] = {"Nope",
                         "WdfIoQueueStart", /* cannot fail this way */
                         "WdfObjectCreate:0",
                         "WdfObjectCreate:x",
                         "WdfObjectCreate:every=0",
                         "WdfObjectCreate:every=",
                         "WdfObjectCreate:rate=0",
                         "WdfObjectCreate:rate=101",
                         "WdfObjectCreate:rate=5%",
                         "WdfObjectCreate,Nope"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
        CHECK_STATUS(WdfioHostSetDdiFaults(bad[i]), STATUS_INVALID_PARAMETER);
    WDFOBJECT object;
    CHECK_STATUS(WdfObjectCreate(NULL, &object), STATUS_SUCCESS);
    WdfObjectDelete(object);
    CHECK_STATUS(WdfObjectCreate(NULL, &object), STATUS_INSUFFICIENT_RESOURCES); /* the old spec's 2nd */
    REQUIRE_STATUS(WdfioHostSetDdiFaults(NULL), STATUS_SUCCESS);
    CHECK_STATUS(WdfObjectCreate(NULL, &object), STATUS_SUCCESS);
    WdfObjectDelete(object);
}

/* Run by ctest with WDFIO_FAULT_DDI=WdfStringCreate:1 (the host read it at
 * start); without it there is nothing to check. */
static void the_environment_sets_a_spec(void) {
    const char* spec = getenv("WDFIO_FAULT_DDI");
    if (!spec || strcmp(spec, "WdfStringCreate:1") != 0) {
        fprintf(stderr, "skipped: run with WDFIO_FAULT_DDI=WdfStringCreate:1 (ctest does)\n");
        return;
    }
    WDFSTRING string;
    CHECK_STATUS(WdfStringCreate(NULL, NULL, &string), STATUS_INSUFFICIENT_RESOURCES);
    CHECK_STATUS(WdfStringCreate(NULL, NULL, &string), STATUS_SUCCESS);
    WdfObjectDelete(string);
}

const compat_test fault_injection_tests[] = {
    {"DdiFaults.TheEnvironmentSetsASpec", the_environment_sets_a_spec},
    {"DdiFaults.TheNthCallFailsAndOnlyIt", the_nth_call_fails_and_only_it},
    {"DdiFaults.EveryKthCallFails", every_kth_call_fails},
    {"DdiFaults.ARateFailsAShare", a_rate_fails_a_share},
    {"DdiFaults.AnyFailableCallAndItsKinds", any_failable_call_and_its_kinds},
    {"DdiFaults.BadSpecsAreRefusedAndKeepTheOldOne", bad_specs_are_refused_and_keep_the_old_one},
    {NULL, NULL},
};
