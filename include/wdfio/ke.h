/* ke.h — the kernel services drivers use around I/O: IRQL names, processor
 * modes, the system time and tick count, the performance counter and
 * KeDelayExecutionThread, as in the WDK's wdm.h.
 *
 * Times are in 100 ns units. The system time counts from 1601-01-01 UTC
 * (CLOCK_REALTIME moved to Windows' epoch); the tick count and the
 * performance counter are CLOCK_MONOTONIC, the counter at 10 MHz. A tick is
 * KeQueryTimeIncrement() = 156250 (15.625 ms, Windows' default). There is no
 * IRQL here: the levels exist for code that names them, and PAGED_CODE()
 * checks nothing. */
#ifndef WDFIO_KE_H
#define WDFIO_KE_H

#include <wdfio/ntdef.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef UCHAR KIRQL;
typedef KIRQL* PKIRQL;
#define PASSIVE_LEVEL  0
#define LOW_LEVEL      0
#define APC_LEVEL      1
#define DISPATCH_LEVEL 2
#define HIGH_LEVEL     15

typedef CCHAR KPROCESSOR_MODE;
typedef enum _MODE { KernelMode, UserMode, MaximumMode } MODE;

#define PAGED_CODE()
#define PAGED_CODE_LOCKED()

/* NULL → nothing. */
VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime);
VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime);
VOID KeQueryTickCount(PLARGE_INTEGER CurrentCount);
ULONG KeQueryTimeIncrement(VOID);
/* PerformanceFrequency is optional. */
LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency);
/* Sleeps for -Interval (negative: relative) or until Interval (positive: an
 * absolute system time); 0 yields. Alertable is accepted, but there are no
 * APCs to wake the thread: always STATUS_SUCCESS once the time has passed.
 * Interval NULL or a WaitMode other than KernelMode/UserMode →
 * STATUS_INVALID_PARAMETER. From a completion routine or the engine thread
 * → STATUS_INVALID_DEVICE_REQUEST (it would stall every I/O; the verifier
 * reports it, as for the synchronous sends). */
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_KE_H */
