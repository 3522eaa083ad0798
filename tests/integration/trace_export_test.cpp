// Trace export: real I/O on a file and through a device stack (a RAM disk
// under a pass-through filter), written with write_trace, parsed back with a
// JSON parser and checked: its structure, one track per target and per queue,
// and exactly one slice per completed request.
#include "support/completions.hpp"
#include "support/device_drivers.hpp"
#include "support/test_util.hpp"

#include <wdfio/pass_through.hpp>
#include <wdfio/ram_disk.hpp>
#include <wdfio/recorder.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <sys/stat.h>

namespace wdfio::test {
namespace {

using nlohmann::json;

json read_json(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    return json::parse(in);  // throws (and fails the test) on a malformed file
}

std::string hex(const void* p) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(p)));
    return buf;
}

// The trace's tracks by name, and its async slices (begin and end) by pid.
struct ParsedTrace {
    std::map<std::string, int> pid_of;  // process_name → pid
    struct Slice {                      // NOLINT(bugprone-exception-escape): a null json is made without allocating
        json begin, end;
    };
    std::map<std::string, Slice> slices;  // by id
    std::map<int, int> counters;          // pid → "C" events

    explicit ParsedTrace(const json& trace) {
        EXPECT_TRUE(trace.is_object());
        const json& events = trace.at("traceEvents");
        EXPECT_TRUE(events.is_array());
        for (const json& e : events) {
            const std::string ph = e.at("ph");
            EXPECT_TRUE(e.at("pid").is_number_integer());
            if (ph == "M") {
                if (e.at("name") == "process_name") pid_of[e.at("args").at("name")] = e.at("pid");
                continue;
            }
            EXPECT_TRUE(e.at("ts").is_number()) << e;
            EXPECT_GE(e.at("ts").get<double>(), 0.0) << e;
            if (ph == "b" || ph == "e") {
                EXPECT_EQ(e.at("cat"), "request");
                Slice& s = slices[e.at("id")];
                json& slot = ph == "b" ? s.begin : s.end;
                EXPECT_TRUE(slot.is_null()) << "two '" << ph << "' for one id: " << e;
                slot = e;
            } else if (ph == "C") {
                EXPECT_TRUE(e.at("args").at("pending").is_number_unsigned()) << e;
                ++counters[e.at("pid")];
            } else {
                EXPECT_EQ(ph, "i") << e;
            }
        }
        for (auto& [id, s] : slices) {
            if (s.end.is_null()) continue;  // in flight, or its end lost: marked so
            EXPECT_FALSE(s.begin.is_null()) << "an end without a begin: " << s.end;
            if (s.begin.is_null()) continue;
            EXPECT_EQ(s.begin.at("pid"), s.end.at("pid"));
            EXPECT_EQ(s.begin.at("name"), s.end.at("name"));
            EXPECT_LE(s.begin.at("ts").get<double>(), s.end.at("ts").get<double>());
        }
    }
    // Finished slices on pid, by request id.
    std::map<std::string, int> finished_on(int pid) const {
        std::map<std::string, int> n;
        for (const auto& [id, s] : slices)
            if (!s.end.is_null() && s.begin.at("pid") == pid) ++n[s.begin.at("args").at("request")];
        return n;
    }
};

class TraceExportTest : public ::testing::Test {
protected:
    std::string trace_path() const { return file.path() + ".trace.json"; }
    void TearDown() override { ::unlink(trace_path().c_str()); }

    Engine engine;
    TempFile file{1 << 20};
};

TEST_F(TraceExportTest, FileAndDeviceStackIoGiveOneSlicePerCompletedRequest) {
    auto disk_target = IoTarget::open(engine, file.path()).value();
    auto ram = RamDisk::create(engine, 1 << 20, {"\\Device\\TraceRam"}).value();
    PassThroughFilter filter;
    auto top_device = Device::create_above(engine, filter, *ram->device().open_target().value()).value();
    auto top = top_device->open_target().value();

    // QD 8 on each: reads and writes, asynchronous, each request sent 3 times.
    constexpr int kDepth = 8, kRounds = 3;
    Completions done(engine);
    std::vector<Ref<Request>> requests;
    std::vector<Ref<Memory>> buffers;
    std::map<std::string, int> sends;  // request id → sends
    for (int round = 0; round < kRounds; ++round) {
        for (IoTarget* t : {disk_target.get(), top.get()}) {
            for (int i = 0; i < kDepth; ++i) {
                const std::size_t k = (t == top.get() ? kDepth : 0) + i;
                if (round == 0) {
                    requests.push_back(Request::create(*t).value());
                    buffers.push_back(Memory::allocate(4096).value());
                }
                Request& r = *requests[k];
                ASSERT_EQ(r.reuse(), kOk);
                const std::int64_t offset = static_cast<std::int64_t>(k) * 4096;
                if (i % 2) {
                    ASSERT_EQ(r.format_write(*t, buffers[k], {}, offset), kOk);
                } else {
                    ASSERT_EQ(r.format_read(*t, buffers[k], {}, offset), kOk);
                }
                done.arm(r);
                ASSERT_TRUE(r.send(*t)) << r.status();
                ++sends[hex(&r)];
            }
        }
        ASSERT_TRUE(done.wait((round + 1) * 2 * kDepth));
    }
    ASSERT_EQ(write_trace(engine, trace_path()), kOk);

    const json trace = read_json(trace_path());
    const ParsedTrace parsed(trace);
    const json& meta = trace.at("metadata").at("wdfio");
    EXPECT_EQ(meta.at("wrapped"), false);
    EXPECT_EQ(meta.at("completions_without_start"), 0);

    // One track per target, named by it; one per queue of each device level.
    ASSERT_TRUE(parsed.pid_of.count(file.path())) << trace.dump(1).substr(0, 2000);
    const int file_pid = parsed.pid_of.at(file.path());
    int queue_tracks = 0;
    for (const auto& [name, pid] : parsed.pid_of) queue_tracks += name.rfind("queue ", 0) == 0;
    EXPECT_EQ(queue_tracks, 2);  // the filter's and the RAM disk's

    // Exactly one finished slice per send of each file request, named by type.
    const auto on_file = parsed.finished_on(file_pid);
    for (int i = 0; i < kDepth; ++i) {
        const std::string id = hex(requests[i].get());
        EXPECT_EQ(on_file.count(id) ? on_file.at(id) : 0, kRounds) << id;
    }
    EXPECT_EQ(on_file.size(), static_cast<std::size_t>(kDepth));
    int reads = 0, writes = 0;
    for (const auto& [id, s] : parsed.slices) {
        if (s.end.is_null()) continue;
        if (s.begin.at("pid") != file_pid) continue;
        reads += s.begin.at("name") == "Read";
        writes += s.begin.at("name") == "Write";
        EXPECT_EQ(s.end.at("args").at("status"), "STATUS_SUCCESS (0x00000000)");
        EXPECT_EQ(s.end.at("args").at("bytes"), 4096);
    }
    EXPECT_EQ(reads, kDepth / 2 * kRounds);
    EXPECT_EQ(writes, kDepth / 2 * kRounds);
    EXPECT_GT(parsed.counters.at(file_pid), 0);

    // The stack: the top target's slices, and each queue presented every request.
    int top_pid = -1;
    for (const auto& [name, pid] : parsed.pid_of)
        if (name != file.path() && name.rfind("queue ", 0) != 0 && name.rfind("engine", 0) != 0) top_pid = pid;
    ASSERT_NE(top_pid, -1);
    const auto on_top = parsed.finished_on(top_pid);
    int top_slices = 0;
    for (const auto& [id, n] : on_top) top_slices += n;
    EXPECT_EQ(top_slices, kDepth * kRounds);
    for (const auto& [name, pid] : parsed.pid_of) {
        if (name.rfind("queue ", 0) != 0) continue;
        int n = 0;
        for (const auto& [id, c] : parsed.finished_on(pid)) n += c;
        EXPECT_EQ(n, kDepth * kRounds) << name;
    }
    // Nothing is in flight: every begin has its end.
    for (const auto& [id, s] : parsed.slices) EXPECT_FALSE(s.end.is_null()) << s.begin;
}

TEST_F(TraceExportTest, AWrappedRingIsSaidAndNoSliceIsInvented) {
    EngineOptions o;
    o.recorder = RecorderOptions{true, 16};
    Engine small(o);
    auto t = IoTarget::open(small, file.path()).value();
    auto buf = Memory::allocate(512).value();
    auto r = Request::create(*t).value();
    constexpr int kSends = 50;
    for (int i = 0; i < kSends; ++i) {
        ASSERT_EQ(r->reuse(), kOk);
        ASSERT_EQ(r->format_read(*t, buf, {}, 0), kOk);
        ASSERT_TRUE(r->send(*t, SendOptions::synchronous()));
    }
    ASSERT_EQ(write_trace(small, trace_path()), kOk);
    const json trace = read_json(trace_path());
    const ParsedTrace parsed(trace);  // also: no end without its begin
    const json& meta = trace.at("metadata").at("wdfio");
    EXPECT_EQ(meta.at("wrapped"), true);
    EXPECT_GT(meta.at("events_overwritten").get<std::uint64_t>(), 0u);
    int finished = 0;
    for (const auto& [id, s] : parsed.slices) finished += !s.end.is_null();
    EXPECT_GT(finished, 0);
    EXPECT_LT(finished, kSends);  // only what the ring still held
    EXPECT_EQ(meta.at("slices"), finished);
}

TEST_F(TraceExportTest, APathThatCannotBeWrittenIsAClearStatus) {
    auto t = IoTarget::open(engine, file.path()).value();
    auto buf = Memory::allocate(512).value();
    ASSERT_EQ(send_read_synchronously(*t, nullptr, buf, {}, 0), kOk);
    EXPECT_EQ(write_trace(engine, ""), Status(STATUS_INVALID_PARAMETER));
    EXPECT_EQ(write_trace(engine, "/nonexistent-dir-wdfio/trace.json"), Status::from_errno(ENOENT));
    EXPECT_EQ(write_trace(engine, "/tmp"), Status::from_errno(EISDIR));
    struct stat st;
    EXPECT_NE(stat("/nonexistent-dir-wdfio", &st), 0);
    // And the recorder still works after.
    ASSERT_EQ(write_trace(engine, trace_path()), kOk);
    const ParsedTrace parsed(read_json(trace_path()));
    EXPECT_EQ(parsed.slices.size(), 1u);
}

}  // namespace
}  // namespace wdfio::test
