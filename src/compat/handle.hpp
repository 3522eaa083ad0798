// Handle: the object behind a C handle (WDFMEMORY, WDFREQUEST, ...). It holds
// a reference on the core object, a type tag checked on every call, KMDF's
// parent/child tree and the cleanup/destroy callbacks. A handle's value is
// not the Handle's address but a number issued once and never again, which
// the table of live handles maps to the Handle: a deleted handle stays
// invalid even when the allocator gives its memory to a new object, and
// every call checks a value before touching anything.
#pragma once
#include "compat/compat.hpp"

#include <atomic>
#include <cstdint>
#include <vector>

namespace wdfio::compat {

enum class HandleType : std::uint8_t { Memory = 1, Request, IoTarget, Device };
const char* to_string(HandleType t) noexcept;  // "WDFMEMORY", ...

class Handle {
public:
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    const HandleType type;

    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
    }
    // What C sees (0 until published; fixed after).
    std::uintptr_t value() const noexcept { return value_; }

protected:
    explicit Handle(HandleType t) noexcept : type(t) {}
    virtual ~Handle() = default;
    // What WdfObjectDelete does to the core object (remove a target or a
    // device); runs once, after the children are deleted and the cleanup callback ran.
    virtual void on_delete() noexcept {}

private:
    friend class HandleTable;
    bool try_add_ref() noexcept;  // only while alive: a lookup racing the last release fails
    void destroy() noexcept;

    std::atomic<std::uint32_t> refs_{1};       // the creation reference is dropped by WdfObjectDelete
    std::atomic<std::uint32_t> user_refs_{0};  // WdfObjectReference minus WdfObjectDereference
    // Guarded by the table's lock.
    std::uint64_t serial_ = 0;  // creation order, for shutdown
    std::uintptr_t value_ = 0;  // the C value, made from serial_; written once, at publish
    bool published_ = false;
    bool deleted_ = false;
    Handle* parent_ = nullptr;
    std::vector<Handle*> children_;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup_ = nullptr;
    PFN_WDF_OBJECT_CONTEXT_DESTROY destroy_ = nullptr;
};

// The C value of `h` (NULL for none): every handle given to C, the
// callbacks' WDFOBJECT included, goes through here.
template <class C>
C to_c(const Handle* h) noexcept {
    return h ? reinterpret_cast<C>(h->value()) : nullptr;
}

// The registry of live handles.
class HandleTable {
public:
    // Validates WDF_OBJECT_ATTRIBUTES (NULL is fine): wrong Size →
    // STATUS_INFO_LENGTH_MISMATCH, context areas or execution levels →
    // STATUS_NOT_SUPPORTED, a bad ParentObject → STATUS_INVALID_HANDLE.
    // `parent` receives ParentObject, if any.
    static Status check_attributes(const char* call, const WDF_OBJECT_ATTRIBUTES* attributes, Ref<Handle>& parent);
    // Makes `h` a live handle, child of `parent` (or of none), with the
    // attributes' callbacks. A parent deleted meanwhile → STATUS_INVALID_HANDLE
    // (h is not published; the caller releases it).
    static Status publish(Handle& h, const WDF_OBJECT_ATTRIBUTES* attributes, Handle* parent);

    // The live handle `value` names if it has type T, with a reference; null
    // if it is NULL, unknown, deleted or of another type: then a log line
    // naming `call` and a verifier report (in report mode the caller fails
    // the call with STATUS_INVALID_HANDLE or does nothing).
    template <class T>
    static Ref<T> find(const void* value, const char* call) {
        return Ref<T>::adopt(static_cast<T*>(find_typed(value, T::kType, call)));
    }
    // Any type; with allow_deleted also one deleted but still referenced.
    static Ref<Handle> find_any(const void* value, const char* call, bool allow_deleted = false);

    // WdfObjectDelete: children first (newest first), then the cleanup
    // callback, on_delete, and the creation reference. Deleting twice does nothing.
    static void remove(Handle& h) noexcept;
    // WdfObjectReference / WdfObjectDereference.
    static void reference(Handle& h) noexcept;
    static bool dereference(Handle& h) noexcept;  // false: no reference to drop

    // Live handles without a parent, oldest first (for shutdown).
    static std::vector<Ref<Handle>> roots();
    static std::size_t count() noexcept;

private:
    friend class Handle;
    static Handle* find_typed(const void* value, HandleType type, const char* call);
    static void forget(Handle& h) noexcept;  // destroy(): out of the table
};

}  // namespace wdfio::compat
