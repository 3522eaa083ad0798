/* DDI fault injection over the example drivers (examples/kmdf): each
 * driver's scenario — load, add its device, open it by name, I/O, close,
 * unload — runs once per failure point: with the 1st failable call failed,
 * then the 2nd, and so on until a run in which nothing was failed. After
 * every run: no verifier violation, no object left behind, and the unload
 * returned (ctest's timeout catches a hang, the exit status a crash).
 * Prints the failure points explored per driver. */
#include <ntddk.h>
#include <wdf.h>

#include "echo/echo.h"
#include "filter/filter.h"
#include "monitor/monitor.h"
#include "nonpnp/nonpnp.h"
#include "ramdisk/ramdisk.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

DRIVER_INITIALIZE RamDiskDriverEntry;
DRIVER_INITIALIZE EchoDriverEntry;
DRIVER_INITIALIZE FilterDriverEntry;
DRIVER_INITIALIZE MonitorDriverEntry;
DRIVER_INITIALIZE NonpnpDriverEntry;

static void sleep_ms(long ms) {
    const struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Opens `name`; NULL if that failed (the target deleted). */
static WDFIOTARGET open_by_name(PCWSTR name) {
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    WDF_IO_TARGET_OPEN_PARAMS open;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &u, GENERIC_READ | GENERIC_WRITE);
    WDFIOTARGET target;
    if (!NT_SUCCESS(WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, &target))) return NULL;
    if (!NT_SUCCESS(WdfIoTargetOpen(target, &open))) {
        WdfObjectDelete(target);
        return NULL;
    }
    return target;
}

/* A write, a read back and an ioctl through `target`, whatever each returns:
 * under fault injection any of them may fail; none may crash or hang. */
static void some_io(WDFIOTARGET target, ULONG ioctl, size_t ioctl_out) {
    static unsigned char data[4096], back[4096], out[sizeof(MONITOR_STATUS)];
    memset(data, 0x5A, sizeof data);
    WDF_MEMORY_DESCRIPTOR d;
    ULONG_PTR bytes;
    LONGLONG offset = 4096;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&d, data, sizeof data);
    (void)WdfIoTargetSendWriteSynchronously(target, NULL, &d, &offset, NULL, &bytes);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&d, back, sizeof back);
    (void)WdfIoTargetSendReadSynchronously(target, NULL, &d, &offset, NULL, &bytes);
    if (ioctl) {
        WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&d, out, (ULONG)ioctl_out);
        (void)WdfIoTargetSendIoctlSynchronously(target, NULL, ioctl, NULL, &d, NULL, &bytes);
    }
}

typedef struct {
    const char* name;
    PDRIVER_INITIALIZE entry;
    PCWSTR device_name;
    BOOLEAN over_ramdisk; /* added above a ramdisk driver's device */
    BOOLEAN non_pnp;      /* makes its control device in DriverEntry: no device add */
    ULONG ioctl;
    size_t ioctl_out;
    long settle_ms; /* let the driver's timers run before closing */
} scenario;

static const scenario scenarios[] = {
    {"ramdisk", RamDiskDriverEntry, RAMDISK_DEVICE_NAME, FALSE, FALSE, IOCTL_RAMDISK_GET_SIZE, sizeof(ULONGLONG), 0},
    {"echo", EchoDriverEntry, ECHO_DEVICE_NAME, FALSE, FALSE, 0, 0, 0},
    {"filter", FilterDriverEntry, FILTER_DEVICE_NAME, TRUE, FALSE, IOCTL_FILTER_GET_COUNTERS, sizeof(FILTER_COUNTERS),
     0},
    {"monitor", MonitorDriverEntry, MONITOR_DEVICE_NAME, TRUE, FALSE, IOCTL_MONITOR_GET_STATUS, sizeof(MONITOR_STATUS),
     3 * MONITOR_PERIOD_MS},
    {"nonpnp", NonpnpDriverEntry, NONPNP_CLIENT_NAME, FALSE, TRUE, IOCTL_NONPNP_REVERSE, NONPNP_MAX_BYTES, 0},
};

/* One run: what loaded is unloaded, whatever failed on the way. */
static void run(const scenario* s) {
    WDFDRIVER disk_driver = NULL, driver = NULL;
    WDFDEVICE disk = NULL, device = NULL;
    if (s->over_ramdisk) {
        if (!NT_SUCCESS(WdfioDriverLoad(RamDiskDriverEntry, "RamDisk", &disk_driver))) disk_driver = NULL;
        if (disk_driver && !NT_SUCCESS(WdfioDeviceAdd(disk_driver, WDF_NO_HANDLE, &disk))) disk = NULL;
    }
    if (!s->over_ramdisk || disk) {
        if (!NT_SUCCESS(WdfioDriverLoad(s->entry, s->name, &driver))) driver = NULL;
        if (driver && !s->non_pnp && !NT_SUCCESS(WdfioDeviceAdd(driver, disk, &device))) device = NULL;
    }
    if (device || (driver && s->non_pnp)) {
        WDFIOTARGET target = open_by_name(s->device_name);
        if (target) {
            some_io(target, s->ioctl, s->ioctl_out);
            if (s->settle_ms) sleep_ms(s->settle_ms);
            WdfObjectDelete(target);
        }
    }
    if (driver) WdfioDriverUnload(driver);
    if (disk_driver) WdfioDriverUnload(disk_driver);
}

int main(void) {
    if (!NT_SUCCESS(WdfioHostInitialize())) return 1;
    int failures = 0;
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; ++i) {
        const scenario* s = &scenarios[i];
        unsigned point = 0;
        for (;;) {
            ++point;
            char spec[32];
            snprintf(spec, sizeof spec, "*:%u", point);
            const ULONGLONG violations = WdfioHostVerifierViolations();
            const ULONGLONG injected = WdfioHostDdiFaultsInjected();
            if (!NT_SUCCESS(WdfioHostSetDdiFaults(spec))) return 1;
            run(s);
            WdfioHostSetDdiFaults(NULL);
            const int failed_one = WdfioHostDdiFaultsInjected() != injected;
            if (WdfioHostVerifierViolations() != violations) {
                fprintf(stderr, "%s, failure point %u: verifier violations\n", s->name, point);
                ++failures;
            }
            if (WdfioHostObjectCount() != 0) {
                fprintf(stderr, "%s, failure point %u: %u objects left behind\n", s->name, point,
                        (unsigned)WdfioHostObjectCount());
                ++failures;
                WdfioHostShutdown(); /* the next run starts clean */
                if (!NT_SUCCESS(WdfioHostInitialize())) return 1;
            }
            if (!failed_one || point >= 10000) break; /* a run with nothing left to fail */
        }
        printf("%-8s %u failure points explored\n", s->name, point - 1);
    }
    WdfioHostShutdown();
    return failures == 0 ? 0 : 1;
}
