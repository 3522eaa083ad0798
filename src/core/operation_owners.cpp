// What the engine calls up for: one table for every operation's owner — a
// request, or a timer's or work item's state (engine/operation.hpp, OwnerOps).
#include "core/owned_operation.hpp"
#include "core/request_access.hpp"
#include "core/target_access.hpp"
#include "core/timer_access.hpp"

namespace wdfio::detail {

namespace {
// The object an operation belongs to: a request, or a timer's or work item's state.
Object& owner_object(Operation& op) noexcept {
    if (op.owner_kind == OwnerKind::Request) return RequestAccess::of(op);
    return *Owned::of(op).object;
}
bool missed_cancel(Operation& op) noexcept {
    return op.owner_kind == OwnerKind::Request && TargetAccess::missed_cancel(RequestAccess::of(op));
}
void timer_fired(Operation& op, std::uint32_t seq) noexcept {
    if (op.owner_kind == OwnerKind::Timer) TimerAccess::fired(op, seq);
    else if (op.owner_kind == OwnerKind::Request) RequestAccess::timer_fired(RequestAccess::of(op), seq);
    // a target's own operations arm no timer
}
void retain(Operation& op) noexcept { owner_object(op).add_ref(); }
void release(Operation& op) noexcept { owner_object(op).release(); }
constexpr OwnerOps kOwnerOps{&missed_cancel, &timer_fired, &retain, &release};
}  // namespace

const OwnerOps& core_owner_ops() noexcept { return kOwnerOps; }

}  // namespace wdfio::detail
