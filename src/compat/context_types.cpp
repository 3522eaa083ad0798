// C context types as core ContextTypes, and the registry of live C areas.
#include "compat/context_types.hpp"

#include "compat/handle.hpp"

#include <wdfio/verifier.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace wdfio::compat {

namespace {

// Before each C area: the callbacks WdfObjectAllocateContext gave it (none
// for a primary context: the object's own callbacks are the attributes').
struct alignas(std::max_align_t) AreaHeader {
    PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup;
    PFN_WDF_OBJECT_CONTEXT_DESTROY destroy;
};

// KMDF 1.0's WDF_OBJECT_CONTEXT_TYPE_INFO ended after ContextSize.
constexpr std::size_t kV1_0Size = offsetof(WDF_OBJECT_CONTEXT_TYPE_INFO, UniqueType);

struct Registry {
    std::shared_mutex mutex;
    std::unordered_map<PCWDF_OBJECT_CONTEXT_TYPE_INFO, std::unique_ptr<ContextType>> types;
    std::mutex areas_mutex;
    std::unordered_map<void*, Handle*> areas;  // C area → owner
};
Registry& registry() {
    static auto* r = new Registry;  // never destroyed: objects may go during exit
    return *r;
}

Handle& owner_of(void* core_area) noexcept { return static_cast<Handle&>(Object::from_context(core_area)); }

// At delete: this area's cleanup callback, if WdfObjectAllocateContext gave one.
void cleanup_area(void* core_area) {
    const auto* header = static_cast<AreaHeader*>(core_area);
    if (header->cleanup) header->cleanup(to_c<WDFOBJECT>(&owner_of(core_area)));
}

// At the end of life: its destroy callback; then the area is no longer live.
void destroy_area(void* core_area) {
    const auto* header = static_cast<AreaHeader*>(core_area);
    if (header->destroy) header->destroy(to_c<WDFOBJECT>(&owner_of(core_area)));
    auto& r = registry();
    std::lock_guard lock(r.areas_mutex);
    r.areas.erase(c_area(core_area));
}

}  // namespace

Status check_context_type(const char* call, PCWDF_OBJECT_CONTEXT_TYPE_INFO info, std::size_t size_override) {
    if (!info) {
        if (size_override == 0) return STATUS_SUCCESS;
        log(LogLevel::Error,
            "%s: ContextSizeOverride without ContextTypeInfo (use WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE)", call);
        return STATUS_WDF_OBJECT_ATTRIBUTES_INVALID;
    }
    if (info->Size != sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO) && info->Size != kV1_0Size) {
        log(LogLevel::Error,
            "%s: ContextTypeInfo->Size is %u, expected %zu (declare the type with WDF_DECLARE_CONTEXT_TYPE)", call,
            static_cast<unsigned>(info->Size), sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO));
        return STATUS_INFO_LENGTH_MISMATCH;
    }
    if (info->ContextSize > 0 && !info->ContextName) {
        log(LogLevel::Error, "%s: a context type with a size needs a ContextName", call);
        return STATUS_WDF_OBJECT_ATTRIBUTES_INVALID;
    }
    if (size_override > 0 && size_override < info->ContextSize) {
        log(LogLevel::Error, "%s: ContextSizeOverride %zu is below the type's size %zu (it enlarges, never shrinks)",
            call, size_override, info->ContextSize);
        return STATUS_WDF_OBJECT_ATTRIBUTES_INVALID;
    }
    return STATUS_SUCCESS;
}

PCWDF_OBJECT_CONTEXT_TYPE_INFO unique_type(PCWDF_OBJECT_CONTEXT_TYPE_INFO info) noexcept {
    if (!info || info->Size < sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO)) return info;
    if (info->EvtDriverGetUniqueContextType) {
        if (PCWDF_OBJECT_CONTEXT_TYPE_INFO u = info->EvtDriverGetUniqueContextType()) return u;
    }
    return info->UniqueType ? info->UniqueType : info;
}

CoreContext core_context(PCWDF_OBJECT_CONTEXT_TYPE_INFO unique, std::size_t size_override) {
    auto& r = registry();
    const ContextType* type = nullptr;
    {
        std::shared_lock lock(r.mutex);
        if (auto it = r.types.find(unique); it != r.types.end()) type = it->second.get();
    }
    if (!type) {
        auto made = std::make_unique<ContextType>();
        made->name = unique->ContextName ? unique->ContextName : "context";
        made->size = sizeof(AreaHeader) + unique->ContextSize;
        made->cleanup = cleanup_area;
        made->destroy = destroy_area;
        std::unique_lock lock(r.mutex);
        type = r.types.try_emplace(unique, std::move(made)).first->second.get();
    }
    return {type, size_override ? sizeof(AreaHeader) + size_override : 0};
}

void* c_area(void* core_area) noexcept { return static_cast<std::byte*>(core_area) + sizeof(AreaHeader); }

void set_area_callbacks(void* core_area, PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup,
                        PFN_WDF_OBJECT_CONTEXT_DESTROY destroy) noexcept {
    *static_cast<AreaHeader*>(core_area) = {cleanup, destroy};
}

Status register_area(void* area, Handle& owner) noexcept {
    auto& r = registry();
    std::lock_guard lock(r.areas_mutex);
    try {
        r.areas.emplace(area, &owner);
    } catch (...) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return STATUS_SUCCESS;
}

Handle* area_owner(void* area) noexcept {
    auto& r = registry();
    std::lock_guard lock(r.areas_mutex);
    auto it = r.areas.find(area);
    return it == r.areas.end() ? nullptr : it->second;
}

}  // namespace wdfio::compat
