// `wdfio copy`, run as a child process: a copy to three destinations equal to
// the source, --verify catching a destination that does not hold what was
// written, failing destinations under both fail policies, a full disk and a
// flush that fails, Ctrl-C in the middle, and every bad input refused with
// exit 2 before anything is written.
#include "support/cli_run.hpp"
#include "support/loop_device.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using wdfio::test::CliRun;
using wdfio::test::row_of;
using wdfio::test::run_cli;

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_random(const std::string& path, std::size_t bytes, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::string data(bytes, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    std::ofstream(path, std::ios::binary) << data;
}

// FNV-1a: a checksum of a file's contents.
std::uint64_t checksum(const std::string& data) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char c : data) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

class CliCopyTest : public wdfio::test::CliTest {};

TEST_F(CliCopyTest, ThreeDestinationsEqualTheSourceByChecksum) {
    const std::string src = file("src.bin"), a = file("a.bin"), b = file("b.bin");
    const std::size_t size = (5u << 20) + 1234;  // a short last block
    write_random(src, size, 1);
    write_random(b, 8u << 20, 2);  // longer than the source: cut to its size
    const CliRun r = run_cli({"copy", src, a, b, "ram:8M", "--bs", "256k", "--qd", "4", "--verify"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::uint64_t want = checksum(read_all(src));
    EXPECT_EQ(checksum(read_all(a)), want);
    EXPECT_EQ(checksum(read_all(b)), want);
    EXPECT_EQ(std::filesystem::file_size(b), size) << "nothing past the source's size";
    for (const std::string& d : {a, b, std::string("ram:8M")}) {
        const std::string row = row_of(r.output, d);
        ASSERT_FALSE(row.empty()) << d << " missing from: " << r.output;
        EXPECT_NE(row.find(" " + std::to_string(size) + " "), std::string::npos) << row;
        EXPECT_NE(row.find(" ok"), std::string::npos) << "verified: " << row;
    }
    EXPECT_EQ(r.output.find('\r'), std::string::npos) << "no progress line when stderr is not a terminal";
}

TEST_F(CliCopyTest, VerifyCatchesADestinationThatLostTheData) {
    // /dev/zero takes every write and gives zeros back: what a device that
    // drops writes looks like to the read-back.
    const std::string src = file("src.bin"), good = file("good.bin");
    write_random(src, 1u << 20, 3);
    const CliRun r = run_cli({"copy", src, good, "/dev/zero", "--bs", "64k", "--verify"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(row_of(r.output, good).find(" ok"), std::string::npos) << r.output;
    const std::string bad = row_of(r.output, "/dev/zero");
    EXPECT_NE(bad.find("differs in the block at offset 0"), std::string::npos) << r.output;
    EXPECT_EQ(checksum(read_all(good)), checksum(read_all(src)));

    const CliRun plain = run_cli({"copy", src, file("again.bin"), "/dev/zero", "--bs", "64k"});
    EXPECT_EQ(plain.exit_code, 0) << "without --verify the loss goes unseen: " << plain.output;
}

TEST_F(CliCopyTest, FailingDestinationContinueKeepsTheOthersAbortStops) {
    const std::string src = file("src.bin");
    write_random(src, 2u << 20, 4);
    // Every write to the RAM disk's fault filter fails.
    CliRun r = run_cli({"copy", src, file("c.bin"), "ram:4M", "--fault", "fail:1", "--bs", "64k"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(row_of(r.output, "ram:4M").find("STATUS_IO_DEVICE_ERROR"), std::string::npos) << r.output;
    EXPECT_EQ(checksum(read_all(file("c.bin"))), checksum(read_all(src))) << "continue: the file is complete";

    r = run_cli({"copy", src, file("d.bin"), "ram:4M", "--fault", "fail:1", "--bs", "64k", "--qd", "1", "--fail-policy",
                 "abort"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    const std::string row = row_of(r.output, file("d.bin"));
    ASSERT_FALSE(row.empty()) << r.output;
    EXPECT_EQ(row.find(" 2097152 "), std::string::npos) << "abort: the file is not completed: " << r.output;
}

// A destination on a full disk fails with STATUS_DISK_FULL; the other one
// is complete.
TEST_F(CliCopyTest, AFullDiskFailsItsDestinationAndTheOtherIsComplete) {
    wdfio::test::SmallTmpfs small(1u << 20);
    if (!small.mounted()) GTEST_SKIP() << small.why();
    const std::string src = file("src.bin");
    write_random(src, 4u << 20, 8);
    const CliRun r = run_cli({"copy", src, small.file("full.bin"), file("ok.bin")});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(row_of(r.output, small.file("full.bin")).find("STATUS_DISK_FULL"), std::string::npos) << r.output;
    EXPECT_EQ(checksum(read_all(file("ok.bin"))), checksum(read_all(src)));
}

// Buffered writes to a loop device over a file on a full disk all succeed;
// the writeback then fails, and only the flush at the end says so: the
// destination fails, with the flush named, instead of a copy reported done.
TEST_F(CliCopyTest, AFlushThatFailsFailsItsDestination) {
    const wdfio::test::LoopOnAFullDisk loop;
    if (loop.path().empty()) GTEST_SKIP() << loop.why();
    const std::string src = file("src.bin");
    write_random(src, 4u << 20, 9);
    const CliRun r = run_cli({"copy", src, loop.path(), file("ok.bin")});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    const std::string row = row_of(r.output, loop.path());
    EXPECT_NE(row.find("flush failed"), std::string::npos) << r.output;
    EXPECT_NE(row.find("STATUS_IO_DEVICE_ERROR"), std::string::npos) << r.output;
    EXPECT_EQ(row_of(r.output, file("ok.bin")).find("flush"), std::string::npos) << r.output;
}

TEST_F(CliCopyTest, CtrlCCancelsReportsAndExits130) {
    // Every request to either RAM disk waits 5 s in its fault filter, longer
    // than the bound below: only a cancel ends them in time. SIGINT comes
    // after 1.5 s (sanitizer builds start slowly); the disks are small, as
    // a sanitizer build's exit takes longer the more memory it frees.
    const std::string out = file("out.txt"), dst = file("dst.bin");
    const wdfio::test::Interrupted r = wdfio::test::run_and_interrupt(
        {"copy", "ram:16M", dst, "ram:16M", "--fault", "delay:1:5000000", "--bs", "1M", "--qd", "2"}, out,
        std::chrono::milliseconds(1500));
    ASSERT_NE(r.exit_code, -1) << "still running 10 s after SIGINT, or killed by a signal: " << read_all(out);
    EXPECT_LT(r.after_signal, std::chrono::seconds(3)) << "a prompt exit: in-flight requests cancelled, not waited out";
    EXPECT_EQ(r.exit_code, 130);
    const std::string output = read_all(out);
    EXPECT_NE(output.find("interrupted"), std::string::npos) << output;
    const std::string row = row_of(output, dst);
    ASSERT_FALSE(row.empty()) << "the report shows how far each destination got: " << output;
    EXPECT_EQ(row.find(" 16777216 "), std::string::npos) << "not finished: " << row;
    EXPECT_LE(std::filesystem::file_size(dst), 16u << 20);
}

TEST_F(CliCopyTest, BadInputExitsTwoAndWritesNothing) {
    const std::string src = file("src.bin"), kept = file("kept.bin"), link = file("link.bin");
    write_random(src, 1u << 20, 5);
    write_random(kept, 4096, 6);
    ASSERT_EQ(::link(src.c_str(), link.c_str()), 0);
    std::filesystem::create_directory(file("sub"));
    const std::string fresh = file("fresh.bin");
    struct Case {
        std::vector<std::string> args;
        const char* message;
    };
    const std::vector<Case> cases = {
        {{"copy", "zz://x", fresh}, "unknown target form"},
        {{"copy", file("missing.bin"), fresh}, "cannot be read"},
        {{"copy", file("sub"), fresh}, "is a directory"},
        {{"copy", src, file("sub")}, "is a directory"},
        {{"copy", src, file("nodir/x.bin")}, "cannot be created"},
        {{"copy", src, fresh, "ram:0"}, "ram size must be more than 0"},
        {{"copy", src, fresh, "ram:-1M"}, "is not a size"},
        {{"copy", src, fresh, "--qd", "0"}, "--qd must be"},
        {{"copy", src, fresh, "--bs", "0"}, "--bs must be more than 0"},
        {{"copy", src, fresh, "--bs", "1000", "--direct"}, "multiple of the logical block size"},
        {{"copy", src, fresh, "ram:512k"}, "smaller than the source"},
        {{"copy", src, fresh, src}, "is the source"},
        {{"copy", src, fresh, file("sub/../src.bin")}, "is the source"},
        {{"copy", src, fresh, link}, "is the source"},
        {{"copy", src, kept, fresh, kept}, "are the same file"},
        {{"copy", src, fresh, "--fail-policy", "sometimes"}, "--fail-policy"},
        {{"copy", src, fresh, "--fault", "fail:1"}, "ram:SIZE"},
        {{"copy", src}, "DST is required"},
    };
    const std::uint64_t kept_sum = checksum(read_all(kept));
    for (const Case& c : cases) {
        const CliRun r = run_cli(c.args);
        EXPECT_EQ(r.exit_code, 2) << c.args[1] << " " << c.args.back() << ": " << r.output;
        EXPECT_NE(r.output.find(c.message), std::string::npos) << "expected '" << c.message << "' in: " << r.output;
        EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
        EXPECT_FALSE(std::filesystem::exists(fresh)) << "created by: " << c.args.back();
        EXPECT_EQ(checksum(read_all(kept)), kept_sum) << "written by: " << c.args.back();
        EXPECT_EQ(std::filesystem::file_size(src), 1u << 20);
    }
}

}  // namespace

namespace {

// --trace: the run's requests as Perfetto JSON, one slice per request (read
// once, written twice: three per block); a path that cannot be written is
// refused before anything is copied.
TEST_F(CliCopyTest, TraceHoldsASlicePerRequest) {
    const std::string src = file("src.bin"), a = file("a.bin"), b = file("b.bin"), trace = file("copy.json");
    write_random(src, 1u << 20, 3);
    const CliRun r = run_cli({"copy", src, a, b, "--bs", "256k", "--qd", "2", "--trace", trace});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("trace written to " + trace), std::string::npos) << r.output;
    std::ifstream in(trace);
    const auto json = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << "the trace is not JSON";
    ASSERT_TRUE(json.contains("traceEvents") && json["traceEvents"].is_array());
    int begins = 0, ends = 0;
    for (const auto& e : json["traceEvents"]) {
        const std::string ph = e.value("ph", "");
        begins += ph == "b";
        ends += ph == "e";
    }
    EXPECT_EQ(begins, 3 * 4) << "4 blocks: a read and two writes each";
    EXPECT_EQ(ends, begins);
}

TEST_F(CliCopyTest, ATracePathThatCannotBeWrittenIsRefusedFirst) {
    const std::string src = file("src.bin"), a = file("a.bin");
    write_random(src, 4096, 4);
    for (const std::string& bad : {file("no/such/folder/t.json"), file(".")}) {
        const CliRun r = run_cli({"copy", src, a, "--trace", bad});
        EXPECT_EQ(r.exit_code, 2) << r.output;
        EXPECT_NE(r.output.find("--trace"), std::string::npos) << r.output;
        EXPECT_FALSE(std::filesystem::exists(a)) << "nothing written";
    }
}

}  // namespace
