#include "device/device_target.hpp"

#include "targets/target_kind.hpp"

#include "core/request_access.hpp"
#include "device/delivered_access.hpp"

#include <vector>

namespace wdfio::detail {

const TargetKind kDeviceTargetKind{
    "an in-process device (\\Device\\RamDisk0)",
    [](std::string_view name) noexcept { return name.starts_with("\\Device\\"); },
    [](Engine&, std::string_view name, const OpenOptions&) -> Result<Ref<IoTarget>> {
        auto device = Device::find(name);
        if (!device) return STATUS_OBJECT_NAME_NOT_FOUND;
        return device->open_target();
    },
};

DeviceTarget::DeviceTarget(Engine& engine, Ref<Device> device)
    : IoTarget(engine, device->name().empty() ? std::string("device") : device->name()), device_(std::move(device)) {}

void DeviceTarget::start_io(Request& r) {
    {
        std::lock_guard lock(mutex_);
        r.target_prev_ = nullptr;
        r.target_next_ = sent_;
        if (sent_) sent_->target_prev_ = &r;
        sent_ = &r;
        missed_cancel(r);  // a stop/purge/close pass over sent_ came first: dispatch sees the flag
    }
    DeliveredAccess::dispatch(*device_, r);
}

void DeviceTarget::untrack(Request& r) {
    std::lock_guard lock(mutex_);
    if (r.target_prev_) r.target_prev_->target_next_ = r.target_next_;
    else if (sent_ == &r) sent_ = r.target_next_;
    if (r.target_next_) r.target_next_->target_prev_ = r.target_prev_;
    r.target_next_ = r.target_prev_ = nullptr;
}

bool DeviceTarget::cancel_io(Request& r) { return DeliveredAccess::cancel_child(r); }

void DeviceTarget::cancel_sent_io(bool include_ignore) {
    // Claims are taken under the lock (a listed request has not finished, so
    // its claim count is above 0); the cancels run outside it.
    std::vector<Request*> victims;
    {
        std::lock_guard lock(mutex_);
        for (Request* r = sent_; r; r = r->target_next_) {
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
