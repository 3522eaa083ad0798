/* wdfiotarget.h — I/O targets: create, open by name, the state machine
 * (start, stop, purge, close), formatting requests for a target, and the
 * synchronous sends. */
#ifndef WDFIO_WDFIOTARGET_H
#define WDFIO_WDFIOTARGET_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfmemory.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdfrequest.h>
#include <wdfio/wdftypes.h>
#include <wdfio/wdm.h>

#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef enum _WDF_IO_TARGET_STATE {
    WdfIoTargetStateUndefined = 0,
    WdfIoTargetStarted,
    WdfIoTargetStopped,
    WdfIoTargetClosedForQueryRemove,
    WdfIoTargetClosed,
    WdfIoTargetDeleted,
    WdfIoTargetPurged,
} WDF_IO_TARGET_STATE;

typedef enum _WDF_IO_TARGET_SENT_IO_ACTION {
    WdfIoTargetSentIoUndefined = 0,
    WdfIoTargetCancelSentIo,
    WdfIoTargetWaitForSentIoToComplete,
    WdfIoTargetLeaveSentIoPending,
} WDF_IO_TARGET_SENT_IO_ACTION;

typedef enum _WDF_IO_TARGET_PURGE_IO_ACTION {
    WdfIoTargetPurgeIoUndefined = 0,
    WdfIoTargetPurgeIoAndWait,
    WdfIoTargetPurgeIo,
} WDF_IO_TARGET_PURGE_IO_ACTION;

typedef enum _WDF_IO_TARGET_OPEN_TYPE {
    WdfIoTargetOpenUndefined = 0,
    WdfIoTargetOpenUseExistingDevice = 1, /* no device objects here: STATUS_INVALID_PARAMETER */
    WdfIoTargetOpenByName = 2,
    WdfIoTargetOpenReopen = 3,
    WdfIoTargetOpenLocalTargetByFile = 4, /* UMDF only, as in KMDF: STATUS_INVALID_PARAMETER */
} WDF_IO_TARGET_OPEN_TYPE;

/* Remote-target removal callbacks (KMDF's PnP notifications): there is no
 * PnP removal here, so they are accepted and never called. */
typedef NTSTATUS EVT_WDF_IO_TARGET_QUERY_REMOVE(WDFIOTARGET IoTarget);
typedef EVT_WDF_IO_TARGET_QUERY_REMOVE* PFN_WDF_IO_TARGET_QUERY_REMOVE;
typedef VOID EVT_WDF_IO_TARGET_REMOVE_CANCELED(WDFIOTARGET IoTarget);
typedef EVT_WDF_IO_TARGET_REMOVE_CANCELED* PFN_WDF_IO_TARGET_REMOVE_CANCELED;
typedef VOID EVT_WDF_IO_TARGET_REMOVE_COMPLETE(WDFIOTARGET IoTarget);
typedef EVT_WDF_IO_TARGET_REMOVE_COMPLETE* PFN_WDF_IO_TARGET_REMOVE_COMPLETE;

/* KMDF's layout, member for member. */
typedef struct _WDF_IO_TARGET_OPEN_PARAMS {
    ULONG Size;
    WDF_IO_TARGET_OPEN_TYPE Type;
    PFN_WDF_IO_TARGET_QUERY_REMOVE EvtIoTargetQueryRemove;       /* never called */
    PFN_WDF_IO_TARGET_REMOVE_CANCELED EvtIoTargetRemoveCanceled; /* never called */
    PFN_WDF_IO_TARGET_REMOVE_COMPLETE EvtIoTargetRemoveComplete; /* never called */
    PDEVICE_OBJECT TargetDeviceObject;                           /* UseExistingDevice: not available */
    PFILE_OBJECT TargetFileObject;                               /* UseExistingDevice: not available */
    /* A path (L"/dev/loop0", L"./disk.img") or an in-process device
     * (L"\\Device\\Ram0"): Length in bytes, not NUL-terminated; opened as
     * its UTF-8 form. A Length not a multiple of sizeof(WCHAR), above
     * MaximumLength, or with a NULL Buffer → STATUS_INVALID_PARAMETER; an
     * embedded NUL or a code point that is not a character →
     * STATUS_OBJECT_NAME_INVALID. */
    UNICODE_STRING TargetDeviceName;
    ACCESS_MASK DesiredAccess;
    ULONG ShareAccess;    /* ignored */
    ULONG FileAttributes; /* ignored */
    ULONG CreateDisposition;
    ULONG CreateOptions;
    PVOID EaBuffer;           /* ignored */
    ULONG EaBufferLength;     /* ignored */
    PLONGLONG AllocationSize; /* ignored */
    ULONG FileInformation;    /* out */
    UNICODE_STRING FileName;  /* UMDF's open by file: unused */
} WDF_IO_TARGET_OPEN_PARAMS, *PWDF_IO_TARGET_OPEN_PARAMS;

/* TargetDeviceName is copied (the descriptor, not the characters: they must
 * stay valid until WdfIoTargetOpen). NULL leaves the name empty, which the
 * open refuses. */
static inline void WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(PWDF_IO_TARGET_OPEN_PARAMS Params,
                                                               PCUNICODE_STRING TargetDeviceName,
                                                               ACCESS_MASK DesiredAccess) {
    memset(Params, 0, sizeof(*Params));
    Params->Size = sizeof(WDF_IO_TARGET_OPEN_PARAMS);
    Params->Type = WdfIoTargetOpenByName;
    if (TargetDeviceName) Params->TargetDeviceName = *TargetDeviceName;
    Params->DesiredAccess = DesiredAccess;
    Params->CreateDisposition = FILE_OPEN;
    Params->CreateOptions = FILE_NON_DIRECTORY_FILE;
}

static inline void WDF_IO_TARGET_OPEN_PARAMS_INIT_CREATE_BY_NAME(PWDF_IO_TARGET_OPEN_PARAMS Params,
                                                                 PCUNICODE_STRING TargetDeviceName,
                                                                 ACCESS_MASK DesiredAccess) {
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(Params, TargetDeviceName, DesiredAccess);
    Params->CreateDisposition = FILE_OPEN_IF;
}

/* Opens again with the name and options of the last by-name open. */
static inline void WDF_IO_TARGET_OPEN_PARAMS_INIT_REOPEN(PWDF_IO_TARGET_OPEN_PARAMS Params) {
    memset(Params, 0, sizeof(*Params));
    Params->Size = sizeof(WDF_IO_TARGET_OPEN_PARAMS);
    Params->Type = WdfIoTargetOpenReopen;
}

/* A remote target, closed until WdfIoTargetOpen. Device is optional here (a
 * host program has no device of its own); given, it is the default parent. */
NTSTATUS WdfIoTargetCreate(WDFDEVICE Device /* optional */, PWDF_OBJECT_ATTRIBUTES IoTargetAttributes,
                           WDFIOTARGET* IoTarget);
/* Open by name: the open's failure status (STATUS_OBJECT_NAME_NOT_FOUND,
 * STATUS_ACCESS_DENIED ...); already open → STATUS_INVALID_DEVICE_STATE. */
NTSTATUS WdfIoTargetOpen(WDFIOTARGET IoTarget, PWDF_IO_TARGET_OPEN_PARAMS OpenParams);
/* Cancels and waits for what was sent, fails what was parked
 * (STATUS_WDF_DEVICE_REMOVED_NOT_SENT); the target can be opened again. */
VOID WdfIoTargetClose(WDFIOTARGET IoTarget);
/* Closed or never opened → STATUS_INVALID_DEVICE_STATE. */
NTSTATUS WdfIoTargetStart(WDFIOTARGET IoTarget);
VOID WdfIoTargetStop(WDFIOTARGET IoTarget, WDF_IO_TARGET_SENT_IO_ACTION Action);
VOID WdfIoTargetPurge(WDFIOTARGET IoTarget, WDF_IO_TARGET_PURGE_IO_ACTION Action);
/* Never opened, or closed → WdfIoTargetClosed; bad handle → WdfIoTargetStateUndefined. */
WDF_IO_TARGET_STATE WdfIoTargetGetState(WDFIOTARGET IoTarget);

/* Formatting (spec §2): each first drops the previous format. Offsets outside
 * the buffer → STATUS_INTEGER_OVERFLOW; a target not open → STATUS_INVALID_DEVICE_STATE. */
NTSTATUS WdfIoTargetFormatRequestForRead(WDFIOTARGET IoTarget, WDFREQUEST Request, WDFMEMORY OutputBuffer,
                                         PWDFMEMORY_OFFSET OutputBufferOffset, PLONGLONG DeviceOffset);
NTSTATUS WdfIoTargetFormatRequestForWrite(WDFIOTARGET IoTarget, WDFREQUEST Request, WDFMEMORY InputBuffer,
                                          PWDFMEMORY_OFFSET InputBufferOffset, PLONGLONG DeviceOffset);
/* IoctlCode: a Linux ioctl number for file targets; any value for in-process devices. */
NTSTATUS WdfIoTargetFormatRequestForIoctl(WDFIOTARGET IoTarget, WDFREQUEST Request, ULONG IoctlCode,
                                          WDFMEMORY InputBuffer, PWDFMEMORY_OFFSET InputBufferOffset,
                                          WDFMEMORY OutputBuffer, PWDFMEMORY_OFFSET OutputBufferOffset);
NTSTATUS WdfIoTargetFormatRequestForInternalIoctl(WDFIOTARGET IoTarget, WDFREQUEST Request, ULONG IoctlCode,
                                                  WDFMEMORY InputBuffer, PWDFMEMORY_OFFSET InputBufferOffset,
                                                  WDFMEMORY OutputBuffer, PWDFMEMORY_OFFSET OutputBufferOffset);
NTSTATUS WdfIoTargetFormatRequestForInternalIoctlOthers(WDFIOTARGET IoTarget, WDFREQUEST Request, ULONG IoctlCode,
                                                        WDFMEMORY OtherArg1, PWDFMEMORY_OFFSET OtherArg1Offset,
                                                        WDFMEMORY OtherArg2, PWDFMEMORY_OFFSET OtherArg2Offset,
                                                        WDFMEMORY OtherArg4, PWDFMEMORY_OFFSET OtherArg4Offset);

/* Synchronous helpers (spec §8): block until done, never call a completion
 * routine. Request is optional (a supplied one is left unformatted, without
 * routine). Options: SYNCHRONOUS implied, TIMEOUT bounds the wait (then
 * STATUS_IO_TIMEOUT); wrong Size → STATUS_INFO_LENGTH_MISMATCH. The byte
 * count is written when the format succeeded. Refused from a completion
 * routine on the engine thread (STATUS_INVALID_DEVICE_REQUEST). */
NTSTATUS WdfIoTargetSendReadSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request /* optional */,
                                          PWDF_MEMORY_DESCRIPTOR OutputBuffer, PLONGLONG DeviceOffset,
                                          PWDF_REQUEST_SEND_OPTIONS RequestOptions, PULONG_PTR BytesRead);
NTSTATUS WdfIoTargetSendWriteSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request /* optional */,
                                           PWDF_MEMORY_DESCRIPTOR InputBuffer, PLONGLONG DeviceOffset,
                                           PWDF_REQUEST_SEND_OPTIONS RequestOptions, PULONG_PTR BytesWritten);
NTSTATUS WdfIoTargetSendIoctlSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request /* optional */, ULONG IoctlCode,
                                           PWDF_MEMORY_DESCRIPTOR InputBuffer, PWDF_MEMORY_DESCRIPTOR OutputBuffer,
                                           PWDF_REQUEST_SEND_OPTIONS RequestOptions, PULONG_PTR BytesReturned);
NTSTATUS WdfIoTargetSendInternalIoctlSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request /* optional */,
                                                   ULONG IoctlCode, PWDF_MEMORY_DESCRIPTOR InputBuffer,
                                                   PWDF_MEMORY_DESCRIPTOR OutputBuffer,
                                                   PWDF_REQUEST_SEND_OPTIONS RequestOptions, PULONG_PTR BytesReturned);
NTSTATUS WdfIoTargetSendInternalIoctlOthersSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request /* optional */,
                                                         ULONG IoctlCode, PWDF_MEMORY_DESCRIPTOR OtherArg1,
                                                         PWDF_MEMORY_DESCRIPTOR OtherArg2,
                                                         PWDF_MEMORY_DESCRIPTOR OtherArg4,
                                                         PWDF_REQUEST_SEND_OPTIONS RequestOptions,
                                                         PULONG_PTR BytesReturned);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFIOTARGET_H */
