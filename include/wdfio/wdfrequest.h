/* wdfrequest.h — requests: create, reuse, completion routines and their
 * parameters, send (with its options), status, cancel. Formatting a request
 * for a target is in wdfiotarget.h, as in KMDF. */
#ifndef WDFIO_WDFREQUEST_H
#define WDFIO_WDFREQUEST_H

#include <wdfio/ke.h>
#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>
#include <wdfio/wdm.h>

#include <stddef.h>
#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef enum _WDF_REQUEST_TYPE {
    WdfRequestTypeCreate = 0x00, /* the request EvtDeviceFileCreate gets */
    WdfRequestTypeRead = 0x03,
    WdfRequestTypeWrite = 0x04,
    WdfRequestTypeDeviceControl = 0x0E,
    WdfRequestTypeDeviceControlInternal = 0x0F,
    WdfRequestTypeOther = 0x1C,
    WdfRequestTypeNoFormat = 0xFF,
} WDF_REQUEST_TYPE;

typedef struct _WDF_REQUEST_COMPLETION_PARAMS {
    ULONG Size;
    WDF_REQUEST_TYPE Type;
    IO_STATUS_BLOCK IoStatus; /* after the timeout translation: a timed-out send reads STATUS_IO_TIMEOUT */
    union {
        struct {
            WDFMEMORY Buffer;
            size_t Length; /* = IoStatus.Information */
            size_t Offset;
        } Write;
        struct {
            WDFMEMORY Buffer;
            size_t Length;
            size_t Offset;
        } Read;
        struct {
            ULONG IoControlCode;
            struct {
                WDFMEMORY Buffer;
                size_t Offset;
            } Input;
            struct {
                WDFMEMORY Buffer;
                size_t Offset;
                size_t Length;
            } Output;
        } Ioctl;
        struct {
            union {
                PVOID Ptr;
                ULONG_PTR Value;
            } Argument1, Argument2, Argument3, Argument4; /* WDFMEMORY handles; Argument3 unused */
        } Others;
    } Parameters;
} WDF_REQUEST_COMPLETION_PARAMS, *PWDF_REQUEST_COMPLETION_PARAMS;

static inline void WDF_REQUEST_COMPLETION_PARAMS_INIT(PWDF_REQUEST_COMPLETION_PARAMS Params) {
    memset(Params, 0, sizeof(*Params));
    Params->Size = sizeof(WDF_REQUEST_COMPLETION_PARAMS);
    Params->Type = WdfRequestTypeNoFormat;
}

/* Runs exactly once per accepted asynchronous (or SYNCHRONOUS) send, on the
 * engine thread for file targets, inline in the completing thread for
 * in-process devices. One-shot: set it again before each send. It may
 * reuse, re-format and re-send the request, or delete it. */
typedef void EVT_WDF_REQUEST_COMPLETION_ROUTINE(WDFREQUEST Request, WDFIOTARGET Target,
                                                PWDF_REQUEST_COMPLETION_PARAMS Params, WDFCONTEXT Context);
typedef EVT_WDF_REQUEST_COMPLETION_ROUTINE* PFN_WDF_REQUEST_COMPLETION_ROUTINE;

typedef enum _WDF_REQUEST_SEND_OPTIONS_FLAGS {
    WDF_REQUEST_SEND_OPTION_TIMEOUT = 0x00000001,
    WDF_REQUEST_SEND_OPTION_SYNCHRONOUS = 0x00000002,
    WDF_REQUEST_SEND_OPTION_IGNORE_TARGET_STATE = 0x00000004,
    WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET = 0x00000008,
} WDF_REQUEST_SEND_OPTIONS_FLAGS;

typedef struct _WDF_REQUEST_SEND_OPTIONS {
    ULONG Size;
    ULONG Flags;
    LONGLONG Timeout; /* 100 ns ticks, see WDF_REL_TIMEOUT_IN_MS */
} WDF_REQUEST_SEND_OPTIONS, *PWDF_REQUEST_SEND_OPTIONS;

static inline void WDF_REQUEST_SEND_OPTIONS_INIT(PWDF_REQUEST_SEND_OPTIONS Options, ULONG Flags) {
    memset(Options, 0, sizeof(*Options));
    Options->Size = sizeof(WDF_REQUEST_SEND_OPTIONS);
    Options->Flags = Flags;
}

static inline void WDF_REQUEST_SEND_OPTIONS_SET_TIMEOUT(PWDF_REQUEST_SEND_OPTIONS Options, LONGLONG Timeout) {
    Options->Flags |= WDF_REQUEST_SEND_OPTION_TIMEOUT;
    Options->Timeout = Timeout;
}

typedef enum _WDF_REQUEST_REUSE_FLAGS {
    WDF_REQUEST_REUSE_NO_FLAGS = 0x00000000,
    WDF_REQUEST_REUSE_SET_NEW_IRP = 0x00000001, /* no IRPs here: STATUS_INVALID_PARAMETER */
} WDF_REQUEST_REUSE_FLAGS;

typedef struct _WDF_REQUEST_REUSE_PARAMS {
    ULONG Size;
    ULONG Flags;
    NTSTATUS Status;
    PVOID NewIrp;
} WDF_REQUEST_REUSE_PARAMS, *PWDF_REQUEST_REUSE_PARAMS;

static inline void WDF_REQUEST_REUSE_PARAMS_INIT(PWDF_REQUEST_REUSE_PARAMS Params, ULONG Flags, NTSTATUS Status) {
    memset(Params, 0, sizeof(*Params));
    Params->Size = sizeof(WDF_REQUEST_REUSE_PARAMS);
    Params->Flags = Flags;
    Params->Status = Status;
}

/* A driver-created request; with IoTarget, checked against it (a target that
 * is not open → STATUS_INVALID_DEVICE_STATE). */
NTSTATUS WdfRequestCreate(PWDF_OBJECT_ATTRIBUTES RequestAttributes, WDFIOTARGET IoTarget /* optional */,
                          WDFREQUEST* Request);
/* Drops the format and the completion routine, clears a stale cancel;
 * WdfRequestGetStatus then reads Params->Status. Outstanding → verifier. */
NTSTATUS WdfRequestReuse(WDFREQUEST Request, PWDF_REQUEST_REUSE_PARAMS ReuseParams);
NTSTATUS WdfRequestChangeTarget(WDFREQUEST Request, WDFIOTARGET IoTarget);
VOID WdfRequestSetCompletionRoutine(WDFREQUEST Request, PFN_WDF_REQUEST_COMPLETION_ROUTINE CompletionRoutine,
                                    WDFCONTEXT CompletionContext);
/* TRUE: accepted (sent, or parked in a stopped target), the routine will
 * run; with SYNCHRONOUS it already ran. FALSE: refused, WdfRequestGetStatus
 * says why, the routine stays set and will not run. */
BOOLEAN WdfRequestSend(WDFREQUEST Request, WDFIOTARGET Target, PWDF_REQUEST_SEND_OPTIONS Options /* optional */);
NTSTATUS WdfRequestGetStatus(WDFREQUEST Request);
/* Prepares Request for a send with a timeout so that the send cannot fail
 * for want of a timer: always so here (timeouts need no per-request
 * allocation), STATUS_SUCCESS, also when called again. */
NTSTATUS WdfRequestAllocateTimer(WDFREQUEST Request);
ULONG_PTR WdfRequestGetInformation(WDFREQUEST Request);
/* Sets the sticky cancel flag (cleared only by reuse); TRUE if a cancel
 * reached an outstanding operation. May run the routine in this thread. */
BOOLEAN WdfRequestCancelSentRequest(WDFREQUEST Request);
/* Params->Size must be set (WDF_REQUEST_COMPLETION_PARAMS_INIT). */
VOID WdfRequestGetCompletionParams(WDFREQUEST Request, PWDF_REQUEST_COMPLETION_PARAMS Params);

/* The driver's side: a request a queue presented (EvtIoRead, ...) or the
 * driver retrieved. The driver owns it until it completes it, forwards it to
 * another queue, or sends it on with SEND_AND_FORGET; then the handle is no
 * longer the driver's to use. WdfObjectDelete of one is a verifier report. */
typedef struct _WDF_REQUEST_PARAMETERS {
    USHORT Size;
    UCHAR MinorFunction;
    WDF_REQUEST_TYPE Type;
    union {
        struct {
            PVOID SecurityContext;
            ULONG Options;
            USHORT FileAttributes;
            USHORT ShareAccess;
            ULONG EaLength;
        } Create;
        struct {
            size_t Length;
            ULONG Key;
            LONGLONG DeviceOffset;
        } Read;
        struct {
            size_t Length;
            ULONG Key;
            LONGLONG DeviceOffset;
        } Write;
        struct {
            size_t OutputBufferLength;
            size_t InputBufferLength;
            ULONG IoControlCode;
            PVOID Type3InputBuffer;
        } DeviceIoControl;
        struct {
            PVOID Arg1;
            PVOID Arg2;
            ULONG IoControlCode;
            PVOID Arg4;
        } Others;
    } Parameters;
} WDF_REQUEST_PARAMETERS, *PWDF_REQUEST_PARAMETERS;

static inline void WDF_REQUEST_PARAMETERS_INIT(PWDF_REQUEST_PARAMETERS Parameters) {
    memset(Parameters, 0, sizeof(*Parameters));
    Parameters->Size = sizeof(WDF_REQUEST_PARAMETERS);
}

/* What arrived (type, lengths, offset, ioctl code); a driver-created
 * request reads WdfRequestTypeNoFormat... as KMDF, only presented requests
 * have parameters. NULL or a wrong Size: a verifier report, nothing written. */
VOID WdfRequestGetParameters(WDFREQUEST Request, PWDF_REQUEST_PARAMETERS Parameters);
/* Complete back to the sender (the verifier refuses a completion the driver
 * may not make: not owned, twice, still sent to a target, Information above
 * the buffer's length). PriorityBoost is accepted and has no meaning here. */
VOID WdfRequestComplete(WDFREQUEST Request, NTSTATUS Status);
VOID WdfRequestCompleteWithInformation(WDFREQUEST Request, NTSTATUS Status, ULONG_PTR Information);
VOID WdfRequestCompleteWithPriorityBoost(WDFREQUEST Request, NTSTATUS Status, CCHAR PriorityBoost);
VOID WdfRequestSetInformation(WDFREQUEST Request, ULONG_PTR Information);
/* The buffers of what arrived, at least MinimumRequiredLength bytes: a
 * read's or an ioctl's output, a write's or an ioctl's input. Shorter →
 * STATUS_BUFFER_TOO_SMALL; none for this type → STATUS_INVALID_DEVICE_REQUEST.
 * Length (optional) receives the whole buffer's length. The memory forms
 * give a WDFMEMORY valid until the request is completed. */
NTSTATUS WdfRequestRetrieveInputBuffer(WDFREQUEST Request, size_t MinimumRequiredLength, PVOID* Buffer, size_t* Length);
NTSTATUS WdfRequestRetrieveOutputBuffer(WDFREQUEST Request, size_t MinimumRequiredSize, PVOID* Buffer, size_t* Length);
NTSTATUS WdfRequestRetrieveInputMemory(WDFREQUEST Request, WDFMEMORY* Memory);
NTSTATUS WdfRequestRetrieveOutputMemory(WDFREQUEST Request, WDFMEMORY* Memory);
/* Format what arrived, unchanged, for the next device down (then
 * WdfRequestSend to WdfDeviceGetIoTarget). */
VOID WdfRequestFormatRequestUsingCurrentType(WDFREQUEST Request);
/* The queue that presented it (NULL for a driver-created request, and for
 * EvtDeviceFileCreate's, with a verifier report: R6.19). */
WDFQUEUE WdfRequestGetIoQueue(WDFREQUEST Request);
/* To another queue of the same device; the handle stays the same when that
 * queue presents it. */
NTSTATUS WdfRequestForwardToIoQueue(WDFREQUEST Request, WDFQUEUE DestinationQueue);
/* Back to the head of the manual queue it was retrieved from (spec R5.38),
 * no longer the driver's → STATUS_SUCCESS. Not the driver's, still
 * cancelable, or from a queue that is not manual → STATUS_INVALID_DEVICE_REQUEST
 * (a verifier report). Purged since, or already cancelled: it completes
 * there with STATUS_CANCELLED, and the call still succeeds. */
NTSTATUS WdfRequestRequeue(WDFREQUEST Request);

/* EvtIoStop's ActionFlags (spec R5.24): why the queue is held, and whether
 * the request is still marked cancelable. */
typedef enum _WDF_REQUEST_STOP_ACTION_FLAGS {
    WdfRequestStopActionInvalid = 0,
    WdfRequestStopActionSuspend = 0x01,
    WdfRequestStopActionPurge = 0x02,
    WdfRequestStopRequestCancelable = 0x10000000,
} WDF_REQUEST_STOP_ACTION_FLAGS;
/* EvtIoStop's answer, inside it or later (spec R5.25-R5.27). Requeue FALSE:
 * the driver keeps the request and gets EvtIoResume when the device is back
 * in D0. TRUE: back to the head of its queue, no longer the driver's,
 * presented again after power-up (cancelled instead when the queue is being
 * purged for removal). With no EvtIoStop to answer, or TRUE for a request
 * still marked cancelable: a verifier report, ignored. */
VOID WdfRequestStopAcknowledge(WDFREQUEST Request, BOOLEAN Requeue);

/* While the driver holds it: a cancel from above runs EvtRequestCancel,
 * which must complete the request. Already cancelled → STATUS_CANCELLED (not
 * marked; with MarkCancelableEx the driver completes it). */
typedef VOID EVT_WDF_REQUEST_CANCEL(WDFREQUEST Request);
typedef EVT_WDF_REQUEST_CANCEL* PFN_WDF_REQUEST_CANCEL;
VOID WdfRequestMarkCancelable(WDFREQUEST Request, PFN_WDF_REQUEST_CANCEL EvtRequestCancel);
NTSTATUS WdfRequestMarkCancelableEx(WDFREQUEST Request, PFN_WDF_REQUEST_CANCEL EvtRequestCancel);
/* STATUS_CANCELLED if the cancel routine has been (or is being) called: then
 * it completes the request, not the caller. */
NTSTATUS WdfRequestUnmarkCancelable(WDFREQUEST Request);
/* Whether a cancel reached the request (the client cancelled it, or its queue
 * was purged) — for a driver that holds it without marking it cancelable. */
BOOLEAN WdfRequestIsCanceled(WDFREQUEST Request);
/* The file object of the open the request came through (driver spec R6.20):
 * for a request a queue presented and the driver holds, the WDFFILEOBJECT of
 * the target opened by name it was sent through (or, at the device below a
 * filter with AutoForwardCleanupClose, of the open the create forwarded
 * there); for EvtDeviceFileCreate's request, the one being created. NULL
 * when the device has no file objects (class NotRequired), for a request
 * that came through no open (another device's local target, a request a
 * driver made), and for a request the driver does not hold. */
WDFFILEOBJECT WdfRequestGetFileObject(WDFREQUEST Request);
/* Who sent it (R6.21): UserMode for a request that came through an open by
 * name the host program made (what an application's handle is on Windows,
 * passed down unchanged through filters included), and for the create of
 * such an open; KernelMode for one through a driver's own open (made from
 * one of its callbacks), a device's local target, a request a driver made,
 * and a request the driver does not hold. */
KPROCESSOR_MODE WdfRequestGetRequestorMode(WDFREQUEST Request);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFREQUEST_H */
