/* wdfdpc.h — DPCs, as KMDF's wdfdpc.h (driver spec §8.4): a callback run
 * soon, once per enqueue, on the engine thread (KMDF's DISPATCH_LEVEL: it must
 * not block). A DPC belongs to a device: its ParentObject is required and must
 * be a device or an object under one. */
#ifndef WDFIO_WDFDPC_H
#define WDFIO_WDFDPC_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>

#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef VOID EVT_WDF_DPC(WDFDPC Dpc);
typedef EVT_WDF_DPC* PFN_WDF_DPC;

/* AutomaticSerialization: as for timers (wdftimer.h). */
typedef struct _WDF_DPC_CONFIG {
    ULONG Size;
    PFN_WDF_DPC EvtDpcFunc;
    BOOLEAN AutomaticSerialization;
} WDF_DPC_CONFIG, *PWDF_DPC_CONFIG;

static inline VOID WDF_DPC_CONFIG_INIT(PWDF_DPC_CONFIG Config, PFN_WDF_DPC EvtDpcFunc) {
    memset(Config, 0, sizeof(*Config));
    Config->Size = sizeof(WDF_DPC_CONFIG);
    Config->EvtDpcFunc = EvtDpcFunc;
    Config->AutomaticSerialization = TRUE;
}

/* As WdfTimerCreate for the attributes and the parent (spec R1.2, R8.12);
 * EvtDpcFunc NULL → STATUS_INVALID_PARAMETER (KMDF would call NULL). */
NTSTATUS WdfDpcCreate(PWDF_DPC_CONFIG Config, PWDF_OBJECT_ATTRIBUTES Attributes, WDFDPC* Dpc);
/* TRUE if queued; FALSE if it already was (it runs once). */
BOOLEAN WdfDpcEnqueue(WDFDPC Dpc);
/* TRUE if it was dequeued before it ran. Wait TRUE (and not dequeued): also
 * waits for its running callback — not for every DPC of the process, as
 * KeFlushQueuedDpcs would. Wait from the engine thread, a completion routine
 * or the DPC's own callback: a verifier report, FALSE, nothing cancelled. */
BOOLEAN WdfDpcCancel(WDFDPC Dpc, BOOLEAN Wait);
WDFOBJECT WdfDpcGetParentObject(WDFDPC Dpc);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFDPC_H */
