// The device an object belongs to: its parent if that is a device, else the
// nearest device up its parent chain (a queue's is its device). Timers and
// work items need one (driver spec R8.3, R8.8): it gives them their engine.
#pragma once
#include <wdfio/device.hpp>
#include <wdfio/object.hpp>

namespace wdfio::detail {

Ref<Device> device_ancestor(Object* parent) noexcept;

}  // namespace wdfio::detail
