/* wdftimer.h — timers, as KMDF's wdftimer.h (driver spec §8.1–8.2): a
 * callback after a due time, once or every Period ms, on the engine thread
 * (KMDF's DISPATCH_LEVEL). A timer belongs to a device: its ParentObject is
 * required and must be a device or an object under one. */
#ifndef WDFIO_WDFTIMER_H
#define WDFIO_WDFTIMER_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>

#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef VOID EVT_WDF_TIMER(WDFTIMER Timer);
typedef EVT_WDF_TIMER* PFN_WDF_TIMER;

/* AutomaticSerialization runs the callback under the lock of the nearest
 * queue or device above it whose synchronization scope is Queue or Device
 * (spec R7.4); none such: it changes nothing. While that lock is held, the
 * callback runs when its holder releases it, on the holder's thread.
 * TolerableDelay is accepted and not used (timers
 * fire on the engine's wheel, within about a millisecond);
 * UseHighResolutionTimer changes nothing either. */
typedef struct _WDF_TIMER_CONFIG {
    ULONG Size;
    PFN_WDF_TIMER EvtTimerFunc;
    ULONG Period; /* ms; 0: once per WdfTimerStart */
    BOOLEAN AutomaticSerialization;
    ULONG TolerableDelay;
    BOOLEAN UseHighResolutionTimer;
} WDF_TIMER_CONFIG, *PWDF_TIMER_CONFIG;

static inline VOID WDF_TIMER_CONFIG_INIT(PWDF_TIMER_CONFIG Config, PFN_WDF_TIMER EvtTimerFunc) {
    memset(Config, 0, sizeof(*Config));
    Config->Size = sizeof(WDF_TIMER_CONFIG);
    Config->EvtTimerFunc = EvtTimerFunc;
    Config->AutomaticSerialization = TRUE;
}

static inline VOID WDF_TIMER_CONFIG_INIT_PERIODIC(PWDF_TIMER_CONFIG Config, PFN_WDF_TIMER EvtTimerFunc, ULONG Period) {
    WDF_TIMER_CONFIG_INIT(Config, EvtTimerFunc);
    Config->Period = Period;
}

/* In the order of spec R1.2/R8.1: Attributes NULL or without ParentObject →
 * STATUS_WDF_PARENT_NOT_SPECIFIED; wrong Size → STATUS_INFO_LENGTH_MISMATCH;
 * Config or Timer NULL → STATUS_INVALID_PARAMETER (a verifier report);
 * Period above MAXLONG, or a high-resolution timer with a TolerableDelay →
 * STATUS_INVALID_PARAMETER; a parent with no device above it →
 * STATUS_INVALID_DEVICE_REQUEST. */
NTSTATUS WdfTimerCreate(PWDF_TIMER_CONFIG Config, PWDF_OBJECT_ATTRIBUTES Attributes, WDFTIMER* Timer);
/* DueTime in 100 ns ticks: negative relative, positive absolute (a time
 * past, 0 included, fires at once). TRUE iff the timer was pending (its due
 * time is replaced). The callback may restart its own timer. */
BOOLEAN WdfTimerStart(WDFTIMER Timer, LONGLONG DueTime);
/* TRUE iff a pending expiry was cancelled. Wait: also wait for a running
 * callback — from the timer's own callback or the engine thread that is a
 * verifier report, FALSE, and nothing is stopped. */
BOOLEAN WdfTimerStop(WDFTIMER Timer, BOOLEAN Wait);
WDFOBJECT WdfTimerGetParentObject(WDFTIMER Timer);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFTIMER_H */
