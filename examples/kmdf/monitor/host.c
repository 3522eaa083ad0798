/* The host for the monitor: load the RAM-disk driver (the ramdisk example's,
 * built in with its DriverEntry renamed) and add its device, put a pattern in
 * the block the monitor watches, then load the monitor and add its device
 * above the disk. Let its timer run, and ask it (its ioctl) how many reads it
 * made and what the last one returned; change the block through the monitor's
 * own device (the write passes through it to the disk without the driver
 * seeing it) and check the monitor sees the change. Unload, top first. Exit 0
 * when every check held. */
#include <ntddk.h>
#include <wdf.h>

#include "../ramdisk/ramdisk.h"
#include "monitor.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

DRIVER_INITIALIZE DriverEntry;        /* the monitor */
DRIVER_INITIALIZE RamDiskDriverEntry; /* ramdisk.c's DriverEntry, renamed by the build */

static int check(int ok, const char* what) {
    printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    return ok ? 0 : 1;
}

static void sleep_ms(long ms) {
    const struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
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

static NTSTATUS write_pattern(WDFIOTARGET target, unsigned char fill) {
    unsigned char block[MONITOR_BLOCK_SIZE];
    LONGLONG offset = MONITOR_BLOCK_OFFSET;
    ULONG_PTR bytes = 0;
    WDF_MEMORY_DESCRIPTOR in;
    memset(block, fill, sizeof block);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&in, block, sizeof block);
    NTSTATUS status = WdfIoTargetSendWriteSynchronously(target, WDF_NO_HANDLE, &in, &offset, NULL, &bytes);
    return NT_SUCCESS(status) && bytes != sizeof block ? STATUS_UNSUCCESSFUL : status;
}

static NTSTATUS read_block(WDFIOTARGET target, unsigned char* block) {
    LONGLONG offset = MONITOR_BLOCK_OFFSET;
    ULONG_PTR bytes = 0;
    WDF_MEMORY_DESCRIPTOR out;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, block, MONITOR_BLOCK_SIZE);
    NTSTATUS status = WdfIoTargetSendReadSynchronously(target, WDF_NO_HANDLE, &out, &offset, NULL, &bytes);
    return NT_SUCCESS(status) && bytes != MONITOR_BLOCK_SIZE ? STATUS_UNSUCCESSFUL : status;
}

static NTSTATUS get_status(WDFIOTARGET monitor, PMONITOR_STATUS status) {
    WDF_MEMORY_DESCRIPTOR out;
    memset(status, 0, sizeof *status);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, status, sizeof *status);
    return WdfIoTargetSendIoctlSynchronously(monitor, WDF_NO_HANDLE, IOCTL_MONITOR_GET_STATUS, NULL, &out, NULL, NULL);
}

static int all(const unsigned char* block, unsigned char fill) {
    for (int b = 0; b < MONITOR_BLOCK_SIZE; ++b)
        if (block[b] != fill) return 0;
    return 1;
}

int main(void) {
    WDFDRIVER diskDriver, monitorDriver;
    WDFDEVICE disk, monitorDevice;
    WDFIOTARGET bottom, monitor;
    int failures = 0;

    NTSTATUS status = WdfioDriverLoad(RamDiskDriverEntry, "RamDisk", &diskDriver);
    if (NT_SUCCESS(status)) status = WdfioDeviceAdd(diskDriver, WDF_NO_HANDLE, &disk);
    if (NT_SUCCESS(status)) status = open_by_name(RAMDISK_DEVICE_NAME, &bottom);
    if (NT_SUCCESS(status)) status = write_pattern(bottom, 0x5A);
    if (NT_SUCCESS(status)) status = WdfioDriverLoad(DriverEntry, "Monitor", &monitorDriver);
    if (NT_SUCCESS(status)) status = WdfioDeviceAdd(monitorDriver, disk, &monitorDevice);
    if (NT_SUCCESS(status)) status = open_by_name(MONITOR_DEVICE_NAME, &monitor);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "building the stack: 0x%08X\n", (unsigned)status);
        WdfioHostShutdown();
        return 1;
    }

    /* A few hundred ms of ticks: one read each (20 ms period). */
    MONITOR_STATUS seen;
    sleep_ms(250);
    status = get_status(monitor, &seen);
    printf("      after 250 ms: %ld reads, %ld failures, %ld busy ticks, last 0x%08X\n", (long)seen.Reads,
           (long)seen.Failures, (long)seen.BusyTicks, (unsigned)seen.LastStatus);
    failures += check(status == STATUS_SUCCESS && seen.Reads >= 3 && seen.Failures == 0 && all(seen.LastBlock, 0x5A),
                      "the monitor read the block at least 3 times, with the right data");

    /* A write to the monitor's device: no callback for it, so it goes down
     * by itself. The disk has it, and the monitor's next reads see it. */
    unsigned char block[MONITOR_BLOCK_SIZE];
    status = write_pattern(monitor, 0xC3);
    if (NT_SUCCESS(status)) status = read_block(bottom, block);
    failures += check(status == STATUS_SUCCESS && all(block, 0xC3), "a write through the monitor reached the disk");
    memset(block, 0, sizeof block);
    status = read_block(monitor, block);
    failures += check(status == STATUS_SUCCESS && all(block, 0xC3), "a read through the monitor came from the disk");

    const LONG before = seen.Reads;
    for (int i = 0; i < 100 && (seen.Reads < before + 2 || !all(seen.LastBlock, 0xC3)); ++i) {
        sleep_ms(10);
        get_status(monitor, &seen);
    }
    failures += check(seen.Reads >= before + 2 && seen.Failures == 0 && all(seen.LastBlock, 0xC3),
                      "the monitor's later reads returned the new data");

    /* An ioctl that is not the monitor's goes on to the disk. */
    ULONGLONG size = 0;
    WDF_MEMORY_DESCRIPTOR out;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&out, &size, sizeof size);
    status = WdfIoTargetSendIoctlSynchronously(monitor, WDF_NO_HANDLE, IOCTL_RAMDISK_GET_SIZE, NULL, &out, NULL, NULL);
    failures += check(status == STATUS_SUCCESS && size == RAMDISK_SIZE, "the disk's ioctl through the monitor");

    WdfObjectDelete(monitor);
    /* The monitor's reads stop in its suspend callback; its timer goes with
     * its device. */
    WdfioDriverUnload(monitorDriver);
    sleep_ms(3 * MONITOR_PERIOD_MS);
    memset(block, 0, sizeof block);
    status = read_block(bottom, block);
    failures += check(status == STATUS_SUCCESS && all(block, 0xC3), "the disk works on after the monitor left");

    WdfObjectDelete(bottom);
    WdfioDriverUnload(diskDriver);
    WdfioHostShutdown();
    printf("monitor: %ld reads seen, %d check(s) failed\n", (long)seen.Reads, failures);
    return failures == 0 ? 0 : 1;
}
