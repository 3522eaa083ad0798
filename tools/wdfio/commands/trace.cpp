// `wdfio trace FILE`: a summary of a trace written with --trace, for people
// without a trace viewer — requests per target, status counts, latency
// percentiles per target and type, the longest requests. A bench run with
// --threads wrote FILE, FILE.1, ...: those beside FILE are read with it.
#include "commands/command.hpp"
#include "commands/trace_summary.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace wdfio::cli {

namespace {

struct TraceOptions {
    std::string file;
    bool json = false;
};

// FILE, then FILE.1, FILE.2, ... for as long as they exist (one per engine of a bench run).
std::vector<std::string> trace_paths(const std::string& file) {
    std::vector<std::string> paths = {file};
    struct stat st {};
    for (unsigned i = 1; ::stat((file + "." + std::to_string(i)).c_str(), &st) == 0; ++i)
        paths.push_back(file + "." + std::to_string(i));
    return paths;
}

std::string joined(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
    return s;
}

nlohmann::ordered_json to_json(const TraceSummary& s) {
    using nlohmann::ordered_json;
    ordered_json j;
    j["files"] = s.files;
    j["requests"] = s.requests;
    j["refused"] = s.refused;
    j["unfinished"] = s.unfinished;
    j["events_overwritten"] = s.overwritten;
    j["statuses"] = s.statuses;
    j["targets"] = ordered_json::array();
    for (const TrackSummary& t : s.tracks) {
        ordered_json track = {{"name", t.name},       {"kind", t.queue ? "queue" : "target"}, {"requests", t.requests},
                              {"refused", t.refused}, {"unfinished", t.unfinished},           {"statuses", t.statuses}};
        track["latency_us"] = ordered_json::object();
        for (const auto& [type, l] : t.latency)
            track["latency_us"][type] = {
                {"count", l.count}, {"p50", l.p50}, {"p90", l.p90}, {"p99", l.p99}, {"max", l.max}};
        j["targets"].push_back(std::move(track));
    }
    j["longest"] = ordered_json::array();
    for (const TraceSlice& l : s.longest)
        j["longest"].push_back({{"request", l.request},
                                {"target", l.track},
                                {"type", l.type},
                                {"status", l.status},
                                {"duration_us", l.duration_us}});
    return j;
}

void print_text(const TraceSummary& s) {
    std::size_t w = 6;  // the widest track name, for the columns
    for (const TrackSummary& t : s.tracks) w = std::max(w, t.name.size());
    fmt::print("trace {}: {} requests finished, {} unfinished (in flight at the end, or their end overwritten)\n",
               joined(s.files), s.requests, s.unfinished);
    if (s.refused) fmt::print("{} sends were refused after they were accepted (cancelled first)\n", s.refused);
    if (s.overwritten)
        fmt::print("the recorder wrapped: {} older events overwritten, so the earliest requests are missing\n",
                   s.overwritten);

    fmt::print("\nrequests per target (queue tracks: the same requests at each device level)\n");
    fmt::print("  {:<{}}  {:>10}  {:>10}\n", "target", w, "requests", "unfinished");
    for (const TrackSummary& t : s.tracks)
        fmt::print("  {:<{}}  {:>10}  {:>10}\n", t.name, w, t.requests, t.unfinished);

    fmt::print("\nstatuses (requests on targets)\n");
    for (const auto& [status, n] : s.statuses) fmt::print("  {:<24} {:>10}\n", status, n);

    fmt::print("\nlatency, send to completion, in us\n");
    fmt::print("  {:<{}}  {:<14} {:>8} {:>10} {:>10} {:>10} {:>10}\n", "target", w, "type", "count", "p50", "p90",
               "p99", "max");
    for (const TrackSummary& t : s.tracks)
        for (const auto& [type, l] : t.latency)
            fmt::print("  {:<{}}  {:<14} {:>8} {:>10.1f} {:>10.1f} {:>10.1f} {:>10.1f}\n", t.name, w, type, l.count,
                       l.p50, l.p90, l.p99, l.max);

    fmt::print("\nlongest requests\n");
    fmt::print("  {:<18} {:<{}}  {:<14} {:<20} {:>12}\n", "request", "target", w, "type", "status", "duration us");
    for (const TraceSlice& l : s.longest)
        fmt::print("  {:<18} {:<{}}  {:<14} {:<20} {:>12.1f}\n", l.request, l.track, w, l.type, l.status,
                   l.duration_us);
}

int run_trace(const TraceOptions& o) {
    std::vector<TraceFile> files;
    for (const std::string& path : trace_paths(o.file)) {
        auto file = read_trace_file(path);
        if (!file.ok()) {
            fmt::print(stderr, "wdfio trace: {}\n", file.failure().message);
            return file.failure().exit_code;
        }
        files.push_back(std::move(file).value());
    }
    const TraceSummary summary = summarise(files);
    if (o.json) {
        fmt::print("{}\n", to_json(summary).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        print_text(summary);
    }
    return 0;
}

}  // namespace

Command add_trace_command(CLI::App& app) {
    auto options = std::make_shared<TraceOptions>();
    CLI::App* cmd = app.add_subcommand(
        "trace", "Summarise a trace written with --trace: requests per target, statuses, latency, longest requests");
    cmd->add_option("FILE", options->file, "The trace (FILE.1, FILE.2 ... beside it, from bench --threads, too)")
        ->required();
    cmd->add_flag("--json", options->json, "Print one JSON object");
    cmd->footer(
        "Exit status: 0 summarised, 2 bad input (a missing or unreadable file, not JSON, not a wdfio trace).\n"
        "Example:\n  wdfio demo --trace demo.json && wdfio trace demo.json");
    return {cmd, [options] { return run_trace(*options); }};
}

}  // namespace wdfio::cli
