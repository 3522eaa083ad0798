// `wdfio bench` behaving as an fio user expects, run as a child process: it
// stops at --time even with requests that would take minutes, counts only
// successes, stops at the first failure unless told not to, reports reads
// and writes apart, takes units, refuses what the machine cannot hold, says
// when the target cannot be set up (3) and removes a file it could not fill,
// flushes write loads and reports a flush that fails, and Ctrl-C prints the
// results so far with exit 130.
#include "support/cli_run.hpp"
#include "support/loop_device.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using wdfio::test::CliRun;
using wdfio::test::run_cli;
using Clock = std::chrono::steady_clock;

class CliBenchTest : public wdfio::test::CliTest {
protected:
    // Runs and parses --json output (null if it is not JSON).
    nlohmann::json json_run(std::vector<std::string> args, int& exit_code) {
        args.insert(args.begin(), "bench");
        args.emplace_back("--json");
        const CliRun r = run_cli(args);
        exit_code = r.exit_code;
        last_output_ = r.output;
        // The JSON line (stderr's notes, such as "created", come with it).
        const auto at = r.output.rfind("\n{", std::string::npos) == std::string::npos ? 0 : r.output.find("\n{") + 1;
        return nlohmann::json::parse(r.output.substr(at, r.output.find('\n', at) - at), nullptr, false);
    }
    std::string last_output_;
};

TEST_F(CliBenchTest, StopsAtTimeCancellingRequestsThatWouldTakeMinutes) {
    int code = 0;
    const auto t0 = Clock::now();
    const auto j = json_run(
        {"ram:4M", "--fault", "delay:1:120000000", "--rw", "randread", "--bs", "4k", "--qd", "8", "--time", "300ms"},
        code);
    EXPECT_LT(Clock::now() - t0, std::chrono::seconds(10)) << "ran past --time: " << last_output_;
    EXPECT_EQ(code, 0) << last_output_;
    ASSERT_TRUE(j.is_object()) << last_output_;
    EXPECT_EQ(j.value("errors", -1), 0) << "cancelled at the deadline is not a failure: " << last_output_;
    EXPECT_EQ(j.value("iops", -1.0), 0.0) << last_output_;
}

TEST_F(CliBenchTest, CountsSuccessesOnlyAndStopsAtTheFirstFailure) {
    int code = 0;
    const auto t0 = Clock::now();
    auto j =
        json_run({"ram:4M", "--fault", "fail:1", "--rw", "randread", "--bs", "4k", "--qd", "4", "--time", "20s"}, code);
    EXPECT_LT(Clock::now() - t0, std::chrono::seconds(10)) << "did not stop at the failure: " << last_output_;
    EXPECT_EQ(code, 1) << last_output_;
    ASSERT_TRUE(j.is_object()) << last_output_;
    EXPECT_EQ(j.value("iops", -1.0), 0.0) << "every request failed: no IOPS. " << last_output_;
    EXPECT_EQ(j.value("mib_per_s", -1.0), 0.0) << last_output_;
    EXPECT_GE(j.value("errors", 0), 1) << last_output_;
    EXPECT_TRUE(j.value("stopped_at_first_error", false)) << last_output_;
    EXPECT_NE(last_output_.find("STATUS_IO_DEVICE_ERROR"), std::string::npos) << last_output_;

    j = json_run({"ram:4M", "--fault", "fail:0.5", "--rw", "randread", "--bs", "4k", "--qd", "4", "--time", "200ms",
                  "--continue-on-error"},
                 code);
    EXPECT_EQ(code, 1) << last_output_;
    ASSERT_TRUE(j.is_object()) << last_output_;
    EXPECT_FALSE(j.value("stopped_at_first_error", true)) << last_output_;
    const double requests = j.value("requests", 0.0), errors = j.value("errors", 0.0);
    EXPECT_GT(errors, 10) << last_output_;
    // IOPS × seconds counts the successes at the deadline: about half the requests.
    EXPECT_LT(j.value("iops", 0.0) * j.value("seconds", 0.0), requests - errors + 1) << last_output_;
}

TEST_F(CliBenchTest, MixedLoadsReportReadsAndWritesApart) {
    for (const char* rw : {"randrw", "rw"}) {
        int code = 0;
        const auto j = json_run({"ram:4M", "--rw", rw, "--bs", "4k", "--qd", "4", "--time", "200ms"}, code);
        ASSERT_EQ(code, 0) << last_output_;
        ASSERT_TRUE(j.contains("read") && j.contains("write")) << last_output_;
        const double r = j["read"].value("iops", 0.0), w = j["write"].value("iops", 0.0);
        EXPECT_GT(r, 0) << last_output_;
        EXPECT_GT(w, 0) << last_output_;
        EXPECT_NEAR(r + w, j.value("iops", 0.0), 1.0) << last_output_;
    }
    const CliRun text = run_cli({"bench", "ram:4M", "--rw", "randrw", "--bs", "4k", "--qd", "4", "--time", "100ms"});
    EXPECT_NE(text.output.find("  reads "), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("  writes "), std::string::npos) << text.output;
}

TEST_F(CliBenchTest, BadTimesAndSizesAndMemoryAreRefusedWithTwo) {
    struct Case {
        std::vector<std::string> args;
        const char* message;
    };
    const std::vector<Case> cases = {
        {{"bench", "ram:4M", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "2x"}, "is not a duration"},
        {{"bench", "ram:4M", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "0s"}, "--time must be"},
        // Finite hours, infinite seconds (found by fuzz/cli_args_fuzzer.cpp): not a duration.
        {{"bench", "ram:4M", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "1e308h"}, "is not a duration"},
        {{"bench", "ram:4M", "--rw", "read", "--bs", "8M", "--qd", "1", "--time", "1s"}, "larger than the RAM disk"},
        {{"bench", "ram:64T", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "1s"}, "of memory and"},
    };
    for (const Case& c : cases) {
        const CliRun r = run_cli(c.args);
        EXPECT_EQ(r.exit_code, 2) << r.output;
        EXPECT_NE(r.output.find(c.message), std::string::npos) << "expected '" << c.message << "' in: " << r.output;
    }
    int code = 0;
    const auto j = json_run({"ram:4M", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "150ms"}, code);
    EXPECT_EQ(code, 0) << last_output_;
    EXPECT_DOUBLE_EQ(j.value("time", 0.0), 0.15) << "units: 150ms is 0.15 s. " << last_output_;
}

// --fixedbufs: registered buffers on the wdfio side (as many as --qd, beyond
// the engine's default 1024 slots) and on the raw liburing side; data moves
// both ways without errors; an in-process target has no ring to register with.
TEST_F(CliBenchTest, FixedBuffersRunOnBothSidesAndAreRefusedForRam) {
    int code = 0;
    const auto j = json_run({file("f.img"), "--size", "8M", "--rw", "randrw", "--bs", "4k", "--qd", "1100", "--time",
                             "100ms", "--fixedbufs", "--compare-raw"},
                            code);
    ASSERT_EQ(code, 0) << last_output_;
    EXPECT_TRUE(j.value("fixed_buffers", false)) << last_output_;
    EXPECT_EQ(j.value("errors", -1), 0) << last_output_;
    EXPECT_GT(j.value("iops", 0.0), 0) << last_output_;
    ASSERT_TRUE(j.contains("raw")) << last_output_;
    EXPECT_EQ(j["raw"].value("errors", -1), 0) << last_output_;
    EXPECT_GT(j.value("raw_iops", 0.0), 0) << last_output_;

    const CliRun ram =
        run_cli({"bench", "ram:4M", "--rw", "randread", "--bs", "4k", "--qd", "1", "--time", "50ms", "--fixedbufs"});
    EXPECT_EQ(ram.exit_code, 2) << ram.output;
    EXPECT_NE(ram.output.find("--fixedbufs"), std::string::npos) << ram.output;
}

// --engines: the threads share one engine of that many engine threads, and
// --compare-raw runs a raw ring per thread; a count out of range exits 2.
TEST_F(CliBenchTest, EnginesShareOneEngineAndRawRunsARingPerThread) {
    int code = 0;
    const auto j = json_run({file("e.img"), "--size", "8M", "--rw", "randrw", "--bs", "4k", "--qd", "8", "--time",
                             "100ms", "--engines", "2", "--threads", "2", "--compare-raw"},
                            code);
    ASSERT_EQ(code, 0) << last_output_;
    EXPECT_EQ(j.value("engines", 0), 2) << last_output_;
    EXPECT_EQ(j.value("threads", 0), 2) << last_output_;
    EXPECT_EQ(j.value("errors", -1), 0) << last_output_;
    EXPECT_GT(j.value("iops", 0.0), 0) << last_output_;
    ASSERT_TRUE(j.contains("raw")) << last_output_;
    EXPECT_EQ(j["raw"].value("errors", -1), 0) << last_output_;
    EXPECT_GT(j.value("raw_iops", 0.0), 0) << last_output_;

    const CliRun text = run_cli({"bench", file("e.img"), "--rw", "randread", "--bs", "4k", "--qd", "4", "--time",
                                 "50ms", "--engines", "2", "--threads", "2", "--compare-raw"});
    EXPECT_EQ(text.exit_code, 0) << text.output;
    EXPECT_NE(text.output.find("one engine of 2 engine threads"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("raw: 2 rings on 2 threads"), std::string::npos) << text.output;

    for (const char* bad : {"65", "-1", "x"}) {
        const CliRun r =
            run_cli({"bench", "ram:4M", "--rw", "read", "--bs", "4k", "--qd", "1", "--time", "50ms", "--engines", bad});
        EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
        EXPECT_NE(r.output.find("--engines"), std::string::npos) << bad << ": " << r.output;
    }
}

TEST_F(CliBenchTest, TargetThatCannotBeCreatedExitsThree) {
    const CliRun r = run_cli({"bench", file("no/such/dir/x.img"), "--size", "1M", "--rw", "randread", "--bs", "4k",
                              "--qd", "1", "--time", "100ms"});
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_NE(r.output.find("cannot create"), std::string::npos) << r.output;
}

TEST_F(CliBenchTest, WriteLoadsEndWithAFlush) {
    int code = 0;
    auto j = json_run(
        {file("w.img"), "--size", "1M", "--rw", "randwrite", "--bs", "4k", "--qd", "4", "--time", "100ms"}, code);
    ASSERT_EQ(code, 0) << last_output_;
    EXPECT_EQ(j.value("flush", ""), "ok") << last_output_;
    j = json_run({file("w.img"), "--rw", "randread", "--bs", "4k", "--qd", "4", "--time", "100ms"}, code);
    ASSERT_EQ(code, 0) << last_output_;
    EXPECT_TRUE(j["flush"].is_null()) << "a read load has nothing to flush: " << last_output_;
}

// A file bench creates and cannot fill (the disk is full) is removed, not
// left behind to make the next run need --force.
TEST_F(CliBenchTest, AFileItCannotFillIsRemoved) {
    wdfio::test::SmallTmpfs small(1u << 20);
    if (!small.mounted()) GTEST_SKIP() << small.why();
    const std::string path = small.file("new.img");
    int code = 0;
    json_run({path, "--size", "4M", "--rw", "randread", "--bs", "4k", "--qd", "1", "--time", "100ms"}, code);
    EXPECT_EQ(code, 3) << last_output_;
    EXPECT_NE(last_output_.find("cannot fill"), std::string::npos) << last_output_;
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << "left behind: " << path;
}

// A write load on a loop device over a file on a full disk: every write
// succeeds into the page cache, the flush at the end fails, and the run says
// so and exits 1.
TEST_F(CliBenchTest, AFlushThatFailsIsReportedAndExitsOne) {
    const wdfio::test::LoopOnAFullDisk loop;
    if (loop.path().empty()) GTEST_SKIP() << loop.why();
    int code = 0;
    const auto j =
        json_run({loop.path(), "--rw", "write", "--bs", "64k", "--qd", "4", "--time", "300ms", "--force"}, code);
    EXPECT_EQ(code, 1) << last_output_;
    ASSERT_FALSE(j.is_discarded()) << last_output_;
    EXPECT_EQ(j["errors"], 0) << "the writes themselves succeed: " << last_output_;
    EXPECT_NE(j.value("flush", "").find("writes were lost"), std::string::npos) << last_output_;
}

TEST_F(CliBenchTest, CtrlCPrintsResultsSoFarAndExits130) {
    const std::string out = file("out.txt");
    const auto r = wdfio::test::run_and_interrupt(
        {"bench", "ram:4M", "--rw", "randread", "--bs", "4k", "--qd", "4", "--time", "60s", "--json"}, out,
        std::chrono::milliseconds(500));
    std::ifstream f(out);
    const std::string output{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    EXPECT_EQ(r.exit_code, 130) << output;
    EXPECT_LT(r.after_signal, std::chrono::seconds(3)) << output;
    const auto j = nlohmann::json::parse(output.substr(0, output.find('\n')), nullptr, false);
    ASSERT_TRUE(j.is_object()) << output;
    EXPECT_TRUE(j.value("interrupted", false)) << output;
    EXPECT_GT(j.value("requests", 0), 0) << output;
    EXPECT_LT(j.value("seconds", 60.0), 30.0) << output;
    EXPECT_NE(output.find("interrupted"), std::string::npos) << output;
}

// --trace: one Perfetto file per thread's engine (FILE, FILE.1), each JSON
// with slices that begin and end in pairs; an unwritable path is refused
// (exit 2) before the run.
TEST_F(CliBenchTest, TraceWritesAFilePerEngine) {
    const std::string trace = file("bench.json");
    const CliRun r = run_cli({"bench", "ram:16M", "--rw", "randread", "--bs", "4k", "--qd", "1", "--time", "50ms",
                              "--threads", "2", "--trace", trace});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const std::string& path : {trace, trace + ".1"}) {
        std::ifstream in(path);
        const auto json = nlohmann::json::parse(in, nullptr, false);
        ASSERT_FALSE(json.is_discarded()) << path << " is not JSON";
        ASSERT_TRUE(json.contains("traceEvents")) << path;
        int begins = 0, ends = 0;
        for (const auto& e : json["traceEvents"]) {
            begins += e.value("ph", "") == "b";
            ends += e.value("ph", "") == "e";
        }
        EXPECT_GT(begins, 0) << path;
        EXPECT_LE(ends, begins) << path;  // never an end without its begin
    }
    const CliRun bad = run_cli({"bench", "ram:16M", "--rw", "randread", "--bs", "4k", "--qd", "1", "--time", "50ms",
                                "--trace", file("missing/folder/t.json")});
    EXPECT_EQ(bad.exit_code, 2) << bad.output;
    EXPECT_NE(bad.output.find("--trace"), std::string::npos) << bad.output;
}

}  // namespace
