// KeQuerySystemTime, KeQuerySystemTimePrecise, KeQueryTickCount,
// KeQueryTimeIncrement, KeQueryPerformanceCounter, KeDelayExecutionThread.
#include "compat/boundary.hpp"
#include "core/blocking.hpp"

#include <wdfio/verifier.hpp>

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <sched.h>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

constexpr LONGLONG kTicksPerSecond = 10'000'000;  // 100 ns units
// 1601-01-01 to 1970-01-01, in seconds: Windows' epoch to Linux's.
constexpr LONGLONG kEpochDifference = 11'644'473'600;
constexpr ULONG kTimeIncrement = 156'250;  // 15.625 ms, Windows' default clock tick

LONGLONG to_100ns(const timespec& t) { return t.tv_sec * kTicksPerSecond + t.tv_nsec / 100; }

LONGLONG clock_100ns(clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return to_100ns(t);
}

LONGLONG system_time() { return clock_100ns(CLOCK_REALTIME) + kEpochDifference * kTicksPerSecond; }

timespec from_100ns(LONGLONG units) {
    return timespec{static_cast<time_t>(units / kTicksPerSecond), static_cast<long>(units % kTicksPerSecond) * 100};
}

}  // namespace

VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime) {
    if (CurrentTime) CurrentTime->QuadPart = system_time();
}

VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime) { KeQuerySystemTime(CurrentTime); }

VOID KeQueryTickCount(PLARGE_INTEGER CurrentCount) {
    if (CurrentCount) CurrentCount->QuadPart = clock_100ns(CLOCK_MONOTONIC) / kTimeIncrement;
}

ULONG KeQueryTimeIncrement(VOID) { return kTimeIncrement; }

LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency) {
    if (PerformanceFrequency) PerformanceFrequency->QuadPart = kTicksPerSecond;
    LARGE_INTEGER now;
    now.QuadPart = clock_100ns(CLOCK_MONOTONIC);
    return now;
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval) {
    constexpr const char* call = "KeDelayExecutionThread";
    (void)Alertable;  // no APCs here: nothing can end the wait early
    return guard(call, [&]() -> Status {
        if (!Interval || (WaitMode != KernelMode && WaitMode != UserMode)) return STATUS_INVALID_PARAMETER;
        if (!detail::may_block_here()) {
            log(LogLevel::Error, "%s: called from a completion routine or the engine thread (it stalls every I/O)",
                call);
            detail::verifier_violation(VerifierCheck::BlockingOnEngineThread, nullptr, call);
            return STATUS_INVALID_DEVICE_REQUEST;
        }
        const LONGLONG interval = Interval->QuadPart;
        if (interval == 0) {
            sched_yield();
            return STATUS_SUCCESS;
        }
        // Relative waits run on the monotonic clock (a clock change must not
        // stretch them); absolute ones on the real-time clock they name.
        clockid_t clock = CLOCK_MONOTONIC;
        LONGLONG deadline = 0;
        if (interval < 0) {
            const LONGLONG wait = interval == INT64_MIN ? INT64_MAX : -interval;
            const LONGLONG now = clock_100ns(CLOCK_MONOTONIC);
            deadline = now > INT64_MAX - wait ? INT64_MAX : now + wait;
        } else {
            clock = CLOCK_REALTIME;
            deadline = interval - kEpochDifference * kTicksPerSecond;
            if (deadline <= clock_100ns(CLOCK_REALTIME)) return STATUS_SUCCESS;
        }
        const timespec until = from_100ns(deadline);
        while (clock_nanosleep(clock, TIMER_ABSTIME, &until, nullptr) == EINTR) {
        }
        return STATUS_SUCCESS;
    });
}
