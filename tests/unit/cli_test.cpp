// The `wdfio` program: exit statuses, messages and output of `wdfio bench`
// and the command line shared by every subcommand, run as a child process
// (support/cli_run.hpp).
#include "support/cli_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using wdfio::test::CliRun;
using wdfio::test::CliTest;
using wdfio::test::run_cli;

// A short load: the options every bench run below shares.
std::vector<std::string> bench(std::vector<std::string> args) {
    args.insert(args.begin(), "bench");
    for (const char* a : {"--bs", "4k", "--qd", "4", "--time", "0.2"}) args.emplace_back(a);
    return args;
}

TEST_F(CliTest, VersionAndUnknownCommandHaveTheirOwnMessages) {
    CliRun r = run_cli({"--version"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.rfind("wdfio ", 0), 0u) << r.output;
    r = run_cli({"frobnicate"});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("'frobnicate' is not a command"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("copy"), std::string::npos) << "lists the commands: " << r.output;
    r = run_cli({});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("give a command"), std::string::npos) << r.output;
}

TEST_F(CliTest, UnknownTargetFormGetsOneLineListingTheForms) {
    for (const char* cmd : {"bench", "copy", "ioctl"}) {
        std::vector<std::string> args = {cmd, "zz://host/disk"};
        if (std::string(cmd) == "bench") args = bench({"zz://host/disk", "--rw", "read"});
        if (std::string(cmd) == "copy") args.push_back(file("out"));
        if (std::string(cmd) == "ioctl") args.emplace_back("BLKGETSIZE64");
        const CliRun r = run_cli(args);
        EXPECT_EQ(r.exit_code, 2) << cmd << ": " << r.output;
        EXPECT_NE(r.output.find("unknown target form 'zz://host/disk'"), std::string::npos) << cmd << ": " << r.output;
        EXPECT_NE(r.output.find("ram:SIZE"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("a path"), std::string::npos) << r.output;
        EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "one line: " << r.output;
    }
    EXPECT_FALSE(std::filesystem::exists(file("out")));
}

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
        {{"bench", "zz://host/disk", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "1"}, "unknown target form"},
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
    EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << "one line: " << r.output;
    const auto j = nlohmann::json::parse(r.output, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not JSON: " << r.output;
    EXPECT_EQ(j.value("rw", ""), "randrw");
    EXPECT_EQ(j.value("bs", 0), 4096);
    EXPECT_EQ(j.value("qd", 0), 4);
    EXPECT_EQ(j.value("threads", 0), 2);
    EXPECT_EQ(j.value("region_bytes", 0), 4 << 20);
    EXPECT_GT(j.value("iops", 0.0), 0.0) << r.output;
    EXPECT_GT(j.value("requests", 0), 0) << r.output;
    EXPECT_EQ(j.value("errors", -1), 0) << r.output;
    EXPECT_TRUE(j["first_failure"].is_null()) << r.output;
    ASSERT_TRUE(j["lat_us"].is_object()) << r.output;
    EXPECT_LE(j["lat_us"].value("p50", -1.0), j["lat_us"].value("p99", -2.0)) << r.output;
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
