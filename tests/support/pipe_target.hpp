// Pipes for tests: a pipe's two ends, and a pipe whose read end is a target
// (reads stay pending until the test writes).
#pragma once
#include "support/completions.hpp"
#include "support/test_util.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace wdfio::test {

// Both ends of a pipe, each closed at scope end unless the test closed it.
struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) == 0) {
            r = fds[0];
            w = fds[1];
        }
    }
    ~Pipe() {
        close_read();
        close_write();
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void close_read() {
        if (r >= 0) ::close(r);
        r = -1;
    }
    void close_write() {
        if (w >= 0) ::close(w);
        w = -1;
    }
};

struct PipeTarget {
    explicit PipeTarget(Engine& engine) {
        EXPECT_GE(pipe.r, 0) << "pipe2 failed";
        target = IoTarget::from_fd(engine, pipe.r, "pipe").value();
    }
    void write_bytes(const char* s, std::size_t n) { EXPECT_EQ(::write(pipe.w, s, n), static_cast<ssize_t>(n)); }
    void close_writer() { pipe.close_write(); }
    Pipe pipe;
    Ref<IoTarget> target;
};

// A request formatted to read `size` bytes from t, routine set to c.
inline Ref<Request> read_request(IoTarget& t, Completions& c, std::size_t size = 64) {
    auto r = Request::create(t).value();
    EXPECT_EQ(r->format_read(t, Memory::allocate(size).value(), {}, 0), Status(STATUS_SUCCESS));
    c.arm(*r);
    return r;
}

}  // namespace wdfio::test
