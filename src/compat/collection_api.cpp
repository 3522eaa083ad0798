// WdfCollection*: a locked list of referenced handles (driver spec §9.1).
#include "compat/boundary.hpp"
#include "compat/handle.hpp"

#include <wdfio/verifier.hpp>

#include <mutex>
#include <vector>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

struct CollectionHandle final : Handle {
    static constexpr HandleType kType = HandleType::Collection;
    CollectionHandle() noexcept : Handle(kType) {}

    std::mutex mutex;
    std::vector<Ref<Handle>> items;  // each referenced until removed or the collection is destroyed (R9.4)
};

// The entry at `index` (SIZE_MAX: the last), or NULL.
WDFOBJECT item_at(const void* collection, std::size_t index, const char* call) {
    auto c = HandleTable::find<CollectionHandle>(collection, call);
    if (!c) return nullptr;
    std::lock_guard lock(c->mutex);
    if (c->items.empty()) return nullptr;
    if (index == SIZE_MAX) index = c->items.size() - 1;
    return index < c->items.size() ? to_c<WDFOBJECT>(c->items[index].get()) : nullptr;
}

void not_in_collection(const char* call, const void* collection) {
    log(LogLevel::Error, "%s: the item is not in the collection; nothing removed", call);
    detail::verifier_violation(VerifierCheck::InvalidParameter, collection, call);
}

}  // namespace

NTSTATUS WdfCollectionCreate(PWDF_OBJECT_ATTRIBUTES CollectionAttributes, WDFCOLLECTION* Collection) {
    constexpr const char* call = "WdfCollectionCreate";
    return guard(call, [&]() -> Status {
        if (!Collection) {
            return required_null(call, "Collection");
        }
        *Collection = nullptr;  // R9.1
        Ref<Handle> parent;
        if (Status s = HandleTable::check_attributes(call, CollectionAttributes, parent); !s.ok()) return s;
        auto h = Ref<CollectionHandle>::adopt(new CollectionHandle);
        if (Status s = HandleTable::publish(*h, CollectionAttributes, parent.get()); !s.ok()) return s;
        *Collection = to_c<WDFCOLLECTION>(h.detach());
        return STATUS_SUCCESS;
    });
}

ULONG WdfCollectionGetCount(WDFCOLLECTION Collection) {
    constexpr const char* call = "WdfCollectionGetCount";
    return guard_value(call, ULONG{0}, [&]() -> ULONG {
        auto c = HandleTable::find<CollectionHandle>(Collection, call);
        if (!c) return 0;
        std::lock_guard lock(c->mutex);
        return static_cast<ULONG>(c->items.size());
    });
}

NTSTATUS WdfCollectionAdd(WDFCOLLECTION Collection, WDFOBJECT Object) {
    constexpr const char* call = "WdfCollectionAdd";
    return guard(call, [&]() -> Status {
        auto c = HandleTable::find<CollectionHandle>(Collection, call);
        if (!c) return STATUS_INVALID_HANDLE;
        auto item = HandleTable::find_any(Object, call);
        if (!item) return STATUS_INVALID_HANDLE;
        std::lock_guard lock(c->mutex);
        try {
            c->items.push_back(std::move(item));
        } catch (const std::bad_alloc&) {
            return STATUS_UNSUCCESSFUL;  // R9.2
        }
        return STATUS_SUCCESS;
    });
}

VOID WdfCollectionRemove(WDFCOLLECTION Collection, WDFOBJECT Item) {
    constexpr const char* call = "WdfCollectionRemove";
    guard_void(call, [&] {
        auto c = HandleTable::find<CollectionHandle>(Collection, call);
        if (!c) return;
        Ref<Handle> gone;  // released after the lock
        {
            std::lock_guard lock(c->mutex);
            for (auto it = c->items.begin(); it != c->items.end(); ++it) {
                if (to_c<WDFOBJECT>(it->get()) == Item) {
                    gone = std::move(*it);
                    c->items.erase(it);
                    break;
                }
            }
        }
        if (!gone) not_in_collection(call, Collection);
    });
}

VOID WdfCollectionRemoveItem(WDFCOLLECTION Collection, ULONG Index) {
    constexpr const char* call = "WdfCollectionRemoveItem";
    guard_void(call, [&] {
        auto c = HandleTable::find<CollectionHandle>(Collection, call);
        if (!c) return;
        Ref<Handle> gone;
        {
            std::lock_guard lock(c->mutex);
            if (Index < c->items.size()) {
                gone = std::move(c->items[Index]);
                c->items.erase(c->items.begin() + Index);
            }
        }
        if (!gone) not_in_collection(call, Collection);
    });
}

WDFOBJECT WdfCollectionGetItem(WDFCOLLECTION Collection, ULONG Index) {
    constexpr const char* call = "WdfCollectionGetItem";
    return guard_value(call, WDFOBJECT{nullptr}, [&] { return item_at(Collection, Index, call); });
}

WDFOBJECT WdfCollectionGetFirstItem(WDFCOLLECTION Collection) {
    constexpr const char* call = "WdfCollectionGetFirstItem";
    return guard_value(call, WDFOBJECT{nullptr}, [&] { return item_at(Collection, 0, call); });
}

WDFOBJECT WdfCollectionGetLastItem(WDFCOLLECTION Collection) {
    constexpr const char* call = "WdfCollectionGetLastItem";
    return guard_value(call, WDFOBJECT{nullptr}, [&] { return item_at(Collection, SIZE_MAX, call); });
}
