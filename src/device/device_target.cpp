#include "device/device_target.hpp"

#include "targets/target_kind.hpp"

#include "core/request_access.hpp"
#include "core/target_access.hpp"
#include "device/delivered_access.hpp"

#include <vector>

namespace wdfio::detail {

const TargetKind kDeviceTargetKind{
    "an in-process device (\\Device\\RamDisk0, or a link to one: \\DosDevices\\Echo, \\??\\Echo, \\\\.\\Echo)",
    [](std::string_view name) noexcept { return Device::is_device_name(name); },
    [](Engine&, std::string_view name, const OpenOptions&) -> Result<Ref<IoTarget>> {
        // The device, or a name below it ("\\Device\\Disk\\a": the rest is the file object's name).
        constexpr std::size_t kPrefix = 8;  // "\\Device\\"
        for (std::size_t end = name.size(); end != std::string_view::npos && end > kPrefix;
             end = name.rfind('\\', end - 1)) {
            if (auto device = Device::find(name.substr(0, end))) return device->open_file(name.substr(end));
        }
        return STATUS_OBJECT_NAME_NOT_FOUND;
    },
};

DeviceTarget::DeviceTarget(Engine& engine, Ref<Device> device, std::shared_ptr<FileObject> file)
    : IoTarget(engine, device->name().empty() ? std::string("device") : device->name()),
      device_(std::move(device)),
      file_(std::move(file)) {}

DeviceTarget::~DeviceTarget() {
    if (file_) device_->close_file(*file_);  // dropped without a close: the open ends now
}

// Closing the open is its cleanup, at once (the driver may finish what it
// holds of it there); the close waits until its I/O has drained.
void DeviceTarget::shutting() {
    if (file_) device_->cleanup_file(*file_);
}

void DeviceTarget::release_resources() {
    if (file_) device_->close_file(*file_);
}

void DeviceTarget::start_io(Request& r) {
    {
        std::lock_guard lock(mutex_);
        DeliveredAccess::target_prev(r) = nullptr;
        DeliveredAccess::target_next(r) = sent_;
        if (sent_) DeliveredAccess::target_prev(*sent_) = &r;
        sent_ = &r;
        TargetAccess::missed_cancel(r);  // a stop/purge/close pass over sent_ came first: dispatch sees the flag
    }
    DeliveredAccess::dispatch(*device_, r);
}

void DeviceTarget::untrack(Request& r) {
    std::lock_guard lock(mutex_);
    Request*& next = DeliveredAccess::target_next(r);
    Request*& prev = DeliveredAccess::target_prev(r);
    if (prev) DeliveredAccess::target_next(*prev) = next;
    else if (sent_ == &r) sent_ = next;
    if (next) DeliveredAccess::target_prev(*next) = prev;
    next = prev = nullptr;
}

bool DeviceTarget::cancel_io(Request& r) { return DeliveredAccess::cancel_child(r); }

void DeviceTarget::cancel_sent_io(bool include_ignore) {
    // Claims are taken under the lock (a listed request has not finished, so
    // its claim count is above 0); the cancels run outside it.
    std::vector<Request*> victims;
    {
        std::lock_guard lock(mutex_);
        for (Request* r = sent_; r; r = DeliveredAccess::target_next(*r)) {
            if (RequestAccess::ignores_state(*r) && !include_ignore) continue;
            RequestAccess::mark_canceled(*r);  // what Stop(Cancel), purge and close set (spec §1.4)
            if (RequestAccess::take_claim(*r)) victims.push_back(r);
        }
    }
    for (Request* r : victims) {
        DeliveredAccess::cancel_child(*r);
        RequestAccess::drop_claim(*r);
    }
}

}  // namespace wdfio::detail
