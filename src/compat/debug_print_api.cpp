// DbgPrint, DbgPrintEx, vDbgPrintEx, RtlAssert: a driver's debug output and
// failed assertions, as wdfio log lines.
#include "compat/boundary.hpp"
#include "compat/windows_format.hpp"

#include <wdfio/verifier.hpp>

#include <cstdarg>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

LogLevel to_log_level(ULONG level) {
    switch (level) {
    case DPFLTR_ERROR_LEVEL: return LogLevel::Error;
    case DPFLTR_WARNING_LEVEL: return LogLevel::Warning;
    default: return LogLevel::Info;
    }
}

NTSTATUS print(const char* call, ULONG level, PCSTR format, std::va_list args) {
    return guard(call, [&]() -> Status {
        if (!format) return STATUS_INVALID_PARAMETER;
        char line[1024];  // a log line's size (log.cpp)
        BoundedOutput<char> out(line, sizeof line - 1);
        format_windows(out, format, args);
        std::size_t n = out.length();
        // One call, one log line: the sink adds its own line end.
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) --n;
        line[n] = '\0';
        log(to_log_level(level), "%s", line);
        return STATUS_SUCCESS;
    });
}

}  // namespace

ULONG DbgPrint(PCSTR Format, ...) {
    std::va_list args;
    va_start(args, Format);
    const NTSTATUS s = print("DbgPrint", DPFLTR_INFO_LEVEL, Format, args);
    va_end(args);
    return static_cast<ULONG>(s);
}

ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...) {
    (void)ComponentId;  // no per-component filter here: every line is logged
    std::va_list args;
    va_start(args, Format);
    const NTSTATUS s = print("DbgPrintEx", Level, Format, args);
    va_end(args);
    return static_cast<ULONG>(s);
}

ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list arglist) {
    (void)ComponentId;
    return static_cast<ULONG>(print("vDbgPrintEx", Level, Format, arglist));
}

VOID RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber, PSTR MutableMessage) {
    constexpr const char* call = "RtlAssert";
    guard_void(call, [&] {
        const char* expression = VoidFailedAssertion ? static_cast<const char*>(VoidFailedAssertion) : "?";
        const char* file = VoidFileName ? static_cast<const char*>(VoidFileName) : "?";
        log(LogLevel::Error, "%s:%u: ASSERT(%s) failed%s%s", file, static_cast<unsigned>(LineNumber), expression,
            MutableMessage ? ": " : "", MutableMessage ? MutableMessage : "");
        // What a checked build's assertion does is the verifier's call: abort,
        // or (WDFIO_VERIFIER=report) count it and go on.
        detail::verifier_violation(VerifierCheck::AssertionFailed, nullptr, call);
    });
}
