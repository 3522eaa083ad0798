// TargetSpec: what TARGET on the command line names — a path (a regular file
// or a block device), or a built-in in-process stack, "ram:SIZE".
#pragma once
#include "checked.hpp"

#include <cstdint>
#include <string>

namespace wdfio::cli {

struct TargetSpec {
    enum class Kind : std::uint8_t { Path, Ram } kind = Kind::Path;
    std::string text;             // as given
    std::string path;             // Kind::Path
    std::uint64_t ram_bytes = 0;  // Kind::Ram

    bool is_ram() const noexcept { return kind == Kind::Ram; }
};

// "ram:256M" → a RAM disk; anything else is a path, unless it reads as
// "kind:..." for a kind wdfio does not know (and names no existing file).
Checked<TargetSpec> parse_target(const std::string& text);

}  // namespace wdfio::cli
