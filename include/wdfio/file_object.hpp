// FileObject: one open of an in-process device by name (KMDF's file object,
// driver spec §9.4). IoTarget::open(engine, "\\Device\\Name") is the create;
// closing (or removing) that target is the cleanup, and the close once the
// target's I/O has drained. Every request sent through the target carries
// it (DeliveredRequest::file_object()).
#pragma once
#include <wdfio/object.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Device;

class FileObject {
public:
    FileObject(const FileObject&) = delete;
    FileObject& operator=(const FileObject&) = delete;
    ~FileObject();

    Device& device() const noexcept { return *device_; }
    // What followed the device's name in the name opened ("\\Device\\Disk\\a" → "\\a"); empty for the device itself.
    const std::string& name() const noexcept { return name_; }
    // The lower device's file object, when the create went down the stack (a
    // filter's auto-forwarded create, spec R9.14); else null.
    FileObject* lower() const noexcept { return lower_.get(); }

    // The driver's own word for this open, set in Driver::on_file_create (the
    // C API keeps its WDFFILEOBJECT here); read, never interpreted, by wdfio.
    void* driver_data = nullptr;
    // Whether the opener was itself a driver (KMDF: a KernelMode requestor);
    // set by the driver model in on_file_create, read by whoever asks.
    bool opened_by_driver = false;

private:
    friend class Device;
    enum class Phase : std::uint8_t { Creating, Open, CleanedUp, Closed };
    FileObject(Ref<Device> device, std::string name);

    Ref<Device> device_;
    std::string name_;
    std::shared_ptr<FileObject> lower_;
    // One event (create, cleanup, close) at a time, each once. Recursive: a
    // callback may finish a request whose routine closes this very open (the
    // nested call finds the phase moved on and returns).
    std::recursive_mutex mutex_;
    Phase phase_ = Phase::Creating;
};

}  // namespace wdfio
#pragma GCC visibility pop
