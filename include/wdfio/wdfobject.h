/* wdfobject.h — what every WDF object shares: creation attributes (parent,
 * cleanup and destroy callbacks), delete, and references. */
#ifndef WDFIO_WDFOBJECT_H
#define WDFIO_WDFOBJECT_H

#include <wdfio/ntdef.h>
#include <wdfio/wdftypes.h>

#include <stddef.h>
#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef void EVT_WDF_OBJECT_CONTEXT_CLEANUP(WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_CLEANUP* PFN_WDF_OBJECT_CONTEXT_CLEANUP;
typedef void EVT_WDF_OBJECT_CONTEXT_DESTROY(WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_DESTROY* PFN_WDF_OBJECT_CONTEXT_DESTROY;

/* Supported here: ParentObject (deleting a parent deletes its children
 * first), EvtCleanupCallback (at delete) and EvtDestroyCallback (when the last
 * reference goes). Typed context areas come with the driver API: a non-zero
 * ContextSizeOverride or ContextTypeInfo → STATUS_NOT_SUPPORTED. Levels and
 * scopes other than Invalid/InheritFromParent → STATUS_NOT_SUPPORTED. */
typedef struct _WDF_OBJECT_ATTRIBUTES {
    ULONG Size;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP EvtCleanupCallback;
    PFN_WDF_OBJECT_CONTEXT_DESTROY EvtDestroyCallback;
    WDF_EXECUTION_LEVEL ExecutionLevel;
    WDF_SYNCHRONIZATION_SCOPE SynchronizationScope;
    WDFOBJECT ParentObject;
    size_t ContextSizeOverride;
    const void* ContextTypeInfo;
} WDF_OBJECT_ATTRIBUTES, *PWDF_OBJECT_ATTRIBUTES;

static inline void WDF_OBJECT_ATTRIBUTES_INIT(PWDF_OBJECT_ATTRIBUTES Attributes) {
    memset(Attributes, 0, sizeof(*Attributes));
    Attributes->Size = sizeof(WDF_OBJECT_ATTRIBUTES);
    Attributes->ExecutionLevel = WdfExecutionLevelInheritFromParent;
    Attributes->SynchronizationScope = WdfSynchronizationScopeInheritFromParent;
}

/* Deletes the object and its children (children first). Objects still in
 * use stay alive until their users let go: a memory object held by a
 * formatted request, a request that is still sent. A device made by the host
 * API is removed. */
VOID WdfObjectDelete(WDFOBJECT Object);
/* KMDF's WdfObjectReference/WdfObjectDereference: keep an object's memory
 * valid (e.g. a request racing its completion routine's delete). */
VOID WdfObjectReferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, const char* File);
VOID WdfObjectDereferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, const char* File);
#define WdfObjectReference(Handle)   WdfObjectReferenceActual(Handle, NULL, __LINE__, __FILE__)
#define WdfObjectDereference(Handle) WdfObjectDereferenceActual(Handle, NULL, __LINE__, __FILE__)

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFOBJECT_H */
