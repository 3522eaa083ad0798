// WdfLookasideListCreate and WdfMemoryCreateFromLookaside (driver spec §9.3):
// a list keeps the buffers its memory objects gave back and hands them out
// again, as a kernel lookaside list does.
#include "compat/boundary.hpp"
#include "compat/records.hpp"

#include <wdfio/verifier.hpp>

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

struct LookasideHandle final : Handle {
    static constexpr HandleType kType = HandleType::Lookaside;
    LookasideHandle(std::size_t size, const WDF_OBJECT_ATTRIBUTES* memory) noexcept
        : Handle(kType), buffer_size(size), has_memory_attributes(memory != nullptr) {
        if (memory) memory_attributes = *memory;
    }
    ~LookasideHandle() override {
        for (void* b : free_) std::free(b);
    }

    // A buffer of buffer_size bytes: one given back earlier, or a new one
    // (page-aligned from a page up, as pool allocations are); null if none.
    void* take() noexcept {
        {
            std::lock_guard lock(mutex_);
            if (!free_.empty()) {
                void* b = free_.back();
                free_.pop_back();
                return b;
            }
        }
        const std::size_t alignment = buffer_size >= kPage ? kPage : alignof(std::max_align_t);
        return std::aligned_alloc(alignment, (buffer_size + alignment - 1) / alignment * alignment);
    }
    void give_back(void* b) noexcept {
        {
            std::lock_guard lock(mutex_);
            if (free_.size() < kDepth) {
                try {
                    free_.push_back(b);
                    return;
                } catch (const std::bad_alloc&) {
                }
            }
        }
        std::free(b);
    }

    const std::size_t buffer_size;
    const bool has_memory_attributes;
    WDF_OBJECT_ATTRIBUTES memory_attributes{};

private:
    static constexpr std::size_t kPage = 4096;
    static constexpr std::size_t kDepth = 256;  // what a kernel list keeps at most
    std::mutex mutex_;
    std::vector<void*> free_;
};

// The context of a core memory object whose buffer a list lent: the buffer
// goes back when the memory's last reference does (a request may hold it
// after the WDFMEMORY is deleted), and the list lives until then (R9.8).
struct LentBuffer {
    Ref<LookasideHandle> list;
    void* buffer = nullptr;
    LentBuffer() = default;
    LentBuffer(const LentBuffer&) = delete;
    LentBuffer& operator=(const LentBuffer&) = delete;
    ~LentBuffer() {
        if (list && buffer) list->give_back(buffer);
    }
};

bool paged(POOL_TYPE type) noexcept { return (static_cast<unsigned>(type) & 1U) != 0; }

}  // namespace

NTSTATUS WdfLookasideListCreate(PWDF_OBJECT_ATTRIBUTES LookasideAttributes, size_t BufferSize, POOL_TYPE PoolType,
                                PWDF_OBJECT_ATTRIBUTES MemoryAttributes, ULONG, WDFLOOKASIDE* Lookaside) {
    constexpr const char* call = "WdfLookasideListCreate";
    return guard(call, [&]() -> Status {
        if (!Lookaside) return required_null(call, "Lookaside");
        *Lookaside = nullptr;
        Ref<Handle> parent;
        if (Status s = HandleTable::check_attributes(call, LookasideAttributes, parent); !s.ok()) return s;
        if (BufferSize == 0) {
            log(LogLevel::Error, "%s: BufferSize is 0", call);
            return STATUS_INVALID_PARAMETER;
        }
        Ref<Handle> memory_parent;
        if (Status s = HandleTable::check_attributes(call, MemoryAttributes, memory_parent); !s.ok()) return s;
        // A paged list's memory may be freed at PASSIVE only: KMDF wants its
        // memory under the same device as the list (R9.7).
        if (paged(PoolType) && parent && memory_parent && device_above(parent) != device_above(memory_parent)) {
            log(LogLevel::Error, "%s: a paged list's memory must be under the same device as the list", call);
            return STATUS_INVALID_PARAMETER;
        }
        auto h = Ref<LookasideHandle>::adopt(new LookasideHandle(BufferSize, MemoryAttributes));
        if (Status s = HandleTable::publish(*h, LookasideAttributes, parent.get()); !s.ok()) return s;
        *Lookaside = to_c<WDFLOOKASIDE>(h.detach());
        return STATUS_SUCCESS;
    });
}

NTSTATUS WdfMemoryCreateFromLookaside(WDFLOOKASIDE Lookaside, WDFMEMORY* Memory) {
    constexpr const char* call = "WdfMemoryCreateFromLookaside";
    return guard(call, [&]() -> Status {
        if (!Memory) return required_null(call, "Memory");
        *Memory = nullptr;
        auto list = HandleTable::find<LookasideHandle>(Lookaside, call);
        if (!list) return STATUS_INVALID_HANDLE;
        const WDF_OBJECT_ATTRIBUTES* attributes = list->has_memory_attributes ? &list->memory_attributes : nullptr;
        Ref<Handle> parent;  // checked again: the ParentObject may be gone since
        if (Status s = HandleTable::check_attributes(call, attributes, parent); !s.ok()) return s;
        void* buffer = list->take();
        if (!buffer) return STATUS_INSUFFICIENT_RESOURCES;
        ObjectAttributes core;
        core.with_context<LentBuffer>();
        auto made = wdfio::Memory::wrap(buffer, list->buffer_size, core);
        if (!made) {
            list->give_back(buffer);
            return made.status();
        }
        auto* lent = made->template context<LentBuffer>();
        lent->list = list;
        lent->buffer = buffer;
        auto h = Ref<MemoryHandle>::adopt(new MemoryHandle(std::move(made).value(), true));
        if (Status s = HandleTable::publish(*h, attributes, parent.get()); !s.ok()) return s;
        *Memory = to_c<WDFMEMORY>(h.detach());
        return STATUS_SUCCESS;
    });
}
