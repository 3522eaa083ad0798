#include "engine/worker_pool.hpp"

#include <wdfio/io_target.hpp>
#include <wdfio/log.hpp>

#include "core/request_access.hpp"
#include "core/target_access.hpp"
#include "engine/engine_core.hpp"
#include "engine/sigpipe.hpp"

#include <csignal>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>

namespace wdfio::detail {

namespace {
// SIGURG is ignored by default, so a stray one never kills a process.
constexpr int kInterruptSignal = SIGURG;

void install_interrupt_handler() {
    static const bool installed = [] {
        struct sigaction sa {};
        sa.sa_handler = [](int) {};  // only to make a blocking syscall return EINTR
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART
        sigaction(kInterruptSignal, &sa, nullptr);
        return true;
    }();
    (void)installed;
}
}  // namespace

WorkerPool::WorkerPool(EngineCore& core, unsigned initial_workers, unsigned max_workers)
    : core_(core), max_workers_(max_workers) {
    install_interrupt_handler();
    std::lock_guard lock(mutex_);
    for (unsigned i = 0; i < initial_workers; ++i) spawn_locked();
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (Worker* w : workers_) {
        w->thread.join();
        close(w->cancel_fd);
        delete w;
    }
}

void WorkerPool::spawn_locked() {
    auto* w = new Worker;
    w->cancel_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    workers_.push_back(w);
    ++idle_;
    w->thread = std::thread([this, w] { run(w); });
    w->handle = w->thread.native_handle();
}

void WorkerPool::enqueue(Request& r) {
    {
        std::lock_guard lock(mutex_);
        r.pool_next_ = nullptr;
        if (tail_) tail_->pool_next_ = &r;
        else head_ = &r;
        tail_ = &r;
        grow_if_stuck_locked();
    }
    cv_.notify_one();
}

void WorkerPool::grow_if_stuck_locked() {
    if (head_ && idle_ == 0 && unbounded_ == workers_.size() && workers_.size() < max_workers_) spawn_locked();
}

void WorkerPool::interrupt(Worker& w) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(w.cancel_fd, &one, sizeof one);
    pthread_kill(w.handle, kInterruptSignal);
}

bool WorkerPool::cancel(Request& r) {
    std::lock_guard lock(mutex_);
    for (Worker* w : workers_) {
        if (w->running == &r) {
            interrupt(*w);
            return true;
        }
    }
    // Waiting for a worker: the worker sees its cancel flag when it picks it.
    for (Request* q = head_; q; q = q->pool_next_)
        if (q == &r) return true;
    return false;  // finished already (its completion is on its way)
}

void WorkerPool::cancel_target(const IoTarget& target, bool include_ignore) {
    auto matches = [&](Request& r) {
        return RequestAccess::sent_target(r) == &target && (include_ignore || !RequestAccess::ignores_state(r));
    };
    std::lock_guard lock(mutex_);
    for (Request* r = head_; r; r = r->pool_next_)
        if (matches(*r)) RequestAccess::mark_canceled(*r);  // seen when a worker picks it
    for (Worker* w : workers_) {
        if (w->running && matches(*w->running)) {
            RequestAccess::mark_canceled(*w->running);
            interrupt(*w);
        }
    }
}

void WorkerPool::cancel_all() {
    std::lock_guard lock(mutex_);
    for (Worker* w : workers_)
        if (w->running) interrupt(*w);
}

void WorkerPool::run(Worker* w) {
    block_sigpipe_in_this_thread();  // blocking writes to pipes run here (engine/sigpipe.hpp)
    WorkerContext ctx{w->cancel_fd};
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait(lock, [this] { return head_ || stopping_; });
        if (!head_) return;  // stopping and drained
        Request* r = head_;
        head_ = r->pool_next_;
        if (!head_) tail_ = nullptr;
        --idle_;
        w->running = r;
        std::uint64_t drained;
        while (read(w->cancel_fd, &drained, sizeof drained) > 0) {
        }
        // Checked with `running` published under the lock: a canceller either
        // sees it running (and interrupts) or we see its flag here.
        IoTarget* target = RequestAccess::sent_target(*r);
        const bool skip = RequestAccess::canceled(*r) || TargetAccess::missed_cancel(*r);
        w->unbounded = !skip && TargetAccess::may_wait_indefinitely(*target, *r);
        if (w->unbounded) {
            ++unbounded_;
            grow_if_stuck_locked();  // what is queued behind us may need a thread of its own
        }
        lock.unlock();
        if (skip) RequestAccess::record_result(*r, STATUS_CANCELLED, 0);
        else TargetAccess::run_blocking(*target, *r, ctx);
        lock.lock();
        w->running = nullptr;
        if (w->unbounded) --unbounded_;
        ++idle_;
        lock.unlock();
        core_.post_completion(*r);
        lock.lock();
    }
}

}  // namespace wdfio::detail
