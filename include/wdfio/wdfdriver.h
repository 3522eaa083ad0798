/* wdfdriver.h — the driver object, as KMDF's wdfdriver.h (driver spec §2):
 * WdfDriverCreate from DriverEntry, the device-add and unload callbacks.
 * The host (wdfio_host.h: WdfioDriverLoad) plays the kernel that calls
 * DriverEntry. */
#ifndef WDFIO_WDFDRIVER_H
#define WDFIO_WDFDRIVER_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>
#include <wdfio/wdm.h>

#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef struct WDFDEVICE_INIT WDFDEVICE_INIT, *PWDFDEVICE_INIT;

typedef NTSTATUS EVT_WDF_DRIVER_DEVICE_ADD(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit);
typedef EVT_WDF_DRIVER_DEVICE_ADD* PFN_WDF_DRIVER_DEVICE_ADD;
typedef VOID EVT_WDF_DRIVER_UNLOAD(WDFDRIVER Driver);
typedef EVT_WDF_DRIVER_UNLOAD* PFN_WDF_DRIVER_UNLOAD;

typedef enum _WDF_DRIVER_INIT_FLAGS {
    WdfDriverInitNonPnpDriver = 0x00000001,
    WdfDriverInitNoDispatchOverride = 0x00000002,
    WdfVerifyOn = 0x00000004,
    WdfVerifierOn = 0x00000008,
} WDF_DRIVER_INIT_FLAGS;

typedef struct _WDF_DRIVER_CONFIG {
    ULONG Size;
    PFN_WDF_DRIVER_DEVICE_ADD EvtDriverDeviceAdd;
    PFN_WDF_DRIVER_UNLOAD EvtDriverUnload;
    ULONG DriverInitFlags;
    ULONG DriverPoolTag;
} WDF_DRIVER_CONFIG, *PWDF_DRIVER_CONFIG;

static inline VOID WDF_DRIVER_CONFIG_INIT(PWDF_DRIVER_CONFIG Config, PFN_WDF_DRIVER_DEVICE_ADD EvtDriverDeviceAdd) {
    memset(Config, 0, sizeof(*Config));
    Config->Size = sizeof(WDF_DRIVER_CONFIG);
    Config->EvtDriverDeviceAdd = EvtDriverDeviceAdd;
}

/* Once per DriverObject, from DriverEntry (a second call →
 * STATUS_INVALID_DEVICE_STATE). Config->Size wrong →
 * STATUS_INFO_LENGTH_MISMATCH; no EvtDriverDeviceAdd in a PnP driver →
 * STATUS_INVALID_PARAMETER; a ParentObject →
 * STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED. Driver may be NULL. */
NTSTATUS WdfDriverCreate(PDRIVER_OBJECT DriverObject, PCUNICODE_STRING RegistryPath,
                         PWDF_OBJECT_ATTRIBUTES DriverAttributes, PWDF_DRIVER_CONFIG DriverConfig, WDFDRIVER* Driver);
/* The driver whose callback runs on this thread; outside callbacks, the one
 * loaded driver (NULL, and a log line, when several are loaded). */
WDFDRIVER WdfGetDriver(VOID);
/* The RegistryPath DriverEntry received (NUL-terminated), valid while the driver is. */
PWSTR WdfDriverGetRegistryPath(WDFDRIVER Driver);

/* The framework's version, as text, into String ("wdfio 0.1.0, KMDF 1.33"). */
NTSTATUS WdfDriverRetrieveVersionString(WDFDRIVER Driver, WDFSTRING String);

typedef struct _WDF_DRIVER_VERSION_AVAILABLE_PARAMS {
    ULONG Size;
    ULONG MajorVersion;
    ULONG MinorVersion;
} WDF_DRIVER_VERSION_AVAILABLE_PARAMS, *PWDF_DRIVER_VERSION_AVAILABLE_PARAMS;

static inline VOID WDF_DRIVER_VERSION_AVAILABLE_PARAMS_INIT(PWDF_DRIVER_VERSION_AVAILABLE_PARAMS Params,
                                                            ULONG MajorVersion, ULONG MinorVersion) {
    memset(Params, 0, sizeof(*Params));
    Params->Size = sizeof(WDF_DRIVER_VERSION_AVAILABLE_PARAMS);
    Params->MajorVersion = MajorVersion;
    Params->MinorVersion = MinorVersion;
}

/* TRUE iff the framework is at least that version: wdfio offers KMDF 1.33's
 * API (what it implements of it is in the README), so 1.0 to 1.33. A wrong
 * Size: a verifier report, FALSE. */
BOOLEAN WdfDriverIsVersionAvailable(WDFDRIVER Driver, PWDF_DRIVER_VERSION_AVAILABLE_PARAMS VersionAvailableParams);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFDRIVER_H */
