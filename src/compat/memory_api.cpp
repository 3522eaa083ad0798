// WdfMemoryCreate, WdfMemoryCreatePreallocated, WdfMemoryAssignBuffer, WdfMemoryGetBuffer.
#include "compat/boundary.hpp"
#include "compat/records.hpp"

using namespace wdfio;
using namespace wdfio::compat;

namespace {
// Wraps a new core memory object in a published handle.
Status publish_memory(const char* call, const WDF_OBJECT_ATTRIBUTES* attributes, const Ref<Handle>& parent,
                      Result<Ref<Memory>> made, WDFMEMORY* out) {
    if (!made) return made.status();
    auto h = Ref<MemoryHandle>::adopt(new MemoryHandle(std::move(made).value()));
    if (Status s = HandleTable::publish(*h, attributes, parent.get()); !s.ok()) {
        log(LogLevel::Error, "%s: the parent object was deleted meanwhile", call);
        return s;
    }
    *out = to_c<WDFMEMORY>(h.detach());
    return STATUS_SUCCESS;
}
}  // namespace

NTSTATUS WdfMemoryCreate(PWDF_OBJECT_ATTRIBUTES Attributes, POOL_TYPE, ULONG, size_t BufferSize, WDFMEMORY* Memory,
                         PVOID* Buffer) {
    constexpr const char* call = "WdfMemoryCreate";
    return guard(call, [&]() -> Status {
        if (!Memory) return STATUS_INVALID_PARAMETER;
        *Memory = nullptr;
        if (Buffer) *Buffer = nullptr;
        Ref<Handle> parent;
        if (Status s = HandleTable::check_attributes(call, Attributes, parent); !s.ok()) return s;
        if (BufferSize == 0) return STATUS_INVALID_PARAMETER;
        auto made = wdfio::Memory::allocate(BufferSize);
        void* data = made ? made->data() : nullptr;
        Status s = publish_memory(call, Attributes, parent, std::move(made), Memory);
        if (s.ok() && Buffer) *Buffer = data;
        return s;
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
