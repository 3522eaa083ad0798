// Bad input for every format, send and helper call: the spec's status, and the
// request stays usable afterwards (format again, send, succeed).
#include "support/completions.hpp"
#include "support/test_util.hpp"

#include <linux/fs.h>
#include <sys/ioctl.h>

using namespace wdfio;
using test::TempFile;

namespace {

class RequestValidation : public ::testing::Test {
protected:
    void SetUp() override {
        Verifier::set_mode(VerifierMode::Report);
        Verifier::reset_count();
        auto t = IoTarget::open(engine, file.path());
        ASSERT_TRUE(t) << t.status().to_string();
        target = t.value();
        buf = Memory::allocate(kSize).value();
        test::fill_pattern(*buf, 1);
        ASSERT_EQ(send_write_synchronously(*target, nullptr, buf, {}, 0), Status(STATUS_SUCCESS));
        req = Request::create(*target).value();
    }
    // The request can still do a real read of the whole file.
    void expect_usable() {
        ASSERT_FALSE(req->is_outstanding());
        auto in = Memory::allocate(kSize).value();
        ASSERT_EQ(req->format_read(*target, in, {}, 0), Status(STATUS_SUCCESS));
        test::Completions calls;
        calls.arm(*req);
        ASSERT_TRUE(req->send(*target, SendOptions::synchronous())) << req->status().to_string();
        EXPECT_EQ(calls.count.load(), 1);
        EXPECT_EQ(req->status(), Status(STATUS_SUCCESS));
        EXPECT_EQ(req->information(), kSize);
        EXPECT_EQ(std::memcmp(in->data(), buf->data(), kSize), 0);
    }

    static constexpr std::size_t kSize = 8192;
    Engine engine;
    TempFile file{kSize};
    Ref<IoTarget> target;
    Ref<Memory> buf;
    Ref<Request> req;
};

}  // namespace

TEST_F(RequestValidation, FormatOffsetsPastTheBuffer) {
    const MemoryOffset bad[] = {{kSize, 1}, {1, kSize}, {kSize + 1, 0}, {SIZE_MAX, 1}};
    for (auto off : bad) {
        EXPECT_EQ(req->format_read(*target, buf, off, 0), Status(STATUS_INTEGER_OVERFLOW));
        EXPECT_EQ(req->format_write(*target, buf, off, 0), Status(STATUS_INTEGER_OVERFLOW));
        EXPECT_EQ(req->format_ioctl(*target, BLKGETSIZE64, buf, off, nullptr, {}), Status(STATUS_INTEGER_OVERFLOW));
        EXPECT_EQ(req->format_ioctl(*target, BLKGETSIZE64, nullptr, {}, buf, off), Status(STATUS_INTEGER_OVERFLOW));
        EXPECT_EQ(req->format_internal_ioctl(*target, 1, buf, off, nullptr, {}), Status(STATUS_INTEGER_OVERFLOW));
        EXPECT_EQ(req->format_internal_ioctl_others(*target, 1, nullptr, {}, buf, off, nullptr, {}),
                  Status(STATUS_INTEGER_OVERFLOW));
    }
    expect_usable();
}

TEST_F(RequestValidation, OperationShowsNothingWhileUnformatted) {
    EXPECT_EQ(req->operation().type, RequestType::NoFormat);
    ASSERT_EQ(req->format_read(*target, buf, MemoryOffset{512, 1024}, 4096), Status(STATUS_SUCCESS));
    EXPECT_EQ(req->operation().type, RequestType::Read);
    EXPECT_EQ(req->operation().data, static_cast<std::byte*>(buf->data()) + 512);
    EXPECT_EQ(req->operation().length, 1024u);
    EXPECT_EQ(req->operation().device_offset, 4096);
    // Bad offsets change nothing (spec §2.1 step 1): the read is still there.
    EXPECT_EQ(req->format_write(*target, buf, MemoryOffset{kSize, 1}, 0), Status(STATUS_INTEGER_OVERFLOW));
    EXPECT_EQ(req->operation().type, RequestType::Read);
    EXPECT_EQ(req->operation().length, 1024u);
    // Reuse and change_target leave nothing behind, nor does a format to the next one.
    ASSERT_EQ(req->format_ioctl(*target, BLKGETSIZE64, nullptr, {}, buf, {}), Status(STATUS_SUCCESS));
    EXPECT_EQ(req->operation().output_length, kSize);
    EXPECT_EQ(req->reuse(), Status(STATUS_SUCCESS));
    EXPECT_EQ(req->operation().type, RequestType::NoFormat);
    EXPECT_EQ(req->operation().output, nullptr);
    // A later read shows none of the ioctl's fields.
    ASSERT_EQ(req->format_read(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_EQ(req->operation().output, nullptr);
    EXPECT_EQ(req->operation().output_length, 0u);
    EXPECT_EQ(req->change_target(*target), Status(STATUS_SUCCESS));
    EXPECT_EQ(req->operation().type, RequestType::NoFormat);
    expect_usable();
}

TEST_F(RequestValidation, OffsetsCheckedBeforeAnythingElse) {
    // A valid format, then a failing one: the offsets failure changes nothing (spec §2.1 step 1).
    ASSERT_EQ(req->format_read(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_EQ(req->format_read(*target, buf, MemoryOffset{kSize, 5}, 0), Status(STATUS_INTEGER_OVERFLOW));
    EXPECT_TRUE(req->is_formatted());
    // Input offsets are checked before output offsets (spec §2.3).
    auto small = Memory::allocate(4).value();
    EXPECT_EQ(req->format_ioctl(*target, 0, buf, MemoryOffset{kSize, 1}, small, MemoryOffset{9, 9}),
              Status(STATUS_INTEGER_OVERFLOW));
}

TEST_F(RequestValidation, InternalIoctlsToAnOsTarget) {
    EXPECT_EQ(req->format_internal_ioctl(*target, 0x1234, nullptr, {}, buf, {}), Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_FALSE(req->is_formatted());
    EXPECT_EQ(req->format_internal_ioctl_others(*target, 0x1234, buf, {}, nullptr, {}, nullptr, {}),
              Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(send_internal_ioctl_synchronously(*target, nullptr, 1, nullptr, {}, buf, {}),
              Status(STATUS_INVALID_DEVICE_REQUEST));
    EXPECT_EQ(send_internal_ioctl_others_synchronously(*target, nullptr, 1, buf, nullptr, nullptr),
              Status(STATUS_INVALID_DEVICE_REQUEST));
    expect_usable();
}

TEST_F(RequestValidation, IoctlBufferSmallerThanTheNumberSays) {
    auto four = Memory::allocate(4).value();
    EXPECT_EQ(req->format_ioctl(*target, BLKGETSIZE64, nullptr, {}, four, {}), Status(STATUS_BUFFER_TOO_SMALL));
    EXPECT_EQ(req->format_ioctl(*target, BLKGETSIZE64, nullptr, {}, buf, MemoryOffset{0, 7}),
              Status(STATUS_BUFFER_TOO_SMALL));
    const std::uint32_t write_8 = _IOW('x', 1, std::uint64_t);
    EXPECT_EQ(req->format_ioctl(*target, write_8, four, {}, nullptr, {}), Status(STATUS_BUFFER_TOO_SMALL));
    EXPECT_EQ(send_ioctl_synchronously(*target, nullptr, BLKGETSIZE64, nullptr, {}, four, {}),
              Status(STATUS_BUFFER_TOO_SMALL));
    // A regular file does not answer a block ioctl: ENOTTY → STATUS_INVALID_DEVICE_REQUEST.
    EXPECT_EQ(send_ioctl_synchronously(*target, nullptr, BLKGETSIZE64, nullptr, {}, buf, {}),
              Status(STATUS_INVALID_DEVICE_REQUEST));
    expect_usable();
}

// Both directions, size 0, an input and no output (found by fuzz/format_fuzzer.cpp):
// nothing to copy into the absent output, so nothing is (memcpy with a null
// destination was undefined behaviour, which the ASan + UBSan build reports);
// the file refuses the number as any other it does not know.
TEST_F(RequestValidation, IoctlBothWaysOfSizeZeroWithoutAnOutput) {
    const std::uint32_t both_ways_0 = _IOC(_IOC_READ | _IOC_WRITE, 0x12, 114, 0);
    ASSERT_EQ(req->format_ioctl(*target, both_ways_0, buf, {}, nullptr, {}), Status(STATUS_SUCCESS));
    test::Completions calls;
    calls.arm(*req);
    ASSERT_TRUE(req->send(*target, SendOptions::synchronous())) << req->status().to_string();
    EXPECT_EQ(calls.count.load(), 1);
    EXPECT_EQ(req->status(), Status(STATUS_INVALID_DEVICE_REQUEST));
    ASSERT_EQ(req->reuse(), Status(STATUS_SUCCESS));
    expect_usable();
}

TEST_F(RequestValidation, NegativeDeviceOffset) {
    EXPECT_EQ(req->format_read(*target, buf, {}, -4096), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(send_write_synchronously(*target, nullptr, buf, {}, -1), Status(STATUS_INVALID_PARAMETER));
    expect_usable();
}

TEST_F(RequestValidation, ClosedTarget) {
    auto other = IoTarget::open(engine, file.path()).value();
    other->close();
    EXPECT_EQ(other->state(), IoTargetState::Closed);
    EXPECT_EQ(Request::create(*other).status(), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(req->format_read(*other, buf, {}, 0), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_FALSE(req->is_formatted());
    EXPECT_EQ(req->change_target(*other), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(send_read_synchronously(*other, nullptr, buf, {}, 0), Status(STATUS_INVALID_DEVICE_STATE));
    expect_usable();
}

TEST_F(RequestValidation, SendAfterTheTargetClosed) {
    auto other = IoTarget::open(engine, file.path()).value();
    ASSERT_EQ(req->format_read(*other, buf, {}, 0), Status(STATUS_SUCCESS));
    other->close();
    test::Completions calls;
    calls.arm(*req);
    EXPECT_FALSE(req->send(*other));
    EXPECT_EQ(req->status(), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(calls.count.load(), 0);
    EXPECT_TRUE(req->has_completion());  // a refused send keeps the routine (spec §3.1)
    expect_usable();
}

TEST_F(RequestValidation, BadSendOptions) {
    ASSERT_EQ(req->format_read(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    const SendOptions bad[] = {
        {0x10000, 0},                                                // UMDF-only flag
        {0x80, 0},                                                   // unknown flag
        {SEND_OPTION_SEND_AND_FORGET | SEND_OPTION_SYNCHRONOUS, 0},  // forget + anything
        {SEND_OPTION_SEND_AND_FORGET | SEND_OPTION_TIMEOUT, -10},
    };
    for (const auto& o : bad) {
        EXPECT_FALSE(req->send(*target, o));
        EXPECT_EQ(req->status(), Status(STATUS_INVALID_PARAMETER));
        EXPECT_EQ(send_read_synchronously(*target, nullptr, buf, {}, 0, o), Status(STATUS_INVALID_PARAMETER));
    }
    EXPECT_TRUE(req->is_formatted());
    // Send-and-forget of a driver-created request (spec §4.2 step 3a).
    EXPECT_FALSE(req->send(*target, SendOptions::send_and_forget()));
    EXPECT_EQ(req->status(), Status(STATUS_INVALID_DEVICE_STATE));
    expect_usable();
}

TEST_F(RequestValidation, SendUnformattedOrToAnotherTarget) {
    EXPECT_FALSE(req->send(*target));
    EXPECT_EQ(req->status(), Status(STATUS_REQUEST_NOT_ACCEPTED));
    auto other = IoTarget::open(engine, file.path()).value();
    ASSERT_EQ(req->format_read(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_FALSE(req->send(*other));
    EXPECT_EQ(req->status(), Status(STATUS_REQUEST_NOT_ACCEPTED));
    EXPECT_EQ(Verifier::violations(), 1u);
    expect_usable();
}

TEST_F(RequestValidation, ReuseFlagsAndStatus) {
    EXPECT_EQ(req->reuse(0x4), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(req->reuse(REUSE_NO_FLAGS, STATUS_UNSUCCESSFUL), Status(STATUS_SUCCESS));
    EXPECT_EQ(req->status(), Status(STATUS_UNSUCCESSFUL));  // spec §1.6: GetStatus after Reuse
    expect_usable();
}

TEST_F(RequestValidation, FormatDropsThePreviousOne) {
    auto m = Memory::allocate(16).value();
    const auto before = m->ref_count();
    ASSERT_EQ(req->format_write(*target, m, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_EQ(m->ref_count(), before + 1);  // the request holds the memory (spec §9)
    EXPECT_EQ(req->completion_params().type, RequestType::Write);
    EXPECT_EQ(req->completion_params().write.buffer, m.get());
    // A failing re-format leaves the request unformatted, not in its old format (spec §2.6).
    EXPECT_EQ(req->format_read(*target, buf, {}, -1), Status(STATUS_INVALID_PARAMETER));
    EXPECT_FALSE(req->is_formatted());
    EXPECT_EQ(m->ref_count(), before);
    EXPECT_EQ(req->completion_params().type, RequestType::NoFormat);
    ASSERT_EQ(req->format_ioctl(*target, 0, m, {}, m, {}), Status(STATUS_SUCCESS));
    EXPECT_EQ(m->ref_count(), before + 2);  // one reference per argument
    EXPECT_EQ(req->reuse(), Status(STATUS_SUCCESS));
    EXPECT_EQ(m->ref_count(), before);
}

TEST_F(RequestValidation, HelperLeavesASuppliedRequestUnformatted) {
    ASSERT_EQ(req->format_write(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    test::Completions calls;
    calls.arm(*req);
    std::uint64_t bytes = 0;
    auto in = Memory::allocate(kSize).value();
    EXPECT_EQ(send_read_synchronously(*target, req.get(), in, {}, 0, {}, &bytes), Status(STATUS_SUCCESS));
    EXPECT_EQ(bytes, kSize);
    EXPECT_EQ(calls.count.load(), 0);  // helpers never call the driver's routine (spec §8.3)
    EXPECT_FALSE(req->has_completion());
    EXPECT_FALSE(req->is_formatted());
    // Even a helper that fails on its options leaves it unformatted.
    ASSERT_EQ(req->format_write(*target, buf, {}, 0), Status(STATUS_SUCCESS));
    EXPECT_EQ(send_read_synchronously(*target, req.get(), in, {}, 0, {0x80, 0}), Status(STATUS_INVALID_PARAMETER));
    EXPECT_FALSE(req->is_formatted());
    expect_usable();
}

TEST_F(RequestValidation, OutstandingRequestIsNotTouched) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    auto pipe_target = IoTarget::from_fd(engine, fds[0]).value();
    auto r = Request::create().value();
    auto small = Memory::allocate(16).value();
    ASSERT_EQ(r->format_read(*pipe_target, small, {}, 0), Status(STATUS_SUCCESS));
    test::Completions calls;
    calls.arm(*r);
    ASSERT_TRUE(r->send(*pipe_target));
    ASSERT_TRUE(r->is_outstanding());

    // Each is refused in report mode (KMDF would bugcheck or corrupt the request).
    EXPECT_EQ(r->format_read(*pipe_target, buf, {}, 0), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(r->change_target(*target), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_EQ(r->reuse(), Status(STATUS_INVALID_DEVICE_STATE));
    EXPECT_FALSE(r->send(*pipe_target));
    std::atomic<int> replaced{0};
    r->set_completion([&replaced](Request&, IoTarget&, const CompletionParams&) { replaced.fetch_add(1); });
    EXPECT_EQ(Verifier::violations(), 5u);
    EXPECT_EQ(r->operation().data, small->data());  // the request in flight still reads into `small`

    ASSERT_EQ(write(fds[1], "hello", 5), 5);
    ASSERT_TRUE(calls.wait());
    EXPECT_EQ(r->status(), Status(STATUS_SUCCESS));
    EXPECT_EQ(r->information(), 5u);
    EXPECT_EQ(std::memcmp(small->data(), "hello", 5), 0);
    EXPECT_EQ(calls.count.load(), 1);
    EXPECT_EQ(replaced.load(), 0) << "the routine of the send in flight ran, not the late one";
    close(fds[0]);
    close(fds[1]);
}

TEST(Open, BadNames) {
    Engine engine;
    EXPECT_EQ(IoTarget::open(engine, "").status(), Status(STATUS_OBJECT_NAME_INVALID));
    EXPECT_EQ(IoTarget::open(engine, "/nonexistent/wdfio/x").status(), Status(STATUS_OBJECT_NAME_NOT_FOUND));
    EXPECT_EQ(IoTarget::open(engine, "/tmp", OpenOptions::read_only()).status(), Status(STATUS_FILE_IS_A_DIRECTORY));
    EXPECT_EQ(IoTarget::open(engine, "/tmp").status(), Status(STATUS_FILE_IS_A_DIRECTORY));
    EXPECT_EQ(IoTarget::open(engine, "/tmp/x", OpenOptions{false, false}).status(), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(IoTarget::from_fd(engine, -1).status(), Status(STATUS_INVALID_HANDLE));
    EXPECT_EQ(IoTarget::from_fd(engine, 1 << 20).status(), Status(STATUS_INVALID_HANDLE));
}

// A name no target kind claims (a URI of a kind this build does not have)
// is STATUS_OBJECT_NAME_INVALID, with one line that lists the accepted forms.
TEST(Open, UnknownFormsListTheAcceptedOnes) {
    Engine engine;
    std::vector<std::string> lines;
    set_log_sink([&lines](LogLevel, std::string_view m) { lines.emplace_back(m); });
    EXPECT_STATUS(IoTarget::open(engine, "zz://host/disk").status(), STATUS_OBJECT_NAME_INVALID);
    EXPECT_STATUS(IoTarget::open(engine, "s3://bucket/key").status(), STATUS_OBJECT_NAME_INVALID);
    set_log_sink(nullptr);
    ASSERT_EQ(lines.size(), 2u);
    for (const auto& line : lines) {
        EXPECT_NE(line.find("a path"), std::string::npos) << line;
        EXPECT_NE(line.find("\\Device\\"), std::string::npos) << line;
    }
    EXPECT_NE(lines[0].find("zz://host/disk"), std::string::npos) << lines[0];
    // Each kind still opens what it claims.
    EXPECT_STATUS(IoTarget::open(engine, "\\Device\\NoSuchDevice").status(), STATUS_OBJECT_NAME_NOT_FOUND);
    TempFile file(512);
    EXPECT_TRUE(IoTarget::open(engine, file.path()).ok());
}

// What a program asks before it opens anything: is a name some kind's, and
// which forms are there (the same list open's warning gives).
TEST(Open, AcceptsNameAnswersWithoutOpening) {
    EXPECT_FALSE(IoTarget::accepts_name(""));
    EXPECT_FALSE(IoTarget::accepts_name("s3://bucket/key"));
    EXPECT_TRUE(IoTarget::accepts_name("/no/such/file"));  // the file kind claims it; opening would fail
    EXPECT_TRUE(IoTarget::accepts_name("\\Device\\NoSuchDevice"));
    const std::string forms = IoTarget::accepted_name_forms();
    EXPECT_NE(forms.find("a path"), std::string::npos) << forms;
    EXPECT_NE(forms.find("\\Device\\"), std::string::npos) << forms;
}

TEST(Engine, BackendFollowsTheEnvironment) {
    Engine engine;
    EXPECT_EQ(engine.backend(), test::expected_backend());
    EXPECT_FALSE(engine.on_engine_thread());
    Engine forced(EngineOptions{BackendKind::Threads});
    EXPECT_EQ(forced.backend(), BackendKind::Threads);
}

// A synchronous helper reports Information after a refused send too: the
// request's current value (spec §8.2 step 7) — what a supplied request last
// completed with, 0 for a private one — and leaves it untouched when the
// format itself failed.
TEST_F(RequestValidation, HelperBytesAfterARefusedSend) {
    std::uint64_t n = 12345;
    ASSERT_STATUS(send_read_synchronously(*target, req.get(), buf, {}, 0, {}, &n), STATUS_SUCCESS);
    ASSERT_EQ(n, kSize);
    target->purge(PurgeIoAction::PurgeAndWait);
    n = 12345;
    EXPECT_STATUS(send_read_synchronously(*target, req.get(), buf, {}, 0, {}, &n), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(n, kSize);  // the supplied request's current Information
    n = 12345;
    EXPECT_STATUS(send_read_synchronously(*target, nullptr, buf, {}, 0, {}, &n), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(n, 0u);  // a fresh request's
    n = 12345;
    EXPECT_STATUS(send_read_synchronously(*target, nullptr, buf, MemoryOffset{kSize + 1, 0}, 0, {}, &n),
                  STATUS_INTEGER_OVERFLOW);
    EXPECT_EQ(n, 12345u);  // the format failed: untouched
    ASSERT_STATUS(target->start(), STATUS_SUCCESS);
    req->reuse();
    expect_usable();
}

// cancel_sent_request is TRUE only when the cancel reached an operation still
// outstanding: not for a request never sent or already done, nor for one whose
// operation has finished while its completion is still on its way.
TEST_F(RequestValidation, CancelReturnsWhetherItReachedSomething) {
    EXPECT_FALSE(req->cancel_sent_request());  // never sent
    ASSERT_STATUS(req->reuse(), STATUS_SUCCESS);
    ASSERT_TRUE(req->format_read(*target, buf, {}, 0).ok());
    ASSERT_TRUE(req->send(*target, SendOptions::synchronous()));
    EXPECT_FALSE(req->cancel_sent_request());  // done
    ASSERT_STATUS(req->reuse(), STATUS_SUCCESS);

    // From a routine on the engine thread: a read of cached data, then its
    // cancel. io_uring holds it until the engine's next submission (the
    // cancel reaches it); the worker-thread backend reads cached data at once
    // and only its completion is still on its way (the cancel reaches nothing).
    auto second = Request::create(*target).value();
    ASSERT_TRUE(second->format_read(*target, Memory::allocate(512).value(), {}, 0).ok());
    test::Completions seconds;
    seconds.arm(*second);
    std::atomic<int> reached{-1};
    ASSERT_TRUE(req->format_read(*target, buf, {}, 0).ok());
    req->set_completion([&](Request&, IoTarget& t, const CompletionParams&) {
        if (second->send(t)) reached.store(second->cancel_sent_request() ? 1 : 0);
    });
    ASSERT_TRUE(req->send(*target));
    ASSERT_TRUE(seconds.wait());
    EXPECT_EQ(reached.load(), engine.backend() == BackendKind::Uring ? 1 : 0);
    EXPECT_EQ(seconds.count.load(), 1);
}
