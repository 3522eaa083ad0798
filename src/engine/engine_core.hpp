// EngineCore: the engine thread, its hand-over queue, and the backend it drives.
// It carries out operations (engine/operation.hpp) and knows nothing else.
#pragma once
#include <wdfio/engine.hpp>

#include "engine/mpsc_queue.hpp"
#include "engine/operation.hpp"
#include "engine/spin_policy.hpp"
#include "engine/timer_wheel.hpp"
#include "engine/worker_pool.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

namespace wdfio::detail {

// What a backend does for the loop. Called on the engine thread only.
class Backend {
public:
    virtual ~Backend() = default;
    virtual void start(Operation& op) = 0;
    // A registered-file slot for fd (io_uring skips the fd lookup and file
    // reference per operation), or -1 when the backend has none to give.
    virtual int register_file(int) { return -1; }
    virtual void unregister_file(int) {}
    // A registered-buffer slot for [data, data + size) (io_uring pins its pages once, not per
    // operation) — slot `want` if not -1 — or -errno: -ENOBUFS when every slot (or
    // `want`) is taken, -EOPNOTSUPP without a ring.
    virtual int register_buffer(void*, std::size_t, int /*want*/) { return -EOPNOTSUPP; }
    virtual void unregister_buffer(int) {}
    virtual void cancel(Operation& op) = 0;
    // Cancel every listed operation, setting its cancel flag (sticky ones only with include_sticky).
    virtual void cancel_list(OperationList& list, bool include_sticky) = 0;
    virtual void cancel_everything() = 0;
    virtual int reap() = 0;                          // submit what is prepared, handle ready completions
    virtual bool has_ready() = 0;                    // completions waiting (cheap; for spinning)
    virtual void wait(std::int64_t timeout_ns) = 0;  // sleep until a completion, a wake-up, or timeout (-1: none)
};

class EngineGroup;

class EngineCore {
public:
    // owner: what the engine calls up for (the request layer's table); group:
    // the engine threads this one is `index` of (engine/engine_group.hpp).
    EngineCore(const EngineOptions& options, const OwnerOps& owner, EngineGroup& group, unsigned index);
    ~EngineCore();
    // The Engine is destroyed: stop the thread (finishing everything), the
    // workers and the backend. Targets that outlive it keep this object.
    void shutdown();
    bool gone() const noexcept { return gone_.load(std::memory_order_relaxed); }

    BackendKind backend() const noexcept { return kind_; }
    Status uring_status() const noexcept { return uring_status_; }
    bool on_engine_thread() const noexcept;       // this engine thread
    static bool on_an_engine_thread() noexcept;   // of any engine
    static const EngineCore* current() noexcept;  // the engine thread this is, or null
    EngineGroup& group() const noexcept { return group_; }
    unsigned index() const noexcept { return index_; }
    const OwnerOps& owner() const noexcept { return owner_; }

    // ---- for the owners of operations (any thread)
    // Start op: a read, write, send or poll through io_uring (handed over
    // from another thread), a Blocking one (or any, on the threads backend)
    // on a worker (a poll there waits beside the worker's cancel fd). op.ops->complete runs on the engine thread, once.
    void submit(Operation& op);
    // op finished without the engine (a read the page cache answered, an
    // in-process device): complete it with `result` on the engine thread.
    void complete_later(Operation& op, std::int64_t result);
    // Cancel a submitted op; false if a worker had finished it already.
    // blocking: it was submitted as OpCode::Blocking — the caller says so
    // from what it knows, since op's sender may still be filling it in.
    // The caller sets op.canceled first: a worker interrupts only the
    // operation it runs, and one still queued is skipped by that flag alone.
    bool cancel(Operation& op, bool blocking);
    // Cancel every started operation of list (a target's stop, purge, close).
    void cancel_list(OperationList& list, bool include_sticky);
    // op's timer for start seq; it fires (OwnerOps::timer_fired) on the
    // engine thread. true if it replaced one still pending.
    bool arm_timer(Operation& op, std::int64_t deadline_ns, std::uint32_t seq);
    // true if op's timer was pending (it will not fire).
    bool disarm_timer(Operation& op) { return timers_.disarm(op); }
    // Registered files (any thread): see Backend. Serialised with shutdown,
    // as buffers are: a target may go on another engine thread while this one shuts down.
    int register_file(int fd);
    void unregister_file(int slot);
    // Registered buffers (any thread): see Backend. Serialised with shutdown,
    // which takes the ring (and every buffer registered with it) away. For
    // memory, through EngineGroup::register_buffer: the same slot in every ring.
    int register_buffer(void* data, std::size_t size, int want);
    void unregister_buffer(int slot);
    unsigned buffer_slots() const noexcept { return options_.registered_buffers; }  // as asked for
    WorkerPool& pool() noexcept { return *pool_; }

    // ---- for backends and workers
    void deliver(Operation& op, std::int64_t result) noexcept;  // engine thread
    void post_complete(Operation& op);                          // a worker finished op (op.result)
    int event_fd() const noexcept { return event_fd_; }
    void woken() noexcept { wake_pending_.store(false, std::memory_order_release); }

private:
    void post(HandoffNode& node);
    void wake() noexcept;
    void start_now(Operation& op);
    bool on_worker(const Operation& op) const noexcept;
    void operation_started() noexcept { active_.fetch_add(1, std::memory_order_relaxed); }
    int fire_timers();
    void run(const std::shared_ptr<std::promise<void>>& ready);
    int drain_handoffs();
    bool stopping_and_idle() const;

    EngineOptions options_;
    const OwnerOps& owner_;
    EngineGroup& group_;
    unsigned index_;
    BackendKind kind_ = BackendKind::Threads;
    std::atomic<bool> gone_{false};  // shut down (read on every send: kept away from the busy fields)
    Status uring_status_ = STATUS_SUCCESS;
    std::unique_ptr<Backend> backend_;
    std::mutex registration_mutex_;  // registered files and buffers against shutdown
    std::unique_ptr<WorkerPool> pool_;
    TimerWheel timers_;
    int event_fd_ = -1;
    std::thread thread_;
    MpscQueue handoffs_;
    // Read by every sender's post, written when the engine sleeps or wakes.
    alignas(64) std::atomic<bool> sleeping_{false};
    std::atomic<bool> wake_pending_{false};
    std::atomic<std::int64_t> sleep_until_{INT64_MAX};  // deadline the sleeping engine wakes for
    std::atomic<bool> stop_{false};
    // Written by the engine thread with every operation: away from the senders' lines.
    alignas(64) std::atomic<std::int64_t> active_{0};  // operations started and not yet delivered
    bool cancelled_for_stop_ = false;
    SpinPolicy spin_;  // engine thread only
};

// What the library reaches of an Engine beyond its API. core(): its first
// engine thread, the one all that is not spread over the group runs on.
struct EngineAccess {
    static EngineCore& core(Engine& engine) noexcept;
    // For an object that may outlive its Engine (a target, a timer): the first
    // engine thread, holding the whole group.
    static std::shared_ptr<EngineCore> shared(Engine& engine) noexcept;
};

}  // namespace wdfio::detail
