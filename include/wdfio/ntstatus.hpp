// NTSTATUS values used by wdfio as C++ constants. The list itself is
// detail/ntstatus_list.h, shared with the C API's ntstatus.h.
#pragma once
#include <wdfio/detail/ntstatus_list.h>

#include <cstdint>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

using NTSTATUS = std::int32_t;

#define WDFIO_DEFINE_NTSTATUS(name, value) \
    inline constexpr NTSTATUS name = static_cast<NTSTATUS>(static_cast<std::uint32_t>(value));
WDFIO_NTSTATUS_LIST(WDFIO_DEFINE_NTSTATUS)
#undef WDFIO_DEFINE_NTSTATUS

// NT_SUCCESS: success and informational severities (the top bit clear).
constexpr bool nt_success(NTSTATUS s) noexcept { return s >= 0; }

}  // namespace wdfio
#pragma GCC visibility pop
