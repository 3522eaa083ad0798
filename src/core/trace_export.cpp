// write_trace: what an engine's recorder holds, as Chrome/Perfetto trace JSON
// (the Trace Event Format). Each target, and each device queue, is a process
// of its own in the trace — its track — holding one async slice per request
// from send to completion ("b"/"e", named by type, status and bytes as
// arguments, so that overlapping requests each get a row), a "queue depth"
// counter, and instant events for the rest (start, cancel, timeout, state).
// Events that are not tied to a target (reuse) go on the "engine" track.
#include <wdfio/engine.hpp>
#include <wdfio/log.hpp>
#include <wdfio/recorder.hpp>

#include "core/recorder.hpp"
#include "engine/engine_core.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <unordered_map>

namespace wdfio {

namespace {

using nlohmann::json;

constexpr int kEnginePid = 1;  // targets and queues follow from 2

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

class TraceBuilder {
public:
    TraceBuilder(const detail::Recorder& recorder, const std::vector<RecorderEvent>& events, std::uint64_t window_ns)
        : recorder_(recorder), window_ns_(window_ns), base_ns_(events.empty() ? 0 : events.front().time_ns) {
        add_track(kEnginePid, "engine (events without a target)");
    }

    void add(const RecorderEvent& e) {
        switch (e.kind) {
        case RecorderEventKind::Send:
        case RecorderEventKind::QueuePresent: open(e); break;
        case RecorderEventKind::Complete:
        case RecorderEventKind::Refused:
        case RecorderEventKind::QueueComplete: close(e); break;
        default: instant(e); break;
        }
        if (e.kind == RecorderEventKind::Send || e.kind == RecorderEventKind::Complete ||
            e.kind == RecorderEventKind::Refused || e.kind == RecorderEventKind::Park)
            events_.push_back({{"ph", "C"},
                               {"name", "queue depth"},
                               {"pid", pid_of(e.target)},
                               {"ts", ts(e.time_ns)},
                               {"args", {{"pending", e.depth}}}});
    }

    json finish(const RecorderInfo& info) {
        // Sends still open: in flight when the snapshot was taken, or their
        // end was overwritten. Shown as begun, never given an invented end.
        for (auto& [request, slice] : open_) {
            const bool lost = slice.begin.time_ns < window_ns_;
            emit_begin(slice, lost ? "end_lost" : "in_flight");
            ++(lost ? ends_lost_ : in_flight_);
        }
        json meta = {{"recorder_enabled", info.enabled},
                     {"events_per_ring", info.events_per_ring},
                     {"rings", info.rings},
                     {"events_recorded", info.recorded},
                     {"events_overwritten", info.overwritten},
                     {"wrapped", info.overwritten > 0},
                     {"complete_from_ns", window_ns_},
                     {"base_monotonic_ns", base_ns_},
                     {"slices", slices_},
                     {"slices_in_flight", in_flight_},
                     {"slices_end_lost", ends_lost_},
                     {"completions_without_start", starts_lost_}};
        if (info.overwritten > 0)  // visible in the viewer too, not only in the metadata
            events_.push_back({{"ph", "i"},
                               {"s", "g"},
                               {"name", "recorder wrapped: " + std::to_string(info.overwritten) +
                                            " older events overwritten; slices before here may be missing"},
                               {"pid", kEnginePid},
                               {"tid", 0},
                               {"ts", ts(window_ns_ > base_ns_ ? window_ns_ : base_ns_)}});
        return {{"traceEvents", std::move(events_)}, {"displayTimeUnit", "ns"}, {"metadata", {{"wdfio", meta}}}};
    }

private:
    struct OpenSlice {
        RecorderEvent begin;
        std::uint64_t id;
    };

    double ts(std::uint64_t ns) const { return static_cast<double>(ns - base_ns_) / 1000.0; }  // microseconds

    void add_track(int pid, const std::string& name) {
        events_.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"args", {{"name", name}}}});
        events_.push_back({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", pid}, {"args", {{"sort_index", pid}}}});
    }

    int pid_of(std::uint64_t id) {
        if (id == 0) return kEnginePid;
        auto [it, made] = pids_.try_emplace(id, next_pid_);
        if (made) {
            ++next_pid_;
            std::string name = recorder_.name_of(id);
            add_track(it->second, name.empty() ? "target " + hex(id) : name);
        }
        return it->second;
    }

    // A request's slices are keyed by the request and whether it is the queue's view.
    static std::uint64_t key(const RecorderEvent& e) {
        const bool queue = e.kind == RecorderEventKind::QueuePresent || e.kind == RecorderEventKind::QueueComplete;
        return e.request * 2 + (queue ? 1 : 0);
    }

    void open(const RecorderEvent& e) {
        auto [it, made] = open_.try_emplace(key(e), OpenSlice{e, 0});
        if (!made) {  // the end of the one before was lost (another ring wrapped sooner)
            emit_begin(it->second, "end_lost");
            ++ends_lost_;
            it->second = OpenSlice{e, 0};
        }
        it->second.id = ++next_id_;
    }

    void close(const RecorderEvent& e) {
        auto it = open_.find(key(e));
        if (it == open_.end()) {  // its send was overwritten: dropped, not invented
            ++starts_lost_;
            return;
        }
        OpenSlice slice = it->second;
        open_.erase(it);
        json args = emit_begin(slice, nullptr);
        ++slices_;
        events_.push_back({{"ph", "e"},
                           {"cat", "request"},
                           {"name", to_string(slice.begin.type)},
                           {"id", hex(slice.id)},
                           {"pid", pid_of(slice.begin.target)},
                           {"tid", 0},
                           {"ts", ts(e.time_ns)},
                           {"args",
                            {{"status", e.status.to_string()},
                             {"bytes", e.bytes},
                             {"how", e.kind == RecorderEventKind::Refused ? "refused" : "completed"}}}});
    }

    json emit_begin(const OpenSlice& slice, const char* unfinished) {
        const RecorderEvent& b = slice.begin;
        json args = {{"request", hex(b.request)}, {"thread", b.thread}, {"format_bytes", b.bytes}};
        if (unfinished) args[unfinished] = true;
        events_.push_back({{"ph", "b"},
                           {"cat", "request"},
                           {"name", to_string(b.type)},
                           {"id", hex(slice.id)},
                           {"pid", pid_of(b.target)},
                           {"tid", 0},
                           {"ts", ts(b.time_ns)},
                           {"args", args}});
        return args;
    }

    void instant(const RecorderEvent& e) {
        std::string name = to_string(e.kind);
        if (e.kind == RecorderEventKind::TargetState) name += std::string(" ") + to_string(e.state);
        events_.push_back({{"ph", "i"},
                           {"s", "p"},
                           {"name", name},
                           {"pid", pid_of(e.target)},
                           {"tid", 0},
                           {"ts", ts(e.time_ns)},
                           {"args",
                            {{"request", hex(e.request)},
                             {"status", e.status.to_string()},
                             {"type", to_string(e.type)},
                             {"thread", e.thread}}}});
    }

    const detail::Recorder& recorder_;
    std::uint64_t window_ns_, base_ns_;
    json events_ = json::array();
    std::unordered_map<std::uint64_t, int> pids_;
    int next_pid_ = kEnginePid + 1;
    std::map<std::uint64_t, OpenSlice> open_;  // ordered: the output does not depend on hashing
    std::uint64_t next_id_ = 0, slices_ = 0, in_flight_ = 0, ends_lost_ = 0, starts_lost_ = 0;
};

Status write_file(const std::string& path, const std::string& text) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) {
        const int err = errno;
        const Status s = Status::from_errno(err);
        log(LogLevel::Error, "write_trace: cannot create %s: %s (%s); pick a writable path", path.c_str(),
            std::strerror(err), s.to_string().c_str());
        return s;
    }
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    int err = written ? 0 : errno;
    if (std::fclose(f) != 0 && err == 0) err = errno;
    if (!written || err != 0) {
        const Status s = Status::from_errno(err ? err : EIO);
        log(LogLevel::Error, "write_trace: writing %s failed: %s (%s); the file is incomplete, check the space left",
            path.c_str(), std::strerror(err ? err : EIO), s.to_string().c_str());
        return s;
    }
    return STATUS_SUCCESS;
}

}  // namespace

Status write_trace(Engine& engine, const std::string& path) {
    if (path.empty()) {
        log(LogLevel::Error, "write_trace: no path given; name the file to write the trace to");
        return STATUS_INVALID_PARAMETER;
    }
    const detail::Recorder& recorder = detail::recorder_of(detail::EngineAccess::core(engine));
    if (!recorder.enabled()) {
        log(LogLevel::Error,
            "write_trace: the recorder is off (RecorderOptions or WDFIO_RECORDER=off); turn it on to write %s",
            path.c_str());
        return STATUS_INVALID_DEVICE_STATE;
    }
    try {
        const std::vector<RecorderEvent> events = recorder.snapshot(SIZE_MAX);
        const RecorderInfo info = recorder.info();
        TraceBuilder trace(recorder, events, recorder.complete_from_ns());
        for (const RecorderEvent& e : events) trace.add(e);
        const std::string text = trace.finish(info).dump(-1, ' ', false, json::error_handler_t::replace);
        return write_file(path, text);
    } catch (const std::bad_alloc&) {
        log(LogLevel::Error, "write_trace: out of memory building the trace for %s", path.c_str());
        return STATUS_INSUFFICIENT_RESOURCES;
    }
}

}  // namespace wdfio
