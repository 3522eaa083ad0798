/* Context areas (driver spec §1.3): declared types, the primary area made
 * with the object, WdfObjectAllocateContext, the callbacks' order, lookups
 * in the destroy callback, and bad input. */
#include "compat_test.h"
#include "context_types.h"

#include <string.h>

static NTSTATUS make_memory(PWDF_OBJECT_ATTRIBUTES attributes, WDFMEMORY* memory) {
    return WdfMemoryCreate(attributes, NonPagedPool, 0, 64, memory, NULL);
}

static int all_zero(const void* p, size_t n) {
    const unsigned char* b = (const unsigned char*)p;
    for (size_t i = 0; i < n; ++i)
        if (b[i]) return 0;
    return 1;
}

static void primary_context_is_zeroed_and_found_by_type(void) {
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, DISK_CONTEXT);
    WDFMEMORY memory;
    REQUIRE_STATUS(make_memory(&attributes, &memory), STATUS_SUCCESS);
    DISK_CONTEXT* c = GetDiskContext(memory);
    CHECK(c != NULL);
    if (!c) return;
    CHECK(all_zero(c, sizeof *c));
    CHECK(WdfObjectGetTypedContext(memory, DISK_CONTEXT) == c);
    CHECK(disk_context_from_other_unit(memory) == c); /* one type info program-wide */
    CHECK(WdfObjectGet_STATS(memory) == NULL);        /* a type it lacks */
    CHECK(WdfObjectContextGetObject(c) == (WDFOBJECT)memory);
    c->Value = 7;
    CHECK_EQ(GetDiskContext(memory)->Value, 7);
    WdfObjectDelete(memory);
}

static void size_override_enlarges_the_area(void) {
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, STATS);
    attributes.ContextSizeOverride = 4096;
    WDFMEMORY memory;
    REQUIRE_STATUS(make_memory(&attributes, &memory), STATUS_SUCCESS);
    unsigned char* area = (unsigned char*)WdfObjectGet_STATS(memory);
    CHECK(area != NULL);
    if (area) {
        CHECK(all_zero(area, 4096));
        memset(area, 0xAB, 4096); /* all of it is ours (ASan checks) */
    }
    WdfObjectDelete(memory);
}

/* What the callbacks saw, in order: 'o' object, 'a' first added context, 'b' second. */
static char seen[16];
static size_t seen_count;
static void note(char c) {
    if (seen_count < sizeof seen - 1) seen[seen_count++] = c;
}
static void object_cleanup(WDFOBJECT o) {
    (void)o;
    note('o');
}
static void object_destroy(WDFOBJECT o) {
    DISK_CONTEXT* c = GetDiskContext(o); /* still there in the destroy callback (R1.8) */
    note(c && c->Value == 42 ? 'O' : '!');
}
static void a_cleanup(WDFOBJECT o) {
    (void)o;
    note('a');
}
static void a_destroy(WDFOBJECT o) {
    STATS* s = WdfObjectGet_STATS(o);
    note(s && s->Counter == 5 ? 'A' : '!');
}
static void b_cleanup(WDFOBJECT o) {
    (void)o;
    note('b');
}
static void b_destroy(WDFOBJECT o) {
    (void)o;
    note('B');
}

typedef struct {
    int Unused;
} EXTRA;
WDF_DECLARE_CONTEXT_TYPE(EXTRA)

static void added_contexts_run_their_callbacks_after_the_objects(void) {
    seen_count = 0;
    memset(seen, 0, sizeof seen);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, DISK_CONTEXT);
    attributes.EvtCleanupCallback = object_cleanup;
    attributes.EvtDestroyCallback = object_destroy;
    WDFMEMORY memory;
    REQUIRE_STATUS(make_memory(&attributes, &memory), STATUS_SUCCESS);
    GetDiskContext(memory)->Value = 42;

    WDF_OBJECT_ATTRIBUTES extra;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&extra, STATS);
    extra.EvtCleanupCallback = a_cleanup;
    extra.EvtDestroyCallback = a_destroy;
    PVOID area = NULL;
    CHECK_STATUS(WdfObjectAllocateContext(memory, &extra, &area), STATUS_SUCCESS);
    CHECK(area != NULL && area == WdfObjectGet_STATS(memory));
    CHECK(area && all_zero(area, sizeof(STATS)));
    CHECK(WdfObjectContextGetObject(area) == (WDFOBJECT)memory);
    if (area) ((STATS*)area)->Counter = 5;

    /* The same type again: the existing area, a success-class status, and
     * the new callbacks dropped (no second 'a' below). */
    PVOID again = NULL;
    CHECK_STATUS(WdfObjectAllocateContext(memory, &extra, &again), STATUS_OBJECT_NAME_EXISTS);
    CHECK(again == area);
    CHECK(NT_SUCCESS(STATUS_OBJECT_NAME_EXISTS));

    WDF_OBJECT_ATTRIBUTES second;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&second, EXTRA);
    second.EvtCleanupCallback = b_cleanup;
    second.EvtDestroyCallback = b_destroy;
    CHECK_STATUS(WdfObjectAllocateContext(memory, &second, NULL), STATUS_SUCCESS);

    WdfObjectReference(memory); /* keeps the contexts after delete */
    WdfObjectDelete(memory);
    CHECK(strcmp(seen, "oab") == 0);
    CHECK_EQ(GetDiskContext(memory)->Value, 42); /* referenced: still valid */
    WdfObjectDereference(memory);
    if (strcmp(seen, "oabOAB") != 0) {
        fprintf(stderr, "callbacks ran as \"%s\"\n", seen);
        CHECK(!"object cleanup, context cleanups in order, then the destroys in the same order");
    }
}

static NTSTATUS allocate_in_cleanup_status;
static void allocate_in_cleanup(WDFOBJECT o) {
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, STATS);
    allocate_in_cleanup_status = WdfObjectAllocateContext(o, &attributes, NULL);
}

static void allocate_on_an_object_being_deleted_is_delete_pending(void) {
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = allocate_in_cleanup;
    WDFMEMORY memory;
    REQUIRE_STATUS(make_memory(&attributes, &memory), STATUS_SUCCESS);
    allocate_in_cleanup_status = STATUS_SUCCESS;
    WdfObjectDelete(memory);
    CHECK_STATUS(allocate_in_cleanup_status, STATUS_DELETE_PENDING);
}

/* Contexts work on every kind of handle: a request here. */
static void requests_carry_contexts_too(void) {
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, STATS);
    WDFREQUEST request;
    REQUIRE_STATUS(WdfRequestCreate(&attributes, NULL, &request), STATUS_SUCCESS);
    STATS* s = WdfObjectGet_STATS(request);
    CHECK(s != NULL && s->Counter == 0);
    WDF_OBJECT_ATTRIBUTES more;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&more, DISK_CONTEXT);
    CHECK_STATUS(WdfObjectAllocateContext(request, &more, NULL), STATUS_SUCCESS);
    CHECK(GetDiskContext(request) != NULL);
    WdfObjectDelete(request);
}

static void context_bad_input(void) {
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFMEMORY memory;
    WDF_OBJECT_ATTRIBUTES attributes;

    /* Type info: a wrong Size, a size without a name, an override below the type's size. */
    WDF_OBJECT_CONTEXT_TYPE_INFO info = {sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), "T", 16, NULL, NULL};
    info.UniqueType = &info;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ContextTypeInfo = &info;
    info.Size = 5;
    CHECK_STATUS(make_memory(&attributes, &memory), STATUS_INFO_LENGTH_MISMATCH);
    info.Size = sizeof info;
    info.ContextName = NULL;
    CHECK_STATUS(make_memory(&attributes, &memory), STATUS_WDF_OBJECT_ATTRIBUTES_INVALID);
    info.ContextName = "T";
    attributes.ContextSizeOverride = 8;
    CHECK_STATUS(make_memory(&attributes, &memory), STATUS_WDF_OBJECT_ATTRIBUTES_INVALID);
    CHECK_EQ(WdfioHostVerifierViolations(), reported); /* refused with a status, not reported */

    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    REQUIRE_STATUS(make_memory(&attributes, &memory), STATUS_SUCCESS);
    CHECK(GetDiskContext(memory) == NULL); /* made without a type: every lookup is NULL */

    /* WdfObjectAllocateContext: attributes required, a type required, no parent, a bad Size. */
    PVOID area = (PVOID)&info;
    CHECK_STATUS(WdfObjectAllocateContext(memory, NULL, &area), STATUS_WDF_PARENT_NOT_SPECIFIED);
    CHECK(area == NULL);
    CHECK_STATUS(WdfObjectAllocateContext(memory, &attributes, NULL), STATUS_OBJECT_NAME_INVALID);
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, STATS);
    attributes.ParentObject = memory;
    CHECK_STATUS(WdfObjectAllocateContext(memory, &attributes, NULL), STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED);
    attributes.ParentObject = NULL;
    attributes.Size = 8;
    CHECK_STATUS(WdfObjectAllocateContext(memory, &attributes, NULL), STATUS_INFO_LENGTH_MISMATCH);
    CHECK(WdfObjectGet_STATS(memory) == NULL); /* nothing was added */
    CHECK_EQ(WdfioHostVerifierViolations(), reported);

    /* Handles and pointers: each a verifier report. */
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, STATS);
    CHECK_STATUS(WdfObjectAllocateContext(NULL, &attributes, NULL), STATUS_INVALID_HANDLE);
    CHECK(GetDiskContext(NULL) == NULL);
    CHECK(WdfObjectGetTypedContextWorker(memory, NULL) == NULL);
    int not_a_context = 0;
    CHECK(WdfObjectContextGetObject(&not_a_context) == NULL);
    CHECK(WdfObjectContextGetObject(NULL) == NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 5);

    /* After the object is gone, neither the handle nor its areas are found. */
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, STATS);
    PVOID stats = NULL;
    CHECK_STATUS(WdfObjectAllocateContext(memory, &attributes, &stats), STATUS_SUCCESS);
    WdfObjectDelete(memory);
    CHECK(WdfObjectGet_STATS(memory) == NULL);
    CHECK(WdfObjectContextGetObject(stats) == NULL);
    CHECK_STATUS(WdfObjectAllocateContext(memory, &attributes, NULL), STATUS_INVALID_HANDLE);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 8);
}

const compat_test context_tests[] = {
    {"primary_context_is_zeroed_and_found_by_type", primary_context_is_zeroed_and_found_by_type},
    {"size_override_enlarges_the_area", size_override_enlarges_the_area},
    {"added_contexts_run_their_callbacks_after_the_objects", added_contexts_run_their_callbacks_after_the_objects},
    {"allocate_on_an_object_being_deleted_is_delete_pending", allocate_on_an_object_being_deleted_is_delete_pending},
    {"requests_carry_contexts_too", requests_carry_contexts_too},
    {"context_bad_input", context_bad_input},
    {NULL, NULL},
};
