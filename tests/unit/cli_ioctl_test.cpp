// `wdfio ioctl`, run as a child process: BLKGETSIZE64 on a real loop device
// equals blockdev's answer, a RAM disk answers through the framework, raw
// numbers are decoded, and bad input is refused with exit 2.
#include "support/cli_run.hpp"
#include "support/loop_device.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <linux/fs.h>

#include <string>

namespace {

using wdfio::test::CliRun;
using wdfio::test::run_cli;

class CliLoopTest : public wdfio::test::CliTest {};
class CliIoctlTest : public wdfio::test::CliTest {};

TEST_F(CliLoopTest, Blkgetsize64EqualsBlockdev) {
    wdfio::test::LoopDevice loop(3u << 20);
    if (loop.path().empty()) GTEST_SKIP() << loop.why();
    const auto expected = wdfio::test::run_command("blockdev --getsize64 " + loop.path());
    ASSERT_EQ(expected.exit_code, 0) << expected.output;
    const CliRun r = run_cli({"ioctl", loop.path(), "BLKGETSIZE64", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.output;
    EXPECT_EQ(std::to_string(j.value("value", 0ull)), expected.output);
    EXPECT_EQ(j.value("information", 0), 8);
    EXPECT_EQ(j["ioc"].value("dir", ""), "read");

    const CliRun text = run_cli({"ioctl", loop.path(), "BLKSSZGET"});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("value        512 (logical block size"), std::string::npos) << text.output;
}

TEST_F(CliIoctlTest, RamDiskAnswersAndRawNumbersAreDecoded) {
    CliRun r = run_cli({"ioctl", "ram:2M", "BLKGETSIZE64", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_EQ(j.value("value", 0), 2 << 20) << r.output;

    // The same request by number: _IOR(0x12, 114, size_t).
    r = run_cli({"ioctl", "ram:2M", std::to_string(BLKGETSIZE64), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    j = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_EQ(j["ioc"].value("type", 0), 0x12);
    EXPECT_EQ(j["ioc"].value("nr", 0), 114);
    EXPECT_EQ(j["ioc"].value("size", 0), 8);
    EXPECT_EQ(j.value("output_hex", ""), "00 00 20 00 00 00 00 00");

    // One the RAM disk does not know: the status, exit 1.
    r = run_cli({"ioctl", "ram:2M", "BLKPBSZGET"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("STATUS_INVALID_DEVICE_REQUEST"), std::string::npos) << r.output;
}

TEST_F(CliIoctlTest, BadInputExitsTwo) {
    const std::string img = file("x.img");
    struct Case {
        std::vector<std::string> args;
        const char* message;
    };
    const std::vector<Case> cases = {
        {{"ioctl", "ram:1M", "BLKFROB"}, "neither a known ioctl"},
        {{"ioctl", "ram:1M", "-5"}, "neither a known ioctl"},
        {{"ioctl", "ram:1M", "0x123456789"}, "neither a known ioctl"},
        {{"ioctl", "ram:1M", "BLKDISCARD"}, "--range OFF:LEN"},
        {{"ioctl", "ram:1M", "BLKDISCARD", "--range", "0:0"}, "--range OFF:LEN"},
        {{"ioctl", "ram:1M", "0x1272", "--in", "abc"}, "odd number of hex digits"},
        {{"ioctl", "ram:1M", "0x1272", "--in", "zz"}, "not hex bytes"},
        {{"ioctl", "ram:1M", "BLKGETSIZE64", "--out-size", "4"}, "at least 8"},
        {{"ioctl", img, "BLKGETSIZE64"}, "cannot open"},
    };
    for (const Case& c : cases) {
        const CliRun r = run_cli(c.args);
        EXPECT_EQ(r.exit_code, 2) << c.args[2] << ": " << r.output;
        EXPECT_NE(r.output.find(c.message), std::string::npos) << "expected '" << c.message << "' in: " << r.output;
    }
    EXPECT_FALSE(std::filesystem::exists(img));
}

}  // namespace
