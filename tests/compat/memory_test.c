/* WdfMemoryCreate, WdfMemoryCreatePreallocated, WdfMemoryAssignBuffer, WdfMemoryGetBuffer. */
#include "compat_test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void created_memory_is_zeroed_aligned_and_sized(void) {
    WDFMEMORY memory = NULL;
    PVOID buffer = NULL;
    REQUIRE_STATUS(WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPoolNx, 0x74736554, 1000, &memory, &buffer),
                   STATUS_SUCCESS);
    CHECK(memory != NULL);
    CHECK(buffer != NULL);
    CHECK_EQ((uintptr_t)buffer % 4096, 0);
    size_t size = 0;
    CHECK(WdfMemoryGetBuffer(memory, &size) == buffer);
    CHECK_EQ(size, 1000);
    CHECK(WdfMemoryGetBuffer(memory, NULL) == buffer);
    const unsigned char* bytes = (const unsigned char*)buffer;
    int all_zero = 1;
    for (size_t i = 0; i < 1000; ++i) all_zero &= bytes[i] == 0;
    CHECK(all_zero);
    memset(buffer, 0x5A, 1000); /* writable */
    /* A framework-owned buffer cannot be re-pointed. */
    char other[16];
    CHECK_STATUS(WdfMemoryAssignBuffer(memory, other, sizeof other), STATUS_INVALID_PARAMETER);
    WdfObjectDelete(memory);
}

static void preallocated_memory_uses_the_callers_buffer(void) {
    static char first[64], second[32];
    WDFMEMORY memory = NULL;
    REQUIRE_STATUS(WdfMemoryCreatePreallocated(WDF_NO_OBJECT_ATTRIBUTES, first, sizeof first, &memory), STATUS_SUCCESS);
    size_t size = 0;
    CHECK(WdfMemoryGetBuffer(memory, &size) == first);
    CHECK_EQ(size, sizeof first);
    CHECK_STATUS(WdfMemoryAssignBuffer(memory, second, sizeof second), STATUS_SUCCESS);
    CHECK(WdfMemoryGetBuffer(memory, &size) == second);
    CHECK_EQ(size, sizeof second);
    CHECK_STATUS(WdfMemoryAssignBuffer(memory, NULL, 8), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfMemoryAssignBuffer(memory, second, 0), STATUS_INVALID_PARAMETER);
    CHECK(WdfMemoryGetBuffer(memory, NULL) == second); /* unchanged by the refusals */
    WdfObjectDelete(memory);
}

static void memory_bad_input(void) {
    WDFMEMORY memory = (WDFMEMORY)(uintptr_t)1;
    PVOID buffer = (PVOID)(uintptr_t)1;
    char raw[8];
    CHECK_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 0, &memory, &buffer), STATUS_INVALID_PARAMETER);
    CHECK(memory == NULL); /* outputs cleared on failure */
    CHECK(buffer == NULL);
    CHECK_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 16, NULL, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfMemoryCreatePreallocated(NULL, NULL, 16, &memory), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfMemoryCreatePreallocated(NULL, raw, 0, &memory), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfMemoryCreatePreallocated(NULL, raw, sizeof raw, NULL), STATUS_INVALID_PARAMETER);

    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.Size = 4;
    CHECK_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 16, &memory, NULL), STATUS_INFO_LENGTH_MISMATCH);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ContextSizeOverride = 64; /* enlarges a type; there is none */
    CHECK_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 16, &memory, NULL),
                 STATUS_WDF_OBJECT_ATTRIBUTES_INVALID);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ExecutionLevel = WdfExecutionLevelPassive; /* memory takes none (spec R1.1 step 8) */
    CHECK_STATUS(WdfMemoryCreatePreallocated(&attributes, raw, sizeof raw, &memory),
                 STATUS_WDF_EXECUTION_LEVEL_INVALID);
    attributes.ExecutionLevel = (WDF_EXECUTION_LEVEL)0; /* zeroed, not made by WDF_OBJECT_ATTRIBUTES_INIT */
    CHECK_STATUS(WdfMemoryCreatePreallocated(&attributes, raw, sizeof raw, &memory),
                 STATUS_WDF_OBJECT_ATTRIBUTES_INVALID);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeNone; /* always accepted */
    REQUIRE_STATUS(WdfMemoryCreatePreallocated(&attributes, raw, sizeof raw, &memory), STATUS_SUCCESS);
    WdfObjectDelete(memory);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = raw; /* not a handle */
    CHECK_STATUS(WdfMemoryCreate(&attributes, NonPagedPool, 0, 16, &memory, NULL), STATUS_INVALID_HANDLE);

    /* Bad handles: NULL, not a handle, a handle of another type. */
    size_t size = 99;
    CHECK(WdfMemoryGetBuffer(NULL, &size) == NULL);
    CHECK_EQ(size, 0);
    CHECK(WdfMemoryGetBuffer((WDFMEMORY)raw, NULL) == NULL);
    CHECK_STATUS(WdfMemoryAssignBuffer(NULL, raw, sizeof raw), STATUS_INVALID_HANDLE);
    WDFREQUEST request;
    REQUIRE_STATUS(WdfRequestCreate(NULL, NULL, &request), STATUS_SUCCESS);
    CHECK(WdfMemoryGetBuffer((WDFMEMORY)request, &size) == NULL);
    CHECK_STATUS(WdfMemoryAssignBuffer((WDFMEMORY)request, raw, sizeof raw), STATUS_INVALID_HANDLE);
    WdfObjectDelete(request);
    CHECK_EQ(WdfioHostObjectCount(), 0); /* the refused creations left nothing */
}

static void copy_to_and_from_a_memory_object(void) {
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 64, &memory, NULL), STATUS_SUCCESS);
    unsigned char in[16], out[16];
    fill_pattern(in, sizeof in, 3);
    CHECK_STATUS(WdfMemoryCopyFromBuffer(memory, 48, in, sizeof in), STATUS_SUCCESS); /* the last 16 bytes */
    memset(out, 0, sizeof out);
    CHECK_STATUS(WdfMemoryCopyToBuffer(memory, 48, out, sizeof out), STATUS_SUCCESS);
    CHECK(memcmp(in, out, sizeof in) == 0);
    const unsigned char* buffer = (const unsigned char*)WdfMemoryGetBuffer(memory, NULL);
    CHECK(buffer[47] == 0 && memcmp(buffer + 48, in, sizeof in) == 0);        /* nothing before the offset */
    CHECK_STATUS(WdfMemoryCopyFromBuffer(memory, 64, in, 0), STATUS_SUCCESS); /* nothing to copy */

    /* Past the end: nothing copied, KMDF's status for each direction. */
    const ULONGLONG reported = WdfioHostVerifierViolations();
    unsigned char before[64];
    memcpy(before, buffer, sizeof before);
    CHECK_STATUS(WdfMemoryCopyFromBuffer(memory, 65, in, 1), STATUS_INVALID_BUFFER_SIZE);
    CHECK_STATUS(WdfMemoryCopyFromBuffer(memory, 64, in, 1), STATUS_INVALID_BUFFER_SIZE);
    CHECK_STATUS(WdfMemoryCopyFromBuffer(memory, 56, in, 9), STATUS_BUFFER_TOO_SMALL);
    CHECK_STATUS(WdfMemoryCopyFromBuffer(memory, 0, in, (size_t)-1), STATUS_BUFFER_TOO_SMALL);
    CHECK(memcmp(before, buffer, sizeof before) == 0);
    memset(out, 0x5A, sizeof out);
    CHECK_STATUS(WdfMemoryCopyToBuffer(memory, 65, out, 1), STATUS_BUFFER_TOO_SMALL);
    CHECK_STATUS(WdfMemoryCopyToBuffer(memory, 60, out, 5), STATUS_BUFFER_TOO_SMALL);
    CHECK(out[0] == 0x5A);
    CHECK_EQ(WdfioHostVerifierViolations(), reported);
    /* NULL buffers and handles: reported. */
    CHECK_STATUS(WdfMemoryCopyFromBuffer(memory, 0, NULL, 1), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfMemoryCopyToBuffer(memory, 0, NULL, 1), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfMemoryCopyToBuffer(NULL, 0, out, 1), STATUS_INVALID_HANDLE);
    WdfObjectDelete(memory);
    CHECK_STATUS(WdfMemoryCopyFromBuffer(memory, 0, in, 1), STATUS_INVALID_HANDLE);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 4);
}

/* Registered memory: the data a real file gets and gives back through it (a
 * whole buffer and an offset window), and its bad input. */
static void registered_memory_reads_and_writes_a_file(void) {
    char path[] = "/tmp/wdfio-compat-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, 65536) != 0) {
        CHECK(!"temporary file");
        return;
    }
    WDFIOTARGET target;
    REQUIRE_STATUS(WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target), STATUS_SUCCESS);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(path), GENERIC_READ | GENERIC_WRITE);
    REQUIRE_STATUS(WdfIoTargetOpen(target, &open), STATUS_SUCCESS);

    WDFMEMORY out, in;
    PVOID out_buffer = NULL, in_buffer = NULL;
    REQUIRE_STATUS(WdfioMemoryCreateRegistered(WDF_NO_OBJECT_ATTRIBUTES, 8192, &out, &out_buffer), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioMemoryCreateRegistered(WDF_NO_OBJECT_ATTRIBUTES, 8192, &in, &in_buffer), STATUS_SUCCESS);
    size_t size = 0;
    CHECK(WdfMemoryGetBuffer(out, &size) == out_buffer);
    CHECK_EQ(size, 8192);
    CHECK_EQ((uintptr_t)out_buffer % 4096, 0);
    fill_pattern((unsigned char*)out_buffer, 8192, 7);

    WDF_MEMORY_DESCRIPTOR from, into;
    WDF_MEMORY_DESCRIPTOR_INIT_HANDLE(&from, out, NULL);
    LONGLONG offset = 4096;
    ULONG_PTR bytes = 0;
    CHECK_STATUS(WdfIoTargetSendWriteSynchronously(target, NULL, &from, &offset, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, 8192);
    unsigned char disk[8192];
    CHECK(pread(fd, disk, sizeof disk, 4096) == (ssize_t)sizeof disk);
    CHECK(memcmp(disk, out_buffer, sizeof disk) == 0);

    /* 100 bytes read into the middle of the other buffer; its other bytes stay 0. */
    WDFMEMORY_OFFSET window = {1000, 100};
    WDF_MEMORY_DESCRIPTOR_INIT_HANDLE(&into, in, &window);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &into, &offset, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, 100);
    const unsigned char* got = (const unsigned char*)in_buffer;
    CHECK(memcmp(got + 1000, out_buffer, 100) == 0);
    CHECK(got[999] == 0 && got[1100] == 0);

    WdfObjectDelete(out);
    WdfObjectDelete(in);
    WdfObjectDelete(target);
    close(fd);
    unlink(path);
}

static void registered_memory_bad_input(void) {
    WDFMEMORY memory = (WDFMEMORY)(uintptr_t)1;
    PVOID buffer = (PVOID)(uintptr_t)1;
    CHECK_STATUS(WdfioMemoryCreateRegistered(NULL, 0, &memory, &buffer), STATUS_INVALID_PARAMETER);
    CHECK(memory == NULL); /* outputs cleared on failure */
    CHECK(buffer == NULL);
    CHECK_STATUS(WdfioMemoryCreateRegistered(NULL, 4096, NULL, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioMemoryCreateRegistered(NULL, ((size_t)1 << 30) + 1, &memory, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioMemoryCreateRegistered(NULL, (size_t)-1, &memory, NULL), STATUS_INVALID_PARAMETER);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = &attributes; /* not a handle */
    CHECK_STATUS(WdfioMemoryCreateRegistered(&attributes, 4096, &memory, NULL), STATUS_INVALID_HANDLE);

    /* Every slot taken (io_uring: 1024 of them): a clear status, and the slots
     * come back with the memory. The worker-thread backend has no slots. */
    enum { kMore = 1030 };
    static WDFMEMORY made[kMore];
    int count = 0;
    NTSTATUS last = STATUS_SUCCESS;
    while (count < kMore && NT_SUCCESS(last = WdfioMemoryCreateRegistered(NULL, 4096, &made[count], NULL))) ++count;
    const char* backend = getenv("WDFIO_BACKEND");
    if (backend && strcmp(backend, "threads") == 0) {
        CHECK_EQ(count, kMore);
    } else {
        CHECK_EQ(count, 1024);
        CHECK_STATUS(last, STATUS_INSUFFICIENT_RESOURCES);
    }
    for (int i = 0; i < count; ++i) WdfObjectDelete(made[i]);
    REQUIRE_STATUS(WdfioMemoryCreateRegistered(NULL, 4096, &memory, NULL), STATUS_SUCCESS);
    WdfObjectDelete(memory);
    CHECK_EQ(WdfioHostObjectCount(), 0); /* the refused creations left nothing */
}

const compat_test memory_tests[] = {
    {"Memory.CreatedMemoryIsZeroedAlignedAndSized", created_memory_is_zeroed_aligned_and_sized},
    {"Memory.PreallocatedMemoryUsesTheCallersBuffer", preallocated_memory_uses_the_callers_buffer},
    {"Memory.BadInput", memory_bad_input},
    {"Memory.CopyToAndFromAMemoryObject", copy_to_and_from_a_memory_object},
    {"Memory.RegisteredMemoryReadsAndWritesAFile", registered_memory_reads_and_writes_a_file},
    {"Memory.RegisteredMemoryBadInput", registered_memory_bad_input},
    {NULL, NULL},
};
