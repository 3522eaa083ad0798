#include "commands/bench.hpp"

#include "bench_target.hpp"
#include "commands/bench_report.hpp"
#include "commands/interrupt.hpp"
#include "commands/open_target.hpp"
#include "commands/trace_file.hpp"
#include "fault_spec.hpp"
#include "path_target.hpp"
#include "raw_uring.hpp"
#include "resident_region.hpp"
#include "size_arg.hpp"
#include "target_spec.hpp"
#include "wdfio_load.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
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
    if (ram && plan.fixed_buffers)
        return bad_input("--fixedbufs registers buffers with io_uring for files and block devices, not ram:");
    return stack;
}

Checked<std::optional<std::uint64_t>> parse_region_size(const BenchOptions& o, const LoadPlan& plan) {
    if (o.size.empty()) return std::optional<std::uint64_t>();
    const auto size = parse_size(o.size);
    if (!size) return bad_input("--size '" + o.size + "' is not a size: give bytes or a K/M/G suffix, e.g. 64M");
    if (*size < plan.block_bytes) return bad_input("--size must be at least --bs");
    return std::optional<std::uint64_t>(size);
}

// A target opened by name (an NBD export, a device) asked its size, on an
// engine of its own that goes before the load starts; nullopt if it cannot
// be opened or does not answer.
std::optional<std::uint64_t> size_by_name(const TargetSpec& spec) {
    Engine engine;
    auto target = IoTarget::open(engine, spec.text);
    if (!target) return std::nullopt;
    const std::optional<std::uint64_t> size = target_size(*target.value(), spec);
    target.value()->close();
    return size;
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
        if (plan.block_bytes > stack.target.ram_bytes)
            return bad_input("--bs " + format_size(plan.block_bytes) + " is larger than the RAM disk (" +
                             format_size(stack.target.ram_bytes) + ")");
        if (size && *size > stack.target.ram_bytes)
            return bad_input("--size " + format_size(*size) + " is larger than the RAM disk (" +
                             format_size(stack.target.ram_bytes) + ")");
        return PreparedTarget{"ram", size.value_or(stack.target.ram_bytes), false};
    }
    if (!stack.target.is_path()) {  // a device name or another kind: nothing to create or stat
        if (!size) size = size_by_name(stack.target);
        if (!size)
            return bad_input(stack.target.text +
                             " could not be opened, or does not tell its size (BLKGETSIZE64): check it, or give "
                             "--size, the region to use");
        if (plan.writes() && !force)
            return bad_input("refusing to write to " + stack.target.text + ": add --force to overwrite what it holds");
        return PreparedTarget{"opened by name", *size, false};
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

// MemAvailable from /proc/meminfo, in bytes (nullopt if unreadable).
std::optional<std::uint64_t> available_memory() {
    std::FILE* f = std::fopen("/proc/meminfo", "re");
    if (!f) return std::nullopt;
    char line[256];
    std::optional<std::uint64_t> bytes;
    while (std::fgets(line, sizeof line, f)) {
        unsigned long long kib = 0;
        if (std::sscanf(line, "MemAvailable: %llu kB", &kib) == 1) bytes = kib * 1024;
    }
    std::fclose(f);
    return bytes;
}

// A RAM disk per thread, or the page cache pinned for a buffered read load:
// memory this command would commit; refused when the machine does not have it.
Checked<bool> check_memory(const StackSpec& stack, const PreparedTarget& prepared, const LoadPlan& plan) {
    std::uint64_t needed = 0;
    std::string what;
    if (stack.target.is_ram()) {
        needed = stack.target.ram_bytes * plan.threads;
        what = fmt::format("{} RAM disk{} of {}", plan.threads, plan.threads == 1 ? "" : "s",
                           format_size(stack.target.ram_bytes));
    } else if (prepared.regular_file && !plan.direct && plan.reads()) {
        needed = prepared.region_bytes;
        what = fmt::format("keeping {} of {} in the page cache", format_size(needed), stack.target.path);
    }
    const auto available = available_memory();
    if (!needed || !available || needed <= *available) return true;
    return bad_input(fmt::format("{} needs {} of memory and {} is available: use a smaller size{}", what,
                                 format_size(needed), format_size(*available),
                                 stack.target.is_ram() ? " or fewer --threads" : ", --size or --direct"));
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
    cmd->add_option("--rw", o.load.rw, "read | write | rw (sequential, 50/50) | randread | randwrite | randrw (50/50)")
        ->required();
    cmd->add_option("--bs", o.load.bs, "Block size: bytes or K/M/G (powers of 1024), e.g. 4k")->required();
    cmd->add_option("--qd", o.load.qd, "Requests in flight per thread (1-4096)")->required();
    cmd->add_option("--time", o.time, "How long to run: seconds, or with a unit: 500ms, 10s, 2m")->required();
    cmd->add_flag("--continue-on-error", o.continue_on_error,
                  "Keep going when a request fails (by default the run stops at the first failure)");
    cmd->add_flag("--quiet", o.quiet, "No progress line (it is drawn only when stderr is a terminal anyway)");
    cmd->add_option("--trace", o.trace,
                    "Write the run's requests as a Perfetto trace (JSON) to this file (FILE.1, ... for --threads)");
    cmd->add_option("--size", o.size,
                    "Region of the target to use (default: all of it); a missing or empty file is created with "
                    "this much data");
    cmd->add_flag("--direct", o.load.direct, "Open with O_DIRECT (--bs a multiple of 512)");
    cmd->add_flag("--fixedbufs", o.load.fixed_buffers,
                  "Files and block devices: buffers registered with io_uring (Memory::allocate_registered; "
                  "--compare-raw: io_uring_register_buffers), sent as READ_FIXED/WRITE_FIXED");
    cmd->add_option("--threads", o.load.threads,
                    "Sending threads, each with --qd requests (and, without --engines, an engine of its own); "
                    "results summed")
        ->capture_default_str();
    cmd->add_option("--engines", o.load.engines,
                    "One engine of this many engine threads for all --threads (give as many threads, one per "
                    "engine thread); 0: an engine per thread")
        ->capture_default_str();
    cmd->add_option("--filters", o.filters, "ram: only: pass-through filter devices stacked above the RAM disk")
        ->capture_default_str();
    cmd->add_option("--fault", o.fault,
                    "ram: only: a FaultFilter above the RAM disk: fail:SHARE[:STATUS_HEX], delay:SHARE:MICROSECONDS "
                    "or short:SHARE:FRACTION");
    cmd->add_flag("--json", o.json, "Print one JSON object instead of the table");
    cmd->add_flag("--compare-raw", o.compare_raw,
                  "Files and block devices: then run the same load on raw liburing (a ring per --threads, each on "
                  "a thread of its own) and print the ratio");
    cmd->add_flag("--force", o.force, "Allow writes to a target that holds data (one this command did not create)");
    cmd->footer(
        "Writes without --force only go to ram: targets and to files this command creates.\n"
        "Exit status: 0 done, 1 a request failed (the first failure is printed by name), 2 bad input, 3 the target "
        "could not be set up, 130 interrupted (Ctrl-C; the results so far are printed).\n"
        "Examples:\n"
        "  wdfio bench /tmp/x.img --size 64M --rw randread --bs 4k --qd 32 --time 5 --compare-raw\n"
        "  wdfio bench /tmp/x.img --size 64M --rw randread --bs 4k --qd 32 --time 5 --fixedbufs --compare-raw\n"
        "  wdfio bench /tmp/x.img --size 64M --rw randread --bs 4k --qd 32 --time 5 --engines 2 --threads 2 "
        "--compare-raw\n"
        "  wdfio bench ram:256M --filters 2 --fault fail:0.01 --rw randrw --bs 4k --qd 16 --time 3 --json");
    return {cmd, [options] { return run_bench(*options); }};
}

int run_bench(const BenchOptions& o) {
    const InterruptWatch watch;  // Ctrl-C noted from the start; the run polls it
    LoadArgs args = o.load;
    const auto seconds = parse_duration(o.time);
    if (!seconds)
        return fail(bad_input("--time '" + o.time + "' is not a duration: give seconds or e.g. 500ms, 10s, 2m"));
    args.seconds = *seconds;
    auto plan_checked = make_load_plan(args);
    if (!plan_checked.ok()) return fail(plan_checked.failure());
    LoadPlan plan = std::move(plan_checked).value();
    plan.continue_on_error = o.continue_on_error;
    if (auto refused = check_trace_path(o.trace)) return fail(*refused);
    plan.trace = !o.trace.empty();
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
    if (auto memory = check_memory(stack, prepared.value(), plan); !memory.ok()) return fail(memory.failure());
    const auto resident = keep_resident(stack, prepared.value(), plan);

    if (resident) resident->warn_if_not_resident("wdfio");
    const bool progress = !o.quiet && !o.json && isatty(STDERR_FILENO);
    int traced = 0;
    const auto write_traces = [&](Engine& engine, unsigned index) {
        const std::string path = index == 0 ? o.trace : o.trace + "." + std::to_string(index);
        traced = std::max(traced, write_trace_file(engine, path, "bench"));
    };
    auto wdfio_run = run_wdfio_load(
        plan, stack,
        [progress](const LoadResult& so_far) {
            if (progress)
                fmt::print(stderr, "\r{:.1f} s  {:.0f} IOPS  {:.1f} MiB/s\033[K", so_far.seconds, so_far.iops(),
                           so_far.mib_per_s());
            return InterruptWatch::interrupted();
        },
        plan.trace ? EngineVisit(write_traces) : EngineVisit());
    if (progress) fmt::print(stderr, "\r\033[K");
    if (!wdfio_run.ok()) return fail(wdfio_run.failure());
    const bool interrupted = wdfio_run.value().interrupted;

    BenchReport report;
    report.target = describe_stack(stack);
    report.target_kind = prepared.value().kind;
    report.plan = plan;
    report.backend = to_string(wdfio_run.value().backend);
    report.wdfio = wdfio_run.value().result;
    report.stopped_at_first_error = wdfio_run.value().stopped_by_error;
    report.interrupted = interrupted;
    if (plan.writes() && stack.target.is_path()) {
        const FlushOutcome flushed = flush_path(stack.target.path);
        report.flush = flushed.err ? flushed.message : "ok";
    }
    if (o.compare_raw && !interrupted) {
        if (resident) resident->warn_if_not_resident("raw liburing");
        auto raw = run_raw_load(plan, stack.target.path);
        if (!raw.ok()) return fail(raw.failure());
        report.raw = std::move(raw).value();
    }
    const int status = finish(report, o.json);
    if (interrupted) {
        fmt::print(stderr,
                   "wdfio bench: interrupted; in-flight requests were cancelled, the results are those so far\n");
        return kExitInterrupted;
    }
    if (report.flush && *report.flush != "ok") return kExitFailed;
    return status != 0 ? status : traced;
}

}  // namespace wdfio::cli
