// `wdfio demo`, run as a child process: every step's heading and the result
// it exists to show (a timeout, a cancel, FIFO release), exit 0, the
// temporary file gone; its --trace holds exactly one slice per completed
// request; bad input is refused before anything is made; Ctrl-C between
// steps exits 130 and still removes the file.
#include "support/cli_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

using wdfio::test::CliRun;
using wdfio::test::run_cli;

class CliDemoTest : public wdfio::test::CliTest {
protected:
    // The demo makes its temporary file in $TMPDIR: here, the test's own folder.
    void SetUp() override {
        CliTest::SetUp();
        if (IsSkipped()) return;
        if (const char* old = std::getenv("TMPDIR")) old_tmpdir_ = old;
        setenv("TMPDIR", dir_.c_str(), 1);
    }
    void TearDown() override {
        if (old_tmpdir_.empty()) {
            unsetenv("TMPDIR");
        } else {
            setenv("TMPDIR", old_tmpdir_.c_str(), 1);
        }
        CliTest::TearDown();
    }
    // Files the demo left in the folder (none: it removes its temporary file).
    std::vector<std::string> demo_files() const {
        std::vector<std::string> left;
        for (const auto& entry : std::filesystem::directory_iterator(dir_))
            if (entry.path().filename().string().starts_with("wdfio-demo-")) left.push_back(entry.path().string());
        return left;
    }
    // The temporary file's path, from the demo's "   file  PATH (" line.
    static std::string file_line_path(const std::string& output) {
        const auto at = output.find("   file  ");
        if (at == std::string::npos) return {};
        const auto from = at + 9;
        return output.substr(from, output.find(" (", from) - from);
    }

    std::string old_tmpdir_;
};

TEST_F(CliDemoTest, RunsEveryStepAsDocumented) {
    const CliRun r = run_cli({"demo"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const char* heading :
         {"1. Format a write, a read and an ioctl", "2. Send the write asynchronously",
          "3. Send the read and the ioctl", "4. A timeout", "5. Cancel", "6. One request, three targets in turn",
          "7. Stop the RAM disk's target", "8. The in-flight recorder's events"})
        EXPECT_NE(r.output.find(heading), std::string::npos) << "missing step '" << heading << "' in:\n" << r.output;
    for (const char* result :
         {"STATUS_INTEGER_OVERFLOW (refused", "routine: STATUS_SUCCESS, 4096 bytes", "the disk holds 1048576 bytes",
          "routine: STATUS_IO_TIMEOUT after", "cancel_sent_request() -> true", "routine: STATUS_CANCELLED", "5 parked",
          "completed in order: 1 2 3 4 5", "Timeout   \\Device\\WdfioDemoHold", "8 steps"})
        EXPECT_NE(r.output.find(result), std::string::npos) << "missing '" << result << "' in:\n" << r.output;
    EXPECT_EQ(r.output.find("UNEXPECTED"), std::string::npos) << r.output;
    // Step 6: the same request completed a write on each of the three targets.
    EXPECT_NE(r.output.find("\\Device\\WdfioDemoHold    STATUS_SUCCESS, 4096 bytes"), std::string::npos) << r.output;
    const std::string path = file_line_path(r.output);
    ASSERT_FALSE(path.empty()) << r.output;
    EXPECT_EQ(path.rfind(dir_, 0), 0u) << "made in $TMPDIR: " << path;
    EXPECT_FALSE(std::filesystem::exists(path)) << "the temporary file is removed";
    EXPECT_TRUE(demo_files().empty());
}

// The trace's async slices ("b"/"e" by id) per track name: exactly one begin
// per id, no end without its begin, and every request the demo sent finished.
TEST_F(CliDemoTest, TraceHoldsOneSlicePerCompletedRequest) {
    const std::string trace = file("demo.json");
    const CliRun r = run_cli({"demo", "--trace", trace});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("trace written to " + trace), std::string::npos) << r.output;
    std::ifstream in(trace);
    const auto json = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << "the trace is not JSON";
    ASSERT_TRUE(json.contains("traceEvents") && json["traceEvents"].is_array());

    std::map<int, std::string> track;  // pid → name
    struct Slice {
        int begins = 0, ends = 0;
        int pid = 0;
        std::string type, status;
    };
    std::map<std::string, Slice> slices;  // by id
    for (const auto& e : json["traceEvents"]) {
        const std::string ph = e.value("ph", "");
        if (ph == "M" && e.value("name", "") == "process_name") track[e.value("pid", 0)] = e["args"].value("name", "");
        if (ph != "b" && ph != "e") continue;
        Slice& s = slices[e.value("id", "")];
        if (ph == "b") {
            ++s.begins;
            s.pid = e.value("pid", 0);
            s.type = e.value("name", "");
        } else {
            ++s.ends;
            s.status = e["args"].value("status", "");
        }
    }
    std::map<std::string, std::multiset<std::string>> finished;  // track → "Type STATUS" of each slice
    for (const auto& [id, s] : slices) {
        EXPECT_EQ(s.begins, 1) << "slice " << id;
        EXPECT_EQ(s.ends, 1) << "slice " << id << ": every request of the demo completed";
        if (s.begins == 1 && s.ends == 1)
            finished[track[s.pid]].insert(s.type + " " + s.status.substr(0, s.status.find(' ')));
    }
    EXPECT_EQ(json["metadata"]["wdfio"].value("slices", 0u), slices.size());
    // The file: step 2's write, step 3's read, step 6's write.
    std::string file_track;
    for (const auto& [pid, name] : track)
        if (name.find("wdfio-demo-") != std::string::npos) file_track = name;
    EXPECT_EQ(finished[file_track],
              (std::multiset<std::string>{"Write STATUS_SUCCESS", "Read STATUS_SUCCESS", "Write STATUS_SUCCESS"}));
    // The filter that holds reads: the timed-out read, the cancelled read, step 6's write.
    EXPECT_EQ(finished["\\Device\\WdfioDemoHold"],
              (std::multiset<std::string>{"Read STATUS_IO_TIMEOUT", "Read STATUS_CANCELLED", "Write STATUS_SUCCESS"}));
    // The RAM disk's targets: the ioctl, the five parked reads, a write of its own and the filter's.
    EXPECT_EQ(finished["\\Device\\WdfioDemoRam"].size(), 8u);
    EXPECT_EQ(finished["\\Device\\WdfioDemoRam"].count("Read STATUS_SUCCESS"), 5u);
    EXPECT_EQ(finished["\\Device\\WdfioDemoRam"].count("DeviceControl STATUS_SUCCESS"), 1u);
}

TEST_F(CliDemoTest, BadInputIsRefusedBeforeAnythingIsMade) {
    struct Case {
        std::vector<std::string> args;
        const char* message;
    };
    const std::vector<Case> cases = {
        {{"demo", "--pause", "soon"}, "--pause 'soon' must be a duration"},
        {{"demo", "--pause", "-1s"}, "must be a duration"},
        {{"demo", "--pause", "2m"}, "up to 60 s"},
        {{"demo", "--trace", dir_}, "is a directory"},
        {{"demo", "--trace", file("no/such/folder/t.json")}, "does not exist"},
        {{"demo", "extra"}, "wdfio:"},
    };
    for (const Case& c : cases) {
        const CliRun r = run_cli(c.args);
        EXPECT_EQ(r.exit_code, 2) << r.output;
        EXPECT_NE(r.output.find(c.message), std::string::npos) << "expected '" << c.message << "' in: " << r.output;
        EXPECT_EQ(r.output.find("1. Format"), std::string::npos) << "refused before the tour: " << r.output;
        EXPECT_TRUE(demo_files().empty());
    }
}

TEST_F(CliDemoTest, CtrlCBetweenStepsRemovesTheFileAndExits130) {
    const std::string out = file("out.txt");
    const auto r = wdfio::test::run_and_interrupt({"demo", "--pause", "2s"}, out, std::chrono::milliseconds(700));
    std::ifstream f(out);
    const std::string output{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    EXPECT_EQ(r.exit_code, 130) << output;
    EXPECT_LT(r.after_signal, std::chrono::seconds(3)) << output;
    EXPECT_NE(output.find("interrupted after step"), std::string::npos) << output;
    EXPECT_EQ(output.find("3. Send"), std::string::npos) << "stopped at the first pause: " << output;
    const std::string path = file_line_path(output);
    ASSERT_FALSE(path.empty()) << output;
    EXPECT_FALSE(std::filesystem::exists(path)) << "the temporary file is removed on Ctrl-C too";
    EXPECT_TRUE(demo_files().empty());
}

}  // namespace
