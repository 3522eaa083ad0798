#include "fault_spec.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace wdfio::cli {

namespace {
constexpr const char* kForm =
    "; use fail:SHARE[:STATUS_HEX], delay:SHARE:MICROSECONDS or short:SHARE:FRACTION, e.g. fail:0.1";

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i; (i = text.find(sep, start)) != std::string::npos; start = i + 1)
        parts.push_back(text.substr(start, i - start));
    parts.push_back(text.substr(start));
    return parts;
}

// The whole string as a finite double.
bool parse_double(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(out);
}

bool parse_hex32(std::string s, std::uint32_t& out) {
    if (s.starts_with("0x") || s.starts_with("0X")) s = s.substr(2);
    if (s.empty() || s.size() > 8) return false;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
    return ec == std::errc() && p == s.data() + s.size();
}

bool parse_micros(const std::string& s, std::uint64_t& out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

CommandFailure fault_error(const std::string& text, const std::string& what) {
    return bad_input("--fault '" + text + "': " + what + kForm);
}

// The mode's own argument (parts[2]), into config.
Checked<FaultConfig> apply_argument(const std::string& text, const std::vector<std::string>& parts,
                                    FaultConfig config) {
    const bool has_arg = parts.size() == 3;
    switch (config.mode) {
    case FaultMode::Fail: {
        if (!has_arg) return config;  // STATUS_IO_DEVICE_ERROR
        std::uint32_t value = 0;
        if (!parse_hex32(parts[2], value)) return fault_error(text, "status '" + parts[2] + "' is not hex");
        config.status = Status(static_cast<NTSTATUS>(value));
        if (config.status.ok()) return fault_error(text, "status " + parts[2] + " is a success status");
        return config;
    }
    case FaultMode::Delay: {
        std::uint64_t us = 0;
        if (!has_arg || !parse_micros(parts[2], us) || us == 0)
            return fault_error(text, "delay needs a number of microseconds above 0");
        config.delay = std::chrono::microseconds(us);
        return config;
    }
    case FaultMode::Short: {
        if (!has_arg || !parse_double(parts[2], config.short_fraction) || config.short_fraction < 0 ||
            config.short_fraction >= 1)
            return fault_error(text, "short needs a FRACTION in [0, 1)");
        return config;
    }
    case FaultMode::NeverComplete: break;
    }
    return fault_error(text, "unknown mode");
}
}  // namespace

Checked<FaultConfig> parse_fault(const std::string& text) {
    const auto parts = split(text, ':');
    if (parts.size() < 2 || parts.size() > 3) return fault_error(text, "expected MODE:SHARE[:ARG]");
    FaultConfig config;
    const std::string& mode = parts[0];
    if (mode == "fail") config.mode = FaultMode::Fail;
    else if (mode == "delay") config.mode = FaultMode::Delay;
    else if (mode == "short") config.mode = FaultMode::Short;
    else if (mode == "never")
        return bad_input(
            "--fault never is not allowed in bench: held requests would never let the timed load "
            "finish; use fail, delay or short");
    else return fault_error(text, "unknown mode '" + mode + "'");
    if (!parse_double(parts[1], config.share) || config.share < 0 || config.share > 1)
        return fault_error(text, "SHARE '" + parts[1] + "' must be a number from 0 to 1");
    auto checked = apply_argument(text, parts, config);
    if (!checked.ok()) return checked;
    if (Status s = checked.value().validate(); !s.ok()) return fault_error(text, "FaultConfig refused it");
    return checked;
}

std::string describe_fault(const FaultConfig& c) {
    char buf[160];
    const double pct = c.share * 100;
    switch (c.mode) {
    case FaultMode::Fail: std::snprintf(buf, sizeof buf, "fail %g%% with %s", pct, c.status.to_string().c_str()); break;
    case FaultMode::Delay:
        std::snprintf(buf, sizeof buf, "delay %g%% by %lld us", pct, static_cast<long long>(c.delay.count()));
        break;
    case FaultMode::Short: std::snprintf(buf, sizeof buf, "short %g%% to %g", pct, c.short_fraction); break;
    case FaultMode::NeverComplete: std::snprintf(buf, sizeof buf, "never %g%%", pct); break;
    }
    return buf;
}

}  // namespace wdfio::cli
