// The wdfio program's command-line parsers (tools/wdfio/load): TARGET, sizes,
// durations and --fault. Whatever the text, each returns a value or a message,
// never crashes; and what it accepts keeps its promises: a RAM disk's size is
// a positive multiple of 512, a size survives format_size and back, a duration
// is finite and not negative, a fault config passes its own validate().
#include "fault_spec.hpp"
#include "size_arg.hpp"
#include "target_spec.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// A broken promise is a crash: libFuzzer keeps the input that caused it.
void expect(bool ok, const char* what, const std::string& input) {
    if (ok) return;
    std::fprintf(stderr, "cli_args fuzzer: %s (input '%s')\n", what, input.c_str());
    std::abort();
}

void check_size(const std::string& text) {
    const auto size = wdfio::cli::parse_size(text);
    if (!size) return;
    // The plain number parses back to itself, and so does format_size's form with
    // its space removed ("64 KiB" → "64KiB").
    expect(wdfio::cli::parse_size(std::to_string(*size)) == size, "size does not round-trip as digits", text);
    std::string formatted = wdfio::cli::format_size(*size);
    formatted.erase(formatted.find(' '), 1);
    expect(wdfio::cli::parse_size(formatted) == size, "size does not round-trip through format_size", text);
}

void check_duration(const std::string& text) {
    const auto seconds = wdfio::cli::parse_duration(text);
    if (seconds) expect(std::isfinite(*seconds) && *seconds >= 0, "duration not finite or negative", text);
}

void check_target(const std::string& text) {
    auto spec = wdfio::cli::parse_target(text);
    if (!spec.ok()) {
        expect(!spec.failure().message.empty() && spec.failure().exit_code == wdfio::cli::kExitBadInput,
               "TARGET refused without a message or with the wrong exit code", text);
        return;
    }
    const auto& value = spec.value();
    expect(value.text == text, "TARGET text not kept as given", text);
    if (value.is_ram())
        expect(value.ram_bytes > 0 && value.ram_bytes % 512 == 0, "RAM disk size not a positive multiple of 512", text);
    else expect(value.path == text, "TARGET path differs from the text", text);
}

void check_fault(const std::string& text) {
    auto config = wdfio::cli::parse_fault(text);
    if (!config.ok()) {
        expect(!config.failure().message.empty(), "--fault refused without a message", text);
        return;
    }
    expect(config.value().validate().ok(), "--fault accepted a config its filter refuses", text);
    expect(!wdfio::cli::describe_fault(config.value()).empty(), "--fault description empty", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The whole input is one argument, as argv would give it (up to a NUL).
    const std::string text(reinterpret_cast<const char*>(data), strnlen(reinterpret_cast<const char*>(data), size));
    check_size(text);
    check_duration(text);
    check_target(text);
    check_fault(text);
    return 0;
}
