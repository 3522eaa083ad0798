// Futex wait/wake on a 32-bit atomic, with a timeout (std::atomic::wait has none).
#pragma once
#include <atomic>
#include <cstdint>

namespace wdfio::detail {

// Sleeps while *addr == expected, at most timeout_ns (< 0: no limit). Spurious returns happen.
void futex_wait(std::atomic<std::uint32_t>& addr, std::uint32_t expected, std::int64_t timeout_ns) noexcept;
void futex_wake_all(std::atomic<std::uint32_t>& addr) noexcept;

}  // namespace wdfio::detail
