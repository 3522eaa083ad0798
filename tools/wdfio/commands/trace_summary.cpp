#include "commands/trace_summary.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace wdfio::cli {

namespace {

using nlohmann::json;

constexpr const char* kWhatToGive = "give a trace written with --trace by wdfio bench, copy or demo";

// The whole file, or why it cannot be had. Only regular files are opened: a
// FIFO would block the open.
Checked<std::string> read_text(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return bad_input(fmt::format("{} does not exist: {}", path, kWhatToGive));
        return bad_input(
            fmt::format("{} cannot be read: {}; check the path and its permissions", path, std::strerror(errno)));
    }
    if (S_ISDIR(st.st_mode)) return bad_input(fmt::format("{} is a directory: {}", path, kWhatToGive));
    if (!S_ISREG(st.st_mode)) return bad_input(fmt::format("{} is not a regular file: {}", path, kWhatToGive));
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bad_input(fmt::format("{} cannot be read: {}; check its permissions", path, std::strerror(errno)));
    std::string text;
    char buf[1 << 16];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    const int err = errno;
    ::close(fd);
    if (n < 0) return bad_input(fmt::format("{} cannot be read: {}", path, std::strerror(err)));
    return text;
}

const json* member(const json& j, const char* key) {
    if (!j.is_object()) return nullptr;
    const auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}
std::optional<std::string> string_at(const json& j, const char* key) {
    const json* m = member(j, key);
    return m && m->is_string() ? std::optional(m->get<std::string>()) : std::nullopt;
}
std::optional<double> number_at(const json& j, const char* key) {
    const json* m = member(j, key);
    return m && m->is_number() ? std::optional(m->get<double>()) : std::nullopt;
}
std::optional<std::int64_t> integer_at(const json& j, const char* key) {
    const json* m = member(j, key);
    return m && m->is_number_integer() ? std::optional(m->get<std::int64_t>()) : std::nullopt;
}
bool flag_at(const json& j, const char* key) {
    const json* m = member(j, key);
    return m && m->is_boolean() && m->get<bool>();
}

// "STATUS_SUCCESS (0x00000000)" → "STATUS_SUCCESS"; a value without a name stays as it is.
std::string status_name(const std::string& s) { return s.substr(0, s.find(" (")); }

// A slice whose track is known by number until every track's name is read.
struct PendingSlice {
    std::int64_t pid = 0;
    TraceSlice slice;
};

Latency latency_of(std::vector<double> durations) {
    std::sort(durations.begin(), durations.end());
    Latency l;
    l.count = durations.size();
    l.p50 = percentile(durations, 50);
    l.p90 = percentile(durations, 90);
    l.p99 = percentile(durations, 99);
    l.max = durations.empty() ? 0 : durations.back();
    return l;
}

}  // namespace

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

Checked<TraceFile> read_trace_file(const std::string& path) {
    auto text = read_text(path);
    if (!text.ok()) return text.failure();
    json trace;
    try {  // the parser says where the text stops being JSON only through its exception
        trace = json::parse(text.value());
    } catch (const json::parse_error& e) {
        return bad_input(fmt::format("{} is not JSON (syntax error at byte {}): {}", path, e.byte, kWhatToGive));
    } catch (const json::exception&) {
        return bad_input(fmt::format("{} is not JSON: {}", path, kWhatToGive));
    }
    const auto not_wdfio = [&](const std::string& why) {
        return bad_input(fmt::format("{} is JSON but not a wdfio trace ({}): {}", path, why, kWhatToGive));
    };
    const json* events = member(trace, "traceEvents");
    const json* meta = member(trace, "metadata");
    const json* wdfio = meta ? member(*meta, "wdfio") : nullptr;
    if (!events || !events->is_array()) return not_wdfio("no \"traceEvents\" list");
    if (!wdfio || !wdfio->is_object()) return not_wdfio("no \"metadata.wdfio\"");

    TraceFile file;
    file.path = path;
    file.overwritten = static_cast<std::uint64_t>(integer_at(*wdfio, "events_overwritten").value_or(0));
    std::unordered_map<std::int64_t, std::string> tracks;
    struct Begin {
        std::int64_t pid;
        double ts;
        std::string type, request;
    };
    std::unordered_map<std::string, Begin> open;  // by slice id
    std::vector<PendingSlice> finished;
    std::unordered_map<std::int64_t, std::uint64_t> unfinished;  // by pid
    for (std::size_t i = 0; i < events->size(); ++i) {
        const json& e = (*events)[i];
        const auto ph = string_at(e, "ph");
        if (!ph) return not_wdfio(fmt::format("event {} has no \"ph\"", i));
        const auto pid = integer_at(e, "pid");
        const json* args = member(e, "args");
        if (*ph == "M") {
            const auto name = args ? string_at(*args, "name") : std::nullopt;
            if (string_at(e, "name") == "process_name" && pid && name) tracks[*pid] = *name;
            continue;
        }
        if (*ph != "b" && *ph != "e") continue;  // instants and counters: not requests
        const auto id = string_at(e, "id");
        const auto ts = number_at(e, "ts");
        if (!id || !pid || !ts || !args || !args->is_object())
            return not_wdfio(fmt::format("request event {} lacks its id, pid, ts or args", i));
        if (*ph == "b") {
            if (flag_at(*args, "in_flight") || flag_at(*args, "end_lost")) {
                ++unfinished[*pid];
                continue;
            }
            open[*id] = {*pid, *ts, string_at(e, "name").value_or("?"), string_at(*args, "request").value_or("?")};
            continue;
        }
        const auto begin = open.find(*id);
        if (begin == open.end()) continue;  // write_trace never writes an end without its begin
        TraceSlice slice;
        slice.type = begin->second.type;
        slice.request = begin->second.request;
        slice.status = status_name(string_at(*args, "status").value_or("?"));
        slice.duration_us = std::max(0.0, *ts - begin->second.ts);
        slice.refused = string_at(*args, "how") == "refused";
        finished.push_back({begin->second.pid, std::move(slice)});
        open.erase(begin);
    }
    for (const auto& [id, b] : open) ++unfinished[b.pid];  // begun, never ended
    const auto track_name = [&](std::int64_t pid) {
        const auto it = tracks.find(pid);
        return it != tracks.end() ? it->second : fmt::format("track {}", pid);
    };
    for (PendingSlice& p : finished) {
        p.slice.track = track_name(p.pid);
        p.slice.queue = p.slice.track.starts_with("queue ");
        file.slices.push_back(std::move(p.slice));
    }
    for (const auto& [pid, n] : unfinished) file.unfinished[track_name(pid)] += n;
    return file;
}

TraceSummary summarise(const std::vector<TraceFile>& files, std::size_t longest) {
    TraceSummary summary;
    std::map<std::string, TrackSummary> tracks;
    std::map<std::string, std::map<std::string, std::vector<double>>> durations;  // track → type → us
    std::vector<const TraceSlice*> on_targets;
    for (const TraceFile& f : files) {
        summary.files.push_back(f.path);
        summary.overwritten += f.overwritten;
        for (const TraceSlice& s : f.slices) {
            TrackSummary& t = tracks[s.track];
            t.name = s.track;
            t.queue = s.queue;
            if (s.refused) {  // not a request that ran: counted apart, no latency
                ++t.refused;
                summary.refused += s.queue ? 0 : 1;
                continue;
            }
            ++t.requests;
            ++t.statuses[s.status];
            durations[s.track][s.type].push_back(s.duration_us);
            if (s.queue) continue;
            ++summary.requests;
            ++summary.statuses[s.status];
            on_targets.push_back(&s);
        }
        for (const auto& [name, n] : f.unfinished) {
            TrackSummary& t = tracks[name];
            t.name = name;
            t.queue = name.starts_with("queue ");
            t.unfinished += n;
            if (!t.queue) summary.unfinished += n;
        }
    }
    for (auto& [name, t] : tracks) {
        for (auto& [type, d] : durations[name]) t.latency[type] = latency_of(std::move(d));
        summary.tracks.push_back(std::move(t));
    }
    std::stable_partition(summary.tracks.begin(), summary.tracks.end(), [](const TrackSummary& t) { return !t.queue; });
    const std::size_t n = std::min(longest, on_targets.size());
    std::partial_sort(on_targets.begin(), on_targets.begin() + static_cast<std::ptrdiff_t>(n), on_targets.end(),
                      [](const TraceSlice* a, const TraceSlice* b) { return a->duration_us > b->duration_us; });
    for (std::size_t i = 0; i < n; ++i) summary.longest.push_back(*on_targets[i]);
    return summary;
}

}  // namespace wdfio::cli
