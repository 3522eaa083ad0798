// The `wdfio` program: exit statuses, messages and output of `wdfio bench`,
// run as a child process. The program is found through WDFIO_CLI_PATH when the
// build passes it, else beside this test binary (<build>/tools/wdfio/wdfio);
// the tests skip when it was not built.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

std::string cli_path() {
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

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

struct CliRun {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

CliRun run_cli(const std::vector<std::string>& args) {
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

// A short load: the options every bench run below shares.
std::vector<std::string> bench(std::vector<std::string> args) {
    args.insert(args.begin(), "bench");
    for (const char* a : {"--bs", "4k", "--qd", "4", "--time", "0.2"}) args.emplace_back(a);
    return args;
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

TEST_F(CliTest, HelpExitsZero) {
    const CliRun r = run_cli({"bench", "--help"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("--compare-raw"), std::string::npos) << r.output;
}

TEST_F(CliTest, BadInputExitsTwoSayingWhatToFix) {
    struct Case {
        std::vector<std::string> args;
        const char* message;
    };
    const std::string img = file("bad.img");
    const std::vector<Case> cases = {
        {{"bench", "ram:1M", "--rw", "sideways", "--bs", "4k", "--qd", "1", "--time", "1"}, "unknown --rw"},
        {{"bench", "ram:1M", "--rw", "read", "--bs", "0", "--qd", "1", "--time", "1"}, "--bs must be more than 0"},
        {{"bench", img, "--size", "1M", "--rw", "read", "--bs", "1000", "--qd", "1", "--time", "1", "--direct"},
         "multiple of 512"},
        {{"bench", "ram:1M", "--rw", "read", "--bs", "4k", "--qd", "0", "--time", "1"}, "--qd must be"},
        {{"bench", "ram:1M", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "0"}, "--time must be"},
        {{"bench", "nbd://host/disk", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "1"}, "unknown target kind"},
        {{"bench", "ram:0", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "1"}, "ram size must be more than 0"},
        {{"bench", "ram:1M", "--fault", "fail:lots", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "1"},
         "--fault 'fail:lots'"},
        {{"bench", "ram:1M", "--fault", "never:0.1", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "1"},
         "never is not allowed"},
        {{"bench", img, "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "1"}, "give --size"},
        {{"bench", "ram:1M", "--rw", "read", "--bs", "4k", "--time", "1"}, "--qd is required"},
    };
    for (const Case& c : cases) {
        const CliRun r = run_cli(c.args);
        EXPECT_EQ(r.exit_code, 2) << c.args[1] << ": " << r.output;
        EXPECT_NE(r.output.find(c.message), std::string::npos) << "expected '" << c.message << "' in: " << r.output;
    }
    EXPECT_FALSE(std::filesystem::exists(img)) << "bad input must not create the file";
}

TEST_F(CliTest, RamStackWithFiltersPrintsOneJsonObject) {
    const CliRun r = run_cli(bench({"ram:4M", "--filters", "2", "--rw", "randrw", "--threads", "2", "--json"}));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.front(), '{') << r.output;
    EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "one line: " << r.output;
    const auto at = r.output.find("\"iops\":");
    ASSERT_NE(at, std::string::npos) << r.output;
    EXPECT_GT(std::strtod(r.output.c_str() + at + 7, nullptr), 0.0) << r.output;
    EXPECT_NE(r.output.find("\"errors\":0"), std::string::npos) << r.output;
}

TEST_F(CliTest, FailedRequestsExitOneNamingTheStatus) {
    const CliRun r = run_cli(bench({"ram:4M", "--fault", "fail:0.5", "--rw", "randread"}));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("STATUS_IO_DEVICE_ERROR"), std::string::npos) << r.output;
}

TEST_F(CliTest, WritesToDataItDidNotCreateNeedForce) {
    const std::string img = file("w.img");
    CliRun r = run_cli(bench({img, "--size", "1M", "--rw", "randwrite"}));
    ASSERT_EQ(r.exit_code, 0) << "a file the command creates may be written: " << r.output;
    EXPECT_EQ(std::filesystem::file_size(img), 1u << 20);

    r = run_cli(bench({img, "--rw", "write"}));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;

    r = run_cli(bench({img, "--rw", "write", "--force"}));
    EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(CliTest, CompareRawReportsRatio) {
    const std::string img = file("r.img");
    const CliRun r = run_cli(bench({img, "--size", "1M", "--rw", "randread", "--compare-raw", "--json"}));
    if (r.output.find("io_uring_queue_init_params") != std::string::npos) GTEST_SKIP() << "no io_uring here";
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"raw_iops\":"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"ratio\":"), std::string::npos) << r.output;
}

}  // namespace
