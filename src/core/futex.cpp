#include "core/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>

namespace wdfio::detail {

void futex_wait(std::atomic<std::uint32_t>& addr, std::uint32_t expected, std::int64_t timeout_ns) noexcept {
    timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&addr), FUTEX_WAIT | FUTEX_PRIVATE_FLAG, expected,
            timeout_ns < 0 ? nullptr : &ts, nullptr, 0);
}

void futex_wake_all(std::atomic<std::uint32_t>& addr) noexcept {
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&addr), FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT32_MAX, nullptr,
            nullptr, 0);
}

}  // namespace wdfio::detail
