/* wdfworkitem.h — work items, as KMDF's wdfworkitem.h (driver spec §8.3): a
 * callback run on a worker thread (KMDF's PASSIVE_LEVEL) when enqueued,
 * where follow-up work that may block goes. A work item belongs to a device:
 * its ParentObject is required and must be a device or an object under one. */
#ifndef WDFIO_WDFWORKITEM_H
#define WDFIO_WDFWORKITEM_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>

#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef VOID EVT_WDF_WORKITEM(WDFWORKITEM WorkItem);
typedef EVT_WDF_WORKITEM* PFN_WDF_WORKITEM;

/* AutomaticSerialization: as for timers (wdftimer.h). */
typedef struct _WDF_WORKITEM_CONFIG {
    ULONG Size;
    PFN_WDF_WORKITEM EvtWorkItemFunc;
    BOOLEAN AutomaticSerialization;
} WDF_WORKITEM_CONFIG, *PWDF_WORKITEM_CONFIG;

static inline VOID WDF_WORKITEM_CONFIG_INIT(PWDF_WORKITEM_CONFIG Config, PFN_WDF_WORKITEM EvtWorkItemFunc) {
    memset(Config, 0, sizeof(*Config));
    Config->Size = sizeof(WDF_WORKITEM_CONFIG);
    Config->EvtWorkItemFunc = EvtWorkItemFunc;
    Config->AutomaticSerialization = TRUE;
}

/* As WdfTimerCreate for the attributes and the parent (spec R1.2, R8.8);
 * EvtWorkItemFunc NULL → STATUS_INVALID_PARAMETER. */
NTSTATUS WdfWorkItemCreate(PWDF_WORKITEM_CONFIG Config, PWDF_OBJECT_ATTRIBUTES Attributes, WDFWORKITEM* WorkItem);
/* Queued and not started yet: nothing more (one run). The callback may
 * enqueue its own work item again. */
VOID WdfWorkItemEnqueue(WDFWORKITEM WorkItem);
/* Returns when nothing is queued or running. From its own callback, the
 * engine thread or a completion routine: a verifier report, returns at once. */
VOID WdfWorkItemFlush(WDFWORKITEM WorkItem);
WDFOBJECT WdfWorkItemGetParentObject(WDFWORKITEM WorkItem);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFWORKITEM_H */
