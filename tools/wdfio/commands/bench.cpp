#include "commands/bench.hpp"

#include "bench_target.hpp"
#include "commands/bench_report.hpp"
#include "fault_spec.hpp"
#include "path_target.hpp"
#include "raw_uring.hpp"
#include "resident_region.hpp"
#include "size_arg.hpp"
#include "target_spec.hpp"
#include "wdfio_load.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <memory>

namespace wdfio::cli {

namespace {
constexpr long long kMaxFilters = 64;

int fail(const CommandFailure& f) {
    fmt::print(stderr, "wdfio bench: {}\n", f.message);
    return f.exit_code;
}

// --filters and --fault, checked against the target they would sit on.
Checked<StackSpec> make_stack(const BenchOptions& o, const LoadPlan& plan, TargetSpec target) {
    StackSpec stack;
    stack.target = std::move(target);
    stack.direct = plan.direct;
    stack.writes = plan.writes();
    if (o.filters < 0 || o.filters > kMaxFilters) return bad_input("--filters must be between 0 and 64");
    stack.filters = static_cast<unsigned>(o.filters);
    if (!o.fault.empty()) {
        auto fault = parse_fault(o.fault);
        if (!fault.ok()) return fault.failure();
        stack.fault = fault.value();
    }
    const bool ram = stack.target.is_ram();
    if (!ram && (stack.filters || stack.fault))
        return bad_input("--filters and --fault build an in-process stack over a RAM disk: use a ram:SIZE target");
    if (ram && o.compare_raw)
        return bad_input("--compare-raw needs a file or block-device target: raw io_uring cannot reach ram:");
    if (ram && plan.direct) return bad_input("--direct applies to files and block devices, not ram:");
    return stack;
}

Checked<std::optional<std::uint64_t>> parse_region_size(const BenchOptions& o, const LoadPlan& plan) {
    if (o.size.empty()) return std::optional<std::uint64_t>();
    const auto size = parse_size(o.size);
    if (!size) return bad_input("--size '" + o.size + "' is not a size: give bytes or a K/M/G suffix, e.g. 64M");
    if (*size < plan.block_bytes) return bad_input("--size must be at least --bs");
    return std::optional<std::uint64_t>(size);
}

struct PreparedTarget {
    std::string kind;  // "file", "block", "ram"
    std::uint64_t region_bytes = 0;
    bool regular_file = false;
};

// The region of a RAM disk, or a path made ready (created, sized, checked for --force).
Checked<PreparedTarget> prepare_target(const StackSpec& stack, std::optional<std::uint64_t> size, const LoadPlan& plan,
                                       bool force) {
    if (stack.target.is_ram()) {
        if (size && *size > stack.target.ram_bytes)
            return bad_input("--size " + format_size(*size) + " is larger than the RAM disk (" +
                             format_size(stack.target.ram_bytes) + ")");
        return PreparedTarget{"ram", size.value_or(stack.target.ram_bytes), false};
    }
    auto path = prepare_path_target({stack.target.path, size, plan.writes(), force});
    if (!path.ok()) return path.failure();
    const PathTarget& t = path.value();
    if (t.region_bytes < plan.block_bytes)
        return bad_input(t.path + " is smaller than --bs (" + format_size(t.region_bytes) + ")");
    std::string kind = t.block_device ? "block device" : t.created ? "regular file, created" : "regular file";
    return PreparedTarget{std::move(kind), t.region_bytes, !t.block_device};
}

// Buffered reads of a regular file read the page cache: keep it there.
std::unique_ptr<ResidentRegion> keep_resident(const StackSpec& stack, const PreparedTarget& prepared,
                                              const LoadPlan& plan) {
    if (!prepared.regular_file || plan.direct || !plan.reads()) return nullptr;
    return ResidentRegion::pin(stack.target.path, prepared.region_bytes);
}

int finish(const BenchReport& report, bool json) {
    if (json) print_json(report, stdout);
    else print_text(report, stdout);
    std::fflush(stdout);
    if (report.errors() == 0) return 0;
    if (json) {  // the text table says it already
        const LoadResult& r = report.wdfio.errors ? report.wdfio : *report.raw;
        fmt::print(stderr, "wdfio bench: {} requests failed; first failure {}\n", report.errors(),
                   r.first_failure.to_string());
    }
    return kExitFailed;
}
}  // namespace

Command add_bench_command(CLI::App& app) {
    auto options = std::make_shared<BenchOptions>();
    BenchOptions& o = *options;
    CLI::App* cmd = app.add_subcommand(
        "bench",
        "Put an fio-like load on a target through wdfio's asynchronous sends: each completion routine "
        "re-formats its request with the next offset and re-sends it");
    cmd->add_option("TARGET", o.target,
                    "A regular file, a block device, ram:SIZE (an in-process RAM disk, one per thread), or another "
                    "name wdfio opens (an in-process device)")
        ->required();
    cmd->add_option("--rw", o.load.rw, "read | write | randread | randwrite | randrw (50/50)")->required();
    cmd->add_option("--bs", o.load.bs, "Block size: bytes or K/M/G (powers of 1024), e.g. 4k")->required();
    cmd->add_option("--qd", o.load.qd, "Requests in flight per thread (1-4096)")->required();
    cmd->add_option("--time", o.load.seconds, "Seconds to run")->required();
    cmd->add_option("--size", o.size,
                    "Region of the target to use (default: all of it); a missing or empty file is created with "
                    "this much data");
    cmd->add_flag("--direct", o.load.direct, "Open with O_DIRECT (--bs a multiple of 512)");
    cmd->add_option("--threads", o.load.threads, "Independent engines, each with --qd requests; results summed")
        ->capture_default_str();
    cmd->add_option("--filters", o.filters, "ram: only: pass-through filter devices stacked above the RAM disk")
        ->capture_default_str();
    cmd->add_option("--fault", o.fault,
                    "ram: only: a FaultFilter above the RAM disk: fail:SHARE[:STATUS_HEX], delay:SHARE:MICROSECONDS "
                    "or short:SHARE:FRACTION");
    cmd->add_flag("--json", o.json, "Print one JSON object instead of the table");
    cmd->add_flag("--compare-raw", o.compare_raw,
                  "Files and block devices: then run the same load (one thread) on raw liburing and print the ratio");
    cmd->add_flag("--force", o.force, "Allow writes to a target that holds data (one this command did not create)");
    cmd->footer(
        "Writes without --force only go to ram: targets and to files this command creates.\n"
        "Exit status: 0 done, 1 a request failed (the first failure is printed by name), 2 bad input.\n"
        "Examples:\n"
        "  wdfio bench /tmp/x.img --size 64M --rw randread --bs 4k --qd 32 --time 5 --compare-raw\n"
        "  wdfio bench ram:256M --filters 2 --fault fail:0.01 --rw randrw --bs 4k --qd 16 --time 3 --json");
    return {cmd, [options] { return run_bench(*options); }};
}

int run_bench(const BenchOptions& o) {
    auto plan_checked = make_load_plan(o.load);
    if (!plan_checked.ok()) return fail(plan_checked.failure());
    LoadPlan plan = std::move(plan_checked).value();
    auto target = parse_target(o.target);
    if (!target.ok()) return fail(target.failure());
    auto stack_checked = make_stack(o, plan, std::move(target).value());
    if (!stack_checked.ok()) return fail(stack_checked.failure());
    const StackSpec stack = std::move(stack_checked).value();
    auto size = parse_region_size(o, plan);
    if (!size.ok()) return fail(size.failure());

    auto prepared = prepare_target(stack, size.value(), plan, o.force);
    if (!prepared.ok()) return fail(prepared.failure());
    plan.region_bytes = prepared.value().region_bytes;
    const auto resident = keep_resident(stack, prepared.value(), plan);

    if (resident) resident->warn_if_not_resident("wdfio");
    auto wdfio_run = run_wdfio_load(plan, stack);
    if (!wdfio_run.ok()) return fail(wdfio_run.failure());

    BenchReport report{describe_stack(stack),    prepared.value().kind, plan, to_string(wdfio_run.value().backend),
                       wdfio_run.value().result, std::nullopt};
    if (o.compare_raw) {
        if (resident) resident->warn_if_not_resident("raw liburing");
        auto raw = run_raw_load(plan, stack.target.path);
        if (!raw.ok()) return fail(raw.failure());
        report.raw = std::move(raw).value();
    }
    return finish(report, o.json);
}

}  // namespace wdfio::cli
