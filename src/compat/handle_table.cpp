// The live-handle table: validation of every handle value, parent/child
// deletion, and the attributes that shape a new handle.
#include "compat/handle.hpp"

#include "compat/boundary.hpp"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <unordered_set>

namespace wdfio::compat {

namespace {
struct Table {
    std::shared_mutex mutex;  // lookups share; create, delete and destroy exclude
    std::unordered_set<const Handle*> live;
    std::uint64_t next_serial = 1;
};
Table& table() {
    static auto* t = new Table;  // never destroyed: handles may be released during exit
    return *t;
}
}  // namespace

const char* to_string(HandleType t) noexcept {
    switch (t) {
        case HandleType::Memory:
            return "WDFMEMORY";
        case HandleType::Request:
            return "WDFREQUEST";
        case HandleType::IoTarget:
            return "WDFIOTARGET";
        case HandleType::Device:
            return "WDFDEVICE";
    }
    return "?";
}

bool Handle::try_add_ref() noexcept {
    std::uint32_t n = refs_.load(std::memory_order_relaxed);
    while (n != 0)
        if (refs_.compare_exchange_weak(n, n + 1, std::memory_order_acquire)) return true;
    return false;
}

void Handle::destroy() noexcept {
    HandleTable::forget(*this);
    if (destroy_) destroy_(this);
    delete this;
}

void HandleTable::forget(Handle& h) noexcept {
    std::unique_lock lock(table().mutex);
    table().live.erase(&h);
}

Status HandleTable::check_attributes(const char* call, const WDF_OBJECT_ATTRIBUTES* a, Ref<Handle>& parent) {
    if (!a) return STATUS_SUCCESS;
    if (Status s = check_size(call, *a, "WDF_OBJECT_ATTRIBUTES", "WDF_OBJECT_ATTRIBUTES_INIT"); !s.ok()) return s;
    if (a->ContextSizeOverride != 0 || a->ContextTypeInfo != nullptr) {
        log(LogLevel::Error, "%s: object context areas are not supported yet", call);
        return STATUS_NOT_SUPPORTED;
    }
    const std::uint32_t level = raw_enum(a->ExecutionLevel), scope = raw_enum(a->SynchronizationScope);
    const bool default_level = level == WdfExecutionLevelInvalid || level == WdfExecutionLevelInheritFromParent;
    const bool default_scope =
        scope == WdfSynchronizationScopeInvalid || scope == WdfSynchronizationScopeInheritFromParent;
    if (!default_level || !default_scope) {
        log(LogLevel::Error, "%s: execution levels and synchronization scopes are not supported", call);
        return STATUS_NOT_SUPPORTED;
    }
    if (a->ParentObject) {
        parent = find_any(a->ParentObject, call);
        if (!parent) return STATUS_INVALID_HANDLE;
    }
    return STATUS_SUCCESS;
}

Status HandleTable::publish(Handle& h, const WDF_OBJECT_ATTRIBUTES* a, Handle* parent) {
    auto& t = table();
    std::unique_lock lock(t.mutex);
    if (parent && (parent->deleted_ || !t.live.contains(parent))) return STATUS_INVALID_HANDLE;
    if (parent) parent->children_.push_back(&h);  // may throw: nothing changed yet
    try {
        t.live.insert(&h);
    } catch (...) {
        if (parent) parent->children_.pop_back();
        throw;
    }
    h.parent_ = parent;
    h.serial_ = t.next_serial++;
    h.published_ = true;
    if (a) {
        h.cleanup_ = a->EvtCleanupCallback;
        h.destroy_ = a->EvtDestroyCallback;
    }
    return STATUS_SUCCESS;
}

Handle* HandleTable::find_typed(const void* value, HandleType type, const char* call) {
    Ref<Handle> h = find_any(value, call);
    if (!h) return nullptr;
    if (h->type != type) {
        log(LogLevel::Error, "%s: handle %p is a %s, not a %s", call, value, to_string(h->type), to_string(type));
        return nullptr;
    }
    return h.detach();
}

Ref<Handle> HandleTable::find_any(const void* value, const char* call, bool allow_deleted) {
    if (!value) {
        log(LogLevel::Error, "%s: NULL handle", call);
        return nullptr;
    }
    auto& t = table();
    std::shared_lock lock(t.mutex);
    // Compared, never dereferenced, until the table says it is a live handle.
    const auto* candidate = static_cast<const Handle*>(value);
    if (!t.live.contains(candidate)) {
        log(LogLevel::Error, "%s: %p is not a wdfio handle (or was destroyed)", call, value);
        return nullptr;
    }
    auto* h = const_cast<Handle*>(candidate);
    if ((h->deleted_ && !allow_deleted) || !h->try_add_ref()) {
        log(LogLevel::Error, "%s: %s %p was deleted", call, to_string(h->type), value);
        return nullptr;
    }
    return Ref<Handle>::adopt(h);
}

void HandleTable::remove(Handle& h) noexcept {
    std::vector<Handle*> children;
    {
        std::unique_lock lock(table().mutex);
        if (h.deleted_ || !h.published_) return;
        h.deleted_ = true;
        children.swap(h.children_);
        if (h.parent_) std::erase(h.parent_->children_, &h);
        h.parent_ = nullptr;
        // Keep the children alive while we delete them (a child may also be released elsewhere).
        for (Handle* c : children) c->add_ref();
    }
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
        remove(**it);
        (*it)->release();
    }
    if (h.cleanup_) h.cleanup_(&h);
    h.on_delete();
    h.release();  // the creation reference
}

void HandleTable::reference(Handle& h) noexcept {
    h.user_refs_.fetch_add(1, std::memory_order_relaxed);
    h.add_ref();
}

bool HandleTable::dereference(Handle& h) noexcept {
    std::uint32_t n = h.user_refs_.load(std::memory_order_relaxed);
    do {
        if (n == 0) return false;
    } while (!h.user_refs_.compare_exchange_weak(n, n - 1, std::memory_order_relaxed));
    h.release();
    return true;
}

std::vector<Ref<Handle>> HandleTable::roots() {
    auto& t = table();
    std::vector<Ref<Handle>> out;
    std::shared_lock lock(t.mutex);
    for (const Handle* c : t.live) {
        auto* h = const_cast<Handle*>(c);
        if (!h->deleted_ && !h->parent_ && h->try_add_ref()) out.push_back(Ref<Handle>::adopt(h));
    }
    std::sort(out.begin(), out.end(),
              [](const Ref<Handle>& a, const Ref<Handle>& b) { return a->serial_ < b->serial_; });
    return out;
}

std::size_t HandleTable::count() noexcept {
    std::shared_lock lock(table().mutex);
    return table().live.size();
}

}  // namespace wdfio::compat
