// `wdfio copy SRC DST [DST...]`: every block of SRC read once and written to
// each destination with one fan-out; see copy_run.hpp for the pipeline. This
// file checks the command line (every refusal before anything is created or
// written), opens the targets, draws the progress line and prints the report.
#include "bench_target.hpp"
#include "commands/command.hpp"
#include "commands/copy_run.hpp"
#include "commands/interrupt.hpp"
#include "commands/open_target.hpp"
#include "commands/trace_file.hpp"
#include "fault_spec.hpp"
#include "path_target.hpp"
#include "size_arg.hpp"
#include "target_spec.hpp"

#include <wdfio/engine.hpp>

#include <fmt/core.h>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace wdfio::cli {

namespace {
using Clock = std::chrono::steady_clock;
constexpr long long kMaxQueueDepth = 1024;
constexpr std::uint64_t kMaxBlock = 64ull << 20;

struct CopyOptions {
    std::string source;
    std::vector<std::string> destinations;
    std::string bs = "1M";
    long long qd = 8;
    bool direct = false;
    bool verify = false;
    std::string fail_policy = "continue";
    bool quiet = false;
    long long filters = 0;
    std::string fault;
    std::string trace;  // --trace FILE
};

int fail(const CommandFailure& f) {
    fmt::print(stderr, "wdfio copy: {}\n", f.message);
    return f.exit_code;
}

// One TARGET of the command line and what stat says of it (paths only).
struct Operand {
    StackSpec stack;
    bool exists = false;
    struct stat st {};
};

std::string errno_text(int err) { return std::strerror(err); }

Checked<Operand> check_source(const TargetSpec& spec) {
    Operand op;
    op.stack.target = spec;
    if (!spec.is_path()) return op;
    if (stat(spec.path.c_str(), &op.st) != 0)
        return bad_input(
            fmt::format("source {} cannot be read: {}; give an existing file or device", spec.path, errno_text(errno)));
    op.exists = true;
    if (S_ISDIR(op.st.st_mode))
        return bad_input(fmt::format("source {} is a directory: copy reads one file or device", spec.path));
    if (access(spec.path.c_str(), R_OK) != 0)
        return bad_input(
            fmt::format("source {} cannot be read: {}; check its permissions", spec.path, errno_text(errno)));
    return op;
}

Checked<Operand> check_destination(const TargetSpec& spec) {
    Operand op;
    op.stack.target = spec;
    op.stack.writes = true;
    if (!spec.is_path()) return op;
    if (stat(spec.path.c_str(), &op.st) == 0) {
        op.exists = true;
        if (S_ISDIR(op.st.st_mode))
            return bad_input(fmt::format("destination {} is a directory: give a file name inside it", spec.path));
        if (access(spec.path.c_str(), W_OK) != 0)
            return bad_input(fmt::format("destination {} cannot be written: {}; check its permissions", spec.path,
                                         errno_text(errno)));
        return op;
    }
    if (errno != ENOENT)
        return bad_input(fmt::format("destination {} cannot be reached: {}", spec.path, errno_text(errno)));
    const std::filesystem::path parent = std::filesystem::path(spec.path).parent_path();
    const std::string dir = parent.empty() ? "." : parent.string();
    if (access(dir.c_str(), W_OK) != 0)
        return bad_input(fmt::format("destination {} cannot be created in {}: {}", spec.path, dir, errno_text(errno)));
    return op;
}

// The same file under two names (another path, a hard link): same device and inode.
bool same_file(const Operand& a, const Operand& b) {
    if (a.exists && b.exists) return a.st.st_dev == b.st.st_dev && a.st.st_ino == b.st.st_ino;
    return !a.stack.target.is_ram() && !a.stack.target.is_path() && a.stack.target.text == b.stack.target.text;
}

struct Plan {
    Operand source;
    std::vector<Operand> destinations;
    std::uint64_t block = 0;
    unsigned queue_depth = 0;
};

Checked<Plan> check_command_line(const CopyOptions& o) {
    Plan plan;
    const auto bs = parse_size(o.bs);
    if (!bs) return bad_input("--bs '" + o.bs + "' is not a size: give bytes or a K/M/G suffix, e.g. 1M");
    if (*bs == 0 || *bs > kMaxBlock) return bad_input("--bs must be more than 0 and at most 64 MiB, e.g. 1M");
    if (o.qd < 1 || o.qd > kMaxQueueDepth) return bad_input("--qd must be between 1 and 1024, e.g. 8");
    if (o.fail_policy != "continue" && o.fail_policy != "abort")
        return bad_input("--fail-policy '" + o.fail_policy + "' is unknown: use continue or abort");
    if (o.filters < 0 || o.filters > 64) return bad_input("--filters must be between 0 and 64");
    if (auto refused = check_trace_path(o.trace)) return *refused;
    plan.block = *bs;
    plan.queue_depth = static_cast<unsigned>(o.qd);

    std::optional<FaultConfig> fault;
    if (!o.fault.empty()) {
        auto parsed = parse_fault(o.fault);
        if (!parsed.ok()) return parsed.failure();
        fault = parsed.value();
    }
    auto src_spec = parse_target(o.source);
    if (!src_spec.ok()) return src_spec.failure();
    auto src = check_source(src_spec.value());
    if (!src.ok()) return src.failure();
    plan.source = std::move(src).value();
    bool any_ram = plan.source.stack.target.is_ram();
    for (const std::string& text : o.destinations) {
        auto spec = parse_target(text);
        if (!spec.ok()) return spec.failure();
        auto dst = check_destination(spec.value());
        if (!dst.ok()) return dst.failure();
        if (same_file(plan.source, dst.value()))
            return bad_input(fmt::format("destination {} is the source {} (the same file): give another destination",
                                         text, o.source));
        for (const Operand& other : plan.destinations)
            if (same_file(other, dst.value()))
                return bad_input(fmt::format("destinations {} and {} are the same file: give each once", text,
                                             other.stack.target.text));
        any_ram = any_ram || dst.value().stack.target.is_ram();
        plan.destinations.push_back(std::move(dst).value());
    }
    if ((o.filters || fault) && !any_ram)
        return bad_input("--filters and --fault build a stack over a RAM disk: give a ram:SIZE source or destination");
    if (o.direct && any_ram) return bad_input("--direct applies to files and block devices, not ram:");
    plan.source.stack.direct = o.direct;
    for (Operand& d : plan.destinations) d.stack.direct = o.direct;
    auto apply_stack = [&](Operand& op) {
        if (!op.stack.target.is_ram()) return;
        op.stack.filters = static_cast<unsigned>(o.filters);
        op.stack.fault = fault;
    };
    apply_stack(plan.source);
    for (Operand& d : plan.destinations) apply_stack(d);
    return plan;
}

// An opened target and its facts.
struct Opened {
    std::unique_ptr<BenchTarget> holder;
    std::string name;
    std::optional<std::uint64_t> size;
};

Checked<Opened> open_operand(Engine& engine, const Operand& op, unsigned index, const char* role) {
    auto opened = open_bench_target(engine, op.stack, index);
    if (!opened)
        return bad_input(fmt::format("cannot open {} {}: {}", role, op.stack.target.text, opened.status().to_string()));
    Opened o{std::move(opened).value(), op.stack.target.text, std::nullopt};
    o.size = target_size(o.holder->target(), op.stack.target);
    return o;
}

// Sizes, alignment: what can only be checked on the opened targets. Nothing
// has been created or written yet.
Checked<std::uint64_t> check_opened(const Plan& plan, Opened& source, std::vector<Opened>& dsts, bool direct) {
    if (!source.size)
        return bad_input(
            fmt::format("source {} has no size (a FIFO or character device?): copy needs a file or "
                        "a device with a size",
                        source.name));
    const std::uint64_t size = *source.size;
    for (std::size_t i = 0; i < dsts.size(); ++i) {
        const Operand& op = plan.destinations[i];
        const bool grows = op.stack.target.is_path() && (!op.exists || S_ISREG(op.st.st_mode));
        if (!grows && dsts[i].size && *dsts[i].size < size)
            return bad_input(fmt::format("destination {} ({}) is smaller than the source ({}): give a larger one",
                                         dsts[i].name, format_size(*dsts[i].size), format_size(size)));
    }
    if (direct) {
        std::uint64_t lbs = logical_block_size(source.holder->target());
        for (Opened& d : dsts)  // files still to be created have none yet: 512 is their floor
            if (d.holder) lbs = std::max(lbs, logical_block_size(d.holder->target()));
        if (plan.block % lbs != 0)
            return bad_input(
                fmt::format("--bs {} is not a multiple of the logical block size ({} B) that --direct "
                            "needs: use e.g. --bs 1M",
                            plan.block, lbs));
        if (size % lbs != 0)
            return bad_input(
                fmt::format("the source's size ({} B) is not a multiple of the logical block size ({} B):"
                            " copy it without --direct",
                            size, lbs));
    }
    return size;
}

// Regular-file destinations end up the source's size: created if missing,
// cut or extended now (nothing past the source's size remains).
Checked<bool> size_file_destinations(const Plan& plan, std::uint64_t size) {
    for (const Operand& op : plan.destinations) {
        if (!op.stack.target.is_path() || (op.exists && !S_ISREG(op.st.st_mode))) continue;
        if (truncate(op.stack.target.path.c_str(), static_cast<off_t>(size)) != 0)
            return run_failure(fmt::format("cannot size {}: {}", op.stack.target.path, errno_text(errno)));
    }
    return true;
}

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / 1048576.0; }

std::string human(std::uint64_t bytes) {
    if (bytes >= (1ull << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30));
    if (bytes >= (1ull << 20)) return fmt::format("{:.1f} MiB", mib(bytes));
    if (bytes >= 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
    return fmt::format("{} B", bytes);
}

void draw_progress(const CopyPipeline& pipe, const std::vector<DestinationState>& dsts, std::uint64_t size,
                   Clock::time_point t0) {
    const CopyProgress p = pipe.progress();
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    const std::uint64_t lowest = p.written.empty() ? 0 : *std::min_element(p.written.begin(), p.written.end());
    const double rate = secs > 0 ? static_cast<double>(lowest) / secs : 0;
    std::string line =
        fmt::format("\r{} / {} ({:.0f}%)  {:.1f} MiB/s  ETA {}", human(lowest), human(size),
                    size ? 100.0 * static_cast<double>(lowest) / static_cast<double>(size) : 100.0, rate / 1048576.0,
                    rate > 0 ? fmt::format("{:.0f}s", static_cast<double>(size - lowest) / rate) : "-");
    const std::uint64_t highest = p.written.empty() ? 0 : *std::max_element(p.written.begin(), p.written.end());
    for (std::size_t i = 0; i < dsts.size(); ++i)
        if (p.written[i] < highest) line += fmt::format("  {} -{}", dsts[i].name, human(highest - p.written[i]));
    fmt::print(stderr, "{}\033[K", line);
}

// --verify: the source again, block by block, against every destination that succeeded.
struct VerifyOutcome {
    std::vector<std::string> verdict;  // per destination: "ok", "differs at ...", "-"
    bool interrupted = false;
};

VerifyOutcome verify(IoTarget& source, std::vector<DestinationState>& dsts, std::uint64_t size, std::uint64_t block) {
    VerifyOutcome out;
    out.verdict.assign(dsts.size(), "-");
    auto src_buf = Memory::allocate(block);
    auto dst_buf = Memory::allocate(block);
    auto request = Request::create();
    if (!src_buf || !dst_buf || !request) return out;
    std::vector<bool> checking(dsts.size());
    for (std::size_t i = 0; i < dsts.size(); ++i) checking[i] = !dsts[i].failed;
    auto read = [&](IoTarget& t, const Ref<Memory>& buf, std::uint64_t off, std::size_t len) {
        Request& r = *request;
        r.reuse();
        Status s = r.format_read(t, buf, MemoryOffset{0, len}, static_cast<std::int64_t>(off));
        if (s.ok()) {
            r.send(t, SendOptions::synchronous());  // accepted or refused, status() says how it ended
            s = r.status();
        }
        return std::pair{s, r.information()};
    };
    for (std::uint64_t off = 0; off < size; off += block) {
        if (InterruptWatch::interrupted()) {
            out.interrupted = true;
            return out;
        }
        const auto len = static_cast<std::size_t>(std::min(block, size - off));
        if (auto [s, n] = read(source, src_buf.value(), off, len); !s.ok() || n != len) {
            for (std::size_t i = 0; i < dsts.size(); ++i)
                if (checking[i]) out.verdict[i] = fmt::format("source unreadable at {}: {}", off, s.to_string());
            return out;
        }
        for (std::size_t i = 0; i < dsts.size(); ++i) {
            if (!checking[i]) continue;
            const auto [s, n] = read(*dsts[i].target, dst_buf.value(), off, len);
            const bool same = s.ok() && n == len && std::memcmp(src_buf->data(), dst_buf->data(), len) == 0;
            if (same) continue;
            checking[i] = false;
            dsts[i].failed = true;
            ++dsts[i].errors;
            out.verdict[i] = !s.ok()   ? fmt::format("unreadable at offset {}", off)
                             : n < len ? fmt::format("read back {} of {} bytes at offset {}", n, len, off)
                                       : fmt::format("differs in the block at offset {}", off);
            if (dsts[i].first_error.ok()) {
                dsts[i].first_error = s.ok() ? Status(STATUS_IO_DEVICE_ERROR) : s;
                dsts[i].first_error_detail = "verify: " + out.verdict[i];
            }
        }
    }
    for (std::size_t i = 0; i < dsts.size(); ++i)
        if (checking[i]) out.verdict[i] = "ok";
    return out;
}

// The end of a copy that ran through: what each destination took reaches its
// device — fsync for a path, BLKFLSBUF for a named target (an NBD server's
// flush; a device that does not know it has nothing to flush) — or the
// destination fails. Buffered writes to a full loop device, for one, are
// lost at writeback, and only the flush says so.
void flush_destinations(const Plan& plan, std::vector<Opened>& dsts, std::vector<DestinationState>& states) {
    for (std::size_t i = 0; i < states.size(); ++i) {
        DestinationState& d = states[i];
        const TargetSpec& spec = plan.destinations[i].stack.target;
        if (d.errors > 0 || spec.is_ram()) continue;
        Status s;
        std::string detail;
        if (spec.is_path()) {
            const FlushOutcome f = flush_path(spec.path);
            if (f.err == 0) continue;
            s = Status::from_errno(f.err);
            detail = "flush " + f.message;
        } else {
            s = send_ioctl_synchronously(dsts[i].holder->target(), nullptr, BLKFLSBUF, {}, {}, {}, {});
            if (s.ok() || s == STATUS_INVALID_DEVICE_REQUEST || s == STATUS_NOT_SUPPORTED) continue;
            detail = "flush (BLKFLSBUF) failed: what was written may be lost";
        }
        d.errors += 1;
        d.first_error = s;
        d.first_error_detail = std::move(detail);
        d.failed = true;
    }
}

void print_report(const std::vector<DestinationState>& dsts, const VerifyOutcome* verified, double secs,
                  std::uint64_t size) {
    std::size_t width = 11;
    for (const auto& d : dsts) width = std::max(width, d.name.size());
    fmt::print("{:<{}}  {:>12}  {:>9}  {:>6}  {}\n", "destination", width, "bytes", "MiB/s", "errors",
               verified ? "verify / first error" : "first error");
    for (std::size_t i = 0; i < dsts.size(); ++i) {
        const DestinationState& d = dsts[i];
        std::string note = d.errors ? fmt::format("{} ({})", d.first_error.to_string(), d.first_error_detail) : "-";
        if (verified && d.errors == 0) note = verified->verdict[i];
        fmt::print("{:<{}}  {:>12}  {:>9.1f}  {:>6}  {}\n", d.name, width, d.bytes, secs > 0 ? mib(d.bytes) / secs : 0,
                   d.errors, note);
    }
    fmt::print("source: {} bytes in {:.2f} s\n", size, secs);
}

int run_copy(const CopyOptions& o) {
    auto checked = check_command_line(o);
    if (!checked.ok()) return fail(checked.failure());
    const Plan& plan = checked.value();

    // From here on Ctrl-C is noted, not fatal: once the copy runs, it cancels.
    const InterruptWatch watch;
    Engine engine(engine_options_for_trace(!o.trace.empty()));
    // Every destination that exists is opened before anything is created:
    // a refusal below leaves no file behind.
    auto source = open_operand(engine, plan.source, 0, "source");
    if (!source.ok()) return fail(source.failure());
    std::vector<Opened> dsts;
    for (std::size_t i = 0; i < plan.destinations.size(); ++i) {
        if (!plan.destinations[i].exists && plan.destinations[i].stack.target.is_path()) {
            dsts.push_back({nullptr, plan.destinations[i].stack.target.text, std::nullopt});
            continue;
        }
        auto d = open_operand(engine, plan.destinations[i], static_cast<unsigned>(i + 1), "destination");
        if (!d.ok()) return fail(d.failure());
        dsts.push_back(std::move(d).value());
    }
    auto size = check_opened(plan, source.value(), dsts, o.direct);
    if (!size.ok()) return fail(size.failure());
    // Now create the missing files and size the files.
    for (std::size_t i = 0; i < plan.destinations.size(); ++i) {
        if (dsts[i].holder) continue;
        const std::string& path = plan.destinations[i].stack.target.path;
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) return fail(run_failure(fmt::format("cannot create {}: {}", path, errno_text(errno))));
        ::close(fd);
        auto d = open_operand(engine, plan.destinations[i], static_cast<unsigned>(i + 1), "destination");
        if (!d.ok()) return fail(run_failure(d.failure().message));
        dsts[i] = std::move(d).value();
    }
    if (auto sized = size_file_destinations(plan, size.value()); !sized.ok()) return fail(sized.failure());

    std::vector<DestinationState> states;
    states.reserve(dsts.size());
    for (Opened& d : dsts) states.push_back({d.name, &d.holder->target(), 0, 0, {}, {}, false});
    const CopySettings settings{size.value(), plan.block, plan.queue_depth, o.fail_policy == "abort"};
    const bool progress = !o.quiet && isatty(STDERR_FILENO);

    const auto t0 = Clock::now();
    CopyPipeline pipe(source.value().holder->target(), states, settings);
    if (Status s = pipe.start(); !s.ok()) return fail(run_failure("cannot set the copy up: " + s.to_string()));
    pipe.run_until_done(std::chrono::milliseconds(progress ? 200 : 50), [&] {
        if (progress) draw_progress(pipe, states, size.value(), t0);
        return InterruptWatch::interrupted();
    });
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (progress) fmt::print(stderr, "\r\033[K");

    if (!pipe.cancelled() && pipe.source_error().ok()) flush_destinations(plan, dsts, states);
    std::optional<VerifyOutcome> verified;
    if (o.verify && !pipe.cancelled() && pipe.source_error().ok())
        verified = verify(source.value().holder->target(), states, size.value(), plan.block);
    const bool interrupted = pipe.cancelled() || (verified && verified->interrupted);
    print_report(states, verified && !verified->interrupted ? &*verified : nullptr, secs, size.value());
    std::fflush(stdout);
    const int traced = o.trace.empty() ? 0 : write_trace_file(engine, o.trace, "copy");
    if (!pipe.source_error().ok())
        fmt::print(stderr, "wdfio copy: the source failed, copy stopped: {} ({})\n", pipe.source_error().to_string(),
                   pipe.source_error_detail());
    if (interrupted) {
        fmt::print(stderr,
                   "wdfio copy: interrupted; in-flight requests were cancelled, the table shows how far each "
                   "destination got\n");
        return kExitInterrupted;
    }
    const bool any_failed = std::any_of(states.begin(), states.end(), [](const auto& d) { return d.errors > 0; });
    return any_failed || !pipe.source_error().ok() ? kExitFailed : traced;
}
}  // namespace

Command add_copy_command(CLI::App& app) {
    auto options = std::make_shared<CopyOptions>();
    CopyOptions& o = *options;
    CLI::App* cmd = app.add_subcommand(
        "copy",
        "Copy SRC to one or more destinations: each block read once and written to all of them with one "
        "fan-out, --qd blocks in flight");
    cmd->add_option("SRC", o.source, "A file, a block device, ram:SIZE or another name wdfio opens")->required();
    cmd->add_option("DST", o.destinations, "Destinations: files (created or cut to SRC's size), devices, ram:SIZE")
        ->required();
    cmd->add_option("--bs", o.bs, "Block size: bytes or K/M/G, e.g. 1M")->capture_default_str();
    cmd->add_option("--qd", o.qd, "Blocks in flight (1-1024)")->capture_default_str();
    cmd->add_flag("--direct", o.direct, "Open with O_DIRECT (--bs a multiple of the logical block size)");
    cmd->add_flag("--verify", o.verify, "Then read every destination back and compare it with the source");
    cmd->add_option("--fail-policy", o.fail_policy,
                    "When a destination fails: continue with the others, or abort (cancel everything)")
        ->capture_default_str();
    cmd->add_flag("--quiet", o.quiet, "No progress line (it is drawn only when stderr is a terminal anyway)");
    cmd->add_option("--filters", o.filters, "ram: targets only: pass-through filters stacked above each RAM disk");
    cmd->add_option("--fault", o.fault, "ram: targets only: a FaultFilter above each RAM disk (as wdfio bench)");
    cmd->add_option("--trace", o.trace, "Write the run's requests as a Perfetto trace (JSON) to this file");
    cmd->footer(
        "Exit status: 0 every destination done, 1 a destination or the source failed, 2 bad input "
        "(nothing written), 130 interrupted (Ctrl-C; the table shows how far each got).\n"
        "Example:\n  wdfio copy disk.img /tmp/a.img /tmp/b.img ram:1G --bs 1M --qd 16 --verify");
    return {cmd, [options] { return run_copy(*options); }};
}

}  // namespace wdfio::cli
