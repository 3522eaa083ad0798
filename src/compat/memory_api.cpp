// WdfMemoryCreate, WdfMemoryCreatePreallocated, WdfMemoryAssignBuffer, WdfMemoryGetBuffer,
// WdfMemoryCopyFromBuffer, WdfMemoryCopyToBuffer.
#include "compat/boundary.hpp"
#include "compat/host.hpp"
#include "compat/records.hpp"

#include <wdfio/verifier.hpp>

#include <cstring>

using namespace wdfio;
using namespace wdfio::compat;

namespace {
// Wraps a new core memory object in a published handle.
Status publish_memory(const char* call, const WDF_OBJECT_ATTRIBUTES* attributes, const Ref<Handle>& parent,
                      Result<Ref<Memory>> made, WDFMEMORY* out) {
    if (!made) return made.status();
    auto h = Ref<MemoryHandle>::adopt(new MemoryHandle(std::move(made).value()));
    if (Status s = HandleTable::publish(*h, attributes, parent.get()); !s.ok()) {
        if (s == Status(STATUS_INVALID_HANDLE))
            log(LogLevel::Error, "%s: the parent object was deleted meanwhile", call);
        return s;
    }
    *out = to_c<WDFMEMORY>(h.detach());
    return STATUS_SUCCESS;
}

// The bytes [offset, offset + count) of a memory object's buffer, for a copy.
// `offset_too_large`: KMDF's status for an offset past the end, which differs by direction.
Status copy_range(const char* call, const void* memory, std::size_t offset, const void* buffer, std::size_t count,
                  Status offset_too_large, std::byte*& at) {
    auto h = HandleTable::find<MemoryHandle>(memory, call);
    if (!h) return STATUS_INVALID_HANDLE;
    if (!buffer) {
        return required_null(call, "Buffer", memory);
    }
    const std::size_t size = h->memory->size();
    if (offset > size || (offset == size && count > 0)) {
        log(LogLevel::Error, "%s: offset %zu is past the end of the %zu-byte buffer", call, offset, size);
        return offset_too_large;
    }
    if (count > size - offset) {
        log(LogLevel::Error, "%s: %zu bytes at offset %zu do not fit the %zu-byte buffer", call, count, offset, size);
        return STATUS_BUFFER_TOO_SMALL;
    }
    at = static_cast<std::byte*>(h->memory->data()) + offset;
    return STATUS_SUCCESS;
}
}  // namespace

namespace {
// WdfMemoryCreate and its registered twin: the same checks and publication,
// around the allocation each makes.
template <class Allocate>
Status create_memory(const char* call, PWDF_OBJECT_ATTRIBUTES Attributes, size_t BufferSize, WDFMEMORY* Memory,
                     PVOID* Buffer, Allocate&& allocate) {
    if (!Memory) return STATUS_INVALID_PARAMETER;
    *Memory = nullptr;
    if (Buffer) *Buffer = nullptr;
    Ref<Handle> parent;
    if (Status s = HandleTable::check_attributes(call, Attributes, parent); !s.ok()) return s;
    if (BufferSize == 0) return STATUS_INVALID_PARAMETER;
    Result<Ref<wdfio::Memory>> made = allocate();
    void* data = made ? made->data() : nullptr;
    Status s = publish_memory(call, Attributes, parent, std::move(made), Memory);
    if (s.ok() && Buffer) *Buffer = data;
    return s;
}
}  // namespace

NTSTATUS WdfMemoryCreate(PWDF_OBJECT_ATTRIBUTES Attributes, POOL_TYPE, ULONG, size_t BufferSize, WDFMEMORY* Memory,
                         PVOID* Buffer) {
    constexpr const char* call = "WdfMemoryCreate";
    return guard(call, [&]() -> Status {
        return create_memory(call, Attributes, BufferSize, Memory, Buffer,
                             [&] { return wdfio::Memory::allocate(BufferSize); });
    });
}

NTSTATUS WdfioMemoryCreateRegistered(PWDF_OBJECT_ATTRIBUTES Attributes, size_t BufferSize, WDFMEMORY* Memory,
                                     PVOID* Buffer) {
    constexpr const char* call = "WdfioMemoryCreateRegistered";
    return guard(call, [&]() -> Status {
        return create_memory(call, Attributes, BufferSize, Memory, Buffer, [&]() -> Result<Ref<wdfio::Memory>> {
            auto engine = host_engine();
            if (!engine) return engine.status();
            return wdfio::Memory::allocate_registered(**engine, BufferSize);
        });
    });
}

NTSTATUS WdfMemoryCreatePreallocated(PWDF_OBJECT_ATTRIBUTES Attributes, PVOID Buffer, size_t BufferSize,
                                     WDFMEMORY* Memory) {
    constexpr const char* call = "WdfMemoryCreatePreallocated";
    return guard(call, [&]() -> Status {
        if (!Memory) return STATUS_INVALID_PARAMETER;
        *Memory = nullptr;
        Ref<Handle> parent;
        if (Status s = HandleTable::check_attributes(call, Attributes, parent); !s.ok()) return s;
        if (!Buffer || BufferSize == 0) return STATUS_INVALID_PARAMETER;
        return publish_memory(call, Attributes, parent, wdfio::Memory::wrap(Buffer, BufferSize), Memory);
    });
}

NTSTATUS WdfMemoryAssignBuffer(WDFMEMORY Memory, PVOID Buffer, size_t BufferSize) {
    constexpr const char* call = "WdfMemoryAssignBuffer";
    return guard(call, [&]() -> Status {
        auto h = HandleTable::find<MemoryHandle>(Memory, call);
        if (!h) return STATUS_INVALID_HANDLE;
        if (h->from_lookaside) {  // as for WdfMemoryCreate's own buffers
            log(LogLevel::Error,
                "%s: the memory's buffer is its lookaside list's; only preallocated memory is re-pointed", call);
            return STATUS_INVALID_PARAMETER;
        }
        return h->memory->assign_buffer(Buffer, BufferSize);
    });
}

PVOID WdfMemoryGetBuffer(WDFMEMORY Memory, size_t* BufferSize) {
    constexpr const char* call = "WdfMemoryGetBuffer";
    return guard_value(call, static_cast<PVOID>(nullptr), [&]() -> PVOID {
        if (BufferSize) *BufferSize = 0;
        auto h = HandleTable::find<MemoryHandle>(Memory, call);
        if (!h) return nullptr;
        if (BufferSize) *BufferSize = h->memory->size();
        return h->memory->data();
    });
}

NTSTATUS WdfMemoryCopyFromBuffer(WDFMEMORY DestinationMemory, size_t DestinationOffset, PVOID Buffer,
                                 size_t NumBytesToCopyFrom) {
    constexpr const char* call = "WdfMemoryCopyFromBuffer";
    return guard(call, [&]() -> Status {
        std::byte* at = nullptr;
        const Status s = copy_range(call, DestinationMemory, DestinationOffset, Buffer, NumBytesToCopyFrom,
                                    STATUS_INVALID_BUFFER_SIZE, at);
        if (s.ok() && NumBytesToCopyFrom > 0) std::memmove(at, Buffer, NumBytesToCopyFrom);
        return s;
    });
}

NTSTATUS WdfMemoryCopyToBuffer(WDFMEMORY SourceMemory, size_t SourceOffset, PVOID Buffer, size_t NumBytesToCopyTo) {
    constexpr const char* call = "WdfMemoryCopyToBuffer";
    return guard(call, [&]() -> Status {
        std::byte* at = nullptr;
        const Status s =
            copy_range(call, SourceMemory, SourceOffset, Buffer, NumBytesToCopyTo, STATUS_BUFFER_TOO_SMALL, at);
        if (s.ok() && NumBytesToCopyTo > 0) std::memmove(Buffer, at, NumBytesToCopyTo);
        return s;
    });
}
