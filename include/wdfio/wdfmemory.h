/* wdfmemory.h — memory objects (a buffer wdfio allocates, or the caller's)
 * and the descriptors and offsets that hand buffers to requests. */
#ifndef WDFIO_WDFMEMORY_H
#define WDFIO_WDFMEMORY_H

#include <wdfio/ntdef.h>
#include <wdfio/wdfobject.h>
#include <wdfio/wdftypes.h>
#include <wdfio/wdm.h>

#include <stddef.h>
#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _WDFMEMORY_OFFSET {
    size_t BufferOffset;
    size_t BufferLength; /* 0: to the end of the buffer */
} WDFMEMORY_OFFSET, *PWDFMEMORY_OFFSET;

/* A zero-filled buffer, 4096-aligned (usable with O_DIRECT). PoolType and
 * PoolTag are accepted and ignored. BufferSize 0 → STATUS_INVALID_PARAMETER. */
NTSTATUS WdfMemoryCreate(PWDF_OBJECT_ATTRIBUTES Attributes, POOL_TYPE PoolType, ULONG PoolTag, size_t BufferSize,
                         WDFMEMORY* Memory, PVOID* Buffer /* optional */);
/* Over the caller's buffer, which must outlive every request using it. */
NTSTATUS WdfMemoryCreatePreallocated(PWDF_OBJECT_ATTRIBUTES Attributes, PVOID Buffer, size_t BufferSize,
                                     WDFMEMORY* Memory);
/* Re-points a preallocated memory object (not one WdfMemoryCreate made). */
NTSTATUS WdfMemoryAssignBuffer(WDFMEMORY Memory, PVOID Buffer, size_t BufferSize);
PVOID WdfMemoryGetBuffer(WDFMEMORY Memory, size_t* BufferSize /* optional */);
/* Copies NumBytes between a caller's buffer and the memory object's, at
 * Offset in the object's. Buffer NULL → STATUS_INVALID_PARAMETER (a verifier
 * report); 0 bytes → STATUS_SUCCESS, nothing copied. From a buffer: Offset
 * past the end → STATUS_INVALID_BUFFER_SIZE, NumBytes past the end →
 * STATUS_BUFFER_TOO_SMALL; to a buffer: either → STATUS_BUFFER_TOO_SMALL
 * (as KMDF documents each). Nothing is copied on failure. */
NTSTATUS WdfMemoryCopyFromBuffer(WDFMEMORY DestinationMemory, size_t DestinationOffset, PVOID Buffer,
                                 size_t NumBytesToCopyFrom);
NTSTATUS WdfMemoryCopyToBuffer(WDFMEMORY SourceMemory, size_t SourceOffset, PVOID Buffer, size_t NumBytesToCopyTo);

/* A lookaside list: where memory objects of one size come from, each made with
 * MemoryAttributes (its ParentObject, context type, callbacks). BufferSize 0 →
 * STATUS_INVALID_PARAMETER; a paged PoolType with both attribute sets naming
 * parents under different devices → STATUS_INVALID_PARAMETER. PoolTag is
 * accepted and ignored. Deleting the list leaves the memory objects made from
 * it valid: each keeps the list until it is deleted. */
NTSTATUS WdfLookasideListCreate(PWDF_OBJECT_ATTRIBUTES LookasideAttributes /* optional */, size_t BufferSize,
                                POOL_TYPE PoolType, PWDF_OBJECT_ATTRIBUTES MemoryAttributes /* optional */,
                                ULONG PoolTag, WDFLOOKASIDE* Lookaside);
/* A memory object of the list's BufferSize (not zeroed, as in KMDF);
 * WdfObjectDelete gives its buffer back. */
NTSTATUS WdfMemoryCreateFromLookaside(WDFLOOKASIDE Lookaside, WDFMEMORY* Memory);

typedef enum _WDF_MEMORY_DESCRIPTOR_TYPE {
    WdfMemoryDescriptorTypeInvalid = 0,
    WdfMemoryDescriptorTypeBuffer,
    WdfMemoryDescriptorTypeMdl, /* no MDLs on Linux: STATUS_INVALID_PARAMETER */
    WdfMemoryDescriptorTypeHandle,
} WDF_MEMORY_DESCRIPTOR_TYPE;

typedef struct _WDF_MEMORY_DESCRIPTOR {
    WDF_MEMORY_DESCRIPTOR_TYPE Type;
    union {
        struct {
            PVOID Buffer;
            ULONG Length;
        } BufferType;
        struct {
            WDFMEMORY Memory;
            PWDFMEMORY_OFFSET Offsets;
        } HandleType;
    } u;
} WDF_MEMORY_DESCRIPTOR, *PWDF_MEMORY_DESCRIPTOR;

static inline void WDF_MEMORY_DESCRIPTOR_INIT_BUFFER(PWDF_MEMORY_DESCRIPTOR Descriptor, PVOID Buffer, ULONG Length) {
    memset(Descriptor, 0, sizeof(*Descriptor));
    Descriptor->Type = WdfMemoryDescriptorTypeBuffer;
    Descriptor->u.BufferType.Buffer = Buffer;
    Descriptor->u.BufferType.Length = Length;
}

static inline void WDF_MEMORY_DESCRIPTOR_INIT_HANDLE(PWDF_MEMORY_DESCRIPTOR Descriptor, WDFMEMORY Memory,
                                                     PWDFMEMORY_OFFSET Offsets) {
    memset(Descriptor, 0, sizeof(*Descriptor));
    Descriptor->Type = WdfMemoryDescriptorTypeHandle;
    Descriptor->u.HandleType.Memory = Memory;
    Descriptor->u.HandleType.Offsets = Offsets;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFMEMORY_H */
