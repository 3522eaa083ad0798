/* Device interfaces (driver spec R3.18, R4.1 step 6, R4.8 step 3): made in
 * EvtDriverDeviceAdd, enabled at the start unless the driver said no, listed
 * by IoGetDeviceInterfaces and opened by their links; disabled and enabled
 * again; made after the start; gone at removal. Bad input of each call. */
#include "compat_test.h"

#include <string.h>
#include <wchar.h>

static const GUID kClassA = {0x6c1f2b9a, 0x41d3, 0x4e0e, {0x9b, 0x11, 0x2a, 0x5d, 0x7e, 0x01, 0xc4, 0x3f}};
static const GUID kClassB = {0x0b7e5c21, 0x8f44, 0x4a6b, {0xa2, 0x19, 0x6d, 0x03, 0x55, 0xe8, 0x90, 0x12}};
static const GUID kClassC = {0x9d2a7f10, 0x1c5b, 0x4b7a, {0x83, 0x6e, 0x0f, 0x42, 0xd1, 0x7c, 0x2b, 0x64}};

static VOID on_read(WDFQUEUE queue, WDFREQUEST request, size_t length) {
    (void)queue;
    WdfRequestCompleteWithInformation(request, STATUS_SUCCESS, length);
}

static NTSTATUS on_device_add(WDFDRIVER driver, PWDFDEVICE_INIT init) {
    (void)driver;
    WDFDEVICE device;
    NTSTATUS status = WdfDeviceCreate(&init, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status)) return status;
    WDF_IO_QUEUE_CONFIG config;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = on_read;
    if (!NT_SUCCESS(status = WdfIoQueueCreate(device, &config, WDF_NO_OBJECT_ATTRIBUTES, NULL))) return status;
    DECLARE_CONST_UNICODE_STRING(second, L"second");
    if (!NT_SUCCESS(status = WdfDeviceCreateDeviceInterface(device, &kClassA, NULL))) return status;
    if (!NT_SUCCESS(status = WdfDeviceCreateDeviceInterface(device, &kClassA, &second))) return status;
    if (!NT_SUCCESS(status = WdfDeviceCreateDeviceInterface(device, &kClassA, NULL))) return status; /* same one */
    if (!NT_SUCCESS(status = WdfDeviceCreateDeviceInterface(device, &kClassB, NULL))) return status;
    WdfDeviceSetDeviceInterfaceStateEx(device, &kClassB, NULL, FALSE); /* not enabled at the start */
    return STATUS_SUCCESS;
}

static NTSTATUS interface_driver_entry(PDRIVER_OBJECT object, PUNICODE_STRING registry_path) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, on_device_add);
    return WdfDriverCreate(object, registry_path, WDF_NO_OBJECT_ATTRIBUTES, &config, NULL);
}

/* The links IoGetDeviceInterfaces lists for `guid`, copied into `links`; their count. */
static int list_links(const GUID* guid, ULONG flags, WCHAR links[][128], int max) {
    PZZWSTR list = NULL;
    if (!NT_SUCCESS(IoGetDeviceInterfaces(guid, NULL, flags, &list)) || !list) return -1;
    int n = 0;
    for (const WCHAR* at = list; *at; at += wcslen(at) + 1)
        if (n < max) wcsncpy(links[n++], at, 127);
    ExFreePool(list);
    return n;
}

static NTSTATUS open_and_read(const WCHAR* link) {
    char buffer[32];
    return open_and_read_back(link, buffer, sizeof buffer, sizeof buffer);
}

static void interfaces_are_enabled_at_start_listed_opened_and_gone_at_removal(void) {
    WDFDRIVER driver;
    WDFDEVICE device;
    REQUIRE_STATUS(WdfioDriverLoad(interface_driver_entry, "Iface", &driver), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device), STATUS_SUCCESS);
    WCHAR links[4][128];
    CHECK_EQ(list_links(&kClassA, 0, links, 4), 2);
    CHECK(wcsncmp(links[0], L"\\??\\WDFIO#Iface#", 16) == 0);
    CHECK(wcsstr(links[0], L"#{6C1F2B9A-41D3-4E0E-9B11-2A5D7E01C43F}") != NULL);
    CHECK(wcsstr(links[1], L"}\\second") != NULL);
    CHECK_STATUS(open_and_read(links[0]), STATUS_SUCCESS);
    CHECK_STATUS(open_and_read(links[1]), STATUS_SUCCESS);

    /* The driver's own view of the link. */
    WDFSTRING string;
    REQUIRE_STATUS(WdfStringCreate(NULL, WDF_NO_OBJECT_ATTRIBUTES, &string), STATUS_SUCCESS);
    CHECK_STATUS(WdfDeviceRetrieveDeviceInterfaceString(device, &kClassA, NULL, string), STATUS_SUCCESS);
    UNICODE_STRING text;
    WdfStringGetUnicodeString(string, &text);
    CHECK(text.Length == wcslen(links[0]) * sizeof(WCHAR) && wmemcmp(text.Buffer, links[0], wcslen(links[0])) == 0);

    /* Kept from being enabled at the start: listed only with the flag. */
    CHECK_EQ(list_links(&kClassB, 0, links + 2, 2), 0);
    CHECK_EQ(list_links(&kClassB, DEVICE_INTERFACE_INCLUDE_NONACTIVE, links + 2, 2), 1);
    CHECK_STATUS(open_and_read(links[2]), STATUS_OBJECT_NAME_NOT_FOUND);
    WdfDeviceSetDeviceInterfaceState(device, &kClassB, NULL, TRUE);
    CHECK_STATUS(open_and_read(links[2]), STATUS_SUCCESS);

    /* Disabled and enabled again. */
    WdfDeviceSetDeviceInterfaceState(device, &kClassA, NULL, FALSE);
    CHECK_EQ(list_links(&kClassA, 0, links + 3, 1), 1); /* the "second" one */
    CHECK_STATUS(open_and_read(links[0]), STATUS_OBJECT_NAME_NOT_FOUND);
    WdfDeviceSetDeviceInterfaceState(device, &kClassA, NULL, TRUE);
    CHECK_STATUS(open_and_read(links[0]), STATUS_SUCCESS);

    /* Made after the start: enabled at once. */
    CHECK_STATUS(WdfDeviceCreateDeviceInterface(device, &kClassC, NULL), STATUS_SUCCESS);
    CHECK_EQ(list_links(&kClassC, 0, links + 3, 1), 1);

    WdfObjectDelete(string);
    WdfioDriverUnload(driver);
    CHECK_EQ(list_links(&kClassA, DEVICE_INTERFACE_INCLUDE_NONACTIVE, links, 4), 0);
    CHECK_EQ(list_links(&kClassC, 0, links, 4), 0);
    CHECK_STATUS(open_and_read(links[1]), STATUS_OBJECT_NAME_NOT_FOUND);
}

static void device_interface_bad_input(void) {
    WDFDRIVER driver;
    WDFDEVICE device, disk;
    REQUIRE_STATUS(WdfioDriverLoad(interface_driver_entry, "Iface", &driver), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioDeviceAdd(driver, WDF_NO_HANDLE, &device), STATUS_SUCCESS);
    REQUIRE_STATUS(WdfioRamDiskCreate(1 << 16, 512, NULL, &disk), STATUS_SUCCESS);
    const ULONGLONG reported = WdfioHostVerifierViolations();
    DECLARE_CONST_UNICODE_STRING(path, L"a\\b");
    UNICODE_STRING odd = {3, 4, (PWCH)L"ab"};
    CHECK_STATUS(WdfDeviceCreateDeviceInterface(NULL, &kClassA, NULL), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfDeviceCreateDeviceInterface(device, NULL, NULL), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfDeviceCreateDeviceInterface(device, &kClassA, &path), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfDeviceCreateDeviceInterface(device, &kClassA, &odd), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(WdfDeviceCreateDeviceInterface(disk, &kClassA, NULL), STATUS_INVALID_DEVICE_REQUEST);
    const ULONGLONG after_create = WdfioHostVerifierViolations();
    CHECK_EQ(after_create, reported + 2); /* the NULL handle and the NULL GUID */

    WdfDeviceSetDeviceInterfaceState(device, &kClassC, NULL, TRUE); /* none such: reported, nothing */
    WdfDeviceSetDeviceInterfaceState(device, NULL, NULL, TRUE);
    WdfDeviceSetDeviceInterfaceStateEx(NULL, &kClassA, NULL, FALSE);
    CHECK_EQ(WdfioHostVerifierViolations(), after_create + 3);
    WCHAR links[2][128];
    CHECK_EQ(list_links(&kClassC, DEVICE_INTERFACE_INCLUDE_NONACTIVE, links, 2), 0);

    WDFSTRING string;
    REQUIRE_STATUS(WdfStringCreate(NULL, WDF_NO_OBJECT_ATTRIBUTES, &string), STATUS_SUCCESS);
    CHECK_STATUS(WdfDeviceRetrieveDeviceInterfaceString(device, &kClassC, NULL, string), STATUS_OBJECT_NAME_NOT_FOUND);
    CHECK_STATUS(WdfDeviceRetrieveDeviceInterfaceString(device, &kClassA, NULL, NULL), STATUS_INVALID_HANDLE);
    CHECK_STATUS(WdfDeviceRetrieveDeviceInterfaceString(disk, &kClassA, NULL, string), STATUS_OBJECT_NAME_NOT_FOUND);
    WdfObjectDelete(string);

    PZZWSTR list = (PZZWSTR)links;
    CHECK_STATUS(IoGetDeviceInterfaces(&kClassA, (PDEVICE_OBJECT)&list, 0, &list), STATUS_INVALID_PARAMETER);
    CHECK(list == NULL);
    CHECK_STATUS(IoGetDeviceInterfaces(&kClassA, NULL, 0x10, &list), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(IoGetDeviceInterfaces(NULL, NULL, 0, &list), STATUS_INVALID_PARAMETER);
    CHECK_STATUS(IoGetDeviceInterfaces(&kClassA, NULL, 0, NULL), STATUS_INVALID_PARAMETER);
    WdfObjectDelete(disk);
    WdfioDriverUnload(driver);
}

const compat_test device_interface_tests[] = {
    {"DeviceInterface.EnabledAtStartListedOpenedAndGoneAtRemoval",
     interfaces_are_enabled_at_start_listed_opened_and_gone_at_removal},
    {"DeviceInterface.BadInput", device_interface_bad_input},
    {NULL, NULL},
};
