// Shared test helpers: temporary files, waiting for completions, data patterns.
#pragma once
#include <wdfio/wdfio.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>

namespace wdfio::test {

// A temporary regular file of `size` bytes, removed at scope end.
class TempFile {
public:
    explicit TempFile(std::size_t size = 0) {
        char tmpl[] = "/tmp/wdfio-test-XXXXXX";
        fd_ = mkstemp(tmpl);
        path_ = tmpl;
        if (size) {
            EXPECT_EQ(ftruncate(fd_, static_cast<off_t>(size)), 0);
        }
    }
    ~TempFile() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    const std::string& path() const { return path_; }
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    std::string path_;
};

// Byte i of a pattern seeded by `seed`: different seeds give different data.
// n bytes of memory, each set to `fill`.
inline Ref<Memory> filled_memory(std::size_t n, int fill = 0) {
    auto m = Memory::allocate(n);
    EXPECT_TRUE(m);
    std::memset(m->data(), fill, n);
    return m.value();
}

inline std::uint8_t pattern_byte(std::uint64_t i, std::uint32_t seed) {
    return static_cast<std::uint8_t>((i * 2654435761u + seed * 97u + (i >> 12)) >> 3);
}
inline void fill_pattern(Memory& m, std::uint32_t seed, std::uint64_t base = 0) {
    auto* p = static_cast<std::uint8_t*>(m.data());
    for (std::size_t i = 0; i < m.size(); ++i) p[i] = pattern_byte(base + i, seed);
}

// A target's pending count once the engine has counted down the finishes of
// routines that already returned (it does so once per pass of its loop):
// waits (bounded, 5 s) for 0, then returns what it sees.
inline std::uint32_t settled_pending(const IoTarget& t) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (t.pending() != 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    return t.pending();
}

// Waits (bounded) until `counter` reaches `want`; false on a 30 s stall.
inline bool wait_for_count(const std::atomic<int>& counter, int want,
                           std::chrono::seconds limit = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (counter.load() < want) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

// Closes a target at scope end (cancelling and waiting for what is still sent):
// declared after the state that completion routines write to, an early ASSERT
// return cannot leave a routine writing to destroyed test state.
struct CloseOnExit {
    explicit CloseOnExit(Ref<IoTarget> t) : target(std::move(t)) {}
    CloseOnExit(const CloseOnExit&) = delete;
    CloseOnExit& operator=(const CloseOnExit&) = delete;
    ~CloseOnExit() {
        if (target) target->close();
    }
    Ref<IoTarget> target;
};

// EXPECT_STATUS(actual, expected): prints both statuses by name on failure.
inline ::testing::AssertionResult StatusIs(const char* actual_expr, const char*, Status actual, Status expected) {
    if (actual == expected) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << actual_expr << " is " << actual.to_string() << ", expected "
                                         << expected.to_string();
}
#define EXPECT_STATUS(actual, expected) EXPECT_PRED_FORMAT2(::wdfio::test::StatusIs, actual, expected)
#define ASSERT_STATUS(actual, expected) ASSERT_PRED_FORMAT2(::wdfio::test::StatusIs, actual, expected)

// Rounds for a stress loop: full_count, capped by WDFIO_STRESS_ITERATIONS
// (tests/CMakeLists.txt sets it in sanitizer builds, which are 5–20× slower).
// Every stress loop asks here, so the one variable bounds them all.
inline int stress_iterations(int full_count) {
    const char* env = std::getenv("WDFIO_STRESS_ITERATIONS");
    if (!env) return full_count;
    const long long asked = std::atoll(env);
    return static_cast<int>(std::max<long long>(1, std::min<long long>(asked, full_count)));
}

// The backend the test binary was asked to use (ctest runs it once per backend).
inline BackendKind expected_backend() {
    const char* env = std::getenv("WDFIO_BACKEND");
    return env && std::string(env) == "threads" ? BackendKind::Threads : BackendKind::Uring;
}

}  // namespace wdfio::test
