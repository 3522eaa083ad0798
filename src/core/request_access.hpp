// What the core, the targets and the device layer may do to a request beyond
// the public API.
#pragma once
#include <wdfio/io_target.hpp>
#include <wdfio/request.hpp>

#include "engine/operation.hpp"

#include <cstddef>
#include <new>

namespace wdfio::detail {

struct RequestAccess {
    // The engine's record of r's operation, built in r (Request::engine_), and back.
    static Operation& op(Request& r) noexcept { return *std::launder(reinterpret_cast<Operation*>(r.engine_)); }
    static const Operation& op(const Request& r) noexcept {
        return *std::launder(reinterpret_cast<const Operation*>(r.engine_));
    }
    static Request& of(Operation& op) noexcept {
        return *reinterpret_cast<Request*>(reinterpret_cast<unsigned char*>(&op) - kRecordOffset);
    }

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
    // The lower side finished with the result it recorded (record_result).
    static void lower_complete_recorded(Request& r) noexcept {
        lower_complete(r, r.lower_status_, r.lower_information_);
    }
    static void drop_claim(Request& r) noexcept { r.drop_claim(); }
    static bool take_claim(Request& r) noexcept { return r.take_claim(nullptr); }
    static IoTarget* sent_target(const Request& r) noexcept { return r.sent_target_; }
    static bool canceled(const Request& r) noexcept { return op(r).canceled.load(std::memory_order_seq_cst); }
    static void mark_canceled(Request& r) noexcept { op(r).canceled.store(true, std::memory_order_seq_cst); }
    // Sent with IGNORE_TARGET_STATE: a stop's or purge's cancel pass leaves it alone.
    static bool ignores_state(const Request& r) noexcept { return op(r).sticky; }
    static void timer_fired(Request& r, std::uint32_t seq) noexcept { r.timer_fired(seq); }

private:
    // Where the record sits in a request. offsetof on a class with virtual
    // functions is conditionally supported; GCC and Clang give the layout's
    // offset, which is all we ask (no virtual bases).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
    static constexpr std::size_t kRecordOffset = offsetof(Request, engine_);
#pragma GCC diagnostic pop
};

}  // namespace wdfio::detail
