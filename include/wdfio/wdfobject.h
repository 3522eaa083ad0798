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

/* A context type, as WDF_DECLARE_CONTEXT_TYPE declares one: lookups compare
 * the address of UniqueType (one per type in the program), never names.
 * ContextName is const here (KMDF: PCHAR), which C++ needs for a literal. */
typedef struct _WDF_OBJECT_CONTEXT_TYPE_INFO WDF_OBJECT_CONTEXT_TYPE_INFO, *PWDF_OBJECT_CONTEXT_TYPE_INFO;
typedef const WDF_OBJECT_CONTEXT_TYPE_INFO* PCWDF_OBJECT_CONTEXT_TYPE_INFO;
typedef PCWDF_OBJECT_CONTEXT_TYPE_INFO (*PFN_GET_UNIQUE_CONTEXT_TYPE)(VOID);
struct _WDF_OBJECT_CONTEXT_TYPE_INFO {
    ULONG Size;
    const char* ContextName;
    size_t ContextSize;
    PCWDF_OBJECT_CONTEXT_TYPE_INFO UniqueType;
    PFN_GET_UNIQUE_CONTEXT_TYPE EvtDriverGetUniqueContextType;
};

/* ParentObject: deleting a parent deletes its children first.
 * EvtCleanupCallback: at delete; EvtDestroyCallback: when the last reference
 * goes. ContextTypeInfo (and ContextSizeOverride, to enlarge it): a
 * zero-filled context area allocated with the object. ExecutionLevel and
 * SynchronizationScope as spec R1.1: WDF_OBJECT_ATTRIBUTES_INIT's
 * InheritFromParent (and scope None) always; the kinds that take a level or
 * scope say so; zeroed values → STATUS_WDF_OBJECT_ATTRIBUTES_INVALID. */
typedef struct _WDF_OBJECT_ATTRIBUTES {
    ULONG Size;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP EvtCleanupCallback;
    PFN_WDF_OBJECT_CONTEXT_DESTROY EvtDestroyCallback;
    WDF_EXECUTION_LEVEL ExecutionLevel;
    WDF_SYNCHRONIZATION_SCOPE SynchronizationScope;
    WDFOBJECT ParentObject;
    size_t ContextSizeOverride;
    PCWDF_OBJECT_CONTEXT_TYPE_INFO ContextTypeInfo;
} WDF_OBJECT_ATTRIBUTES, *PWDF_OBJECT_ATTRIBUTES;

static inline void WDF_OBJECT_ATTRIBUTES_INIT(PWDF_OBJECT_ATTRIBUTES Attributes) {
    memset(Attributes, 0, sizeof(*Attributes));
    Attributes->Size = sizeof(WDF_OBJECT_ATTRIBUTES);
    Attributes->ExecutionLevel = WdfExecutionLevelInheritFromParent;
    Attributes->SynchronizationScope = WdfSynchronizationScopeInheritFromParent;
}

/* The type info of a declared context type, and its unique form (what
 * attributes and lookups use). */
#define WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype) _WDF_##_contexttype##_TYPE_INFO
#define WDF_TYPE_NAME_POINTER_TYPE(_contexttype) WDF_POINTER_TYPE_##_contexttype
#define WDF_GET_CONTEXT_TYPE_INFO(_contexttype)  (&WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype))
#define WDF_OBJECT_ATTRIBUTES_SET_CONTEXT_TYPE(_attributes, _contexttype) \
    ((_attributes)->ContextTypeInfo = WDF_GET_CONTEXT_TYPE_INFO(_contexttype)->UniqueType)
#define WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(_attributes, _contexttype) \
    (WDF_OBJECT_ATTRIBUTES_INIT(_attributes), WDF_OBJECT_ATTRIBUTES_SET_CONTEXT_TYPE(_attributes, _contexttype))

/* The type info is defined in every translation unit that declares the type
 * and merged into one by the linker (weak; KMDF: __declspec(selectany)), so
 * its address is the same program-wide. */
#ifdef __cplusplus
#define WDFIO_CONTEXT_TYPE_INFO_DEFINITION extern "C" __attribute__((weak)) const WDF_OBJECT_CONTEXT_TYPE_INFO
#else
#define WDFIO_CONTEXT_TYPE_INFO_DEFINITION __attribute__((weak)) const WDF_OBJECT_CONTEXT_TYPE_INFO
#endif

/* Declares context type T: its type info, WDF_POINTER_TYPE_T, and an
 * accessor `T* Name(WDFOBJECT)` that returns the object's T area (NULL if it
 * has none). */
/* A type name cannot be parenthesized where it declares. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(_contexttype, _castingfunction)                                         \
    typedef _contexttype* WDF_TYPE_NAME_POINTER_TYPE(_contexttype);                                                \
    WDFIO_CONTEXT_TYPE_INFO_DEFINITION WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype) = {                                \
        sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO), #_contexttype, sizeof(_contexttype),                                 \
        &WDF_TYPE_NAME_TO_TYPE_INFO(_contexttype), NULL};                                                          \
    static inline __attribute__((unused)) _contexttype* _castingfunction(WDFOBJECT Handle) {                       \
        return (_contexttype*)WdfObjectGetTypedContextWorker(Handle,                                               \
                                                             WDF_GET_CONTEXT_TYPE_INFO(_contexttype)->UniqueType); \
    }
/* NOLINTEND(bugprone-macro-parentheses) */
#define WDF_DECLARE_CONTEXT_TYPE(_contexttype) \
    WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(_contexttype, WdfObjectGet_##_contexttype)

/* The object's area of a context type; NULL if it has none (or for a bad
 * handle or type info: a verifier report). Valid until the last reference
 * goes (in EvtDestroyCallback too). */
PVOID WdfObjectGetTypedContextWorker(WDFOBJECT Handle, PCWDF_OBJECT_CONTEXT_TYPE_INFO TypeInfo);
#define WdfObjectGetTypedContext(_handle, _type) \
    ((_type*)WdfObjectGetTypedContextWorker((WDFOBJECT)(_handle), WDF_GET_CONTEXT_TYPE_INFO(_type)->UniqueType))
/* Another context area on an object (spec R1.11): ContextTypeInfo required
 * (else STATUS_OBJECT_NAME_INVALID), no ParentObject
 * (STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED); its cleanup and destroy
 * callbacks run after the object's, in allocation order. A type already on
 * the object → STATUS_OBJECT_NAME_EXISTS (a success) with *Context the
 * existing area and the new callbacks dropped; an object being deleted →
 * STATUS_DELETE_PENDING. Context may be NULL. */
NTSTATUS WdfObjectAllocateContext(WDFOBJECT Handle, PWDF_OBJECT_ATTRIBUTES ContextAttributes, PVOID* Context);
/* The object a context area belongs to; NULL (and a verifier report) for a
 * pointer that is not a live context area. */
WDFOBJECT WdfObjectContextGetObject(PVOID ContextPointer);

/* A generic object (spec R1.20): a parent for others, a holder of context
 * areas and callbacks. Attributes: a parent, a level (Dispatch; Passive is
 * not supported yet), no scope. */
NTSTATUS WdfObjectCreate(PWDF_OBJECT_ATTRIBUTES Attributes, WDFOBJECT* Object);

/* Deletes the object and its children (children first). Objects still in
 * use stay alive until their users let go: a memory object held by a
 * formatted request, a request that is still sent. A device made by the host
 * API is removed. */
VOID WdfObjectDelete(WDFOBJECT Object);
/* KMDF's WdfObjectReference/WdfObjectDereference: keep an object's memory
 * valid (e.g. a request racing its completion routine's delete). */
VOID WdfObjectReferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, const char* File);
VOID WdfObjectDereferenceActual(WDFOBJECT Handle, PVOID Tag, LONG Line, const char* File);
#define WdfObjectReference(Handle)               WdfObjectReferenceActual(Handle, NULL, __LINE__, __FILE__)
#define WdfObjectDereference(Handle)             WdfObjectDereferenceActual(Handle, NULL, __LINE__, __FILE__)
#define WdfObjectReferenceWithTag(Handle, Tag)   WdfObjectReferenceActual(Handle, Tag, __LINE__, __FILE__)
#define WdfObjectDereferenceWithTag(Handle, Tag) WdfObjectDereferenceActual(Handle, Tag, __LINE__, __FILE__)

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFOBJECT_H */
