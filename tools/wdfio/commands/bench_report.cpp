#include "commands/bench_report.hpp"

#include "size_arg.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace wdfio::cli {

namespace {
constexpr double kPercentiles[] = {50, 90, 99, 99.9};
constexpr const char* kPercentileNames[] = {"p50", "p90", "p99", "p99.9"};

double us(double ns) { return ns / 1000.0; }

void print_row(std::FILE* out, const char* name, const LoadResult& r) {
    fmt::print(out, "{:<13} {:>11.0f} {:>9.1f}", name, r.iops(), r.mib_per_s());
    for (double p : kPercentiles) fmt::print(out, " {:>8.1f}", us(r.latency.percentile_ns(p)));
    fmt::print(out, " {:>10.0f} {:>8}\n", r.cpu_ns_per_request(), r.errors);
}

void print_problems(std::FILE* out, const char* name, const LoadResult& r) {
    if (r.errors)
        fmt::print(out, "{}: {} of {} requests failed; first failure {}\n", name, r.errors, r.requests,
                   r.first_failure.to_string());
    if (r.short_transfers)
        fmt::print(out, "{}: {} requests transferred fewer bytes than --bs\n", name, r.short_transfers);
}

// The fields of one load.
void add_result(nlohmann::ordered_json& j, const LoadResult& r) {
    j["seconds"] = r.seconds;
    j["requests"] = r.requests;
    j["iops"] = r.iops();
    j["mib_per_s"] = r.mib_per_s();
    nlohmann::ordered_json lat;
    for (int i = 0; i < 4; ++i) lat[kPercentileNames[i]] = us(r.latency.percentile_ns(kPercentiles[i]));
    lat["max"] = us(static_cast<double>(r.latency.max_ns()));
    j["lat_us"] = std::move(lat);
    j["cpu_ns_per_request"] = r.cpu_ns_per_request();
    j["errors"] = r.errors;
    j["short"] = r.short_transfers;
    j["first_failure"] = r.errors ? nlohmann::ordered_json(r.first_failure.to_string()) : nlohmann::ordered_json();
}
}  // namespace

void print_text(const BenchReport& rep, std::FILE* out) {
    const LoadPlan& p = rep.plan;
    fmt::print(out, "target  {} ({}), region {}{}{}\n", rep.target, rep.target_kind, format_size(p.region_bytes),
               p.direct ? ", O_DIRECT" : "", p.fixed_buffers ? ", fixed buffers" : "");
    fmt::print(out, "load    {}, bs {}, qd {}, {} thread{}{}, {:.2f} s, backend {}\n", p.rw, format_size(p.block_bytes),
               p.queue_depth, p.threads, p.threads == 1 ? "" : "s",
               p.engines ? fmt::format(" on one engine of {} engine thread{}", p.engines, p.engines == 1 ? "" : "s")
                         : std::string(),
               p.seconds, rep.backend);
    fmt::print(out, "{:<13} {:>11} {:>9} {:>8} {:>8} {:>8} {:>8} {:>10} {:>8}\n", "", "IOPS", "MiB/s", "p50 us",
               "p90 us", "p99 us", "p99.9 us", "cpu ns/req", "errors");
    print_row(out, "wdfio", rep.wdfio);
    if (rep.raw) {
        print_row(out, "raw liburing", *rep.raw);
        fmt::print(out, "ratio wdfio/raw {:.3f}{}\n", rep.ratio(),
                   p.threads > 1 ? fmt::format(" (raw: {} rings on {} threads)", p.threads, p.threads) : "");
    }
    if (p.mix == Mix::Mixed)
        fmt::print(out, "  reads       {:>11.0f} {:>9.1f}\n  writes      {:>11.0f} {:>9.1f}\n", rep.wdfio.read_iops(),
                   rep.wdfio.read_mib_per_s(), rep.wdfio.write_iops(), rep.wdfio.write_mib_per_s());
    fmt::print(out, "latency: send to completion; IOPS, MiB/s: successful requests; cpu: user+sys per request\n");
    if (rep.flush) fmt::print(out, "flush: {}\n", *rep.flush);
    if (rep.stopped_at_first_error)
        fmt::print(out, "stopped at the first failed request (--continue-on-error keeps going)\n");
    if (rep.interrupted) fmt::print(out, "interrupted after {:.2f} s: results so far\n", rep.wdfio.seconds);
    print_problems(out, "wdfio", rep.wdfio);
    if (rep.raw) print_problems(out, "raw liburing", *rep.raw);
}

void print_json(const BenchReport& rep, std::FILE* out) {
    const LoadPlan& p = rep.plan;
    nlohmann::ordered_json j;
    j["target"] = rep.target;
    j["target_kind"] = rep.target_kind;
    j["rw"] = p.rw;
    j["bs"] = p.block_bytes;
    j["qd"] = p.queue_depth;
    j["threads"] = p.threads;
    j["engines"] = p.engines;
    j["time"] = p.seconds;
    j["region_bytes"] = p.region_bytes;
    j["direct"] = p.direct;
    j["fixed_buffers"] = p.fixed_buffers;
    j["backend"] = rep.backend;
    add_result(j, rep.wdfio);
    if (p.mix == Mix::Mixed) {
        j["read"] = {{"iops", rep.wdfio.read_iops()}, {"mib_per_s", rep.wdfio.read_mib_per_s()}};
        j["write"] = {{"iops", rep.wdfio.write_iops()}, {"mib_per_s", rep.wdfio.write_mib_per_s()}};
    }
    j["flush"] = rep.flush ? nlohmann::ordered_json(*rep.flush) : nlohmann::ordered_json();
    j["stopped_at_first_error"] = rep.stopped_at_first_error;
    j["interrupted"] = rep.interrupted;
    if (rep.raw) {
        j["raw_iops"] = rep.raw->iops();
        j["ratio"] = rep.ratio();
        nlohmann::ordered_json raw;
        add_result(raw, *rep.raw);
        j["raw"] = std::move(raw);
    }
    // Invalid UTF-8 in a path is replaced rather than thrown on.
    fmt::print(out, "{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace wdfio::cli
