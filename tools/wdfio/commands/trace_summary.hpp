// A trace written by --trace (write_trace's Chrome/Perfetto JSON) read back
// into its requests — one slice per request from send to completion, on the
// track of its target or of a device's queue — and the numbers `wdfio trace`
// prints from them.
#pragma once
#include "checked.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace wdfio::cli {

struct TraceSlice {
    std::string track;    // the target's name, or "queue 0x... of device \Device\X"
    bool queue = false;   // a device queue's view of a request (one per level of a stack)
    std::string type;     // Read, Write, DeviceControl ...
    std::string status;   // by name (STATUS_IO_TIMEOUT), or the value if it has none
    std::string request;  // the request's id (its address when it was recorded)
    double duration_us = 0;
    bool refused = false;  // an accepted send undone before it went down: its routine did not run
};

struct TraceFile {
    std::string path;
    std::vector<TraceSlice> slices;                   // finished requests
    std::map<std::string, std::uint64_t> unfinished;  // per track: in flight, or their end overwritten
    std::uint64_t overwritten = 0;                    // recorder events lost to a wrapped ring
};

// Reads one trace file. A missing, unreadable or non-regular file, text that
// is not JSON, or JSON that is not a wdfio trace → a bad-input failure that
// names the problem and what to do.
Checked<TraceFile> read_trace_file(const std::string& path);

struct Latency {
    std::size_t count = 0;
    double p50 = 0, p90 = 0, p99 = 0, max = 0;  // microseconds, nearest rank
};

struct TrackSummary {
    std::string name;
    bool queue = false;
    std::uint64_t requests = 0;  // finished: their routine ran
    std::uint64_t refused = 0;
    std::uint64_t unfinished = 0;
    std::map<std::string, std::uint64_t> statuses;
    std::map<std::string, Latency> latency;  // by request type
};

struct TraceSummary {
    std::vector<std::string> files;
    std::uint64_t requests = 0;  // finished, on target tracks (queue tracks show them again per level)
    std::uint64_t refused = 0;
    std::uint64_t unfinished = 0;
    std::uint64_t overwritten = 0;
    std::vector<TrackSummary> tracks;               // targets first, then queues, each by name
    std::map<std::string, std::uint64_t> statuses;  // on target tracks
    std::vector<TraceSlice> longest;                // on target tracks, longest first
};

// Tracks of the same name in several files (a bench run's FILE, FILE.1, ...)
// are one: the same target seen from each engine.
TraceSummary summarise(const std::vector<TraceFile>& files, std::size_t longest = 5);

// Nearest-rank percentile of sorted values (0 for none).
double percentile(const std::vector<double>& sorted, double p);

}  // namespace wdfio::cli
