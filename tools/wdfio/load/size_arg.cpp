#include "size_arg.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace wdfio::cli {

namespace {
// The power of 1024 a suffix names (0 for none), or -1 if it is not a suffix.
int suffix_shift(std::string_view s) {
    if (s.empty()) return 0;
    int shift;
    switch (std::tolower(static_cast<unsigned char>(s[0]))) {
    case 'b': return s.size() == 1 ? 0 : -1;
    case 'k': shift = 10; break;
    case 'm': shift = 20; break;
    case 'g': shift = 30; break;
    case 't': shift = 40; break;
    default: return -1;
    }
    s.remove_prefix(1);
    // "K", "KB", "KiB": all powers of 1024.
    if (s.empty() || s == "b" || s == "B" || s == "iB" || s == "ib") return shift;
    return -1;
}
}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
    std::uint64_t value = 0;
    std::size_t i = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
        const std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (i == 0) return std::nullopt;  // no digits (also rejects "-1" and "")
    const int shift = suffix_shift(text.substr(i));
    if (shift < 0) return std::nullopt;
    if (shift > 0 && value > (UINT64_MAX >> shift)) return std::nullopt;
    return value << shift;
}

std::optional<double> parse_duration(std::string_view text) {
    const std::string s(text);
    if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.')) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(s.c_str(), &end);
    const std::string unit(end);
    double scale = 0;
    if (unit.empty() || unit == "s") scale = 1;
    else if (unit == "ms") scale = 1e-3;
    else if (unit == "m" || unit == "min") scale = 60;
    else if (unit == "h") scale = 3600;
    // The product too: "1e308h" is a finite number of hours but not of seconds.
    if (scale == 0 || !std::isfinite(value) || !std::isfinite(value * scale)) return std::nullopt;
    return value * scale;
}

std::string format_size(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"TiB", "GiB", "MiB", "KiB"};
    static constexpr int kShifts[] = {40, 30, 20, 10};
    for (int i = 0; i < 4; ++i) {
        const std::uint64_t unit = std::uint64_t{1} << kShifts[i];
        if (bytes >= unit && bytes % unit == 0) return std::to_string(bytes / unit) + " " + kUnits[i];
    }
    return std::to_string(bytes) + " B";
}

}  // namespace wdfio::cli
