#include "engine/worker_pool.hpp"

#include "engine/engine_core.hpp"
#include "engine/sigpipe.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
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
// OpCode::Poll on a worker: wait for the descriptor or the cancel fd,
// whichever comes first (a signal's EINTR just looks again).
std::int64_t wait_ready(const Operation& op, const WorkerContext& worker) {
    pollfd fds[2] = {{op.file, static_cast<short>(op.length), 0}, {worker.cancel_fd, POLLIN, 0}};
    for (;;) {
        if (op.canceled.load(std::memory_order_seq_cst)) return -ECANCELED;
        const int n = ::poll(fds, 2, -1);
        if (n < 0 && errno != EINTR) return -errno;
        if (fds[1].revents) return -ECANCELED;
        if (n > 0 && fds[0].revents) return fds[0].revents;
    }
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

void WorkerPool::enqueue(Operation& op) {
    {
        std::lock_guard lock(mutex_);
        op.next = nullptr;
        if (tail_) tail_->next = &op;
        else head_ = &op;
        tail_ = &op;
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

bool WorkerPool::cancel(Operation& op) {
    std::lock_guard lock(mutex_);
    for (Worker* w : workers_) {
        if (w->running == &op) {
            interrupt(*w);
            return true;
        }
    }
    // Waiting for a worker: the worker sees its cancel flag when it picks it.
    for (Operation* q = head_; q; q = q->next)
        if (q == &op) return true;
    return false;  // finished already (its completion is on its way)
}

void WorkerPool::cancel_list(const OperationList& list, bool include_sticky) {
    auto matches = [&](const Operation& op) { return op.list == &list && (include_sticky || !op.sticky); };
    std::lock_guard lock(mutex_);
    for (Operation* op = head_; op; op = op->next)
        if (matches(*op)) op->canceled.store(true, std::memory_order_seq_cst);  // seen when a worker picks it
    for (Worker* w : workers_) {
        if (w->running && matches(*w->running)) {
            w->running->canceled.store(true, std::memory_order_seq_cst);
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
        Operation* op = head_;
        head_ = op->next;
        if (!head_) tail_ = nullptr;
        --idle_;
        w->running = op;
        std::uint64_t drained;
        while (read(w->cancel_fd, &drained, sizeof drained) > 0) {
        }
        // Checked with `running` published under the lock: a canceller either
        // sees it running (and interrupts) or we see its flag here.
        const bool skip = op->canceled.load(std::memory_order_seq_cst) || core_.owner().missed_cancel(*op);
        w->unbounded = !skip && op->unbounded;
        if (w->unbounded) {
            ++unbounded_;
            grow_if_stuck_locked();  // what is queued behind us may need a thread of its own
        }
        lock.unlock();
        op->result = skip ? -ECANCELED : op->code == OpCode::Poll ? wait_ready(*op, ctx) : op->ops->run(*op, ctx);
        if (op->result == -EPIPE) consume_pending_sigpipe();  // ours: this thread wrote to the pipe
        lock.lock();
        w->running = nullptr;
        if (w->unbounded) --unbounded_;
        ++idle_;
        lock.unlock();
        core_.post_complete(*op);
        lock.lock();
    }
}

}  // namespace wdfio::detail
