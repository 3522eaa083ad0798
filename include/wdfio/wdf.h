/* wdf.h — the KMDF-compatible C API of wdfio (first piece: memory, I/O
 * targets, requests, synchronous sends, and the built-in drivers): the
 * umbrella over its per-concept headers, named as KMDF and the WDK name
 * theirs.
 *
 * Names, signatures, structures and NTSTATUS values follow Microsoft's
 * wdf*.h and ntstatus.h, adapted where Linux differs: WdfIoTargetOpen takes
 * KMDF's UNICODE_STRING name (L"/dev/loop0", L"./disk.img",
 * L"\\Device\\Ram0"; WCHAR is wchar_t, opened as UTF-8), wdfio's own Wdfio*
 * calls take `const char*` names, ioctl codes for file targets are Linux
 * numbers, there are no IRPs or MDLs. Behaviour follows the
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
 * The Windows base a driver uses around I/O comes with it: types and
 * counted strings (ntdef.h), Rtl helpers (ntrtl.h), lists (ntlist.h), pool (ntpool.h),
 * Interlocked* (interlocked.h), time and delays (ke.h), DbgPrint/KdPrint and
 * ASSERT (dbgprint.h), ntstrsafe.h, CTL_CODE (devioctl.h), GUIDs
 * (guiddef.h) and the SAL annotations (sal.h). The MSVC dialect of driver
 * sources (IN/OUT, __declspec, #pragma alloc_text; msvc.h) does not: it
 * comes with the driver include folder, include/kmdf (CMake wdfio::kmdf,
 * pkg-config wdfio-kmdf), where a driver's own include lines (<ntddk.h>,
 * <wdf.h>, <initguid.h>, <ntstrsafe.h>, <wdfobject.h>, ...) resolve.
 *
 * C++: this and the wdfio C++ headers can be included in any order; the
 * STATUS_* names are the C++ core's constants (see ntstatus.h). */
#ifndef WDFIO_WDF_H
#define WDFIO_WDF_H

#include <wdfio/ntdef.h>
#include <wdfio/ntstatus.h>
#include <wdfio/wdm.h>

#include <wdfio/dbgprint.h>
#include <wdfio/devioctl.h>
#include <wdfio/guiddef.h>
#include <wdfio/interlocked.h>
#include <wdfio/ke.h>
#include <wdfio/ntlist.h>
#include <wdfio/ntpool.h>
#include <wdfio/ntrtl.h>
#include <wdfio/ntstrsafe.h>
#include <wdfio/sal.h>

#include <wdfio/wdfcollection.h>
#include <wdfio/wdfcontrol.h>
#include <wdfio/wdfcore.h>
#include <wdfio/wdfdevice.h>
#include <wdfio/wdfdpc.h>
#include <wdfio/wdfdriver.h>
#include <wdfio/wdffileobject.h>
#include <wdfio/wdfio.h>
#include <wdfio/wdfiotarget.h>
#include <wdfio/wdfmemory.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdfrequest.h>
#include <wdfio/wdfstring.h>
#include <wdfio/wdfsync.h>
#include <wdfio/wdftimer.h>
#include <wdfio/wdftypes.h>
#include <wdfio/wdfverifier.h>
#include <wdfio/wdfworkitem.h>

#include <wdfio/wdfio_drivers.h>
#include <wdfio/wdfio_host.h>

#endif /* WDFIO_WDF_H */
