// What the engine and the worker pool may do to a target beyond its API.
#pragma once
#include <wdfio/io_target.hpp>

#include "core/request_access.hpp"

namespace wdfio::detail {

struct TargetAccess {
    static void start_io(IoTarget& t, Request& r) { t.start_io(r); }
    static void run_blocking(IoTarget& t, Request& r, WorkerContext& w) { t.run_blocking(r, w); }
    static bool may_wait_indefinitely(const IoTarget& t, const Request& r) { return t.may_wait_indefinitely(r); }
    static Status status_from_errno(const IoTarget& t, const IoOperation& op, int err) {
        return t.status_from_errno(op, err);
    }
    static std::atomic<bool>& cancel_sent_queued(IoTarget& t) noexcept { return t.cancel_sent_queued_; }
    static void count_down(IoTarget& t, std::uint64_t steps) noexcept { t.count_down(steps); }
    static EngineCore& core(const IoTarget& t) noexcept { return t.core(); }
    static bool missed_cancel(Request& r) noexcept { return RequestAccess::sent_target(r)->missed_cancel(r); }

    // io_uring operations in flight, per target (engine thread only).
    static void link_engine(Request& r) noexcept {
        IoTarget& t = *RequestAccess::sent_target(r);
        r.target_prev_ = nullptr;
        r.target_next_ = t.engine_list_;
        if (t.engine_list_) t.engine_list_->target_prev_ = &r;
        t.engine_list_ = &r;
    }
    static void unlink_engine(Request& r) noexcept {
        IoTarget& t = *RequestAccess::sent_target(r);
        if (r.target_prev_) r.target_prev_->target_next_ = r.target_next_;
        else t.engine_list_ = r.target_next_;
        if (r.target_next_) r.target_next_->target_prev_ = r.target_prev_;
        r.target_next_ = r.target_prev_ = nullptr;
    }
    // Engine thread: cancel every listed operation (each still holds its
    // lower claim, so none can finish while we walk), setting cancel flags.
    template <class Backend>
    static void cancel_engine_list(IoTarget& t, Backend& backend) {
        const bool include_ignore = t.cancel_include_ignore_.exchange(false, std::memory_order_acq_rel);
        for (Request* r = t.engine_list_; r; r = r->target_next_) {
            if (r->ignore_state_ && !include_ignore) continue;
            RequestAccess::mark_canceled(*r);
            r->cancel_seq_.store(RequestAccess::send_seq(*r), std::memory_order_release);
            backend.cancel(*r);
        }
    }
};

}  // namespace wdfio::detail
