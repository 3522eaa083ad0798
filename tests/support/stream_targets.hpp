// Targets that are not plain seekable files (pipes, FIFOs, sockets, character
// devices): the fixture and helpers their tests share.
//
// Stream reads may wait forever, so these tests check that a read stays pending
// (the routine has not run, the request is outstanding) until data or the end
// arrives, that a short read reports exactly the bytes that were there, and that
// cancel and close complete a waiting read exactly once with STATUS_CANCELLED.
#pragma once
#include "support/completions.hpp"
#include "support/pipe_target.hpp"
#include "support/test_util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace wdfio::test {

// How long a read is given to (wrongly) complete before we call it pending. Not
// a timing assertion: a correct library passes however long this is.
inline constexpr auto kPendingProbe = std::chrono::milliseconds(100);

// A temporary directory (for FIFOs and missing paths), removed with its entries.
class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/wdfio-stream-XXXXXX";
        if (::mkdtemp(tmpl)) path_ = tmpl;
    }
    ~TempDir() {
        for (const auto& e : entries_) ::unlink(e.c_str());
        if (!path_.empty()) ::rmdir(path_.c_str());
    }
    bool ok() const { return !path_.empty(); }
    std::string entry(const std::string& name) {
        entries_.push_back(path_ + "/" + name);
        return entries_.back();
    }

private:
    std::string path_;
    std::vector<std::string> entries_;
};

inline Ref<Memory> memory_with(std::string_view text) {
    auto m = Memory::allocate(text.size()).value();
    std::memcpy(m->data(), text.data(), text.size());
    return m;
}
inline std::string text_of(const Memory& m, std::size_t n) {
    return std::string(static_cast<const char*>(m.data()), n);
}

// Reads exactly n bytes from a blocking descriptor (or fewer at its end).
inline std::string read_exactly(int fd, std::size_t n) {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        const ssize_t k = ::read(fd, out.data() + got, n - got);
        if (k <= 0) break;
        got += static_cast<std::size_t>(k);
    }
    out.resize(got);
    return out;
}

// Sends r to t with `seen` as its routine, waits for the completion, lets a
// stray second one show up, and checks the routine ran exactly once.
inline ::testing::AssertionResult send_and_settle(Request& r, IoTarget& t, Completions& seen) {
    seen.arm(r);
    if (!r.send(t)) return ::testing::AssertionFailure() << "send refused: " << r.status().to_string();
    if (!wait_for_count(seen.count, 1)) return ::testing::AssertionFailure() << "the completion routine never ran";
    settle();
    expect_ran_once(seen);
    return ::testing::AssertionSuccess();
}

// Formats a read of `buf` on `target`, arms `seen`, sends it, and checks that it
// is still waiting after the probe interval.
inline void send_pending_read(IoTarget& target, Request& r, const Ref<Memory>& buf, Completions& seen) {
    ASSERT_STATUS(r.format_read(target, buf, {}, 0), STATUS_SUCCESS);
    seen.arm(r);
    ASSERT_TRUE(r.send(target)) << "send refused: " << r.status().to_string();
    std::this_thread::sleep_for(kPendingProbe);
    ASSERT_EQ(seen.count.load(), 0) << "the read completed with " << seen.status().to_string()
                                    << " although no data was written";
    ASSERT_TRUE(r.is_outstanding());
}

// Every stream test has an engine; most read from a pipe, and
// ASSERT_NO_FATAL_FAILURE(open_pipe_read()) sets that up: the pipe's read end
// as `target`, a request and a buffer for it, and `seen` for its routine.
class StreamTargetsTest : public ::testing::Test {
protected:
    void open_pipe_read(std::size_t buffer_size = 4096) {
        auto t = IoTarget::from_fd(engine, pipe.r);
        ASSERT_TRUE(t) << t.status().to_string();
        target = t.value();
        buf = Memory::allocate(buffer_size).value();
        request = Request::create(*target).value();
        guard.emplace(target);
    }

    Engine engine;
    Pipe pipe;
    Ref<IoTarget> target;
    Ref<Memory> buf;
    Ref<Request> request;
    Completions seen{engine};
    std::optional<CloseOnExit> guard;  // last: the target is closed before `seen` goes
};

}  // namespace wdfio::test
