/* WdfLookasideListCreate and WdfMemoryCreateFromLookaside (driver spec §9.3). */
#include "compat_test.h"

#include <stdint.h>
#include <string.h>

typedef struct {
    int Serial;
} PACKET;
WDF_DECLARE_CONTEXT_TYPE(PACKET)

static int packets_cleaned;
static void packet_cleanup(WDFOBJECT object) {
    (void)object;
    ++packets_cleaned;
}

static void memory_from_a_list_has_its_size_and_its_buffer_goes_back(void) {
    WDFLOOKASIDE list = NULL;
    REQUIRE_STATUS(WdfLookasideListCreate(WDF_NO_OBJECT_ATTRIBUTES, 100, NonPagedPoolNx, WDF_NO_OBJECT_ATTRIBUTES,
                                          0x6b6f6f4c, &list),
                   STATUS_SUCCESS);
    CHECK(list != NULL);
    WDFMEMORY first = NULL, second = NULL;
    REQUIRE_STATUS(WdfMemoryCreateFromLookaside(list, &first), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfMemoryCreateFromLookaside(list, &second), STATUS_SUCCESS);
    size_t size = 0;
    unsigned char* a = (unsigned char*)WdfMemoryGetBuffer(first, &size);
    CHECK_EQ(size, 100);
    unsigned char* b = (unsigned char*)WdfMemoryGetBuffer(second, NULL);
    CHECK(a != NULL && b != NULL && a != b);
    memset(a, 0x11, 100); /* each its own 100 bytes */
    memset(b, 0x22, 100);
    CHECK(a[99] == 0x11 && b[0] == 0x22);
    /* Only preallocated memory is re-pointed. */
    char other[8];
    CHECK_STATUS(WdfMemoryAssignBuffer(first, other, sizeof other), STATUS_INVALID_PARAMETER);
    CHECK(WdfMemoryGetBuffer(first, NULL) == a);

    /* A deleted memory object's buffer is the next one handed out. */
    WdfObjectDelete(first);
    WDFMEMORY third = NULL;
    REQUIRE_STATUS(WdfMemoryCreateFromLookaside(list, &third), STATUS_SUCCESS);
    CHECK(WdfMemoryGetBuffer(third, NULL) == a);
    WdfObjectDelete(third);
    WdfObjectDelete(second);
    WdfObjectDelete(list);
}

static void a_page_sized_buffer_is_page_aligned(void) {
    WDFLOOKASIDE list;
    REQUIRE_STATUS(WdfLookasideListCreate(NULL, 8192, NonPagedPool, NULL, 0, &list), STATUS_SUCCESS);
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreateFromLookaside(list, &memory), STATUS_SUCCESS);
    CHECK_EQ((uintptr_t)WdfMemoryGetBuffer(memory, NULL) % 4096, 0); /* usable with O_DIRECT */
    WdfObjectDelete(memory);
    WdfObjectDelete(list);
}

static void each_memory_gets_the_lists_memory_attributes(void) {
    WDFOBJECT parent;
    REQUIRE_STATUS(WdfObjectCreate(NULL, &parent), STATUS_SUCCESS);
    WDF_OBJECT_ATTRIBUTES memory_attributes;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&memory_attributes, PACKET);
    memory_attributes.EvtCleanupCallback = packet_cleanup;
    memory_attributes.ParentObject = parent;
    WDFLOOKASIDE list;
    REQUIRE_STATUS(WdfLookasideListCreate(NULL, 32, NonPagedPool, &memory_attributes, 0, &list), STATUS_SUCCESS);
    packets_cleaned = 0;
    WDFMEMORY memory[3];
    for (int i = 0; i < 3; ++i) {
        REQUIRE_STATUS(WdfMemoryCreateFromLookaside(list, &memory[i]), STATUS_SUCCESS);
        PACKET* packet = WdfObjectGet_PACKET(memory[i]);
        CHECK(packet != NULL && packet->Serial == 0); /* a zeroed context per memory */
        if (packet) packet->Serial = i + 1;
    }
    CHECK(WdfObjectGet_PACKET(memory[2])->Serial == 3);
    WdfObjectDelete(memory[0]);
    CHECK_EQ(packets_cleaned, 1);
    /* The memories are the parent's children, not the list's: deleting the
     * list leaves them; deleting the parent takes them. */
    WdfObjectDelete(list);
    CHECK(WdfMemoryGetBuffer(memory[1], NULL) != NULL);
    memset(WdfMemoryGetBuffer(memory[1], NULL), 0x33, 32);
    WdfObjectDelete(parent);
    CHECK_EQ(packets_cleaned, 3);
    CHECK_EQ(WdfioHostObjectCount(), 0);
}

static void memory_outlives_its_deleted_list(void) {
    WDFLOOKASIDE list;
    REQUIRE_STATUS(WdfLookasideListCreate(NULL, 64, NonPagedPool, NULL, 0, &list), STATUS_SUCCESS);
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreateFromLookaside(list, &memory), STATUS_SUCCESS);
    WdfObjectDelete(list);
    WDFMEMORY none = (WDFMEMORY)(uintptr_t)1;
    CHECK_STATUS(WdfMemoryCreateFromLookaside(list, &none), STATUS_INVALID_HANDLE);
    CHECK(none == NULL);
    unsigned char in[64], out[64];
    fill_pattern(in, sizeof in, 7);
    CHECK_STATUS(WdfMemoryCopyFromBuffer(memory, 0, in, sizeof in), STATUS_SUCCESS);
    CHECK_STATUS(WdfMemoryCopyToBuffer(memory, 0, out, sizeof out), STATUS_SUCCESS);
    CHECK(memcmp(in, out, sizeof in) == 0);
    WdfObjectDelete(memory);
}

static void memory_whose_parent_went_is_refused(void) {
    WDFOBJECT parent;
    REQUIRE_STATUS(WdfObjectCreate(NULL, &parent), STATUS_SUCCESS);
    WDF_OBJECT_ATTRIBUTES memory_attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&memory_attributes);
    memory_attributes.ParentObject = parent;
    WDFLOOKASIDE list;
    REQUIRE_STATUS(WdfLookasideListCreate(NULL, 16, NonPagedPool, &memory_attributes, 0, &list), STATUS_SUCCESS);
    WdfObjectDelete(parent);
    WDFMEMORY memory = (WDFMEMORY)(uintptr_t)1;
    CHECK_STATUS(WdfMemoryCreateFromLookaside(list, &memory), STATUS_INVALID_HANDLE);
    CHECK(memory == NULL);
    WdfObjectDelete(list);
}

static void a_paged_list_and_its_memory_share_a_device(void) {
    WDFDEVICE one, two;
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &one), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &two), STATUS_SUCCESS);
    WDF_OBJECT_ATTRIBUTES list_attributes, memory_attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&list_attributes);
    list_attributes.ParentObject = one;
    WDF_OBJECT_ATTRIBUTES_INIT(&memory_attributes);
    memory_attributes.ParentObject = two;
    WDFLOOKASIDE list = (WDFLOOKASIDE)(uintptr_t)1;
    CHECK_STATUS(WdfLookasideListCreate(&list_attributes, 16, PagedPool, &memory_attributes, 0, &list),
                 STATUS_INVALID_PARAMETER);
    CHECK(list == NULL);
    /* Non-paged: no such rule. */
    REQUIRE_STATUS(WdfLookasideListCreate(&list_attributes, 16, NonPagedPool, &memory_attributes, 0, &list),
                   STATUS_SUCCESS);
    WdfObjectDelete(list);
    /* Paged, both under one device. */
    memory_attributes.ParentObject = one;
    REQUIRE_STATUS(WdfLookasideListCreate(&list_attributes, 16, PagedPool, &memory_attributes, 0, &list),
                   STATUS_SUCCESS);
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreateFromLookaside(list, &memory), STATUS_SUCCESS);
    WdfObjectDelete(one); /* takes the list and the memory */
    CHECK(WdfMemoryGetBuffer(memory, NULL) == NULL);
    WdfObjectDelete(two);
}

static void lookaside_bad_input(void) {
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFLOOKASIDE list = (WDFLOOKASIDE)(uintptr_t)1;
    CHECK_STATUS(WdfLookasideListCreate(NULL, 0, NonPagedPool, NULL, 0, &list), STATUS_INVALID_PARAMETER);
    CHECK(list == NULL);
    CHECK_STATUS(WdfLookasideListCreate(NULL, 16, NonPagedPool, NULL, 0, NULL), STATUS_INVALID_PARAMETER);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 1); /* the NULL out: a bugcheck on Windows */
    WDF_OBJECT_ATTRIBUTES bad;
    WDF_OBJECT_ATTRIBUTES_INIT(&bad);
    bad.Size = 8;
    CHECK_STATUS(WdfLookasideListCreate(&bad, 16, NonPagedPool, NULL, 0, &list), STATUS_INFO_LENGTH_MISMATCH);
    CHECK_STATUS(WdfLookasideListCreate(NULL, 16, NonPagedPool, &bad, 0, &list), STATUS_INFO_LENGTH_MISMATCH);
    WDF_OBJECT_ATTRIBUTES_INIT(&bad);
    bad.ExecutionLevel = WdfExecutionLevelPassive; /* neither object takes one */
    CHECK_STATUS(WdfLookasideListCreate(NULL, 16, NonPagedPool, &bad, 0, &list), STATUS_WDF_EXECUTION_LEVEL_INVALID);
    CHECK(list == NULL);

    WDFMEMORY memory = (WDFMEMORY)(uintptr_t)1;
    CHECK_STATUS(WdfMemoryCreateFromLookaside(NULL, &memory), STATUS_INVALID_HANDLE);
    CHECK(memory == NULL);
    WDFOBJECT object;
    REQUIRE_STATUS(WdfObjectCreate(NULL, &object), STATUS_SUCCESS);
    CHECK_STATUS(WdfMemoryCreateFromLookaside((WDFLOOKASIDE)object, &memory), STATUS_INVALID_HANDLE);
    WdfObjectDelete(object);
    REQUIRE_STATUS(WdfLookasideListCreate(NULL, 16, NonPagedPool, NULL, 0, &list), STATUS_SUCCESS);
    CHECK_STATUS(WdfMemoryCreateFromLookaside(list, NULL), STATUS_INVALID_PARAMETER);
    WdfObjectDelete(list);
    CHECK_EQ(WdfioHostObjectCount(), 0); /* the refusals left nothing */
}

const compat_test lookaside_tests[] = {
    {"Lookaside.MemoryFromAListHasItsSizeAndItsBufferGoesBack",
     memory_from_a_list_has_its_size_and_its_buffer_goes_back},
    {"Lookaside.APageSizedBufferIsPageAligned", a_page_sized_buffer_is_page_aligned},
    {"Lookaside.EachMemoryGetsTheListsMemoryAttributes", each_memory_gets_the_lists_memory_attributes},
    {"Lookaside.MemoryOutlivesItsDeletedList", memory_outlives_its_deleted_list},
    {"Lookaside.MemoryWhoseParentWentIsRefused", memory_whose_parent_went_is_refused},
    {"Lookaside.APagedListAndItsMemoryShareADevice", a_paged_list_and_its_memory_share_a_device},
    {"Lookaside.BadInput", lookaside_bad_input},
    {NULL, NULL},
};
