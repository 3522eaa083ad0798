// EngineCore: the engine thread, its hand-over queue, and the backend it drives.
#pragma once
#include <wdfio/engine.hpp>
#include <wdfio/request.hpp>

#include "engine/mpsc_queue.hpp"
#include "engine/timer_wheel.hpp"
#include "engine/worker_pool.hpp"

#include <atomic>
#include <future>
#include <memory>
#include <thread>

namespace wdfio::detail {

// What a backend does for the loop. Called on the engine thread only.
class Backend {
public:
    virtual ~Backend() = default;
    // fixed_slot: the fd's slot in the backend's registered files, or -1.
    // socket: fd is a socket, written with send(MSG_NOSIGNAL) (no SIGPIPE).
    virtual void start_rw(Request& r, int fd, int fixed_slot, long long offset, bool socket) = 0;
    // A registered-file slot for fd (io_uring skips the fd lookup and file
    // reference per operation), or -1 when the backend has none to give.
    virtual int register_file(int) { return -1; }
    virtual void unregister_file(int) {}
    virtual void cancel(Request& r) = 0;
    virtual void cancel_everything() = 0;
    virtual int reap() = 0;                          // submit what is prepared, handle ready completions
    virtual bool has_ready() = 0;                    // completions waiting (cheap; for spinning)
    virtual void wait(std::int64_t timeout_ns) = 0;  // sleep until a completion, a wake-up, or timeout (-1: none)
};

class EngineCore {
public:
    explicit EngineCore(const EngineOptions& options);
    ~EngineCore();
    // The Engine is destroyed: stop the thread (finishing everything), the
    // workers and the backend. Targets that outlive it keep this object.
    void shutdown();
    bool gone() const noexcept { return gone_.load(std::memory_order_relaxed); }

    BackendKind backend() const noexcept { return kind_; }
    Status uring_status() const noexcept { return uring_status_; }
    bool on_engine_thread() const noexcept;

    // ---- for targets (any thread)
    // Read or write through io_uring; from another thread it is handed over.
    void start_rw(Request& r, int fd, int fixed_slot, long long offset, bool socket);
    int register_file(int fd) { return backend_->register_file(fd); }
    void unregister_file(int slot) {
        if (!gone()) backend_->unregister_file(slot);  // else the ring, and its files, are gone already
    }
    void cancel_rw(Request& r);
    // Cancel the io_uring operations of target (stop, purge, close): node is
    // the target's own hand-over link, posted at most once at a time.
    void cancel_sent(IoTarget& target, HandoffNode& node, std::atomic<bool>& queued);
    // Arm r's send timeout; it fires on the engine thread.
    void arm_timer(Request& r, std::int64_t deadline_ns, std::uint32_t seq);
    TimerWheel& timers() noexcept { return timers_; }
    WorkerPool& pool() noexcept { return *pool_; }
    void post_completion(Request& r);  // a worker finished r: complete it on the engine thread
    void operation_started() noexcept { active_.fetch_add(1, std::memory_order_relaxed); }

    // ---- for backends (engine thread)
    void deliver(Request& r, Status status, std::uint64_t information) noexcept;
    int event_fd() const noexcept { return event_fd_; }
    void woken() noexcept { wake_pending_.store(false, std::memory_order_release); }

private:
    void post(HandoffNode& node);
    void wake() noexcept;
    int fire_timers();
    void run(const std::shared_ptr<std::promise<void>>& ready);
    int drain_handoffs();
    bool stopping_and_idle() const;

    EngineOptions options_;
    BackendKind kind_ = BackendKind::Threads;
    std::atomic<bool> gone_{false};  // shut down (read on every send: kept away from the busy fields)
    Status uring_status_ = STATUS_SUCCESS;
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<WorkerPool> pool_;
    MpscQueue handoffs_;
    TimerWheel timers_;
    int event_fd_ = -1;
    std::atomic<bool> sleeping_{false};
    std::atomic<bool> wake_pending_{false};
    std::atomic<std::int64_t> sleep_until_{INT64_MAX};  // deadline the sleeping engine wakes for
    std::atomic<bool> stop_{false};
    bool cancelled_for_stop_ = false;
    std::atomic<std::int64_t> active_{0};  // operations started and not yet delivered
    std::thread thread_;
};

// What the library reaches of an Engine beyond its API.
struct EngineAccess {
    static EngineCore& core(Engine& engine) noexcept { return *engine.core_; }
};

}  // namespace wdfio::detail
