#include <wdfio/memory.hpp>

#include <wdfio/engine.hpp>
#include <wdfio/log.hpp>

#include "core/object_create.hpp"
#include "engine/engine_core.hpp"
#include "engine/engine_group.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

namespace wdfio {

namespace {
constexpr std::size_t kAlignment = 4096;
constexpr std::size_t kMaxRegistered = std::size_t{1} << 30;  // io_uring's limit per registered buffer
}  // namespace

Result<Ref<Memory>> Memory::allocate(std::size_t size) { return allocate(size, ObjectAttributes{}); }

Result<Ref<Memory>> Memory::wrap(void* buffer, std::size_t size) { return wrap(buffer, size, ObjectAttributes{}); }

Result<Ref<Memory>> Memory::allocate(std::size_t size, const ObjectAttributes& attributes) {
    if (Status s = detail::check_attributes(&attributes, detail::ParentRule::Allowed); !s.ok()) return s;
    if (size == 0) return STATUS_INVALID_PARAMETER;
    const std::size_t rounded = (size + kAlignment - 1) & ~(kAlignment - 1);
    if (rounded < size) return STATUS_INSUFFICIENT_RESOURCES;
    void* p = std::aligned_alloc(kAlignment, rounded);
    if (!p) return STATUS_INSUFFICIENT_RESOURCES;
    std::memset(p, 0, rounded);
    // From here the Memory owns p: a failed create frees it with the object.
    return detail::make_object<Memory>(
        &attributes, detail::ParentRule::Allowed, nullptr,
        [&](void* storage) { return new (storage) Memory(p, size, true); }, [&] { std::free(p); });
}

Result<Ref<Memory>> Memory::allocate_registered(Engine& engine, std::size_t size) {
    return allocate_registered(engine, size, ObjectAttributes{});
}

Result<Ref<Memory>> Memory::allocate_registered(Engine& engine, std::size_t size, const ObjectAttributes& attributes) {
    if (Status s = detail::check_attributes(&attributes, detail::ParentRule::Allowed); !s.ok()) return s;
    if (size == 0) return STATUS_INVALID_PARAMETER;
    if (size > kMaxRegistered) {
        log(LogLevel::Error,
            "allocate_registered: %zu bytes is more than io_uring registers as one buffer (1 GiB); allocate "
            "several, or use Memory::allocate",
            size);
        return STATUS_INVALID_PARAMETER;
    }
    auto core = detail::EngineAccess::shared(engine);
    if (core->backend() != BackendKind::Uring) return allocate(size, attributes);  // no ring: ordinary memory
    const std::size_t rounded = (size + kAlignment - 1) & ~(kAlignment - 1);
    void* p = std::aligned_alloc(kAlignment, rounded);
    if (!p) return STATUS_INSUFFICIENT_RESOURCES;
    std::memset(p, 0, rounded);  // and every page is there before the kernel pins it
    const int slot = core->group().register_buffer(p, rounded);
    if (slot < 0) {
        std::free(p);
        if (slot == -ENOBUFS)
            log(LogLevel::Error,
                "allocate_registered: all %u registered-buffer slots of this engine are in use: destroy registered "
                "memory you no longer need, send windows (MemoryOffset) of one larger buffer, or raise "
                "EngineOptions::registered_buffers (at most 16384)",
                core->buffer_slots());
        else if (slot == -EOPNOTSUPP)
            log(LogLevel::Error,
                "allocate_registered: this kernel's io_uring refused a table of registered buffers (Linux 5.19 or "
                "later has them): use Memory::allocate");
        else
            log(LogLevel::Error,
                "allocate_registered: io_uring could not register %zu bytes (%s): raise the locked-memory limit "
                "(ulimit -l, RLIMIT_MEMLOCK) or grant CAP_IPC_LOCK, or use Memory::allocate",
                rounded, Status::from_errno(-slot).to_string().c_str());
        return slot == -EOPNOTSUPP ? STATUS_NOT_SUPPORTED : STATUS_INSUFFICIENT_RESOURCES;
    }
    // From here the Memory owns p and the slot: a failed create gives both back.
    auto made = detail::make_object<Memory>(
        &attributes, detail::ParentRule::Allowed, nullptr,
        [&](void* storage) {
            auto* m = new (storage) Memory(p, size, true);
            m->slot_ = slot;
            m->engine_ = core;
            return m;
        },
        [&] {
            core->group().unregister_buffer(slot);
            std::free(p);
        });
    return made;
}

Result<Ref<Memory>> Memory::wrap(void* buffer, std::size_t size, const ObjectAttributes& attributes) {
    if (Status s = detail::check_attributes(&attributes, detail::ParentRule::Allowed); !s.ok()) return s;
    if (!buffer || size == 0) return STATUS_INVALID_PARAMETER;
    return detail::make_object<Memory>(&attributes, detail::ParentRule::Allowed, nullptr,
                                       [&](void* storage) { return new (storage) Memory(buffer, size, false); });
}

Status Memory::assign_buffer(void* buffer, std::size_t size) {
    if (owned_ || !buffer || size == 0) return STATUS_INVALID_PARAMETER;
    data_ = buffer;
    size_ = size;
    return STATUS_SUCCESS;
}

Result<std::span<std::byte>> Memory::window(const std::optional<MemoryOffset>& offsets) const {
    if (!offsets || (offsets->offset == 0 && offsets->length == 0)) return bytes();
    const std::size_t off = offsets->offset;
    const std::size_t len = offsets->length == 0 ? (off <= size_ ? size_ - off : 0) : offsets->length;
    if (off > size_ || len > size_ - off) return STATUS_INTEGER_OVERFLOW;
    return bytes().subspan(off, len);
}

Memory::~Memory() {
    if (slot_ >= 0) engine_->group().unregister_buffer(slot_);  // before the pages go back to the heap
    if (owned_) std::free(data_);
}

}  // namespace wdfio
