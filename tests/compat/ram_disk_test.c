/* A RAM disk from C: data written reads back, the end of the disk, block
 * ioctls, the synchronous helpers' bad input, bad creation arguments. */
#include "compat_test.h"

#include <linux/fs.h>
#include <stdint.h>
#include <string.h>

#define DISK_SIZE (1u << 20)
#define DISK_NAME "\\Device\\CompatRamDisk"

static WDFDEVICE disk;
static WDFIOTARGET target;

/* The disk, and a target opened on it by name. 0 if that failed. */
static int open_disk(ULONG sector_size) {
    disk = NULL;
    target = NULL;
    if (WdfioRamDiskCreate(DISK_SIZE, sector_size, DISK_NAME, &disk) != STATUS_SUCCESS) return 0;
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(DISK_NAME), GENERIC_READ | GENERIC_WRITE);
    if (WdfIoTargetCreate(disk, WDF_NO_OBJECT_ATTRIBUTES, &target) != STATUS_SUCCESS) return 0;
    return WdfIoTargetOpen(target, &open) == STATUS_SUCCESS;
}

static void close_disk(void) { WdfObjectDelete(disk); /* the target is its child: deleted first */ }

static void data_written_reads_back(void) {
    if (!open_disk(0)) {
        CHECK(!"open_disk");
        close_disk();
        return;
    }
    static unsigned char out[8192], in[8192];
    const LONGLONG offsets[] = {0, 512, 4096 * 7, DISK_SIZE - sizeof out};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; ++i) {
        LONGLONG offset = offsets[i];
        fill_pattern(out, sizeof out, (unsigned)i + 1);
        memset(in, 0, sizeof in);
        WDF_MEMORY_DESCRIPTOR write_from, read_into;
        WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&write_from, out, sizeof out);
        WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&read_into, in, sizeof in);
        ULONG_PTR bytes = 0;
        CHECK_STATUS(WdfIoTargetSendWriteSynchronously(target, NULL, &write_from, &offset, NULL, &bytes),
                     STATUS_SUCCESS);
        CHECK_EQ(bytes, sizeof out);
        CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &read_into, &offset, NULL, &bytes), STATUS_SUCCESS);
        CHECK_EQ(bytes, sizeof in);
        CHECK(memcmp(in, out, sizeof in) == 0);
    }
    /* A memory handle with a window: 1000 bytes from offset 24 of the buffer, at device offset 3072. */
    WDFMEMORY memory;
    PVOID buffer;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 2048, &memory, &buffer), STATUS_SUCCESS);
    fill_pattern(buffer, 2048, 99);
    WDFMEMORY_OFFSET window = {24, 1000};
    WDF_MEMORY_DESCRIPTOR described;
    WDF_MEMORY_DESCRIPTOR_INIT_HANDLE(&described, memory, &window);
    LONGLONG offset = 3072;
    ULONG_PTR bytes = 0;
    CHECK_STATUS(WdfIoTargetSendWriteSynchronously(target, NULL, &described, &offset, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, 1000);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&described, in, 1000);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &described, &offset, NULL, &bytes), STATUS_SUCCESS);
    CHECK(memcmp(in, (unsigned char*)buffer + 24, 1000) == 0);
    /* No device offset: 0. */
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&described, in, 512);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &described, NULL, NULL, NULL), STATUS_SUCCESS);
    fill_pattern(out, sizeof out, 1);
    CHECK(memcmp(in, out, 512) == 0);
    WdfObjectDelete(memory);
    close_disk();
}

static void the_end_of_the_disk(void) {
    if (!open_disk(512)) {
        CHECK(!"open_disk");
        close_disk();
        return;
    }
    static unsigned char buffer[4096];
    WDF_MEMORY_DESCRIPTOR described;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&described, buffer, sizeof buffer);
    ULONG_PTR bytes = 99;
    LONGLONG offset = DISK_SIZE;
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &described, &offset, NULL, &bytes), STATUS_END_OF_FILE);
    CHECK_EQ(bytes, 0);
    offset = DISK_SIZE - 1000;
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &described, &offset, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(bytes, 1000); /* crosses the end: short */
    CHECK_STATUS(WdfIoTargetSendWriteSynchronously(target, NULL, &described, &offset, NULL, &bytes), STATUS_DISK_FULL);
    CHECK_EQ(bytes, 0);
    offset = -512;
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &described, &offset, NULL, &bytes),
                 STATUS_INVALID_PARAMETER);
    close_disk();
}

static void block_ioctls(void) {
    if (!open_disk(4096)) {
        CHECK(!"open_disk");
        close_disk();
        return;
    }
    uint64_t size = 0;
    int sector = 0;
    WDF_MEMORY_DESCRIPTOR out;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, &size, sizeof size);
    ULONG_PTR bytes = 0;
    CHECK_STATUS(WdfIoTargetSendIoctlSynchronously(target, NULL, BLKGETSIZE64, NULL, &out, NULL, &bytes),
                 STATUS_SUCCESS);
    CHECK_EQ(bytes, 8);
    CHECK_EQ(size, DISK_SIZE);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, &sector, sizeof sector);
    CHECK_STATUS(WdfIoTargetSendIoctlSynchronously(target, NULL, BLKSSZGET, NULL, &out, NULL, &bytes), STATUS_SUCCESS);
    CHECK_EQ(sector, 4096);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, &size, 4);
    CHECK_STATUS(WdfIoTargetSendIoctlSynchronously(target, NULL, BLKGETSIZE64, NULL, &out, NULL, &bytes),
                 STATUS_BUFFER_TOO_SMALL);
    CHECK_STATUS(WdfIoTargetSendIoctlSynchronously(target, NULL, 0x1234, NULL, &out, NULL, NULL),
                 STATUS_INVALID_DEVICE_REQUEST);
    /* The disk has no internal ioctls: its answer. */
    CHECK_STATUS(WdfIoTargetSendInternalIoctlSynchronously(target, NULL, 7, NULL, &out, NULL, NULL),
                 STATUS_INVALID_DEVICE_REQUEST);
    CHECK_STATUS(WdfIoTargetSendInternalIoctlOthersSynchronously(target, NULL, 7, &out, NULL, NULL, NULL, NULL),
                 STATUS_INVALID_DEVICE_REQUEST);
    close_disk();
}

static void synchronous_helpers_bad_input(void) {
    if (!open_disk(512)) {
        CHECK(!"open_disk");
        close_disk();
        return;
    }
    unsigned char buffer[512];
    WDF_MEMORY_DESCRIPTOR good, bad;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&good, buffer, sizeof buffer);
    ULONG_PTR bytes = 77;
    WDF_REQUEST_SEND_OPTIONS options;
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, 0);
    options.Size = 8;
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &good, NULL, &options, &bytes),
                 STATUS_INFO_LENGTH_MISMATCH);
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET | WDF_REQUEST_SEND_OPTION_TIMEOUT);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &good, NULL, &options, &bytes),
                 STATUS_INVALID_PARAMETER);
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, 0x100);
    CHECK_STATUS(WdfIoTargetSendWriteSynchronously(target, NULL, &good, NULL, &options, &bytes),
                 STATUS_INVALID_PARAMETER);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&bad, NULL, 512);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &bad, NULL, NULL, &bytes), STATUS_INVALID_PARAMETER);
    bad.Type = WdfMemoryDescriptorTypeMdl;
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &bad, NULL, NULL, &bytes), STATUS_INVALID_PARAMETER);
    bad.Type = (WDF_MEMORY_DESCRIPTOR_TYPE)42;
    CHECK_STATUS(WdfIoTargetSendIoctlSynchronously(target, NULL, 1, &bad, NULL, NULL, &bytes),
                 STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfIoTargetSendIoctlSynchronously(target, NULL, 1, NULL, &bad, NULL, &bytes),
                 STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfIoTargetSendInternalIoctlOthersSynchronously(target, NULL, 1, NULL, NULL, &bad, NULL, &bytes),
                 STATUS_INVALID_PARAMETER);
    WDFMEMORY memory;
    REQUIRE_STATUS(WdfMemoryCreate(NULL, NonPagedPool, 0, 512, &memory, NULL), STATUS_SUCCESS);
    WDFMEMORY_OFFSET outside = {256, 512};
    WDF_MEMORY_DESCRIPTOR_INIT_HANDLE(&bad, memory, &outside);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(target, NULL, &bad, NULL, NULL, &bytes), STATUS_INTEGER_OVERFLOW);
    CHECK_STATUS(WdfIoTargetSendInternalIoctlOthersSynchronously(target, NULL, 1, &bad, NULL, NULL, NULL, &bytes),
                 STATUS_INTEGER_OVERFLOW);
    CHECK_EQ(bytes, 77); /* nothing was formatted: untouched */
    WdfObjectDelete(memory);
    close_disk();
}

static void bad_creation_arguments(void) {
    WDFDEVICE d = (WDFDEVICE)(uintptr_t)1, other;
    CHECK_STATUS(WdfioRamDiskCreate(0, 512, NULL, &d), STATUS_INVALID_PARAMETER);
    CHECK(d == NULL);
    CHECK_STATUS(WdfioRamDiskCreate(1000, 512, NULL, &d), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioRamDiskCreate(4096, 1024, NULL, &d), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioRamDiskCreate(4096, 512, NULL, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfioRamDiskCreate(4096, 512, "NoPrefix", &d), STATUS_OBJECT_NAME_INVALID);
    REQUIRE_STATUS(WdfioRamDiskCreate(4096, 512, "\\Device\\CompatDup", &d), STATUS_SUCCESS);
    CHECK_STATUS(WdfioRamDiskCreate(4096, 512, "\\Device\\CompatDup", &other), STATUS_OBJECT_NAME_COLLISION);
    WdfObjectDelete(d);
    REQUIRE_STATUS(WdfioRamDiskCreate(4096, 512, "\\Device\\CompatDup", &d), STATUS_SUCCESS); /* free again */
    WdfObjectDelete(d);
}

static void a_deleted_disk_is_gone(void) {
    if (!open_disk(512)) {
        CHECK(!"open_disk");
        close_disk();
        return;
    }
    /* A second target, not the disk's child, outlives the disk. */
    WDFIOTARGET survivor;
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, UNICODE_NAME(DISK_NAME), GENERIC_READ);
    REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &survivor), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfIoTargetOpen(survivor, &open), STATUS_SUCCESS);
    close_disk();
    CHECK_EQ(WdfIoTargetGetState(target), WdfIoTargetStateUndefined); /* the child target went with it */
    unsigned char buffer[512];
    WDF_MEMORY_DESCRIPTOR described;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&described, buffer, sizeof buffer);
    CHECK_STATUS(WdfIoTargetSendReadSynchronously(survivor, NULL, &described, NULL, NULL, NULL),
                 STATUS_INVALID_DEVICE_STATE);
    WDFIOTARGET late;
    REQUIRE_STATUS(WdfIoTargetCreate(NULL, NULL, &late), STATUS_SUCCESS);
    CHECK_STATUS(WdfIoTargetOpen(late, &open), STATUS_OBJECT_NAME_NOT_FOUND);
    WdfObjectDelete(late);
    WdfObjectDelete(survivor);
}

const compat_test ram_disk_tests[] = {
    {"RamDisk.DataWrittenReadsBack", data_written_reads_back},
    {"RamDisk.TheEndOfTheDisk", the_end_of_the_disk},
    {"RamDisk.BlockIoctls", block_ioctls},
    {"RamDisk.SynchronousHelpersBadInput", synchronous_helpers_bad_input},
    {"RamDisk.BadCreationArguments", bad_creation_arguments},
    {"RamDisk.ADeletedDiskIsGone", a_deleted_disk_is_gone},
    {NULL, NULL},
};
