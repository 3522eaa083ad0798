// Engine: the threads that drive I/O, each with its own io_uring when the
// kernel allows it, else worker threads doing pread/pwrite/ioctl.
//
// Engine threads: EngineOptions::engines of them. A file target's request
// goes to the engine thread it was sent from when that is one of this
// engine's (a completion routine re-sending stays where it is), else to the
// one chosen for the sending thread at its first send (threads are dealt
// round the engine threads in turn). Its completion routine runs on the
// engine thread that carried its I/O — except when cancel_sent_request, a
// stop/purge/close or a refused re-send holds the last claim: then in that
// caller's thread (spec §3.5). In-process devices, NBD targets, timers and
// work items run on the first engine thread. Routines of one target may so
// run on several threads at once, as on several CPUs in Windows: what they
// share needs a lock.
#pragma once
#include <wdfio/recorder_options.hpp>
#include <wdfio/status.hpp>

#include <memory>
#include <optional>

// Defined in src/, declared before the exported region: not part of the ABI.
namespace wdfio::detail {
class EngineGroup;
struct EngineAccess;
}  // namespace wdfio::detail

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

enum class BackendKind { Uring, Threads };
const char* to_string(BackendKind b) noexcept;

struct EngineOptions {
    // Unset: WDFIO_BACKEND=uring|threads if set, else io_uring with fallback.
    std::optional<BackendKind> backend;
    unsigned queue_depth = 256;  // submission queue entries
    unsigned workers = 2;        // blocking workers each engine thread starts with (ioctls; all I/O on Threads)
    // Slots for Memory::allocate_registered (io_uring allows up to 16384): one
    // per registered Memory alive at a time. 0: none (allocate_registered fails).
    unsigned registered_buffers = 1024;
    // Engine threads. 0: WDFIO_ENGINES=N if set (a bad value: a log line and
    // the default), else one per CPU the process may run on. At most
    // Engine::kMaxEngineThreads.
    unsigned engines = 0;
    // Unset: WDFIO_RECORDER=off|SIZE if set (a bad value: a log line and the
    // default), else on with the default size (recorder.hpp).
    std::optional<RecorderOptions> recorder;
};

class Engine {
public:
    static constexpr unsigned kMaxEngineThreads = 64;

    explicit Engine(EngineOptions options = {});
    // Cancels what is still outstanding at the OS and waits for every
    // completion routine. Targets and devices refer to their engine: close or
    // remove them first (requests parked in a stopped target are theirs to fail).
    // A target that outlives its engine keeps the engine's core (not its
    // thread): it can still be closed and released; sends to it are refused
    // with STATUS_INVALID_DEVICE_STATE.
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    BackendKind backend() const noexcept;
    // Why io_uring was not used, when it was not (STATUS_SUCCESS otherwise).
    Status uring_status() const noexcept;
    bool on_engine_thread() const noexcept;  // on one of its engine threads
    unsigned engine_threads() const noexcept;

private:
    friend struct detail::EngineAccess;  // the engine's internals, for the library only
    std::shared_ptr<detail::EngineGroup> engines_;
};

}  // namespace wdfio
#pragma GCC visibility pop
