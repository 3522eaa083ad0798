// IoTarget: where requests are sent, with KMDF's state machine (spec §7).
// Opened by name: a path ("/dev/loop0", "./disk.img"), an NBD URI
// ("nbd://host/export", "nbd+unix:///?socket=PATH"), or an in-process device's name.
#pragma once
#include <wdfio/detail/request_fifo.hpp>
#include <wdfio/object.hpp>
#include <wdfio/request.hpp>
#include <wdfio/result.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

// Defined in src/, declared before the exported region: not part of the ABI.
namespace wdfio::detail {
struct TargetAccess;
class EngineCore;
}  // namespace wdfio::detail

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class Engine;

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

// WDF_IO_TARGET_SENT_IO_ACTION and WDF_IO_TARGET_PURGE_IO_ACTION values.
enum class SentIoAction : std::uint8_t { Undefined = 0, Cancel = 1, WaitForComplete = 2, LeavePending = 3 };
enum class PurgeIoAction : std::uint8_t { Undefined = 0, PurgeAndWait = 1, Purge = 2 };

// The connection of a target that talks to a server (NBD): whether it is up,
// and the status of the last failure (the drop, or a start() that could not
// reconnect), kept after a reconnect; STATUS_SUCCESS if it never failed.
// Targets without a connection (files, devices) report {true, STATUS_SUCCESS}.
struct ConnectionState {
    bool connected = true;
    Status last_error = STATUS_SUCCESS;
};

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
    // With attributes (object.hpp): parent, callbacks, a context (allocated
    // apart from the target). Deleting the target removes it.
    static Result<Ref<IoTarget>> open(Engine& engine, std::string_view name, const OpenOptions& options,
                                      const ObjectAttributes& attributes);
    // A target over a descriptor the caller already has (a pipe end, a socket):
    // the descriptor is duplicated, the caller keeps its own.
    static Result<Ref<IoTarget>> from_fd(Engine& engine, int fd, std::string_view name = {});
    // Whether some kind of target claims `name` (open would try it rather than
    // refuse it with STATUS_OBJECT_NAME_INVALID), and the forms they accept,
    // for a program's "unknown target" message.
    static bool accepts_name(std::string_view name) noexcept;
    static std::string accepted_name_forms();

    IoTargetState state() const noexcept { return state_.load(std::memory_order_acquire); }
    const std::string& name() const noexcept { return name_; }
    // The engine the target was opened on; not to be used once that Engine is destroyed.
    Engine& engine() const noexcept { return engine_; }
    // Requests accepted and not yet finished (parked, sent, or their routine
    // running). A routine that ran on the engine thread is counted out at the
    // end of the engine loop's pass, so just after it returns this may still
    // count it; stop, purge and close wait for the exact count.
    std::uint32_t pending() const noexcept { return pending_of(io_.load(std::memory_order_acquire)); }
    // Requests parked while the target is stopped.
    std::uint32_t parked() const;
    // Open: not Closed, ClosedForQueryRemove or Deleted (format and create need it).
    bool is_open() const noexcept;
    // Whether the server is still there (NBD), seen from any thread: a drop is
    // noticed when the socket reports it or a request finds it, and start()
    // reconnects. A closed target is not connected.
    ConnectionState connection_state() const { return connection(); }
    // Levels a request passes through below here (spec §1.3): 1 for an OS
    // target, the depth of the device stack for an in-process device.
    virtual std::uint32_t stack_size() const noexcept { return 1; }

    // ---- state changes (spec §7.3–7.5). The blocking ones (stop with Cancel or
    // WaitForComplete, purge with PurgeAndWait, close, remove) refuse to block on
    // the engine thread: verifier report, and they return without acting, except
    // close and remove, which then finish without waiting.

    // Started again; parked requests go out in FIFO order, without their timeout.
    // Deleted, Closed → STATUS_INVALID_DEVICE_STATE (the port's choice, spec §7.2).
    // A kind that lost its connection (NBD) reconnects first; if it cannot, that status.
    Status start();
    // Stopped: new sends are parked; sent I/O is cancelled and waited for,
    // waited for, or left alone. Undefined actions are ignored.
    void stop(SentIoAction action);
    // Purged: parked requests fail with STATUS_WDF_DEVICE_REMOVED_NOT_SENT, sent
    // ones are cancelled (and waited for); new sends fail until start().
    void purge(PurgeIoAction action);
    // Closed: parked requests fail (REMOVED_NOT_SENT), everything sent, even with
    // IGNORE_TARGET_STATE, is cancelled and waited for; then the descriptor is closed.
    void close();
    // WdfObjectDelete on a target: as close, state Deleted, and start() refused for good.
    void remove();

protected:
    IoTarget(Engine& engine, std::string name);
    ~IoTarget() override = default;
    void on_delete() noexcept override { remove(); }  // delete_object() on a target

private:
    // ---- what a kind of target does (the kinds in src/targets and src/device
    // override these; the core calls them).

    // What a kind of target adds to format validation (alignment, ioctl sizes ...).
    virtual Status check_format(const IoOperation& op) const = 0;
    // Start an accepted request's operation; the lower side finishes it through
    // detail::RequestAccess::lower_complete, exactly once.
    virtual void start_io(Request& request) = 0;
    // Ask the lower side to cancel one operation; true if it was still there.
    virtual bool cancel_io(Request& request) = 0;
    // Cancel every operation sent and not finished, setting each request's
    // cancel flag; with include_ignore also those sent with IGNORE_TARGET_STATE.
    virtual void cancel_sent_io(bool include_ignore) = 0;
    // Release OS resources once close has drained the target.
    virtual void release_resources() {}
    // Close or remove begins (each time, before anything is cancelled).
    virtual void shutting() {}
    // start() on an open target, before its state changes: a kind restores
    // what it lost (an NBD target whose connection dropped reconnects). A
    // failure is start()'s status, and the state stays as it was.
    virtual Status restart() { return STATUS_SUCCESS; }
    // connection_state(): a kind with a connection says how it is.
    virtual ConnectionState connection() const { return {}; }

    // A lower side asks this (detail::TargetAccess) where its operation becomes
    // visible to cancel_sent_io: true (and r marked cancelled) if a stop(Cancel),
    // purge or close began its cancel pass after r passed the gate — the pass missed it.
    bool missed_cancel(Request& r) noexcept;
    friend class Request;
    friend struct detail::TargetAccess;
    enum class Gate { SendNow, Park, Refuse };
    // Every state change goes through here, under park_mutex_: false (and no
    // change) if the table beside it in io_target.cpp does not allow it.
    bool change_state(IoTargetState to) noexcept;
    Gate gate(bool ignore_state, bool& counted_sent, std::uint32_t& epoch);
    Request::SubmitResult park(Request& r, const SendOptions& options, std::uint32_t epoch);
    bool unpark(Request& r);
    bool cancel_one(Request& r);
    Request* take_parked_locked() noexcept;
    static void fail_all(Request* list, Status status);
    void finish(bool counted_sent) noexcept;
    void shut(IoTargetState final_state);
    // Pending (low half: accepted, not finished) and sent (high half: sent
    // without IGNORE_TARGET_STATE, not finished) share one word, so that a
    // send and its finish each count both with one atomic operation.
    static constexpr std::uint64_t kPendingOne = 1, kSentOne = std::uint64_t{1} << 32;
    static std::uint32_t pending_of(std::uint64_t io) noexcept { return static_cast<std::uint32_t>(io); }
    static std::uint32_t sent_of(std::uint64_t io) noexcept { return static_cast<std::uint32_t>(io >> 32); }
    enum class Counter { Pending, Sent };
    enum class Recancel { No, SentIo, AllIo };
    void wait_until_zero(Counter counter, Recancel recancel);
    // Takes `steps` (sums of kPendingOne and kSentOne) off io_; wakes waiters
    // and drops the target's hold when a count reaches 0.
    void count_down(std::uint64_t steps) noexcept;
    void counted_down(std::uint64_t before, std::uint64_t steps) noexcept;
    bool may_block(const char* call);
    void release_once();

    Engine& engine_;
    // The engine's core, kept by every target (one reference per target, none
    // per request): a target released after its Engine touches nothing freed.
    std::shared_ptr<detail::EngineCore> core_;
    std::string name_;
    // Its requests go to the engine thread picked per send (EngineGroup::pick);
    // else all to the first. Set once by a kind (a file target), before any send.
    bool spread_ = false;
    // io_ changes with every send, on the sender's core: a line of its own,
    // so that the engine reading the state and epoch below (every start) does
    // not miss in its cache each time (the engine counts io_ down once a pass).
    alignas(64) std::atomic<std::uint64_t> io_{0};  // pending | sent (above)
    alignas(64) std::atomic<IoTargetState> state_{IoTargetState::Started};
    std::atomic<std::uint32_t> drained_{0};  // bumped when a count reaches 0 while someone waits
    std::atomic<bool> draining_{false};      // closing: only IGNORE_TARGET_STATE sends accepted
    std::atomic<bool> release_on_drain_{false};
    std::atomic<bool> released_{false};
    std::atomic<std::uint32_t> waiting_{0};       // stop/purge calls waiting; start waits for them
    std::atomic<std::uint32_t> cancel_epoch_{0};  // bumped by stop(Cancel), purge and close
    mutable std::mutex park_mutex_;
    detail::RequestFifo<&Request::target_next_, &Request::target_prev_> parked_list_;  // FIFO of parked requests
    // The engine's core (alive as long as the target); the kinds reach it
    // through detail::TargetAccess.
    detail::EngineCore& core() const noexcept { return *core_; }
};

}  // namespace wdfio
#pragma GCC visibility pop
