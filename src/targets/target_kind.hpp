// The kinds of target IoTarget::open knows: each claims the names it
// understands and opens them. A new kind is a folder under src/targets (or
// the layer that owns it) plus one line in registry.cpp's table — nothing
// in the core changes.
#pragma once
#include <wdfio/io_target.hpp>

#include <string_view>

namespace wdfio::detail {

struct TargetKind {
    const char* forms;  // the names it accepts, for the error message: "a path (/dev/loop0, ./disk.img)"
    bool (*claims)(std::string_view name) noexcept;
    Result<Ref<IoTarget>> (*open)(Engine& engine, std::string_view name, const OpenOptions& options);
};

// The built-in kinds, defined beside their targets.
extern const TargetKind kDeviceTargetKind;  // "\Device\Name": an in-process device (src/device)
extern const TargetKind kFileTargetKind;    // a path: file, block or character device, FIFO (src/targets/file)
extern const TargetKind kNbdTargetKind;     // nbd://, nbd+unix://, nbds://: a network disk (src/targets/nbd)

}  // namespace wdfio::detail
