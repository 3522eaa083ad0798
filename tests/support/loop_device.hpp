// A loop block device over a temporary file (or a given one), attached with
// losetup and detached (a temporary file removed) when it goes out of scope;
// and a small tmpfs, for a disk that fills up.
#pragma once
#include "support/test_util.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace wdfio::test {

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr, trailing blanks trimmed
};

inline CommandResult run_command(const std::string& command) {
    CommandResult result;
    FILE* f = ::popen((command + " 2>&1").c_str(), "r");
    if (!f) {
        result.output = std::string("popen failed: ") + std::strerror(errno);
        return result;
    }
    char buf[512];
    while (std::fgets(buf, sizeof buf, f)) result.output += buf;
    const int status = ::pclose(f);
    result.exit_code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == ' '))
        result.output.pop_back();
    return result;
}

class LoopDevice {
public:
    // Over a fresh temporary file of `size` bytes. On failure path() is empty
    // and why() says what is missing.
    explicit LoopDevice(std::size_t size, unsigned sector_size = 512) : backing_(std::make_unique<TempFile>(size)) {
        attach(backing_->path(), sector_size);
    }
    // Over an existing file (kept when the device goes).
    explicit LoopDevice(const std::string& file, unsigned sector_size = 512) { attach(file, sector_size); }
    ~LoopDevice() {
        if (!path_.empty()) run_command("losetup -d " + path_);
    }
    LoopDevice(const LoopDevice&) = delete;
    LoopDevice& operator=(const LoopDevice&) = delete;
    const std::string& path() const { return path_; }
    const std::string& why() const { return why_; }

private:
    void attach(const std::string& file, unsigned sector_size) {
        const auto r = run_command("losetup --find --show --sector-size " + std::to_string(sector_size) + " " + file);
        if (r.exit_code == 0 && r.output.rfind("/dev/loop", 0) == 0) path_ = r.output;
        else why_ = "losetup failed (needs root, util-linux and the loop driver): " + r.output;
    }

    std::unique_ptr<TempFile> backing_;
    std::string path_;
    std::string why_;
};

// A tmpfs of `bytes` on a fresh directory (needs root): a disk that fills up.
// A file in it cannot grow past it (ENOSPC); a loop device over a larger
// sparse file in it takes buffered writes whose writeback then fails (EIO at
// the flush). Unmounted at scope end.
class SmallTmpfs {
public:
    explicit SmallTmpfs(std::size_t bytes) {
        char tmpl[] = "/tmp/wdfio-small-XXXXXX";
        if (!mkdtemp(tmpl)) {
            why_ = std::string("mkdtemp: ") + std::strerror(errno);
            return;
        }
        dir_ = tmpl;
        const auto r = run_command("mount -t tmpfs -o size=" + std::to_string(bytes) + " wdfio-small " + dir_);
        if (r.exit_code == 0) mounted_ = true;
        else why_ = "cannot mount a tmpfs (needs root): " + r.output;
    }
    ~SmallTmpfs() {
        if (mounted_) run_command("umount -l " + dir_);
        if (!dir_.empty()) ::rmdir(dir_.c_str());
    }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;
    bool mounted() const { return mounted_; }
    const std::string& why() const { return why_; }
    std::string file(const char* name) const { return dir_ + "/" + name; }

private:
    std::string dir_;
    std::string why_;
    bool mounted_ = false;
};

// A loop device of 8 MiB over a sparse file on a 1 MiB tmpfs: buffered
// writes to it succeed into the page cache, and their writeback fails (EIO
// at the flush), as on a full disk. path() is empty when it cannot be made,
// and why() says why.
class LoopOnAFullDisk {
public:
    LoopOnAFullDisk() : fs_(1u << 20) {
        if (!fs_.mounted()) {
            why_ = fs_.why();
            return;
        }
        const std::string backing = fs_.file("disk.img");
        const int fd = ::open(backing.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || ::ftruncate(fd, 8 << 20) != 0) why_ = "cannot make " + backing + ": " + std::strerror(errno);
        if (fd >= 0) ::close(fd);
        if (!why_.empty()) return;
        loop_ = std::make_unique<LoopDevice>(backing);
        why_ = loop_->why();
    }
    std::string path() const { return loop_ ? loop_->path() : std::string(); }
    const std::string& why() const { return why_; }

private:
    SmallTmpfs fs_;
    std::unique_ptr<LoopDevice> loop_;  // before fs_ goes: detached first
    std::string why_;
};

}  // namespace wdfio::test
