/* The host for the non-PnP driver: load it (its DriverEntry makes the
 * control device), open it as a Win32 client would (\\.\KmdfNonPnp), send
 * its ioctl and a code it does not know, and unload: the device goes with
 * the driver. Exit 0 when each behaved. */
#include <ntddk.h>
#include <wdf.h>

#include "nonpnp.h"

#include <stdio.h>
#include <string.h>

DRIVER_INITIALIZE DriverEntry;

static int check(int ok, const char* what) {
    printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    return ok ? 0 : 1;
}

static NTSTATUS OpenClient(WDFIOTARGET* Target) {
    DECLARE_CONST_UNICODE_STRING(name, NONPNP_CLIENT_NAME);
    WDF_IO_TARGET_OPEN_PARAMS open;
    NTSTATUS status = WdfIoTargetCreate(WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, Target);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&open, &name, GENERIC_READ | GENERIC_WRITE);
    status = WdfIoTargetOpen(*Target, &open);
    if (!NT_SUCCESS(status)) WdfObjectDelete(*Target);
    return status;
}

int main(void) {
    WDFDRIVER driver;
    WDFIOTARGET target;
    NTSTATUS status = WdfioDriverLoad(DriverEntry, "NonPnp", &driver);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "loading the driver: 0x%08X\n", (unsigned)status);
        WdfioHostShutdown();
        return 1;
    }
    if (!NT_SUCCESS(status = OpenClient(&target))) {
        fprintf(stderr, "opening %ls: 0x%08X\n", NONPNP_CLIENT_NAME, (unsigned)status);
        WdfioDriverUnload(driver);
        WdfioHostShutdown();
        return 1;
    }
    int failures = 0;

    /* 1. The ioctl: the bytes come back reversed. */
    char in[] = "control device";
    char out[sizeof in];
    WDF_MEMORY_DESCRIPTOR inDescriptor, outDescriptor;
    ULONG_PTR bytes = 0;
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&inDescriptor, in, sizeof in - 1);
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&outDescriptor, out, sizeof out);
    memset(out, 0, sizeof out);
    status = WdfIoTargetSendIoctlSynchronously(target, WDF_NO_HANDLE, IOCTL_NONPNP_REVERSE, &inDescriptor,
                                               &outDescriptor, NULL, &bytes);
    failures += check(status == STATUS_SUCCESS && bytes == sizeof in - 1 && strcmp(out, "ecived lortnoc") == 0,
                      "IOCTL_NONPNP_REVERSE reversed the bytes");

    /* 2. A code the driver does not know: STATUS_INVALID_DEVICE_REQUEST. */
    status = WdfIoTargetSendIoctlSynchronously(target, WDF_NO_HANDLE,
                                               CTL_CODE(FILE_DEVICE_UNKNOWN, 0x9FF, METHOD_BUFFERED, FILE_ANY_ACCESS),
                                               &inDescriptor, &outDescriptor, NULL, &bytes);
    failures += check(status == STATUS_INVALID_DEVICE_REQUEST, "an unknown ioctl is refused");

    /* 3. A read: the device has no read callback (R3.13). */
    WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(&outDescriptor, out, sizeof out);
    status = WdfIoTargetSendReadSynchronously(target, WDF_NO_HANDLE, &outDescriptor, NULL, NULL, &bytes);
    failures += check(status == STATUS_INVALID_DEVICE_REQUEST, "a read is refused");

    /* 4. Unloaded: the control device and its link go with the driver. */
    WdfObjectDelete(target);
    WdfioDriverUnload(driver);
    status = OpenClient(&target);
    failures += check(status == STATUS_OBJECT_NAME_NOT_FOUND, "the device went with the driver");
    if (NT_SUCCESS(status)) WdfObjectDelete(target);

    failures += check(WdfioHostObjectCount() == 0, "nothing left behind");
    WdfioHostShutdown();
    return failures == 0 ? 0 : 1;
}
