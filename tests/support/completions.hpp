// Completions: the tests' one completion recorder. A routine set with arm()
// (or &Completions::routine and the recorder as context) counts its runs and
// keeps what it saw last; given the engine, it also checks where it ran.
#pragma once
#include "support/test_util.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace wdfio::test {

struct Completions {
    Completions() = default;
    // Routines of OS targets run on the engine thread, with one exception the
    // spec makes (wdf-io-semantics.md §3.5, §5.1 step 4): when
    // cancel_sent_request drops the last claim, the routine runs inside that
    // call. A test that cancels stores its thread in `canceller` first.
    explicit Completions(Engine& e) : engine(&e) {}
    Completions(const Completions&) = delete;
    Completions& operator=(const Completions&) = delete;

    static void routine(Request& r, IoTarget&, const CompletionParams& p, void* ctx) {
        static_cast<Completions*>(ctx)->record(r, p);
    }
    void arm(Request& r) { r.set_completion(&Completions::routine, this); }

    bool wait(int n = 1) const { return wait_for_count(count, n); }
    Status status() const { return last.load(); }

    Engine* engine = nullptr;  // set: off_engine_thread and in_canceller are counted
    std::atomic<std::thread::id> canceller{};
    std::atomic<int> count{0};
    std::atomic<NTSTATUS> last{STATUS_PENDING};
    std::atomic<std::uint64_t> information{0};
    std::atomic<std::uint64_t> transfer_length{~0ull};  // read.length / write.length of a read or write
    std::atomic<Memory*> buffer{nullptr};               // read.buffer / write.buffer of a read or write
    std::atomic<std::int64_t> completed_ns{0};          // steady clock, when the routine last ran
    std::atomic<int> off_engine_thread{0};              // neither the engine thread nor the canceller
    std::atomic<int> in_canceller{0};                   // ran inside cancel_sent_request (allowed)
    std::atomic<bool> consistent{true};                 // CompletionParams agreed with the request

private:
    void record(Request& r, const CompletionParams& p) {
        if (engine && !engine->on_engine_thread()) {
            if (std::this_thread::get_id() == canceller.load()) in_canceller.fetch_add(1);
            else off_engine_thread.fetch_add(1);
        }
        if (r.status() != p.status || r.information() != p.information || r.is_outstanding()) consistent = false;
        if (p.type == RequestType::Read || p.type == RequestType::Write) {
            const auto& t = p.type == RequestType::Read ? p.read : p.write;
            if (t.length != p.information) consistent = false;
            transfer_length = t.length;
            buffer = t.buffer;
        }
        last.store(p.status.value());
        information.store(p.information);
        completed_ns.store(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
                .count());
        count.fetch_add(1);  // last: a waiter that sees the count sees the rest
    }
};

// Lets a routine that (wrongly) runs a second time show up before counts are checked.
inline void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }

// The routine ran once, on the engine thread (or inside cancel_sent_request on
// the cancelling thread), with parameters matching the request.
inline void expect_ran_once(const Completions& c) {
    EXPECT_EQ(c.count.load(), 1) << "completion routine runs";
    EXPECT_EQ(c.off_engine_thread.load(), 0)
        << "routine ran on a thread that is neither the engine thread nor the one cancelling the request";
    EXPECT_TRUE(c.consistent.load()) << "CompletionParams disagreed with the request's status/information";
}

}  // namespace wdfio::test
