// IoTarget: where requests are sent (spec §7). Opened by name: a path
// ("/dev/loop0", "./disk.img") today; nbd:// URIs and in-process device names later.
#pragma once
#include <wdfio/object.hpp>
#include <wdfio/request.hpp>
#include <wdfio/result.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace wdfio {

class Engine;
namespace detail {
struct WorkerContext;
}

// WDF_IO_TARGET_STATE values.
enum class IoTargetState : std::uint8_t {
    Undefined = 0,
    Started = 1,
    Stopped = 2,
    ClosedForQueryRemove = 3,
    Closed = 4,
    Deleted = 5,
    Purged = 6,
};
const char* to_string(IoTargetState s) noexcept;

struct OpenOptions {
    bool read = true;
    bool write = true;
    bool direct = false;  // O_DIRECT: buffers, lengths and offsets must be aligned (checked at format)
    bool create = false;  // create a regular file that does not exist (mode 0644)

    static constexpr OpenOptions read_only() { return {true, false, false, false}; }
    static constexpr OpenOptions write_only() { return {false, true, false, false}; }
    constexpr OpenOptions& with_direct(bool on = true) {
        direct = on;
        return *this;
    }
    constexpr OpenOptions& with_create(bool on = true) {
        create = on;
        return *this;
    }
};

class IoTarget : public Object {
public:
    // Open by name. Missing path → STATUS_OBJECT_NAME_NOT_FOUND, permission →
    // STATUS_ACCESS_DENIED, neither read nor write asked → STATUS_INVALID_PARAMETER, ...
    static Result<Ref<IoTarget>> open(Engine& engine, std::string_view name, const OpenOptions& options = {});
    // A target over a descriptor the caller already has (a pipe end, a socket):
    // the descriptor is duplicated, the caller keeps its own.
    static Result<Ref<IoTarget>> from_fd(Engine& engine, int fd, std::string_view name = {});

    IoTargetState state() const noexcept { return state_.load(std::memory_order_acquire); }
    const std::string& name() const noexcept { return name_; }
    Engine& engine() const noexcept { return engine_; }
    // Requests accepted and not yet completed (their routines not yet returned).
    std::uint32_t pending() const noexcept { return pending_.load(std::memory_order_acquire); }

    // WdfIoTargetClose: state Closed, sent I/O cancelled and waited for (when the
    // caller may block: not from a completion routine on the engine thread).
    void close();

protected:
    IoTarget(Engine& engine, std::string name);
    ~IoTarget() override = default;

    // What a kind of target adds to format validation (alignment, ioctl sizes ...).
    virtual Status check_format(const IoOperation& op) const = 0;
    // Start an accepted request's operation; the lower side finishes it through
    // detail::RequestAccess::lower_complete, exactly once.
    virtual void start_io(Request& request) = 0;
    // Ask the lower side to cancel; true if the operation was still there to cancel.
    virtual bool cancel_io(Request& request) = 0;
    // Cancel everything this target has outstanding (close).
    virtual void cancel_all_io() = 0;
    // Release OS resources after close has drained the target.
    virtual void release_resources() {}

public:
    // Plumbing between requests, targets and the engine; not part of the API.
    void start_io_on_engine(Request& request) { start_io(request); }
    virtual void run_blocking(Request& request, detail::WorkerContext& worker);
    virtual void cancel_all_on_engine() {}
    bool accepts_sends(std::uint32_t flags) const noexcept;
    void request_accepted() noexcept { pending_.fetch_add(1, std::memory_order_seq_cst); }
    void request_done() noexcept;
    Status check_format_for(const IoOperation& op) const { return check_format(op); }
    bool cancel_io_for(Request& request) { return cancel_io(request); }
    bool is_open() const noexcept;

protected:
    Engine& engine_;
    std::string name_;
    std::atomic<IoTargetState> state_{IoTargetState::Started};
    std::atomic<std::uint32_t> pending_{0};

private:
    void release_once();
    std::atomic<bool> release_on_drain_{false};
    std::atomic<bool> released_{false};
};

}  // namespace wdfio
