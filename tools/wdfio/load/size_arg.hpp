// Sizes on the command line: plain bytes, or K/M/G/T suffixes in powers of
// 1024; and durations: seconds, or a ms/s/m/h suffix.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wdfio::cli {

// "4096", "4k", "4K", "256M", "1G", "2KiB", "4kb" → bytes; nullopt if it does not
// parse or overflows 64 bits.
std::optional<std::uint64_t> parse_size(std::string_view text);

// "5", "0.3", "10s", "500ms", "2m", "1h" → seconds; nullopt if it does not parse
// or is not finite.
std::optional<double> parse_duration(std::string_view text);

// 65536 → "64 KiB", 1536 → "1536 B": exact when a unit divides it, else bytes.
std::string format_size(std::uint64_t bytes);

}  // namespace wdfio::cli
