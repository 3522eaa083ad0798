// Verifier: what KMDF bugchecks on (spec §10) plus the port's extra checks.
// Abort mode (default): report, then abort. Report mode (tests, WDFIO_VERIFIER=report):
// report, and the call fails with the status listed beside each check.
#pragma once
#include <cstdint>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

enum class VerifierMode { Abort, Report };

enum class VerifierCheck {
    RequestAlreadySent,             // send of an outstanding request       → STATUS_INVALID_DEVICE_STATE
    FormatWhileOutstanding,         // format / change_target / reuse of one → STATUS_INVALID_DEVICE_STATE
    SendToOtherTarget,              // send to a target it was not formatted for → STATUS_REQUEST_NOT_ACCEPTED
    BlockingOnEngineThread,         // synchronous call from a completion routine → STATUS_INVALID_DEVICE_REQUEST
    CompleteNotOwned,               // complete twice, unpresented, or driver-created → STATUS_INVALID_DEVICE_REQUEST
    CompleteWhileOutstanding,       // complete while sent to a target           → STATUS_INVALID_DEVICE_STATE
    InformationTooLarge,            // success with Information > buffer length  → STATUS_INVALID_PARAMETER
    CompleteWhileCancelable,        // complete still marked cancelable: reported, completion goes on
    ForgetFormattedRequest,         // send-and-forget of a formatted request    → STATUS_INVALID_DEVICE_REQUEST
    ForgetWithRoutine,              // send-and-forget with a routine set: reported, the routine is not called
    QueueRequestWithoutRoutine,     // async send of a queue-delivered request without a routine →
                                    // STATUS_INVALID_DEVICE_REQUEST
    HandleUsedAfterDelete,          // a C handle used after WdfObjectDelete      → STATUS_INVALID_HANDLE
    InvalidHandle,                  // a NULL, foreign or wrong-type C handle    → STATUS_INVALID_HANDLE
    RecursiveLock,                  // a lock taken again by its holder: reported, not taken (a wait lock:
                                    // STATUS_INVALID_DEVICE_REQUEST)
    ReleaseNotOwned,                // a lock released by a thread that does not hold it: reported, ignored
    WaitForOwnCallback,             // stop(wait) / flush from the object's own callback: reported, returns at once
    UseWhileDeleting,               // start of a timer or enqueue of a work item being deleted: reported, ignored
    RequiredParameterNull,          // a NULL where KMDF requires a pointer (its bugcheck 0x4): reported, the
                                    // call fails (STATUS_INVALID_PARAMETER) or does nothing
    InvalidParameter,               // a value KMDF breaks into the debugger on (a collection item that is
                                    // not there): reported, nothing done
    DriverBreakPoint,               // WdfVerifierDbgBreakPoint: reported
    DriverBugCheck,                 // WdfVerifierKeBugCheck: reported (abort mode: the process ends)
    AssertionFailed,                // a driver's ASSERT / NT_ASSERT (RtlAssert): reported, the driver goes on
    QueueMisuse,                    // a queue call KMDF breaks into the debugger on (FindRequest or Requeue on a
                                    // queue that is not manual, ReadyNotify misuse): reported, the call fails
                                    // with STATUS_INVALID_DEVICE_REQUEST
    QueueFatalError,                // a second Stop, or Purge/Drain, callback outstanding (KMDF's bugcheck
                                    // WDF_QUEUE_FATAL_ERROR): reported, the call does nothing
    StopAcknowledgeMisuse,          // an acknowledge with no EvtIoStop to answer, or requeue of a request not
                                    // owned or still cancelable (R5.27): reported, ignored
                                    // (STATUS_INVALID_DEVICE_REQUEST)
    EnqueueOutsideCallerContext,    // WdfDeviceEnqueueRequest outside EvtIoInCallerContext, or of a request
                                    // the driver does not own: reported, the call fails (R5.39)
    SetCompletionWhileOutstanding,  // set_completion / WdfRequestSetCompletionRoutine on an outstanding
                                    // request: reported, the routine of the send in flight stays
};
const char* to_string(VerifierCheck c) noexcept;

class Verifier {
public:
    static void set_mode(VerifierMode m) noexcept;
    static VerifierMode mode() noexcept;
    // Violations reported since start (or the last reset); for tests.
    static std::uint64_t violations() noexcept;
    static void reset_count() noexcept;
};

namespace detail {
// Logs the violation naming the call and object; aborts in Abort mode (what KMDF bugchecks on).
void verifier_violation(VerifierCheck check, const void* object, const char* call);
// Logs and counts, never aborts (what KMDF only DbgBreaks on, then continues).
void verifier_break(VerifierCheck check, const void* object, const char* call);
}  // namespace detail

}  // namespace wdfio
#pragma GCC visibility pop
