// RamDisk: a built-in bottom driver — a block device in memory. Honours
// device offsets; reads at or past the end → STATUS_END_OF_FILE, reads that
// cross it complete short; writes past the end → STATUS_DISK_FULL (nothing
// written); BLKGETSIZE64 and BLKSSZGET answered as a block device does.
#pragma once
#include <wdfio/device.hpp>

#include <cstddef>
#include <memory>
#include <shared_mutex>
#include <span>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class RamDisk final : public Driver {
public:
    // size 0 or not a multiple of sector_size (512 or 4096) → STATUS_INVALID_PARAMETER.
    static Result<std::unique_ptr<RamDisk>> create(Engine& engine, std::uint64_t size,
                                                   const DeviceOptions& options = {}, unsigned sector_size = 512);
    ~RamDisk() override;  // removes the device

    std::uint64_t size() const noexcept { return size_; }
    unsigned sector_size() const noexcept { return sector_size_; }
    // The bytes themselves (for tests and tools; not synchronised with I/O).
    std::span<std::byte> contents() const noexcept { return {data_.get(), size_}; }

    void on_read(DeliveredRequest& r, std::size_t length) override;
    void on_write(DeliveredRequest& r, std::size_t length) override;
    void on_device_control(DeliveredRequest& r, std::size_t output_length, std::size_t input_length,
                           std::uint32_t code) override;

private:
    RamDisk(std::uint64_t size, unsigned sector_size, std::unique_ptr<std::byte[]> data)
        : size_(size), sector_size_(sector_size), data_(std::move(data)) {}

    std::uint64_t size_;
    unsigned sector_size_;
    std::unique_ptr<std::byte[]> data_;
    std::shared_mutex lock_;  // reads share, writes exclude
    Ref<Device> device_;
};

}  // namespace wdfio
#pragma GCC visibility pop
