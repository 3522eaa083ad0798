#include "path_target.hpp"

#include "load_plan.hpp"
#include "size_arg.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace wdfio::cli {

namespace {
constexpr std::size_t kFillChunk = 1 << 20;

std::string errno_text(const std::string& what, const std::string& path, int err) {
    return what + " " + path + ": " + std::strerror(err);
}

// Non-zero data, flushed: reads then find real pages, and writeback does not
// run during the measurement.
Checked<bool> fill_file(const std::string& path, std::uint64_t bytes) {
    const bool existed = ::access(path.c_str(), F_OK) == 0;  // an empty file of the user's: emptied again, kept
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    auto undo = [&] {
        if (existed) (void)::truncate(path.c_str(), 0);
        else ::unlink(path.c_str());
    };
    if (fd < 0) return setup_failure(errno_text("cannot create", path, errno));
    std::vector<std::uint64_t> chunk(kFillChunk / sizeof(std::uint64_t));
    Xorshift64 rng{0x9E3779B97F4A7C15ull};
    for (std::uint64_t done = 0; done < bytes;) {
        for (auto& w : chunk) w = rng.next();
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes - done, kFillChunk));
        const ssize_t w = ::pwrite(fd, chunk.data(), n, static_cast<off_t>(done));
        if (w <= 0) {
            // A half-filled file would be taken for data next time (and need
            // --force): it goes.
            const int err = w < 0 ? errno : ENOSPC;
            ::close(fd);
            undo();
            return setup_failure(errno_text("cannot fill", path, err) + " (what was written is removed again)");
        }
        done += static_cast<std::uint64_t>(w);
    }
    const bool synced = fdatasync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!synced) {
        undo();
        return setup_failure(errno_text("cannot flush", path, err) + " (what was written is removed again)");
    }
    std::fprintf(stderr, "wdfio: created %s (%s)\n", path.c_str(), format_size(bytes).c_str());
    return true;
}

Checked<std::uint64_t> block_device_size(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return run_failure(errno_text("cannot open", path, errno));
    std::uint64_t bytes = 0;
    const int rc = ioctl(fd, BLKGETSIZE64, &bytes);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return run_failure(errno_text("cannot get the size of", path, err));
    return bytes;
}

Checked<PathTarget> create_target(const PathRequest& r, const char* why) {
    if (!r.size)
        return bad_input(r.path + " " + why + ": give --size to create it with that much data, e.g. --size 1G");
    if (*r.size == 0) return bad_input("--size must be more than 0");
    auto filled = fill_file(r.path, *r.size);
    if (!filled.ok()) return filled.failure();
    return PathTarget{r.path, false, true, *r.size};
}

// Writes to what this command did not create need --force; checked before
// anything else touches the target.
Checked<bool> check_write_allowed(const PathRequest& r, const char* kind) {
    if (!r.writes || r.force) return true;
    return bad_input(std::string("refusing to write to the ") + kind + " " + r.path +
                     ": it holds data this command did not create; add --force to overwrite it");
}

// An existing regular file or block device of `bytes`: the region.
Checked<PathTarget> existing_target(const PathRequest& r, bool block, std::uint64_t bytes) {
    const char* kind = block ? "block device" : "file";
    if (r.size && *r.size > bytes)
        return bad_input("--size " + format_size(*r.size) + " is larger than the " + kind + " " + r.path + " (" +
                         format_size(bytes) + ")");
    if (r.size && *r.size == 0) return bad_input("--size must be more than 0");
    return PathTarget{r.path, block, false, r.size.value_or(bytes)};
}
}  // namespace

Checked<PathTarget> prepare_path_target(const PathRequest& r) {
    struct stat st {};
    if (stat(r.path.c_str(), &st) != 0) {
        if (errno == ENOENT) return create_target(r, "does not exist");
        return run_failure(errno_text("cannot stat", r.path, errno));
    }
    if (S_ISREG(st.st_mode)) {
        if (st.st_size == 0) return create_target(r, "is empty");
        if (auto allowed = check_write_allowed(r, "file"); !allowed.ok()) return allowed.failure();
        return existing_target(r, false, static_cast<std::uint64_t>(st.st_size));
    }
    if (S_ISBLK(st.st_mode)) {
        if (auto allowed = check_write_allowed(r, "block device"); !allowed.ok()) return allowed.failure();
        auto bytes = block_device_size(r.path);
        if (!bytes.ok()) return bytes.failure();
        return existing_target(r, true, bytes.value());
    }
    return bad_input(r.path + " is not a regular file or a block device: bench needs one of those, or ram:SIZE");
}

FlushOutcome flush_path(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {errno, std::string("cannot open to flush: ") + std::strerror(errno)};
    const int err = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    // EINVAL: a special file that does not synchronise (/dev/zero, a pipe):
    // it holds nothing to flush.
    if (err == 0 || err == EINVAL) return {};
    return {err, std::string("failed: ") + std::strerror(err) + " (writes were lost)"};
}

}  // namespace wdfio::cli
