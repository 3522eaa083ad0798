/* wdf.h — the KMDF-compatible C API of wdfio (first piece: memory, I/O
 * targets, requests, synchronous sends, and the built-in drivers).
 *
 * Names, signatures, structures and NTSTATUS values follow Microsoft's
 * wdf*.h and ntstatus.h, adapted where Linux differs: device names and paths
 * are `const char*` ("/dev/loop0", "./disk.img", "\\Device\\Ram0"), ioctl
 * codes are Linux numbers, there are no IRPs or MDLs. Behaviour follows the
 * C++ core (spec/wdf-io-semantics.md). wdfio's own additions use the Wdfio
 * prefix: the host (the engine every object runs on) and the built-in
 * drivers RamDisk and FaultFilter.
 *
 * Handles are checked on every call: NULL, unknown, deleted or of the wrong
 * type → STATUS_INVALID_HANDLE (functions without a status return do
 * nothing, return FALSE/NULL/0), logged and reported by the verifier, which
 * aborts unless WDFIO_VERIFIER=report. Handle values are not addresses and
 * are never reused: a deleted handle stays invalid even when a new object
 * takes its memory. Required pointers that are NULL → STATUS_INVALID_PARAMETER.
 *
 * C++: include any <wdfio/...hpp> header before this one (the STATUS_*
 * macros here would otherwise rewrite the C++ constants of the same name). */
#ifndef WDFIO_WDF_H
#define WDFIO_WDF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ basic types */

#ifndef VOID
#define VOID void
#endif
typedef void* PVOID;
typedef uint8_t BOOLEAN;
typedef uint8_t UCHAR;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef ULONG* PULONG;
typedef int64_t LONGLONG;
typedef LONGLONG* PLONGLONG;
typedef uint64_t ULONGLONG;
typedef uintptr_t ULONG_PTR;
typedef ULONG_PTR* PULONG_PTR;
typedef int32_t NTSTATUS;
typedef ULONG ACCESS_MASK;
#ifndef TRUE
#define TRUE ((BOOLEAN)1)
#endif
#ifndef FALSE
#define FALSE ((BOOLEAN)0)
#endif

/* ------------------------------------------------------------ NTSTATUS values (ntstatus.h, wdfstatus.h) */

#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)

#define STATUS_SUCCESS                     ((NTSTATUS)0x00000000L)
#define STATUS_TIMEOUT                     ((NTSTATUS)0x00000102L)
#define STATUS_PENDING                     ((NTSTATUS)0x00000103L)
#define STATUS_WDF_QUEUED                  ((NTSTATUS)0x40200000L)
#define STATUS_BUFFER_OVERFLOW             ((NTSTATUS)0x80000005L)
#define STATUS_DEVICE_BUSY                 ((NTSTATUS)0x80000011L)
#define STATUS_NO_MORE_ENTRIES             ((NTSTATUS)0x8000001AL)
#define STATUS_UNSUCCESSFUL                ((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED             ((NTSTATUS)0xC0000002L)
#define STATUS_INFO_LENGTH_MISMATCH        ((NTSTATUS)0xC0000004L)
#define STATUS_ACCESS_VIOLATION            ((NTSTATUS)0xC0000005L)
#define STATUS_INVALID_HANDLE              ((NTSTATUS)0xC0000008L)
#define STATUS_INVALID_PARAMETER           ((NTSTATUS)0xC000000DL)
#define STATUS_NO_SUCH_DEVICE              ((NTSTATUS)0xC000000EL)
#define STATUS_INVALID_DEVICE_REQUEST      ((NTSTATUS)0xC0000010L)
#define STATUS_END_OF_FILE                 ((NTSTATUS)0xC0000011L)
#define STATUS_NO_MEMORY                   ((NTSTATUS)0xC0000017L)
#define STATUS_ACCESS_DENIED               ((NTSTATUS)0xC0000022L)
#define STATUS_BUFFER_TOO_SMALL            ((NTSTATUS)0xC0000023L)
#define STATUS_OBJECT_NAME_INVALID         ((NTSTATUS)0xC0000033L)
#define STATUS_OBJECT_NAME_NOT_FOUND       ((NTSTATUS)0xC0000034L)
#define STATUS_OBJECT_NAME_COLLISION       ((NTSTATUS)0xC0000035L)
#define STATUS_OBJECT_PATH_NOT_FOUND       ((NTSTATUS)0xC000003AL)
#define STATUS_DISK_FULL                   ((NTSTATUS)0xC000007FL)
#define STATUS_INTEGER_OVERFLOW            ((NTSTATUS)0xC0000095L)
#define STATUS_INSUFFICIENT_RESOURCES      ((NTSTATUS)0xC000009AL)
#define STATUS_MEDIA_WRITE_PROTECTED       ((NTSTATUS)0xC00000A2L)
#define STATUS_DEVICE_NOT_READY            ((NTSTATUS)0xC00000A3L)
#define STATUS_IO_TIMEOUT                  ((NTSTATUS)0xC00000B5L)
#define STATUS_FILE_IS_A_DIRECTORY         ((NTSTATUS)0xC00000BAL)
#define STATUS_NOT_SUPPORTED               ((NTSTATUS)0xC00000BBL)
#define STATUS_DEVICE_DOES_NOT_EXIST       ((NTSTATUS)0xC00000C0L)
#define STATUS_REQUEST_NOT_ACCEPTED        ((NTSTATUS)0xC00000D0L)
#define STATUS_INTERNAL_ERROR              ((NTSTATUS)0xC00000E5L)
#define STATUS_NOT_A_DIRECTORY             ((NTSTATUS)0xC0000103L)
#define STATUS_TOO_MANY_OPENED_FILES       ((NTSTATUS)0xC000011FL)
#define STATUS_CANCELLED                   ((NTSTATUS)0xC0000120L)
#define STATUS_PIPE_BROKEN                 ((NTSTATUS)0xC000014BL)
#define STATUS_INVALID_DEVICE_STATE        ((NTSTATUS)0xC0000184L)
#define STATUS_IO_DEVICE_ERROR             ((NTSTATUS)0xC0000185L)
#define STATUS_CONNECTION_RESET            ((NTSTATUS)0xC000020DL)
#define STATUS_CONNECTION_REFUSED          ((NTSTATUS)0xC0000236L)
#define STATUS_FILE_TOO_LARGE              ((NTSTATUS)0xC0000904L)
#define STATUS_WDF_IO_TIMEOUT_NOT_SENT     ((NTSTATUS)0xC0200205L)
#define STATUS_WDF_DEVICE_REMOVED_NOT_SENT ((NTSTATUS)0xC0200206L)
#define STATUS_WDF_REQUEST_INVALID_STATE   ((NTSTATUS)0xC0200208L)

/* ------------------------------------------------------------ handles (wdftypes.h) */

/* Opaque, typed: passing one kind where another is expected is a compile
 * error in C++ and a warning in C, and STATUS_INVALID_HANDLE at run time. */
typedef struct WDFMEMORY__* WDFMEMORY;
typedef struct WDFREQUEST__* WDFREQUEST;
typedef struct WDFIOTARGET__* WDFIOTARGET;
typedef struct WDFDEVICE__* WDFDEVICE;
typedef void* WDFOBJECT; /* any of the above */
typedef void* WDFCONTEXT;

#define WDF_NO_HANDLE NULL
#define WDF_NO_CONTEXT NULL
#define WDF_NO_OBJECT_ATTRIBUTES NULL
#define WDF_NO_SEND_OPTIONS NULL

/* ------------------------------------------------------------ objects (wdfobject.h) */

typedef void EVT_WDF_OBJECT_CONTEXT_CLEANUP(WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_CLEANUP* PFN_WDF_OBJECT_CONTEXT_CLEANUP;
typedef void EVT_WDF_OBJECT_CONTEXT_DESTROY(WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_DESTROY* PFN_WDF_OBJECT_CONTEXT_DESTROY;

typedef enum _WDF_EXECUTION_LEVEL {
    WdfExecutionLevelInvalid = 0,
    WdfExecutionLevelInheritFromParent,
    WdfExecutionLevelPassive,
    WdfExecutionLevelDispatch,
} WDF_EXECUTION_LEVEL;

typedef enum _WDF_SYNCHRONIZATION_SCOPE {
    WdfSynchronizationScopeInvalid = 0,
    WdfSynchronizationScopeInheritFromParent,
    WdfSynchronizationScopeDevice,
    WdfSynchronizationScopeQueue,
    WdfSynchronizationScopeNone,
} WDF_SYNCHRONIZATION_SCOPE;

/* Supported here: ParentObject (deleting a parent deletes its children
 * first), EvtCleanupCallback (at delete) and EvtDestroyCallback (when the last
 * reference goes). Typed context areas come with the driver API: a non-zero
 * ContextSizeOverride or ContextTypeInfo → STATUS_NOT_SUPPORTED. Levels and
 * scopes other than Invalid/InheritFromParent → STATUS_NOT_SUPPORTED. */
typedef struct _WDF_OBJECT_ATTRIBUTES {
    ULONG Size;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP EvtCleanupCallback;
    PFN_WDF_OBJECT_CONTEXT_DESTROY EvtDestroyCallback;
    WDF_EXECUTION_LEVEL ExecutionLevel;
    WDF_SYNCHRONIZATION_SCOPE SynchronizationScope;
    WDFOBJECT ParentObject;
    size_t ContextSizeOverride;
    const void* ContextTypeInfo;
} WDF_OBJECT_ATTRIBUTES, *PWDF_OBJECT_ATTRIBUTES;

static inline void WDF_OBJECT_ATTRIBUTES_INIT(PWDF_OBJECT_ATTRIBUTES Attributes) {
    memset(Attributes, 0, sizeof(*Attributes));
    Attributes->Size = sizeof(WDF_OBJECT_ATTRIBUTES);
    Attributes->ExecutionLevel = WdfExecutionLevelInheritFromParent;
    Attributes->SynchronizationScope = WdfSynchronizationScopeInheritFromParent;
}

/* Deletes the object and its children (children first). Objects still in
 * use stay alive until their users let go: a memory object held by a
 * formatted request, a request that is still sent. A device made by the host
 * API is removed. */
VOID WdfObjectDelete(WDFOBJECT Object);
/* KMDF's WdfObjectReference/WdfObjectDereference: keep an object's memory
 * valid (e.g. a request racing its completion routine's delete). */
VOID WdfObjectReferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, const char* File);
VOID WdfObjectDereferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, const char* File);
#define WdfObjectReference(Handle) WdfObjectReferenceActual(Handle, NULL, __LINE__, __FILE__)
#define WdfObjectDereference(Handle) WdfObjectDereferenceActual(Handle, NULL, __LINE__, __FILE__)

/* ------------------------------------------------------------ the host (wdfio) */

/* Creates the engine every object runs on (io_uring, or worker threads; the
 * WDFIO_BACKEND variable chooses). Optional: the first call that needs the
 * engine creates it. Calling it again is harmless. */
NTSTATUS WdfioHostInitialize(VOID);
/* Deletes every object still alive (targets first, so their I/O drains while
 * requests and memory are still valid; devices last, newest first), then the
 * engine. Must not be called from a completion routine: there it does
 * nothing, and the verifier reports it. */
VOID WdfioHostShutdown(VOID);
/* Objects alive now (created and not yet destroyed): for leak checks. */
ULONG WdfioHostObjectCount(VOID);
/* Verifier violations reported so far (what KMDF's verifier bugchecks on;
 * with WDFIO_VERIFIER=report the call fails instead of aborting): for tests. */
ULONGLONG WdfioHostVerifierViolations(VOID);
/* Receives every wdfio log line instead of stderr (Level: 0 error, 1
 * warning, 2 info; Message without a newline, valid during the call), one
 * call at a time. NULL restores stderr. Set it while no I/O is running. */
typedef VOID WDFIO_LOG_CALLBACK(ULONG Level, const char* Message, PVOID Context);
typedef WDFIO_LOG_CALLBACK* PFN_WDFIO_LOG_CALLBACK;
VOID WdfioHostSetLogCallback(PFN_WDFIO_LOG_CALLBACK Callback, PVOID Context);

/* ------------------------------------------------------------ memory (wdfmemory.h) */

typedef enum _POOL_TYPE { NonPagedPool = 0, PagedPool = 1, NonPagedPoolNx = 512 } POOL_TYPE;

typedef struct _WDFMEMORY_OFFSET {
    size_t BufferOffset;
    size_t BufferLength; /* 0: to the end of the buffer */
} WDFMEMORY_OFFSET, *PWDFMEMORY_OFFSET;

/* A zero-filled buffer, 4096-aligned (usable with O_DIRECT). PoolType and
 * PoolTag are accepted and ignored. BufferSize 0 → STATUS_INVALID_PARAMETER. */
NTSTATUS WdfMemoryCreate(PWDF_OBJECT_ATTRIBUTES Attributes, POOL_TYPE PoolType, ULONG PoolTag, size_t BufferSize,
                         WDFMEMORY* Memory, PVOID* Buffer /* optional */);
/* Over the caller's buffer, which must outlive every request using it. */
NTSTATUS WdfMemoryCreatePreallocated(PWDF_OBJECT_ATTRIBUTES Attributes, PVOID Buffer, size_t BufferSize,
                                     WDFMEMORY* Memory);
/* Re-points a preallocated memory object (not one WdfMemoryCreate made). */
NTSTATUS WdfMemoryAssignBuffer(WDFMEMORY Memory, PVOID Buffer, size_t BufferSize);
PVOID WdfMemoryGetBuffer(WDFMEMORY Memory, size_t* BufferSize /* optional */);

typedef enum _WDF_MEMORY_DESCRIPTOR_TYPE {
    WdfMemoryDescriptorTypeInvalid = 0,
    WdfMemoryDescriptorTypeBuffer,
    WdfMemoryDescriptorTypeMdl, /* no MDLs on Linux: STATUS_INVALID_PARAMETER */
    WdfMemoryDescriptorTypeHandle,
} WDF_MEMORY_DESCRIPTOR_TYPE;

typedef struct _WDF_MEMORY_DESCRIPTOR {
    WDF_MEMORY_DESCRIPTOR_TYPE Type;
    union {
        struct {
            PVOID Buffer;
            ULONG Length;
        } BufferType;
        struct {
            WDFMEMORY Memory;
            PWDFMEMORY_OFFSET Offsets;
        } HandleType;
    } u;
} WDF_MEMORY_DESCRIPTOR, *PWDF_MEMORY_DESCRIPTOR;

static inline void WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(PWDF_MEMORY_DESCRIPTOR Descriptor, PVOID Buffer, ULONG Length) {
    memset(Descriptor, 0, sizeof(*Descriptor));
    Descriptor->Type = WdfMemoryDescriptorTypeBuffer;
    Descriptor->u.BufferType.Buffer = Buffer;
    Descriptor->u.BufferType.Length = Length;
}

static inline void WDF_MEMORY_DESCRIPTOR_INIT_HANDLE(PWDF_MEMORY_DESCRIPTOR Descriptor, WDFMEMORY Memory,
                                                     PWDFMEMORY_OFFSET Offsets) {
    memset(Descriptor, 0, sizeof(*Descriptor));
    Descriptor->Type = WdfMemoryDescriptorTypeHandle;
    Descriptor->u.HandleType.Memory = Memory;
    Descriptor->u.HandleType.Offsets = Offsets;
}

/* ------------------------------------------------------------ timeouts (wdfcore.h): 100 ns ticks */

/* Negative: relative to now; positive: absolute (since 1601-01-01); 0: none. */
static inline LONGLONG WDF_REL_TIMEOUT_IN_SEC(ULONGLONG Time) { return (LONGLONG)Time * -10000000LL; }
static inline LONGLONG WDF_REL_TIMEOUT_IN_MS(ULONGLONG Time) { return (LONGLONG)Time * -10000LL; }
static inline LONGLONG WDF_REL_TIMEOUT_IN_US(ULONGLONG Time) { return (LONGLONG)Time * -10LL; }
static inline LONGLONG WDF_ABS_TIMEOUT_IN_SEC(ULONGLONG Time) { return (LONGLONG)Time * 10000000LL; }
static inline LONGLONG WDF_ABS_TIMEOUT_IN_MS(ULONGLONG Time) { return (LONGLONG)Time * 10000LL; }
static inline LONGLONG WDF_ABS_TIMEOUT_IN_US(ULONGLONG Time) { return (LONGLONG)Time * 10LL; }

/* ------------------------------------------------------------ requests (wdfrequest.h) */

typedef enum _WDF_REQUEST_TYPE {
    WdfRequestTypeRead = 0x03,
    WdfRequestTypeWrite = 0x04,
    WdfRequestTypeDeviceControl = 0x0E,
    WdfRequestTypeDeviceControlInternal = 0x0F,
    WdfRequestTypeOther = 0x1C,
    WdfRequestTypeNoFormat = 0xFF,
} WDF_REQUEST_TYPE;

typedef struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

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
ULONG_PTR WdfRequestGetInformation(WDFREQUEST Request);
/* Sets the sticky cancel flag (cleared only by reuse); TRUE if a cancel
 * reached an outstanding operation. May run the routine in this thread. */
BOOLEAN WdfRequestCancelSentRequest(WDFREQUEST Request);
/* Params->Size must be set (WDF_REQUEST_COMPLETION_PARAMS_INIT). */
VOID WdfRequestGetCompletionParams(WDFREQUEST Request, PWDF_REQUEST_COMPLETION_PARAMS Params);

/* ------------------------------------------------------------ I/O targets (wdfiotarget.h) */

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

/* DesiredAccess bits that matter on Linux (read and/or write). */
#define GENERIC_READ    0x80000000UL
#define GENERIC_WRITE   0x40000000UL
#define GENERIC_ALL     0x10000000UL
#define FILE_READ_DATA  0x00000001UL
#define FILE_WRITE_DATA 0x00000002UL
/* CreateDisposition: FILE_OPEN, or FILE_OPEN_IF to create a regular file
 * (mode 0644); the other NT dispositions → STATUS_NOT_SUPPORTED. */
#define FILE_SUPERSEDE    0x00000000UL
#define FILE_OPEN         0x00000001UL
#define FILE_CREATE       0x00000002UL
#define FILE_OPEN_IF      0x00000003UL
#define FILE_OVERWRITE    0x00000004UL
#define FILE_OVERWRITE_IF 0x00000005UL
/* CreateOptions: FILE_NO_INTERMEDIATE_BUFFERING opens with O_DIRECT; others are ignored. */
#define FILE_NO_INTERMEDIATE_BUFFERING 0x00000008UL
#define FILE_NON_DIRECTORY_FILE        0x00000040UL
/* FileInformation on success. */
#define FILE_OPENED 0x00000001UL

typedef struct _WDF_IO_TARGET_OPEN_PARAMS {
    ULONG Size;
    WDF_IO_TARGET_OPEN_TYPE Type;
    /* A path ("/dev/loop0", "./disk.img") or an in-process device ("\\Device\\Ram0"). */
    const char* TargetDeviceName;
    ACCESS_MASK DesiredAccess;
    ULONG ShareAccess;    /* ignored */
    ULONG FileAttributes; /* ignored */
    ULONG CreateDisposition;
    ULONG CreateOptions;
    ULONG_PTR FileInformation; /* out */
} WDF_IO_TARGET_OPEN_PARAMS, *PWDF_IO_TARGET_OPEN_PARAMS;

static inline void WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(PWDF_IO_TARGET_OPEN_PARAMS Params,
                                                                const char* TargetDeviceName,
                                                                ACCESS_MASK DesiredAccess) {
    memset(Params, 0, sizeof(*Params));
    Params->Size = sizeof(WDF_IO_TARGET_OPEN_PARAMS);
    Params->Type = WdfIoTargetOpenByName;
    Params->TargetDeviceName = TargetDeviceName;
    Params->DesiredAccess = DesiredAccess;
    Params->CreateDisposition = FILE_OPEN;
    Params->CreateOptions = FILE_NON_DIRECTORY_FILE;
}

static inline void WDF_IO_TARGET_OPEN_PARAMS_INIT_CREATE_BY_NAME(PWDF_IO_TARGET_OPEN_PARAMS Params,
                                                                  const char* TargetDeviceName,
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
                                                   PWDF_REQUEST_SEND_OPTIONS RequestOptions,
                                                   PULONG_PTR BytesReturned);
NTSTATUS WdfIoTargetSendInternalIoctlOthersSynchronously(WDFIOTARGET IoTarget, WDFREQUEST Request /* optional */,
                                                         ULONG IoctlCode, PWDF_MEMORY_DESCRIPTOR OtherArg1,
                                                         PWDF_MEMORY_DESCRIPTOR OtherArg2,
                                                         PWDF_MEMORY_DESCRIPTOR OtherArg4,
                                                         PWDF_REQUEST_SEND_OPTIONS RequestOptions,
                                                         PULONG_PTR BytesReturned);

/* ------------------------------------------------------------ built-in drivers (wdfio) */

/* A RAM disk: reads at or past the end → STATUS_END_OF_FILE, reads crossing
 * it complete short, writes past it → STATUS_DISK_FULL; answers BLKGETSIZE64
 * and BLKSSZGET. SectorSize 512 or 4096 (0: 512); Size a non-zero multiple
 * of it, else STATUS_INVALID_PARAMETER. DeviceName ("\\Device\\Name",
 * optional) makes it openable by name with WdfIoTargetOpen; a bad name →
 * STATUS_OBJECT_NAME_INVALID, a name in use → STATUS_OBJECT_NAME_COLLISION.
 * WdfObjectDelete removes the device. */
NTSTATUS WdfioRamDiskCreate(ULONGLONG Size, ULONG SectorSize, const char* DeviceName /* optional */,
                            WDFDEVICE* Device);

typedef enum _WDFIO_FAULT_MODE {
    WdfioFaultFail = 0,      /* complete with Status, Information 0, without sending down */
    WdfioFaultDelay,         /* pass down; complete no earlier than DelayMicroseconds after arrival */
    WdfioFaultShort,         /* pass down; reads and writes complete with Information * ShortFraction */
    WdfioFaultNeverComplete, /* hold until cancelled (or the filter is removed) */
} WDFIO_FAULT_MODE;

/* WDFIO_FAULT_CONFIG.Types: which request types faults may hit. */
#define WDFIO_FAULT_TYPE_READ           0x01UL
#define WDFIO_FAULT_TYPE_WRITE          0x02UL
#define WDFIO_FAULT_TYPE_DEVICE_CONTROL 0x04UL
#define WDFIO_FAULT_TYPE_INTERNAL       0x08UL /* internal ioctls with buffers */
#define WDFIO_FAULT_TYPE_OTHERS         0x10UL /* internal ioctls with the three arguments */
#define WDFIO_FAULT_TYPE_ALL            0x1FUL

typedef struct _WDFIO_FAULT_CONFIG {
    ULONG Size;
    WDFIO_FAULT_MODE Mode;
    double Share;  /* fraction 0..1 of the matching requests affected */
    ULONG Types;   /* WDFIO_FAULT_TYPE_* bits */
    ULONGLONG Seed; /* same seed, same choices */
    NTSTATUS Status;             /* Fail: a failure status */
    ULONGLONG DelayMicroseconds; /* Delay: more than 0 */
    double ShortFraction;        /* Short: in [0, 1) */
} WDFIO_FAULT_CONFIG, *PWDFIO_FAULT_CONFIG;

/* Defaults: all types, seed 1, STATUS_IO_DEVICE_ERROR, short fraction 0.5. */
static inline void WDFIO_FAULT_CONFIG_INIT(PWDFIO_FAULT_CONFIG Config, WDFIO_FAULT_MODE Mode, double Share) {
    memset(Config, 0, sizeof(*Config));
    Config->Size = sizeof(WDFIO_FAULT_CONFIG);
    Config->Mode = Mode;
    Config->Share = Share;
    Config->Types = WDFIO_FAULT_TYPE_ALL;
    Config->Seed = 1;
    Config->Status = STATUS_IO_DEVICE_ERROR;
    Config->ShortFraction = 0.5;
}

typedef struct _WDFIO_FAULT_COUNTERS {
    ULONG Size;
    ULONGLONG Seen; /* = Passed + Failed + Delayed + Shortened + Held */
    ULONGLONG Passed;
    ULONGLONG Failed;
    ULONGLONG Delayed;
    ULONGLONG Shortened;
    ULONGLONG Held;
} WDFIO_FAULT_COUNTERS, *PWDFIO_FAULT_COUNTERS;

static inline void WDFIO_FAULT_COUNTERS_INIT(PWDFIO_FAULT_COUNTERS Counters) {
    memset(Counters, 0, sizeof(*Counters));
    Counters->Size = sizeof(WDFIO_FAULT_COUNTERS);
}

/* A fault-injection filter above Lower: a WDFDEVICE (the filter opens a
 * target on it) or an open WDFIOTARGET (the filter takes it over: leave it
 * alone while the filter exists). Bad config (Share outside [0,1], unknown
 * Types bits or Mode, Fail with a success Status, Delay without delay, Short
 * fraction outside [0,1)) → STATUS_INVALID_PARAMETER; Size wrong →
 * STATUS_INFO_LENGTH_MISMATCH. Names as for WdfioRamDiskCreate. */
NTSTATUS WdfioFaultFilterCreate(WDFOBJECT Lower, const WDFIO_FAULT_CONFIG* Config,
                                const char* DeviceName /* optional */, WDFDEVICE* Device);
/* Not a fault filter → STATUS_INVALID_DEVICE_REQUEST. */
NTSTATUS WdfioFaultFilterGetCounters(WDFDEVICE Device, PWDFIO_FAULT_COUNTERS Counters);
NTSTATUS WdfioFaultFilterResetCounters(WDFDEVICE Device);

/* A started target whose next level down is Device (what opening the
 * device's name gives): works for unnamed devices too. Parent: the device. */
NTSTATUS WdfioDeviceOpenTarget(WDFDEVICE Device, PWDF_OBJECT_ATTRIBUTES IoTargetAttributes, WDFIOTARGET* IoTarget);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WDFIO_WDF_H */
