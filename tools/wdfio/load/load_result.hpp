// What one load measured — the counters a completion updates, and the summary
// (IOPS, bandwidth, latency, CPU per request) that is reported.
#pragma once
#include "histogram.hpp"

#include <wdfio/status.hpp>

#include <atomic>
#include <cstdint>

namespace wdfio::cli {

// A counter with one writer: a plain load and store, no locked instruction on
// the completion path; another thread may read it at any time.
class RelaxedCounter {
public:
    void add(std::uint64_t n) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

// Updated by the one thread that completes a load's requests (wdfio's engine
// thread, or the raw loop). requests and bytes are read at the deadline by
// another thread; the rest only once the load has drained.
struct LoadCounters {
    RelaxedCounter requests;                    // completions
    RelaxedCounter successes;                   // completions with a success status: what IOPS counts
    RelaxedCounter bytes;                       // bytes transferred by successful completions
    RelaxedCounter read_successes, read_bytes;  // the reads among them (mixed loads report both ways)
    std::uint64_t errors = 0;
    std::uint64_t short_transfers = 0;  // success with fewer bytes than asked
    Status first_failure;
    LatencyHistogram latency;

    void account(Status status, std::uint64_t information, std::uint64_t expected, std::uint64_t latency_ns,
                 bool read = false) noexcept {
        latency.record(latency_ns);
        requests.add(1);
        if (!status.ok()) {
            fail(status);
            return;
        }
        successes.add(1);
        bytes.add(information);
        if (read) {
            read_successes.add(1);
            read_bytes.add(information);
        }
        if (information < expected) ++short_transfers;
    }
    // A completion with a failure status, or a format or send that was refused.
    void fail(Status status) noexcept {
        if (errors++ == 0) first_failure = status;
    }
};

struct LoadResult {
    double seconds = 0;                                // first send to the deadline
    std::uint64_t completed = 0;                       // successful completions by the deadline
    std::uint64_t bytes = 0;                           // bytes by the deadline
    std::uint64_t read_completed = 0, read_bytes = 0;  // the reads among them
    std::uint64_t requests = 0;                        // every completion, those draining after the deadline too
    std::uint64_t errors = 0;
    std::uint64_t short_transfers = 0;
    Status first_failure;
    LatencyHistogram latency;
    double cpu_seconds = 0;  // user + system time of the process, first send to drained

    double iops() const noexcept { return seconds > 0 ? static_cast<double>(completed) / seconds : 0; }
    double mib_per_s() const noexcept { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1048576.0 : 0; }
    double read_iops() const noexcept { return seconds > 0 ? static_cast<double>(read_completed) / seconds : 0; }
    double read_mib_per_s() const noexcept {
        return seconds > 0 ? static_cast<double>(read_bytes) / seconds / 1048576.0 : 0;
    }
    double write_iops() const noexcept { return iops() - read_iops(); }
    double write_mib_per_s() const noexcept { return mib_per_s() - read_mib_per_s(); }
    double cpu_ns_per_request() const noexcept {
        return requests ? cpu_seconds * 1e9 / static_cast<double>(requests) : 0;
    }

    // The final counts of a drained load (completed, bytes and seconds are the
    // deadline's snapshot, set by the caller).
    void take_counters(const LoadCounters& c) {
        requests += c.requests.get();
        errors += c.errors;
        short_transfers += c.short_transfers;
        if (first_failure.ok() && !c.first_failure.ok()) first_failure = c.first_failure;
        latency.merge(c.latency);
    }
};

}  // namespace wdfio::cli
