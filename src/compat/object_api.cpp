// WdfObjectDelete, WdfObjectReference, WdfObjectDereference.
#include "compat/boundary.hpp"
#include "compat/handle.hpp"

using namespace wdfio::compat;

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
