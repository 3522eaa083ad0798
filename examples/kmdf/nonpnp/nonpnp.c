/* A non-PnP driver written as KMDF drivers of that kind are: DriverEntry
 * makes the WDFDRIVER (no EvtDriverDeviceAdd), then a control device with a
 * name, a symbolic link and a sequential default queue for its ioctl, and
 * finishes initializing it; the device goes when the driver unloads. Nothing
 * in it is wdfio's. */
#include <ntddk.h>
#include <wdf.h>
#include <wdmsec.h>

#include "nonpnp.h"

typedef struct _CONTROL_CONTEXT {
    LONG Requests; /* ioctls seen, any code */
} CONTROL_CONTEXT, *PCONTROL_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(CONTROL_CONTEXT, ControlGetContext)

DRIVER_INITIALIZE DriverEntry;
EVT_WDF_DRIVER_UNLOAD NonPnpEvtDriverUnload;
EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL NonPnpEvtIoDeviceControl;
static NTSTATUS NonPnpCreateControlDevice(WDFDRIVER Driver);

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#pragma alloc_text(PAGE, NonPnpEvtDriverUnload)
#endif

_Use_decl_annotations_ NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    WDF_DRIVER_CONFIG config;
    WDFDRIVER driver;
    NTSTATUS status;

    WDF_DRIVER_CONFIG_INIT(&config, WDF_NO_EVENT_CALLBACK);
    config.DriverInitFlags |= WdfDriverInitNonPnpDriver;
    config.EvtDriverUnload = NonPnpEvtDriverUnload;
    status = WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, &driver);
    if (!NT_SUCCESS(status)) return status;
    return NonPnpCreateControlDevice(driver);
}

static NTSTATUS NonPnpCreateControlDevice(WDFDRIVER Driver) {
    DECLARE_CONST_UNICODE_STRING(deviceName, NONPNP_DEVICE_NAME);
    DECLARE_CONST_UNICODE_STRING(linkName, NONPNP_LINK_NAME);
    PWDFDEVICE_INIT init;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_IO_QUEUE_CONFIG queueConfig;
    WDFDEVICE device;
    NTSTATUS status;

    init = WdfControlDeviceInitAllocate(Driver, &SDDL_DEVOBJ_SYS_ALL_ADM_RWX_WORLD_RW_RES_R);
    if (init == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    WdfDeviceInitSetExclusive(init, FALSE);
    status = WdfDeviceInitAssignName(init, &deviceName);
    if (NT_SUCCESS(status)) {
        WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, CONTROL_CONTEXT);
        status = WdfDeviceCreate(&init, &attributes, &device);
    }
    if (!NT_SUCCESS(status)) {
        WdfDeviceInitFree(init); /* a failed create leaves it to us */
        return status;
    }
    status = WdfDeviceCreateSymbolicLink(device, &linkName);
    if (!NT_SUCCESS(status)) goto fail;

    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&queueConfig, WdfIoQueueDispatchSequential);
    queueConfig.EvtIoDeviceControl = NonPnpEvtIoDeviceControl;
    status = WdfIoQueueCreate(device, &queueConfig, WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE);
    if (!NT_SUCCESS(status)) goto fail;

    WdfControlFinishInitializing(device); /* clients may open it from here on */
    KdPrint(("NonPnp: control device ready\n"));
    return STATUS_SUCCESS;

fail:
    WdfObjectDelete(device); /* a control device is ours to delete */
    return status;
}

_Use_decl_annotations_ VOID NonPnpEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength,
                                                     size_t InputBufferLength, ULONG IoControlCode) {
    PCONTROL_CONTEXT context = ControlGetContext(WdfIoQueueGetDevice(Queue));
    PUCHAR in;
    PUCHAR out;
    size_t i;
    NTSTATUS status;

    InterlockedIncrement(&context->Requests);
    if (IoControlCode != IOCTL_NONPNP_REVERSE) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    if (InputBufferLength == 0 || InputBufferLength > NONPNP_MAX_BYTES || OutputBufferLength < InputBufferLength) {
        WdfRequestComplete(Request, STATUS_INVALID_PARAMETER);
        return;
    }
    status = WdfRequestRetrieveInputBuffer(Request, InputBufferLength, (PVOID*)&in, NULL);
    if (NT_SUCCESS(status)) status = WdfRequestRetrieveOutputBuffer(Request, InputBufferLength, (PVOID*)&out, NULL);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }
    {
        UCHAR copy[NONPNP_MAX_BYTES]; /* METHOD_BUFFERED: in and out may be one buffer */
        RtlCopyMemory(copy, in, InputBufferLength);
        for (i = 0; i < InputBufferLength; ++i) out[i] = copy[InputBufferLength - 1 - i];
    }
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, InputBufferLength);
}

_Use_decl_annotations_ VOID NonPnpEvtDriverUnload(WDFDRIVER Driver) {
    UNREFERENCED_PARAMETER(Driver);
    PAGED_CODE();
    KdPrint(("NonPnp: unloaded\n"));
}
