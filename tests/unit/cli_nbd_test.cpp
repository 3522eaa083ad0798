// The `wdfio` program against real nbdkit servers: `copy` from a file to a
// file and two NBD servers at once (one over two connections), verified by
// the program and read back apart from it; --verify catching a server that
// drops writes (nbdkit's null plugin); an absent server refused before
// anything is written; `bench` with a random read/write load
// on an NBD target, the server seeing the writes; and the refusals (no
// --size, no --force, no server) with their exit codes.
#include "support/cli_run.hpp"
#include "support/nbdkit.hpp"
#include "support/test_util.hpp"

#include <wdfio/wdfio.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

using wdfio::test::CliRun;
using wdfio::test::Nbdkit;
using wdfio::test::row_of;
using wdfio::test::run_cli;

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::string write_random(const std::string& path, std::size_t bytes, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::string data(bytes, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    std::ofstream(path, std::ios::binary) << data;
    return data;
}

// The first `bytes` of an NBD export, read through the library (not the program).
std::string export_bytes(const std::string& uri, std::size_t bytes) {
    wdfio::Engine engine;
    auto t = wdfio::IoTarget::open(engine, uri, wdfio::OpenOptions::read_only());
    EXPECT_TRUE(t) << uri << ": " << t.status();
    if (!t) return {};
    auto mem = wdfio::Memory::allocate(bytes).value();
    EXPECT_STATUS(wdfio::send_read_synchronously(*t, nullptr, mem, {}, 0), wdfio::STATUS_SUCCESS);
    t->close();
    return {static_cast<const char*>(mem->data()), bytes};
}

class CliNbdTest : public wdfio::test::CliTest {
protected:
    void SetUp() override {
        SKIP_WITHOUT_NBDKIT();
        CliTest::SetUp();
    }
};

TEST_F(CliNbdTest, CopyToAFileAndTwoNbdServersIsVerified) {
    Nbdkit a({"memory", "8M"});
    Nbdkit b({"memory", "8M"});
    ASSERT_TRUE(a.ready() && b.ready());
    const std::string src = file("src.bin"), dst = file("dst.bin");
    const std::size_t size = (5u << 20) + 1234;  // a short last block
    const std::string data = write_random(src, size, 14);
    const std::string to_a = a.uri(), to_b = b.uri(false, "connections=2");
    const CliRun r = run_cli({"copy", src, dst, to_a, to_b, "--bs", "256k", "--qd", "4", "--verify"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const std::string& d : {dst, to_a, to_b}) {
        const std::string row = row_of(r.output, d);
        ASSERT_FALSE(row.empty()) << d << " missing from: " << r.output;
        EXPECT_NE(row.find(" " + std::to_string(size) + " "), std::string::npos) << row;
        EXPECT_NE(row.find(" ok"), std::string::npos) << "verified: " << row;
    }
    EXPECT_EQ(read_all(dst), data);
    // Read back apart from the program: each export holds the source.
    EXPECT_EQ(export_bytes(a.uri(), size), data);
    EXPECT_EQ(export_bytes(b.uri(), size), data);
}

TEST_F(CliNbdTest, VerifyCatchesAServerThatDropsWrites) {
    Nbdkit good({"memory", "8M"});
    Nbdkit null({"null", "8M"});  // takes every write, reads zeros
    ASSERT_TRUE(good.ready() && null.ready());
    const std::string src = file("src.bin");
    write_random(src, 1u << 20, 15);
    const CliRun r = run_cli({"copy", src, good.uri(), null.uri(), "--bs", "64k", "--verify"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(row_of(r.output, good.uri()).find(" ok"), std::string::npos) << r.output;
    EXPECT_NE(row_of(r.output, null.uri()).find("differs in the block at offset 0"), std::string::npos) << r.output;
}

// copy's "bad input": exit 2 and nothing written, not even to the file beside it.
TEST_F(CliNbdTest, CopyToAnAbsentServerIsRefusedBeforeAnythingIsWritten) {
    const std::string src = file("src.bin");
    write_random(src, 65536, 16);
    const CliRun r = run_cli({"copy", src, file("dst.bin"), "nbd+unix:///?socket=" + file("none.sock")});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(read_all(file("dst.bin")), "") << "nothing written";
    EXPECT_NE(r.output.find("STATUS_OBJECT_NAME_NOT_FOUND"), std::string::npos) << r.output;
}

TEST_F(CliNbdTest, BenchRunsARandomLoadOnAnNbdTarget) {
    Nbdkit server({"--filter=log", "memory", "16M", "logfile={log}"});
    ASSERT_TRUE(server.ready());
    const CliRun r = run_cli({"bench", server.uri(), "--size", "8M", "--rw", "randrw", "--bs", "4k", "--qd", "8",
                              "--time", "300ms", "--json", "--force"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto at = r.output.find('{');
    ASSERT_NE(at, std::string::npos) << r.output;
    const auto j = nlohmann::json::parse(r.output.substr(at, r.output.find('\n', at) - at), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.output;
    EXPECT_EQ(j["target_kind"], "opened by name");
    EXPECT_EQ(j["errors"], 0);
    EXPECT_GT(j["requests"].get<long>(), 0);
    EXPECT_GT(j["read"]["iops"].get<double>(), 0);
    EXPECT_GT(j["write"]["iops"].get<double>(), 0);
    const std::string log = server.log_text();
    EXPECT_NE(log.find(" Write "), std::string::npos) << "the writes reached the server";
    EXPECT_NE(log.find(" Read "), std::string::npos);
}

TEST_F(CliNbdTest, BenchTakesTheExportsSizeAndRefusesWithoutForceAndPastTheEnd) {
    Nbdkit server({"memory", "16M"});
    ASSERT_TRUE(server.ready());
    // No --size: the export's own (BLKGETSIZE64), all of it.
    CliRun r =
        run_cli({"bench", server.uri(), "--rw", "randread", "--bs", "4k", "--qd", "8", "--time", "100ms", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
    EXPECT_EQ(j["region_bytes"].get<std::uint64_t>(), 16u << 20) << r.output;
    r = run_cli({"bench", "nbd+unix:///?socket=" + file("none.sock"), "--rw", "randread", "--bs", "4k", "--qd", "8",
                 "--time", "100ms"});  // no server to ask
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--size"), std::string::npos) << r.output;
    r = run_cli(
        {"bench", server.uri(), "--size", "8M", "--rw", "randwrite", "--bs", "4k", "--qd", "8", "--time", "100ms"});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
    r = run_cli(
        {"bench", server.uri(), "--size", "64M", "--rw", "randread", "--bs", "4k", "--qd", "8", "--time", "100ms"});
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_NE(r.output.find("past the end of the export"), std::string::npos) << r.output;
}

}  // namespace
