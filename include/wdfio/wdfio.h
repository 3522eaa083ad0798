/* wdfio.h — I/O queues, as KMDF's wdfio.h (driver spec §5): how a device
 * receives requests — one at a time (sequential), as they come (parallel),
 * or held until the driver retrieves them (manual) — and the callbacks that
 * receive them. */
#ifndef WDFIO_WDFIO_H
#define WDFIO_WDFIO_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdfrequest.h>
#include <wdfio/wdftypes.h>

#include <stddef.h>
#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef enum _WDF_IO_QUEUE_DISPATCH_TYPE {
    WdfIoQueueDispatchInvalid = 0,
    WdfIoQueueDispatchSequential,
    WdfIoQueueDispatchParallel,
    WdfIoQueueDispatchManual,
    WdfIoQueueDispatchMax,
} WDF_IO_QUEUE_DISPATCH_TYPE;

typedef enum _WDF_IO_QUEUE_STATE {
    WdfIoQueueAcceptRequests = 0x01,
    WdfIoQueueDispatchRequests = 0x02,
    WdfIoQueueNoRequests = 0x04,
    WdfIoQueueDriverNoRequests = 0x08,
    WdfIoQueuePnpHeld = 0x10,
} WDF_IO_QUEUE_STATE;

/* The state predicates (spec R5.14), over what WdfIoQueueGetState returns.
 * Idle: nothing waits, the driver holds nothing. Ready: accepting and
 * presenting, not held for power. Stopped: accepting, not presenting, the
 * driver holds nothing. Drained: not accepting, presenting, idle. Purged:
 * not accepting, idle. */
static inline BOOLEAN WDF_IO_QUEUE_IDLE(WDF_IO_QUEUE_STATE State) {
    const unsigned idle = WdfIoQueueNoRequests | WdfIoQueueDriverNoRequests;
    return ((unsigned)State & idle) == idle ? TRUE : FALSE;
}
static inline BOOLEAN WDF_IO_QUEUE_READY(WDF_IO_QUEUE_STATE State) {
    const unsigned s = (unsigned)State;
    return (s & WdfIoQueueAcceptRequests) && (s & WdfIoQueueDispatchRequests) && !(s & WdfIoQueuePnpHeld) ? TRUE
                                                                                                          : FALSE;
}
static inline BOOLEAN WDF_IO_QUEUE_STOPPED(WDF_IO_QUEUE_STATE State) {
    const unsigned s = (unsigned)State;
    return (s & WdfIoQueueAcceptRequests) && !(s & WdfIoQueueDispatchRequests) && (s & WdfIoQueueDriverNoRequests)
               ? TRUE
               : FALSE;
}
static inline BOOLEAN WDF_IO_QUEUE_DRAINED(WDF_IO_QUEUE_STATE State) {
    return !((unsigned)State & WdfIoQueueAcceptRequests) && ((unsigned)State & WdfIoQueueDispatchRequests) &&
                   WDF_IO_QUEUE_IDLE(State)
               ? TRUE
               : FALSE;
}
static inline BOOLEAN WDF_IO_QUEUE_PURGED(WDF_IO_QUEUE_STATE State) {
    return !((unsigned)State & WdfIoQueueAcceptRequests) && WDF_IO_QUEUE_IDLE(State) ? TRUE : FALSE;
}

typedef VOID EVT_WDF_IO_QUEUE_IO_DEFAULT(WDFQUEUE Queue, WDFREQUEST Request);
typedef EVT_WDF_IO_QUEUE_IO_DEFAULT* PFN_WDF_IO_QUEUE_IO_DEFAULT;
typedef VOID EVT_WDF_IO_QUEUE_IO_READ(WDFQUEUE Queue, WDFREQUEST Request, size_t Length);
typedef EVT_WDF_IO_QUEUE_IO_READ* PFN_WDF_IO_QUEUE_IO_READ;
typedef VOID EVT_WDF_IO_QUEUE_IO_WRITE(WDFQUEUE Queue, WDFREQUEST Request, size_t Length);
typedef EVT_WDF_IO_QUEUE_IO_WRITE* PFN_WDF_IO_QUEUE_IO_WRITE;
typedef VOID EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength,
                                                size_t InputBufferLength, ULONG IoControlCode);
typedef EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL* PFN_WDF_IO_QUEUE_IO_DEVICE_CONTROL;
typedef VOID EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL(WDFQUEUE Queue, WDFREQUEST Request, size_t OutputBufferLength,
                                                         size_t InputBufferLength, ULONG IoControlCode);
typedef EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL* PFN_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL;
typedef VOID EVT_WDF_IO_QUEUE_IO_STOP(WDFQUEUE Queue, WDFREQUEST Request, ULONG ActionFlags);
typedef EVT_WDF_IO_QUEUE_IO_STOP* PFN_WDF_IO_QUEUE_IO_STOP;
typedef VOID EVT_WDF_IO_QUEUE_IO_RESUME(WDFQUEUE Queue, WDFREQUEST Request);
typedef EVT_WDF_IO_QUEUE_IO_RESUME* PFN_WDF_IO_QUEUE_IO_RESUME;
typedef VOID EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE(WDFQUEUE Queue, WDFREQUEST Request);
typedef EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE* PFN_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE;
typedef VOID EVT_WDF_IO_QUEUE_STATE(WDFQUEUE Queue, WDFCONTEXT Context);
typedef EVT_WDF_IO_QUEUE_STATE* PFN_WDF_IO_QUEUE_STATE;

/* EvtIoStop and EvtIoResume: when the device leaves D0 (WdfioDeviceSuspend)
 * or is removed, each request the driver holds from a power-managed queue
 * gets EvtIoStop, and the transition waits for WdfRequestStopAcknowledge or
 * its completion (spec R4.11-R4.13, R5.24-R5.29); a non-power-managed queue's
 * requests get EvtIoStop(Purge) at removal only. PowerManaged WdfUseDefault
 * is TRUE except for filters and control devices (R5.2). A queue presents
 * from creation (the host starts devices at once). EvtIoCanceledOnQueue gets
 * a request the driver had requeued or forwarded when it is cancelled while
 * waiting (spec R5.30): the driver's again, to complete.
 * A parallel queue presents at most Settings.Parallel.NumberOfPresentedRequests
 * requests the driver holds ((ULONG)-1: unlimited; 0: none, they wait). */
typedef struct _WDF_IO_QUEUE_CONFIG {
    ULONG Size;
    WDF_IO_QUEUE_DISPATCH_TYPE DispatchType;
    WDF_TRI_STATE PowerManaged;
    BOOLEAN AllowZeroLengthRequests;
    BOOLEAN DefaultQueue;
    PFN_WDF_IO_QUEUE_IO_DEFAULT EvtIoDefault;
    PFN_WDF_IO_QUEUE_IO_READ EvtIoRead;
    PFN_WDF_IO_QUEUE_IO_WRITE EvtIoWrite;
    PFN_WDF_IO_QUEUE_IO_DEVICE_CONTROL EvtIoDeviceControl;
    PFN_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL EvtIoInternalDeviceControl;
    PFN_WDF_IO_QUEUE_IO_STOP EvtIoStop;
    PFN_WDF_IO_QUEUE_IO_RESUME EvtIoResume;
    PFN_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE EvtIoCanceledOnQueue;
    union {
        struct {
            ULONG NumberOfPresentedRequests;
        } Parallel;
    } Settings;
    WDFDRIVER Driver;
} WDF_IO_QUEUE_CONFIG, *PWDF_IO_QUEUE_CONFIG;

static inline VOID WDF_IO_QUEUE_CONFIG_INIT(PWDF_IO_QUEUE_CONFIG Config, WDF_IO_QUEUE_DISPATCH_TYPE DispatchType) {
    memset(Config, 0, sizeof(*Config));
    Config->Size = sizeof(WDF_IO_QUEUE_CONFIG);
    Config->PowerManaged = WdfUseDefault;
    Config->DispatchType = DispatchType;
    if (DispatchType == WdfIoQueueDispatchParallel) Config->Settings.Parallel.NumberOfPresentedRequests = (ULONG)-1;
}

static inline VOID WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(PWDF_IO_QUEUE_CONFIG Config,
                                                          WDF_IO_QUEUE_DISPATCH_TYPE DispatchType) {
    WDF_IO_QUEUE_CONFIG_INIT(Config, DispatchType);
    Config->DefaultQueue = TRUE;
}

/* In spec R5.1's order: attributes (a level, no scope yet); Size →
 * STATUS_INFO_LENGTH_MISMATCH; not default and Queue NULL →
 * STATUS_INVALID_PARAMETER_4; a parent not under Device →
 * STATUS_INVALID_DEVICE_REQUEST; a bad DispatchType →
 * STATUS_INVALID_PARAMETER; a dispatching queue without any of
 * EvtIoDefault/Read/Write/DeviceControl/InternalDeviceControl →
 * STATUS_WDF_NO_CALLBACK; a manual queue with one → STATUS_INVALID_PARAMETER;
 * a second default queue → STATUS_UNSUCCESSFUL. Queue may be NULL for the default queue. */
NTSTATUS WdfIoQueueCreate(WDFDEVICE Device, PWDF_IO_QUEUE_CONFIG Config, PWDF_OBJECT_ATTRIBUTES QueueAttributes,
                          WDFQUEUE* Queue);
WDFDEVICE WdfIoQueueGetDevice(WDFQUEUE Queue);
/* Manual (or sequential) queues: the next waiting request, now the
 * driver's → STATUS_SUCCESS; none → STATUS_NO_MORE_ENTRIES; stopped →
 * STATUS_WDF_PAUSED; a parallel queue → STATUS_INVALID_DEVICE_STATE.
 * *OutRequest is NULL on failure (spec R5.32). */
NTSTATUS WdfIoQueueRetrieveNextRequest(WDFQUEUE Queue, WDFREQUEST* OutRequest);
/* The same, for the oldest waiting request whose file object is FileObject
 * (R5.32): none → STATUS_NO_MORE_ENTRIES; a stopped or purged queue →
 * STATUS_WDF_PAUSED; a queue that presents by itself →
 * STATUS_INVALID_DEVICE_REQUEST; a bad FileObject → STATUS_INVALID_HANDLE.
 * *OutRequest is NULL on failure. */
NTSTATUS WdfIoQueueRetrieveRequestByFileObject(WDFQUEUE Queue, WDFFILEOBJECT FileObject, WDFREQUEST* OutRequest);
/* Manual queues (spec R5.33): the first waiting request after FoundRequest
 * (or the first, for NULL) opened under FileObject (NULL: any), skipping
 * ones being cancelled; it stays in the queue, not the driver's, and comes
 * with a reference the caller drops with WdfObjectDereference. Parameters
 * (optional) is filled as WdfRequestGetParameters does. Parameters->Size too
 * small → STATUS_INVALID_PARAMETER_4; not manual →
 * STATUS_INVALID_DEVICE_REQUEST; FoundRequest no longer waiting →
 * STATUS_NOT_FOUND (start over); none → STATUS_NO_MORE_ENTRIES. */
NTSTATUS WdfIoQueueFindRequest(WDFQUEUE Queue, WDFREQUEST FoundRequest, WDFFILEOBJECT FileObject,
                               PWDF_REQUEST_PARAMETERS Parameters, WDFREQUEST* OutRequest);
/* Takes the request FindRequest returned out of the queue, now the
 * driver's (spec R5.34); no longer waiting → STATUS_NOT_FOUND; otherwise as
 * WdfIoQueueRetrieveNextRequest (not manual → STATUS_INVALID_DEVICE_REQUEST).
 * The reference FindRequest gave is still the caller's to drop. */
NTSTATUS WdfIoQueueRetrieveFoundRequest(WDFQUEUE Queue, WDFREQUEST FoundRequest, WDFREQUEST* OutRequest);
/* Manual queues (spec R5.35): QueueReady(Queue, Context) runs each time the
 * queue goes from empty to not empty while presenting, on WdfIoQueueStart
 * when requests wait, and within this call if they wait already. NULL
 * cancels it, on a stopped queue only. Not manual, registered twice,
 * nothing to cancel, cancelled while presenting →
 * STATUS_INVALID_DEVICE_REQUEST (a verifier report); a deleted queue →
 * STATUS_DELETE_PENDING. */
NTSTATUS WdfIoQueueReadyNotify(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE QueueReady, WDFCONTEXT Context);
/* Accepting and presenting again after a stop or a purge. */
VOID WdfIoQueueStart(WDFQUEUE Queue);
/* Stop: requests are still accepted, not presented. Purge: waiting requests
 * complete with STATUS_CANCELLED, the cancel routines of the cancelable
 * requests the driver holds run, new requests fail with
 * STATUS_INVALID_DEVICE_STATE. The callback (optional) runs once the driver
 * holds no request the queue presented; the Synchronously forms wait for
 * that (never from a queue callback, a completion routine or the engine
 * thread: a verifier report, and no wait). */
VOID WdfIoQueueStop(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE StopComplete, WDFCONTEXT Context);
VOID WdfIoQueueStopSynchronously(WDFQUEUE Queue);
VOID WdfIoQueuePurge(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE PurgeComplete, WDFCONTEXT Context);
VOID WdfIoQueuePurgeSynchronously(WDFQUEUE Queue);
/* Stop and purge at once (spec R5.18): stopped as by Stop, the requests
 * waiting now complete with STATUS_CANCELLED and the cancel routines of the
 * cancelable requests the driver holds run, as by Purge; but the queue still
 * accepts: later requests wait for WdfIoQueueStart. A Stop-type callback:
 * it runs once the driver holds no request the queue presented. */
VOID WdfIoQueueStopAndPurge(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE StopAndPurgeComplete, WDFCONTEXT Context);
VOID WdfIoQueueStopAndPurgeSynchronously(WDFQUEUE Queue);
/* Drain: new requests fail with STATUS_INVALID_DEVICE_STATE, waiting ones
 * are still presented, nothing is cancelled; the callback runs once nothing
 * waits and the driver holds nothing from the queue (spec R5.20), before
 * the call returns if that holds already. Purge's callback waits for the
 * same. One Stop and one Purge/Drain callback (or Synchronously wait) may be
 * outstanding: a second is a fatal verifier error (R5.22; report mode: the
 * call does nothing). */
VOID WdfIoQueueDrain(WDFQUEUE Queue, PFN_WDF_IO_QUEUE_STATE DrainComplete, WDFCONTEXT Context);
VOID WdfIoQueueDrainSynchronously(WDFQUEUE Queue);
/* The state bits of WDF_IO_QUEUE_STATE; the counts waiting and held by the
 * driver (both optional). */
WDF_IO_QUEUE_STATE WdfIoQueueGetState(WDFQUEUE Queue, PULONG QueueRequests, PULONG DriverRequests);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFIO_H */
