/* The host for the RAM-disk driver: load it, add its device, open it by
 * name as any client would, write 64 blocks asynchronously (a completion
 * routine per request), read them back, check them, and unload. Exit 0 when
 * every byte came back. */
#include <ntddk.h>
#include <wdf.h>

#include "ramdisk.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

DRIVER_INITIALIZE DriverEntry;

enum { kBlocks = 64, kBlockSize = 4096 };

static atomic_int completed;
static atomic_int failures;

static VOID OnDone(WDFREQUEST Request, WDFIOTARGET Target, PWDF_REQUEST_COMPLETION_PARAMS Params, WDFCONTEXT Context) {
    UNREFERENCED_PARAMETER(Request);
    UNREFERENCED_PARAMETER(Target);
    UNREFERENCED_PARAMETER(Context);
    if (!NT_SUCCESS(Params->IoStatus.Status) || Params->IoStatus.Information != kBlockSize)
        atomic_fetch_add(&failures, 1);
    atomic_fetch_add(&completed, 1);
}

static void wait_for(int want) {
    const struct timespec tick = {0, 1000000};
    for (int i = 0; i < 10000 && atomic_load(&completed) < want; ++i) nanosleep(&tick, NULL);
}

/* Sends one read or write of block i, asynchronously. */
static NTSTATUS send_block(WDFIOTARGET target, WDFREQUEST request, WDFMEMORY memory, int i, BOOLEAN write) {
    LONGLONG offset = (LONGLONG)i * kBlockSize;
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    WdfRequestReuse(request, &reuse);
    NTSTATUS status = write ? WdfIoTargetFormatRequestForWrite(target, request, memory, NULL, &offset)
                            : WdfIoTargetFormatRequestForRead(target, request, memory, NULL, &offset);
    if (!NT_SUCCESS(status)) return status;
    WdfRequestSetCompletionRoutine(request, OnDone, NULL);
    return WdfRequestSend(request, target, WDF_NO_SEND_OPTIONS) ? STATUS_SUCCESS : WdfRequestGetStatus(request);
}

int main(void) {
    WDFDRIVER driver;
    WDFDEVICE device;
    NTSTATUS status = WdfioDriverLoad(DriverEntry, "RamDisk", &driver);
    if (NT_SUCCESS(status)) status = WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "loading the driver: 0x%08X\n", (unsigned)status);
        return 1;
    }

    WDFIOTARGET target;
    DECLARE_CONST_UNICODE_STRING(name, RAMDISK_DEVICE_NAME);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &name, GENERIC_READ | GENERIC_WRITE);
    if (!NT_SUCCESS(status = WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target)) ||
        !NT_SUCCESS(status = WdfIoTargetOpen(target, &open))) {
        fprintf(stderr, "opening %ls: 0x%08X\n", RAMDISK_DEVICE_NAME, (unsigned)status);
        WdfioHostShutdown();
        return 1;
    }

    ULONGLONG size = 0;
    WDF_MEMORY_DESCRIPTOR out;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, &size, sizeof size);
    status = WdfIoTargetSendIoctlSynchronously(target, WDF_NO_HANDLE, IOCTL_RAMDISK_GET_SIZE, NULL, &out, NULL, NULL);
    printf("disk size: %llu bytes (0x%08X)\n", (unsigned long long)size, (unsigned)status);

    WDFREQUEST requests[kBlocks];
    WDFMEMORY buffers[kBlocks];
    for (int i = 0; i < kBlocks; ++i) {
        PVOID data;
        if (!NT_SUCCESS(WdfRequestCreate(WDF_NO_OBJECT_ATTRIBUTES, target, &requests[i])) ||
            !NT_SUCCESS(WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, kBlockSize, &buffers[i], &data))) {
            fprintf(stderr, "out of memory\n");
            WdfioHostShutdown();
            return 1;
        }
        memset(data, 'a' + i % 26, kBlockSize);
    }
    for (int i = 0; i < kBlocks; ++i)
        if (!NT_SUCCESS(send_block(target, requests[i], buffers[i], i, TRUE))) atomic_fetch_add(&completed, 1);
    wait_for(kBlocks);
    for (int i = 0; i < kBlocks; ++i) memset(WdfMemoryGetBuffer(buffers[i], NULL), 0, kBlockSize);
    atomic_store(&completed, 0);
    for (int i = 0; i < kBlocks; ++i)
        if (!NT_SUCCESS(send_block(target, requests[i], buffers[i], i, FALSE))) atomic_fetch_add(&completed, 1);
    wait_for(kBlocks);

    int mismatches = 0;
    for (int i = 0; i < kBlocks; ++i) {
        const unsigned char* data = (const unsigned char*)WdfMemoryGetBuffer(buffers[i], NULL);
        for (int b = 0; b < kBlockSize; ++b)
            if (data[b] != (unsigned char)('a' + i % 26)) {
                ++mismatches;
                break;
            }
    }
    printf("%d blocks written and read back asynchronously: %d failed, %d differ\n", kBlocks, atomic_load(&failures),
           mismatches);

    WdfObjectDelete(target);
    for (int i = 0; i < kBlocks; ++i) {
        WdfObjectDelete(requests[i]);
        WdfObjectDelete(buffers[i]);
    }
    WdfioDriverUnload(driver);
    WdfioHostShutdown();
    return atomic_load(&failures) == 0 && mismatches == 0 && size == RAMDISK_SIZE ? 0 : 1;
}
