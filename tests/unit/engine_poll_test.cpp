// OpCode::Poll, the engine's socket-readiness operation, on a socketpair:
// it completes with the ready events once the peer writes (not before), it
// can be cancelled while it waits, a cancel before it starts completes it as
// cancelled, and a descriptor that is not open is an error, not a hang. Runs
// on the backend WDFIO_BACKEND names (ctest runs it on both).
#include "engine/engine_core.hpp"
#include "engine/engine_group.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <thread>

using namespace wdfio;
using namespace wdfio::detail;
using namespace std::chrono_literals;

namespace {

// Operations here have no owner object: nothing to keep alive or cancel by group.
const OwnerOps kNoOwner{
    [](Operation&) noexcept { return false; },
    [](Operation&, std::uint32_t) noexcept {},
    [](Operation&) noexcept {},
    [](Operation&) noexcept {},
};

// One Poll operation and the promise its completion keeps.
struct PollOp {
    Operation op;
    std::promise<std::int64_t> done;
    std::atomic<int> completions{0};

    static void complete(Operation& o, std::int64_t result) noexcept {
        auto& self = reinterpret_cast<PollOp&>(o);  // op is the first member
        self.completions.fetch_add(1);
        self.done.set_value(result);
    }
    static std::int64_t run(Operation&, const WorkerContext&) { return -EINVAL; }  // never: Poll is the engine's
    static constexpr OperationOps kOps{&PollOp::complete, &PollOp::run};

    PollOp(int fd, short events) {
        op.ops = &kOps;
        op.code = OpCode::Poll;
        op.file = fd;
        op.length = static_cast<std::uint32_t>(events);
    }
};

class EnginePoll : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_), 0);
        EngineOptions one;
        one.engines = 1;
        engine_ = std::make_unique<EngineGroup>(one, kNoOwner);
        core_ = &engine_->primary();
    }
    void TearDown() override {
        engine_.reset();
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    int fds_[2] = {-1, -1};
    std::unique_ptr<EngineGroup> engine_;
    EngineCore* core_ = nullptr;
};

TEST_F(EnginePoll, CompletesWithTheReadyEventsOnlyOnceThePeerWrites) {
    PollOp p(fds_[0], POLLIN);
    auto result = p.done.get_future();
    core_->submit(p.op);
    EXPECT_EQ(result.wait_for(50ms), std::future_status::timeout) << "ready before anything was written";
    ASSERT_EQ(::write(fds_[1], "x", 1), 1);
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
    const std::int64_t r = result.get();
    ASSERT_GT(r, 0);
    EXPECT_TRUE(r & POLLIN);
    EXPECT_EQ(p.completions.load(), 1);
}

TEST_F(EnginePoll, WritableSocketCompletesAtOnce) {
    PollOp p(fds_[0], POLLOUT);
    auto result = p.done.get_future();
    core_->submit(p.op);
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(result.get() & POLLOUT);
}

TEST_F(EnginePoll, CancelWhileWaitingCompletesAsCancelledOnce) {
    PollOp p(fds_[0], POLLIN);
    auto result = p.done.get_future();
    core_->submit(p.op);
    EXPECT_EQ(result.wait_for(20ms), std::future_status::timeout);
    p.op.canceled.store(true);
    EXPECT_TRUE(core_->cancel(p.op, false));
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready) << "cancel did not reach the waiting poll";
    EXPECT_EQ(result.get(), -ECANCELED);
    // Data arriving afterwards completes nothing a second time.
    ASSERT_EQ(::write(fds_[1], "x", 1), 1);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(p.completions.load(), 1);
}

TEST_F(EnginePoll, CancelledBeforeItStartsNeverWaits) {
    PollOp p(fds_[0], POLLIN);
    p.op.canceled.store(true);
    auto result = p.done.get_future();
    core_->submit(p.op);
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(result.get(), -ECANCELED);
}

TEST_F(EnginePoll, PeerHangUpIsReported) {
    PollOp p(fds_[0], POLLIN);
    auto result = p.done.get_future();
    core_->submit(p.op);
    ::shutdown(fds_[1], SHUT_RDWR);
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
    const std::int64_t r = result.get();
    ASSERT_GT(r, 0);
    EXPECT_TRUE(r & (POLLHUP | POLLIN | POLLRDHUP)) << r;
}

// Bad input: a descriptor that is not open fails (EBADF, or POLLNVAL from
// poll) rather than waiting forever.
TEST_F(EnginePoll, BadDescriptorCompletesWithAnError) {
    const int closed = ::dup(fds_[0]);
    ASSERT_GE(closed, 0);
    ::close(closed);
    PollOp p(closed, POLLIN);
    auto result = p.done.get_future();
    core_->submit(p.op);
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
    const std::int64_t r = result.get();
    EXPECT_TRUE(r == -EBADF || (r > 0 && (r & POLLNVAL))) << r;
}

}  // namespace
