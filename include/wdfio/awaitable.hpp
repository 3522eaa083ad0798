// Coroutines: `co_await async_send(request, target)` sends asynchronously and
// resumes with the completion params — on the thread that completed the request
// (the engine thread for OS targets), as a completion routine would run.
// A stop request on the token, or destroying the suspended coroutine, cancels
// the request.
#pragma once
#include <wdfio/io_target.hpp>
#include <wdfio/request.hpp>

#include <atomic>
#include <coroutine>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class SendAwaiter {
public:
    SendAwaiter(Request& request, IoTarget& target, SendOptions options, std::stop_token token)
        : request_(&request), target_(&target), options_(options), token_(std::move(token)) {}
    SendAwaiter(const SendAwaiter&) = delete;
    SendAwaiter& operator=(const SendAwaiter&) = delete;
    ~SendAwaiter() {
        // Destroyed while suspended: cancel, and keep the completion from
        // resuming a frame that is gone.
        if (shared_ && shared_->state.exchange(kAbandoned) == kSuspended) request_->cancel_sent_request();
    }

    bool await_ready() const noexcept { return false; }

    bool await_suspend(std::coroutine_handle<> handle) {
        if (options_.has(SEND_OPTION_SYNCHRONOUS) || options_.has(SEND_OPTION_SEND_AND_FORGET)) {
            refused_ = STATUS_INVALID_PARAMETER;
            return false;
        }
        shared_ = std::make_shared<Shared>();
        shared_->handle = handle;
        request_->set_completion([s = shared_](Request&, IoTarget&, const CompletionParams& p) {
            s->params = p;
            if (s->state.exchange(kDone) == kSuspended) s->handle.resume();
        });
        // Registered before the send: a stop from now on cancels (sticky, so a
        // stop that comes first makes the send fail with STATUS_CANCELLED).
        if (token_.stop_possible()) cancel_on_stop_.emplace(token_, [r = request_] { r->cancel_sent_request(); });
        if (!request_->send(*target_, options_)) {
            refused_ = request_->status();
            shared_.reset();
            return false;
        }
        int expected = kSending;  // not yet completed inline? then suspend
        return shared_->state.compare_exchange_strong(expected, kSuspended);
    }

    CompletionParams await_resume() {
        cancel_on_stop_.reset();
        if (!shared_) {
            CompletionParams p;
            p.status = refused_;
            return p;
        }
        CompletionParams p = shared_->params;
        shared_.reset();
        return p;
    }

private:
    static constexpr int kSending = 0, kSuspended = 1, kDone = 2, kAbandoned = 3;
    struct Shared {  // shared with the completion routine, which may outlive the frame
        std::atomic<int> state{kSending};
        std::coroutine_handle<> handle;
        CompletionParams params;
    };

    Request* request_;
    IoTarget* target_;
    SendOptions options_;
    std::stop_token token_;
    std::shared_ptr<Shared> shared_;
    std::optional<std::stop_callback<std::function<void()>>> cancel_on_stop_;
    Status refused_ = STATUS_SUCCESS;
};

// SYNCHRONOUS and SEND_AND_FORGET make no sense here: such an await resumes at
// once with STATUS_INVALID_PARAMETER; a refused send resumes with its status.
inline SendAwaiter async_send(Request& request, IoTarget& target, SendOptions options = {},
                              std::stop_token token = {}) {
    return SendAwaiter(request, target, options, std::move(token));
}

}  // namespace wdfio
#pragma GCC visibility pop
