// SpinPolicy: spin for what another thread is about to do only while this
// thread seems to have its core to itself.
//
// Spinning saves a wake-up (~27 µs for a sleeping vCPU here), but on a busy
// machine a spinning thread holds the core the other thread needs: the
// hand-over fell to 0.14× raw liburing with one CPU-bound process beside it.
// A thread cannot ask cheaply whether others wait for its core, but it can
// see that it was made to wait for them: an involuntary context switch
// (getrusage, sampled at most once a millisecond) or a gap in the clock in
// the middle of a spin. After either it sleeps at once, without spinning, for
// a while (2 ms, doubling while it keeps happening); sleeping threads that
// are woken preempt a CPU-bound one, so the hand-over keeps moving at
// wake-up speed.
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <ctime>

namespace wdfio::detail {

class SpinPolicy {
public:
    // Polls ready() for up to budget_ns while the core seems free; ready()'s last answer.
    template <class Ready>
    bool spin(Ready&& ready, std::int64_t budget_ns) noexcept {
        std::int64_t last = now_ns();
        if (!may_spin(last)) return ready();
        const std::int64_t end = last + budget_ns;
        for (;;) {
            for (int i = 0; i < kPollsPerClockRead; ++i) {
                if (ready()) return true;
                __builtin_ia32_pause();
            }
            const std::int64_t t = now_ns();
            if (t - last > kDescheduledNs) {  // someone else ran on this core meanwhile
                back_off(t);
                return ready();
            }
            if (t >= end) return ready();
            last = t;
        }
    }

    static std::int64_t now_ns() noexcept {
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    }

private:
    static constexpr int kPollsPerClockRead = 8;            // a clock read (vDSO) costs about one pause
    static constexpr std::int64_t kDescheduledNs = 50'000;  // far above 8 pauses, below a time slice
    // Then it tries spinning again: a kernel thread that preempted it once
    // costs little, a CPU-bound process that keeps doing so doubles the wait.
    static constexpr std::int64_t kMinBackOffNs = 2'000'000;
    static constexpr std::int64_t kMaxBackOffNs = 128'000'000;
    static constexpr std::int64_t kCheckEveryNs = 1'000'000;  // getrusage is a system call

    bool may_spin(std::int64_t now) noexcept {
        if (now - checked_at_ >= kCheckEveryNs) {
            checked_at_ = now;
            rusage ru{};
            if (getrusage(RUSAGE_THREAD, &ru) == 0) {
                if (switches_ >= 0 && ru.ru_nivcsw != switches_) back_off(now);
                else if (now >= quiet_from_) back_off_ns_ = kMinBackOffNs;  // a calm millisecond: forgiven
                switches_ = ru.ru_nivcsw;
            }
        }
        return now >= quiet_from_;
    }

    void back_off(std::int64_t now) noexcept {
        quiet_from_ = now + back_off_ns_;
        back_off_ns_ = std::min(back_off_ns_ * 2, kMaxBackOffNs);
    }

    std::int64_t quiet_from_ = 0;  // no spinning before this time
    std::int64_t back_off_ns_ = kMinBackOffNs;
    std::int64_t checked_at_ = INT64_MIN / 2;
    long switches_ = -1;  // involuntary context switches seen at the last check (-1: none yet)
};

}  // namespace wdfio::detail
