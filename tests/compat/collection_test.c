/* Generic objects (spec R1.20) and collections (driver spec §9.1): order,
 * duplicates, references held for items deleted meanwhile, removal, bad
 * input. */
#include "compat_test.h"

static atomic_int destroyed;
static void count_destroy(WDFOBJECT o) {
    (void)o;
    atomic_fetch_add(&destroyed, 1);
}

static WDFOBJECT make_object(WDFOBJECT parent) {
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = parent;
    attributes.EvtDestroyCallback = count_destroy;
    WDFOBJECT o = NULL;
    CHECK_STATUS(WdfObjectCreate(&attributes, &o), STATUS_SUCCESS);
    return o;
}

static void generic_objects_parent_others(void) {
    atomic_store(&destroyed, 0);
    WDFOBJECT root = make_object(NULL);
    WDFOBJECT child = make_object(root);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = child;
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 8, &memory, NULL), STATUS_SUCCESS);
    WdfObjectDelete(root); /* the child and the memory go with it */
    CHECK_EQ(atomic_load(&destroyed), 2);
    CHECK(WdfMemoryGetBuffer(memory, NULL) == NULL); /* deleted with its parent: a report */

    WDFOBJECT o;
    CHECK_STATUS(WdfObjectCreate(NULL, NULL), STATUS_INVALID_PARAMETER);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;
    CHECK_STATUS(WdfObjectCreate(&attributes, &o), STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ExecutionLevel = WdfExecutionLevelDispatch; /* a generic object takes a level */
    REQUIRE_STATUS(WdfObjectCreate(&attributes, &o), STATUS_SUCCESS);
    WdfObjectDelete(o);
}

static void collection_keeps_order_duplicates_and_references(void) {
    atomic_store(&destroyed, 0);
    WDFCOLLECTION c;
    REQUIRE_STATUS(WdfCollectionCreate(WDF_NO_OBJECT_ATTRIBUTES, &c), STATUS_SUCCESS);
    CHECK_EQ(WdfCollectionGetCount(c), 0);
    CHECK(WdfCollectionGetFirstItem(c) == NULL && WdfCollectionGetLastItem(c) == NULL);
    WDFOBJECT a = make_object(NULL), b = make_object(NULL);
    CHECK_STATUS(WdfCollectionAdd(c, a), STATUS_SUCCESS);
    CHECK_STATUS(WdfCollectionAdd(c, b), STATUS_SUCCESS);
    CHECK_STATUS(WdfCollectionAdd(c, a), STATUS_SUCCESS); /* duplicates allowed */
    CHECK_EQ(WdfCollectionGetCount(c), 3);
    CHECK(WdfCollectionGetItem(c, 0) == a && WdfCollectionGetItem(c, 1) == b && WdfCollectionGetItem(c, 2) == a);
    CHECK(WdfCollectionGetItem(c, 3) == NULL);
    CHECK(WdfCollectionGetFirstItem(c) == a && WdfCollectionGetLastItem(c) == a);

    /* A deleted item stays (referenced) until removed. */
    WdfObjectDelete(a);
    CHECK_EQ(atomic_load(&destroyed), 0);
    CHECK(WdfCollectionGetItem(c, 0) == a);
    WdfCollectionRemove(c, a); /* the first entry only */
    CHECK_EQ(WdfCollectionGetCount(c), 2);
    CHECK(WdfCollectionGetFirstItem(c) == b);
    CHECK_EQ(atomic_load(&destroyed), 0);
    WdfCollectionRemoveItem(c, 1); /* a's last entry: its last reference */
    CHECK_EQ(atomic_load(&destroyed), 1);
    CHECK_EQ(WdfCollectionGetCount(c), 1);

    /* The collection's destroy drops what it still holds. */
    WdfObjectDelete(b);
    WdfObjectDelete(c);
    CHECK_EQ(atomic_load(&destroyed), 2);
}

static void collection_bad_input(void) {
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFCOLLECTION c;
    CHECK_STATUS(WdfCollectionCreate(NULL, NULL), STATUS_INVALID_PARAMETER);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ExecutionLevel = WdfExecutionLevelPassive; /* collections take no level */
    c = (WDFCOLLECTION)&attributes;
    CHECK_STATUS(WdfCollectionCreate(&attributes, &c), STATUS_WDF_EXECUTION_LEVEL_INVALID);
    CHECK(c == NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1);

    REQUIRE_STATUS(WdfCollectionCreate(WDF_NO_OBJECT_ATTRIBUTES, &c), STATUS_SUCCESS);
    WDFOBJECT o = make_object(NULL);
    WdfCollectionRemove(c, o);     /* not there */
    WdfCollectionRemoveItem(c, 0); /* empty */
    CHECK_STATUS(WdfCollectionAdd(c, NULL), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfCollectionAdd(NULL, o), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfCollectionAdd((WDFCOLLECTION)o, o), STATUS_INVALID_HANDLE); /* not a collection */
    CHECK_EQ(WdfCollectionGetCount(NULL), 0);
    CHECK(WdfCollectionGetItem(NULL, 0) == NULL);
    CHECK_EQ(WdfCollectionGetCount(c), 0); /* nothing was added */
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 8);
    WdfObjectDelete(o);
    WdfObjectDelete(c);
    CHECK_EQ(WdfCollectionGetCount(c), 0);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 9);
}

const compat_test collection_tests[] = {
    {"generic_objects_parent_others", generic_objects_parent_others},
    {"collection_keeps_order_duplicates_and_references", collection_keeps_order_duplicates_and_references},
    {"collection_bad_input", collection_bad_input},
    {NULL, NULL},
};
