#include <wdfio/log.hpp>
#include <wdfio/verifier.hpp>

#include "core/recorder.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace wdfio {

namespace {
VerifierMode initial_mode() {
    const char* env = std::getenv("WDFIO_VERIFIER");
    return env && std::strcmp(env, "report") == 0 ? VerifierMode::Report : VerifierMode::Abort;
}
std::atomic<VerifierMode> g_mode{initial_mode()};
std::atomic<std::uint64_t> g_violations{0};
}  // namespace

const char* to_string(VerifierCheck c) noexcept {
    switch (c) {
    case VerifierCheck::RequestAlreadySent: return "request already sent (REQUEST_ALREADY_SENT)";
    case VerifierCheck::FormatWhileOutstanding: return "format, change-target or reuse of an outstanding request";
    case VerifierCheck::SendToOtherTarget: return "send to a target other than the one the request was formatted for";
    case VerifierCheck::BlockingOnEngineThread:
        return "blocking call from a completion routine or the engine thread (it would wait for itself; "
               "do it from another thread, or use the non-waiting form)";
    case VerifierCheck::CompleteNotOwned:
        return "complete of a request the driver does not own (twice, never presented, or driver-created)";
    case VerifierCheck::CompleteWhileOutstanding: return "complete of a request still sent to a target";
    case VerifierCheck::InformationTooLarge:
        return "completion with Information larger than the buffer (INFORMATION_LENGTH_MISMATCH)";
    case VerifierCheck::CompleteWhileCancelable: return "complete of a request still marked cancelable";
    case VerifierCheck::ForgetFormattedRequest: return "send-and-forget of a request formatted for a target";
    case VerifierCheck::ForgetWithRoutine: return "send-and-forget of a request with a completion routine (not called)";
    case VerifierCheck::QueueRequestWithoutRoutine:
        return "asynchronous send of a queue-delivered request without a completion routine";
    case VerifierCheck::HandleUsedAfterDelete: return "use of a handle after it was deleted";
    case VerifierCheck::InvalidHandle: return "NULL, unknown or wrong-type handle";
    case VerifierCheck::RecursiveLock:
        return "a lock acquired again by the thread that holds it (locks are not recursive)";
    case VerifierCheck::ReleaseNotOwned: return "a lock released by a thread that does not hold it";
    case VerifierCheck::WaitForOwnCallback:
        return "a wait for an object's callback from inside that callback (it would wait for itself)";
    case VerifierCheck::UseWhileDeleting: return "a timer started or a work item enqueued while being deleted";
    case VerifierCheck::RequiredParameterNull: return "a required parameter is NULL";
    case VerifierCheck::InvalidParameter: return "an invalid parameter";
    case VerifierCheck::DriverBreakPoint: return "the driver called WdfVerifierDbgBreakPoint";
    case VerifierCheck::DriverBugCheck: return "the driver called WdfVerifierKeBugCheck";
    case VerifierCheck::AssertionFailed: return "a driver assertion failed (ASSERT, NT_ASSERT)";
    case VerifierCheck::QueueMisuse:
        return "a queue call on the wrong kind of queue or in the wrong state (see the log line before)";
    case VerifierCheck::QueueFatalError:
        return "a second Stop, or Purge/Drain, completion callback while one is outstanding "
               "(WDF_QUEUE_FATAL_ERROR); wait for the first one's callback";
    case VerifierCheck::StopAcknowledgeMisuse:
        return "a stop acknowledge with no EvtIoStop to answer, or a requeue of a request the driver does not own "
               "or left cancelable (unmark it first)";
    case VerifierCheck::SetCompletionWhileOutstanding:
        return "a completion routine set on an outstanding request (set it before the send, or in its routine "
               "for the next one)";
    case VerifierCheck::EnqueueOutsideCallerContext:
        return "a request enqueued to its device outside EvtIoInCallerContext, or one the driver does not own "
               "(call WdfDeviceEnqueueRequest from that callback, once)";
    }
    return "unknown check";
}

void Verifier::set_mode(VerifierMode m) noexcept { g_mode.store(m); }
VerifierMode Verifier::mode() noexcept { return g_mode.load(); }
std::uint64_t Verifier::violations() noexcept { return g_violations.load(); }
void Verifier::reset_count() noexcept { g_violations.store(0); }

namespace detail {
void verifier_violation(VerifierCheck check, const void* object, const char* call) {
    g_violations.fetch_add(1);
    const bool abort_now = g_mode.load() == VerifierMode::Abort;
    log(LogLevel::Error, "verifier: %s: %s on object %p%s", call, to_string(check), object,
        abort_now ? "; aborting (set WDFIO_VERIFIER=report to fail the call instead)" : "");
    Recorder::log_history_everywhere(object);  // what the in-flight recorder holds of it, if it is a request
    if (abort_now) std::abort();
}
void verifier_break(VerifierCheck check, const void* object, const char* call) {
    g_violations.fetch_add(1);
    log(LogLevel::Error, "verifier: %s: %s on object %p", call, to_string(check), object);
    Recorder::log_history_everywhere(object);
}
}  // namespace detail

}  // namespace wdfio
