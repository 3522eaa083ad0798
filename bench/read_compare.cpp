// wdfio_bench_read: what does wdfio's request model cost over raw liburing?
//
// Async 4 KiB random reads from a page-cached (mlocked) file, at queue depth 1
// and 32, through wdfio (Request/IoTarget, completion routines that re-send)
// and through a raw io_uring set up the way wdfio's backend sets up its ring:
// the loads of `wdfio bench --compare-raw` (tools/wdfio, linked here as
// wdfio_loadgen), the same offsets on both sides. Runs alternate raw, wdfio,
// raw, wdfio ... so that drift hits both sides alike; the table gives medians
// and the ratio median wdfio / median raw.
//
//   wdfio_bench_read [--size MiB] [--seconds S] [--rounds N] [--json] [--quick]
#include "load_plan.hpp"
#include "path_target.hpp"
#include "raw_uring.hpp"
#include "resident_region.hpp"
#include "wdfio_load.hpp"

#include <wdfio/engine.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace wdfio::cli;

constexpr std::size_t kBlock = 4096;
constexpr int kDepths[] = {1, 32};

// ------------------------------------------------------------------ options

struct Options {
    std::size_t size_mib = 256;
    double seconds = 3.0;
    int rounds = 3;
    bool json = false;
    bool quick = false;
};

[[noreturn]] void usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s [--size MiB] [--seconds S] [--rounds N] [--json] [--quick]\n"
                 "  --size MiB    file size (default 256)\n"
                 "  --seconds S   duration of each measured run (default 3)\n"
                 "  --rounds N    raw/wdfio alternations per depth (default 3)\n"
                 "  --json        print one JSON object instead of the table\n"
                 "  --quick       smoke run: 32 MiB, 0.3 s, 1 round (explicit flags still win)\n",
                 argv0);
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    bool size_set = false, seconds_set = false, rounds_set = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--json") o.json = true;
        else if (a == "--quick") o.quick = true;
        else if (a == "--size" && has_value) o.size_mib = std::strtoull(argv[++i], nullptr, 10), size_set = true;
        else if (a == "--seconds" && has_value) o.seconds = std::strtod(argv[++i], nullptr), seconds_set = true;
        else if (a == "--rounds" && has_value) o.rounds = std::atoi(argv[++i]), rounds_set = true;
        else usage(argv[0]);
    }
    if (o.quick) {
        if (!size_set) o.size_mib = 32;
        if (!seconds_set) o.seconds = 0.3;
        if (!rounds_set) o.rounds = 1;
    }
    if (o.size_mib == 0 || o.seconds <= 0 || o.rounds < 1) usage(argv[0]);
    return o;
}

// ------------------------------------------------------------------ the file

// A temporary file of random data (created as `wdfio bench` creates one),
// removed at exit, held in the page cache for the whole run.
class TempFile {
public:
    explicit TempFile(std::size_t bytes) {
        const char* dir = std::getenv("TMPDIR");
        path_ = std::string(dir && *dir ? dir : "/tmp") + "/wdfio-bench-XXXXXX";
        const int fd = mkstemp(path_.data());
        if (fd < 0) die("mkstemp in " + path_);
        ::close(fd);
        auto prepared = prepare_path_target({path_, bytes, false, false});
        if (!prepared.ok()) die(prepared.failure().message);
        resident_ = ResidentRegion::pin(path_, bytes);
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const noexcept { return path_; }
    void warn_if_evicted(const char* side, int depth) const {
        const std::string run = std::string(side) + " run at depth " + std::to_string(depth);
        if (resident_) resident_->warn_if_not_resident(run.c_str());
    }

private:
    [[noreturn]] void die(const std::string& what) {
        std::fprintf(stderr, "wdfio_bench_read: %s\n", what.c_str());
        ::unlink(path_.c_str());
        std::exit(1);
    }

    std::string path_;
    std::unique_ptr<ResidentRegion> resident_;
};

// ------------------------------------------------------------------ one run of each side

[[noreturn]] void fail(const CommandFailure& f) {
    std::fprintf(stderr, "wdfio_bench_read: %s\n", f.message.c_str());
    std::exit(1);
}

LoadPlan plan_for(int depth, double seconds, std::size_t bytes) {
    auto plan = make_load_plan({"randread", "4k", depth, seconds, 1, false});
    if (!plan.ok()) fail(plan.failure());
    plan.value().region_bytes = bytes;
    return std::move(plan).value();
}

LoadResult run_raw(const LoadPlan& plan, const TempFile& file) {
    auto r = run_raw_load(plan, file.path());
    if (!r.ok()) fail(r.failure());
    return std::move(r).value();
}

LoadResult run_wdfio(const LoadPlan& plan, const TempFile& file) {
    StackSpec stack;
    stack.target = {TargetSpec::Kind::Path, file.path(), file.path(), 0};
    auto r = run_wdfio_load(plan, stack);
    if (!r.ok()) fail(r.failure());
    return std::move(r).value().result;
}

std::uint64_t failures(const LoadResult& r) { return r.errors + r.short_transfers; }

// ------------------------------------------------------------------ statistics and output

struct SideStats {
    double median = 0, min = 0, max = 0;
};

SideStats stats_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return {median, v.front(), v.back()};
}

struct DepthRow {
    int depth = 0;
    SideStats raw, wdfio;
    std::uint64_t errors = 0;
    double ratio() const { return raw.median > 0 ? wdfio.median / raw.median : 0; }
};

void print_table(const std::vector<DepthRow>& rows, const Options& o) {
    std::printf("4 KiB random reads, page-cached %zu MiB file, %.2f s per run, %d round(s)\n", o.size_mib, o.seconds,
                o.rounds);
    std::printf("%5s  %12s %12s %12s  %12s %12s %12s  %6s\n", "depth", "raw median", "raw min", "raw max",
                "wdfio median", "wdfio min", "wdfio max", "ratio");
    for (const auto& r : rows)
        std::printf("%5d  %12.0f %12.0f %12.0f  %12.0f %12.0f %12.0f  %6.3f\n", r.depth, r.raw.median, r.raw.min,
                    r.raw.max, r.wdfio.median, r.wdfio.min, r.wdfio.max, r.ratio());
    std::printf("IOPS; ratio = median wdfio / median raw\n");
}

void print_json(const std::vector<DepthRow>& rows, const Options& o) {
    std::printf("{\"block_bytes\":%zu,\"file_mib\":%zu,\"seconds_per_run\":%g,\"rounds\":%d,\"depths\":[", kBlock,
                o.size_mib, o.seconds, o.rounds);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        std::printf(
            "%s{\"depth\":%d,\"raw_iops\":{\"median\":%.0f,\"min\":%.0f,\"max\":%.0f},"
            "\"wdfio_iops\":{\"median\":%.0f,\"min\":%.0f,\"max\":%.0f},\"ratio\":%.4f,\"errors\":%llu}",
            i ? "," : "", r.depth, r.raw.median, r.raw.min, r.raw.max, r.wdfio.median, r.wdfio.min, r.wdfio.max,
            r.ratio(), static_cast<unsigned long long>(r.errors));
    }
    std::printf("]}\n");
}

// ------------------------------------------------------------------ the comparison

DepthRow compare_at_depth(int depth, const Options& o, const TempFile& file) {
    // Unmeasured warm-up of both sides: first-touch costs stay out of round 1.
    const std::size_t bytes = o.size_mib << 20;
    const LoadPlan warmup = plan_for(depth, std::min(0.2, o.seconds), bytes);
    run_raw(warmup, file);
    run_wdfio(warmup, file);

    const LoadPlan plan = plan_for(depth, o.seconds, bytes);
    std::vector<double> raw_iops, wdfio_iops;
    DepthRow row;
    row.depth = depth;
    for (int round = 0; round < o.rounds; ++round) {
        file.warn_if_evicted("raw", depth);
        const LoadResult r = run_raw(plan, file);
        file.warn_if_evicted("wdfio", depth);
        const LoadResult w = run_wdfio(plan, file);
        raw_iops.push_back(r.iops());
        wdfio_iops.push_back(w.iops());
        row.errors += failures(r) + failures(w);
    }
    row.raw = stats_of(raw_iops);
    row.wdfio = stats_of(wdfio_iops);
    return row;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    if (wdfio::Engine engine; engine.backend() != wdfio::BackendKind::Uring) {
        std::fprintf(stderr, "wdfio engine is not on io_uring (%s): the comparison would be meaningless\n",
                     engine.uring_status().to_string().c_str());
        return 1;
    }
    const TempFile file(o.size_mib << 20);

    std::vector<DepthRow> rows;
    for (int depth : kDepths) rows.push_back(compare_at_depth(depth, o, file));

    if (o.json) print_json(rows, o);
    else print_table(rows, o);

    std::uint64_t errors = 0;
    for (const auto& r : rows) errors += r.errors;
    if (errors) {
        std::fprintf(stderr, "error: %llu reads failed or came back short\n", static_cast<unsigned long long>(errors));
        return 1;
    }
    return 0;
}
