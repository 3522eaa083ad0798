// The live-handle table: validation of every handle value, and the C
// attributes that shape a new handle (the tree and the callbacks are the core's).
#include "compat/fault_injection.hpp"
#include "compat/handle.hpp"

#include "compat/boundary.hpp"
#include "compat/context_types.hpp"
#include "core/object_create.hpp"

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
    std::shared_mutex mutex;                           // lookups share; create, delete and destroy exclude
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
    case HandleType::Memory: return "WDFMEMORY";
    case HandleType::Request: return "WDFREQUEST";
    case HandleType::IoTarget: return "WDFIOTARGET";
    case HandleType::Device: return "WDFDEVICE";
    case HandleType::SpinLock: return "WDFSPINLOCK";
    case HandleType::WaitLock: return "WDFWAITLOCK";
    case HandleType::Timer: return "WDFTIMER";
    case HandleType::WorkItem: return "WDFWORKITEM";
    case HandleType::Object: return "WDFOBJECT";
    case HandleType::Collection: return "WDFCOLLECTION";
    case HandleType::Driver: return "WDFDRIVER";
    case HandleType::Queue: return "WDFQUEUE";
    case HandleType::String: return "WDFSTRING";
    case HandleType::Lookaside: return "WDFLOOKASIDE";
    case HandleType::Dpc: return "WDFDPC";
    case HandleType::FileObject: return "WDFFILEOBJECT";
    }
    return "?";
}

void Handle::on_delete() noexcept {
    on_handle_delete();
    if (published_) release();  // the creation reference C held; the deleter holds another
}

namespace {
// The handle whose destroy callback runs on this thread: its count is 0, yet
// the callback may still look up its contexts (spec R1.8).
thread_local const Handle* t_destroying = nullptr;
}  // namespace

void Handle::last_reference_dropped() const noexcept {
    const Handle* outer = std::exchange(t_destroying, this);  // a destroy callback may end another object
    end_of_life();                                            // the destroy callbacks, while the value still names it
    t_destroying = outer;
    HandleTable::forget(*this);
    delete this;
}

void HandleTable::forget(const Handle& h) noexcept {
    std::unique_lock lock(table().mutex);
    if (h.published_) table().live.erase(h.value_);
}

Status HandleTable::check_attributes(const char* call, const WDF_OBJECT_ATTRIBUTES* a, Ref<Handle>& parent,
                                     AttributeRules rules) {
    if (!a) return STATUS_SUCCESS;
    // Spec R1.1, in its order.
    if (Status s = check_size(call, *a, "WDF_OBJECT_ATTRIBUTES", "WDF_OBJECT_ATTRIBUTES_INIT"); !s.ok()) return s;
    if (Status s = check_context_type(call, a->ContextTypeInfo, a->ContextSizeOverride); !s.ok()) return s;
    if (a->ParentObject) {
        parent = find_any(a->ParentObject, call);
        if (!parent) return STATUS_INVALID_HANDLE;
    }
    const std::uint32_t level = raw_enum(a->ExecutionLevel), scope = raw_enum(a->SynchronizationScope);
    if (level == WdfExecutionLevelInvalid || level > WdfExecutionLevelDispatch ||
        scope == WdfSynchronizationScopeInvalid || scope > WdfSynchronizationScopeNone) {
        log(LogLevel::Error,
            "%s: ExecutionLevel %u or SynchronizationScope %u is not a valid value (use WDF_OBJECT_ATTRIBUTES_INIT)",
            call, level, scope);
        return STATUS_WDF_OBJECT_ATTRIBUTES_INVALID;
    }
    if (scope != WdfSynchronizationScopeInheritFromParent && scope != WdfSynchronizationScopeNone) {
        if (!rules.scope) {
            log(LogLevel::Error, "%s: this kind of object takes no SynchronizationScope", call);
            return STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID;
        }
    }
    if (level != WdfExecutionLevelInheritFromParent) {
        if (!rules.level) {
            log(LogLevel::Error, "%s: this kind of object takes no ExecutionLevel", call);
            return STATUS_WDF_EXECUTION_LEVEL_INVALID;
        }
        if (level == WdfExecutionLevelPassive && !rules.passive) {  // Dispatch is where wdfio runs callbacks
            log(LogLevel::Error, "%s: WdfExecutionLevelPassive is not supported yet for this kind of object", call);
            return STATUS_NOT_SUPPORTED;
        }
    }
    return STATUS_SUCCESS;
}

Status HandleTable::publish(Handle& h, const WDF_OBJECT_ATTRIBUTES* a, Handle* parent) {
    // The core runs the C callbacks through these; a refused create clears
    // them first, so that it runs none (spec R1.4).
    ObjectAttributes core;
    core.parent = parent;
    if (a && a->EvtCleanupCallback) {
        h.cleanup_ = a->EvtCleanupCallback;
        core.cleanup = [](Object& o) {
            auto& self = static_cast<Handle&>(o);
            if (self.cleanup_) self.cleanup_(to_c<WDFOBJECT>(&self));
        };
    }
    if (a && a->EvtDestroyCallback) {
        h.destroy_ = a->EvtDestroyCallback;
        core.destroy = [](Object& o) {
            auto& self = static_cast<Handle&>(o);
            if (self.destroy_) self.destroy_(to_c<WDFOBJECT>(&self));
        };
    }
    if (a && a->ContextTypeInfo) {
        const CoreContext c = core_context(unique_type(a->ContextTypeInfo), a->ContextSizeOverride);
        core.context = c.type;
        core.context_size = c.size;
    }
    auto refuse = [&h](Status s) {
        h.cleanup_ = nullptr;
        h.destroy_ = nullptr;
        h.delete_object();  // out of the parent's children; not published, so the caller's reference stays
        return s;
    };
    if (fault::fail_here()) return refuse(STATUS_INSUFFICIENT_RESOURCES);  // a create, out of memory on purpose
    if (Status s = detail::commit(h, 0, &core, nullptr); !s.ok())
        return refuse(s == Status(STATUS_DELETE_PENDING) ? Status(STATUS_INVALID_HANDLE) : s);
    if (core.context) {
        if (Status s = register_area(c_area(h.context(*core.context)), h); !s.ok()) return refuse(s);
    }
    auto& t = table();
    std::unique_lock lock(t.mutex);
    if (parent && !t.live.contains(parent->value_)) {  // the parent's last reference went meanwhile
        lock.unlock();
        return refuse(STATUS_INVALID_HANDLE);
    }
    if (t.next_serial > kLastSerial) {  // 2^47 creations: not in this process's lifetime
        lock.unlock();
        log(LogLevel::Error, "wdfio: every handle value was used; restart the process");
        return refuse(STATUS_INSUFFICIENT_RESOURCES);
    }
    try {
        t.live.emplace(value_of(t.next_serial), &h);
    } catch (...) {
        lock.unlock();
        return refuse(STATUS_INSUFFICIENT_RESOURCES);
    }
    h.serial_ = t.next_serial++;
    h.value_ = value_of(h.serial_);
    h.published_ = true;
    h.created_by_ = CallScope::current ? CallScope::current->call : nullptr;
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
            if ((!h->deleted() || allow_deleted) && h->try_add_ref()) return Ref<Handle>::adopt(h);
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

Handle* HandleTable::find_for_context(const void* value, const char* call, Ref<Handle>& hold) {
    if (value && value == reinterpret_cast<const void*>(t_destroying ? t_destroying->value_ : 0))
        return const_cast<Handle*>(t_destroying);
    hold = find_any(value, call, /*allow_deleted=*/true);
    return hold.get();
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
    {
        std::shared_lock lock(t.mutex);
        for (const auto& entry : t.live) {
            Handle* h = entry.second;
            if (!h->deleted() && h->try_add_ref()) out.push_back(Ref<Handle>::adopt(h));
        }
    }
    // Outside the table's lock: dropping a reference may take it.
    std::erase_if(out, [](const Ref<Handle>& h) {
        Ref<Object> parent = Ref<Object>::adopt(h->parent_ref());
        return static_cast<bool>(parent);
    });
    std::sort(out.begin(), out.end(),
              [](const Ref<Handle>& a, const Ref<Handle>& b) { return a->serial_ < b->serial_; });
    return out;
}

std::size_t HandleTable::count() noexcept {
    std::shared_lock lock(table().mutex);
    return table().live.size();
}

}  // namespace wdfio::compat
