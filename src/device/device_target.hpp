// DeviceTarget: a target whose lower side is an in-process device. Each
// opener (by name, or the device attached above) has its own.
#pragma once
#include <wdfio/detail/spin_lock.hpp>
#include <wdfio/device.hpp>
#include <wdfio/io_target.hpp>

#include <memory>
#include <mutex>

namespace wdfio::detail {

class DeviceTarget final : public IoTarget {
public:
    // `file`: an open by name (its cleanup when the target closes, its close
    // once drained); none for a device's local target.
    DeviceTarget(Engine& engine, Ref<Device> device, std::shared_ptr<FileObject> file = {});
    ~DeviceTarget() override;
    std::uint32_t stack_size() const noexcept override { return device_->stack_size(); }
    Device& device() const noexcept { return *device_; }
    FileObject* file_object() const noexcept { return file_.get(); }
    // The lower side finished r: it leaves the list stop/purge/close cancel from.
    void untrack(Request& r);

private:
    Status check_format(const IoOperation&) const override { return STATUS_SUCCESS; }
    void start_io(Request& r) override;
    bool cancel_io(Request& r) override;
    void cancel_sent_io(bool include_ignore) override;
    void shutting() override;
    void release_resources() override;

    Ref<Device> device_;
    const std::shared_ptr<FileObject> file_;
    SpinLock mutex_;
    Request* sent_ = nullptr;  // dispatched and not finished (target_next_/target_prev_ links)
};

}  // namespace wdfio::detail
