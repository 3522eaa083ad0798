// WdfVerifierDbgBreakPoint, WdfVerifierKeBugCheck, WdfioHostSetVerifierMode.
#include "compat/boundary.hpp"

using namespace wdfio;
using namespace wdfio::compat;

VOID WdfVerifierDbgBreakPoint(VOID) {
    constexpr const char* call = "WdfVerifierDbgBreakPoint";
    guard_void(call, [] {
        log(LogLevel::Error, "%s: the driver asked for a breakpoint", call);
        detail::verifier_violation(VerifierCheck::DriverBreakPoint, nullptr, call);
    });
}

VOID WdfVerifierKeBugCheck(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1, ULONG_PTR BugCheckParameter2,
                           ULONG_PTR BugCheckParameter3, ULONG_PTR BugCheckParameter4) {
    constexpr const char* call = "WdfVerifierKeBugCheck";
    guard_void(call, [&] {
        log(LogLevel::Error, "%s: bug check 0x%X (0x%lX, 0x%lX, 0x%lX, 0x%lX)", call,
            static_cast<unsigned>(BugCheckCode), static_cast<unsigned long>(BugCheckParameter1),
            static_cast<unsigned long>(BugCheckParameter2), static_cast<unsigned long>(BugCheckParameter3),
            static_cast<unsigned long>(BugCheckParameter4));
        detail::verifier_violation(VerifierCheck::DriverBugCheck, nullptr, call);
    });
}

NTSTATUS WdfioHostSetVerifierMode(ULONG Mode) {
    constexpr const char* call = "WdfioHostSetVerifierMode";
    return guard(call, [&]() -> Status {
        if (Mode != WDFIO_VERIFIER_ABORT && Mode != WDFIO_VERIFIER_REPORT) {
            log(LogLevel::Error, "%s: mode %u is neither WDFIO_VERIFIER_ABORT nor WDFIO_VERIFIER_REPORT", call,
                static_cast<unsigned>(Mode));
            return STATUS_INVALID_PARAMETER;
        }
        Verifier::set_mode(Mode == WDFIO_VERIFIER_ABORT ? VerifierMode::Abort : VerifierMode::Report);
        return STATUS_SUCCESS;
    });
}
