// What the targets may ask of a Memory beyond the public API.
#pragma once
#include <wdfio/memory.hpp>

#include "engine/engine_core.hpp"
#include "engine/operation.hpp"

#include <cstdint>

namespace wdfio::detail {

struct MemoryAccess {
    // The registered-buffer slot of core's ring that [data, data + length)
    // lies in, as m holds it; else Operation::kNoBuffer (no m, not registered,
    // registered with another engine's ring, or the range is not m's).
    static std::uint16_t buffer_in(const Memory* m, const EngineCore& core, const void* data,
                                   std::uint64_t length) noexcept {
        if (!m || m->slot_ < 0 || &m->engine_->group() != &core.group()) return Operation::kNoBuffer;
        const auto begin = reinterpret_cast<std::uintptr_t>(m->data_);
        const auto at = reinterpret_cast<std::uintptr_t>(data);
        if (at < begin || at - begin > m->size_ || length > m->size_ - (at - begin)) return Operation::kNoBuffer;
        return static_cast<std::uint16_t>(m->slot_);
    }
};

}  // namespace wdfio::detail
