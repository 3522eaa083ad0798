// The device an object belongs to: its parent if that is a device, else the
// nearest device up its parent chain (a queue's is its device). Timers and
// work items need one (driver spec R8.3, R8.8): it gives them their engine.
#pragma once
#include <wdfio/device.hpp>
#include <wdfio/log.hpp>
#include <wdfio/object.hpp>

#include "core/object_create.hpp"
#include "engine/engine_core.hpp"

#include <memory>
#include <new>

namespace wdfio::detail {

Ref<Device> device_ancestor(Object* parent) noexcept;

// The create timers and work items share: a device above the parent, whose
// engine the object's State keeps; then the object T, which owns its State
// from its construction (a failed create frees both). `construct(storage,
// state)` is a placement new of T, from inside T where the constructor is private.
template <class T, class State, class Config, class Construct>
Result<Ref<T>> make_device_owned(const char* call, const Config& config, const ObjectAttributes& attributes,
                                 Construct&& construct) {
    Ref<Device> device = device_ancestor(attributes.parent);
    if (!device) {
        log(LogLevel::Warning, "%s: the parent must be a device or an object under one (a queue, ...)", call);
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    std::unique_ptr<State> state(new (std::nothrow) State(config, EngineAccess::shared(device->engine())));
    if (!state) return STATUS_INSUFFICIENT_RESOURCES;
    State* raw = state.get();
    auto made = make_object<T>(&attributes, ParentRule::Allowed, nullptr,
                               [&](void* storage) { return construct(storage, state.release()); });
    if (!made) return made.status();
    raw->object = made.value().get();
    return made;
}

}  // namespace wdfio::detail
