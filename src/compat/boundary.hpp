// The C boundary: no exception crosses it. Each exported function runs its
// body through guard(), which maps std::bad_alloc to
// STATUS_INSUFFICIENT_RESOURCES and anything else to STATUS_INTERNAL_ERROR;
// every kind is caught and logged, since one escaping would end the program.
#pragma once
#include "compat/compat.hpp"

#include <wdfio/verifier.hpp>

#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <type_traits>

namespace wdfio::compat {

// Logs the exception being handled (call only from a catch block). A log
// sink that throws in turn is ignored: nothing may leave here.
inline void log_caught(const char* call) noexcept {
    try {
        try {
            throw;
        } catch (const std::bad_alloc&) {
            log(LogLevel::Error, "%s: out of memory", call);
        } catch (const std::exception& e) {
            log(LogLevel::Error, "%s: unexpected exception (a wdfio bug; please report this line): %s", call, e.what());
        } catch (...) {
            log(LogLevel::Error, "%s: unexpected exception of unknown type (a wdfio bug; please report this line)",
                call);
        }
    } catch (...) {
    }
}

// The exported function this thread runs (the innermost: a driver's
// callback may call another), for what depends on which DDI is called: DDI
// fault injection (fault_injection.hpp), where a handle was created.
struct CallScope {
    const char* call;
    CallScope* outer;
    signed char fail = -1;  // fault injection's decision for this call: -1 not made yet

    explicit CallScope(const char* c) noexcept : call(c), outer(current) { current = this; }
    ~CallScope() { current = outer; }
    CallScope(const CallScope&) = delete;
    CallScope& operator=(const CallScope&) = delete;

    static inline thread_local CallScope* current = nullptr;
};

// For functions returning NTSTATUS: `body` returns NTSTATUS or wdfio::Status.
template <class Body>
NTSTATUS guard(const char* call, Body&& body) noexcept {
    CallScope scope(call);
    try {
        return Status(body()).value();
    } catch (const std::bad_alloc&) {
        log_caught(call);
        return STATUS_INSUFFICIENT_RESOURCES;
    } catch (...) {
        log_caught(call);
        return STATUS_INTERNAL_ERROR;
    }
}

// For functions returning something else (BOOLEAN, a pointer, void):
// `failed` is what the caller sees if an exception was caught.
template <class R, class Body>
R guard_value(const char* call, R failed, Body&& body) noexcept {
    CallScope scope(call);
    try {
        return body();
    } catch (...) {
        log_caught(call);
        return failed;
    }
}

template <class Body>
void guard_void(const char* call, Body&& body) noexcept {
    CallScope scope(call);
    try {
        body();
    } catch (...) {
        log_caught(call);
    }
}

// A C enum argument or field as the integer the caller passed. C may pass
// any int where an enum is declared; in C++ loading a value outside the
// enum's range is undefined, so the bits are copied instead.
template <class E>
std::uint32_t raw_enum(const E& value) noexcept {
    static_assert(std::is_enum_v<E> && sizeof(E) == sizeof(std::uint32_t));
    std::uint32_t raw;
    std::memcpy(&raw, &value, sizeof raw);
    return raw;
}

// A NULL where KMDF requires a pointer (it bugchecks): a log line naming the
// parameter, a verifier report, and STATUS_INVALID_PARAMETER for the caller to return.
inline Status required_null(const char* call, const char* what, const void* object = nullptr) {
    log(LogLevel::Error, "%s: %s is NULL", call, what);
    detail::verifier_violation(VerifierCheck::RequiredParameterNull, object, call);
    return STATUS_INVALID_PARAMETER;
}

// A KMDF structure's Size against the size this build knows (a caller built
// against another layout): logged with the structure's name and the macro
// that fills it in, and STATUS_INFO_LENGTH_MISMATCH.
template <class T>
Status check_size(const char* call, const T& s, const char* name, const char* init_macro) {
    if (s.Size == sizeof(T)) return STATUS_SUCCESS;
    log(LogLevel::Error, "%s: %s.Size is %u, expected %zu (use %s)", call, name, static_cast<unsigned>(s.Size),
        sizeof(T), init_macro);
    return STATUS_INFO_LENGTH_MISMATCH;
}

}  // namespace wdfio::compat
