/* wdffileobject.h — file objects, as KMDF's wdffileobject.h
 * (driver spec §9.4): one WDFFILEOBJECT per open of a device by name, made before
 * EvtDeviceFileCreate and deleted after EvtFileClose (its cleanup and destroy
 * callbacks run then); child of the device, not deletable by the driver,
 * its context zeroed. The configuration is WdfDeviceInitSetFileObjectConfig
 * (wdfdevice.h); a request's file object is WdfRequestGetFileObject
 * (wdfrequest.h). */
#ifndef WDFIO_WDFFILEOBJECT_H
#define WDFIO_WDFFILEOBJECT_H

#include <wdfio/ntdef.h>
#include <wdfio/wdftypes.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* The device that was opened. */
WDFDEVICE WdfFileObjectGetDevice(WDFFILEOBJECT FileObject);
/* Always 0: there is no OS file object behind an open here. */
ULONG WdfFileObjectGetFlags(WDFFILEOBJECT FileObject);
/* What followed the device's name in the name opened (L"\\a" for
 * L"\\Device\\Disk\\a"; empty, Length 0, for the device itself), owned by
 * the file object; NULL for a bad handle. */
PUNICODE_STRING WdfFileObjectGetFileName(WDFFILEOBJECT FileObject);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFFILEOBJECT_H */
