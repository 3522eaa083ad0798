// wdfio::Status — one NTSTATUS value; the only error type of the library.
#pragma once
#include <wdfio/ntstatus.hpp>

#include <iosfwd>
#include <string>
#include <system_error>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Status {
public:
    constexpr Status() noexcept = default;
    constexpr Status(NTSTATUS value) noexcept : value_(value) {}  // NOLINT: implicit by design

    constexpr NTSTATUS value() const noexcept { return value_; }
    constexpr bool ok() const noexcept { return nt_success(value_); }
    constexpr explicit operator bool() const noexcept { return ok(); }
    constexpr bool operator==(const Status&) const noexcept = default;

    // "STATUS_CANCELLED (0xC0000120)"; unknown values print as hex only.
    std::string to_string() const;
    // The constant's name alone, or nullptr for a value wdfio does not name.
    const char* name() const noexcept;

    // The documented errno table (design.md): EIO → STATUS_IO_DEVICE_ERROR, ...
    // Unknown errno values map to STATUS_UNSUCCESSFUL.
    static Status from_errno(int err) noexcept;

private:
    NTSTATUS value_ = STATUS_SUCCESS;
};

std::ostream& operator<<(std::ostream& os, Status s);  // prints to_string()

const std::error_category& ntstatus_category() noexcept;
std::error_code make_error_code(Status s) noexcept;

}  // namespace wdfio

template <>
struct std::is_error_code_enum<wdfio::Status> : std::true_type {};
#pragma GCC visibility pop
