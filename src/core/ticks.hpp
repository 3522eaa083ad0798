// KMDF times: 100-ns ticks, negative = relative, positive = absolute system
// time (100 ns since 1601). Shared by send timeouts, wait locks and timers.
#pragma once
#include <chrono>
#include <cstdint>

namespace wdfio::detail {

// A wait longer than this is "never" in practice; capping it keeps every
// deadline sum (now + wait) far from overflow.
inline constexpr std::int64_t kFarNs = std::int64_t{100} * 365 * 24 * 3600 * 1'000'000'000;

// Ticks → a wait. Saturating: INT64_MIN or thousands of years wait kFarNs, a
// deadline in the past (even the year 1601) waits 0.
inline std::chrono::nanoseconds wait_for_ticks(std::int64_t ticks) {
    constexpr std::int64_t kFarTicks = kFarNs / 100;
    if (ticks < 0) return std::chrono::nanoseconds(ticks < -kFarTicks ? kFarNs : -ticks * 100);
    constexpr std::int64_t kUnixEpochIn1601Ticks = 116444736000000000LL;
    const std::int64_t now_ticks =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count() /
            100 +
        kUnixEpochIn1601Ticks;
    if (ticks <= now_ticks) return std::chrono::nanoseconds(0);
    const std::int64_t left = ticks - now_ticks;  // both non-negative: no overflow
    return std::chrono::nanoseconds(left > kFarTicks ? kFarNs : left * 100);
}

}  // namespace wdfio::detail
