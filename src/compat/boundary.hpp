// The C boundary: no exception crosses it. Each exported function runs its
// body through guard(), which maps std::bad_alloc to
// STATUS_INSUFFICIENT_RESOURCES and anything else to STATUS_INTERNAL_ERROR.
#pragma once
#include "compat/compat.hpp"

#include <new>
#include <type_traits>

namespace wdfio::compat {

// For functions returning NTSTATUS: `body` returns NTSTATUS or wdfio::Status.
template <class Body>
NTSTATUS guard(const char* call, Body&& body) noexcept {
    try {
        return Status(body()).value();
    } catch (const std::bad_alloc&) {
        log(LogLevel::Error, "%s: out of memory", call);
        return STATUS_INSUFFICIENT_RESOURCES;
    } catch (...) {
        log(LogLevel::Error, "%s: unexpected exception", call);
        return STATUS_INTERNAL_ERROR;
    }
}

// For functions returning something else (BOOLEAN, a pointer, void):
// `failed` is what the caller sees if an exception was caught.
template <class R, class Body>
R guard_value(const char* call, R failed, Body&& body) noexcept {
    try {
        return body();
    } catch (...) {
        log(LogLevel::Error, "%s: unexpected exception (out of memory?)", call);
        return failed;
    }
}

template <class Body>
void guard_void(const char* call, Body&& body) noexcept {
    try {
        body();
    } catch (...) {
        log(LogLevel::Error, "%s: unexpected exception (out of memory?)", call);
    }
}

}  // namespace wdfio::compat
