// NbdTarget: a network disk over NBD, through libnbd's asynchronous API.
// The connections (one, or ?connections=N to a server that allows
// multi-conn, each its own libnbd handle) are made in the opening call
// (blocking, on the caller's thread); from then on every libnbd call is made
// on the engine thread, which waits for each socket with one OpCode::Poll
// operation and calls nbd_aio_notify_read/write when it is ready. A request
// goes to the connection with the fewest commands in flight. Requests reach the engine
// thread through the engine's hand-over queue (complete_later on the
// request's own record), so sends from any thread need no lock of libnbd's.
//
// Every command has a bounce buffer owned by the target (Command): libnbd
// reads into it and writes from it, so a request cancelled or timed out —
// completed at once, since NBD has no per-command cancel — leaves nothing of
// the caller's for the late reply to touch. The reply is then discarded.
#pragma once
#include <wdfio/io_target.hpp>

#include "core/owned_operation.hpp"
#include "engine/operation.hpp"
#include "targets/nbd/nbd_connect.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

struct nbd_handle;

namespace wdfio::detail {

class NbdTarget final : public IoTarget {
public:
    static Result<Ref<IoTarget>> open(Engine& engine, std::string_view uri, const OpenOptions& options);

private:
    // One NBD command and its bounce buffer, reused (no allocation per request in steady state).
    struct Command {
        NbdTarget* target = nullptr;
        Request* request = nullptr;  // null: free, or abandoned (cancelled: its reply is discarded)
        bool issued = false;         // libnbd has it (until its reply's callback)
        int error = 0;               // the reply's errno
        std::unique_ptr<std::byte[]> buffer;
        std::size_t capacity = 0;
        Command* next = nullptr;  // free list, or the done list
    };
    // One connection: its handle, its socket and the poll that waits on it (engine thread).
    struct Connection {
        Owned poll{OwnerKind::Target};
        nbd_handle* handle = nullptr;
        int fd = -1;
        bool armed = false;
        bool recall = false;  // cancelled to wait for other events
        short events = 0;
    };

    NbdTarget(Engine& engine, std::string name, NbdSettings settings, std::vector<nbd_handle*> handles, bool writable);
    ~NbdTarget() override;

    Status check_format(const IoOperation& op) const override;
    Status check_range(std::uint64_t offset, std::uint64_t length, const char* what) const;
    void start_io(Request& r) override;
    bool cancel_io(Request& r) override;
    void cancel_sent_io(bool include_ignore) override;
    void release_resources() override;
    void last_reference_dropped() const noexcept override;
    Status restart() override;
    ConnectionState connection() const override;
    static void on_reconnect(Operation& op, std::int64_t result) noexcept;
    static void on_arm(Operation& op, std::int64_t result) noexcept;

    // ---- engine thread
    static void on_request(Operation& op, std::int64_t result) noexcept;
    static void on_poll(Operation& op, std::int64_t result) noexcept;
    static void on_close(Operation& op, std::int64_t result) noexcept;
    static void on_close_now(Operation& op, std::int64_t result) noexcept;
    bool drained_for_close() const;
    bool finish_close();
    static void on_last_reference(Operation& op, std::int64_t result) noexcept;
    static std::int64_t never_run(Operation&, const WorkerContext&) { return -EINVAL; }
    static int on_reply(void* command, int* error);  // libnbd's callback: its lock is held
    void engine_start(Request& r);
    std::int64_t issue(nbd_handle* h, Command& c, const IoOperation& io);
    Connection& least_busy();
    bool answer_now(Request& r, const IoOperation& io);
    void finish_done();  // the replies collected by on_reply, completed outside libnbd's lock
    void rearm(Connection& c);
    bool check_alive(Connection& c);
    bool any_armed() const;
    Connection& connection_of(Operation& poll);
    void connection_lost();
    void stop_polling();
    void recall_poll(Connection& c);  // the armed poll back at once (engine thread)
    Command* take_command(std::size_t bytes);
    void free_command_locked(Command* c) noexcept;
    Status status_of(int error) const;

    static constexpr OperationOps kRequestOps{&NbdTarget::on_request, &NbdTarget::never_run};
    static constexpr OperationOps kPollOps{&NbdTarget::on_poll, &NbdTarget::never_run};
    static constexpr OperationOps kCloseOps{&NbdTarget::on_close, &NbdTarget::never_run};
    static constexpr OperationOps kCloseNowOps{&NbdTarget::on_close_now, &NbdTarget::never_run};
    static constexpr OperationOps kLastOps{&NbdTarget::on_last_reference, &NbdTarget::never_run};
    static constexpr OperationOps kReconnectOps{&NbdTarget::on_reconnect, &NbdTarget::never_run};
    static constexpr OperationOps kArmOps{&NbdTarget::on_arm, &NbdTarget::never_run};
    static constexpr unsigned kMaxConnections = 16;

    NbdSettings settings_;  // how to connect (again, on start() after the connection dropped)
    // Engine thread, once open; as many as opened with, for the target's life.
    std::vector<std::unique_ptr<Connection>> conns_;
    std::uint64_t size_ = 0;
    std::uint32_t min_block_ = 1;  // server's minimum block size: offsets and lengths align to it
    std::uint32_t preferred_block_ = 4096;
    std::uint32_t max_request_ = 0;  // largest read or write the server takes
    bool writable_ = false;          // opened for writing and the export is not read-only
    bool can_flush_ = false, can_trim_ = false, can_zero_ = false, can_fua_ = false;
    bool fua_ = false;  // ?fua=1: every write with FUA

    // Engine thread only.
    Owned close_{OwnerKind::Target};
    Owned close_now_{OwnerKind::Target};  // close gave the server's replies long enough
    bool closing_ = false;                // close came: it waits for abandoned commands' replies
    bool close_hold_ = false;             // a reference held while it waits
    std::chrono::steady_clock::time_point close_deadline_;
    // A poll holds no reference (an idle connection always polls, so it
    // would keep the target forever): the last reference, while a poll is
    // out, sends this to the engine thread, which stops the poll and then
    // drops the target.
    mutable Owned last_{OwnerKind::Target};
    // start() after the connection dropped: a new handle, connected by
    // start()'s thread, swapped in on the engine thread.
    Owned reconnect_{OwnerKind::Target};
    Owned arm_{OwnerKind::Target};  // the first poll, armed on the engine thread once open
    std::mutex reconnect_mutex_;    // one reconnect at a time
    std::condition_variable reconnected_cv_;
    // Close waits (off the engine thread) until the poll is back, so that the
    // engine has nothing of the target's left when close returns.
    std::condition_variable poll_back_cv_;
    bool close_seen_ = false;  // guarded by mutex_
    // Guarded by mutex_: the new handles handed to the engine thread; empty once swapped in.
    std::vector<nbd_handle*> fresh_;
    std::atomic<bool> polling_{false};  // a poll is out (read by last_reference_dropped, any thread)
    bool closed_ = false;               // engine thread: close stopped the connection for good
    bool dying_ = false;                // engine thread: the last reference went; drop it once the poll is back
    bool stopped_ = false;              // closing, the engine stopping, or the connection gone: no more polls
    // The connection is gone: requests fail with STATUS_CONNECTION_RESET until start() reconnects.
    std::atomic<bool> dead_{false};
    std::atomic<NTSTATUS> last_error_{STATUS_SUCCESS};  // connection_state(): the last drop or failed reconnect
    bool finishing_ = false;
    Command* done_ = nullptr;  // replies to complete (LIFO; order among replies is the server's anyway)

    // Who may complete a request: the reply (engine thread) or a cancel (any thread).
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Command>> commands_;
    Command* free_ = nullptr;
};

}  // namespace wdfio::detail
