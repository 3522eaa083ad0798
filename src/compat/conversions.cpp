// C structures → core types.
#include "compat/conversions.hpp"

#include "compat/boundary.hpp"

namespace wdfio::compat {

Status to_send_options(const char* call, const WDF_REQUEST_SEND_OPTIONS* in, SendOptions& out) {
    out = SendOptions{};
    if (!in) return STATUS_SUCCESS;
    if (Status s = check_size(call, *in, "WDF_REQUEST_SEND_OPTIONS", "WDF_REQUEST_SEND_OPTIONS_INIT"); !s.ok())
        return s;
    out.flags = in->Flags;
    out.timeout = in->Timeout;
    return STATUS_SUCCESS;
}

Status to_memory(const char* call, const WDF_MEMORY_DESCRIPTOR* in, DescribedMemory& out) {
    out = {};
    if (!in) return STATUS_SUCCESS;
    switch (raw_enum(in->Type)) {
    case WdfMemoryDescriptorTypeBuffer: {
        if (!in->u.BufferType.Buffer) {
            log(LogLevel::Error, "%s: a buffer memory descriptor with a NULL Buffer", call);
            return STATUS_INVALID_PARAMETER;
        }
        if (in->u.BufferType.Length == 0) return STATUS_SUCCESS;
        auto m = Memory::wrap(in->u.BufferType.Buffer, in->u.BufferType.Length);
        if (!m) return m.status();
        out.memory = std::move(m).value();
        return STATUS_SUCCESS;
    }
    case WdfMemoryDescriptorTypeHandle: {
        if (!in->u.HandleType.Memory) {
            log(LogLevel::Error, "%s: a handle memory descriptor with a NULL Memory", call);
            return STATUS_INVALID_PARAMETER;
        }
        auto h = HandleTable::find<MemoryHandle>(in->u.HandleType.Memory, call);
        if (!h) return STATUS_INVALID_HANDLE;
        out.memory = h->memory;
        out.offsets = to_offsets(in->u.HandleType.Offsets);
        return STATUS_SUCCESS;
    }
    case WdfMemoryDescriptorTypeMdl:
        log(LogLevel::Error, "%s: MDL memory descriptors do not exist on Linux", call);
        return STATUS_INVALID_PARAMETER;
    default:
        log(LogLevel::Error, "%s: unknown memory descriptor type %u", call, raw_enum(in->Type));
        return STATUS_INVALID_PARAMETER;
    }
}

}  // namespace wdfio::compat
