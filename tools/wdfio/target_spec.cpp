#include "target_spec.hpp"

#include "size_arg.hpp"

#include <sys/stat.h>

#include <cctype>

namespace wdfio::cli {

namespace {
constexpr std::string_view kRamPrefix = "ram:";
constexpr std::uint64_t kSector = 512;

// "nbd://x", "foo:bar": a word of letters, digits, '+', '-', '.' before a colon,
// and no '/' before it (so "./a:b" and "/tmp/a:b" stay paths).
bool looks_like_kind(const std::string& text, std::string& kind) {
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0) return false;
    for (std::size_t i = 0; i < colon; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return false;
    }
    kind = text.substr(0, colon);
    return true;
}

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
}  // namespace

Checked<TargetSpec> parse_target(const std::string& text) {
    if (text.empty()) return bad_input("TARGET is empty: give a file, a block device or ram:SIZE");
    if (text.starts_with(kRamPrefix)) return parse_ram(text);
    if (text == "ram") return bad_input("ram needs a size: ram:SIZE, e.g. ram:256M");
    struct stat st {};
    std::string kind;
    if (stat(text.c_str(), &st) != 0 && looks_like_kind(text, kind))
        return bad_input("unknown target kind '" + kind + ":': use a file or block-device path, or ram:SIZE");
    TargetSpec spec;
    spec.text = text;
    spec.path = text;
    return spec;
}

}  // namespace wdfio::cli
