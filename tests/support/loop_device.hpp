// A loop block device over a temporary file, attached with losetup and
// detached (and the file removed) when it goes out of scope.
#pragma once
#include "support/test_util.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
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
    // On failure path() is empty and why() says what is missing.
    explicit LoopDevice(std::size_t size, unsigned sector_size = 512) : backing_(size) {
        const auto r =
            run_command("losetup --find --show --sector-size " + std::to_string(sector_size) + " " + backing_.path());
        if (r.exit_code == 0 && r.output.rfind("/dev/loop", 0) == 0) path_ = r.output;
        else why_ = "losetup failed (needs root, util-linux and the loop driver): " + r.output;
    }
    ~LoopDevice() {
        if (!path_.empty()) run_command("losetup -d " + path_);
    }
    const std::string& path() const { return path_; }
    const std::string& why() const { return why_; }

private:
    TempFile backing_;
    std::string path_;
    std::string why_;
};

}  // namespace wdfio::test
