// An engine of several engine threads (EngineOptions::engines): where a file
// target's requests go, where their routines run, and that a target's stop,
// close and timeouts reach what every engine thread carries.
#include "support/pipe_target.hpp"

#include "core/request_access.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace wdfio::test {
namespace {

using namespace std::chrono_literals;

// WDFIO_ENGINES set for one test, restored after (the suite may run with it set).
class EnginesVariable {
public:
    explicit EnginesVariable(const char* value) {
        if (const char* old = std::getenv("WDFIO_ENGINES")) old_ = old;
        if (value) ::setenv("WDFIO_ENGINES", value, 1);
        else ::unsetenv("WDFIO_ENGINES");
    }
    ~EnginesVariable() {
        if (old_) ::setenv("WDFIO_ENGINES", old_->c_str(), 1);
        else ::unsetenv("WDFIO_ENGINES");
    }
    EnginesVariable(const EnginesVariable&) = delete;
    EnginesVariable& operator=(const EnginesVariable&) = delete;

private:
    std::optional<std::string> old_;
};

// One per CPU this process may run on: the default.
unsigned cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    EXPECT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    return std::min(static_cast<unsigned>(CPU_COUNT(&set)), 64u);
}

Engine two_engine_threads() {
    EngineOptions options;
    options.engines = 2;
    return Engine(options);
}

// Where each routine ran, and how often it ran for each request.
struct Carriers {
    explicit Carriers(Engine& e) : engine(e) {}
    static void routine(Request& r, IoTarget&, const CompletionParams& p, void* ctx) {
        auto& self = *static_cast<Carriers*>(ctx);
        {
            std::lock_guard lock(self.mutex);
            self.threads.insert(std::this_thread::get_id());
            ++self.runs[&r];
            self.statuses.push_back(p.status.value());
        }
        if (!self.engine.on_engine_thread()) self.off_engine.fetch_add(1);
        self.count.fetch_add(1);
    }
    std::size_t thread_count() {
        std::lock_guard lock(mutex);
        return threads.size();
    }
    bool each_ran_once(std::size_t requests) {
        std::lock_guard lock(mutex);
        if (runs.size() != requests) return false;
        for (const auto& [r, n] : runs)
            if (n != 1) return false;
        return true;
    }
    bool all(NTSTATUS s) {
        std::lock_guard lock(mutex);
        for (NTSTATUS x : statuses)
            if (x != s) return false;
        return true;
    }

    Engine& engine;
    std::mutex mutex;
    std::set<std::thread::id> threads;
    std::map<Request*, int> runs;
    std::vector<NTSTATUS> statuses;
    std::atomic<int> count{0};
    std::atomic<int> off_engine{0};
};

// n reads of t, their routine c's, sent from a thread of their own (its first send).
std::vector<Ref<Request>> send_reads_from_new_thread(IoTarget& t, Carriers& c, int n, const SendOptions& options = {}) {
    std::vector<Ref<Request>> sent;
    std::thread sender([&] {
        for (int i = 0; i < n; ++i) {
            auto r = Request::create(t).value();
            EXPECT_EQ(r->format_read(t, Memory::allocate(64).value(), {}, 0), Status(STATUS_SUCCESS));
            r->set_completion(&Carriers::routine, &c);
            EXPECT_TRUE(r->send(t, options));
            sent.push_back(std::move(r));
        }
    });
    sender.join();
    return sent;
}

TEST(EngineThreads, CountComesFromTheOptionsThenTheEnvironment) {
    {
        EnginesVariable unset(nullptr);
        EXPECT_EQ(Engine().engine_threads(), cpus());
        EngineOptions three;
        three.engines = 3;
        EXPECT_EQ(Engine(three).engine_threads(), 3u);
    }
    EnginesVariable two("2");
    EXPECT_EQ(Engine().engine_threads(), 2u);
    EngineOptions one;
    one.engines = 1;  // the options win over the variable
    EXPECT_EQ(Engine(one).engine_threads(), 1u);
}

TEST(EngineThreads, BadCountsFallBackWithALogLine) {
    std::vector<std::string> warnings;
    set_log_sink([&](LogLevel level, std::string_view m) {
        if (level == LogLevel::Warning) warnings.emplace_back(m);
    });
    for (const char* bad : {"0", "abc", "2x", "65", "-1", "99999999999999999999"}) {
        EnginesVariable v(bad);
        warnings.clear();
        EXPECT_EQ(Engine().engine_threads(), cpus()) << "WDFIO_ENGINES=" << bad;
        ASSERT_EQ(warnings.size(), 1u) << "WDFIO_ENGINES=" << bad;
        EXPECT_NE(warnings[0].find(std::string("WDFIO_ENGINES=") + bad), std::string::npos) << warnings[0];
    }
    warnings.clear();
    EngineOptions many;
    many.engines = 1000;  // more than an engine can have: the most it can
    Engine e(many);
    EXPECT_EQ(e.engine_threads(), 64u);
    set_log_sink(nullptr);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("at most 64"), std::string::npos) << warnings[0];
}

TEST(EngineThreads, SendingThreadsAreDealtRoundTheEngineThreads) {
    Engine engine = two_engine_threads();
    TempFile f(4096);
    auto t = IoTarget::open(engine, f.path()).value();
    Carriers c(engine);
    auto first = send_reads_from_new_thread(*t, c, 4);
    auto second = send_reads_from_new_thread(*t, c, 4);
    ASSERT_TRUE(wait_for_count(c.count, 8));
    EXPECT_EQ(c.thread_count(), 2u) << "two sending threads, two engine threads: one each";
    EXPECT_EQ(c.off_engine.load(), 0);
    EXPECT_TRUE(c.all(STATUS_SUCCESS));
    EXPECT_TRUE(c.each_ran_once(8));
}

// A routine re-sending its request: the next send goes where this one ran.
struct Resender {
    static void routine(Request& r, IoTarget& t, const CompletionParams&, void* ctx) {
        auto& self = *static_cast<Resender*>(ctx);
        {
            std::lock_guard lock(self.mutex);
            self.threads.insert(std::this_thread::get_id());
        }
        if (self.left.fetch_sub(1) > 1) {
            EXPECT_EQ(r.reuse(STATUS_SUCCESS), Status(STATUS_SUCCESS));
            EXPECT_EQ(r.format_read(t, self.buffer, {}, 0), Status(STATUS_SUCCESS));
            r.set_completion(&Resender::routine, ctx);
            if (r.send(t)) return;
        }
        self.done.store(1);
    }
    Ref<Memory> buffer = Memory::allocate(64).value();
    std::mutex mutex;
    std::set<std::thread::id> threads;
    std::atomic<int> left{50};
    std::atomic<int> done{0};
};

TEST(EngineThreads, ARoutineResendingStaysOnItsEngineThread) {
    Engine engine = two_engine_threads();
    TempFile f(4096);
    auto t = IoTarget::open(engine, f.path()).value();
    Resender resender;
    auto r = Request::create(*t).value();
    ASSERT_EQ(r->format_read(*t, resender.buffer, {}, 0), Status(STATUS_SUCCESS));
    r->set_completion(&Resender::routine, &resender);
    ASSERT_TRUE(r->send(*t));
    ASSERT_TRUE(wait_for_count(resender.done, 1));
    EXPECT_EQ(resender.left.load(), 0);
    std::lock_guard lock(resender.mutex);
    EXPECT_EQ(resender.threads.size(), 1u);
}

// A pipe target on an engine of two engine threads, and reads sent to it
// from two threads of their own: one engine thread each.
class EngineThreadsOnAPipe : public ::testing::Test {
protected:
    void send_from_two_threads(int each, const SendOptions& options = {}) {
        for (int i = 0; i < 2; ++i)
            for (auto& r : send_reads_from_new_thread(*pipe.target, c, each, options)) sent.push_back(std::move(r));
    }
    Engine engine = two_engine_threads();
    PipeTarget pipe{engine};
    Carriers c{engine};
    std::vector<Ref<Request>> sent;
};

TEST_F(EngineThreadsOnAPipe, StopCancelsWhatEveryEngineThreadCarries) {
    send_from_two_threads(3);
    EXPECT_EQ(pipe.target->pending(), 6u);
    pipe.target->stop(SentIoAction::Cancel);  // waits for all six
    EXPECT_EQ(c.count.load(), 6);
    EXPECT_TRUE(c.all(STATUS_CANCELLED));
    EXPECT_TRUE(c.each_ran_once(6));
    EXPECT_EQ(c.thread_count(), 2u);
    EXPECT_EQ(settled_pending(*pipe.target), 0u);
    // Started again, it takes sends again.
    ASSERT_EQ(pipe.target->start(), Status(STATUS_SUCCESS));
    auto again = send_reads_from_new_thread(*pipe.target, c, 1);
    pipe.write_bytes("x", 1);
    ASSERT_TRUE(wait_for_count(c.count, 7));
}

TEST_F(EngineThreadsOnAPipe, CloseCancelsWhatEveryEngineThreadCarries) {
    send_from_two_threads(4);
    pipe.target->close();  // returns once every routine has
    EXPECT_EQ(c.count.load(), 8);
    EXPECT_TRUE(c.all(STATUS_CANCELLED));
    EXPECT_TRUE(c.each_ran_once(8));
}

TEST_F(EngineThreadsOnAPipe, TimeoutsFireOnEveryEngineThread) {
    send_from_two_threads(2, SendOptions().timeout_after(20ms));
    ASSERT_TRUE(wait_for_count(c.count, 4));
    EXPECT_TRUE(c.all(STATUS_IO_TIMEOUT));
    EXPECT_TRUE(c.each_ran_once(4));
    EXPECT_EQ(c.thread_count(), 2u);
    EXPECT_EQ(c.off_engine.load(), 0);
}

TEST_F(EngineThreadsOnAPipe, CancelReachesTheEngineThreadThatCarriesTheRequest) {
    send_from_two_threads(1);
    EXPECT_TRUE(sent[1]->cancel_sent_request());
    EXPECT_TRUE(sent[0]->cancel_sent_request());
    ASSERT_TRUE(wait_for_count(c.count, 2));
    EXPECT_TRUE(c.all(STATUS_CANCELLED));
    EXPECT_TRUE(c.each_ran_once(2));
}

TEST(EngineThreads, RegisteredMemoryGoesOutFixedOnEveryEngineThread) {
    Engine engine = two_engine_threads();
    TempFile f(4096);
    ASSERT_EQ(::pwrite(f.fd(), "engine threads", 14, 0), 14);
    auto t = IoTarget::open(engine, f.path()).value();
    auto m = Memory::allocate_registered(engine, 4096).value();
    std::set<unsigned> carriers;
    for (int i = 0; i < 2; ++i) {  // a thread of its own each: one per engine thread
        std::thread sender([&] {
            auto r = Request::create(*t).value();
            std::memset(m->data(), 0, m->size());
            ASSERT_EQ(r->format_read(*t, m, {}, 0), Status(STATUS_SUCCESS));
            ASSERT_TRUE(r->send(*t, SendOptions::synchronous()));
            EXPECT_EQ(r->status(), Status(STATUS_SUCCESS));
            EXPECT_EQ(std::memcmp(m->data(), "engine threads", 14), 0);
            const detail::Operation& op = detail::RequestAccess::op(*r);
            carriers.insert(op.core);
            // The slot is the same in both rings: READ_FIXED on either.
            if (engine.backend() == BackendKind::Uring) {
                EXPECT_NE(op.buffer, detail::Operation::kNoBuffer);
            }
        });
        sender.join();
    }
    EXPECT_EQ(carriers.size(), 2u);
}

}  // namespace
}  // namespace wdfio::test
