#include "engine/engine_core.hpp"

#include <wdfio/io_target.hpp>
#include <wdfio/log.hpp>

#include "core/request_access.hpp"
#include "core/target_access.hpp"
#include "engine/finish_batch.hpp"
#include "engine/sigpipe.hpp"
#include "engine/threads_backend.hpp"
#include "engine/uring_backend.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace wdfio::detail {

namespace {
thread_local const EngineCore* t_current = nullptr;
constexpr int kSpinRounds = 200;  // ~5 µs (a pause is ~25 ns on these CPUs): less than a 27 µs wake-up
constexpr unsigned kMaxWorkers = 256;

std::optional<BackendKind> backend_from_env() {
    const char* env = std::getenv("WDFIO_BACKEND");
    if (!env || !*env) return std::nullopt;
    if (std::strcmp(env, "uring") == 0) return BackendKind::Uring;
    if (std::strcmp(env, "threads") == 0) return BackendKind::Threads;
    log(LogLevel::Warning, "WDFIO_BACKEND=%s is not 'uring' or 'threads'; choosing automatically", env);
    return std::nullopt;
}
}  // namespace

void ThreadsBackend::wait(std::int64_t timeout_ns) {
    pollfd pfd{core_.event_fd(), POLLIN, 0};
    const int ms = timeout_ns < 0 ? -1 : static_cast<int>((timeout_ns + 999'999) / 1'000'000);
    if (::poll(&pfd, 1, ms) <= 0) return;
    std::uint64_t v;
    [[maybe_unused]] auto n = read(core_.event_fd(), &v, sizeof v);
    core_.woken();
}

EngineCore::EngineCore(const EngineOptions& options) : options_(options) {
    event_fd_ = eventfd(0, EFD_CLOEXEC);
    pool_ = std::make_unique<WorkerPool>(*this, options.workers, kMaxWorkers);
    auto ready = std::make_shared<std::promise<void>>();
    auto started = ready->get_future();
    // The ring is created on the engine thread, which is its only user.
    thread_ = std::thread([this, ready] { run(ready); });
    started.wait();
}

EngineCore::~EngineCore() { shutdown(); }

void EngineCore::shutdown() {
    if (!thread_.joinable()) return;  // shut down already (the Engine, then the last target)
    stop_.store(true, std::memory_order_seq_cst);
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(event_fd_, &one, sizeof one);
    thread_.join();
    // From here sends are refused; those made by routines while it drained went as before.
    gone_.store(true, std::memory_order_release);
    pool_.reset();
    backend_.reset();
    close(event_fd_);
    event_fd_ = -1;
}

bool EngineCore::on_engine_thread() const noexcept { return t_current == this; }

void EngineCore::post(HandoffNode& node) {
    handoffs_.push(&node);
    wake();
}

void EngineCore::wake() noexcept {
    if (sleeping_.load(std::memory_order_seq_cst) && !wake_pending_.exchange(true, std::memory_order_acq_rel)) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = write(event_fd_, &one, sizeof one);
    }
}

void EngineCore::arm_timer(Request& r, std::int64_t deadline_ns, std::uint32_t seq) {
    // A deadline earlier than the one the engine sleeps for: wake it to notice.
    const bool first = timers_.arm(r, deadline_ns, seq);
    if (!on_engine_thread() && (first || deadline_ns < sleep_until_.load(std::memory_order_seq_cst))) wake();
}

int EngineCore::fire_timers() {
    if (timers_.empty()) return 0;
    std::array<TimerWheel::Fired, 64> fired;
    int total = 0;
    for (std::size_t n; (n = timers_.expire(TimerWheel::now_ns(), fired)) > 0;) {
        for (std::size_t i = 0; i < n; ++i) {
            RequestAccess::timer_fired(*fired[i].request, fired[i].seq);
            fired[i].request->release();  // the wheel's reference
        }
        total += static_cast<int>(n);
        if (n < fired.size()) break;
    }
    return total;
}

void EngineCore::start_rw(Request& r, int fd, int fixed_slot, long long offset, bool socket) {
    if (!on_engine_thread()) {
        r.handoff_node_.set_kind(HandoffKind::Submit);
        post(r.handoff_node_);
        return;
    }
    operation_started();
    // A cancel from another thread can overtake this request's own hand-over
    // (and later cancels coalesce with it): the sticky flag tells us here, and
    // the target's epoch tells of a stop/purge/close whose pass ran before it.
    if (RequestAccess::canceled(r) || TargetAccess::missed_cancel(r)) {
        deliver(r, STATUS_CANCELLED, 0);
        return;
    }
    backend_->start_rw(r, fd, fixed_slot, offset, socket);
}

void EngineCore::cancel_rw(Request& r) {
    r.cancel_seq_.store(RequestAccess::send_seq(r), std::memory_order_release);
    if (on_engine_thread()) {
        backend_->cancel(r);
        return;
    }
    if (!r.cancel_queued_.exchange(true, std::memory_order_acq_rel)) {
        r.add_ref();  // the node lives in the request: keep it alive until handled
        post(r.cancel_node_);
    }
}

void EngineCore::cancel_sent(IoTarget& target, HandoffNode& node, std::atomic<bool>& queued) {
    if (kind_ == BackendKind::Threads) return;  // all its I/O is on the pool
    if (on_engine_thread()) {
        TargetAccess::cancel_engine_list(target, *backend_);
        return;
    }
    if (queued.exchange(true, std::memory_order_acq_rel)) return;  // one already on its way
    node.set(HandoffKind::CancelAll, &target);
    target.add_ref();  // dropped once the engine has handled the node
    post(node);
}

void EngineCore::post_completion(Request& r) {
    r.handoff_node_.set_kind(HandoffKind::Complete);
    post(r.handoff_node_);
}

void EngineCore::deliver(Request& r, Status status, std::uint64_t information) noexcept {
    active_.fetch_sub(1, std::memory_order_relaxed);
    RequestAccess::lower_complete(r, status, information);
}

int EngineCore::drain_handoffs() {
    int n = 0;
    while (HandoffNode* node = handoffs_.pop()) {
        ++n;
        switch (node->kind()) {
        case HandoffKind::Submit: {
            auto* r = node->owner<Request>();
            TargetAccess::start_io(*RequestAccess::sent_target(*r), *r);
            break;
        }
        case HandoffKind::Complete: {
            auto* r = node->owner<Request>();
            deliver(*r, RequestAccess::lower_status(*r), RequestAccess::lower_information(*r));
            break;
        }
        case HandoffKind::Cancel: {
            auto* r = node->owner<Request>();
            r->cancel_queued_.store(false, std::memory_order_release);
            if (r->is_outstanding()) backend_->cancel(*r);  // cancel_seq_ guards against a later send
            r->release();
            break;
        }
        case HandoffKind::CancelAll: {
            auto* t = node->owner<IoTarget>();
            TargetAccess::cancel_sent_queued(*t).store(false, std::memory_order_release);
            TargetAccess::cancel_engine_list(*t, *backend_);
            t->release();
            break;
        }
        case HandoffKind::Stub: break;
        }
    }
    return n;
}

bool EngineCore::stopping_and_idle() const {
    return stop_.load(std::memory_order_acquire) && active_.load(std::memory_order_acquire) == 0 && handoffs_.empty();
}

void EngineCore::run(const std::shared_ptr<std::promise<void>>& ready) {
    t_current = this;
    block_sigpipe_in_this_thread();  // io_uring writes to pipes run here (engine/sigpipe.hpp)
    const auto wanted = options_.backend ? options_.backend : backend_from_env();
    if (wanted != BackendKind::Threads) {
        Status st;
        auto uring = std::make_unique<UringBackend>(*this, options_.queue_depth, st);
        if (st.ok()) {
            backend_ = std::move(uring);
            kind_ = BackendKind::Uring;
        } else {
            uring_status_ = st;
            log(LogLevel::Warning, "io_uring unavailable (%s); using the worker-thread backend",
                st.to_string().c_str());
        }
    }
    if (!backend_) backend_ = std::make_unique<ThreadsBackend>(*this);
    ready->set_value();

    FinishBatch finishes;  // targets counted down once per pass
    for (;;) {
        int work = drain_handoffs();
        work += backend_->reap();
        work += fire_timers();
        finishes.flush();
        if (work) continue;
        if (stop_.load(std::memory_order_acquire)) {
            if (!cancelled_for_stop_) {  // last chance for whatever is still outstanding
                cancelled_for_stop_ = true;
                if (active_.load() > 0)
                    log(LogLevel::Warning, "engine stopping with %lld operations outstanding; cancelling them",
                        static_cast<long long>(active_.load()));
                backend_->cancel_everything();
                pool_->cancel_all();
                continue;
            }
            if (stopping_and_idle()) break;
        }
        bool busy = false;
        for (int i = 0; i < kSpinRounds && !busy; ++i) {
            busy = !handoffs_.empty() || backend_->has_ready();
            __builtin_ia32_pause();
        }
        if (busy) continue;
        // sleeping_ first, then the deadline: a timer armed meanwhile either
        // is in the scan or sees us sleeping (and a later sleep_until_) and wakes us.
        sleeping_.store(true, std::memory_order_seq_cst);
        if (handoffs_.empty() && !stopping_and_idle()) {
            const std::int64_t next = timers_.next_deadline();
            sleep_until_.store(next < 0 ? INT64_MAX : next, std::memory_order_seq_cst);
            backend_->wait(next < 0 ? -1 : std::max<std::int64_t>(0, next - TimerWheel::now_ns()));
            sleep_until_.store(INT64_MAX, std::memory_order_relaxed);
        }
        sleeping_.store(false, std::memory_order_relaxed);
    }
    t_current = nullptr;
}

}  // namespace wdfio::detail

namespace wdfio {

Engine::Engine(EngineOptions options) : core_(std::make_shared<detail::EngineCore>(options)) {}
Engine::~Engine() { core_->shutdown(); }
BackendKind Engine::backend() const noexcept { return core_->backend(); }
Status Engine::uring_status() const noexcept { return core_->uring_status(); }
bool Engine::on_engine_thread() const noexcept { return core_->on_engine_thread(); }

const char* to_string(BackendKind b) noexcept { return b == BackendKind::Uring ? "io_uring" : "threads"; }

}  // namespace wdfio
