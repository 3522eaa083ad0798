// Running the built `wdfio` program from a test: found through WDFIO_CLI_PATH
// when the build passes it, else beside the test binary
// (<build>/tools/wdfio/wdfio); CliTest skips when it was not built and gives
// each test a temporary directory.
#pragma once
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
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

}  // namespace wdfio::test
