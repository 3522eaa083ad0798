/* An upper filter driver written as a KMDF driver is. Its device sits above
 * a disk (WdfFdoInitSetFilter) and counts what goes through it: ioctls go
 * down with a completion routine, which counts them on their way back and
 * completes them with what the device below said; everything else goes down
 * send-and-forget, counted on its way down only. The filter answers one
 * ioctl itself: its counts.
 *
 * Its default queue has EvtIoDefault, so every request type reaches the
 * driver. A filter whose queues leave a type out (no EvtIoDefault and no
 * callback for it, or no queue at all) never sees that type: the framework
 * passes it down by itself. The monitor example relies on that. */
#include <ntddk.h>
#include <wdf.h>

#include "filter.h"

typedef struct _FILTER_EXTENSION {
    FILTER_COUNTERS Counters; /* updated with Interlocked*: the queue is parallel */
} FILTER_EXTENSION, *PFILTER_EXTENSION;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(FILTER_EXTENSION, FilterGetExtension)

DRIVER_INITIALIZE DriverEntry;
EVT_WDF_DRIVER_DEVICE_ADD FilterEvtDeviceAdd;
EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL FilterEvtIoDeviceControl;
EVT_WDF_IO_QUEUE_IO_DEFAULT FilterEvtIoDefault;
EVT_WDF_REQUEST_COMPLETION_ROUTINE FilterIoctlCompletion;

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#pragma alloc_text(PAGE, FilterEvtDeviceAdd)
#endif

_Use_decl_annotations_ NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, FilterEvtDeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

_Use_decl_annotations_ NTSTATUS FilterEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit) {
    DECLARE_CONST_UNICODE_STRING(deviceName, FILTER_DEVICE_NAME);
    WDF_OBJECT_ATTRIBUTES deviceAttributes;
    WDF_IO_QUEUE_CONFIG queueConfig;
    WDFDEVICE device;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Driver);
    PAGED_CODE();

    /* A filter: the framework does not claim the requests the driver has
     * no queue for, and the device takes its I/O type from the one below. */
    WdfFdoInitSetFilter(DeviceInit);
    /* Named so a client can open the stack at the filter; a filter on
     * Windows would rather be reached through the disk's own name. */
    status = WdfDeviceInitAssignName(DeviceInit, &deviceName);
    if (!NT_SUCCESS(status)) return status;

    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&deviceAttributes, FILTER_EXTENSION);
    status = WdfDeviceCreate(&DeviceInit, &deviceAttributes, &device);
    if (!NT_SUCCESS(status)) return status;

    /* Parallel: the filter keeps no state but counters, and must not make
     * the disk's requests wait for one another. */
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&queueConfig, WdfIoQueueDispatchParallel);
    queueConfig.EvtIoDeviceControl = FilterEvtIoDeviceControl;
    queueConfig.EvtIoDefault = FilterEvtIoDefault;
    return WdfIoQueueCreate(device, &queueConfig, WDF_NO_OBJECT_ATTRIBUTES, WDF_NO_HANDLE);
}

/* The filter's own ioctl: a copy of the counts. */
static VOID FilterReturnCounters(PFILTER_EXTENSION Extension, WDFREQUEST Request) {
    PFILTER_COUNTERS counters;
    NTSTATUS status;

    status = WdfRequestRetrieveOutputBuffer(Request, sizeof(FILTER_COUNTERS), (PVOID*)&counters, NULL);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }
    counters->IoctlsForwarded = InterlockedCompareExchange(&Extension->Counters.IoctlsForwarded, 0, 0);
    counters->IoctlsCompleted = InterlockedCompareExchange(&Extension->Counters.IoctlsCompleted, 0, 0);
    counters->IoctlsFailedBelow = InterlockedCompareExchange(&Extension->Counters.IoctlsFailedBelow, 0, 0);
    counters->ReadsPassedDown = InterlockedCompareExchange(&Extension->Counters.ReadsPassedDown, 0, 0);
    counters->WritesPassedDown = InterlockedCompareExchange(&Extension->Counters.WritesPassedDown, 0, 0);
    counters->OthersPassedDown = InterlockedCompareExchange(&Extension->Counters.OthersPassedDown, 0, 0);
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(FILTER_COUNTERS));
}

_Use_decl_annotations_ VOID FilterEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength,
                                                     size_t InputBufferLength, ULONG IoControlCode) {
    WDFDEVICE device = WdfIoQueueGetDevice(Queue);
    PFILTER_EXTENSION extension = FilterGetExtension(device);
    WDFIOTARGET target = WdfDeviceGetIoTarget(device);

    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);

    if (IoControlCode == IOCTL_FILTER_GET_COUNTERS) {
        FilterReturnCounters(extension, Request);
        return;
    }

    /* Down unchanged, but with a completion routine: the filter wants to
     * see how it ended. */
    WdfRequestFormatRequestUsingCurrentType(Request);
    WdfRequestSetCompletionRoutine(Request, FilterIoctlCompletion, extension);
    InterlockedIncrement(&extension->Counters.IoctlsForwarded);
    if (!WdfRequestSend(Request, target, WDF_NO_SEND_OPTIONS)) {
        /* Never sent: the routine will not run, the request is still ours. */
        NTSTATUS status = WdfRequestGetStatus(Request);
        KdPrint(("Filter: ioctl 0x%08X not sent: 0x%08X\n", IoControlCode, status));
        InterlockedDecrement(&extension->Counters.IoctlsForwarded);
        WdfRequestComplete(Request, status);
    }
}

_Use_decl_annotations_ VOID FilterIoctlCompletion(WDFREQUEST Request, WDFIOTARGET Target,
                                                  PWDF_REQUEST_COMPLETION_PARAMS Params, WDFCONTEXT Context) {
    PFILTER_EXTENSION extension = (PFILTER_EXTENSION)Context;

    UNREFERENCED_PARAMETER(Target);
    InterlockedIncrement(&extension->Counters.IoctlsCompleted);
    if (!NT_SUCCESS(Params->IoStatus.Status)) InterlockedIncrement(&extension->Counters.IoctlsFailedBelow);
    /* What the device below said, status and byte count, goes up as is. */
    WdfRequestCompleteWithInformation(Request, Params->IoStatus.Status, Params->IoStatus.Information);
}

_Use_decl_annotations_ VOID FilterEvtIoDefault(WDFQUEUE Queue, WDFREQUEST Request) {
    WDFDEVICE device = WdfIoQueueGetDevice(Queue);
    PFILTER_EXTENSION extension = FilterGetExtension(device);
    WDF_REQUEST_SEND_OPTIONS options;
    WDF_REQUEST_PARAMETERS parameters;

    WDF_REQUEST_PARAMETERS_INIT(&parameters);
    WdfRequestGetParameters(Request, &parameters);
    switch (parameters.Type) {
    case WdfRequestTypeRead: InterlockedIncrement(&extension->Counters.ReadsPassedDown); break;
    case WdfRequestTypeWrite: InterlockedIncrement(&extension->Counters.WritesPassedDown); break;
    default: InterlockedIncrement(&extension->Counters.OthersPassedDown); break;
    }

    /* Not formatted: send-and-forget hands the request down as it came,
     * and it is no longer the filter's once sent. */
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET);
    if (!WdfRequestSend(Request, WdfDeviceGetIoTarget(device), &options)) {
        NTSTATUS status = WdfRequestGetStatus(Request);
        KdPrint(("Filter: request not passed down: 0x%08X\n", status));
        WdfRequestComplete(Request, status);
    }
}
