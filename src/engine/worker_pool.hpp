// WorkerPool: threads that run blocking operations (ioctls always; all I/O on
// the Threads backend). It grows only when every worker is inside an
// operation that may wait indefinitely (a stream read, an ioctl), so a read
// parked on an empty pipe never starves other work, while bounded file I/O
// just queues (no thread, no allocation per request). A running operation is cancelled through the
// worker's cancel eventfd (operations that poll) or a signal (ioctls).
#pragma once
#include "engine/operation.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace wdfio::detail {

class EngineCore;

class WorkerPool {
public:
    WorkerPool(EngineCore& core, unsigned initial_workers, unsigned max_workers);
    ~WorkerPool();  // joins; callers make sure nothing is queued

    void enqueue(Operation& op);
    // Interrupt op if a worker runs it; a queued op sees its cancel flag when picked.
    bool cancel(Operation& op);  // true if op was still queued or running
    // Cancel every queued or running operation of `list` (a target's stop,
    // purge, close), setting cancel flags; sticky ones only with include_sticky.
    void cancel_list(const OperationList& list, bool include_sticky);
    void cancel_all();

private:
    struct Worker {
        std::thread thread;
        pthread_t handle{};
        int cancel_fd = -1;
        Operation* running = nullptr;
        bool unbounded = false;  // running may wait indefinitely
    };
    void spawn_locked();
    void run(Worker* w);
    static void interrupt(Worker& w);

    EngineCore& core_;
    unsigned max_workers_;
    std::mutex mutex_;
    std::condition_variable cv_;
    Operation* head_ = nullptr;  // queued, linked by Operation::next
    Operation* tail_ = nullptr;
    unsigned idle_ = 0;
    unsigned unbounded_ = 0;  // workers inside operations that may wait indefinitely
    void grow_if_stuck_locked();
    bool stopping_ = false;
    std::vector<Worker*> workers_;
};

}  // namespace wdfio::detail
