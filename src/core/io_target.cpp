// IoTarget: the state machine, parking, and the waits of stop, purge and close (spec §7).
#include <wdfio/engine.hpp>
#include <wdfio/io_target.hpp>
#include <wdfio/log.hpp>
#include <wdfio/verifier.hpp>

#include "core/blocking.hpp"
#include "core/futex.hpp"
#include "core/object_create.hpp"
#include "core/recorder.hpp"
#include "core/request_access.hpp"
#include "core/target_access.hpp"
#include "engine/engine_core.hpp"
#include "engine/finish_batch.hpp"

namespace wdfio {

namespace {
constexpr std::int64_t kRecancelNs = 10'000'000;  // waits re-issue cancels this often (late senders)

bool accepts_ignore_state(IoTargetState s) {
    return s == IoTargetState::Started || s == IoTargetState::Stopped || s == IoTargetState::Purged;
}
}  // namespace

IoTarget::IoTarget(Engine& engine, std::string name)
    : engine_(engine), core_(detail::EngineAccess::shared(engine)), name_(std::move(name)) {
    detail::recorder_of(*core_).name(this, name_.empty() ? std::string_view("(unnamed target)") : name_);
}

bool IoTarget::is_open() const noexcept {
    const auto s = state();
    return s != IoTargetState::Closed && s != IoTargetState::ClosedForQueryRemove && s != IoTargetState::Deleted &&
           s != IoTargetState::Undefined;
}

std::uint32_t IoTarget::parked() const {
    std::lock_guard lock(park_mutex_);
    return parked_list_.count;
}

// ---------------------------------------------------------------- accounting

// Admission (spec §4.3 step 4). Counted before the state is read, so that a
// concurrent stop/close either sees the send (and waits for it) or the send
// sees the new state. A started target (the common case) is expected: the
// request counts as pending and sent in one operation.
IoTarget::Gate IoTarget::gate(bool ignore_state, bool& counted_sent, std::uint32_t& epoch) {
    counted_sent = false;
    // Read before the state: a send that then sees Started holds the epoch
    // from before any stop/purge/close that follows (see missed_cancel).
    epoch = cancel_epoch_.load(std::memory_order_seq_cst);
    std::uint64_t step = kPendingOne;
    if (!ignore_state && state_.load(std::memory_order_relaxed) == IoTargetState::Started) step |= kSentOne;
    // While anything is pending, the target holds one reference on itself
    // (not one per request): its sends keep it alive for one atomic less.
    if (pending_of(io_.fetch_add(step, std::memory_order_seq_cst)) == 0) add_ref();
    auto s = state_.load(std::memory_order_seq_cst);
    if (ignore_state) {
        if (accepts_ignore_state(s) || draining_.load(std::memory_order_seq_cst)) return Gate::SendNow;
    } else {
        if (s == IoTargetState::Started && !(step & kSentOne)) {  // started meanwhile
            step |= kSentOne;
            io_.fetch_add(kSentOne, std::memory_order_seq_cst);
            s = state_.load(std::memory_order_seq_cst);
        }
        if (s == IoTargetState::Started) {
            counted_sent = true;
            return Gate::SendNow;
        }
        if (step & kSentOne) count_down(kSentOne);
        if (s == IoTargetState::Stopped) return Gate::Park;
    }
    count_down(kPendingOne);
    return Gate::Refuse;
}

void IoTarget::finish(bool counted_sent) noexcept {
    const std::uint64_t step = counted_sent ? kPendingOne | kSentOne : kPendingOne;
    // On the engine thread, counted down once per target at the end of the
    // loop's pass (FinishBatch): the sender's core keeps the counter's line.
    if (auto* batch = detail::FinishBatch::current())
        batch->add(
            this, [](void* t, std::uint64_t steps) noexcept { static_cast<IoTarget*>(t)->count_down(steps); }, step);
    else count_down(step);
}

void IoTarget::count_down(std::uint64_t steps) noexcept {
    counted_down(io_.fetch_sub(steps, std::memory_order_seq_cst), steps);
}

void IoTarget::counted_down(std::uint64_t before, std::uint64_t steps) noexcept {
    const bool no_pending = pending_of(steps) != 0 && pending_of(before) == pending_of(steps);
    const bool no_sent = sent_of(steps) != 0 && sent_of(before) == sent_of(steps);
    // waiting_ is raised before a waiter reads io_ (both seq_cst), so either
    // it sees our decrement or we see it waiting.
    if ((no_pending || no_sent) && waiting_.load(std::memory_order_seq_cst) > 0) {
        drained_.fetch_add(1, std::memory_order_seq_cst);
        detail::futex_wake_all(drained_);
    }
    if (!no_pending) return;
    if (release_on_drain_.load(std::memory_order_seq_cst)) release_once();
    release();  // the last pending request's hold: may delete the target
}

void IoTarget::release_once() {
    if (released_.exchange(true, std::memory_order_acq_rel)) return;
    draining_.store(false, std::memory_order_seq_cst);
    release_resources();
}

// ---------------------------------------------------------------- parking

Request::SubmitResult IoTarget::park(Request& r, const SendOptions& options, std::uint32_t epoch) {
    using Result = Request::SubmitResult;
    std::unique_lock lock(park_mutex_);
    const auto s = state_.load(std::memory_order_seq_cst);
    if (s == IoTargetState::Stopped) {
        // Accepted and parked in one step with the state check, so a purge or
        // close either finds it parked or refused it; a cancel or timer finds
        // it parked, or it was never parked (spec §4.3 steps 5–8).
        r.accept(*this, false, false, epoch);
        if (detail::RequestAccess::canceled(r)) {
            lock.unlock();  // the undo may release the target
            Result undone;
            r.undo_if_canceled(undone);
            return undone;
        }
        r.arm_timeout(*this, options);  // a timer firing now waits for the lock, then finds it parked
        r.note(*this, RecorderEventKind::Park, STATUS_PENDING, r.format_bytes(), pending());
        r.set_life(Request::Life::Parked);
        parked_list_.push_back(r);
        return Result::Accepted;
    }
    if (s == IoTargetState::Started) {  // started meanwhile
        io_.fetch_add(kSentOne, std::memory_order_seq_cst);
        lock.unlock();
        r.accept(*this, false, true, epoch);
        return r.launch(*this, options);
    }
    // Purged, closed or deleted meanwhile: refused, as if the gate had seen it.
    lock.unlock();
    count_down(kPendingOne);
    r.status_ = STATUS_INVALID_DEVICE_STATE;
    return Result::Refused;
}

bool IoTarget::missed_cancel(Request& r) noexcept {
    const auto now = static_cast<std::uint16_t>(cancel_epoch_.load(std::memory_order_seq_cst));
    if (detail::RequestAccess::ignores_state(r) || r.target_epoch_ == now) return false;
    detail::RequestAccess::mark_canceled(r);  // as the cancel pass it missed would have
    return true;
}

bool IoTarget::unpark(Request& r) {
    std::lock_guard lock(park_mutex_);
    if (r.life() != Request::Life::Parked) return false;
    parked_list_.remove(r);
    r.set_life(Request::Life::Sent);  // accepted, no longer parked: its taker sends or fails it
    return true;
}

Request* IoTarget::take_parked_locked() noexcept {
    Request* list = parked_list_.take_all();
    for (Request* r = list; r; r = r->target_next_) r->set_life(Request::Life::Sent);
    return list;
}

void IoTarget::fail_all(Request* list, Status status) {
    while (list) {
        Request* next = list->target_next_;
        list->target_next_ = list->target_prev_ = nullptr;
        detail::RequestAccess::lower_complete(*list, status, 0);
        list = next;
    }
}

// A parked request is failed by whoever takes it out of the queue; a sent one
// is cancelled by the lower side.
bool IoTarget::cancel_one(Request& r) {
    if (unpark(r)) {
        detail::RequestAccess::lower_complete(r, STATUS_CANCELLED, 0);
        return true;
    }
    return cancel_io(r);
}

// ---------------------------------------------------------------- state changes

namespace {
using S = IoTargetState;
constexpr int kStates = 7;  // WDF_IO_TARGET_STATE values, Undefined (0) to Purged (6)
// The legal state changes (spec §7.2–7.5), as WDF's GotoStartState,
// GotoStopState, GotoPurgeState and GotoRemoveState allow them. A row is the
// state now, a column the state asked for; staying in a state is legal where
// asking for it again is (start a started target, close a closed one).
//
//                      asked:  Undef  Started Stopped CloseQR Closed Deleted Purged
constexpr bool kLegal[kStates][kStates] = {
    /* Undefined            */ {false, true, false, false, true, true, false},
    /* Started              */ {false, true, true, false, true, true, true},
    /* Stopped              */ {false, true, true, false, true, true, true},
    /* ClosedForQueryRemove */ {false, false, false, false, true, true, false},
    /* Closed               */ {false, false, false, false, true, true, false},
    /* Deleted: for good    */ {false, false, false, false, false, true, false},
    /* Purged               */ {false, true, true, false, true, true, true},
};
}  // namespace

bool IoTarget::change_state(IoTargetState to) noexcept {
    const auto from = state_.load(std::memory_order_relaxed);  // changed only here, under park_mutex_
    if (!kLegal[static_cast<int>(from)][static_cast<int>(to)]) return false;
    state_.store(to, std::memory_order_seq_cst);
    detail::recorder_of(*core_).record({RecorderEventKind::TargetState, 0, reinterpret_cast<std::uintptr_t>(this), 0,
                                        STATUS_SUCCESS, pending(), RequestType::NoFormat, to});
    return true;
}

bool IoTarget::may_block(const char* call) {
    if (detail::may_block(*core_)) return true;
    detail::verifier_violation(VerifierCheck::BlockingOnEngineThread, this, call);
    return false;
}

void IoTarget::wait_until_zero(Counter counter, Recancel recancel) {
    auto count = [this, counter] {
        const auto io = io_.load(std::memory_order_seq_cst);
        return counter == Counter::Pending ? pending_of(io) : sent_of(io);
    };
    waiting_.fetch_add(1, std::memory_order_seq_cst);
    for (;;) {
        const auto seen = drained_.load(std::memory_order_seq_cst);
        if (count() == 0) break;
        detail::futex_wait(drained_, seen, recancel == Recancel::No ? -1 : kRecancelNs);
        // A send that passed the gate just before the state changed may reach
        // the lower side after our cancel: cancel again until drained.
        if (recancel != Recancel::No && count() != 0) cancel_sent_io(recancel == Recancel::AllIo);
    }
    waiting_.fetch_sub(1, std::memory_order_seq_cst);
    waiting_.notify_all();
}

Status IoTarget::start() {
    if (core_->gone()) {
        log(LogLevel::Warning, "start %s: its engine has been destroyed; close targets before their engine",
            name_.c_str());
        return STATUS_INVALID_DEVICE_STATE;
    }
    if (detail::may_block(*core_)) {  // a waiting stop or purge finishes first (spec §7.3)
        for (auto w = waiting_.load(); w != 0; w = waiting_.load()) waiting_.wait(w);
    }
    if (is_open()) {
        if (Status s = restart(); !s.ok()) return s;
    }
    Request* list;
    {
        std::lock_guard lock(park_mutex_);
        if (!change_state(IoTargetState::Started)) return STATUS_INVALID_DEVICE_STATE;
        list = take_parked_locked();
    }
    // Re-send in FIFO order, without options: the timeout is lost (spec §4.5).
    while (list) {
        Request* r = list;
        list = r->target_next_;
        r->target_next_ = r->target_prev_ = nullptr;
        if (r->timer_armed_) {
            detail::TargetAccess::core_of(*this, detail::RequestAccess::op(*r))
                .disarm_timer(detail::RequestAccess::op(*r));
            r->timer_armed_ = false;
        }
        if (detail::RequestAccess::canceled(*r)) {  // a cancel raced the start
            detail::RequestAccess::lower_complete(*r, STATUS_CANCELLED, 0);
            continue;
        }
        io_.fetch_add(kSentOne, std::memory_order_seq_cst);
        r->counted_sent_ = true;
        r->target_epoch_ = static_cast<std::uint16_t>(cancel_epoch_.load());  // a stop's cancel was not for it
        r->note(*this, RecorderEventKind::Start, STATUS_PENDING, r->format_bytes(), pending());
        start_io(*r);
    }
    return STATUS_SUCCESS;
}

void IoTarget::stop(SentIoAction action) {
    if (action != SentIoAction::Cancel && action != SentIoAction::WaitForComplete &&
        action != SentIoAction::LeavePending) {
        log(LogLevel::Warning, "stop %s: undefined action %d ignored", name_.c_str(), static_cast<int>(action));
        return;
    }
    if (action != SentIoAction::LeavePending && !may_block("stop")) return;
    {
        std::lock_guard lock(park_mutex_);
        change_state(IoTargetState::Stopped);  // a closed target stays closed; the action is still carried out
        if (action == SentIoAction::Cancel) cancel_epoch_.fetch_add(1, std::memory_order_seq_cst);
    }
    if (action == SentIoAction::Cancel) {
        cancel_sent_io(false);
        wait_until_zero(Counter::Sent, Recancel::SentIo);
    } else if (action == SentIoAction::WaitForComplete) {
        wait_until_zero(Counter::Sent, Recancel::No);
    }
}

void IoTarget::purge(PurgeIoAction action) {
    if (action != PurgeIoAction::PurgeAndWait && action != PurgeIoAction::Purge) {
        log(LogLevel::Warning, "purge %s: undefined action %d ignored", name_.c_str(), static_cast<int>(action));
        return;
    }
    if (action == PurgeIoAction::PurgeAndWait && !may_block("purge")) return;
    Request* parked;
    {
        std::lock_guard lock(park_mutex_);
        change_state(IoTargetState::Purged);
        cancel_epoch_.fetch_add(1, std::memory_order_seq_cst);
        parked = take_parked_locked();
    }
    fail_all(parked, STATUS_WDF_DEVICE_REMOVED_NOT_SENT);
    cancel_sent_io(false);
    if (action == PurgeIoAction::PurgeAndWait) wait_until_zero(Counter::Sent, Recancel::SentIo);
}

void IoTarget::shut(IoTargetState final_state) {
    shutting();
    Request* parked;
    {
        std::lock_guard lock(park_mutex_);
        change_state(final_state);  // Deleted stays Deleted
        draining_.store(true, std::memory_order_seq_cst);
        cancel_epoch_.fetch_add(1, std::memory_order_seq_cst);
        parked = take_parked_locked();
    }
    fail_all(parked, STATUS_WDF_DEVICE_REMOVED_NOT_SENT);
    cancel_sent_io(true);
    if (!detail::may_block(*core_)) {
        // Cannot wait here (the engine thread, or a completion routine that
        // would wait for itself): the last completion releases the OS resources.
        release_on_drain_.store(true, std::memory_order_seq_cst);
        if (pending_of(io_.load(std::memory_order_seq_cst)) == 0) release_once();
        return;
    }
    wait_until_zero(Counter::Pending, Recancel::AllIo);
    release_once();
}

void IoTarget::close() { shut(IoTargetState::Closed); }
void IoTarget::remove() { shut(IoTargetState::Deleted); }

const char* to_string(IoTargetState s) noexcept {
    switch (s) {
    case IoTargetState::Undefined: return "Undefined";
    case IoTargetState::Started: return "Started";
    case IoTargetState::Stopped: return "Stopped";
    case IoTargetState::ClosedForQueryRemove: return "ClosedForQueryRemove";
    case IoTargetState::Closed: return "Closed";
    case IoTargetState::Deleted: return "Deleted";
    case IoTargetState::Purged: return "Purged";
    }
    return "?";
}

}  // namespace wdfio
