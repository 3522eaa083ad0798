// TargetSpec: what TARGET on the command line names, for every subcommand —
// ram:SIZE (an in-process RAM disk the program builds), or a name that
// IoTarget::open accepts: a path (file, block or character device), an
// in-process device name, or whatever other kinds the library registers.
#pragma once
#include "checked.hpp"

#include <cstdint>
#include <string>

namespace wdfio::cli {

struct TargetSpec {
    // Path: a name the file kind opens (stat, create, size from the file);
    // Named: another kind IoTarget::open knows (a device name, a URI).
    enum class Kind : std::uint8_t { Path, Named, Ram } kind = Kind::Path;
    std::string text;             // as given
    std::string path;             // Path and Named: the name for IoTarget::open
    std::uint64_t ram_bytes = 0;  // Kind::Ram

    bool is_ram() const noexcept { return kind == Kind::Ram; }
    bool is_path() const noexcept { return kind == Kind::Path; }
};

// "ram:256M" → a RAM disk; a name IoTarget::open claims → Path or Named;
// anything else → bad input, one line listing the accepted forms.
Checked<TargetSpec> parse_target(const std::string& text);

// The forms TARGET may take, for messages: "ram:SIZE (...); a path (...); ...".
std::string accepted_target_forms();

}  // namespace wdfio::cli
