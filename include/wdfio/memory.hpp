// Memory: a buffer object requests are formatted with (spec §9).
#pragma once
#include <wdfio/object.hpp>
#include <wdfio/result.hpp>

#include <cstddef>
#include <optional>
#include <span>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

// WDFMEMORY_OFFSET: a window into a Memory. length 0 means "to the end".
struct MemoryOffset {
    std::size_t offset = 0;
    std::size_t length = 0;
};

class Memory final : public Object {
public:
    // Framework-owned buffer, zero-filled, aligned to 4096 bytes so that it is
    // usable for O_DIRECT as is. size 0 → STATUS_INVALID_PARAMETER.
    static Result<Ref<Memory>> allocate(std::size_t size);
    // Caller-owned buffer (WdfMemoryCreatePreallocated): the caller keeps it
    // valid while any request uses it. nullptr or size 0 → STATUS_INVALID_PARAMETER.
    static Result<Ref<Memory>> wrap(void* buffer, std::size_t size);
    // With attributes (object.hpp): parent, callbacks, a context allocated with the object.
    static Result<Ref<Memory>> allocate(std::size_t size, const ObjectAttributes& attributes);
    static Result<Ref<Memory>> wrap(void* buffer, std::size_t size, const ObjectAttributes& attributes);
    // Re-point a wrapped buffer (WdfMemoryAssignBuffer). Refused on owned buffers.
    Status assign_buffer(void* buffer, std::size_t size);

    void* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::span<std::byte> bytes() const noexcept { return {static_cast<std::byte*>(data_), size_}; }

    // The window {offset, length} selects: offset + length past the end (or
    // overflowing) → STATUS_INTEGER_OVERFLOW. No offsets, or {0,0}: the whole buffer.
    Result<std::span<std::byte>> window(const std::optional<MemoryOffset>& offsets) const;

private:
    Memory(void* data, std::size_t size, bool owned) : data_(data), size_(size), owned_(owned) {}
    ~Memory() override;

    void* data_;
    std::size_t size_;
    bool owned_;
};

}  // namespace wdfio
#pragma GCC visibility pop
