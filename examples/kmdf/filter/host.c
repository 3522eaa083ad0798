/* The host for the counting filter: load the RAM-disk driver (the ramdisk
 * example's, built in with its DriverEntry renamed) and add its device, load
 * the filter and add its device above the disk, as the PnP manager builds a
 * stack. Then, opening the filter by name: writes that must land on the disk,
 * reads that must come from it, ioctls the disk answers and fails, requests
 * the disk refuses; the disk opened directly shows what reached it, and the
 * filter's own ioctl its counts. Exit 0 when all of it matched. */
#include <ntddk.h>
#include <wdf.h>

#include "../ramdisk/ramdisk.h"
#include "filter.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

DRIVER_INITIALIZE DriverEntry;        /* the filter */
DRIVER_INITIALIZE RamDiskDriverEntry; /* ramdisk.c's DriverEntry, renamed by the build */

enum { kBlocks = 8, kBlockSize = 4096 };
static unsigned char block[kBlockSize];

enum { kAsyncIoctls = 16 };
static atomic_int asyncDone;
static atomic_int asyncGood;

/* One of the ioctls sent at once: the disk's size, back through the
 * filter's completion routine. */
static VOID OnSizeDone(WDFREQUEST Request, WDFIOTARGET Target, PWDF_REQUEST_COMPLETION_PARAMS Params,
                       WDFCONTEXT Context) {
    UNREFERENCED_PARAMETER(Request);
    UNREFERENCED_PARAMETER(Target);
    const ULONGLONG* size = (const ULONGLONG*)WdfMemoryGetBuffer((WDFMEMORY)Context, NULL);
    if (Params->IoStatus.Status == STATUS_SUCCESS && Params->IoStatus.Information == sizeof(ULONGLONG) &&
        *size == RAMDISK_SIZE)
        atomic_fetch_add(&asyncGood, 1);
    atomic_fetch_add(&asyncDone, 1);
}

static int check(int ok, const char* what) {
    printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    return ok ? 0 : 1;
}

static NTSTATUS open_by_name(PCWSTR name, WDFIOTARGET* target) {
    UNICODE_STRING string;
    WDF_IO_TARGET_OPEN_PARAMS open;
    NTSTATUS status;
    RtlInitUnicodeString(&string, name);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &string, GENERIC_READ | GENERIC_WRITE);
    status = WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, target);
    if (NT_SUCCESS(status)) status = WdfIoTargetOpen(*target, &open);
    if (!NT_SUCCESS(status)) fprintf(stderr, "opening %ls: 0x%08X\n", name, (unsigned)status);
    return status;
}

static NTSTATUS transfer(WDFIOTARGET target, BOOLEAN write, int index, ULONG_PTR* bytes) {
    LONGLONG offset = (LONGLONG)index * kBlockSize;
    WDF_MEMORY_DESCRIPTOR descriptor;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&descriptor, block, kBlockSize);
    *bytes = 0;
    return write ? WdfIoTargetSendWriteSynchronously(target, WDF_NO_HANDLE, &descriptor, &offset, NULL, bytes)
                 : WdfIoTargetSendReadSynchronously(target, WDF_NO_HANDLE, &descriptor, &offset, NULL, bytes);
}

static int block_is(int fill) {
    for (int b = 0; b < kBlockSize; ++b)
        if (block[b] != (unsigned char)fill) return 0;
    return 1;
}

int main(void) {
    WDFDRIVER diskDriver, filterDriver;
    WDFDEVICE disk, filter;
    NTSTATUS status = WdfioDriverLoad(RamDiskDriverEntry, "RamDisk", &diskDriver);
    if (NT_SUCCESS(status)) status = WdfioDeviceAdd(diskDriver, WDF_NO_HANDLE, &disk);
    if (NT_SUCCESS(status)) status = WdfioDriverLoad(DriverEntry, "CountingFilter", &filterDriver);
    if (NT_SUCCESS(status)) status = WdfioDeviceAdd(filterDriver, disk, &filter);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "building the stack: 0x%08X\n", (unsigned)status);
        WdfioHostShutdown();
        return 1;
    }
    WDFIOTARGET top, bottom;
    if (!NT_SUCCESS(open_by_name(FILTER_DEVICE_NAME, &top)) ||
        !NT_SUCCESS(open_by_name(RAMDISK_DEVICE_NAME, &bottom))) {
        WdfioHostShutdown();
        return 1;
    }
    int failures = 0, bad = 0;
    ULONG_PTR bytes;

    /* Writes through the filter land on the disk. */
    for (int i = 0; i < kBlocks; ++i) {
        memset(block, 'A' + i, kBlockSize);
        status = transfer(top, TRUE, i, &bytes);
        if (status != STATUS_SUCCESS || bytes != kBlockSize) ++bad;
    }
    for (int i = 0; i < kBlocks; ++i) {
        memset(block, 0, kBlockSize);
        status = transfer(bottom, FALSE, i, &bytes);
        if (status != STATUS_SUCCESS || bytes != kBlockSize || !block_is('A' + i)) ++bad;
    }
    failures += check(bad == 0, "8 writes through the filter read back from the disk itself");

    /* Reads through the filter come from the disk. */
    memset(block, 'z', kBlockSize);
    status = transfer(bottom, TRUE, kBlocks, &bytes);
    memset(block, 0, kBlockSize);
    if (NT_SUCCESS(status)) status = transfer(top, FALSE, kBlocks, &bytes);
    failures += check(status == STATUS_SUCCESS && bytes == kBlockSize && block_is('z'),
                      "a block written to the disk reads back through the filter");

    /* The disk's refusal comes back through the filter unchanged. */
    status = transfer(top, FALSE, RAMDISK_SIZE / kBlockSize, &bytes);
    failures +=
        check(status == STATUS_INVALID_PARAMETER && bytes == 0, "a read past the disk's end: the disk's status");

    /* Ioctls: one the disk answers, one it does not know. */
    ULONGLONG size = 0;
    WDF_MEMORY_DESCRIPTOR out;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, &size, sizeof size);
    status = WdfIoTargetSendIoctlSynchronously(top, WDF_NO_HANDLE, IOCTL_RAMDISK_GET_SIZE, NULL, &out, NULL, &bytes);
    failures += check(status == STATUS_SUCCESS && bytes == sizeof size && size == RAMDISK_SIZE,
                      "the disk's size ioctl through the filter");
    const ULONG unknown = CTL_CODE(FILE_DEVICE_DISK, 0x8FF, METHOD_BUFFERED, FILE_ANY_ACCESS);
    status = WdfIoTargetSendIoctlSynchronously(top, WDF_NO_HANDLE, unknown, NULL, &out, NULL, &bytes);
    failures += check(status == STATUS_INVALID_DEVICE_REQUEST && bytes == 0,
                      "an ioctl the disk does not know: the disk's status");

    /* Many ioctls at once: the filter's queue is parallel, its completion
     * routine runs for each. */
    WDFREQUEST requests[kAsyncIoctls];
    WDFMEMORY outputs[kAsyncIoctls];
    int made = 0;
    for (; made < kAsyncIoctls; ++made) {
        if (!NT_SUCCESS(WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, top, &requests[made]))) break;
        if (!NT_SUCCESS(
                WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, sizeof(ULONGLONG), &outputs[made], NULL))) {
            WdfObjectDelete(requests[made]);
            break;
        }
    }
    for (int i = 0; i < made; ++i) {
        status =
            WdfIoTargetFormatRequestForIoctl(top, requests[i], IOCTL_RAMDISK_GET_SIZE, NULL, NULL, outputs[i], NULL);
        if (NT_SUCCESS(status)) {
            WdfRequestSetCompletionRoutine(requests[i], OnSizeDone, outputs[i]);
            if (WdfRequestSend(requests[i], top, WDF_NO_SEND_OPTIONS)) continue;
        }
        atomic_fetch_add(&asyncDone, 1);
    }
    const struct timespec tick = {0, 1000000};
    for (int i = 0; i < 5000 && atomic_load(&asyncDone) < made; ++i) nanosleep(&tick, NULL);
    failures += check(made == kAsyncIoctls && atomic_load(&asyncGood) == kAsyncIoctls,
                      "16 size ioctls sent at once, each answered by the disk");
    for (int i = 0; i < made; ++i) {
        WdfObjectDelete(requests[i]);
        WdfObjectDelete(outputs[i]);
    }

    /* An internal ioctl: EvtIoDefault passes it down too; the disk has no
     * callback for the type and fails it. */
    status = WdfIoTargetSendInternalIoctlSynchronously(top, WDF_NO_HANDLE, unknown, NULL, &out, NULL, &bytes);
    failures += check(status == STATUS_INVALID_DEVICE_REQUEST, "an internal ioctl passed down and failed by the disk");

    /* The filter's counts: it saw every request above on its way. */
    FILTER_COUNTERS counters;
    memset(&counters, 0xff, sizeof counters);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, &counters, sizeof counters);
    status = WdfIoTargetSendIoctlSynchronously(top, WDF_NO_HANDLE, IOCTL_FILTER_GET_COUNTERS, NULL, &out, NULL, &bytes);
    printf(
        "      filter counts: %ld ioctls forwarded, %ld completed (%ld failed below), %ld reads, %ld writes, "
        "%ld others passed down\n",
        (long)counters.IoctlsForwarded, (long)counters.IoctlsCompleted, (long)counters.IoctlsFailedBelow,
        (long)counters.ReadsPassedDown, (long)counters.WritesPassedDown, (long)counters.OthersPassedDown);
    failures += check(
        status == STATUS_SUCCESS && bytes == sizeof counters && counters.IoctlsForwarded == 2 + kAsyncIoctls &&
            counters.IoctlsCompleted == 2 + kAsyncIoctls && counters.IoctlsFailedBelow == 1 &&
            counters.ReadsPassedDown == 2 && counters.WritesPassedDown == kBlocks && counters.OthersPassedDown == 1,
        "the filter's counts");

    WdfObjectDelete(top);
    WdfObjectDelete(bottom);
    /* Top of the stack first, as PnP removes it. */
    WdfioDriverUnload(filterDriver);
    WdfioDriverUnload(diskDriver);
    WdfioHostShutdown();
    printf("filter: %d check(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}
