// SendOptions: WDF_REQUEST_SEND_OPTIONS, with a fluent C++ face (spec §4.1).
#pragma once
#include <wdfio/status.hpp>

#include <chrono>
#include <cstdint>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

enum SendFlags : std::uint32_t {
    SEND_OPTION_TIMEOUT = 0x1,
    SEND_OPTION_SYNCHRONOUS = 0x2,
    SEND_OPTION_IGNORE_TARGET_STATE = 0x4,
    SEND_OPTION_SEND_AND_FORGET = 0x8,
};

struct SendOptions {
    std::uint32_t flags = 0;
    // KMDF units: 100 ns ticks, negative = relative, positive = absolute
    // (since 1601-01-01), 0 = none. Meaningful only with SEND_OPTION_TIMEOUT.
    std::int64_t timeout = 0;

    static constexpr SendOptions asynchronous() { return {}; }
    static constexpr SendOptions synchronous() { return {SEND_OPTION_SYNCHRONOUS, 0}; }
    static constexpr SendOptions send_and_forget() { return {SEND_OPTION_SEND_AND_FORGET, 0}; }

    constexpr SendOptions& ignore_target_state() {
        flags |= SEND_OPTION_IGNORE_TARGET_STATE;
        return *this;
    }
    // A relative timeout; zero or negative durations mean "no timeout", as 0 ticks do.
    template <class Rep, class Period>
    constexpr SendOptions& timeout_after(std::chrono::duration<Rep, Period> d) {
        const auto ticks = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count() / 100;
        flags |= SEND_OPTION_TIMEOUT;
        timeout = ticks > 0 ? -ticks : 0;
        return *this;
    }

    // FxValidateRequestOptions: unknown flags, or SEND_AND_FORGET with any
    // other flag → STATUS_INVALID_PARAMETER.
    constexpr Status validate() const {
        constexpr std::uint32_t known = SEND_OPTION_TIMEOUT | SEND_OPTION_SYNCHRONOUS |
                                        SEND_OPTION_IGNORE_TARGET_STATE | SEND_OPTION_SEND_AND_FORGET;
        if (flags & ~known) return STATUS_INVALID_PARAMETER;
        if ((flags & SEND_OPTION_SEND_AND_FORGET) && flags != SEND_OPTION_SEND_AND_FORGET)
            return STATUS_INVALID_PARAMETER;
        return STATUS_SUCCESS;
    }
    constexpr bool has(SendFlags f) const { return (flags & f) != 0; }
};

// KMDF's WDF_REL_TIMEOUT_IN_* helpers.
constexpr std::int64_t rel_timeout_in_sec(std::int64_t s) { return -s * 10'000'000; }
constexpr std::int64_t rel_timeout_in_ms(std::int64_t ms) { return -ms * 10'000; }
constexpr std::int64_t rel_timeout_in_us(std::int64_t us) { return -us * 10; }

}  // namespace wdfio
#pragma GCC visibility pop
