// WorkItem: a device's callback run on a worker thread when enqueued (KMDF
// WDFWORKITEM, driver spec §8.3): where a timer's or completion routine's
// follow-up that may block goes. Enqueued while already queued: one run.
// Deleting it waits for a queued or running callback (the queued one still
// runs) before the cleanup callback runs (R8.11).
#pragma once
#include <wdfio/object.hpp>
#include <wdfio/result.hpp>

namespace wdfio::detail {
struct WorkItemState;
}  // namespace wdfio::detail

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class WorkItem;

// EvtWorkItemFunc. The work item's state: its context area, or its parent.
using WorkItemCallback = void (*)(WorkItem& work_item);

struct WorkItemConfig {  // WDF_WORKITEM_CONFIG
    WorkItemCallback callback = nullptr;
};

class WorkItem final : public Object {
public:
    // WdfWorkItemCreate (R8.8): no callback → STATUS_INVALID_PARAMETER; a
    // parent that is not a device or under one → STATUS_INVALID_DEVICE_REQUEST.
    static Result<Ref<WorkItem>> create(const WorkItemConfig& config, const ObjectAttributes& attributes);

    // WdfWorkItemEnqueue (R8.9): queued and not started yet → nothing more
    // (one run). "Queued" clears just before the callback runs, so the
    // callback may enqueue it again. Being deleted → verifier report, ignored.
    void enqueue();
    // WdfWorkItemFlush (R8.10): returns when nothing is queued or running
    // (re-enqueues included). From its own callback, or where nothing may
    // wait (the engine thread, a completion routine) → verifier report, returns at once.
    void flush();

private:
    friend struct detail::WorkItemState;
    explicit WorkItem(detail::WorkItemState* state) noexcept : state_(state) {}
    ~WorkItem() override;
    void rundown() noexcept override;

    detail::WorkItemState* state_;
};

}  // namespace wdfio
#pragma GCC visibility pop
