#include "core/request_slab.hpp"

#include <wdfio/detail/spin_lock.hpp>
#include <wdfio/request.hpp>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>

namespace wdfio::detail {

#if defined(__SANITIZE_ADDRESS__)

namespace {
std::atomic<std::size_t> g_in_use{0};
}

void* allocate_request_storage() noexcept {
    void* p = ::operator new (sizeof(Request), std::align_val_t{alignof(Request)}, std::nothrow);
    if (p) g_in_use.fetch_add(1, std::memory_order_relaxed);
    return p;
}
void free_request_storage(void* storage) noexcept {
    g_in_use.fetch_sub(1, std::memory_order_relaxed);
    ::operator delete (storage, std::align_val_t{alignof(Request)});
}

RequestPoolStats request_pool_stats() noexcept {
    const std::size_t n = g_in_use.load(std::memory_order_relaxed);
    return {n, n, n * sizeof(Request)};
}

#else

namespace {

constexpr std::size_t kPerSlab = 64;

struct FreeSlot {
    FreeSlot* next;
};

struct SlabPool {
    SpinLock lock;
    FreeSlot* free = nullptr;
    std::size_t slabs = 0;
    std::size_t in_use = 0;
};

// Never destroyed: requests may outlive static destruction (an engine thread's last completions).
SlabPool& pool() {
    static SlabPool* p = new SlabPool;
    return *p;
}

// Slabs stay reachable through their slots (free list or live requests).
bool grow(SlabPool& p) {
    void* slab = std::aligned_alloc(alignof(Request), kPerSlab * sizeof(Request));
    if (!slab) return false;
    ++p.slabs;
    auto* bytes = static_cast<std::byte*>(slab);
    for (std::size_t i = kPerSlab; i-- > 0;) {
        auto* slot = reinterpret_cast<FreeSlot*>(bytes + i * sizeof(Request));
        slot->next = p.free;
        p.free = slot;
    }
    return true;
}

}  // namespace

void* allocate_request_storage() noexcept {
    SlabPool& p = pool();
    std::lock_guard guard(p.lock);
    if (!p.free && !grow(p)) return nullptr;
    FreeSlot* slot = p.free;
    p.free = slot->next;
    ++p.in_use;
    return slot;
}

void free_request_storage(void* storage) noexcept {
    SlabPool& p = pool();
    std::lock_guard guard(p.lock);
    auto* slot = static_cast<FreeSlot*>(storage);
    slot->next = p.free;
    p.free = slot;
    --p.in_use;
}

RequestPoolStats request_pool_stats() noexcept {
    SlabPool& p = pool();
    std::lock_guard guard(p.lock);
    return {p.in_use, p.slabs * kPerSlab, p.slabs * kPerSlab * sizeof(Request)};
}

#endif

}  // namespace wdfio::detail

namespace wdfio {
RequestPoolStats request_pool_stats() noexcept { return detail::request_pool_stats(); }
}  // namespace wdfio
