// Memory: a buffer object requests are formatted with (spec §9).
#pragma once
#include <wdfio/object.hpp>
#include <wdfio/result.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

// Defined in src/, declared before the exported region: not part of the ABI.
namespace wdfio::detail {
class EngineCore;
struct MemoryAccess;
}  // namespace wdfio::detail

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Engine;

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
    // Framework-owned buffer, as allocate(), registered with engine's io_uring
    // (io_uring_register_buffers): reads and writes of a file target on that
    // engine whose data lies in it use the fixed-buffer operations (the
    // kernel pins its pages once, not per operation); everything else about
    // it is as any Memory. One of EngineOptions::registered_buffers slots per
    // Memory, given back when it is destroyed; for many small buffers,
    // allocate one and send windows (MemoryOffset) of it.
    // size 0, or above 1 GiB (io_uring's limit) → STATUS_INVALID_PARAMETER;
    // every slot taken, or the pages cannot be pinned (RLIMIT_MEMLOCK) →
    // STATUS_INSUFFICIENT_RESOURCES, with a log line saying what to do; a
    // kernel without sparse buffer tables (before 5.19) → STATUS_NOT_SUPPORTED.
    // The worker-thread backend has no ring: there it is ordinary memory
    // (registered() false), so that the same program runs on both. Once the
    // engine is destroyed the memory stays valid, as ordinary memory.
    static Result<Ref<Memory>> allocate_registered(Engine& engine, std::size_t size);
    static Result<Ref<Memory>> allocate_registered(Engine& engine, std::size_t size,
                                                   const ObjectAttributes& attributes);
    // Re-point a wrapped buffer (WdfMemoryAssignBuffer). Refused on owned buffers.
    Status assign_buffer(void* buffer, std::size_t size);

    void* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::span<std::byte> bytes() const noexcept { return {static_cast<std::byte*>(data_), size_}; }
    // Registered with an engine's ring (allocate_registered on io_uring).
    bool registered() const noexcept { return slot_ >= 0; }

    // The window {offset, length} selects: offset + length past the end (or
    // overflowing) → STATUS_INTEGER_OVERFLOW. No offsets, or {0,0}: the whole buffer.
    Result<std::span<std::byte>> window(const std::optional<MemoryOffset>& offsets) const;

private:
    friend struct detail::MemoryAccess;
    Memory(void* data, std::size_t size, bool owned) : data_(data), size_(size), owned_(owned) {}
    ~Memory() override;

    void* data_;
    std::size_t size_;
    bool owned_;
    std::int32_t slot_ = -1;                      // registered: its slot in the ring of each engine thread
    std::shared_ptr<detail::EngineCore> engine_;  // registered: kept for the slot's release
};

}  // namespace wdfio
#pragma GCC visibility pop
