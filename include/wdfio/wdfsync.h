/* wdfsync.h — a driver's own locks, as KMDF's wdfsync.h: spin locks for
 * short critical sections and wait locks that may be waited for with a
 * timeout (driver spec R7.13, R7.14). Neither is recursive. */
#ifndef WDFIO_WDFSYNC_H
#define WDFIO_WDFSYNC_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* Attributes as any object's (a parent, callbacks, a context); levels and
 * scopes → STATUS_WDF_EXECUTION_LEVEL_INVALID / _SYNCHRONIZATION_SCOPE_INVALID. */
NTSTATUS WdfSpinLockCreate(PWDF_OBJECT_ATTRIBUTES SpinLockAttributes, WDFSPINLOCK* SpinLock);
/* Acquire by the thread that holds it, or release by one that does not: a
 * verifier report, and nothing is done. */
VOID WdfSpinLockAcquire(WDFSPINLOCK SpinLock);
VOID WdfSpinLockRelease(WDFSPINLOCK SpinLock);

/* The lock of a WDFDEVICE or a WDFQUEUE, which a synchronization scope would
 * take around its callbacks (scopes are not there yet: only the driver's own
 * sections take it). Not recursive: taken again by its holder → a verifier
 * report, not taken; released by another thread → a report, ignored. Any
 * other kind of object → a report, nothing. */
VOID WdfObjectAcquireLock(WDFOBJECT Object);
VOID WdfObjectReleaseLock(WDFOBJECT Object);

NTSTATUS WdfWaitLockCreate(PWDF_OBJECT_ATTRIBUTES LockAttributes, WDFWAITLOCK* Lock);
/* Timeout NULL: wait until free → STATUS_SUCCESS. *Timeout 0: one try;
 * else 100 ns ticks, negative relative, positive absolute →
 * STATUS_SUCCESS or STATUS_TIMEOUT (a success-class status: compare with
 * STATUS_SUCCESS, not NT_SUCCESS). A wait on the engine thread or in a
 * completion routine, or an acquire by the holder → a verifier report,
 * STATUS_INVALID_DEVICE_REQUEST. */
NTSTATUS WdfWaitLockAcquire(WDFWAITLOCK Lock, PLONGLONG Timeout);
VOID WdfWaitLockRelease(WDFWAITLOCK Lock);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFSYNC_H */
