#include "wdfio_load.hpp"

#include "cpu_clock.hpp"

#include <wdfio/memory.hpp>
#include <wdfio/request.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace wdfio::cli {

namespace {
using Clock = std::chrono::steady_clock;

std::uint64_t nanoseconds(Clock::duration d) noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

// One thread's share of the load. Its completion routines all run on its
// engine thread (OS targets complete there; the RAM stack's top device defers
// its completions there), so the stream and the counters need no lock.
struct LoadState {
    LoadState(const LoadPlan& plan, unsigned index)
        : stream(plan, load_seed(index), first_block(plan, index)),
          block_bytes(plan.block_bytes),
          continue_on_error(plan.continue_on_error) {}

    IoTarget* target = nullptr;
    IoStream stream;
    std::uint64_t block_bytes;
    bool continue_on_error = false;
    std::atomic<bool> failed{false};  // a request failed: the run stops unless continue_on_error
    LoadCounters counters;
    std::atomic<bool> stop{false};
    std::atomic<unsigned> in_flight{0};
};

// One request with its own buffer, formatted and re-sent for the whole run.
struct Slot {
    Ref<Request> request;
    Ref<Memory> buffer;
    LoadState* state = nullptr;
    Clock::time_point sent_at;
    bool write = false;  // what is in flight
};

void on_complete(Request& r, IoTarget&, const CompletionParams& p, void* context);

// Format for the next offset and arm the (one-shot) routine; does not send.
Status format_next(Slot& slot) {
    LoadState& s = *slot.state;
    const NextIo io = s.stream.next();
    slot.write = io.write;
    Request& r = *slot.request;
    const Status st = io.write ? r.format_write(*s.target, slot.buffer, {}, io.offset)
                               : r.format_read(*s.target, slot.buffer, {}, io.offset);
    if (st.ok()) r.set_completion(&on_complete, &slot);
    return st;
}

void slot_finished(LoadState& s) noexcept {
    if (s.in_flight.fetch_sub(1, std::memory_order_acq_rel) == 1) s.in_flight.notify_all();
}

// The completion routine: account for this request, then send it again for
// the next offset unless the deadline has passed. One clock read serves as
// this completion's time and the next send's.
void on_complete(Request& r, IoTarget&, const CompletionParams& p, void* context) {
    Slot& slot = *static_cast<Slot*>(context);
    LoadState& s = *slot.state;
    const auto now = Clock::now();
    const bool stopping = s.stop.load(std::memory_order_acquire);
    // Cancelled by the purge that ends the run: neither a result nor a failure.
    if (stopping && p.status == Status(STATUS_CANCELLED)) {
        slot_finished(s);
        return;
    }
    // p belongs to the request: read before the next format resets it.
    s.counters.account(p.status, p.information, s.block_bytes, nanoseconds(now - slot.sent_at), !slot.write);
    if (!p.status.ok() && !s.continue_on_error) {
        s.failed.store(true, std::memory_order_relaxed);
        s.stop.store(true, std::memory_order_relaxed);
    }
    if (stopping || (!p.status.ok() && !s.continue_on_error)) {
        slot_finished(s);
        return;
    }
    slot.sent_at = now;
    // Refused after the run ended (the purge that cancels what is in flight
    // refuses sends too): the end of the run, not a failure.
    if (const Status st = format_next(slot); !st.ok()) {
        if (!s.stop.load(std::memory_order_acquire)) s.counters.fail(st);
        slot_finished(s);
        return;
    }
    if (!r.send(*s.target)) {  // refused: the routine will not run, this slot is done
        if (!s.stop.load(std::memory_order_acquire)) s.counters.fail(r.status());
        slot_finished(s);
    }
}

EngineOptions engine_options(const LoadPlan& plan) {
    EngineOptions options;
    options.engines = std::max(plan.engines, 1u);
    if (plan.trace) options.recorder = RecorderOptions{true, kTraceEvents};
    if (plan.fixed_buffers) options.registered_buffers = std::max(options.registered_buffers, plan.queue_depth);
    return options;
}

class Worker {
public:
    // shared: the Engine all threads share (--engines), or null for one of its own.
    Worker(const LoadPlan& plan, unsigned index, Engine* shared)
        : own_(shared ? nullptr : std::make_unique<Engine>(engine_options(plan))),
          engine_(shared ? *shared : *own_),
          state_(plan, index),
          index_(index) {}
    ~Worker() {
        // Closing waits until every routine has returned; only then do the
        // slots and the state they point to go.
        target_.reset();
    }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    Status open(const LoadPlan& plan, const StackSpec& stack) {
        auto target = open_bench_target(engine_, stack, index_);
        if (!target) return target.status();
        target_ = std::move(target).value();
        state_.target = &target_->target();
        slots_.reserve(plan.queue_depth);  // never reallocated: routines hold pointers into it
        for (unsigned i = 0; i < plan.queue_depth; ++i) {
            auto request = Request::create(*state_.target);
            if (!request) return request.status();
            auto buffer = plan.fixed_buffers ? Memory::allocate_registered(engine_, plan.block_bytes)
                                             : Memory::allocate(plan.block_bytes);
            if (!buffer) return buffer.status();
            fill_buffer(buffer->data(), buffer->size(), load_seed(index_) + i);
            slots_.push_back({std::move(request).value(), std::move(buffer).value(), &state_, {}});
        }
        return STATUS_SUCCESS;
    }

    // Every slot formatted before the first send: once one is sent, its
    // routine uses the stream on the engine thread.
    Status format_all() {
        for (Slot& slot : slots_)
            if (Status st = format_next(slot); !st.ok()) return st;
        return STATUS_SUCCESS;
    }

    void start() {
        state_.in_flight.store(static_cast<unsigned>(slots_.size()), std::memory_order_relaxed);
        for (Slot& slot : slots_) {
            slot.sent_at = Clock::now();
            if (slot.request->send(*state_.target)) continue;
            // Refused here (main thread): kept apart from the engine thread's counters.
            if (refused_++ == 0) refused_status_ = slot.request->status();
            slot_finished(state_);
        }
    }

    // The deadline: what was done by now counts for IOPS and bandwidth.
    void snapshot(LoadResult& into) const {
        into.completed += state_.counters.successes.get();
        into.bytes += state_.counters.bytes.get();
        into.read_completed += state_.counters.read_successes.get();
        into.read_bytes += state_.counters.read_bytes.get();
    }

    void stop() { state_.stop.store(true, std::memory_order_release); }
    bool failed() const noexcept { return state_.failed.load(std::memory_order_relaxed); }
    bool drained() const noexcept { return state_.in_flight.load(std::memory_order_acquire) == 0; }
    // The framework's cancel path: what is in flight is cancelled and waited
    // for, what a routine sends after this is refused.
    void cancel_in_flight() {
        if (target_) target_->target().purge(PurgeIoAction::PurgeAndWait);
    }

    void wait_drained() {
        for (auto n = state_.in_flight.load(std::memory_order_acquire); n > 0;
             n = state_.in_flight.load(std::memory_order_acquire))
            state_.in_flight.wait(n, std::memory_order_acquire);
    }

    void take_counters(LoadResult& into) const {
        into.take_counters(state_.counters);
        into.errors += refused_;
        if (into.first_failure.ok() && refused_) into.first_failure = refused_status_;
    }

    BackendKind backend() const noexcept { return engine_.backend(); }
    Engine& engine() noexcept { return engine_; }

private:
    std::unique_ptr<Engine> own_;  // first: destroyed last
    Engine& engine_;
    std::unique_ptr<BenchTarget> target_;
    LoadState state_;
    std::vector<Slot> slots_;
    unsigned index_;
    std::uint64_t refused_ = 0;
    Status refused_status_;
};

// The workers, and the Engine they share with --engines (declared first: it outlives them).
struct Workers {
    std::unique_ptr<Engine> shared;
    std::vector<std::unique_ptr<Worker>> list;
};

Checked<Workers> make_workers(const LoadPlan& plan, const StackSpec& stack) {
    Workers made;
    if (plan.engines > 0) made.shared = std::make_unique<Engine>(engine_options(plan));
    auto& workers = made.list;
    for (unsigned i = 0; i < plan.threads; ++i) {
        workers.push_back(std::make_unique<Worker>(plan, i, made.shared.get()));
        if (Status st = workers.back()->open(plan, stack); !st.ok())
            return setup_failure("cannot set up " + stack.target.text + ": " + st.to_string());
    }
    for (auto& w : workers)
        if (Status st = w->format_all(); !st.ok())
            return setup_failure("cannot format the first requests for " + stack.target.text + ": " + st.to_string());
    return made;
}

// Each worker's first sends: with a shared Engine, from a thread of the
// worker's own, so that each thread's requests go to an engine thread of their
// own (and their routines keep re-sending there).
void start_all(Workers& workers) {
    if (!workers.shared) {
        for (auto& w : workers.list) w->start();
        return;
    }
    std::vector<std::thread> senders;
    for (auto& w : workers.list) senders.emplace_back([&w] { w->start(); });
    for (auto& t : senders) t.join();
}
}  // namespace

std::uint64_t load_seed(unsigned index) noexcept { return 0x2545F4914F6CDD1Dull + index * 0x9E3779B97F4A7C15ull; }

std::uint64_t first_block(const LoadPlan& plan, unsigned index) noexcept {
    // Sequential threads start spread over the region, not all at block 0.
    return static_cast<std::uint64_t>(static_cast<unsigned __int128>(plan.blocks()) * index / plan.threads);
}

void fill_buffer(void* data, std::size_t bytes, std::uint64_t seed) noexcept {
    Xorshift64 rng{seed | 1};
    auto* p = static_cast<unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; i += sizeof(std::uint64_t)) {
        const std::uint64_t v = rng.next();
        std::memcpy(p + i, &v, std::min(sizeof v, bytes - i));
    }
}

Checked<WdfioRun> run_wdfio_load(const LoadPlan& plan, const StackSpec& stack, const LoadTick& tick,
                                 const EngineVisit& before_teardown) {
    auto made = make_workers(plan, stack);
    if (!made.ok()) return made.failure();
    auto& workers = made.value().list;

    WdfioRun run;
    run.backend = workers.front()->backend();
    const double cpu0 = process_cpu_seconds();
    const auto t0 = Clock::now();
    start_all(made.value());
    const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(plan.seconds));
    constexpr auto kTick = std::chrono::milliseconds(100);
    for (auto next_tick = t0 + kTick;;) {
        const auto now = Clock::now();
        if (now >= deadline) break;
        const bool failed = std::any_of(workers.begin(), workers.end(), [](const auto& w) { return w->failed(); });
        const bool drained = std::all_of(workers.begin(), workers.end(), [](const auto& w) { return w->drained(); });
        if (failed || drained) {
            run.stopped_by_error = failed;
            break;
        }
        if (tick && now >= next_tick) {
            LoadResult so_far;
            so_far.seconds = std::chrono::duration<double>(now - t0).count();
            for (auto& w : workers) w->snapshot(so_far);
            if (tick(so_far)) {
                run.interrupted = true;
                break;
            }
            next_tick = now + kTick;
        }
        std::this_thread::sleep_until(std::min({deadline, next_tick, now + std::chrono::milliseconds(10)}));
    }
    run.result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    for (auto& w : workers) w->snapshot(run.result);
    for (auto& w : workers) w->stop();
    for (auto& w : workers) w->cancel_in_flight();
    for (auto& w : workers) w->wait_drained();
    run.result.cpu_seconds = process_cpu_seconds() - cpu0;
    for (auto& w : workers) w->take_counters(run.result);
    if (before_teardown) {  // each engine once
        const std::size_t engines = made.value().shared ? 1 : workers.size();
        for (unsigned i = 0; i < engines; ++i) before_teardown(workers[i]->engine(), i);
    }
    return run;
}

}  // namespace wdfio::cli
