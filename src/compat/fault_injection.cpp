// DDI fault injection: the configuration, and the decision per call.
#include "compat/fault_injection.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace wdfio::compat::fault {

namespace {

// The calls that can fail for want of memory: creations and allocations.
constexpr std::string_view kFailable[] = {
    "WdfObjectCreate",
    "WdfObjectAllocateContext",
    "WdfMemoryCreate",
    "WdfMemoryCreatePreallocated",
    "WdfMemoryCreateFromLookaside",
    "WdfLookasideListCreate",
    "WdfRequestCreate",
    "WdfRequestAllocateTimer",
    "WdfIoTargetCreate",
    "WdfIoTargetOpen",
    "WdfIoQueueCreate",
    "WdfTimerCreate",
    "WdfWorkItemCreate",
    "WdfDpcCreate",
    "WdfSpinLockCreate",
    "WdfWaitLockCreate",
    "WdfCollectionCreate",
    "WdfStringCreate",
    "WdfDeviceCreate",
    "ExAllocatePool2",
    "ExAllocatePoolWithTag",
    "ExAllocatePoolZero",
    "ExAllocatePoolUninitialized",
    "ExAllocatePool",
};

bool failable(std::string_view call) {
    return std::find(std::begin(kFailable), std::end(kFailable), call) != std::end(kFailable);
}

struct Rule {
    std::string name;  // a DDI, or "*"
    enum class Kind { Nth, Every, Rate } kind = Kind::Nth;
    std::uint64_t n = 1;      // Nth, Every
    double rate = 0;          // Rate: a share of 1
    std::uint64_t calls = 0;  // counted so far
};

std::mutex g_mutex;
std::vector<Rule> g_rules;
std::uint64_t g_random = 1;  // xorshift state, seeded by WDFIO_FAULT_SEED
std::atomic<unsigned long long> g_injected{0};

std::uint64_t next_random() {
    g_random ^= g_random << 13;
    g_random ^= g_random >> 7;
    g_random ^= g_random << 17;
    return g_random;
}

bool parse_number(std::string_view s, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && out > 0;
}

// One NAME[:N|:every=K|:rate=P]; false with `why` set if it is not one.
bool parse_rule(std::string_view text, Rule& rule, std::string& why) {
    const auto colon = text.find(':');
    rule.name = std::string(text.substr(0, colon));
    if (rule.name != "*" && !failable(rule.name)) {
        why = "'" + rule.name +
              "' is not a call fault injection can fail (a Wdf*Create, WdfIoTargetOpen, "
              "WdfObjectAllocateContext, ExAllocatePool*, or *)";
        return false;
    }
    if (colon == std::string_view::npos) return true;  // its first call
    std::string_view how = text.substr(colon + 1);
    if (how.starts_with("every=")) {
        rule.kind = Rule::Kind::Every;
        if (parse_number(how.substr(6), rule.n)) return true;
    } else if (how.starts_with("rate=")) {
        rule.kind = Rule::Kind::Rate;
        const std::string p(how.substr(5));
        char* end = nullptr;
        const double percent = std::strtod(p.c_str(), &end);
        rule.rate = percent / 100;
        if (!p.empty() && end == p.c_str() + p.size() && percent > 0 && percent <= 100) return true;
    } else if (parse_number(how, rule.n)) {
        return true;
    }
    why = "'" + std::string(text) + "': after the name comes :N, :every=K or :rate=P (N, K ≥ 1; 0 < P ≤ 100)";
    return false;
}

}  // namespace

namespace detail {
std::atomic<bool> g_armed{false};

bool decide(const char* call) noexcept {
    if (!call || !failable(call)) return false;
    std::lock_guard lock(g_mutex);
    for (Rule& r : g_rules) {
        if (r.name != "*" && r.name != call) continue;
        const std::uint64_t nth = ++r.calls;
        bool fail = false;
        switch (r.kind) {
        case Rule::Kind::Nth: fail = nth == r.n; break;
        case Rule::Kind::Every: fail = nth % r.n == 0; break;
        case Rule::Kind::Rate: fail = static_cast<double>(next_random() >> 11) * 0x1p-53 < r.rate; break;
        }
        if (fail) {
            g_injected.fetch_add(1, std::memory_order_relaxed);
            log(LogLevel::Info, "%s: failed by fault injection (call %llu of it)", call,
                static_cast<unsigned long long>(nth));
            return true;
        }
    }
    return false;
}
}  // namespace detail

Status configure(std::string_view spec) {
    std::vector<Rule> rules;
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
        if (item.empty()) continue;
        Rule rule;
        std::string why;
        if (!parse_rule(item, rule, why)) {
            log(LogLevel::Error, "DDI fault injection: %s", why.c_str());
            return STATUS_INVALID_PARAMETER;
        }
        rules.push_back(std::move(rule));
    }
    std::lock_guard lock(g_mutex);
    g_rules = std::move(rules);
    detail::g_armed.store(!g_rules.empty(), std::memory_order_relaxed);
    return STATUS_SUCCESS;
}

unsigned long long injected() noexcept { return g_injected.load(std::memory_order_relaxed); }

void load_environment() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (const char* seed = std::getenv("WDFIO_FAULT_SEED")) {
            std::lock_guard lock(g_mutex);
            g_random = std::max<std::uint64_t>(1, std::strtoull(seed, nullptr, 0));
        }
        if (const char* spec = std::getenv("WDFIO_FAULT_DDI"); spec && !configure(spec).ok())
            log(LogLevel::Error, "WDFIO_FAULT_DDI is ignored (the line above says why)");
    });
}

}  // namespace wdfio::compat::fault
