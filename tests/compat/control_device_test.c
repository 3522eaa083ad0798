/* Control devices and symbolic links (driver spec §3.2, §3.7): a non-PnP
 * driver makes its device in DriverEntry; it is openable by its name and its
 * links only once WdfControlFinishInitializing ran; the driver may delete
 * it, and one it did not goes at unload. Bad input of each call. */
#include "compat_test.h"

#include <wdfio/wdmsec.h>

#include <string.h>

#define CONTROL_NAME L"\\Device\\WdfioControlTest"
#define CONTROL_LINK L"\\DosDevices\\WdfioControlTest"

static struct {
    BOOLEAN finish;              /* DriverEntry calls WdfControlFinishInitializing */
    NTSTATUS late_default_queue; /* a default queue created after it: the status */
    NTSTATUS late_dispatching;   /* WdfDeviceConfigureRequestDispatching after it */
} seen;
static WDFDEVICE control;
static atomic_int cleanups;

static VOID on_read(WDFQUEUE queue, WDFREQUEST request, size_t length) {
    (void)queue;
    WDFMEMORY memory;
    NTSTATUS status = WdfRequestRetrieveOutputMemory(request, &memory);
    if (NT_SUCCESS(status)) {
        char text[] = "control";
        const size_t n = length < sizeof text ? length : sizeof text;
        status = WdfMemoryCopyFromBuffer(memory, 0, text, n);
        WdfRequestCompleteWithInformation(request, status, NT_SUCCESS(status) ? n : 0);
        return;
    }
    WdfRequestComplete(request, status);
}

static VOID on_control_cleanup(WDFOBJECT object) {
    (void)object;
    atomic_fetch_add(&cleanups, 1);
}

static NTSTATUS make_control_device(WDFDRIVER driver) {
    PWDFDEVICE_INIT init = WdfControlDeviceInitAllocate(driver, &SDDL_DEVOBJ_SYS_ALL_ADM_ALL);
    if (!init) return STATUS_INSUFFICIENT_RESOURCES;
    DECLARE_CONST_UNICODE_STRING(name, CONTROL_NAME);
    NTSTATUS status = WdfDeviceInitAssignName(init, &name);
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.EvtCleanupCallback = on_control_cleanup;
    if (NT_SUCCESS(status)) status = WdfDeviceCreate(&init, &attributes, &control);
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init); /* a failed create leaves the init with the driver (R3.2) */
        return status;
    }
    CHECK(init == NULL); /* used up and freed */
    CHECK(WdfDeviceGetIoTarget(control) == NULL);
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = on_read;
    if (!NT_SUCCESS(status = WdfIoQueueCreate(control, &config, WDF_NO_OBJECT_ATTRIBUTES, NULL))) return status;
    DECLARE_CONST_UNICODE_STRING(link, CONTROL_LINK);
    if (!NT_SUCCESS(status = WdfDeviceCreateSymbolicLink(control, &link))) return status;
    CHECK_STATUS(WdfDeviceCreateSymbolicLink(control, &link), STATUS_OBJECT_NAME_COLLISION);
    if (seen.finish) {
        WdfControlFinishInitializing(control);
        WDFQUEUE queue;
        seen.late_default_queue = WdfIoQueueCreate(control, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
        WDF_IO_QUEUE_CONFIG_INIT(&config, WdfIoQueueDispatchManual);
        if (NT_SUCCESS(WdfIoQueueCreate(control, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue)))
            seen.late_dispatching = WdfDeviceConfigureRequestDispatching(control, queue, WdfRequestTypeWrite);
    }
    return STATUS_SUCCESS;
}

static NTSTATUS control_driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, NULL);
    config.DriverInitFlags |= WdfDriverInitNonPnpDriver;
    WDFDRIVER driver;
    NTSTATUS status = WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, &driver);
    return NT_SUCCESS(status) ? make_control_device(driver) : status;
}

/* Opens `name` and reads through it; the open's status. */
static NTSTATUS open_and_read(const WCHAR* name, char* out, size_t size) {
    char none[sizeof "control"];
    return out ? open_and_read_back(name, out, size, sizeof "control")
               : open_and_read_back(name, none, sizeof none, sizeof none);
}

static void a_control_device_opens_by_name_and_links_once_finished(void) {
    memset(&seen, 0, sizeof seen);
    seen.finish = TRUE;
    atomic_store(&cleanups, 0);
    WDFDRIVER driver;
    REQUIRE_STATUS(WdfioDriverLoad(control_driver_entry, "wdfio_control", &driver), STATUS_SUCCESS);
    CHECK_STATUS(seen.late_default_queue, STATUS_INVALID_DEVICE_STATE); /* R3.23 */
    CHECK_STATUS(seen.late_dispatching, STATUS_INVALID_DEVICE_STATE);
    const WCHAR* names[] = {CONTROL_NAME, CONTROL_LINK, L"\\??\\WdfioControlTest",
                            L"\\DosDevices\\Global\\WdfioControlTest", L"\\\\.\\WdfioControlTest"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
        char out[16] = {0};
        CHECK_STATUS(open_and_read(names[i], out, sizeof out), STATUS_SUCCESS);
        CHECK(strcmp(out, "control") == 0);
    }
    CHECK_STATUS(open_and_read(L"\\DosDevices\\NoSuchLink", NULL, 0), STATUS_OBJECT_NAME_NOT_FOUND);
    /* A queue's lock (R7.11), its own with scope None. */
    const ULONGLONG reported = WdfioHostVerifierViolations();
    WDFQUEUE queue = WdfDeviceGetDefaultQueue(control);
    WdfObjectAcquireLock(queue);
    WdfObjectAcquireLock(control); /* the device's is another lock */
    WdfObjectReleaseLock(control);
    WdfObjectReleaseLock(queue);
    CHECK_EQ(WdfioHostVerifierViolations(), reported);
    /* The driver may delete its control device (R3.24): the names go with it. */
    WdfObjectDelete(control);
    CHECK_EQ(atomic_load(&cleanups), 1);
    CHECK_STATUS(open_and_read(CONTROL_LINK, NULL, 0), STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK_STATUS(open_and_read(CONTROL_NAME, NULL, 0), STATUS_OBJECT_NAME_NOT_FOUND);
    WdfioDriverUnload(driver);
    CHECK_EQ(atomic_load(&cleanups), 1);
}

static void an_unfinished_control_device_is_not_openable_and_goes_at_unload(void) {
    memset(&seen, 0, sizeof seen);
    atomic_store(&cleanups, 0);
    WDFDRIVER driver;
    REQUIRE_STATUS(WdfioDriverLoad(control_driver_entry, "wdfio_control", &driver), STATUS_SUCCESS);
    CHECK_STATUS(open_and_read(CONTROL_NAME, NULL, 0), STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK_STATUS(open_and_read(CONTROL_LINK, NULL, 0), STATUS_OBJECT_NAME_NOT_FOUND);
    WdfControlFinishInitializing(control); /* finished late, from outside DriverEntry: openable now */
    char out[16] = {0};
    CHECK_STATUS(open_and_read(CONTROL_LINK, out, sizeof out), STATUS_SUCCESS);
    WdfioDriverUnload(driver); /* the control device the driver did not delete goes with it */
    CHECK_EQ(atomic_load(&cleanups), 1);
    CHECK_STATUS(open_and_read(CONTROL_LINK, NULL, 0), STATUS_OBJECT_NAME_NOT_FOUND);
}

static void control_device_bad_input(void) {
    memset(&seen, 0, sizeof seen);
    atomic_store(&cleanups, 0);
    WDFDRIVER driver;
    REQUIRE_STATUS(WdfioDriverLoad(control_driver_entry, "wdfio_control", &driver), STATUS_SUCCESS);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    /* The init: a handle that is not a driver, an SDDL string missing or not one. */
    CHECK(WdfControlDeviceInitAllocate(NULL, &SDDL_DEVOBJ_SYS_ALL_ADM_ALL) == NULL);
    CHECK(WdfControlDeviceInitAllocate((WDFDRIVER)control, &SDDL_DEVOBJ_SYS_ALL_ADM_ALL) == NULL);
    CHECK(WdfControlDeviceInitAllocate(driver, NULL) == NULL);
    DECLARE_CONST_UNICODE_STRING(not_sddl, L"everyone");
    CHECK(WdfControlDeviceInitAllocate(driver, &not_sddl) == NULL);
    CHECK_EQ(WdfioHostVerifierViolations(), reported + 4);
    WdfDeviceInitFree(NULL); /* nothing */

    /* A create that fails leaves the init to free; it can be used again. */
    PWDFDEVICE_INIT init = WdfControlDeviceInitAllocate(driver, &SDDL_DEVOBJ_KERNEL_ONLY);
    if (!init) {
        CHECK(!"WdfControlDeviceInitAllocate");
        WdfioDriverUnload(driver);
        return;
    }
    WDF_OBJECT_ATTRIBUTES bad;
    WDF_OBJECT_ATTRIBUTES_INIT(&bad);
    bad.Size = 4;
    WDFDEVICE device = (WDFDEVICE)&bad;
    CHECK_STATUS(WdfDeviceCreate(&init, &bad, &device), STATUS_INFO_LENGTH_MISMATCH);
    CHECK(init != NULL && device == NULL);
    DECLARE_CONST_UNICODE_STRING(in_use, CONTROL_NAME);
    WdfControlFinishInitializing(control); /* its name is registered now */
    REQUIRE_STATUS(WdfDeviceInitAssignName(init, &in_use), STATUS_SUCCESS);
    CHECK_STATUS(WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device), STATUS_OBJECT_NAME_COLLISION);
    REQUIRE_STATUS(WdfDeviceInitAssignName(init, NULL), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device), STATUS_SUCCESS);
    CHECK(init == NULL);

    /* Links: bad handles and names; an unnamed device has none. */
    DECLARE_CONST_UNICODE_STRING(link, L"\\DosDevices\\WdfioUnnamed");
    DECLARE_CONST_UNICODE_STRING(device_name, L"\\Device\\NotALink");
    DECLARE_CONST_UNICODE_STRING(relative, L"NotALink");
    CHECK_STATUS(WdfDeviceCreateSymbolicLink(NULL, &link), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfDeviceCreateSymbolicLink(device, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfDeviceCreateSymbolicLink(device, &device_name), STATUS_OBJECT_NAME_INVALID);
    CHECK_STATUS(WdfDeviceCreateSymbolicLink(device, &relative), STATUS_OBJECT_NAME_INVALID);
    CHECK_STATUS(WdfDeviceCreateSymbolicLink(device, &link), STATUS_INVALID_DEVICE_REQUEST);
    DECLARE_CONST_UNICODE_STRING(taken, CONTROL_LINK);
    WdfControlFinishInitializing(device);
    const ULONGLONG before_twice = WdfioHostVerifierViolations();
    WdfControlFinishInitializing(control); /* twice: reported, nothing */
    CHECK_EQ(WdfioHostVerifierViolations(), before_twice + 1);

    /* Finishing a PnP device: reported, nothing. A RAM disk is one the host made. */
    WDFDEVICE disk;
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &disk), STATUS_SUCCESS);
    WdfControlFinishInitializing(disk);
    CHECK_EQ(WdfioHostVerifierViolations(), before_twice + 2);
    CHECK_STATUS(WdfDeviceCreateSymbolicLink(disk, &taken), STATUS_INVALID_DEVICE_REQUEST); /* not a C driver's */
    WdfObjectDelete(disk);
    WdfObjectDelete(device);
    WdfObjectDelete(control);
    CHECK_STATUS(WdfDeviceCreateSymbolicLink(control, &taken), STATUS_INVALID_HANDLE);
    WdfioDriverUnload(driver);
}

const compat_test control_device_tests[] = {
    {"ControlDevice.OpensByNameAndLinksOnceFinished", a_control_device_opens_by_name_and_links_once_finished},
    {"ControlDevice.UnfinishedIsNotOpenableAndGoesAtUnload",
     an_unfinished_control_device_is_not_openable_and_goes_at_unload},
    {"ControlDevice.BadInput", control_device_bad_input},
    {NULL, NULL},
};
