#include "core/device_ancestor.hpp"

#include <wdfio/queue.hpp>

namespace wdfio::detail {

Ref<Device> device_ancestor(Object* parent) noexcept {
    Ref<Object> at(parent);
    while (at) {
        if (auto* d = dynamic_cast<Device*>(at.get())) return Ref<Device>(d);
        if (auto* q = dynamic_cast<Queue*>(at.get())) return Ref<Device>(&q->device());
        at = Ref<Object>::adopt(at->parent_ref());
    }
    return nullptr;
}

}  // namespace wdfio::detail
