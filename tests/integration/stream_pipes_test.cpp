// Pipes as targets: reads wait for data and complete short, the writer's close
// is the end of file, non-blocking descriptors still wait, and writes to a
// full pipe wait for the reader.
#include "support/stream_targets.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace wdfio::test {
namespace {

TEST_F(StreamTargetsTest, PipeReadStaysPendingUntilDataThenCompletesShort) {
    ASSERT_GE(pipe.r, 0);
    ASSERT_NO_FATAL_FAILURE(open_pipe_read());
    std::memset(buf->data(), '#', 4096);

    ASSERT_NO_FATAL_FAILURE(send_pending_read(*target, *request, buf, seen));
    EXPECT_EQ(target->pending(), 1u);

    ASSERT_EQ(::write(pipe.w, "0123456789", 10), 10);
    ASSERT_TRUE(wait_for_count(seen.count, 1)) << "the read did not complete after 10 bytes were written";
    settle();
    expect_ran_once(seen);
    EXPECT_STATUS(seen.status(), STATUS_SUCCESS);
    EXPECT_EQ(seen.information.load(), 10u) << "a stream read completes short with the bytes available";
    EXPECT_EQ(seen.transfer_length.load(), 10u);
    EXPECT_EQ(seen.buffer.load(), buf.get());
    EXPECT_EQ(request->information(), 10u);
    EXPECT_EQ(text_of(*buf, 10), "0123456789");
    EXPECT_EQ(static_cast<const char*>(buf->data())[10], '#') << "bytes past Information were written";
    EXPECT_FALSE(request->is_outstanding());
    EXPECT_EQ(test::settled_pending(*target), 0u);

    // A second read with data already there completes at once, synchronously too.
    ASSERT_EQ(::write(pipe.w, "abc", 3), 3);
    std::uint64_t bytes = 0;
    EXPECT_STATUS(send_read_synchronously(*target, request.get(), buf, {}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, 3u);
    EXPECT_EQ(text_of(*buf, 3), "abc");
    EXPECT_EQ(seen.count.load(), 1) << "the helper must not run the routine of the earlier send";
}

TEST_F(StreamTargetsTest, PipeReadAfterWriterClosedIsEndOfFile) {
    ASSERT_NO_FATAL_FAILURE(open_pipe_read());

    // A read waiting when the (only) writer closes.
    ASSERT_NO_FATAL_FAILURE(send_pending_read(*target, *request, buf, seen));
    pipe.close_write();
    ASSERT_TRUE(wait_for_count(seen.count, 1)) << "the read did not complete when the writer closed";
    settle();
    expect_ran_once(seen);
    EXPECT_STATUS(seen.status(), STATUS_END_OF_FILE);
    EXPECT_EQ(seen.information.load(), 0u);
    EXPECT_STATUS(request->status(), STATUS_END_OF_FILE);
    EXPECT_EQ(request->information(), 0u);

    // A read sent after the writer closed: at once END_OF_FILE.
    std::uint64_t bytes = 99;
    EXPECT_STATUS(send_read_synchronously(*target, nullptr, buf, {}, 0, {}, &bytes), STATUS_END_OF_FILE);
    EXPECT_EQ(bytes, 0u);
}

TEST_F(StreamTargetsTest, PipeDataBeforeWriterCloseIsReadThenEndOfFile) {
    ASSERT_NO_FATAL_FAILURE(open_pipe_read());
    ASSERT_EQ(::write(pipe.w, "last words", 10), 10);
    pipe.close_write();
    std::uint64_t bytes = 0;
    EXPECT_STATUS(send_read_synchronously(*target, nullptr, buf, {}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, 10u);
    EXPECT_EQ(text_of(*buf, 10), "last words");
    bytes = 99;
    EXPECT_STATUS(send_read_synchronously(*target, nullptr, buf, {}, 0, {}, &bytes), STATUS_END_OF_FILE);
    EXPECT_EQ(bytes, 0u);
}

// A descriptor handed over in non-blocking mode (as event-loop code has them):
// the read still waits for data instead of failing with EAGAIN.
TEST_F(StreamTargetsTest, NonBlockingPipeReadStillWaitsForData) {
    ASSERT_EQ(::fcntl(pipe.r, F_SETFL, ::fcntl(pipe.r, F_GETFL) | O_NONBLOCK), 0);
    ASSERT_NO_FATAL_FAILURE(open_pipe_read(256));
    ASSERT_NO_FATAL_FAILURE(send_pending_read(*target, *request, buf, seen));
    ASSERT_EQ(::write(pipe.w, "late", 4), 4);
    ASSERT_TRUE(wait_for_count(seen.count, 1));
    settle();
    expect_ran_once(seen);
    EXPECT_STATUS(seen.status(), STATUS_SUCCESS);
    EXPECT_EQ(seen.information.load(), 4u);
    EXPECT_EQ(text_of(*buf, 4), "late");
}

TEST_F(StreamTargetsTest, PipeWriteTargetThenReadOtherEnd) {
    Pipe p;
    auto t = IoTarget::from_fd(engine, p.w);
    ASSERT_TRUE(t) << t.status().to_string();
    auto out = Memory::allocate(5000).value();
    fill_pattern(*out, 11);
    auto r = Request::create(*t).value();
    Completions seen(engine);
    CloseOnExit guard{*t};

    // Asynchronously (fits in the pipe: completes without a reader).
    ASSERT_STATUS(r->format_write(*t, out, {}, 0), STATUS_SUCCESS);
    ASSERT_TRUE(send_and_settle(*r, *t, seen));
    EXPECT_STATUS(seen.status(), STATUS_SUCCESS);
    EXPECT_EQ(seen.information.load(), 5000u);
    EXPECT_EQ(seen.buffer.load(), out.get());
    const std::string got = read_exactly(p.r, 5000);
    ASSERT_EQ(got.size(), 5000u);
    EXPECT_EQ(std::memcmp(got.data(), out->data(), 5000), 0);

    // Synchronously, through a window of the buffer.
    std::uint64_t bytes = 0;
    EXPECT_STATUS(send_write_synchronously(*t, nullptr, out, MemoryOffset{100, 7}, 0, {}, &bytes), STATUS_SUCCESS);
    EXPECT_EQ(bytes, 7u);
    const std::string got2 = read_exactly(p.r, 7);
    ASSERT_EQ(got2.size(), 7u);
    EXPECT_EQ(std::memcmp(got2.data(), static_cast<const char*>(out->data()) + 100, 7), 0);

    // Closing the target closes its write end: the reader sees the end.
    t->close();
    p.close_write();
    char c;
    EXPECT_EQ(::read(p.r, &c, 1), 0) << "the target's duplicate of the write end is still open after close()";
}

TEST_F(StreamTargetsTest, PipeWriteToFullPipeStaysPendingUntilReaderDrains) {
    Pipe p;
    // Fill the pipe to the brim (non-blocking only while filling: the flag is
    // shared with the duplicate the target will make).
    ASSERT_EQ(::fcntl(p.w, F_SETFL, ::fcntl(p.w, F_GETFL) | O_NONBLOCK), 0);
    std::vector<char> junk(4096, 'j');
    std::size_t filled = 0;
    for (;;) {
        const ssize_t k = ::write(p.w, junk.data(), junk.size());
        if (k <= 0) break;
        filled += static_cast<std::size_t>(k);
    }
    ASSERT_EQ(errno, EAGAIN);
    ASSERT_GT(filled, 0u);
    ASSERT_EQ(::fcntl(p.w, F_SETFL, ::fcntl(p.w, F_GETFL) & ~O_NONBLOCK), 0);

    auto t = IoTarget::from_fd(engine, p.w);
    ASSERT_TRUE(t) << t.status().to_string();
    auto out = Memory::allocate(4096).value();
    fill_pattern(*out, 23);
    auto r = Request::create(*t).value();
    Completions seen(engine);
    CloseOnExit guard{*t};
    ASSERT_STATUS(r->format_write(*t, out, {}, 0), STATUS_SUCCESS);
    seen.arm(*r);
    ASSERT_TRUE(r->send(*t)) << r->status().to_string();
    std::this_thread::sleep_for(kPendingProbe);
    EXPECT_EQ(seen.count.load(), 0) << "a write into a full pipe completed with " << seen.status().to_string();
    EXPECT_TRUE(r->is_outstanding());

    EXPECT_EQ(read_exactly(p.r, filled).size(), filled);
    ASSERT_TRUE(wait_for_count(seen.count, 1)) << "the write did not complete after the pipe was drained";
    settle();
    expect_ran_once(seen);
    EXPECT_STATUS(seen.status(), STATUS_SUCCESS);
    EXPECT_EQ(seen.information.load(), 4096u);
    const std::string got = read_exactly(p.r, 4096);
    ASSERT_EQ(got.size(), 4096u);
    EXPECT_EQ(std::memcmp(got.data(), out->data(), 4096), 0);
}

}  // namespace
}  // namespace wdfio::test
