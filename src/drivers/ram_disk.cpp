#include <wdfio/ram_disk.hpp>

#include <linux/fs.h>

#include <cstring>
#include <mutex>
#include <new>

namespace wdfio {

Result<std::unique_ptr<RamDisk>> RamDisk::create(Engine& engine, std::uint64_t size, const DeviceOptions& options,
                                                 unsigned sector_size) {
    if (size == 0 || (sector_size != 512 && sector_size != 4096) || size % sector_size != 0)
        return STATUS_INVALID_PARAMETER;
    std::unique_ptr<std::byte[]> data(new (std::nothrow) std::byte[size]());
    if (!data) return STATUS_INSUFFICIENT_RESOURCES;
    std::unique_ptr<RamDisk> disk(new (std::nothrow) RamDisk(size, sector_size, std::move(data)));
    if (!disk) return STATUS_INSUFFICIENT_RESOURCES;
    auto device = Device::create(engine, *disk, options);
    if (!device) return device.status();
    disk->device_ = device.value();
    return disk;
}

RamDisk::~RamDisk() {
    if (device_) device_->remove();
}

void RamDisk::on_read(DeliveredRequest& r, std::size_t length) {
    const std::int64_t offset = r.parameters().device_offset;
    if (offset < 0) {
        r.complete(STATUS_INVALID_PARAMETER);
        return;
    }
    if (length == 0) {
        r.complete_with_information(STATUS_SUCCESS, 0);
        return;
    }
    if (static_cast<std::uint64_t>(offset) >= size_) {
        r.complete_with_information(STATUS_END_OF_FILE, 0);
        return;
    }
    auto out = r.retrieve_output_buffer(length);
    if (!out) {
        r.complete(out.status());
        return;
    }
    const std::uint64_t n = std::min<std::uint64_t>(length, size_ - static_cast<std::uint64_t>(offset));
    {
        std::shared_lock lock(lock_);
        std::memcpy(out->data(), data_.get() + offset, n);
    }
    r.complete_with_information(STATUS_SUCCESS, n);
}

void RamDisk::on_write(DeliveredRequest& r, std::size_t length) {
    const std::int64_t offset = r.parameters().device_offset;
    if (offset < 0) {
        r.complete(STATUS_INVALID_PARAMETER);
        return;
    }
    if (static_cast<std::uint64_t>(offset) > size_ || length > size_ - static_cast<std::uint64_t>(offset)) {
        r.complete_with_information(STATUS_DISK_FULL, 0);
        return;
    }
    if (length == 0) {
        r.complete_with_information(STATUS_SUCCESS, 0);
        return;
    }
    auto in = r.retrieve_input_buffer(length);
    if (!in) {
        r.complete(in.status());
        return;
    }
    {
        std::unique_lock lock(lock_);
        std::memcpy(data_.get() + offset, in->data(), length);
    }
    r.complete_with_information(STATUS_SUCCESS, length);
}

void RamDisk::on_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t code) {
    auto answer = [&r](const void* value, std::size_t size) {
        auto out = r.retrieve_output_buffer(size);
        if (!out) {
            r.complete(out.status());
            return;
        }
        std::memcpy(out->data(), value, size);
        r.complete_with_information(STATUS_SUCCESS, size);
    };
    if (code == static_cast<std::uint32_t>(BLKGETSIZE64)) {
        const std::uint64_t bytes = size_;
        answer(&bytes, sizeof bytes);
    } else if (code == static_cast<std::uint32_t>(BLKSSZGET)) {
        const int sector = static_cast<int>(sector_size_);
        answer(&sector, sizeof sector);
    } else {
        r.complete(STATUS_INVALID_DEVICE_REQUEST);
    }
}

}  // namespace wdfio
