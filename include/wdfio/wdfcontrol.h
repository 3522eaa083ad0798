/* wdfcontrol.h — control (non-PnP) devices, as KMDF's wdfcontrol.h (driver
 * spec, control devices): a device a driver makes by itself, typically in DriverEntry,
 * that no PnP stack starts or removes. It has no lower target, its queues
 * present at once, and it is openable by name (its \Device name and its
 * symbolic links) only once WdfControlFinishInitializing ran. The driver may
 * delete it; one it did not is deleted with its driver at unload. */
#ifndef WDFIO_WDFCONTROL_H
#define WDFIO_WDFCONTROL_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfdevice.h>
#include <wdfio/wdftypes.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* A WDFDEVICE_INIT the driver owns: WdfDeviceCreate frees it when it
 * succeeds, WdfDeviceInitFree otherwise. SDDLString (wdmsec.h's
 * SDDL_DEVOBJ_* or an "D:P..." string) is checked and kept, not enforced:
 * in-process devices have no access control. NULL if Driver is not a
 * WDFDRIVER or the SDDL string is missing or not one. */
PWDFDEVICE_INIT WdfControlDeviceInitAllocate(WDFDRIVER Driver, CONST UNICODE_STRING* SDDLString);
/* Makes the device openable. On a device that is not a control device, or
 * a second time: a verifier report, nothing done. */
VOID WdfControlFinishInitializing(WDFDEVICE Device);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFCONTROL_H */
