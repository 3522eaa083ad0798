// WorkItem: a device's callback on a worker thread of its engine (driver
// spec §8.3), submitted as a Blocking engine operation.
#include <wdfio/log.hpp>
#include <wdfio/verifier.hpp>
#include <wdfio/work_item.hpp>

#include "core/blocking.hpp"
#include "core/device_ancestor.hpp"
#include "core/owned_operation.hpp"
#include "engine/engine_core.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace wdfio::detail {

struct WorkItemState : Owned {
    WorkItemState(const WorkItemConfig& c, std::shared_ptr<EngineCore> e)
        : Owned(OwnerKind::WorkItem), config(c), core(std::move(e)) {
        op.code = OpCode::Blocking;
        op.unbounded = true;  // a callback may block: the pool adds a thread rather than queue behind it
        op.ops = &kOps;
    }

    const WorkItemConfig config;
    const std::shared_ptr<EngineCore> core;
    std::mutex mutex;
    std::condition_variable idle;  // nothing queued or in flight any more
    bool queued = false;           // enqueued, its callback not started
    bool in_flight = false;        // submitted to the engine, not completed (holds a reference)
    bool running = false;
    std::thread::id runner;
    bool deleting = false;

    WorkItem& item() noexcept { return *static_cast<WorkItem*>(object); }
    bool in_own_callback() const noexcept { return running && runner == std::this_thread::get_id(); }

    // A worker thread: the callback, "queued" cleared just before (R8.9).
    static std::int64_t run(Operation& op, const WorkerContext&) {
        auto& s = static_cast<WorkItemState&>(Owned::of(op));
        {
            std::lock_guard lock(s.mutex);
            s.queued = false;
            s.running = true;
            s.runner = std::this_thread::get_id();
        }
        s.config.callback(s.item());
        std::lock_guard lock(s.mutex);
        s.running = false;
        return 0;
    }
    // The engine thread, after each run: again if enqueued meanwhile, else
    // the run's reference goes.
    static void complete(Operation& op, std::int64_t) noexcept {
        auto& s = static_cast<WorkItemState&>(Owned::of(op));
        std::unique_lock lock(s.mutex);
        if (s.queued) {
            s.core->submit(s.op);
            return;
        }
        s.in_flight = false;
        s.idle.notify_all();
        lock.unlock();
        s.object->release();  // may be the last: nothing of s is touched after
    }
    static constexpr OperationOps kOps{&WorkItemState::complete, &WorkItemState::run};

    void wait_idle(std::unique_lock<std::mutex>& lock) {
        idle.wait(lock, [this] { return !queued && !in_flight; });
    }
};

}  // namespace wdfio::detail

namespace wdfio {

using detail::WorkItemState;

Result<Ref<WorkItem>> WorkItem::create(const WorkItemConfig& config, const ObjectAttributes& attributes) {
    if (!config.callback) {  // R8.8
        log(LogLevel::Warning, "WorkItem::create: a work item needs a callback");
        return STATUS_INVALID_PARAMETER;
    }
    return detail::make_device_owned<WorkItem, WorkItemState>(
        "WorkItem::create", config, attributes,
        [](void* storage, WorkItemState* state) { return new (storage) WorkItem(state); });
}

WorkItem::~WorkItem() { delete state_; }

void WorkItem::enqueue() {
    WorkItemState& s = *state_;
    std::lock_guard lock(s.mutex);
    if (s.deleting) {
        detail::verifier_break(VerifierCheck::UseWhileDeleting, this, "WorkItem::enqueue");
        return;
    }
    if (s.queued) return;  // one run for both
    if (s.core->gone()) {
        log(LogLevel::Warning, "WorkItem::enqueue: the work item's engine has been destroyed; not run");
        return;
    }
    s.queued = true;
    if (s.in_flight) return;  // running: its completion submits it again
    s.in_flight = true;
    add_ref();  // the run's, dropped when it completes
    s.core->submit(s.op);
}

void WorkItem::flush() {
    WorkItemState& s = *state_;
    std::unique_lock lock(s.mutex);
    if (s.in_own_callback()) {  // R8.10
        detail::verifier_break(VerifierCheck::WaitForOwnCallback, this, "WorkItem::flush");
        return;
    }
    if (!detail::may_block(*s.core)) {  // the engine thread completes the runs it would wait for
        detail::verifier_break(VerifierCheck::BlockingOnEngineThread, this, "WorkItem::flush");
        return;
    }
    s.wait_idle(lock);
}

// R8.11: a queued run still runs, and is waited for, before the cleanup
// callback — unless deleted from the callback itself or where nothing may wait.
void WorkItem::rundown() noexcept {
    WorkItemState& s = *state_;
    std::unique_lock lock(s.mutex);
    s.deleting = true;
    if (s.in_own_callback()) return;
    if (!detail::may_block(*s.core)) return;
    s.wait_idle(lock);
}

}  // namespace wdfio
