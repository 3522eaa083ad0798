// WdfObjectCreate, WdfObjectDelete, WdfObjectReference, WdfObjectDereference, and context areas.
#include "compat/boundary.hpp"
#include "compat/context_types.hpp"
#include "compat/fault_injection.hpp"
#include "compat/handle.hpp"

#include <wdfio/verifier.hpp>

using namespace wdfio::compat;
using wdfio::Ref;
using wdfio::Status;

namespace {
// WdfObjectCreate's object: only what every handle has (a parent, children,
// callbacks, contexts).
struct GenericHandle final : wdfio::compat::Handle {
    static constexpr HandleType kType = HandleType::Object;
    GenericHandle() noexcept : Handle(kType) {}
};
}  // namespace

NTSTATUS WdfObjectCreate(PWDF_OBJECT_ATTRIBUTES Attributes, WDFOBJECT* Object) {
    constexpr const char* call = "WdfObjectCreate";
    return guard(call, [&]() -> Status {
        if (!Object) {
            return required_null(call, "Object");
        }
        *Object = nullptr;
        Ref<wdfio::compat::Handle> parent;
        if (Status s = HandleTable::check_attributes(call, Attributes, parent, {.level = true}); !s.ok()) return s;
        auto h = Ref<GenericHandle>::adopt(new GenericHandle);
        if (Status s = HandleTable::publish(*h, Attributes, parent.get()); !s.ok()) return s;
        *Object = to_c<WDFOBJECT>(h.detach());
        return STATUS_SUCCESS;
    });
}

void WdfObjectDelete(WDFOBJECT Object) {
    guard_void("WdfObjectDelete", [&] {
        if (auto h = HandleTable::find_any(Object, "WdfObjectDelete")) HandleTable::remove(*h);
    });
}

void WdfObjectReferenceActual(WDFOBJECT Handle, PVOID, LONG, const char*) {
    guard_void("WdfObjectReference", [&] {
        if (auto h = HandleTable::find_any(Handle, "WdfObjectReference", /*allow_deleted=*/true))
            HandleTable::reference(*h);
    });
}

void WdfObjectDereferenceActual(WDFOBJECT Handle, PVOID, LONG Line, const char* File) {
    guard_void("WdfObjectDereference", [&] {
        auto h = HandleTable::find_any(Handle, "WdfObjectDereference", /*allow_deleted=*/true);
        if (h && !HandleTable::dereference(*h))
            wdfio::log(wdfio::LogLevel::Error, "WdfObjectDereference (%s:%d): %p holds no WdfObjectReference to drop",
                       File ? File : "?", static_cast<int>(Line), Handle);
    });
}

// Context areas (driver spec §1.3).

PVOID WdfObjectGetTypedContextWorker(WDFOBJECT Handle, PCWDF_OBJECT_CONTEXT_TYPE_INFO TypeInfo) {
    constexpr const char* call = "WdfObjectGetTypedContext";
    return guard_value(call, static_cast<PVOID>(nullptr), [&]() -> PVOID {
        Ref<wdfio::compat::Handle> hold;
        wdfio::compat::Handle* h = HandleTable::find_for_context(Handle, call, hold);
        if (!h) return nullptr;
        if (!TypeInfo) {
            wdfio::log(wdfio::LogLevel::Error, "%s: NULL type info (declare the type with WDF_DECLARE_CONTEXT_TYPE)",
                       call);
            wdfio::detail::verifier_violation(wdfio::VerifierCheck::RequiredParameterNull, Handle, call);
            return nullptr;
        }
        const CoreContext c = core_context(unique_type(TypeInfo), 0);
        void* area = h->context(*c.type);
        return area ? c_area(area) : nullptr;  // a type the object lacks: NULL, as KMDF (R1.8)
    });
}

NTSTATUS WdfObjectAllocateContext(WDFOBJECT Handle, PWDF_OBJECT_ATTRIBUTES ContextAttributes, PVOID* Context) {
    constexpr const char* call = "WdfObjectAllocateContext";
    return guard(call, [&]() -> Status {
        if (Context) *Context = nullptr;
        // A handle being deleted is found, so that the core says so (STATUS_DELETE_PENDING, R1.11).
        auto h = HandleTable::find_any(Handle, call, /*allow_deleted=*/true);
        if (!h) return STATUS_INVALID_HANDLE;
        const WDF_OBJECT_ATTRIBUTES* a = ContextAttributes;
        if (!a) {
            wdfio::log(wdfio::LogLevel::Error,
                       "%s: ContextAttributes is required (WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE)", call);
            return STATUS_WDF_PARENT_NOT_SPECIFIED;
        }
        if (Status s = check_size(call, *a, "WDF_OBJECT_ATTRIBUTES", "WDF_OBJECT_ATTRIBUTES_INIT"); !s.ok()) return s;
        if (Status s = check_context_type(call, a->ContextTypeInfo, a->ContextSizeOverride); !s.ok()) return s;
        if (a->ParentObject) {
            wdfio::log(wdfio::LogLevel::Error, "%s: a context area takes no ParentObject", call);
            return STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED;
        }
        if (!a->ContextTypeInfo) {
            wdfio::log(wdfio::LogLevel::Error,
                       "%s: ContextTypeInfo is required (WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE)", call);
            return STATUS_OBJECT_NAME_INVALID;
        }
        if (fault::fail_here()) return STATUS_INSUFFICIENT_RESOURCES;
        const CoreContext c = core_context(unique_type(a->ContextTypeInfo), a->ContextSizeOverride);
        void* area = nullptr;
        const Status s = h->allocate_context(*c.type, &area, c.size);
        if (s == Status(STATUS_SUCCESS)) {
            set_area_callbacks(area, a->EvtCleanupCallback, a->EvtDestroyCallback);
            if (Status r = register_area(c_area(area), *h); !r.ok()) return r;  // the area stays, unreachable from C
        }
        if (area && Context) *Context = c_area(area);
        return s;
    });
}

WDFOBJECT WdfObjectContextGetObject(PVOID ContextPointer) {
    constexpr const char* call = "WdfObjectContextGetObject";
    return guard_value(call, static_cast<WDFOBJECT>(nullptr), [&]() -> WDFOBJECT {
        if (wdfio::compat::Handle* owner = ContextPointer ? area_owner(ContextPointer) : nullptr)
            return to_c<WDFOBJECT>(owner);
        wdfio::log(wdfio::LogLevel::Error, "%s: %p is not a context area (pass what a context accessor returned)", call,
                   ContextPointer);
        wdfio::detail::verifier_violation(wdfio::VerifierCheck::InvalidHandle, ContextPointer, call);
        return nullptr;
    });
}
