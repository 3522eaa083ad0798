/* ExAllocatePool2 and the older pool calls, ExFreePool(WithTag), and
 * WdfioHostFailPoolAllocations. */
#include "compat_test.h"

#include <stdint.h>
#include <string.h>

#define TAG 0x74736554 /* 'Test' */

static int all_zero(const void* p, size_t n) {
    const unsigned char* b = (const unsigned char*)p;
    for (size_t i = 0; i < n; ++i)
        if (b[i]) return 0;
    return 1;
}

static char logged[1024];
static ULONG logged_level;
static void capture_log(ULONG level, const char* message, PVOID context) {
    (void)context;
    logged_level = level;
    snprintf(logged, sizeof logged, "%s", message);
}

static void allocations_are_zeroed_where_the_flags_say(void) {
    enum { kSize = 4000 };
    /* Dirty a block first, so a reused one shows whether zeroing happened. */
    unsigned char* dirty = (unsigned char*)ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED, kSize, TAG);
    REQUIRE_STATUS(dirty ? STATUS_SUCCESS : STATUS_NO_MEMORY, STATUS_SUCCESS);
    CHECK_EQ((uintptr_t)dirty % 16, 0);
    memset(dirty, 0xAB, kSize);
    ExFreePoolWithTag(dirty, TAG);
    void* p = ExAllocatePool2(POOL_FLAG_PAGED, kSize, TAG);
    CHECK(p != NULL && all_zero(p, kSize));
    ExFreePool(p);
    p = ExAllocatePoolZero(NonPagedPoolNx, kSize, TAG);
    CHECK(p != NULL && all_zero(p, kSize));
    ExFreePoolWithTag(p, TAG);
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_CACHE_ALIGNED, 100, TAG);
    CHECK(p != NULL && (uintptr_t)p % 64 == 0 && all_zero(p, 100));
    ExFreePool(p);
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_OPTIONAL_START, 8, TAG); /* optional: ignored */
    CHECK(p != NULL);
    ExFreePool(p);
}

static void older_calls(void) {
    void* p = ExAllocatePoolWithTag(NonPagedPool, 24, TAG);
    CHECK(p != NULL && (uintptr_t)p % 16 == 0);
    memset(p, 1, 24);
    ExFreePoolWithTag(p, TAG);
    p = ExAllocatePoolWithTag(PagedPoolCacheAligned, 24, TAG);
    CHECK(p != NULL && (uintptr_t)p % 64 == 0);
    ExFreePoolWithTag(p, 0); /* tag 0: any block */
    p = ExAllocatePoolUninitialized(PagedPool, 24, TAG);
    CHECK(p != NULL);
    ExFreePool(p);
    p = ExAllocatePool(NonPagedPoolNx, 24);
    CHECK(p != NULL);
    ExFreePool(p);
    /* Zero bytes: a valid block of its own, to be freed. */
    void* a = ExAllocatePool2(POOL_FLAG_NON_PAGED, 0, TAG);
    void* b = ExAllocatePoolWithTag(NonPagedPool, 0, TAG);
    CHECK(a != NULL && b != NULL && a != b);
    ExFreePool(a);
    ExFreePool(b);
}

static void pool_bad_input(void) {
    WdfioHostSetLogCallback(capture_log, NULL);
    CHECK(ExAllocatePool2(0, 8, TAG) == NULL); /* no pool kind */
    CHECK(strstr(logged, "ExAllocatePool2") != NULL);
    CHECK(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 8, TAG) == NULL); /* two kinds */
    CHECK(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_RESERVED2, 8, TAG) == NULL);
    CHECK(ExAllocatePool2(POOL_FLAG_NON_PAGED | 0x1000, 8, TAG) == NULL); /* an unknown required flag */
    CHECK(ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 0) == NULL);            /* tag 0 */
    CHECK(strstr(logged, "tag") != NULL);
    CHECK(ExAllocatePool2(POOL_FLAG_NON_PAGED, SIZE_MAX, TAG) == NULL);
    CHECK(ExAllocatePool2(POOL_FLAG_NON_PAGED, SIZE_MAX - 8, TAG) == NULL);
    CHECK(ExAllocatePoolWithTag((POOL_TYPE)3, 8, TAG) == NULL); /* not a pool type */
    CHECK(strstr(logged, "pool type 3") != NULL);
    CHECK(ExAllocatePoolZero((POOL_TYPE)999, 8, TAG) == NULL);
    CHECK(ExAllocatePoolUninitialized((POOL_TYPE)-1, 8, TAG) == NULL);
    CHECK(ExAllocatePool((POOL_TYPE)6, 8) == NULL);
    CHECK(ExAllocatePoolWithTag(PagedPool, SIZE_MAX, TAG) == NULL);

    logged[0] = '\0';
    ExFreePool(NULL);
    CHECK(strstr(logged, "NULL") != NULL);
    ExFreePoolWithTag(NULL, TAG);

    /* A pointer into a block, not its start: refused, the block untouched. */
    char* p = (char*)ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, TAG);
    REQUIRE_STATUS(p ? STATUS_SUCCESS : STATUS_NO_MEMORY, STATUS_SUCCESS);
    logged[0] = '\0';
    ExFreePool(p + 32);
    CHECK(strstr(logged, "not a live pool block") != NULL);
    /* A wrong tag: a warning, and the block is freed all the same. */
    logged[0] = '\0';
    ExFreePoolWithTag(p, 0x6B6F6F4C);
    CHECK(strstr(logged, "does not match") != NULL);
    CHECK_EQ(logged_level, 1);
    WdfioHostSetLogCallback(NULL, NULL);
}

static void injected_failures(void) {
    WdfioHostFailPoolAllocations(2);
    CHECK(ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, TAG) == NULL);
    CHECK(ExAllocatePoolWithTag(NonPagedPool, 8, TAG) == NULL);
    void* p = ExAllocatePoolZero(NonPagedPool, 8, TAG);
    CHECK(p != NULL);
    ExFreePool(p);
    WdfioHostFailPoolAllocations(5);
    WdfioHostFailPoolAllocations(0); /* ends it */
    p = ExAllocatePool(NonPagedPool, 8);
    CHECK(p != NULL);
    ExFreePool(p);
}

const compat_test pool_tests[] = {
    {"Pool.AllocationsAreZeroedWhereTheFlagsSay", allocations_are_zeroed_where_the_flags_say},
    {"Pool.OlderCalls", older_calls},
    {"Pool.BadInput", pool_bad_input},
    {"Pool.InjectedFailures", injected_failures},
    {NULL, NULL},
};
