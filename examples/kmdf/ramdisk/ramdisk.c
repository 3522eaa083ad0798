/* A RAM-disk driver written as a KMDF driver is: DriverEntry creates the
 * WDFDRIVER, EvtDriverDeviceAdd names the device and gives it a parallel
 * default queue, the disk lives in the device's context. Nothing in it is
 * wdfio's: it compiles against the WDK as it does here. */
#include <ntddk.h>
#include <wdf.h>

#include "ramdisk.h"

#define RAMDISK_TAG 'DmaR'

typedef struct _DEVICE_EXTENSION {
    PUCHAR Disk;
    ULONGLONG DiskSize;
    LONG Reads;
    LONG Writes;
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DEVICE_EXTENSION, DeviceGetExtension)

DRIVER_INITIALIZE DriverEntry;
EVT_WDF_DRIVER_DEVICE_ADD RamDiskEvtDeviceAdd;
EVT_WDF_DEVICE_PREPARE_HARDWARE RamDiskEvtPrepareHardware;
EVT_WDF_DEVICE_RELEASE_HARDWARE RamDiskEvtReleaseHardware;
EVT_WDF_IO_QUEUE_IO_READ RamDiskEvtIoRead;
EVT_WDF_IO_QUEUE_IO_WRITE RamDiskEvtIoWrite;
EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL RamDiskEvtIoDeviceControl;

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#pragma alloc_text(PAGE, RamDiskEvtDeviceAdd)
#endif

_Use_decl_annotations_ NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, RamDiskEvtDeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

_Use_decl_annotations_ NTSTATUS RamDiskEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit) {
    DECLARE_CONST_UNICODE_STRING(deviceName, RAMDISK_DEVICE_NAME);
    WDF_PNPPOWER_EVENT_CALLBACKS pnpPowerCallbacks;
    WDF_OBJECT_ATTRIBUTES deviceAttributes;
    WDF_IO_QUEUE_CONFIG queueConfig;
    WDFDEVICE device;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Driver);
    PAGED_CODE();

    WdfDeviceInitSetDeviceType(DeviceInit, FILE_DEVICE_DISK);
    WdfDeviceInitSetIoType(DeviceInit, WdfDeviceIoDirect);
    status = WdfDeviceInitAssignName(DeviceInit, &deviceName);
    if (!NT_SUCCESS(status)) return status;

    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnpPowerCallbacks);
    pnpPowerCallbacks.EvtDevicePrepareHardware = RamDiskEvtPrepareHardware;
    pnpPowerCallbacks.EvtDeviceReleaseHardware = RamDiskEvtReleaseHardware;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnpPowerCallbacks);

    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&deviceAttributes, DEVICE_EXTENSION);
    status = WdfDeviceCreate(&DeviceInit, &deviceAttributes, &device);
    if (!NT_SUCCESS(status)) return status;

    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&queueConfig, WdfIoQueueDispatchParallel);
    queueConfig.EvtIoRead = RamDiskEvtIoRead;
    queueConfig.EvtIoWrite = RamDiskEvtIoWrite;
    queueConfig.EvtIoDeviceControl = RamDiskEvtIoDeviceControl;
    return WdfIoQueueCreate(device, &queueConfig, WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE);
}

_Use_decl_annotations_ NTSTATUS RamDiskEvtPrepareHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesRaw,
                                                          WDFCMRESLIST ResourcesTranslated) {
    PDEVICE_EXTENSION extension = DeviceGetExtension(Device);
    UNREFERENCED_PARAMETER(ResourcesRaw);
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    extension->DiskSize = RAMDISK_SIZE;
    extension->Disk = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, (SIZE_T)extension->DiskSize, RAMDISK_TAG);
    if (extension->Disk == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    KdPrint(("RamDisk: %I64u bytes ready\n", extension->DiskSize));
    return STATUS_SUCCESS;
}

_Use_decl_annotations_ NTSTATUS RamDiskEvtReleaseHardware(WDFDEVICE Device, WDFCMRESLIST ResourcesTranslated) {
    PDEVICE_EXTENSION extension = DeviceGetExtension(Device);
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    KdPrint(("RamDisk: %d reads, %d writes\n", extension->Reads, extension->Writes));
    if (extension->Disk != NULL) ExFreePoolWithTag(extension->Disk, RAMDISK_TAG);
    extension->Disk = NULL;
    return STATUS_SUCCESS;
}

/* The byte range a read or write covers, if it lies on the disk. */
static BOOLEAN RamDiskRangeIsValid(PDEVICE_EXTENSION extension, LONGLONG offset, size_t length) {
    return offset >= 0 && (ULONGLONG)offset <= extension->DiskSize && length <= extension->DiskSize - (ULONGLONG)offset;
}

_Use_decl_annotations_ VOID RamDiskEvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length) {
    PDEVICE_EXTENSION extension = DeviceGetExtension(WdfIoQueueGetDevice(Queue));
    WDF_REQUEST_PARAMETERS parameters;
    WDFMEMORY memory;
    NTSTATUS status;

    WDF_REQUEST_PARAMETERS_INIT(&parameters);
    WdfRequestGetParameters(Request, &parameters);
    if (!RamDiskRangeIsValid(extension, parameters.Parameters.Read.DeviceOffset, Length)) {
        WdfRequestComplete(Request, STATUS_INVALID_PARAMETER);
        return;
    }
    status = WdfRequestRetrieveOutputMemory(Request, &memory);
    if (NT_SUCCESS(status)) {
        status = WdfMemoryCopyFromBuffer(memory, 0, extension->Disk + parameters.Parameters.Read.DeviceOffset, Length);
    }
    InterlockedIncrement(&extension->Reads);
    WdfRequestCompleteWithInformation(Request, status, NT_SUCCESS(status) ? (ULONG_PTR)Length : 0);
}

_Use_decl_annotations_ VOID RamDiskEvtIoWrite(WDFQUEUE Queue, WDFREQUEST Request, size_t Length) {
    PDEVICE_EXTENSION extension = DeviceGetExtension(WdfIoQueueGetDevice(Queue));
    WDF_REQUEST_PARAMETERS parameters;
    PVOID buffer;
    NTSTATUS status;

    WDF_REQUEST_PARAMETERS_INIT(&parameters);
    WdfRequestGetParameters(Request, &parameters);
    if (!RamDiskRangeIsValid(extension, parameters.Parameters.Write.DeviceOffset, Length)) {
        WdfRequestComplete(Request, STATUS_INVALID_PARAMETER);
        return;
    }
    status = WdfRequestRetrieveInputBuffer(Request, Length, &buffer, NULL);
    if (NT_SUCCESS(status)) RtlCopyMemory(extension->Disk + parameters.Parameters.Write.DeviceOffset, buffer, Length);
    InterlockedIncrement(&extension->Writes);
    WdfRequestCompleteWithInformation(Request, status, NT_SUCCESS(status) ? (ULONG_PTR)Length : 0);
}

_Use_decl_annotations_ VOID RamDiskEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength,
                                                      size_t InputBufferLength, ULONG IoControlCode) {
    PDEVICE_EXTENSION extension = DeviceGetExtension(WdfIoQueueGetDevice(Queue));
    PULONGLONG size;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);
    if (IoControlCode != IOCTL_RAMDISK_GET_SIZE) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    status = WdfRequestRetrieveOutputBuffer(Request, sizeof(ULONGLONG), (PVOID*)&size, NULL);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }
    *size = extension->DiskSize;
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(ULONGLONG));
}
