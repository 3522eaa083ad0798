// Opens that fail say why (STATUS_OBJECT_NAME_NOT_FOUND, STATUS_ACCESS_DENIED),
// and close releases the file everywhere, the engine's ring included.
#include "support/stream_targets.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <sys/stat.h>

namespace wdfio::test {
namespace {

TEST_F(StreamTargetsTest, OpenMissingPathIsObjectNameNotFound) {
    TempDir dir;
    ASSERT_TRUE(dir.ok());
    const std::string missing = dir.entry("does-not-exist");
    auto t = IoTarget::open(engine, missing);
    EXPECT_FALSE(t.ok());
    EXPECT_STATUS(t.status(), STATUS_OBJECT_NAME_NOT_FOUND);
    auto ro = IoTarget::open(engine, missing, OpenOptions::read_only());
    EXPECT_STATUS(ro.status(), STATUS_OBJECT_NAME_NOT_FOUND);
    struct stat st {};
    EXPECT_NE(::stat(missing.c_str(), &st), 0) << "a failed open without create made the file";
}

TEST_F(StreamTargetsTest, OpenWithoutPermissionIsAccessDenied) {
    if (::geteuid() == 0)
        GTEST_SKIP() << "running as root: permission bits do not stop root, so EACCES cannot be provoked here";
    TempFile file(16);
    ASSERT_EQ(::chmod(file.path().c_str(), 0), 0);
    auto t = IoTarget::open(engine, file.path());
    EXPECT_STATUS(t.status(), STATUS_ACCESS_DENIED);
}

// The engine's ring holds each file target's descriptor as a registered file;
// close must drop that reference too, or the file stays open. A FIFO shows it:
// its reader sees end of file only once every writer is gone.
TEST_F(StreamTargetsTest, CloseReleasesTheFileEverywhere) {
    TempDir dir;
    ASSERT_TRUE(dir.ok());
    const std::string path = dir.entry("fifo");
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
    const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(reader, 0) << std::strerror(errno);
    const std::unique_ptr<const int, void (*)(const int*)> close_reader(&reader, [](const int* fd) { ::close(*fd); });

    auto writer = IoTarget::open(engine, path, OpenOptions::write_only());
    ASSERT_TRUE(writer) << writer.status().to_string();
    std::uint64_t bytes = 0;
    EXPECT_STATUS(send_write_synchronously(*writer, nullptr, memory_with("bye"), {}, 0, {}, &bytes), STATUS_SUCCESS);
    char got[8] = {};
    EXPECT_EQ(::read(reader, got, sizeof got), 3);
    EXPECT_EQ(::read(reader, got, sizeof got), -1);  // a writer is still there: nothing yet, not end of file
    EXPECT_EQ(errno, EAGAIN);

    writer->close();
    EXPECT_EQ(::read(reader, got, sizeof got), 0) << "the closed target's file is still open somewhere";
}

}  // namespace
}  // namespace wdfio::test
