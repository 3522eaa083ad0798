#include "report.hpp"

#include "size_arg.hpp"

namespace wdfio::cli {

namespace {
constexpr double kPercentiles[] = {50, 90, 99, 99.9};
constexpr const char* kPercentileNames[] = {"p50", "p90", "p99", "p99.9"};

double us(double ns) { return ns / 1000.0; }

void print_row(std::FILE* out, const char* name, const LoadResult& r) {
    std::fprintf(out, "%-13s %11.0f %9.1f", name, r.iops(), r.mib_per_s());
    for (double p : kPercentiles) std::fprintf(out, " %8.1f", us(r.latency.percentile_ns(p)));
    std::fprintf(out, " %10.0f %8llu\n", r.cpu_ns_per_request(), static_cast<unsigned long long>(r.errors));
}

void print_problems(std::FILE* out, const char* name, const LoadResult& r) {
    if (r.errors)
        std::fprintf(out, "%s: %llu of %llu requests failed; first failure %s\n", name,
                     static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.requests),
                     r.first_failure.to_string().c_str());
    if (r.short_transfers)
        std::fprintf(out, "%s: %llu requests transferred fewer bytes than --bs\n", name,
                     static_cast<unsigned long long>(r.short_transfers));
}

// A JSON string: quotes, backslashes and control characters escaped.
std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// The fields of one load, without braces.
void print_json_fields(std::FILE* out, const LoadResult& r) {
    std::fprintf(out, "\"seconds\":%.6f,\"requests\":%llu,\"iops\":%.1f,\"mib_per_s\":%.3f,\"lat_us\":{", r.seconds,
                 static_cast<unsigned long long>(r.requests), r.iops(), r.mib_per_s());
    for (int i = 0; i < 4; ++i)
        std::fprintf(out, "\"%s\":%.2f,", kPercentileNames[i], us(r.latency.percentile_ns(kPercentiles[i])));
    std::fprintf(out, "\"max\":%.2f},\"cpu_ns_per_request\":%.1f,\"errors\":%llu,\"short\":%llu,\"first_failure\":%s",
                 us(static_cast<double>(r.latency.max_ns())), r.cpu_ns_per_request(),
                 static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.short_transfers),
                 r.errors ? json_string(r.first_failure.to_string()).c_str() : "null");
}
}  // namespace

void print_text(const BenchReport& rep, std::FILE* out) {
    const LoadPlan& p = rep.plan;
    std::fprintf(out, "target  %s (%s), region %s%s\n", rep.target.c_str(), rep.target_kind.c_str(),
                 format_size(p.region_bytes).c_str(), p.direct ? ", O_DIRECT" : "");
    std::fprintf(out, "load    %s, bs %s, qd %u, %u thread%s, %.2f s, backend %s\n", p.rw.c_str(),
                 format_size(p.block_bytes).c_str(), p.queue_depth, p.threads, p.threads == 1 ? "" : "s", p.seconds,
                 rep.backend.c_str());
    std::fprintf(out, "%-13s %11s %9s %8s %8s %8s %8s %10s %8s\n", "", "IOPS", "MiB/s", "p50 us", "p90 us", "p99 us",
                 "p99.9 us", "cpu ns/req", "errors");
    print_row(out, "wdfio", rep.wdfio);
    if (rep.raw) {
        print_row(out, "raw liburing", *rep.raw);
        std::fprintf(out, "ratio wdfio/raw %.3f%s\n", rep.ratio(),
                     p.threads > 1 ? " (raw ran one thread, wdfio all of them)" : "");
    }
    std::fprintf(out, "latency: send to completion; cpu: user+sys of the process per request\n");
    print_problems(out, "wdfio", rep.wdfio);
    if (rep.raw) print_problems(out, "raw liburing", *rep.raw);
}

void print_json(const BenchReport& rep, std::FILE* out) {
    const LoadPlan& p = rep.plan;
    std::fprintf(out, "{\"target\":%s,\"target_kind\":\"%s\",\"rw\":%s,\"bs\":%llu,\"qd\":%u,\"threads\":%u,",
                 json_string(rep.target).c_str(), rep.target_kind.c_str(), json_string(p.rw).c_str(),
                 static_cast<unsigned long long>(p.block_bytes), p.queue_depth, p.threads);
    std::fprintf(out, "\"time\":%g,\"region_bytes\":%llu,\"direct\":%s,\"backend\":\"%s\",", p.seconds,
                 static_cast<unsigned long long>(p.region_bytes), p.direct ? "true" : "false", rep.backend.c_str());
    print_json_fields(out, rep.wdfio);
    if (rep.raw) {
        std::fprintf(out, ",\"raw_iops\":%.1f,\"ratio\":%.4f,\"raw\":{", rep.raw->iops(), rep.ratio());
        print_json_fields(out, *rep.raw);
        std::fprintf(out, "}");
    }
    std::fprintf(out, "}\n");
}

}  // namespace wdfio::cli
