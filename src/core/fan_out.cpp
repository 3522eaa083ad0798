// Fan-out: per-destination results, the failure policy, and the hand-off
// between destinations (in turn: from each completion routine).
#include <wdfio/engine.hpp>
#include <wdfio/fan_out.hpp>
#include <wdfio/verifier.hpp>

#include "core/blocking.hpp"
#include "core/sync_waiter.hpp"
#include "core/target_access.hpp"
#include "engine/engine_core.hpp"

#include <atomic>
#include <memory>

namespace wdfio {

namespace {

class FanOutRun : public std::enable_shared_from_this<FanOutRun> {
public:
    FanOutRun(std::span<IoTarget* const> targets, FanOutFormat format, const FanOutOptions& options, FanOutDone done)
        : format_(std::move(format)), options_(options), done_(std::move(done)), remaining_(targets.size()) {
        summary_.results.resize(targets.size());
        for (std::size_t i = 0; i < targets.size(); ++i) summary_.results[i].target = targets[i];
    }

    Status start() {
        const std::size_t n = summary_.results.size();
        requests_.resize(options_.mode == FanOutMode::InTurn ? 1 : n);
        for (auto& r : requests_) {
            auto created = Request::create();
            if (!created) return created.status();
            r = std::move(created).value();
        }
        if (options_.mode == FanOutMode::InTurn) {
            send_in_turn(0);
        } else {
            for (std::size_t i = 0; i < n; ++i) send_one(*requests_[i], i);
        }
        return STATUS_SUCCESS;
    }

private:
    // Formats and sends destination i on r; a refusal is finished at once.
    void send_one(Request& r, std::size_t i) {
        IoTarget& t = *summary_.results[i].target;
        // In turn, the one request goes on to the next destination (spec §6.2).
        // All at once, requests are fresh: a reuse would wipe a CancelRest cancel.
        if (options_.mode == FanOutMode::InTurn) r.reuse();
        if (failed_.load(std::memory_order_acquire) && options_.policy == FanOutPolicy::CancelRest) {
            finish(i, STATUS_CANCELLED, 0);
            return;
        }
        if (Status s = format_(r, t); !s.ok()) {
            finish(i, s, 0);
            return;
        }
        r.set_completion([self = shared_from_this(), i](Request&, IoTarget&, const CompletionParams& p) {
            self->finish(i, p.status, p.information);
        });
        if (!r.send(t, options_.send)) finish(i, r.status(), 0);
    }

    void send_in_turn(std::size_t i) {
        if (i < summary_.results.size()) send_one(*requests_[0], i);
    }

    void finish(std::size_t i, Status status, std::uint64_t information) {
        summary_.results[i].status = status;
        summary_.results[i].information = information;
        if (!status.ok() && !failed_.exchange(true, std::memory_order_acq_rel)) {
            summary_.status = status;  // the first failure, the one a CancelRest policy acts on
            if (options_.policy == FanOutPolicy::CancelRest && options_.mode == FanOutMode::AllAtOnce) {
                for (std::size_t k = 0; k < requests_.size(); ++k)
                    if (k != i) requests_[k]->cancel_sent_request();  // sticky: a later send is refused too
            }
        }
        if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            done_(summary_);
            // The requests keep the routines that hold this run (a refused
            // send keeps its routine, spec §3.4): let them go, or the run
            // and its requests would hold each other forever.
            requests_.clear();
            return;
        }
        if (options_.mode == FanOutMode::InTurn) send_in_turn(i + 1);
    }

    FanOutFormat format_;
    FanOutOptions options_;
    FanOutDone done_;
    std::vector<Ref<Request>> requests_;
    FanOutSummary summary_;
    std::atomic<std::size_t> remaining_;
    std::atomic<bool> failed_{false};
};

Status validate(std::span<IoTarget* const> targets, const FanOutFormat& format, const FanOutOptions& options) {
    if (targets.empty() || !format) return STATUS_INVALID_PARAMETER;
    for (IoTarget* t : targets)
        if (!t) return STATUS_INVALID_PARAMETER;
    if (!options.send.validate().ok() || options.send.has(SEND_OPTION_SYNCHRONOUS) ||
        options.send.has(SEND_OPTION_SEND_AND_FORGET))
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

}  // namespace

Status fan_out(std::span<IoTarget* const> targets, FanOutFormat format, const FanOutOptions& options, FanOutDone done) {
    if (Status s = validate(targets, format, options); !s.ok()) return s;
    if (!done) return STATUS_INVALID_PARAMETER;
    auto run = std::make_shared<FanOutRun>(targets, std::move(format), options, std::move(done));
    return run->start();
}

FanOutSummary fan_out_synchronously(std::span<IoTarget* const> targets, FanOutFormat format,
                                    const FanOutOptions& options) {
    FanOutSummary result;
    if (Status s = validate(targets, format, options); !s.ok()) {
        result.status = s;
        return result;
    }
    if (!detail::may_block(detail::TargetAccess::core(*targets.front()))) {
        detail::verifier_violation(VerifierCheck::BlockingOnEngineThread, nullptr, "fan_out_synchronously");
        result.status = STATUS_INVALID_DEVICE_REQUEST;
        return result;
    }
    detail::SyncWaiter waiter;
    const Status started = fan_out(targets, std::move(format), options, [&](const FanOutSummary& s) {
        result = s;
        waiter.signal();
    });
    if (!started.ok()) {
        result.status = started;
        return result;
    }
    waiter.wait();
    return result;
}

}  // namespace wdfio
