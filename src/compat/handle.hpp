// Handle: the object behind a C handle (WDFMEMORY, WDFREQUEST, ...): a core
// object (so the parent/child tree, cleanup, destroy and the delete walk are
// the core's, object.hpp) that holds the core object it names, a type tag
// checked on every call, and what the C API needs beyond the core object. A
// handle's value is not the Handle's address but a number issued once and
// never again, which the table of live handles maps to the Handle: a deleted
// handle stays invalid even when the allocator gives its memory to a new
// object, and every call checks a value before touching anything.
#pragma once
#include "compat/compat.hpp"

#include <atomic>
#include <cstdint>
#include <vector>

namespace wdfio::compat {

enum class HandleType : std::uint8_t {
    Memory = 1,
    Request,
    IoTarget,
    Device,
    SpinLock,
    WaitLock,
    Timer,
    WorkItem,
    Object,
    Collection,
    Driver,
    Queue,
    String,
    Lookaside,
    Dpc,
    FileObject
};
const char* to_string(HandleType t) noexcept;  // "WDFMEMORY", ...

class Handle : public Object {
public:
    const HandleType type;

    // What C sees (0 until published; fixed after).
    std::uintptr_t value() const noexcept { return value_; }
    // The exported call that created it ("WdfMemoryCreate"), or null.
    const char* created_by() const noexcept { return created_by_; }

protected:
    explicit Handle(HandleType t) noexcept : type(t) {}
    // Not published: a create being refused deletes it, whatever its kind
    // would let a driver delete (deletable() overrides say yes to it).
    bool unpublished() const noexcept { return value_ == 0; }
    // What WdfObjectDelete does to the core object (remove a target or a
    // device); runs once, after the children are deleted and the cleanup callback ran.
    virtual void on_handle_delete() noexcept {}

private:
    friend class HandleTable;
    void on_delete() noexcept final;
    void last_reference_dropped() const noexcept final;

    std::atomic<std::uint32_t> user_refs_{0};           // WdfObjectReference minus WdfObjectDereference
    PFN_WDF_OBJECT_CONTEXT_CLEANUP cleanup_ = nullptr;  // the C callbacks, run by the core's
    PFN_WDF_OBJECT_CONTEXT_DESTROY destroy_ = nullptr;
    // Guarded by the table's lock.
    std::uint64_t serial_ = 0;          // creation order, for shutdown
    std::uintptr_t value_ = 0;          // the C value, made from serial_; written once, at publish
    bool published_ = false;            // C holds the creation reference, which delete drops
    const char* created_by_ = nullptr;  // the call that made it (a leak report says so)
};

// The C value of `h` (NULL for none): every handle given to C, the
// callbacks' WDFOBJECT included, goes through here.
template <class C>
C to_c(const Handle* h) noexcept {
    return h ? reinterpret_cast<C>(h->value()) : nullptr;
}

// Whether a kind of object takes an ExecutionLevel, and a SynchronizationScope
// other than None, in its WDF_OBJECT_ATTRIBUTES (spec §1.2).
struct AttributeRules {
    bool level = false;
    bool scope = false;
    bool passive = false;  // takes ExecutionLevel Passive (a timer); other kinds refuse it still
};

// The registry of live handles.
class HandleTable {
public:
    // Validates WDF_OBJECT_ATTRIBUTES (NULL is fine) as spec R1.1 does: wrong
    // Size → STATUS_INFO_LENGTH_MISMATCH; a bad context type
    // (check_context_type); a bad ParentObject → STATUS_INVALID_HANDLE; a
    // level or scope out of range → STATUS_WDF_OBJECT_ATTRIBUTES_INVALID; one
    // the kind does not take → STATUS_WDF_EXECUTION_LEVEL_INVALID /
    // _SYNCHRONIZATION_SCOPE_INVALID; one it takes that wdfio cannot honour
    // yet (Passive) → STATUS_NOT_SUPPORTED. `parent` receives ParentObject.
    static Status check_attributes(const char* call, const WDF_OBJECT_ATTRIBUTES* attributes, Ref<Handle>& parent,
                                   AttributeRules rules = {});
    // Makes `h` a live handle, child of `parent` (or of none), with the
    // attributes' callbacks and context area. A parent deleted meanwhile →
    // STATUS_INVALID_HANDLE
    // (h is not published, nor anyone's child; the caller releases it).
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
    // For the context calls, which KMDF allows down to the destroy callback
    // (spec R1.8): as find_any with allow_deleted, and also the handle whose
    // destroy callback runs on this thread (`hold` stays empty then).
    static Handle* find_for_context(const void* value, const char* call, Ref<Handle>& hold);

    // WdfObjectDelete (Object::delete_object): children first (newest first),
    // then the cleanup callback, on_handle_delete, and the creation reference.
    // Deleting twice does nothing.
    static void remove(Handle& h) noexcept { h.delete_object(); }
    // WdfObjectReference / WdfObjectDereference.
    static void reference(Handle& h) noexcept;
    static bool dereference(Handle& h) noexcept;  // false: no reference to drop

    // Live handles without a parent, oldest first (for shutdown).
    static std::vector<Ref<Handle>> roots();
    static std::size_t count() noexcept;

private:
    friend class Handle;
    static Handle* find_typed(const void* value, HandleType type, const char* call);
    static void forget(const Handle& h) noexcept;  // its last reference went: out of the table
};

}  // namespace wdfio::compat
