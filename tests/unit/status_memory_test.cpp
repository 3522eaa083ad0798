// Status (names, errno table, error_code) and Memory (allocation, windows, references).
#include "support/test_util.hpp"

#include <cerrno>
#include <system_error>

using namespace wdfio;

TEST(Status, NamesAndValues) {
    EXPECT_EQ(Status(STATUS_CANCELLED).to_string(), "STATUS_CANCELLED (0xC0000120)");
    EXPECT_STREQ(Status(STATUS_IO_TIMEOUT).name(), "STATUS_IO_TIMEOUT");
    EXPECT_EQ(Status(0x12345678).name(), nullptr);
    EXPECT_EQ(Status(0x12345678).to_string(), "0x12345678");
    EXPECT_TRUE(Status(STATUS_SUCCESS).ok());
    EXPECT_TRUE(Status(STATUS_PENDING).ok());  // informational severity counts as success
    EXPECT_FALSE(Status(STATUS_END_OF_FILE).ok());
    EXPECT_EQ(static_cast<std::uint32_t>(STATUS_WDF_DEVICE_REMOVED_NOT_SENT), 0xC0200206u);
}

TEST(Status, ErrnoTable) {
    const std::pair<int, NTSTATUS> table[] = {
        {0, STATUS_SUCCESS},
        {EIO, STATUS_IO_DEVICE_ERROR},
        {ENOENT, STATUS_OBJECT_NAME_NOT_FOUND},
        {EACCES, STATUS_ACCESS_DENIED},
        {EPERM, STATUS_ACCESS_DENIED},
        {ENOTTY, STATUS_INVALID_DEVICE_REQUEST},
        {ENOSPC, STATUS_DISK_FULL},
        {EINVAL, STATUS_INVALID_PARAMETER},
        {ENOMEM, STATUS_INSUFFICIENT_RESOURCES},
        {ECANCELED, STATUS_CANCELLED},
        {ETIMEDOUT, STATUS_IO_TIMEOUT},
        {EBADF, STATUS_INVALID_HANDLE},
        {EISDIR, STATUS_FILE_IS_A_DIRECTORY},
        {EROFS, STATUS_MEDIA_WRITE_PROTECTED},
        {ENODEV, STATUS_NO_SUCH_DEVICE},
        {EPIPE, STATUS_PIPE_BROKEN},
        {EOPNOTSUPP, STATUS_NOT_SUPPORTED},
        {EHWPOISON, STATUS_UNSUCCESSFUL},  // not in the table
        {-5, STATUS_UNSUCCESSFUL},         // nonsense input
    };
    for (auto [err, expected] : table) EXPECT_EQ(Status::from_errno(err), Status(expected)) << "errno " << err;
}

TEST(Status, ErrorCode) {
    std::error_code ec = Status(STATUS_ACCESS_DENIED);
    EXPECT_EQ(ec.category().name(), std::string("ntstatus"));
    EXPECT_EQ(ec.value(), STATUS_ACCESS_DENIED);
    EXPECT_NE(ec.message().find("STATUS_ACCESS_DENIED"), std::string::npos);
}

TEST(Result, FailureIsNeverOk) {
    Result<int> bad = Status(STATUS_SUCCESS);  // a Result without a value cannot claim success
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.status(), Status(STATUS_UNSUCCESSFUL));
    Result<int> good = 5;
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 5);
}

TEST(Memory, AllocateRejectsZeroAndAligns) {
    EXPECT_EQ(Memory::allocate(0).status(), Status(STATUS_INVALID_PARAMETER));
    auto m = Memory::allocate(100);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->size(), 100u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(m->data()) % 4096, 0u);
    for (auto b : m->bytes()) EXPECT_EQ(b, std::byte{0});
    EXPECT_EQ(Memory::allocate(SIZE_MAX).status(), Status(STATUS_INSUFFICIENT_RESOURCES));
}

TEST(Memory, WrapValidatesAndReassigns) {
    char a[16], b[32];
    EXPECT_EQ(Memory::wrap(nullptr, 4).status(), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(Memory::wrap(a, 0).status(), Status(STATUS_INVALID_PARAMETER));
    auto m = Memory::wrap(a, sizeof a);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->data(), a);
    EXPECT_EQ(m->assign_buffer(nullptr, 4), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(m->assign_buffer(b, 0), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(m->data(), a);  // failed reassignments change nothing
    EXPECT_EQ(m->assign_buffer(b, sizeof b), Status(STATUS_SUCCESS));
    EXPECT_EQ(m->size(), sizeof b);
    auto owned = Memory::allocate(8);
    EXPECT_EQ(owned->assign_buffer(b, sizeof b), Status(STATUS_INVALID_PARAMETER));
}

TEST(Memory, WindowRules) {
    auto m = Memory::allocate(100).value();
    auto whole = m->window(std::nullopt);
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->size(), 100u);
    EXPECT_EQ(m->window(MemoryOffset{0, 0})->size(), 100u);  // {0,0}: the whole buffer
    EXPECT_EQ(m->window(MemoryOffset{40, 0})->size(), 60u);  // length 0: to the end
    EXPECT_EQ(m->window(MemoryOffset{10, 90})->size(), 90u);
    EXPECT_EQ(m->window(MemoryOffset{100, 0})->size(), 0u);  // at the end, nothing left
    EXPECT_EQ(m->window(MemoryOffset{10, 91}).status(), Status(STATUS_INTEGER_OVERFLOW));
    EXPECT_EQ(m->window(MemoryOffset{101, 0}).status(), Status(STATUS_INTEGER_OVERFLOW));
    EXPECT_EQ(m->window(MemoryOffset{SIZE_MAX, 2}).status(), Status(STATUS_INTEGER_OVERFLOW));
    EXPECT_EQ(m->window(MemoryOffset{2, SIZE_MAX}).status(), Status(STATUS_INTEGER_OVERFLOW));
}
