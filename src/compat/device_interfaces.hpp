// Device interfaces (driver spec R3.18, R4.1 step 6, R4.8 step 3): a C
// device's interface is a symbolic link, "\??\WDFIO#Driver#0001#{guid}\ref",
// that IoTarget::open finds while the interface is enabled, and that
// IoGetDeviceInterfaces lists by class. Enabled when the device starts (or at
// once, if made after), disabled when it is removed.
#pragma once
#include "compat/compat.hpp"

#include <string>

namespace wdfio::compat {

class DeviceBridge;

void enable_device_interfaces(DeviceBridge& device);   // the device started
void disable_device_interfaces(DeviceBridge& device);  // it is being removed
void forget_device_interfaces(DeviceBridge& device);   // it is gone
// The link of one of its interfaces; STATUS_OBJECT_NAME_NOT_FOUND if it has none such.
Status device_interface_link(DeviceBridge& device, const GUID& guid, const UNICODE_STRING* reference,
                             std::wstring& link);

}  // namespace wdfio::compat
