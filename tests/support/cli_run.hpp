// Running the built `wdfio` program from a test: found through WDFIO_CLI_PATH
// when the build passes it, else beside the test binary
// (<build>/tools/wdfio/wdfio); CliTest skips when it was not built and gives
// each test a temporary directory.
#pragma once
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace wdfio::test {

inline std::string cli_path() {
#ifdef WDFIO_CLI_PATH
    return WDFIO_CLI_PATH;
#else
    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return {};
    self[n] = '\0';
    return (std::filesystem::path(self).parent_path().parent_path() / "tools" / "wdfio" / "wdfio").string();
#endif
}

inline std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

struct CliRun {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

inline CliRun run_cli(const std::vector<std::string>& args) {
    std::string command = shell_quote(cli_path());
    for (const auto& a : args) command += " " + shell_quote(a);
    command += " 2>&1";
    CliRun run;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return run;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) run.output.append(buf, n);
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

class CliTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (access(cli_path().c_str(), X_OK) != 0) GTEST_SKIP() << "wdfio program not built at " << cli_path();
        char tmpl[] = "/tmp/wdfio-cli-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    std::string file(const char* name) const { return dir_ + "/" + name; }

    std::string dir_;
};

// Starts the program with stdout and stderr in `out`, sends SIGINT after
// `after`, and waits up to 10 s for it to end (then kills it): the exit code
// (-1 if killed or still running) and how long it took after the signal.
struct Interrupted {
    int exit_code = -1;
    std::chrono::milliseconds after_signal{0};
};
inline Interrupted run_and_interrupt(const std::vector<std::string>& args, const std::string& out,
                                     std::chrono::milliseconds after) {
    std::vector<std::string> argv_store = {"wdfio"};
    argv_store.insert(argv_store.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_store.size() + 1);
    for (auto& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) return {};
    if (pid == 0) {
        const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(cli_path().c_str(), argv.data());
        _exit(127);
    }
    std::this_thread::sleep_for(after);
    kill(pid, SIGINT);
    const auto t0 = std::chrono::steady_clock::now();
    int status = 0;
    pid_t done = 0;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    Interrupted r;
    r.after_signal = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return r;
    }
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    return r;
}

// The table row of one destination in `wdfio copy`'s report: "NAME  BYTES  MiB/s  ERRORS  NOTE".
inline std::string row_of(const std::string& output, const std::string& name) {
    std::size_t at = 0;
    while ((at = output.find(name + " ", at)) != std::string::npos) {
        if (at == 0 || output[at - 1] == '\n') return output.substr(at, output.find('\n', at) - at);
        ++at;
    }
    return {};
}

}  // namespace wdfio::test
