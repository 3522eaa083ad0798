// Object: the base of every wdfio object (KMDF's object model, driver spec
// §1): the reference count, the parent/child tree, cleanup and destroy
// callbacks, typed context areas; and Ref<T>, its handle.
//
// The tree, the callbacks and the contexts live in a record allocated only
// for an object that has any of them, so that a plain request costs one
// pointer here and never touches it.
#pragma once
#include <wdfio/status.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

// Defined in src/, declared before the exported region: not part of the ABI.
namespace wdfio::detail {
struct ObjectRecord;
struct ObjectAccess;
}  // namespace wdfio::detail

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Object;

// EvtCleanupCallback / EvtDestroyCallback. Cleanup runs when the object is
// deleted (its children's first); destroy when its last reference goes.
using ObjectCallback = void (*)(Object& object);

// A context type (WDF_OBJECT_CONTEXT_TYPE_INFO): lookups compare the
// descriptor's address, never its contents. The area is zero-filled, then
// `construct` (if any) runs on it. At delete, after the object's cleanup
// callback, each context's `cleanup` runs (in allocation order: the primary
// first, spec R1.17); at the end of life, after the destroy callback, each
// context's `destroy` (R1.16).
struct ContextType {
    const char* name = nullptr;
    std::size_t size = 0;
    std::size_t alignment = alignof(std::max_align_t);
    void (*construct)(void* area) = nullptr;
    void (*destroy)(void* area) = nullptr;
    void (*cleanup)(void* area) = nullptr;
};

// The descriptor of T: `wdfio::context_type<T>`, one per type in the program
// (what WDF_DECLARE_CONTEXT_TYPE declares for C).
template <class T>
inline constexpr ContextType context_type{"context", sizeof(T), alignof(T), [](void* area) { ::new (area) T(); },
                                          [](void* area) { static_cast<T*>(area)->~T(); }};

// WDF_OBJECT_ATTRIBUTES for C++ users. A create given attributes checks them
// first: context_size below the type's size, or without a type, or a type
// without a name → STATUS_WDF_OBJECT_ATTRIBUTES_INVALID; a parent the kind
// does not take → STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED; a parent being
// deleted → STATUS_DELETE_PENDING. The callbacks are attached only once the
// create succeeded (a failed create runs none).
struct ObjectAttributes {
    Object* parent = nullptr;  // holds the child until it deletes it (or the child is deleted)
    ObjectCallback cleanup = nullptr;
    ObjectCallback destroy = nullptr;
    const ContextType* context = nullptr;  // allocated with the object
    std::size_t context_size = 0;          // ContextSizeOverride: 0, or at least context->size

    template <class T>
    ObjectAttributes& with_context() noexcept {
        context = &context_type<T>;
        return *this;
    }
};

class Object {
public:
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;

    void add_ref() const noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() const noexcept {
        if ((refs_.fetch_sub(1, std::memory_order_acq_rel) & kCountMask) == 1) last_reference_dropped();
    }
    std::uint32_t ref_count() const noexcept { return refs_.load(std::memory_order_relaxed) & kCountMask; }
    // A reference only while one is still held elsewhere: false once the last went.
    bool try_add_ref() const noexcept;

    // WdfObjectDelete: detaches from the parent, deletes the children (newest
    // first), runs the cleanup callback, then does what deleting means for the
    // kind (a target is removed, a device removed, a queue purged). It drops
    // no reference of the caller's: a Ref keeps the memory (and the contexts)
    // until it goes. Deleting twice does nothing; a kind the driver may not
    // delete (the default queue, a queue-delivered request) → STATUS_INVALID_DEVICE_REQUEST.
    Status delete_object() noexcept;
    bool deleted() const noexcept { return (refs_.load(std::memory_order_acquire) & kDeleted) != 0; }
    // The parent (null if none, or once deleted), referenced.
    Object* parent_ref() const noexcept;

    // WdfObjectGetTypedContext: the object's area of `type`, or null if it has none.
    void* context(const ContextType& type) const noexcept;
    template <class T>
    T* context() const noexcept {
        return static_cast<T*>(context(context_type<T>));
    }
    // WdfObjectAllocateContext: another context area, zero-filled. One of this
    // type already there → STATUS_OBJECT_NAME_EXISTS with *area = the existing
    // one; deleted object → STATUS_DELETE_PENDING; no name →
    // STATUS_WDF_OBJECT_ATTRIBUTES_INVALID; memory → STATUS_INSUFFICIENT_RESOURCES.
    // `size`: 0, or more than the type's (ContextSizeOverride).
    Status allocate_context(const ContextType& type, void** area = nullptr, std::size_t size = 0) noexcept;
    // WdfObjectContextGetObject: the object that owns a context area.
    static Object& from_context(void* area) noexcept;

    // The block an object with contexts lives in is freed here (unsized: the
    // block is larger than the object).
    static void operator delete(void* p) noexcept { ::operator delete(p); }
    static void operator delete(void* p, std::align_val_t a) noexcept { ::operator delete(p, a); }

protected:
    Object() = default;
    virtual ~Object() = default;

    // What must stop before the cleanup callback runs (a timer's expiry and
    // its running callback, a work item's queued run); once, after the children.
    virtual void rundown() noexcept {}
    // What delete means for the kind; runs once, after the children and the cleanup callback.
    virtual void on_delete() noexcept {}
    // Whether the driver may delete it (spec R1.18); a parent's delete always does.
    virtual bool deletable() const noexcept { return true; }
    // The last reference went. Pooled objects override it (back to their
    // pool) and call end_of_life() when they really go.
    virtual void last_reference_dropped() const noexcept {
        end_of_life();
        delete this;
    }
    // The destroy callback, the contexts' destructors, and the record; then
    // the object may be destroyed. Whether it lived in a block with its contexts.
    bool end_of_life() const noexcept;
    void revive() const noexcept { refs_.store(1, std::memory_order_relaxed); }

private:
    friend struct detail::ObjectAccess;
    static constexpr std::uint32_t kDeleted = 1u << 31, kCountMask = kDeleted - 1;
    void dispose() noexcept;

    mutable std::atomic<detail::ObjectRecord*> record_{nullptr};
    mutable std::atomic<std::uint32_t> refs_{1};  // the count, and kDeleted once delete began
};

// Intrusive, nullable handle. Ref<T>::adopt takes over the creation reference.
template <class T>
class Ref {
public:
    Ref() noexcept = default;
    Ref(std::nullptr_t) noexcept {}  // NOLINT: allows `{}` and nullptr for "no object"
    explicit Ref(T* p) noexcept : p_(p) {
        if (p_) p_->add_ref();
    }
    Ref(T& object) noexcept : Ref(&object) {}  // NOLINT: pass `*result` where a Ref is wanted
    template <class U>
    Ref(const Ref<U>& o) noexcept : Ref(o.get()) {}  // NOLINT: derived-to-base
    Ref(const Ref& o) noexcept : Ref(o.p_) {}
    Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Ref& operator=(Ref o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~Ref() {
        if (p_) p_->release();
    }

    static Ref adopt(T* p) noexcept {
        Ref r;
        r.p_ = p;
        return r;
    }
    T* detach() noexcept { return std::exchange(p_, nullptr); }

    T* get() const noexcept { return p_; }
    T* operator->() const noexcept { return p_; }
    T& operator*() const noexcept { return *p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    bool operator==(const Ref& o) const noexcept { return p_ == o.p_; }

private:
    T* p_ = nullptr;
};

}  // namespace wdfio
#pragma GCC visibility pop
