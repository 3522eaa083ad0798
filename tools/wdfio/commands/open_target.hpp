// What the commands ask of any opened TARGET, through the framework: a
// synchronous ioctl, and the target's size (a regular file's from stat,
// anything else's from BLKGETSIZE64 sent as a request, which in-process RAM
// disks answer too).
#pragma once
#include "target_spec.hpp"

#include <wdfio/io_target.hpp>
#include <wdfio/status.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace wdfio::cli {

struct IoctlReply {
    Status status;
    std::uint64_t information = 0;
    std::vector<unsigned char> output;  // out_size bytes, `information` of them written
};

// Formats and sends one ioctl synchronously (not from a completion routine).
IoctlReply send_ioctl(IoTarget& target, std::uint32_t code, std::span<const unsigned char> input, std::size_t out_size);

// The size in bytes, or nullopt if the target cannot tell (a FIFO, a character device).
std::optional<std::uint64_t> target_size(IoTarget& target, const TargetSpec& spec);

// The logical block size O_DIRECT transfers must be multiples of: BLKSSZGET
// where the target answers it, else 512.
std::uint64_t logical_block_size(IoTarget& target);

}  // namespace wdfio::cli
