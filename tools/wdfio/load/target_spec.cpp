#include "target_spec.hpp"

#include "size_arg.hpp"

#include <wdfio/io_target.hpp>

namespace wdfio::cli {

namespace {
constexpr std::string_view kRamPrefix = "ram:";
constexpr std::uint64_t kSector = 512;

Checked<TargetSpec> parse_ram(const std::string& text) {
    const std::string size_text = text.substr(kRamPrefix.size());
    const auto bytes = parse_size(size_text);
    if (!bytes) return bad_input("ram size '" + size_text + "' is not a size: use e.g. ram:256M");
    if (*bytes == 0) return bad_input("ram size must be more than 0: use e.g. ram:256M");
    if (*bytes % kSector != 0) return bad_input("ram size must be a multiple of 512 bytes (the RAM disk's sector)");
    TargetSpec spec;
    spec.kind = TargetSpec::Kind::Ram;
    spec.text = text;
    spec.ram_bytes = *bytes;
    return spec;
}

// The file kind claims every name without "://" that is not a device name;
// the rest belong to the other kinds the library registers.
bool names_a_path(const std::string& text) { return text.find("://") == std::string::npos && text.find('\\') != 0; }
}  // namespace

std::string accepted_target_forms() {
    return "ram:SIZE (an in-process RAM disk, e.g. ram:256M); " + IoTarget::accepted_name_forms();
}

Checked<TargetSpec> parse_target(const std::string& text) {
    if (text.empty()) return bad_input("TARGET is empty: give " + accepted_target_forms());
    if (text.starts_with(kRamPrefix)) return parse_ram(text);
    if (text == "ram") return bad_input("ram needs a size: ram:SIZE, e.g. ram:256M");
    if (!IoTarget::accepts_name(text))
        return bad_input("unknown target form '" + text + "': use " + accepted_target_forms());
    TargetSpec spec;
    spec.kind = names_a_path(text) ? TargetSpec::Kind::Path : TargetSpec::Kind::Named;
    spec.text = text;
    spec.path = text;
    return spec;
}

}  // namespace wdfio::cli
