/* An echo driver written as a KMDF driver is: what a write brings is kept in
 * the default queue's context, and the next read returns it. A read that
 * finds nothing is held, cancelable, until a one-shot timer (a child of the
 * queue) gives up on it and completes it with no data. The queue is
 * sequential: while a read is held nothing else is presented, so a write
 * sent meanwhile waits for the held read to end. */
#include <ntddk.h>
#include <wdf.h>

#include "echo.h"

/* Touched only by the queue's callbacks, the held read's cancel routine and
 * the timer. They run on different threads, but the queue's synchronization
 * scope (WdfSynchronizationScopeQueue) runs them one at a time — the timer
 * too, whose AutomaticSerialization WDF_TIMER_CONFIG_INIT sets — so none
 * of them takes a lock. */
typedef struct _QUEUE_CONTEXT {
    WDFTIMER ReadTimer;
    WDFREQUEST HeldRead; /* a cancelable read waiting for data, or NULL */
    size_t DataLength;
    UCHAR Data[ECHO_MAX_DATA];
} QUEUE_CONTEXT, *PQUEUE_CONTEXT;
WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(QUEUE_CONTEXT, QueueGetContext)

DRIVER_INITIALIZE DriverEntry;
EVT_WDF_DRIVER_DEVICE_ADD EchoEvtDeviceAdd;
EVT_WDF_IO_QUEUE_IO_READ EchoEvtIoRead;
EVT_WDF_IO_QUEUE_IO_WRITE EchoEvtIoWrite;
EVT_WDF_REQUEST_CANCEL EchoEvtRequestCancel;
EVT_WDF_TIMER EchoEvtReadTimer;

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#pragma alloc_text(PAGE, EchoEvtDeviceAdd)
#endif

_Use_decl_annotations_ NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    WDF_DRIVER_CONFIG config;
    WDF_DRIVER_CONFIG_INIT(&config, EchoEvtDeviceAdd);
    return WdfDriverCreate(DriverObject, RegistryPath, WDF_NO_OBJECT_ATTRIBUTES, &config, WDF_NO_HANDLE);
}

_Use_decl_annotations_ NTSTATUS EchoEvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit) {
    DECLARE_CONST_UNICODE_STRING(deviceName, ECHO_DEVICE_NAME);
    WDF_IO_QUEUE_CONFIG queueConfig;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDF_TIMER_CONFIG timerConfig;
    PQUEUE_CONTEXT context;
    WDFDEVICE device;
    WDFQUEUE queue;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Driver);
    PAGED_CODE();

    WdfDeviceInitSetIoType(DeviceInit, WdfDeviceIoBuffered);
    status = WdfDeviceInitAssignName(DeviceInit, &deviceName);
    if (!NT_SUCCESS(status)) return status;
    status = WdfDeviceCreate(&DeviceInit, WDF_NO_OBJECT_ATTRIBUTES, &device);
    if (!NT_SUCCESS(status)) return status;

    /* Sequential: one request at a time, so EvtIoRead and EvtIoWrite never
     * run together and a held read keeps the others waiting. */
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&queueConfig, WdfIoQueueDispatchSequential);
    queueConfig.EvtIoRead = EchoEvtIoRead;
    queueConfig.EvtIoWrite = EchoEvtIoWrite;
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, QUEUE_CONTEXT);
    attributes.SynchronizationScope = WdfSynchronizationScopeQueue;
    status = WdfIoQueueCreate(device, &queueConfig, &attributes, &queue);
    if (!NT_SUCCESS(status)) return status;
    context = QueueGetContext(queue);

    /* The timer is the queue's: it goes when the queue goes, stopped
     * (waiting for a running callback) before that. */
    WDF_TIMER_CONFIG_INIT(&timerConfig, EchoEvtReadTimer);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = queue;
    return WdfTimerCreate(&timerConfig, &attributes, &context->ReadTimer);
}

_Use_decl_annotations_ VOID EchoEvtIoWrite(WDFQUEUE Queue, WDFREQUEST Request, size_t Length) {
    PQUEUE_CONTEXT context = QueueGetContext(Queue);
    NTSTATUS status;
    PVOID buffer;

    status = WdfRequestRetrieveInputBuffer(Request, Length, &buffer, NULL);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }
    /* Appended to what no read has taken yet; what does not fit is refused
     * whole rather than cut, so a reader never gets half a message. */
    if (Length > ECHO_MAX_DATA - context->DataLength) {
        status = STATUS_INVALID_BUFFER_SIZE;
    } else {
        RtlCopyMemory(context->Data + context->DataLength, buffer, Length);
        context->DataLength += Length;
    }
    KdPrint(("Echo: write of %Iu bytes: 0x%08X\n", Length, status));
    WdfRequestCompleteWithInformation(Request, status, NT_SUCCESS(status) ? (ULONG_PTR)Length : 0);
}

_Use_decl_annotations_ VOID EchoEvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length) {
    PQUEUE_CONTEXT context = QueueGetContext(Queue);
    size_t returned = 0;
    NTSTATUS status;
    WDFMEMORY memory;

    status = WdfRequestRetrieveOutputMemory(Request, &memory);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }

    if (context->DataLength == 0) {
        /* Nothing to return yet: hold the read. The cancel routine and the
         * timer cannot run before this callback returns (the queue's
         * scope), so they see it both cancelable and HeldRead. The Ex form
         * never calls the cancel routine itself: a read cancelled already
         * is completed here. */
        status = WdfRequestMarkCancelableEx(Request, EchoEvtRequestCancel);
        if (NT_SUCCESS(status)) context->HeldRead = Request;
        if (!NT_SUCCESS(status)) {
            WdfRequestComplete(Request, status);
            return;
        }
        WdfTimerStart(context->ReadTimer, WDF_REL_TIMEOUT_IN_MS(ECHO_READ_TIMEOUT_MS));
        return;
    }
    returned = Length < context->DataLength ? Length : context->DataLength;
    status = WdfMemoryCopyFromBuffer(memory, 0, context->Data, returned);
    if (NT_SUCCESS(status)) {
        /* What was read is gone; the rest waits for the next read. */
        RtlMoveMemory(context->Data, context->Data + returned, context->DataLength - returned);
        context->DataLength -= returned;
    }
    WdfRequestCompleteWithInformation(Request, status, NT_SUCCESS(status) ? (ULONG_PTR)returned : 0);
}

/* The timeout of a held read: it ends with success and no data, as a read
 * from a port that had nothing to say. */
_Use_decl_annotations_ VOID EchoEvtReadTimer(WDFTIMER Timer) {
    PQUEUE_CONTEXT context = QueueGetContext(WdfTimerGetParentObject(Timer));
    WDFREQUEST request;

    request = context->HeldRead;
    if (request != NULL) {
        /* STATUS_CANCELLED: the cancel routine has the request (it waits for
         * this callback to return) and completes it; leave it alone. */
        if (WdfRequestUnmarkCancelable(request) == STATUS_CANCELLED) {
            request = NULL;
        } else {
            context->HeldRead = NULL;
        }
    }

    if (request != NULL) {
        KdPrint(("Echo: held read timed out\n"));
        WdfRequestCompleteWithInformation(request, STATUS_SUCCESS, 0);
    }
}

_Use_decl_annotations_ VOID EchoEvtRequestCancel(WDFREQUEST Request) {
    PQUEUE_CONTEXT context = QueueGetContext(WdfRequestGetIoQueue(Request));

    if (context->HeldRead == Request) context->HeldRead = NULL;
    /* No read is held any more: the timer has nothing to do. Not waiting
     * for a running timer callback, which may be the one that found the
     * read cancelled. */
    WdfTimerStop(context->ReadTimer, FALSE);
    KdPrint(("Echo: held read cancelled\n"));
    WdfRequestComplete(Request, STATUS_CANCELLED);
}
