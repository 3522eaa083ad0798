// The object model (driver spec §1): the record behind an object with a
// parent, children, callbacks or contexts; delete; the end of life.
#include <wdfio/log.hpp>
#include <wdfio/object.hpp>

#include "core/object_create.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

namespace wdfio::detail {

// A context area's header; the area follows it. 16-byte aligned so the area
// is too, and the header is found from the area by subtraction.
struct alignas(std::max_align_t) ContextEntry {
    const ContextType* type;
    Object* owner;
    std::atomic<ContextEntry*> next{nullptr};  // appended under the tree lock, read without it
    bool separate;                             // allocated on its own (allocate_context), not in the block

    void* area() noexcept { return this + 1; }
};

struct ObjectRecord {
    // Guarded by the tree lock.
    Object* parent = nullptr;       // not referenced: a parent outlives its children's link to it
    std::vector<Object*> children;  // creation order; each referenced by the parent
    bool cleanup_ran = false;
    // Set once, at create (commit) or under the tree lock.
    ObjectCallback cleanup = nullptr;
    ObjectCallback destroy = nullptr;
    std::atomic<ContextEntry*> contexts{nullptr};  // primary first
    bool in_block = false;                         // lives in the object's block (with its context)
};

namespace {
// One lock for every tree: parent and child change together, and a lock per
// object would have to be taken in tree order. Never held across a callback.
std::mutex& tree_mutex() {
    static auto* m = new std::mutex;  // never destroyed: objects may go during exit
    return *m;
}

constexpr std::size_t round_up(std::size_t n, std::size_t to) noexcept { return (n + to - 1) / to * to; }
constexpr std::size_t kDefaultAlign = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

std::size_t area_size(const ObjectAttributes& a) noexcept {
    return round_up(std::max(a.context_size, a.context->size), alignof(std::max_align_t));
}

ContextEntry* make_entry(void* at, const ContextType& type, Object& owner, std::size_t size, bool separate) noexcept {
    auto* e = ::new (at) ContextEntry{&type, &owner, {}, separate};
    std::memset(e->area(), 0, size);
    if (type.construct) type.construct(e->area());
    return e;
}

// o's record, made if it has none; under the tree lock. Null: out of memory.
ObjectRecord* record_locked(std::atomic<ObjectRecord*>& slot) noexcept {
    ObjectRecord* r = slot.load(std::memory_order_acquire);
    if (!r) {
        r = new (std::nothrow) ObjectRecord;
        if (r) slot.store(r, std::memory_order_release);
    }
    return r;
}
}  // namespace

namespace {
// The cleanup callback, then each context's cleanup (spec R1.17), once.
void run_cleanup(Object& o, ObjectRecord& r) noexcept {
    {
        std::lock_guard lock(tree_mutex());
        if (std::exchange(r.cleanup_ran, true)) return;
    }
    if (r.cleanup) r.cleanup(o);
    for (ContextEntry* e = r.contexts.load(std::memory_order_acquire); e; e = e->next.load(std::memory_order_acquire))
        if (e->type->cleanup) e->type->cleanup(e->area());
}
}  // namespace

struct ObjectAccess {
    static std::atomic<ObjectRecord*>& record(const Object& o) noexcept { return o.record_; }
    static bool mark_deleted(const Object& o) noexcept {
        return (o.refs_.fetch_or(Object::kDeleted, std::memory_order_acq_rel) & Object::kDeleted) == 0;
    }
    static void dispose(Object& o) noexcept { o.dispose(); }
};

Status check_attributes(const ObjectAttributes* a, ParentRule rule) noexcept {
    if (!a) return STATUS_SUCCESS;
    if (const ContextType* t = a->context) {
        if ((t->size > 0 && !t->name) || t->alignment > alignof(std::max_align_t)) {
            log(LogLevel::Error, "object attributes: a context type needs a name and at most 16-byte alignment");
            return STATUS_WDF_OBJECT_ATTRIBUTES_INVALID;
        }
    }
    if (a->context_size > 0 && (!a->context || a->context_size < a->context->size)) {
        log(LogLevel::Error, "object attributes: context_size is for enlarging a context type, not for replacing it");
        return STATUS_WDF_OBJECT_ATTRIBUTES_INVALID;
    }
    if (a->parent && rule == ParentRule::NotAllowed) {
        log(LogLevel::Error, "object attributes: this kind of object takes no parent");
        return STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED;
    }
    return STATUS_SUCCESS;
}

std::size_t tail_size(std::size_t object_size, const ObjectAttributes* a) noexcept {
    if (!a || !a->context) return 0;
    const std::size_t record_at = round_up(object_size, alignof(ContextEntry));
    const std::size_t entry_at = round_up(record_at + sizeof(ObjectRecord), alignof(ContextEntry));
    return entry_at + sizeof(ContextEntry) + area_size(*a) - object_size;
}

void* allocate_block(std::size_t bytes, std::size_t alignment) noexcept {
    if (alignment > kDefaultAlign) return ::operator new(bytes, std::align_val_t(alignment), std::nothrow);
    return ::operator new(bytes, std::nothrow);
}

Status commit(Object& o, std::size_t object_size, const ObjectAttributes* a, Object* default_parent) noexcept {
    Object* parent = a && a->parent ? a->parent : default_parent;
    const bool callbacks = a && (a->cleanup || a->destroy);
    if (!parent && !callbacks && !(a && a->context)) return STATUS_SUCCESS;  // no record needed
    auto& slot = ObjectAccess::record(o);
    if (a && a->context && object_size) {  // record and context in the tail allocated with the object
        auto* base = reinterpret_cast<std::byte*>(&o);
        const std::size_t record_at = round_up(object_size, alignof(ContextEntry));
        auto* r = ::new (base + record_at) ObjectRecord;
        r->in_block = true;
        const std::size_t entry_at = round_up(record_at + sizeof(ObjectRecord), alignof(ContextEntry));
        r->contexts.store(make_entry(base + entry_at, *a->context, o, area_size(*a), false), std::memory_order_relaxed);
        slot.store(r, std::memory_order_release);
    } else if (a && a->context) {  // an object made elsewhere: the context on its own
        const std::size_t size = area_size(*a);
        void* storage = ::operator new(sizeof(ContextEntry) + size, std::nothrow);
        auto* r = storage ? new (std::nothrow) ObjectRecord : nullptr;
        if (!r) {
            ::operator delete(storage);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        r->contexts.store(make_entry(storage, *a->context, o, size, true), std::memory_order_relaxed);
        slot.store(r, std::memory_order_release);
    }
    if (parent) {
        std::lock_guard lock(tree_mutex());
        if (parent->deleted()) {
            log(LogLevel::Error, "create: the parent object is being deleted");
            return STATUS_DELETE_PENDING;
        }
        ObjectRecord* r = record_locked(slot);
        ObjectRecord* pr = record_locked(ObjectAccess::record(*parent));
        if (!r || !pr) return STATUS_INSUFFICIENT_RESOURCES;
        try {
            pr->children.push_back(&o);
        } catch (...) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        o.add_ref();  // the parent's, dropped when it deletes o or o is deleted
        r->parent = parent;
    }
    if (callbacks) {
        std::lock_guard lock(tree_mutex());
        ObjectRecord* r = record_locked(slot);
        if (!r) {
            // Attached to the parent already: undo that so the caller's release frees o.
            if (parent) o.delete_object();
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        r->cleanup = a->cleanup;
        r->destroy = a->destroy;
    }
    return STATUS_SUCCESS;
}

bool descends_from(const Object& o, const Object& ancestor) noexcept {
    std::lock_guard lock(tree_mutex());
    for (const Object* p = &o; p;) {
        if (p == &ancestor) return true;
        ObjectRecord* r = ObjectAccess::record(*p).load(std::memory_order_acquire);
        p = r ? r->parent : nullptr;
    }
    return false;
}

}  // namespace wdfio::detail

namespace wdfio {

using detail::ContextEntry;
using detail::ObjectAccess;
using detail::ObjectRecord;
using detail::tree_mutex;

bool Object::try_add_ref() const noexcept {
    std::uint32_t n = refs_.load(std::memory_order_relaxed);
    while ((n & kCountMask) != 0)
        if (refs_.compare_exchange_weak(n, n + 1, std::memory_order_acquire)) return true;
    return false;
}

Status Object::delete_object() noexcept {
    if (!deletable()) {
        log(LogLevel::Error, "delete: this object is deleted by the framework, not by the driver (spec R1.18)");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    if (ObjectAccess::mark_deleted(*this)) dispose();
    return STATUS_SUCCESS;
}

// Children first, newest first, each disposed completely (its cleanup
// returned) before the next; then our rundown, cleanup and the kind's delete.
void Object::dispose() noexcept {
    std::vector<Object*> children;
    bool parent_held = false;  // whether the parent's reference on us is ours to drop
    ObjectRecord* r = nullptr;
    {
        // The record is read under the tree lock: a create that saw us not yet
        // deleted may be giving us our first record (and child) right now.
        std::lock_guard lock(tree_mutex());
        r = record_.load(std::memory_order_acquire);
        if (r) children.swap(r->children);
        if (Object* p = r ? std::exchange(r->parent, nullptr) : nullptr) {
            ObjectRecord& pr = *p->record_.load(std::memory_order_acquire);
            auto it = std::find(pr.children.begin(), pr.children.end(), this);
            // Not there: the parent is deleting us and drops its reference itself.
            if (it != pr.children.end()) {
                pr.children.erase(it);
                parent_held = true;
            }
        }
        for (Object* c : children) c->record_.load(std::memory_order_relaxed)->parent = nullptr;
    }
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
        if (ObjectAccess::mark_deleted(**it)) (*it)->dispose();
        (*it)->release();  // our reference on the child
    }
    rundown();
    if (r) detail::run_cleanup(*this, *r);
    on_delete();
    if (parent_held) release();
}

Object* Object::parent_ref() const noexcept {
    ObjectRecord* r = record_.load(std::memory_order_acquire);
    if (!r) return nullptr;
    std::lock_guard lock(tree_mutex());
    return r->parent && r->parent->try_add_ref() ? r->parent : nullptr;
}

void* Object::context(const ContextType& type) const noexcept {
    ObjectRecord* r = record_.load(std::memory_order_acquire);
    for (ContextEntry* e = r ? r->contexts.load(std::memory_order_acquire) : nullptr; e;
         e = e->next.load(std::memory_order_acquire))
        if (e->type == &type) return e->area();
    return nullptr;
}

Status Object::allocate_context(const ContextType& type, void** area, std::size_t size_override) noexcept {
    if (area) *area = nullptr;
    ObjectAttributes a;
    a.context = &type;
    a.context_size = size_override;
    if (Status s = detail::check_attributes(&a, detail::ParentRule::Allowed); !s.ok()) return s;
    const std::size_t size = detail::area_size(a);
    void* storage = ::operator new(sizeof(ContextEntry) + size, std::nothrow);
    if (!storage) return STATUS_INSUFFICIENT_RESOURCES;
    std::unique_lock lock(tree_mutex());
    ObjectRecord* r = deleted() ? nullptr : detail::record_locked(record_);
    if (!r) {
        lock.unlock();
        ::operator delete(storage);
        return deleted() ? STATUS_DELETE_PENDING : STATUS_INSUFFICIENT_RESOURCES;
    }
    std::atomic<ContextEntry*>* tail = &r->contexts;
    for (ContextEntry* e = tail->load(std::memory_order_relaxed); e; e = tail->load(std::memory_order_relaxed)) {
        if (e->type == &type) {
            lock.unlock();
            ::operator delete(storage);
            if (area) *area = e->area();
            return STATUS_OBJECT_NAME_EXISTS;
        }
        tail = &e->next;
    }
    // Constructed under the lock so that no lookup sees it half made; a
    // context's constructor must not create or delete objects.
    ContextEntry* e = detail::make_entry(storage, type, *this, size, true);
    tail->store(e, std::memory_order_release);
    if (area) *area = e->area();
    return STATUS_SUCCESS;
}

Object& Object::from_context(void* area) noexcept { return *(static_cast<ContextEntry*>(area) - 1)->owner; }

bool Object::end_of_life() const noexcept {
    ObjectRecord* r = record_.load(std::memory_order_acquire);
    if (!r) return false;
    auto* self = const_cast<Object*>(this);
    // Never deleted, yet children: they go with it (as a driver's objects go
    // with the driver). Cleanup that did not run runs now (spec R1.16).
    if (ObjectAccess::mark_deleted(*this)) {
        std::vector<Object*> children;
        {
            std::lock_guard lock(tree_mutex());
            children.swap(r->children);
            for (Object* c : children) c->record_.load(std::memory_order_relaxed)->parent = nullptr;
        }
        for (auto it = children.rbegin(); it != children.rend(); ++it) {
            if (ObjectAccess::mark_deleted(**it)) (*it)->dispose();
            (*it)->release();
        }
    }
    detail::run_cleanup(*self, *r);
    if (r->destroy) r->destroy(*self);
    // Every context's destroy first, then the memory: a destroy callback may
    // still look up any of the object's contexts (R1.8).
    for (ContextEntry* e = r->contexts.load(std::memory_order_acquire); e; e = e->next.load(std::memory_order_relaxed))
        if (e->type->destroy) e->type->destroy(e->area());
    for (ContextEntry* e = r->contexts.load(std::memory_order_acquire); e;) {
        ContextEntry* next = e->next.load(std::memory_order_relaxed);
        const bool separate = e->separate;
        e->~ContextEntry();
        if (separate) ::operator delete(e);
        e = next;
    }
    const bool in_block = r->in_block;
    record_.store(nullptr, std::memory_order_relaxed);
    if (in_block) r->~ObjectRecord();
    else delete r;
    return in_block;
}

}  // namespace wdfio
