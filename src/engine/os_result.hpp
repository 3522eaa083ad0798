// How an OS result (bytes or -errno) becomes a request's status and Information.
#pragma once
#include <wdfio/request.hpp>

#include "core/target_access.hpp"
#include "engine/sigpipe.hpp"

#include <cerrno>

namespace wdfio::detail {

struct OsResult {
    Status status;
    std::uint64_t information = 0;
};

// An error means what the target says it means (a write-protected block
// device's EPERM is STATUS_MEDIA_WRITE_PROTECTED, a file's STATUS_ACCESS_DENIED).
// A read that returns 0 bytes of a non-empty ask hit the end: STATUS_END_OF_FILE.
// Called on the thread that made the operation or reaped it (a wdfio thread,
// which blocks SIGPIPE): an EPIPE takes back the SIGPIPE it left pending there.
inline OsResult os_result(const IoTarget& target, const IoOperation& op, long long res) noexcept {
    if (res == -EPIPE) consume_pending_sigpipe();
    if (res < 0) return {TargetAccess::status_from_errno(target, op, static_cast<int>(-res)), 0};
    if (res == 0 && op.type == RequestType::Read && op.length > 0) return {STATUS_END_OF_FILE, 0};
    return {STATUS_SUCCESS, static_cast<std::uint64_t>(res)};
}

}  // namespace wdfio::detail
