// What the engine and the targets may do to a request beyond the public API.
#pragma once
#include <wdfio/io_target.hpp>
#include <wdfio/request.hpp>

namespace wdfio::detail {

struct RequestAccess {
    // The lower side finished the operation: record the result and drop its
    // claim; whoever drops the last claim runs the completion (spec §5.3).
    static void lower_complete(Request& r, Status status, std::uint64_t information) noexcept {
        r.lower_status_ = status;
        r.lower_information_ = information;
        if (r.completion_refs_.fetch_sub(Request::kLowerClaim, std::memory_order_acq_rel) == Request::kLowerClaim)
            r.complete_claimed();
    }
    static void record_result(Request& r, Status status, std::uint64_t information) noexcept {
        r.lower_status_ = status;
        r.lower_information_ = information;
    }
    static void drop_claim(Request& r) noexcept { r.drop_claim(); }
    static bool take_claim(Request& r) noexcept { return r.take_claim(nullptr); }
    static Status lower_status(const Request& r) noexcept { return r.lower_status_; }
    static std::uint64_t lower_information(const Request& r) noexcept { return r.lower_information_; }
    static IoTarget* sent_target(const Request& r) noexcept { return r.sent_target_; }
    static std::uint32_t send_seq(const Request& r) noexcept { return r.send_seq_; }
    static bool canceled(const Request& r) noexcept { return r.canceled_.load(std::memory_order_seq_cst); }
    static void mark_canceled(Request& r) noexcept { r.canceled_.store(true, std::memory_order_seq_cst); }
    static bool ignores_state(const Request& r) noexcept { return r.ignore_state_; }
    static void timer_fired(Request& r, std::uint32_t seq) noexcept { r.timer_fired(seq); }
};

}  // namespace wdfio::detail
