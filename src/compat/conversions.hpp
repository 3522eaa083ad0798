// The C structures a call passes in, as the core's types: send options,
// WDFMEMORY_OFFSET, WDF_MEMORY_DESCRIPTOR. Each checks what KMDF checks.
#pragma once
#include "compat/records.hpp"

#include <cstdint>
#include <optional>

namespace wdfio::compat {

// NULL → no options. Wrong Size → STATUS_INFO_LENGTH_MISMATCH (the flags
// are the core's to check).
Status to_send_options(const char* call, const WDF_REQUEST_SEND_OPTIONS* in, SendOptions& out);

inline std::optional<MemoryOffset> to_offsets(const WDFMEMORY_OFFSET* in) {
    if (!in) return std::nullopt;
    return MemoryOffset{in->BufferOffset, in->BufferLength};
}

// A PLONGLONG device offset: NULL → 0, as KMDF reads it.
inline std::int64_t offset_or_zero(const LONGLONG* device_offset) { return device_offset ? *device_offset : 0; }

// A memory descriptor as the core's (memory, window). NULL → no buffer.
// A buffer: NULL Buffer → STATUS_INVALID_PARAMETER, Length 0 → no buffer.
// A handle: NULL → STATUS_INVALID_PARAMETER, not a WDFMEMORY → STATUS_INVALID_HANDLE.
// MDLs, unknown types → STATUS_INVALID_PARAMETER.
struct DescribedMemory {
    Ref<Memory> memory;
    std::optional<MemoryOffset> offsets;
};
Status to_memory(const char* call, const WDF_MEMORY_DESCRIPTOR* in, DescribedMemory& out);

}  // namespace wdfio::compat
