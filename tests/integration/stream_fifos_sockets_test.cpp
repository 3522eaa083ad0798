// Named FIFOs opened by path and Unix socket pairs: data crosses, a waiting
// read sees the other side's close as the end of file.
#include "support/stream_targets.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>

namespace wdfio::test {
namespace {

TEST_F(StreamTargetsTest, NamedFifoOpenedByPath) {
    TempDir dir;
    ASSERT_TRUE(dir.ok());
    const std::string path = dir.entry("fifo");
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);

    // Opening one direction must not block waiting for the other side.
    auto reader = IoTarget::open(engine, path, OpenOptions::read_only());
    ASSERT_TRUE(reader) << "open " << path << " read-only: " << reader.status().to_string();
    auto writer = IoTarget::open(engine, path, OpenOptions::write_only());
    ASSERT_TRUE(writer) << "open " << path << " write-only: " << writer.status().to_string();
    EXPECT_EQ(reader->name(), path);

    auto buf = Memory::allocate(4096).value();
    auto r = Request::create(*reader).value();
    Completions seen(engine);
    CloseOnExit guard_reader{*reader};
    CloseOnExit guard_writer{*writer};
    ASSERT_NO_FATAL_FAILURE(send_pending_read(*reader, *r, buf, seen));

    const std::string message = "through the fifo";
    std::uint64_t bytes = 0;
    EXPECT_STATUS(send_write_synchronously(*writer, nullptr, memory_with(message), {}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, message.size());
    ASSERT_TRUE(wait_for_count(seen.count, 1));
    settle();
    expect_ran_once(seen);
    EXPECT_STATUS(seen.status(), STATUS_SUCCESS);
    EXPECT_EQ(seen.information.load(), message.size());
    EXPECT_EQ(text_of(*buf, message.size()), message);

    // The only writer closes: a waiting read sees the end.
    ASSERT_STATUS(r->reuse(), STATUS_SUCCESS);
    Completions eof(engine);
    CloseOnExit guard_eof{*reader};
    ASSERT_NO_FATAL_FAILURE(send_pending_read(*reader, *r, buf, eof));
    writer->close();
    ASSERT_TRUE(wait_for_count(eof.count, 1)) << "the FIFO read did not complete when the writer closed";
    settle();
    expect_ran_once(eof);
    EXPECT_STATUS(eof.status(), STATUS_END_OF_FILE);
    EXPECT_EQ(eof.information.load(), 0u);
}

TEST_F(StreamTargetsTest, NamedFifoOpenedReadWriteByDefault) {
    TempDir dir;
    ASSERT_TRUE(dir.ok());
    const std::string path = dir.entry("fifo-rw");
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
    auto t = IoTarget::open(engine, path);  // read-write: no other side needed
    ASSERT_TRUE(t) << t.status().to_string();
    std::uint64_t bytes = 0;
    EXPECT_STATUS(send_write_synchronously(*t, nullptr, memory_with("loop back"), {}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, 9u);
    auto buf = Memory::allocate(64).value();
    bytes = 0;
    EXPECT_STATUS(send_read_synchronously(*t, nullptr, buf, {}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, 9u);
    EXPECT_EQ(text_of(*buf, 9), "loop back");
}

TEST_F(StreamTargetsTest, SocketpairBothDirections) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0) << std::strerror(errno);
    auto a = IoTarget::from_fd(engine, sv[0], "socket-a");
    auto b = IoTarget::from_fd(engine, sv[1], "socket-b");
    ::close(sv[0]);  // the targets hold their own duplicates
    ::close(sv[1]);
    ASSERT_TRUE(a) << a.status().to_string();
    ASSERT_TRUE(b) << b.status().to_string();
    EXPECT_EQ(a->name(), "socket-a");

    auto abuf = Memory::allocate(4096).value();
    auto bbuf = Memory::allocate(4096).value();
    auto ra = Request::create(*a).value();
    auto rb = Request::create(*b).value();
    Completions seen_a(engine), seen_b(engine);
    CloseOnExit guard_a{*a};
    CloseOnExit guard_b{*b};
    // Both ends wait at the same time.
    ASSERT_NO_FATAL_FAILURE(send_pending_read(*a, *ra, abuf, seen_a));
    ASSERT_NO_FATAL_FAILURE(send_pending_read(*b, *rb, bbuf, seen_b));

    const std::string ping = "ping from a";
    std::uint64_t bytes = 0;
    EXPECT_STATUS(send_write_synchronously(*a, nullptr, memory_with(ping), {}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, ping.size());
    ASSERT_TRUE(wait_for_count(seen_b.count, 1));
    EXPECT_STATUS(seen_b.status(), STATUS_SUCCESS);
    EXPECT_EQ(seen_b.information.load(), ping.size());
    EXPECT_EQ(text_of(*bbuf, ping.size()), ping);
    EXPECT_EQ(seen_a.count.load(), 0) << "a's own write completed a's read";

    const std::string pong = "pong from b, a little longer";
    bytes = 0;
    EXPECT_STATUS(send_write_synchronously(*b, nullptr, memory_with(pong), {}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, pong.size());
    ASSERT_TRUE(wait_for_count(seen_a.count, 1));
    settle();
    expect_ran_once(seen_a);
    expect_ran_once(seen_b);
    EXPECT_STATUS(seen_a.status(), STATUS_SUCCESS);
    EXPECT_EQ(seen_a.information.load(), pong.size());
    EXPECT_EQ(text_of(*abuf, pong.size()), pong);

    // b goes away: a reads the end of the stream.
    b->close();
    bytes = 99;
    EXPECT_STATUS(send_read_synchronously(*a, nullptr, abuf, {}, 0, {}, &bytes), STATUS_END_OF_FILE);
    EXPECT_EQ(bytes, 0u);
}

}  // namespace
}  // namespace wdfio::test
