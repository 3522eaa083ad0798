// `wdfio demo`: a narrated tour of the request model, written as a user of the
// public API would write it (demo_setup.hpp makes the targets). Each step
// prints what it did and what came back, and checks it against what wdfio
// promises: exit 0 when every step went as documented, 1 when one did not.
#include "commands/command.hpp"
#include "commands/demo_setup.hpp"
#include "commands/interrupt.hpp"
#include "commands/trace_file.hpp"
#include "size_arg.hpp"

#include <wdfio/log.hpp>
#include <wdfio/memory.hpp>
#include <wdfio/recorder.hpp>
#include <wdfio/request.hpp>

#include <fmt/core.h>

#include <linux/fs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wdfio::cli {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr std::size_t kBlock = 4096;

struct DemoOptions {
    std::string trace;
    std::string pause = "0";
};

// The headings and indented lines of the tour, and the count of results that
// were not what wdfio promises (each one said where it happened).
class Narrator {
public:
    void step(const std::string& heading) { fmt::print("\n{}. {}\n", ++steps_, heading); }
    template <class... Args>
    void say(fmt::format_string<Args...> format, Args&&... args) {
        fmt::print("   {}\n", fmt::format(format, std::forward<Args>(args)...));
    }
    bool expect(bool ok, const std::string& promise) {
        if (!ok) {
            ++unexpected_;
            fmt::print("   UNEXPECTED: {}\n", promise);
        }
        return ok;
    }
    int steps() const noexcept { return steps_; }
    int unexpected() const noexcept { return unexpected_; }

private:
    int steps_ = 0;
    int unexpected_ = 0;
};

// What one completion routine saw, handed over to the thread that waits for
// it. The routine shares it (arm() returns it): a step that gave up waiting
// leaves nothing behind for a late routine to write into.
class Outcome {
public:
    static std::shared_ptr<Outcome> arm(Request& request) {
        auto outcome = std::make_shared<Outcome>();
        request.set_completion([outcome](Request&, IoTarget&, const CompletionParams& p) {
            const std::lock_guard lock(outcome->mutex_);
            outcome->status_ = p.status;
            outcome->bytes_ = p.information;
            outcome->thread_ = ::gettid();
            outcome->done_ = true;
            outcome->changed_.notify_all();
        });
        return outcome;
    }
    // False if the routine has not run within the limit (the demo never hangs).
    bool wait(std::chrono::milliseconds limit = 5s) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [this] { return done_; });
    }
    Status status() const { return status_; }
    std::uint64_t bytes() const { return bytes_; }
    pid_t thread() const { return thread_; }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool done_ = false;
    Status status_;
    std::uint64_t bytes_ = 0;
    pid_t thread_ = 0;
};

// A status by its name (STATUS_IO_TIMEOUT); by value when wdfio has no name for it.
std::string name(const Status& s) { return s.name() ? s.name() : s.to_string(); }

// Everything the steps share: the targets, the buffers, and the requests
// whose history or results later steps show.
struct Tour {
    Engine& engine;
    DemoSetup& setup;
    Narrator& out;
    Ref<Memory> data = Memory::allocate(kBlock).value();
    Ref<Memory> back = Memory::allocate(kBlock).value();
    Ref<Memory> size = Memory::allocate(sizeof(std::uint64_t)).value();
    Ref<Request> write = Request::create().value();
    Ref<Request> read = Request::create().value();
    Ref<Request> ioctl = Request::create().value();
    Ref<Request> timed = Request::create().value();  // step 4's, kept for step 8's history
};

void format_three(Tour& t) {
    t.out.step("Format a write, a read and an ioctl: checked now, before anything is sent");
    std::memset(t.data->data(), 'w', kBlock);
    IoTarget& file = t.setup.file();
    Status s = t.write->format_write(file, t.data, {}, 0);
    t.out.say("format_write(file, 4 KiB at offset 0)           {}", name(s));
    t.out.expect(s.ok(), "a write of a whole buffer formats");
    s = t.read->format_read(file, t.back, {}, 0);
    t.out.say("format_read(file, 4 KiB at offset 0)            {}", name(s));
    t.out.expect(s.ok(), "a read of a whole buffer formats");
    s = t.ioctl->format_ioctl(t.setup.ram(), BLKGETSIZE64, {}, {}, t.size, {});
    t.out.say("format_ioctl(ram, BLKGETSIZE64, 8-byte output)  {}", name(s));
    t.out.expect(s.ok(), "BLKGETSIZE64 with an 8-byte output formats");
    // A window past the end of the buffer is refused at format: nothing is sent.
    auto spare = Request::create().value();
    s = spare->format_read(file, t.back, MemoryOffset{kBlock, 1}, 0);
    t.out.say("format_read with a window past the buffer       {} (refused, nothing sent)", name(s));
    t.out.expect(s == Status(STATUS_INTEGER_OVERFLOW), "a window past the buffer is STATUS_INTEGER_OVERFLOW");
}

void send_asynchronously(Tour& t) {
    t.out.step("Send the write asynchronously: send() returns, a completion routine reports");
    const auto outcome = Outcome::arm(*t.write);
    const bool accepted = t.write->send(t.setup.file());
    t.out.say("send(file) -> {} (accepted: the routine runs exactly once)", accepted);
    if (!t.out.expect(accepted, "the write is accepted") || !t.out.expect(outcome->wait(), "the routine runs")) return;
    t.out.say("routine: {}, {} bytes, on thread {} (the sender is {}: OS targets complete on the engine thread)",
              name(outcome->status()), outcome->bytes(), outcome->thread(), ::gettid());
    t.out.expect(outcome->status().ok() && outcome->bytes() == kBlock, "the write moves 4096 bytes");
}

void send_synchronously(Tour& t) {
    t.out.step("Send the read and the ioctl synchronously: send() blocks until the routine has run");
    bool accepted = t.read->send(t.setup.file(), SendOptions::synchronous());
    const bool same = std::memcmp(t.back->data(), t.data->data(), kBlock) == 0;
    t.out.say("read(file)            {} ({}), {} bytes, {}", name(t.read->status()), accepted ? "accepted" : "refused",
              t.read->information(), same ? "the bytes written in step 2" : "NOT the bytes written");
    t.out.expect(t.read->status().ok() && same, "the read returns the bytes written");
    accepted = t.ioctl->send(t.setup.ram(), SendOptions::synchronous());
    std::uint64_t bytes = 0;
    std::memcpy(&bytes, t.size->data(), sizeof bytes);
    t.out.say("BLKGETSIZE64(ram)     {} ({}), {} bytes of output: the disk holds {} bytes", name(t.ioctl->status()),
              accepted ? "accepted" : "refused", t.ioctl->information(), bytes);
    t.out.expect(t.ioctl->status().ok() && bytes == DemoSetup::kRamBytes, "the RAM disk says its size");
}

void time_out(Tour& t) {
    t.out.step("A timeout: a read sent to the filter that holds reads, with a 100 ms timeout");
    IoTarget& hold = t.setup.hold();
    t.timed->format_read(hold, t.back, {}, 0);
    const auto outcome = Outcome::arm(*t.timed);
    const auto sent = Clock::now();
    const bool accepted = t.timed->send(hold, SendOptions().timeout_after(100ms));
    t.out.say("send(hold, timeout 100 ms) -> {}; the filter holds {} request", accepted, t.setup.filter().holding());
    if (!t.out.expect(accepted && outcome->wait(), "the timed read is accepted and completes")) return;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent).count();
    t.out.say("routine: {} after {} ms (the timer cancelled it; the cancel reached the filter)",
              name(outcome->status()), ms);
    t.out.expect(outcome->status() == Status(STATUS_IO_TIMEOUT), "a timed-out request completes STATUS_IO_TIMEOUT");
}

void cancel(Tour& t) {
    t.out.step("Cancel: a read sent to the filter that holds reads, then cancel_sent_request()");
    IoTarget& hold = t.setup.hold();
    auto request = Request::create(hold).value();
    request->format_read(hold, t.back, {}, 0);
    const auto outcome = Outcome::arm(*request);
    const bool accepted = request->send(hold);
    // A device's queue presents the request in the sender's thread: held by now.
    t.out.say("send(hold) -> {}; the filter holds {} request", accepted, t.setup.filter().holding());
    const bool reached = request->cancel_sent_request();
    t.out.say("cancel_sent_request() -> {} (it reached the held request)", reached);
    if (!t.out.expect(accepted && reached && outcome->wait(), "the cancel reaches the held read")) return;
    t.out.say("routine: {}", name(outcome->status()));
    t.out.expect(outcome->status() == Status(STATUS_CANCELLED), "a cancelled request completes STATUS_CANCELLED");
}

void three_targets(Tour& t) {
    t.out.step("One request, three targets in turn: reuse, change_target, format_write, send");
    auto request = Request::create().value();
    for (IoTarget* target : {&t.setup.file(), &t.setup.ram(), &t.setup.hold()}) {
        // reuse() forgets the last send; change_target() checks the next target is open.
        Status s = request->reuse();
        if (s.ok()) s = request->change_target(*target);
        if (s.ok()) s = request->format_write(*target, t.data, {}, static_cast<std::int64_t>(kBlock));
        if (s.ok()) request->send(*target, SendOptions::synchronous());
        t.out.say("{:<24} {}, {} bytes", target->name(), name(s.ok() ? request->status() : s),
                  s.ok() ? request->information() : 0);
        t.out.expect(s.ok() && request->status().ok() && request->information() == kBlock,
                     "a write passes each target (the filter holds reads only)");
    }
}

// The order in which routines ran, shared with them (as Outcome is).
struct Order {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<int> done;
};

void stop_and_start(Tour& t) {
    constexpr int kReads = 5;
    t.out.step("Stop the RAM disk's target, send 5 reads (parked), start it (released in FIFO order)");
    IoTarget& ram = t.setup.ram();
    ram.stop(SentIoAction::WaitForComplete);
    t.out.say("stop(WaitForComplete): state {}", to_string(ram.state()));

    const auto order = std::make_shared<Order>();
    std::vector<Ref<Request>> reads;
    std::vector<Ref<Memory>> buffers;
    int accepted = 0;
    for (int i = 1; i <= kReads; ++i) {
        reads.push_back(Request::create(ram).value());
        buffers.push_back(Memory::allocate(kBlock).value());
        reads.back()->format_read(ram, buffers.back(), {}, static_cast<std::int64_t>(i * kBlock));
        reads.back()->set_completion([order, i](Request&, IoTarget&, const CompletionParams&) {
            const std::lock_guard lock(order->mutex);
            order->done.push_back(i);
            order->changed.notify_all();
        });
        accepted += reads.back()->send(ram) ? 1 : 0;
    }
    std::unique_lock lock(order->mutex);
    t.out.say("{} sends accepted, {} parked, {} completed", accepted, ram.parked(), order->done.size());
    t.out.expect(accepted == kReads && ram.parked() == kReads && order->done.empty(), "a stopped target parks sends");
    lock.unlock();  // the routines take it: start() may run them in this thread

    const Status started = ram.start();
    t.out.say("start(): {}, state {}", name(started), to_string(ram.state()));
    lock.lock();
    order->changed.wait_for(lock, 5s, [&] { return order->done.size() == kReads; });
    std::string shown;
    for (int i : order->done) shown += fmt::format(" {}", i);
    t.out.say("completed in order:{}", shown);
    t.out.expect(order->done == std::vector<int>{1, 2, 3, 4, 5}, "parked requests go out in the order they were sent");
}

void history(Tour& t) {
    t.out.step("The in-flight recorder's events for the request of step 4 (recorder_history)");
    const std::vector<RecorderEvent> events = recorder_history(t.engine, *t.timed);
    if (!t.out.expect(!events.empty(), "the recorder holds the request's events")) return;
    bool timeout = false;
    for (const RecorderEvent& e : events) {
        const std::string target = recorder_name(t.engine, e.target);
        t.out.say("{:>8.3f} ms  {:<9} {:<22} {:<5} {:<18} {} bytes", (e.time_ns - events.front().time_ns) / 1e6,
                  to_string(e.kind), target.empty() ? "-" : target, to_string(e.type), name(e.status), e.bytes);
        timeout = timeout || e.kind == RecorderEventKind::Timeout;
    }
    t.out.expect(timeout, "the history shows the timeout firing");
}

// Waits `pause` between steps (for reading along), watching for Ctrl-C.
bool pause_between_steps(double seconds) {
    const auto until = Clock::now() + std::chrono::duration<double>(seconds);
    while (!InterruptWatch::interrupted() && Clock::now() < until) std::this_thread::sleep_for(10ms);
    return !InterruptWatch::interrupted();
}

// The tour itself, from set-up to tear-down: the exit status.
int run_tour(const DemoOptions& o, double pause) {
    // The recorder on whatever WDFIO_RECORDER says: step 8 reads it.
    EngineOptions options;
    options.recorder = RecorderOptions{true, 4096};
    Engine engine(options);
    auto checked = DemoSetup::create(engine);
    if (!checked.ok()) {
        fmt::print(stderr, "wdfio demo: {}\n", checked.failure().message);
        return checked.failure().exit_code;
    }
    std::unique_ptr<DemoSetup> setup = std::move(checked).value();
    const std::string file = setup->file_path();
    fmt::print("wdfio demo: KMDF's request model on Linux, backend {}\n", to_string(engine.backend()));
    fmt::print("   file  {} ({} KiB, removed at the end)\n", file, DemoSetup::kFileBytes / 1024);
    fmt::print("   ram   {}: a RAM disk of {} MiB, opened by name\n", setup->ram().name(), DemoSetup::kRamBytes >> 20);
    fmt::print("   hold  {}: a fault filter above that RAM disk that holds every read until it is cancelled\n",
               setup->hold().name());

    Narrator out;
    Tour tour{engine, *setup, out};
    using Step = void (*)(Tour&);
    bool interrupted = false;
    for (Step step : {format_three, send_asynchronously, send_synchronously, time_out, cancel, three_targets,
                      stop_and_start, history}) {
        if (!pause_between_steps(out.steps() ? pause : 0)) {
            interrupted = true;
            break;
        }
        step(tour);
    }
    setup.reset();  // targets closed, devices removed, the file gone
    fmt::print("\n");
    if (interrupted) {
        fmt::print("wdfio demo: interrupted after step {}; {} removed\n", out.steps(), file);
        return kExitInterrupted;
    }
    int exit_code = 0;
    if (out.unexpected()) {
        fmt::print("wdfio demo: {} results were not what wdfio promises (UNEXPECTED above)\n", out.unexpected());
        exit_code = kExitFailed;
    } else {
        fmt::print("wdfio demo: {} steps, each as documented; {} removed\n", out.steps(), file);
    }
    std::fflush(stdout);  // before the trace's line on stderr
    if (!o.trace.empty()) exit_code = std::max(exit_code, write_trace_file(engine, o.trace, "demo"));
    return exit_code;
}

int run_demo(const DemoOptions& o) {
    const InterruptWatch watch;  // Ctrl-C between steps: clean up, exit 130
    const auto fail = [](const CommandFailure& f) {
        fmt::print(stderr, "wdfio demo: {}\n", f.message);
        return f.exit_code;
    };
    const auto pause = parse_duration(o.pause);
    if (!pause || *pause < 0 || *pause > 60)
        return fail(bad_input("--pause '" + o.pause + "' must be a duration up to 60 s, e.g. 0, 500ms, 2s"));
    if (auto refused = check_trace_path(o.trace)) return fail(*refused);

    // The library's own log lines (a refused format says why) join the narration.
    set_log_sink([](LogLevel, std::string_view message) { fmt::print("   log: {}\n", message); });
    const int exit_code = run_tour(o, *pause);
    set_log_sink(nullptr);
    return exit_code;
}

}  // namespace

Command add_demo_command(CLI::App& app) {
    auto options = std::make_shared<DemoOptions>();
    CLI::App* cmd = app.add_subcommand(
        "demo", "A narrated tour: format, send, complete, time out, cancel, change target, stop and start, recorder");
    cmd->add_option("--trace", options->trace, "Write the tour's requests as a Perfetto trace (JSON) to this file");
    cmd->add_option("--pause", options->pause, "Wait this long between steps, to read along (e.g. 2s)")
        ->capture_default_str();
    cmd->footer(
        "Runs on a temporary file and an in-process RAM disk; needs no device and no root.\n"
        "Exit status: 0 every step as documented, 1 a result was not (marked UNEXPECTED), 2 bad input, "
        "3 set-up failed, 130 interrupted (Ctrl-C; the temporary file is removed).\n"
        "Example:\n  wdfio demo --trace demo.json && wdfio trace demo.json");
    return {cmd, [options] { return run_demo(*options); }};
}

}  // namespace wdfio::cli
