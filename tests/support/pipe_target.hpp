// A pipe whose read end is a target: reads stay pending until the test writes.
#pragma once
#include "support/completions.hpp"
#include "support/test_util.hpp"

#include <fcntl.h>

namespace wdfio::test {

struct PipeTarget {
    explicit PipeTarget(Engine& engine) {
        EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
        target = IoTarget::from_fd(engine, fds[0], "pipe").value();
    }
    ~PipeTarget() {
        if (fds[1] >= 0) ::close(fds[1]);
        ::close(fds[0]);
    }
    void write_bytes(const char* s, std::size_t n) { EXPECT_EQ(::write(fds[1], s, n), static_cast<ssize_t>(n)); }
    void close_writer() {
        ::close(fds[1]);
        fds[1] = -1;
    }
    int fds[2] = {-1, -1};
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
