/* wdfdevice.h — devices, as KMDF's wdfdevice.h (driver spec §3, §4): the
 * WDFDEVICE_INIT a driver's EvtDriverDeviceAdd fills in, WdfDeviceCreate,
 * the PnP/power callbacks the host calls in the order of spec §4.1 and §4.3,
 * and the device's default target and queue. */
#ifndef WDFIO_WDFDEVICE_H
#define WDFIO_WDFDEVICE_H

#include <wdfio/devioctl.h>
#include <wdfio/ntdef.h>
#include <wdfio/wdfdriver.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdfrequest.h>
#include <wdfio/wdftypes.h>

#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef enum _WDF_DEVICE_IO_TYPE {
    WdfDeviceIoUndefined = 0,
    WdfDeviceIoNeither,
    WdfDeviceIoBuffered,
    WdfDeviceIoDirect,
    WdfDeviceIoBufferedOrDirect = 4,
    WdfDeviceIoMaximum,
} WDF_DEVICE_IO_TYPE;

typedef enum _WDF_POWER_DEVICE_STATE {
    WdfPowerDeviceInvalid = 0,
    WdfPowerDeviceD0,
    WdfPowerDeviceD1,
    WdfPowerDeviceD2,
    WdfPowerDeviceD3,
    WdfPowerDeviceD3Final,
    WdfPowerDevicePrepareForHibernation,
    WdfPowerDeviceMaximum,
} WDF_POWER_DEVICE_STATE;

typedef enum _WDF_SPECIAL_FILE_TYPE {
    WdfSpecialFileUndefined = 0,
    WdfSpecialFilePaging = 1,
    WdfSpecialFileHibernation,
    WdfSpecialFileDump,
    WdfSpecialFileBoot,
    WdfSpecialFileMax,
} WDF_SPECIAL_FILE_TYPE;

typedef enum _DEVICE_RELATION_TYPE {
    BusRelations,
    EjectionRelations,
    PowerRelations,
    RemovalRelations,
    TargetDeviceRelation,
    SingleBusRelations,
    TransportRelations,
} DEVICE_RELATION_TYPE;

typedef NTSTATUS EVT_WDF_DEVICE_D0_ENTRY(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState);
typedef EVT_WDF_DEVICE_D0_ENTRY* PFN_WDF_DEVICE_D0_ENTRY;
typedef NTSTATUS EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED(WDFDEVICE Device,
                                                                 WDF_POWER_DEVICE_STATE PreviousState);
typedef EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED* PFN_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED;
typedef NTSTATUS EVT_WDF_DEVICE_D0_EXIT(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState);
typedef EVT_WDF_DEVICE_D0_EXIT* PFN_WDF_DEVICE_D0_EXIT;
typedef NTSTATUS EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState);
typedef EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED* PFN_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED;
typedef NTSTATUS EVT_WDF_DEVICE_PREPARE_HARDWARE(WDFDEVICE Device, WDFCMRESLIST ResourcesRaw,
                                                 WDFCMRESLIST ResourcesTranslated);
typedef EVT_WDF_DEVICE_PREPARE_HARDWARE* PFN_WDF_DEVICE_PREPARE_HARDWARE;
typedef NTSTATUS EVT_WDF_DEVICE_RELEASE_HARDWARE(WDFDEVICE Device, WDFCMRESLIST ResourcesTranslated);
typedef EVT_WDF_DEVICE_RELEASE_HARDWARE* PFN_WDF_DEVICE_RELEASE_HARDWARE;
typedef VOID EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP* PFN_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP;
typedef VOID EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH* PFN_WDF_DEVICE_SELF_MANAGED_IO_FLUSH;
typedef NTSTATUS EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT* PFN_WDF_DEVICE_SELF_MANAGED_IO_INIT;
typedef NTSTATUS EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND* PFN_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND;
typedef NTSTATUS EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART* PFN_WDF_DEVICE_SELF_MANAGED_IO_RESTART;
typedef VOID EVT_WDF_DEVICE_SURPRISE_REMOVAL(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SURPRISE_REMOVAL* PFN_WDF_DEVICE_SURPRISE_REMOVAL;
typedef NTSTATUS EVT_WDF_DEVICE_QUERY_REMOVE(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_QUERY_REMOVE* PFN_WDF_DEVICE_QUERY_REMOVE;
typedef NTSTATUS EVT_WDF_DEVICE_QUERY_STOP(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_QUERY_STOP* PFN_WDF_DEVICE_QUERY_STOP;
typedef VOID EVT_WDF_DEVICE_USAGE_NOTIFICATION(WDFDEVICE Device, WDF_SPECIAL_FILE_TYPE NotificationType,
                                               BOOLEAN IsInNotificationPath);
typedef EVT_WDF_DEVICE_USAGE_NOTIFICATION* PFN_WDF_DEVICE_USAGE_NOTIFICATION;
typedef VOID EVT_WDF_DEVICE_RELATIONS_QUERY(WDFDEVICE Device, DEVICE_RELATION_TYPE RelationType);
typedef EVT_WDF_DEVICE_RELATIONS_QUERY* PFN_WDF_DEVICE_RELATIONS_QUERY;
typedef NTSTATUS EVT_WDF_DEVICE_USAGE_NOTIFICATION_EX(WDFDEVICE Device, WDF_SPECIAL_FILE_TYPE NotificationType,
                                                      BOOLEAN IsInNotificationPath);
typedef EVT_WDF_DEVICE_USAGE_NOTIFICATION_EX* PFN_WDF_DEVICE_USAGE_NOTIFICATION_EX;

/* The host calls PrepareHardware, D0Entry (and its post-interrupts form)
 * and SelfManagedIoInit when it brings a device up (WdfioDeviceAdd), and
 * SelfManagedIoSuspend, D0Exit (pre-interrupts first), ReleaseHardware,
 * SelfManagedIoFlush and SelfManagedIoCleanup when it takes it down
 * (WdfioDriverUnload), in spec §4.1/§4.3's order. There are no power
 * transitions, surprise removals or rebalances: the rest are never called. */
typedef struct _WDF_PNPPOWER_EVENT_CALLBACKS {
    ULONG Size;
    PFN_WDF_DEVICE_D0_ENTRY EvtDeviceD0Entry;
    PFN_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED EvtDeviceD0EntryPostInterruptsEnabled;
    PFN_WDF_DEVICE_D0_EXIT EvtDeviceD0Exit;
    PFN_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED EvtDeviceD0ExitPreInterruptsDisabled;
    PFN_WDF_DEVICE_PREPARE_HARDWARE EvtDevicePrepareHardware;
    PFN_WDF_DEVICE_RELEASE_HARDWARE EvtDeviceReleaseHardware;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP EvtDeviceSelfManagedIoCleanup;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_FLUSH EvtDeviceSelfManagedIoFlush;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_INIT EvtDeviceSelfManagedIoInit;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND EvtDeviceSelfManagedIoSuspend;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_RESTART EvtDeviceSelfManagedIoRestart;
    PFN_WDF_DEVICE_SURPRISE_REMOVAL EvtDeviceSurpriseRemoval;
    PFN_WDF_DEVICE_QUERY_REMOVE EvtDeviceQueryRemove;
    PFN_WDF_DEVICE_QUERY_STOP EvtDeviceQueryStop;
    PFN_WDF_DEVICE_USAGE_NOTIFICATION EvtDeviceUsageNotification;
    PFN_WDF_DEVICE_RELATIONS_QUERY EvtDeviceRelationsQuery;
    PFN_WDF_DEVICE_USAGE_NOTIFICATION_EX EvtDeviceUsageNotificationEx;
} WDF_PNPPOWER_EVENT_CALLBACKS, *PWDF_PNPPOWER_EVENT_CALLBACKS;

static inline VOID WDF_PNPPOWER_EVENT_CALLBACKS_INIT(PWDF_PNPPOWER_EVENT_CALLBACKS Callbacks) {
    memset(Callbacks, 0, sizeof(*Callbacks));
    Callbacks->Size = sizeof(WDF_PNPPOWER_EVENT_CALLBACKS);
}

/* File objects (driver spec §9.4): an open of the device by name
 * (WdfIoTargetOpen with WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME, or the
 * C++ IoTarget::open) is the create; closing or deleting that target is the
 * cleanup, then the close once the I/O sent through it has finished. */
typedef enum _WDF_FILEOBJECT_CLASS {
    WdfFileObjectInvalid = 0,
    WdfFileObjectNotRequired = 1,
    WdfFileObjectWdfCanUseFsContext = 2,
    WdfFileObjectWdfCanUseFsContext2 = 3,
    WdfFileObjectWdfCannotUseFsContexts = 4,
    /* KMDF's 0x80000000, a flag or'ed into a class; written so that ISO C,
     * whose enumerators are ints, takes it (the same 32 bits). */
    WdfFileObjectCanBeOptional = -0x7FFFFFFF - 1,
} WDF_FILEOBJECT_CLASS,
    *PWDF_FILEOBJECT_CLASS;

/* The open's request, completed by the driver (WdfRequestComplete, now or
 * later from any thread): its status is what the open returns. FileObject is
 * NULL for class WdfFileObjectNotRequired. The request came through no queue
 * (WdfRequestGetIoQueue: NULL and a verifier report) and cannot be sent on:
 * a filter passes opens down with AutoForwardCleanupClose instead (after
 * this callback succeeded). A queue for WdfRequestTypeCreate is not
 * available (WdfDeviceConfigureRequestDispatching refuses the type). */
typedef VOID EVT_WDF_DEVICE_FILE_CREATE(WDFDEVICE Device, WDFREQUEST Request, WDFFILEOBJECT FileObject);
typedef EVT_WDF_DEVICE_FILE_CREATE* PFN_WDF_DEVICE_FILE_CREATE;
/* Every I/O request the device receives, on the sending thread, before any
 * queue (R5.39): the driver owns it and completes it, or hands it on with
 * WdfDeviceEnqueueRequest. Never under a synchronization scope's lock. */
typedef VOID EVT_WDF_IO_IN_CALLER_CONTEXT(WDFDEVICE Device, WDFREQUEST Request);
typedef EVT_WDF_IO_IN_CALLER_CONTEXT* PFN_WDF_IO_IN_CALLER_CONTEXT;
typedef VOID EVT_WDF_FILE_CLOSE(WDFFILEOBJECT FileObject);
typedef EVT_WDF_FILE_CLOSE* PFN_WDF_FILE_CLOSE;
typedef VOID EVT_WDF_FILE_CLEANUP(WDFFILEOBJECT FileObject);
typedef EVT_WDF_FILE_CLEANUP* PFN_WDF_FILE_CLEANUP;

typedef struct _WDF_FILEOBJECT_CONFIG {
    ULONG Size;
    PFN_WDF_DEVICE_FILE_CREATE EvtDeviceFileCreate;
    PFN_WDF_FILE_CLOSE EvtFileClose;
    PFN_WDF_FILE_CLEANUP EvtFileCleanup;
    /* WdfTrue: the create (once EvtDeviceFileCreate, if any, succeeded),
     * cleanup and close also reach the device below, which makes its own
     * file object; WdfUseDefault: so for a filter. */
    WDF_TRI_STATE AutoForwardCleanupClose;
    WDF_FILEOBJECT_CLASS FileObjectClass;
} WDF_FILEOBJECT_CONFIG, *PWDF_FILEOBJECT_CONFIG;

static inline VOID WDF_FILEOBJECT_CONFIG_INIT(PWDF_FILEOBJECT_CONFIG FileEventCallbacks,
                                              PFN_WDF_DEVICE_FILE_CREATE EvtDeviceFileCreate,
                                              PFN_WDF_FILE_CLOSE EvtFileClose, PFN_WDF_FILE_CLEANUP EvtFileCleanup) {
    memset(FileEventCallbacks, 0, sizeof(*FileEventCallbacks));
    FileEventCallbacks->Size = sizeof(WDF_FILEOBJECT_CONFIG);
    FileEventCallbacks->EvtDeviceFileCreate = EvtDeviceFileCreate;
    FileEventCallbacks->EvtFileClose = EvtFileClose;
    FileEventCallbacks->EvtFileCleanup = EvtFileCleanup;
    FileEventCallbacks->FileObjectClass = WdfFileObjectWdfCannotUseFsContexts;
    FileEventCallbacks->AutoForwardCleanupClose = WdfUseDefault;
}

/* The WDFDEVICE_INIT setters are VOID, as KMDF's: bad input (a NULL, a
 * wrong Size, a bad value) is a verifier report and the call is ignored
 * (spec R1.6). The last call wins. IoType and DeviceType are recorded;
 * requests carry their buffers the same way whatever the IoType. */
VOID WdfDeviceInitSetIoType(PWDFDEVICE_INIT DeviceInit, WDF_DEVICE_IO_TYPE IoType);
/* Exclusive: while the device is open by name, another open →
 * STATUS_ACCESS_DENIED (R3.4). */
VOID WdfDeviceInitSetExclusive(PWDFDEVICE_INIT DeviceInit, BOOLEAN IsExclusive);
VOID WdfDeviceInitSetDeviceType(PWDFDEVICE_INIT DeviceInit, DEVICE_TYPE DeviceType);
VOID WdfDeviceInitSetPnpPowerEventCallbacks(PWDFDEVICE_INIT DeviceInit,
                                            PWDF_PNPPOWER_EVENT_CALLBACKS PnpPowerEventCallbacks);
/* Attributes (a context type, callbacks) every request the device's queues
 * present gets; their context is zeroed on each presentation. No parent. */
VOID WdfDeviceInitSetRequestAttributes(PWDFDEVICE_INIT DeviceInit, PWDF_OBJECT_ATTRIBUTES RequestAttributes);
/* A filter: request types it has no queue for go down to the next device
 * unchanged (as KMDF forwards them), instead of failing with
 * STATUS_INVALID_DEVICE_REQUEST. */
VOID WdfFdoInitSetFilter(PWDFDEVICE_INIT DeviceInit);
/* The file-object callbacks, class and forwarding, and the attributes (a
 * context type, cleanup and destroy callbacks; no parent) of each
 * WDFFILEOBJECT. A bad Size, class, AutoForwardCleanupClose or attributes →
 * a verifier report, ignored (R9.9). Without it: class NotRequired. */
VOID WdfDeviceInitSetFileObjectConfig(PWDFDEVICE_INIT DeviceInit, PWDF_FILEOBJECT_CONFIG FileObjectConfig,
                                      PWDF_OBJECT_ATTRIBUTES FileObjectAttributes);
/* "\\Device\\Name": WdfIoTargetOpen by that name reaches the device. NULL
 * clears it. A name not under \Device → STATUS_OBJECT_NAME_INVALID (then,
 * or at WdfDeviceCreate when it is in use: STATUS_OBJECT_NAME_COLLISION). */
NTSTATUS WdfDeviceInitAssignName(PWDFDEVICE_INIT DeviceInit, PCUNICODE_STRING DeviceName);

/* Makes the device from *DeviceInit (then sets *DeviceInit to NULL: the init
 * is used up). Its parent is the driver (a ParentObject →
 * STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED); attributes may carry a context,
 * callbacks and a level (Passive → STATUS_NOT_SUPPORTED); scopes are not
 * supported yet. An init already used → STATUS_INVALID_DEVICE_STATE. */
NTSTATUS WdfDeviceCreate(PWDFDEVICE_INIT* DeviceInit, PWDF_OBJECT_ATTRIBUTES DeviceAttributes, WDFDEVICE* Device);
/* Frees an init the driver allocated (WdfControlDeviceInitAllocate) when
 * WdfDeviceCreate failed with it; the framework's own init (the one
 * EvtDriverDeviceAdd receives) is not the driver's: nothing. */
VOID WdfDeviceInitFree(PWDFDEVICE_INIT DeviceInit);
/* Another name the device is opened by: "\\DosDevices\\Name" (or
 * "\\DosDevices\\Global\\Name", "\\??\\Name"); clients may also open it as
 * "\\\\.\\Name". The device needs a name (WdfDeviceInitAssignName), else
 * STATUS_INVALID_DEVICE_REQUEST; another form → STATUS_OBJECT_NAME_INVALID;
 * a link in use → STATUS_OBJECT_NAME_COLLISION. It goes when the device
 * does. A control device's links work once it finished initializing. */
NTSTATUS WdfDeviceCreateSymbolicLink(WDFDEVICE Device, PCUNICODE_STRING SymbolicLinkName);
/* A device interface of class InterfaceClassGUID (ReferenceString
 * optional: no path separators, else STATUS_INVALID_PARAMETER): a symbolic
 * link "\\??\\WDFIO#Driver#0001#{GUID}[\\Reference]" clients find with
 * IoGetDeviceInterfaces (wdm.h) and open by name. Enabled when the device
 * starts (or at once when made after), disabled at its removal. A control
 * device has none: STATUS_INVALID_DEVICE_REQUEST. Made twice: the same one,
 * STATUS_SUCCESS. */
NTSTATUS WdfDeviceCreateDeviceInterface(WDFDEVICE Device, CONST GUID* InterfaceClassGUID,
                                        PCUNICODE_STRING ReferenceString);
/* Enables or disables one (an unknown one: a verifier report, nothing).
 * Before the start, FALSE keeps it from being enabled then; both forms do
 * that here. */
VOID WdfDeviceSetDeviceInterfaceState(WDFDEVICE Device, CONST GUID* InterfaceClassGUID,
                                      PCUNICODE_STRING ReferenceString, BOOLEAN IsInterfaceEnabled);
VOID WdfDeviceSetDeviceInterfaceStateEx(WDFDEVICE Device, CONST GUID* InterfaceClassGUID,
                                        PCUNICODE_STRING ReferenceString, BOOLEAN IsInterfaceEnabled);
/* Its symbolic link into String; none such → STATUS_OBJECT_NAME_NOT_FOUND. */
NTSTATUS WdfDeviceRetrieveDeviceInterfaceString(WDFDEVICE Device, CONST GUID* InterfaceClassGUID,
                                                PCUNICODE_STRING ReferenceString, WDFSTRING String);
/* The next device down (started), or NULL for a device at the bottom. */
WDFIOTARGET WdfDeviceGetIoTarget(WDFDEVICE Device);
/* The queue made with DefaultQueue = TRUE; NULL if none. */
WDFQUEUE WdfDeviceGetDefaultQueue(WDFDEVICE Device);
WDFDRIVER WdfDeviceGetDriver(WDFDEVICE Device);
/* Requests of RequestType (Read, Write, DeviceControl, DeviceControlInternal)
 * go to Queue rather than the default queue. Another type →
 * STATUS_INVALID_PARAMETER; a queue of another device →
 * STATUS_INVALID_DEVICE_REQUEST. */
NTSTATUS WdfDeviceConfigureRequestDispatching(WDFDEVICE Device, WDFQUEUE Queue, WDF_REQUEST_TYPE RequestType);
/* NULL DeviceInit → a verifier report, nothing set; NULL callback: none. */
VOID WdfDeviceInitSetIoInCallerContextCallback(PWDFDEVICE_INIT DeviceInit,
                                               PFN_WDF_IO_IN_CALLER_CONTEXT EvtIoInCallerContext);
/* From EvtIoInCallerContext: Request goes on to the queue its type is
 * dispatched to, as if it had just arrived; no longer the driver's. Elsewhere,
 * not the driver's, or another device's request → STATUS_INVALID_DEVICE_REQUEST
 * and a verifier report; no queue takes its type → STATUS_INVALID_DEVICE_REQUEST
 * (a filter: sent down unchanged, STATUS_SUCCESS); the queue takes nothing
 * (purged, draining) → STATUS_WDF_BUSY. On failure the driver still owns it. */
NTSTATUS WdfDeviceEnqueueRequest(WDFDEVICE Device, WDFREQUEST Request);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFDEVICE_H */
