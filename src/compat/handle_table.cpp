// The live-handle table: validation of every handle value, parent/child
// deletion, and the attributes that shape a new handle.
#include "compat/handle.hpp"

#include "compat/boundary.hpp"

#include <wdfio/verifier.hpp>

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace wdfio::compat {

namespace {
// A handle value: the handle's serial (never issued twice) in bits 1..47, bit
// 0 set, and a tag in bits 48..63. The tag makes it a non-canonical address
// on x86-64 and one above the user range on AArch64 (whose ignored top byte
// is why the tag reaches down to bit 48), so a driver that dereferences a
// handle faults at once instead of reading whatever lives there.
static_assert(sizeof(std::uintptr_t) == 8, "handle values need 64 bits");
constexpr std::uintptr_t kTag = 0x5A5A'0000'0000'0000, kTagMask = 0xFFFF'0000'0000'0000;
constexpr std::uint64_t kLastSerial = (std::uint64_t{1} << 47) - 1;

std::uintptr_t value_of(std::uint64_t serial) noexcept { return kTag | (serial << 1) | 1; }
// The serial `value` carries if it has the shape of a handle value, else 0.
std::uint64_t serial_of(std::uintptr_t value) noexcept {
    if ((value & kTagMask) != kTag || (value & 1) == 0) return 0;
    return (value & ~kTagMask) >> 1;
}

struct Table {
    std::shared_mutex mutex;  // lookups share; create, delete and destroy exclude
    std::unordered_map<std::uintptr_t, Handle*> live;  // by value
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
    if (destroy_) destroy_(to_c<WDFOBJECT>(this));
    delete this;
}

void HandleTable::forget(Handle& h) noexcept {
    std::unique_lock lock(table().mutex);
    if (h.published_) table().live.erase(h.value_);
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
    if (parent && (parent->deleted_ || !t.live.contains(parent->value_))) return STATUS_INVALID_HANDLE;
    if (t.next_serial > kLastSerial) {  // 2^47 creations: not in this process's lifetime
        log(LogLevel::Error, "wdfio: every handle value was used; restart the process");
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (parent) parent->children_.push_back(&h);  // may throw: nothing changed yet
    try {
        t.live.emplace(value_of(t.next_serial), &h);
    } catch (...) {
        if (parent) parent->children_.pop_back();
        throw;
    }
    h.parent_ = parent;
    h.serial_ = t.next_serial++;
    h.value_ = value_of(h.serial_);
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
        log(LogLevel::Error, "%s: handle %p is a %s, not a %s (check which handle is passed where)", call, value,
            to_string(h->type), to_string(type));
        detail::verifier_violation(VerifierCheck::InvalidHandle, value, call);
        return nullptr;
    }
    return h.detach();
}

// Every refusal is a verifier report, as KMDF's verifier bugchecks on each:
// in abort mode the process stops at the misuse rather than at its effects.
Ref<Handle> HandleTable::find_any(const void* value, const char* call, bool allow_deleted) {
    if (!value) {
        log(LogLevel::Error, "%s: NULL handle (pass the handle a create call returned)", call);
        detail::verifier_violation(VerifierCheck::InvalidHandle, value, call);
        return nullptr;
    }
    const auto v = reinterpret_cast<std::uintptr_t>(value);
    const char* deleted_type = nullptr;  // set: a handle we issued, deleted since
    {
        auto& t = table();
        std::shared_lock lock(t.mutex);
        if (auto it = t.live.find(v); it != t.live.end()) {
            Handle* h = it->second;
            if ((!h->deleted_ || allow_deleted) && h->try_add_ref()) return Ref<Handle>::adopt(h);
            deleted_type = to_string(h->type);
        } else if (const std::uint64_t serial = serial_of(v); serial != 0 && serial < t.next_serial) {
            deleted_type = "handle";  // destroyed too: its type is gone with it
        }
    }
    // Reported outside the lock: abort mode ends the process in the report.
    if (deleted_type) {
        log(LogLevel::Error,
            "%s: %s %p was deleted (by WdfObjectDelete, or with its parent); do not use a handle after deleting it",
            call, deleted_type, value);
        detail::verifier_violation(VerifierCheck::HandleUsedAfterDelete, value, call);
    } else {
        log(LogLevel::Error, "%s: %p is not a wdfio handle (pass the value a create call returned)", call, value);
        detail::verifier_violation(VerifierCheck::InvalidHandle, value, call);
    }
    return nullptr;
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
    if (h.cleanup_) h.cleanup_(to_c<WDFOBJECT>(&h));
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
    for (const auto& entry : t.live) {
        Handle* h = entry.second;
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
