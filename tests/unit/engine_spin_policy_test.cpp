// SpinPolicy (engine/spin_policy.hpp): spin while the core is ours, sleep at
// once for a while after the thread was made to wait for another.
#include "engine/spin_policy.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <thread>

using wdfio::detail::SpinPolicy;
using namespace std::chrono_literals;

namespace {

TEST(SpinPolicy, ReturnsAsSoonAsReady) {
    SpinPolicy policy;
    int polls = 0;
    EXPECT_TRUE(policy.spin([&] { return ++polls == 3; }, 1'000'000'000));
    EXPECT_EQ(polls, 3);
}

TEST(SpinPolicy, GivesUpAfterItsBudget) {
    SpinPolicy policy;
    int polls = 0;
    EXPECT_FALSE(policy.spin([&] { return ++polls < 0; }, 20'000));
    EXPECT_GT(polls, 1);  // it did poll for a while
}

TEST(SpinPolicy, ZeroBudgetPollsWithoutSpinning) {
    SpinPolicy policy;
    int polls = 0;
    EXPECT_FALSE(policy.spin([&] { return ++polls < 0; }, 0));
    EXPECT_LE(polls, 9);  // one round of polls before the first clock read
}

TEST(SpinPolicy, AGapInTheClockStopsSpinningForAWhile) {
    SpinPolicy policy;
    int polls = 0;
    // The first poll "is descheduled" for 2 ms: the policy sees the gap.
    EXPECT_FALSE(policy.spin(
        [&] {
            if (++polls == 1) std::this_thread::sleep_for(2ms);
            return false;
        },
        1'000'000'000));
    // Backing off: one look, no spinning, even with a long budget.
    polls = 0;
    EXPECT_FALSE(policy.spin([&] { return ++polls < 0; }, 1'000'000'000));
    EXPECT_EQ(polls, 1);
    // It is still answered: ready is ready.
    EXPECT_TRUE(policy.spin([] { return true; }, 1'000'000'000));
}

long involuntary_switches() {
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_nivcsw;
}

TEST(SpinPolicy, SpinsAgainAfterTheBackOff) {
    const long before = involuntary_switches();
    SpinPolicy policy;
    EXPECT_FALSE(policy.spin(
        [] {
            std::this_thread::sleep_for(2ms);
            return false;
        },
        1'000'000'000));
    std::this_thread::sleep_for(50ms);  // longer than the first back-offs (2 ms, then 4)
    int polls = 0;
    policy.spin([&] { return ++polls < 0; }, 20'000);
    // Preempted meanwhile, the policy rightly keeps quiet: that is the other test's case.
    if (involuntary_switches() != before) GTEST_SKIP() << "this thread was preempted: the machine is busy";
    EXPECT_GT(polls, 9);
}

}  // namespace
