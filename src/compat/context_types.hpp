// Context areas of C objects (driver spec §1.3): a C context type
// (WDF_OBJECT_CONTEXT_TYPE_INFO) becomes a core ContextType at its first use,
// so the areas live in the core object (the Handle) and go with it. The
// core area starts with a small header holding the callbacks
// WdfObjectAllocateContext gave that one area; C sees the area after it.
#pragma once
#include "compat/compat.hpp"

#include <cstddef>

namespace wdfio::compat {

class Handle;

// R1.1 steps 3–4 for a type info (and ContextSizeOverride): a wrong Size →
// STATUS_INFO_LENGTH_MISMATCH; a size without a name, or an override without
// a type or below its size → STATUS_WDF_OBJECT_ATTRIBUTES_INVALID. Logged.
Status check_context_type(const char* call, PCWDF_OBJECT_CONTEXT_TYPE_INFO info, std::size_t size_override);

// The type lookups compare: EvtDriverGetUniqueContextType's answer, else
// UniqueType, else the info itself.
PCWDF_OBJECT_CONTEXT_TYPE_INFO unique_type(PCWDF_OBJECT_CONTEXT_TYPE_INFO info) noexcept;

// The core type of a (unique) C type, made once and kept for the process;
// null when out of memory. `size_override` 0 or at least the type's size.
struct CoreContext {
    const ContextType* type = nullptr;
    std::size_t size = 0;  // for ObjectAttributes::context_size (header included)
};
CoreContext core_context(PCWDF_OBJECT_CONTEXT_TYPE_INFO unique, std::size_t size_override);

// The C area in a core area of a C type, and its per-area callbacks.
void* c_area(void* core_area) noexcept;
void set_area_callbacks(void* core_area, PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup,
                        PFN_WDF_OBJECT_CONTEXT_DESTROY destroy) noexcept;

// Live C areas, for WdfObjectContextGetObject: an area is known from its
// registration until its object's end of life.
Status register_area(void* area, Handle& owner) noexcept;
Handle* area_owner(void* area) noexcept;

}  // namespace wdfio::compat
