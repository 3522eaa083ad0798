// co_await async_send: resumes with the completion params; stop tokens and
// destroying a suspended coroutine cancel the request.
#include "support/pipe_target.hpp"

#include <wdfio/awaitable.hpp>

#include <coroutine>
#include <optional>

using namespace wdfio;
using namespace std::chrono_literals;

namespace {

// The smallest task a test needs: starts at once, owned by the caller, which
// may destroy it while it is suspended.
struct Task {
    struct promise_type {
        std::atomic<bool> finished{false};  // set once suspended at the end: safe to destroy
        Task get_return_object() { return Task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        auto final_suspend() noexcept {
            struct Final {
                bool await_ready() noexcept { return false; }
                void await_suspend(std::coroutine_handle<promise_type> h) noexcept { h.promise().finished.store(true); }
                void await_resume() noexcept {}
            };
            return Final{};
        }
        void return_void() {}
        void unhandled_exception() { std::terminate(); }
    };
    explicit Task(std::coroutine_handle<promise_type> h) : handle(h) {}
    Task(Task&& o) noexcept : handle(std::exchange(o.handle, {})) {}
    ~Task() {
        if (handle) handle.destroy();
    }
    // Waits (bounded) until the coroutine has run to its end, wherever it resumed.
    bool wait_finished() const {
        for (int i = 0; i < 30000 && !handle.promise().finished.load(); ++i)
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        return handle.promise().finished.load();
    }
    std::coroutine_handle<promise_type> handle;
};

struct Outcome {
    std::atomic<int> resumed{0};
    CompletionParams params;
};

Task read_once(Request& r, IoTarget& t, Outcome& out, SendOptions o = {}, std::stop_token token = {}) {
    out.params = co_await async_send(r, t, o, token);
    out.resumed.fetch_add(1);
}

class Coroutines : public ::testing::Test {
protected:
    void SetUp() override { Verifier::set_mode(VerifierMode::Report); }
    Engine engine;
    test::PipeTarget pipe{engine};
};

}  // namespace

TEST_F(Coroutines, ResumesWithTheCompletionParams) {
    auto r = Request::create(*pipe.target).value();
    auto buf = Memory::allocate(32).value();
    ASSERT_EQ(r->format_read(*pipe.target, buf, {}, 0), Status(STATUS_SUCCESS));
    Outcome out;
    Task task = read_once(*r, *pipe.target, out);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(out.resumed.load(), 0);  // suspended while the read is pending
    pipe.write_bytes("coroutine", 9);
    ASSERT_TRUE(task.wait_finished());
    EXPECT_EQ(out.resumed.load(), 1);
    EXPECT_EQ(out.params.status, Status(STATUS_SUCCESS));
    EXPECT_EQ(out.params.type, RequestType::Read);
    EXPECT_EQ(out.params.read.length, 9u);
    EXPECT_EQ(std::memcmp(buf->data(), "coroutine", 9), 0);
}

TEST_F(Coroutines, InlineCompletionAndRefusal) {
    test::TempFile file(4096);
    auto t = IoTarget::open(engine, file.path()).value();
    auto r = Request::create(*t).value();
    ASSERT_EQ(r->format_read(*t, Memory::allocate(4096).value(), {}, 0), Status(STATUS_SUCCESS));
    Outcome out;
    {
        Task task = read_once(*r, *t, out);
        ASSERT_TRUE(task.wait_finished());
    }
    EXPECT_EQ(out.params.status, Status(STATUS_SUCCESS));

    Outcome refused;  // reuse dropped the format: the send is refused
    ASSERT_EQ(r->reuse(), Status(STATUS_SUCCESS));
    { Task task = read_once(*r, *t, refused); }
    EXPECT_EQ(refused.resumed.load(), 1);
    EXPECT_EQ(refused.params.status, Status(STATUS_REQUEST_NOT_ACCEPTED));

    Outcome bad;
    ASSERT_EQ(r->format_read(*t, Memory::allocate(8).value(), {}, 0), Status(STATUS_SUCCESS));
    { Task task = read_once(*r, *t, bad, SendOptions::synchronous()); }
    EXPECT_EQ(bad.params.status, Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(test::settled_pending(*t), 0u);
}

TEST_F(Coroutines, StopTokenCancels) {
    auto r = Request::create(*pipe.target).value();
    ASSERT_EQ(r->format_read(*pipe.target, Memory::allocate(8).value(), {}, 0), Status(STATUS_SUCCESS));
    std::stop_source stop;
    Outcome out;
    Task task = read_once(*r, *pipe.target, out, {}, stop.get_token());
    std::this_thread::sleep_for(10ms);
    EXPECT_EQ(out.resumed.load(), 0);
    stop.request_stop();
    ASSERT_TRUE(task.wait_finished());
    EXPECT_EQ(out.params.status, Status(STATUS_CANCELLED));

    // A stop before the await: the sticky cancel refuses the send.
    std::stop_source early;
    early.request_stop();
    ASSERT_EQ(r->reuse(), Status(STATUS_SUCCESS));
    ASSERT_EQ(r->format_read(*pipe.target, Memory::allocate(8).value(), {}, 0), Status(STATUS_SUCCESS));
    Outcome refused;
    Task t2 = read_once(*r, *pipe.target, refused, {}, early.get_token());
    EXPECT_EQ(refused.resumed.load(), 1);
    EXPECT_EQ(refused.params.status, Status(STATUS_CANCELLED));
}

TEST_F(Coroutines, DestroyingTheSuspendedCoroutineCancels) {
    auto r = Request::create(*pipe.target).value();
    ASSERT_EQ(r->format_read(*pipe.target, Memory::allocate(8).value(), {}, 0), Status(STATUS_SUCCESS));
    Outcome out;
    {
        Task task = read_once(*r, *pipe.target, out);
        std::this_thread::sleep_for(10ms);
        EXPECT_TRUE(r->is_outstanding());
    }  // the frame goes: the read is cancelled, the frame never resumed
    // pending() drops after the completion routine returned: the status is final then.
    for (int i = 0; i < 5000 && pipe.target->pending() != 0; ++i) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(test::settled_pending(*pipe.target), 0u);
    EXPECT_FALSE(r->is_outstanding());
    EXPECT_EQ(r->status(), Status(STATUS_CANCELLED));
    EXPECT_EQ(out.resumed.load(), 0);
}
