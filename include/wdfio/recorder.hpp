// In-flight recorder: the last events of every engine, kept in fixed-size
// lock-free rings (one per thread that records, up to 64; one shared past them),
// on by default. Read a snapshot, one request's history, or write the lot as
// a Chrome/Perfetto trace (open it at https://ui.perfetto.dev).
#pragma once
#include <wdfio/io_target.hpp>
#include <wdfio/recorder_options.hpp>
#include <wdfio/request.hpp>
#include <wdfio/status.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Engine;

enum class RecorderEventKind : std::uint8_t {
    Send,           // accepted by a target (bytes: the format's length; depth: its pending count)
    Park,           // accepted by a stopped target and held there
    Start,          // handed to the lower side: the OS (io_uring, a worker) or a device's dispatch
    Complete,       // finished: status and bytes (Information) as the routine sees them
    Refused,        // an accepted send undone before it went down (cancelled first)
    Cancel,         // cancel_sent_request called on it
    Timeout,        // its send timeout fired
    Reuse,          // reuse() (recorded when called on an engine thread, see README)
    TargetState,    // a target changed state (state: the new one)
    QueuePresent,   // a device's queue presented a request to its driver (target: the queue)
    QueueComplete,  // the driver completed a request delivered by that queue
};
const char* to_string(RecorderEventKind kind) noexcept;

struct RecorderEvent {
    // CLOCK_MONOTONIC. Taken from the TSC when the kernel's clocksource is the
    // TSC, converted when read: two snapshots may differ by a clock read's jitter.
    std::uint64_t time_ns = 0;
    std::uint64_t request = 0;  // the request's address: an id, never to be dereferenced (0: none)
    std::uint64_t target = 0;   // the target's (or queue's) address: an id (0: none)
    std::uint64_t bytes = 0;
    Status status = STATUS_SUCCESS;
    std::uint32_t thread = 0;  // the Linux thread id that recorded it
    std::uint32_t depth = 0;   // the target's requests pending at the event (queue depth)
    RecorderEventKind kind = RecorderEventKind::Send;
    RequestType type = RequestType::NoFormat;
    IoTargetState state = IoTargetState::Undefined;  // TargetState events
    std::uint8_t ring = 0;  // the ring it came from (engine threads first, then the shared one)
};

struct RecorderInfo {
    bool enabled = false;
    std::size_t events_per_ring = 0;
    std::size_t rings = 0;          // rings that hold events: one per thread that recorded (the shared one if used)
    std::uint64_t recorded = 0;     // events recorded since the engine was made
    std::uint64_t overwritten = 0;  // of those, no longer held (the rings wrapped)
};

// The settings and counts of engine's recorder.
RecorderInfo recorder_info(Engine& engine);
// The last `last` events held, oldest first (all of them by default).
std::vector<RecorderEvent> recorder_snapshot(Engine& engine, std::size_t last = SIZE_MAX);
// The events held for one request (by its address), oldest first.
std::vector<RecorderEvent> recorder_history(Engine& engine, const Request& request);
// The name a target or queue id was recorded with ("" if unknown).
std::string recorder_name(Engine& engine, std::uint64_t id);
// Writes what the recorder holds as Chrome/Perfetto trace JSON to path (made
// or replaced). A path that cannot be written → STATUS_OBJECT_PATH_NOT_FOUND,
// STATUS_ACCESS_DENIED, ... with a log line; the recorder off → STATUS_INVALID_DEVICE_STATE.
Status write_trace(Engine& engine, const std::string& path);

}  // namespace wdfio
#pragma GCC visibility pop
