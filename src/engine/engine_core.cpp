#include "engine/engine_core.hpp"

#include <wdfio/log.hpp>

#include "engine/finish_batch.hpp"
#include "engine/sigpipe.hpp"
#include "engine/threads_backend.hpp"
#include "engine/uring_backend.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace wdfio::detail {

namespace {
thread_local const EngineCore* t_current = nullptr;
// Spinning for 50 µs, while the core is ours (SpinPolicy), beats sleeping on the quiet
// machine: a wake-up of a sleeping vCPU costs ~27 µs, and hand-overs come in bursts.
constexpr std::int64_t kSpinNs = 50'000;
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

EngineCore::EngineCore(const EngineOptions& options, const OwnerOps& owner, EngineGroup& group, unsigned index)
    : options_(options), owner_(owner), group_(group), index_(index), timers_(owner) {
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
    {
        std::lock_guard lock(registration_mutex_);
        backend_.reset();
    }
    close(event_fd_);
    event_fd_ = -1;
}

bool EngineCore::on_engine_thread() const noexcept { return t_current == this; }
bool EngineCore::on_an_engine_thread() noexcept { return t_current != nullptr; }
const EngineCore* EngineCore::current() noexcept { return t_current; }

int EngineCore::register_file(int fd) {
    std::lock_guard lock(registration_mutex_);
    return gone() ? -1 : backend_->register_file(fd);
}

void EngineCore::unregister_file(int slot) {
    std::lock_guard lock(registration_mutex_);
    if (!gone()) backend_->unregister_file(slot);  // else the ring, and its files, are gone already
}

int EngineCore::register_buffer(void* data, std::size_t size, int want) {
    std::lock_guard lock(registration_mutex_);
    return gone() ? -EOPNOTSUPP : backend_->register_buffer(data, size, want);
}

void EngineCore::unregister_buffer(int slot) {
    std::lock_guard lock(registration_mutex_);
    if (!gone()) backend_->unregister_buffer(slot);  // else the ring, and its buffers, are gone already
}

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

bool EngineCore::arm_timer(Operation& op, std::int64_t deadline_ns, std::uint32_t seq) {
    // A deadline earlier than the one the engine sleeps for: wake it to notice.
    bool replaced = false;
    const bool first = timers_.arm(op, deadline_ns, seq, &replaced);
    if (!on_engine_thread() && (first || deadline_ns < sleep_until_.load(std::memory_order_seq_cst))) wake();
    return replaced;
}

int EngineCore::fire_timers() {
    if (timers_.empty()) return 0;
    std::array<TimerWheel::Fired, 64> fired;
    int total = 0;
    for (std::size_t n; (n = timers_.expire(TimerWheel::now_ns(), fired)) > 0;) {
        for (std::size_t i = 0; i < n; ++i) {
            Operation& op = *fired[i].op;
            owner_.timer_fired(op, fired[i].seq);
            owner_.release(op);  // the wheel's hold
        }
        total += static_cast<int>(n);
        if (n < fired.size()) break;
    }
    return total;
}

bool EngineCore::on_worker(const Operation& op) const noexcept {
    return op.code == OpCode::Blocking || kind_ == BackendKind::Threads;
}

void EngineCore::submit(Operation& op) {
    if (on_worker(op)) {  // from any thread: the worker checks for a missed cancel when it picks it
        if (op.code == OpCode::Poll) op.unbounded = true;  // readiness may never come: never queue behind it
        operation_started();
        pool_->enqueue(op);
        return;
    }
    if (on_engine_thread()) {
        start_now(op);
        return;
    }
    op.node.set_kind(HandoffKind::Submit);
    post(op.node);  // the engine starts it as it is: the owner is not asked again
}

void EngineCore::start_now(Operation& op) {
    operation_started();
    // A cancel from another thread can overtake the operation's own hand-over
    // (and later cancels coalesce with it): the sticky flag tells us here, and
    // the owner knows of a cancel pass over its group (a target's stop, purge
    // or close) that ran before the operation got here.
    if (op.canceled.load(std::memory_order_seq_cst) || owner_.missed_cancel(op)) {
        deliver(op, -ECANCELED);
        return;
    }
    backend_->start(op);
}

void EngineCore::complete_later(Operation& op, std::int64_t result) {
    operation_started();
    op.result = result;
    post_complete(op);
}

bool EngineCore::cancel(Operation& op, bool blocking) {
    if (blocking || kind_ == BackendKind::Threads) return pool_->cancel(op);
    op.cancel_seq.store(op.seq, std::memory_order_release);
    if (on_engine_thread()) {
        backend_->cancel(op);
        return true;
    }
    if (!op.cancel_queued.exchange(true, std::memory_order_acq_rel)) {
        owner_.retain(op);  // the node lives in the owner: keep it alive until handled
        post(op.cancel_node);
    }
    return true;  // io_uring reaches the operation unless its completion is already due
}

void EngineCore::cancel_list(OperationList& list, bool include_sticky) {
    pool_->cancel_list(list, include_sticky);   // its Blocking operations
    if (kind_ == BackendKind::Threads) return;  // all of them
    if (include_sticky) list.include_sticky.store(true, std::memory_order_release);
    if (on_engine_thread()) {
        backend_->cancel_list(list, list.include_sticky.exchange(false, std::memory_order_acq_rel));
        return;
    }
    if (list.queued.exchange(true, std::memory_order_acq_rel)) return;  // one already on its way
    list.node.set(HandoffKind::CancelList, &list);
    list.retain(list.owner);  // dropped once the engine has handled the node
    post(list.node);
}

void EngineCore::post_complete(Operation& op) {
    op.node.set_kind(HandoffKind::Complete);
    post(op.node);
}

void EngineCore::deliver(Operation& op, std::int64_t result) noexcept {
    active_.fetch_sub(1, std::memory_order_relaxed);
    op.ops->complete(op, result);
}

int EngineCore::drain_handoffs() {
    int n = 0;
    while (HandoffNode* node = handoffs_.pop()) {
        ++n;
        switch (node->kind()) {
        case HandoffKind::Submit: start_now(*node->owner<Operation>()); break;
        case HandoffKind::Complete: {
            auto* op = node->owner<Operation>();
            deliver(*op, op->result);
            break;
        }
        case HandoffKind::Cancel: {
            auto* op = node->owner<Operation>();
            op->cancel_queued.store(false, std::memory_order_release);
            backend_->cancel(*op);  // cancel_seq says which start: a later one is not hit
            owner_.release(*op);
            break;
        }
        case HandoffKind::CancelList: {
            auto* list = node->owner<OperationList>();
            list->queued.store(false, std::memory_order_release);
            backend_->cancel_list(*list, list->include_sticky.exchange(false, std::memory_order_acq_rel));
            list->release(list->owner);
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
        auto uring = std::make_unique<UringBackend>(*this, options_.queue_depth, options_.registered_buffers, st);
        if (st.ok()) {
            backend_ = std::move(uring);
            kind_ = BackendKind::Uring;
        } else {
            uring_status_ = st;
            if (index_ == 0)  // once per engine: its other threads fare the same
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
        if (spin_.spin([this] { return !handoffs_.empty() || backend_->has_ready(); }, kSpinNs)) continue;
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

const char* to_string(BackendKind b) noexcept { return b == BackendKind::Uring ? "io_uring" : "threads"; }

}  // namespace wdfio
