// `wdfio trace FILE`, run as a child process on traces the program itself
// wrote: a bench run's (FILE and FILE.1, one per engine; its request count
// matches the bench's), the demo's (its statuses and its longest request, the
// timed-out read), a hand-written one (exact percentiles), and every kind of
// bad input (one line, exit 2, and no hang on a FIFO).
#include "support/cli_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using wdfio::test::CliRun;
using wdfio::test::run_cli;

class CliTraceTest : public wdfio::test::CliTest {
protected:
    // `wdfio trace PATH --json`, parsed (a discarded value if it is not JSON).
    json summary(const std::string& path) {
        const CliRun r = run_cli({"trace", path, "--json"});
        last_output_ = r.output;
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return json::parse(r.output, nullptr, false);
    }
    void write(const std::string& path, const std::string& text) const { std::ofstream(path) << text; }
    std::string last_output_;
};

std::uint64_t count_of(const json& statuses, const char* status) {
    return statuses.contains(status) ? statuses[status].get<std::uint64_t>() : 0;
}

TEST_F(CliTraceTest, ABenchTraceCountsTheBenchsRequests) {
    const std::string trace = file("bench.json");
    // 10 ms: an in-process RAM disk completes a read in about a microsecond,
    // five events each; a quiet machine fills a 256 Ki-event ring in 50 ms.
    const CliRun bench = run_cli({"bench", "ram:16M", "--rw", "randread", "--bs", "4k", "--qd", "2", "--time", "10ms",
                                  "--threads", "2", "--trace", trace, "--json"});
    ASSERT_EQ(bench.exit_code, 0) << bench.output;
    // Its JSON line, among stderr's lines about the trace files.
    const auto at = bench.output.starts_with("{") ? 0 : bench.output.find("\n{") + 1;
    const json b = json::parse(bench.output.substr(at, bench.output.find('\n', at) - at), nullptr, false);
    ASSERT_TRUE(b.is_object()) << bench.output;

    const json s = summary(trace);
    ASSERT_TRUE(s.is_object()) << last_output_;
    EXPECT_EQ(s["files"], json({trace, trace + ".1"})) << "both engines' files are read";
    ASSERT_EQ(s["events_overwritten"], 0) << last_output_;
    EXPECT_EQ(s["unfinished"], 0) << last_output_;
    // The bench counts every request but those its end cancelled.
    const auto requests = s["requests"].get<std::uint64_t>();
    EXPECT_EQ(requests - count_of(s["statuses"], "STATUS_CANCELLED"), b["requests"].get<std::uint64_t>())
        << last_output_ << "\n"
        << bench.output;
    std::uint64_t on_targets = 0, by_status = 0;
    for (const auto& t : s["targets"]) {
        if (t["kind"] != "target") continue;
        on_targets += t["requests"].get<std::uint64_t>();
        const json& read = t["latency_us"]["Read"];
        EXPECT_EQ(read["count"], t["requests"]);
        EXPECT_LE(read["p50"].get<double>(), read["p90"].get<double>());
        EXPECT_LE(read["p90"].get<double>(), read["p99"].get<double>());
        EXPECT_LE(read["p99"].get<double>(), read["max"].get<double>());
    }
    for (const auto& [status, n] : s["statuses"].items()) by_status += n.get<std::uint64_t>();
    EXPECT_EQ(on_targets, requests);
    EXPECT_EQ(by_status, requests);
    ASSERT_EQ(s["longest"].size(), std::min<std::uint64_t>(5, requests));
    for (std::size_t i = 1; i < s["longest"].size(); ++i)
        EXPECT_GE(s["longest"][i - 1]["duration_us"].get<double>(), s["longest"][i]["duration_us"].get<double>());
}

TEST_F(CliTraceTest, ADemoTraceShowsItsTimeoutAndCancel) {
    const std::string trace = file("demo.json");
    ASSERT_EQ(run_cli({"demo", "--trace", trace}).exit_code, 0);
    const json s = summary(trace);
    ASSERT_TRUE(s.is_object()) << last_output_;
    // 3 on the file, 3 on the filter, 8 on the RAM disk's targets (demo_setup.hpp).
    EXPECT_EQ(s["requests"], 14) << last_output_;
    EXPECT_EQ(count_of(s["statuses"], "STATUS_IO_TIMEOUT"), 1u) << last_output_;
    EXPECT_EQ(count_of(s["statuses"], "STATUS_CANCELLED"), 1u) << last_output_;
    EXPECT_EQ(count_of(s["statuses"], "STATUS_SUCCESS"), 12u) << last_output_;
    ASSERT_FALSE(s["longest"].empty());
    const json& longest = s["longest"][0];
    EXPECT_EQ(longest["status"], "STATUS_IO_TIMEOUT") << "the 100 ms timeout is the longest request";
    EXPECT_EQ(longest["target"], "\\Device\\WdfioDemoHold");
    EXPECT_EQ(longest["type"], "Read");
    EXPECT_GE(longest["duration_us"].get<double>(), 99000.0);

    const CliRun text = run_cli({"trace", trace});
    ASSERT_EQ(text.exit_code, 0) << text.output;
    for (const char* part : {"14 requests finished", "requests per target", "statuses (requests on targets)",
                             "latency, send to completion, in us", "longest requests", "\\Device\\WdfioDemoHold"})
        EXPECT_NE(text.output.find(part), std::string::npos) << "missing '" << part << "' in:\n" << text.output;
}

// Ten reads of 1..10 us, one still in flight and one refused (its routine
// never ran: no latency), written as write_trace writes them.
TEST_F(CliTraceTest, PercentilesAreNearestRank) {
    json events = json::array();
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", 2}, {"args", {{"name", "disk"}}}});
    for (int i = 1; i <= 10; ++i) {
        const std::string id = "0x" + std::to_string(i);
        events.push_back({{"ph", "b"},
                          {"cat", "request"},
                          {"name", "Read"},
                          {"id", id},
                          {"pid", 2},
                          {"tid", 0},
                          {"ts", 100.0 * i},
                          {"args", {{"request", "0xa"}}}});
        events.push_back({{"ph", "e"},
                          {"cat", "request"},
                          {"name", "Read"},
                          {"id", id},
                          {"pid", 2},
                          {"tid", 0},
                          {"ts", 100.0 * i + i},
                          {"args", {{"status", "STATUS_SUCCESS (0x00000000)"}}}});
    }
    events.push_back({{"ph", "b"},
                      {"cat", "request"},
                      {"name", "Read"},
                      {"id", "0xff"},
                      {"pid", 2},
                      {"tid", 0},
                      {"ts", 5000.0},
                      {"args", {{"request", "0xb"}, {"in_flight", true}}}});
    events.push_back({{"ph", "b"},
                      {"cat", "request"},
                      {"name", "Read"},
                      {"id", "0xfe"},
                      {"pid", 2},
                      {"tid", 0},
                      {"ts", 6000.0},
                      {"args", {{"request", "0xc"}}}});
    events.push_back({{"ph", "e"},
                      {"cat", "request"},
                      {"name", "Read"},
                      {"id", "0xfe"},
                      {"pid", 2},
                      {"tid", 0},
                      {"ts", 9000.0},
                      {"args", {{"status", "STATUS_CANCELLED (0xC0000120)"}, {"how", "refused"}}}});
    const std::string path = file("hand.json");
    write(path, json({{"traceEvents", events}, {"metadata", {{"wdfio", {{"events_overwritten", 0}}}}}}).dump());
    const json s = summary(path);
    ASSERT_TRUE(s.is_object()) << last_output_;
    EXPECT_EQ(s["requests"], 10);
    EXPECT_EQ(s["unfinished"], 1);
    EXPECT_EQ(s["refused"], 1);
    EXPECT_EQ(s["statuses"], json({{"STATUS_SUCCESS", 10}}));
    const json& read = s["targets"][0]["latency_us"]["Read"];
    EXPECT_EQ(read["count"], 10);
    EXPECT_DOUBLE_EQ(read["p50"].get<double>(), 5.0);
    EXPECT_DOUBLE_EQ(read["p90"].get<double>(), 9.0);
    EXPECT_DOUBLE_EQ(read["p99"].get<double>(), 10.0);
    EXPECT_DOUBLE_EQ(read["max"].get<double>(), 10.0);
    EXPECT_DOUBLE_EQ(s["longest"][0]["duration_us"].get<double>(), 10.0);
    EXPECT_EQ(s["longest"][0]["status"], "STATUS_SUCCESS");
}

TEST_F(CliTraceTest, BadInputIsOneLineAndExitTwo) {
    write(file("text.json"), "hello, not json");
    write(file("empty.json"), "");
    write(file("other.json"), R"({"a": 1})");
    write(file("array.json"), "[1, 2]");
    write(file("chrome.json"), R"({"traceEvents": []})");  // a trace, but not wdfio's
    write(file("broken.json"), R"({"traceEvents": [{"pid": 1}], "metadata": {"wdfio": {}}})");
    ASSERT_EQ(mkfifo(file("fifo").c_str(), 0600), 0);  // would block an open: refused before it
    // A good FILE whose FILE.1 is not a trace: the summary is refused, naming FILE.1.
    ASSERT_EQ(run_cli({"demo", "--trace", file("good.json")}).exit_code, 0);
    write(file("good.json.1"), "{");
    struct Case {
        std::string path;
        const char* message;
    };
    std::vector<Case> cases = {
        {file("missing.json"), "does not exist"},
        {dir_, "is a directory"},
        {file("text.json"), "is not JSON (syntax error at byte"},
        {file("empty.json"), "is not JSON"},
        {file("other.json"), "is JSON but not a wdfio trace (no \"traceEvents\" list)"},
        {file("array.json"), "is JSON but not a wdfio trace"},
        {file("chrome.json"), "is JSON but not a wdfio trace (no \"metadata.wdfio\")"},
        {file("broken.json"), "is JSON but not a wdfio trace (event 0 has no \"ph\")"},
        {file("fifo"), "is not a regular file"},
        {file("good.json"), "good.json.1 is not JSON"},
    };
    // Unreadable: a file without permissions, where that stops this user; as
    // root, a regular file whose read fails (/proc/self/mem at offset 0).
    if (geteuid() != 0) {
        write(file("secret.json"), "{}");
        ASSERT_EQ(chmod(file("secret.json").c_str(), 0), 0);
        cases.push_back({file("secret.json"), "cannot be read"});
    } else {
        cases.push_back({"/proc/self/mem", "cannot be read"});
    }
    for (const Case& c : cases) {
        const CliRun r = run_cli({"trace", c.path});
        EXPECT_EQ(r.exit_code, 2) << c.path << ": " << r.output;
        EXPECT_NE(r.output.find(c.message), std::string::npos) << "expected '" << c.message << "' in: " << r.output;
        EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
        EXPECT_TRUE(r.output.starts_with("wdfio trace: ")) << r.output;
    }
}

}  // namespace
