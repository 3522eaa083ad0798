/* A monitor driver written as a KMDF driver is: a filter above a disk whose
 * periodic timer reads one block from the disk, asynchronously, with one
 * request the driver made once and re-uses for every read, so never more
 * than one read is out. An ioctl reports how the reads went and what the
 * last one returned.
 *
 * It has no default queue, only a queue for ioctls: as a filter it never
 * sees the reads and writes sent to it, which the framework passes down to
 * the disk by itself. (KMDF would do the same with a default queue that has
 * EvtIoDeviceControl alone; wdfio fails those reads and writes with
 * STATUS_INVALID_DEVICE_REQUEST instead, so the queue is not the default.) */
#include <ntddk.h>
#include <wdf.h>

#include "monitor.h"

typedef struct _MONITOR_EXTENSION {
    WDFTIMER Timer;
    WDFREQUEST ReadRequest;
    WDFMEMORY ReadBuffer;
    /* Guards the flags and the status below. The timer callback, the
     * completion routine and the queue's callbacks may run on different
     * threads at once. */
    WDFSPINLOCK Lock;
    BOOLEAN ReadOut;  /* ReadRequest is sent (or about to be) */
    BOOLEAN Stopping; /* the device is leaving D0: no more reads */
    MONITOR_STATUS Status;
} MONITOR_EXTENSION, *PMONITOR_EXTENSION;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(MONITOR_EXTENSION, MonitorGetExtension)

DRIVER_INITIALIZE DriverEntry;
EVT_WDF_DRIVER_DEVICE_ADD MonitorEvtDeviceAdd;
EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT MonitorEvtSelfManagedIoInit;
EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND MonitorEvtSelfManagedIoSuspend;
EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL MonitorEvtIoDeviceControl;
EVT_WDF_TIMER MonitorEvtTimer;
EVT_WDF_REQUEST_COMPLETION_ROUTINE MonitorReadCompletion;

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#pragma alloc_text(PAGE, MonitorEvtDeviceAdd)
#pragma alloc_text(PAGE, MonitorEvtSelfManagedIoInit)
#pragma alloc_text(PAGE, MonitorEvtSelfManagedIoSuspend)
#endif

_Use_decl_annotations_ NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, MonitorEvtDeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

_Use_decl_annotations_ NTSTATUS MonitorEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit) {
    DECLARE_CONST_UNICODE_STRING(deviceName, MONITOR_DEVICE_NAME);
    WDF_PNPPOWER_EVENT_CALLBACKS pnpPowerCallbacks;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_IO_QUEUE_CONFIG queueConfig;
    WDF_TIMER_CONFIG timerConfig;
    PMONITOR_EXTENSION extension;
    WDFDEVICE device;
    WDFQUEUE queue;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Driver);
    PAGED_CODE();

    WdfFdoInitSetFilter(DeviceInit);
    status = WdfDeviceInitAssignName(DeviceInit, &deviceName);
    if (!NT_SUCCESS(status)) return status;

    /* The reads start once the device works and stop before it goes. */
    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnpPowerCallbacks);
    pnpPowerCallbacks.EvtDeviceSelfManagedIoInit = MonitorEvtSelfManagedIoInit;
    pnpPowerCallbacks.EvtDeviceSelfManagedIoSuspend = MonitorEvtSelfManagedIoSuspend;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnpPowerCallbacks);

    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, MONITOR_EXTENSION);
    status = WdfDeviceCreate(&DeviceInit, &attributes, &device);
    if (!NT_SUCCESS(status)) return status;
    extension = MonitorGetExtension(device);

    WDF_IO_QUEUE_CONFIG_INIT(&queueConfig, WdfIoQueueDispatchParallel);
    queueConfig.EvtIoDeviceControl = MonitorEvtIoDeviceControl;
    status = WdfIoQueueCreate(device, &queueConfig, WDF_NO_OBJECT_ATTRIBUTES, &queue);
    if (!NT_SUCCESS(status)) return status;
    status = WdfDeviceConfigureRequestDispatching(device, queue, WdfRequestTypeDeviceControl);
    if (!NT_SUCCESS(status)) return status;

    /* Everything below is the device's: deleted with it, the timer first
     * stopped (and a running callback waited for). */
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    status = WdfSpinLockCreate(&attributes, &extension->Lock);
    if (!NT_SUCCESS(status)) return status;

    /* Sized for the disk below: the device's own I/O target. */
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    status = WdfRequestCreate(&attributes, WdfDeviceGetIoTarget(device), &extension->ReadRequest);
    if (!NT_SUCCESS(status)) return status;

    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    status = WdfMemoryCreate(&attributes, NonPagedPoolNx, 'noMK', MONITOR_BLOCK_SIZE, &extension->ReadBuffer, NULL);
    if (!NT_SUCCESS(status)) return status;

    WDF_TIMER_CONFIG_INIT_PERIODIC(&timerConfig, MonitorEvtTimer, MONITOR_PERIOD_MS);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = device;
    return WdfTimerCreate(&timerConfig, &attributes, &extension->Timer);
}

_Use_decl_annotations_ NTSTATUS MonitorEvtSelfManagedIoInit(WDFDEVICE Device) {
    PMONITOR_EXTENSION extension = MonitorGetExtension(Device);
    PAGED_CODE();
    WdfTimerStart(extension->Timer, WDF_REL_TIMEOUT_IN_MS(MONITOR_PERIOD_MS));
    return STATUS_SUCCESS;
}

/* No read may be out when the device goes: the request is the device's
 * child and deleting it while sent is an error. The timer is not stopped
 * here; it keeps ticking, idle, until it is deleted with the device. */
_Use_decl_annotations_ NTSTATUS MonitorEvtSelfManagedIoSuspend(WDFDEVICE Device) {
    PMONITOR_EXTENSION extension = MonitorGetExtension(Device);
    LARGE_INTEGER interval;
    BOOLEAN readOut;

    PAGED_CODE();
    WdfSpinLockAcquire(extension->Lock);
    extension->Stopping = TRUE;
    readOut = extension->ReadOut;
    WdfSpinLockRelease(extension->Lock);

    /* A read still out is cancelled, and waited for. Cancel again on each
     * pass: a cancel that lands between the tick's check and its send is
     * sticky and makes the send fail, but one that lands before the
     * completion routine's Reuse is cleared by it. */
    interval.QuadPart = WDF_REL_TIMEOUT_IN_MS(1);
    while (readOut) {
        WdfRequestCancelSentRequest(extension->ReadRequest);
        KeDelayExecutionThread(KernelMode, FALSE, &interval);
        WdfSpinLockAcquire(extension->Lock);
        readOut = extension->ReadOut;
        WdfSpinLockRelease(extension->Lock);
    }
    KdPrint(("Monitor: stopped after %d reads, %d failures, %d busy ticks\n", extension->Status.Reads,
             extension->Status.Failures, extension->Status.BusyTicks));
    return STATUS_SUCCESS;
}

/* The request is idle again: ready for the next tick. Reuse comes before
 * ReadOut is cleared, so that nothing races the Reuse. */
static VOID MonitorReadDone(PMONITOR_EXTENSION Extension) {
    WDF_REQUEST_REUSE_PARAMS reuse;
    WDF_REQUEST_REUSE_PARAMS_INIT(&reuse, WDF_REQUEST_REUSE_NO_FLAGS, STATUS_SUCCESS);
    WdfRequestReuse(Extension->ReadRequest, &reuse);
    WdfSpinLockAcquire(Extension->Lock);
    Extension->ReadOut = FALSE;
    WdfSpinLockRelease(Extension->Lock);
}

_Use_decl_annotations_ VOID MonitorEvtTimer(WDFTIMER Timer) {
    WDFDEVICE device = (WDFDEVICE)WdfTimerGetParentObject(Timer);
    PMONITOR_EXTENSION extension = MonitorGetExtension(device);
    WDFIOTARGET target = WdfDeviceGetIoTarget(device);
    LONGLONG offset = MONITOR_BLOCK_OFFSET;
    NTSTATUS status;

    WdfSpinLockAcquire(extension->Lock);
    if (extension->Stopping || extension->ReadOut) {
        if (extension->ReadOut) extension->Status.BusyTicks++;
        WdfSpinLockRelease(extension->Lock);
        return;
    }
    extension->ReadOut = TRUE;
    WdfSpinLockRelease(extension->Lock);

    /* Sent without the lock held: the disk may complete it at once, and the
     * completion routine then runs in this thread. */
    status = WdfIoTargetFormatRequestForRead(target, extension->ReadRequest, extension->ReadBuffer, NULL, &offset);
    if (NT_SUCCESS(status)) {
        WdfRequestSetCompletionRoutine(extension->ReadRequest, MonitorReadCompletion, extension);
        if (WdfRequestSend(extension->ReadRequest, target, WDF_NO_SEND_OPTIONS)) return;
        status = WdfRequestGetStatus(extension->ReadRequest);
    }
    KdPrint(("Monitor: read not sent: 0x%08X\n", status));
    WdfSpinLockAcquire(extension->Lock);
    extension->Status.Failures++;
    extension->Status.LastStatus = status;
    WdfSpinLockRelease(extension->Lock);
    MonitorReadDone(extension);
}

_Use_decl_annotations_ VOID MonitorReadCompletion(WDFREQUEST Request, WDFIOTARGET Target,
                                                  PWDF_REQUEST_COMPLETION_PARAMS Params, WDFCONTEXT Context) {
    PMONITOR_EXTENSION extension = (PMONITOR_EXTENSION)Context;
    NTSTATUS status = Params->IoStatus.Status;
    PVOID data = WdfMemoryGetBuffer(Params->Parameters.Read.Buffer, NULL);

    UNREFERENCED_PARAMETER(Request);
    UNREFERENCED_PARAMETER(Target);
    WdfSpinLockAcquire(extension->Lock);
    if (NT_SUCCESS(status) && Params->IoStatus.Information == MONITOR_BLOCK_SIZE) {
        RtlCopyMemory(extension->Status.LastBlock, data, MONITOR_BLOCK_SIZE);
        extension->Status.Reads++;
    } else {
        extension->Status.Failures++;
    }
    extension->Status.LastStatus = status;
    WdfSpinLockRelease(extension->Lock);
    MonitorReadDone(extension);
}

_Use_decl_annotations_ VOID MonitorEvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength,
                                                      size_t InputBufferLength, ULONG IoControlCode) {
    WDFDEVICE device = WdfIoQueueGetDevice(Queue);
    PMONITOR_EXTENSION extension = MonitorGetExtension(device);
    WDF_REQUEST_SEND_OPTIONS options;
    PMONITOR_STATUS status;
    NTSTATUS result;

    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);

    if (IoControlCode != IOCTL_MONITOR_GET_STATUS) {
        /* Not the monitor's: the disk's, passed down as it came. */
        WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET);
        if (!WdfRequestSend(Request, WdfDeviceGetIoTarget(device), &options))
            WdfRequestComplete(Request, WdfRequestGetStatus(Request));
        return;
    }
    result = WdfRequestRetrieveOutputBuffer(Request, sizeof(MONITOR_STATUS), (PVOID*)&status, NULL);
    if (!NT_SUCCESS(result)) {
        WdfRequestComplete(Request, result);
        return;
    }
    WdfSpinLockAcquire(extension->Lock);
    RtlCopyMemory(status, &extension->Status, sizeof(MONITOR_STATUS));
    WdfSpinLockRelease(extension->Lock);
    WdfRequestCompleteWithInformation(Request, STATUS_SUCCESS, sizeof(MONITOR_STATUS));
}
