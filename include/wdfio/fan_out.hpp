// Fan-out: one operation sent to several targets, beyond KMDF. In turn (one
// request: reuse + change target + format + send, the spec §6.2 pattern) or all
// at once (one request per target), with one aggregated result.
#pragma once
#include <wdfio/io_target.hpp>
#include <wdfio/request.hpp>

#include <functional>
#include <span>
#include <vector>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

enum class FanOutMode { InTurn, AllAtOnce };
// When one destination fails: go on with the rest, or cancel what is still
// outstanding (AllAtOnce) / send nothing more (InTurn). Skipped destinations
// report STATUS_CANCELLED.
enum class FanOutPolicy { Continue, CancelRest };

struct FanOutOptions {
    FanOutMode mode = FanOutMode::AllAtOnce;
    FanOutPolicy policy = FanOutPolicy::Continue;
    SendOptions send;  // per destination; SYNCHRONOUS and SEND_AND_FORGET are not allowed here
};

struct FanOutResult {
    IoTarget* target = nullptr;
    Status status = STATUS_PENDING;
    std::uint64_t information = 0;
};

struct FanOutSummary {
    Status status;                      // STATUS_SUCCESS, or the first failure to happen (what CancelRest acted on)
    std::vector<FanOutResult> results;  // one per target, in the order given
};

// Formats `request` for `target` (format_read, format_write, format_ioctl ...).
using FanOutFormat = std::function<Status(Request& request, IoTarget& target)>;
using FanOutDone = std::function<void(const FanOutSummary&)>;

// Asynchronous: `done` runs once, when every destination has finished (on the
// thread that finished the last one). Refused up front (done never runs):
// no targets, a null target, no format or done function → STATUS_INVALID_PARAMETER;
// SYNCHRONOUS or SEND_AND_FORGET in options.send → STATUS_INVALID_PARAMETER.
Status fan_out(std::span<IoTarget* const> targets, FanOutFormat format, const FanOutOptions& options, FanOutDone done);
// Blocks until every destination has finished (not from a completion routine).
FanOutSummary fan_out_synchronously(std::span<IoTarget* const> targets, FanOutFormat format,
                                    const FanOutOptions& options = {});

}  // namespace wdfio
#pragma GCC visibility pop
