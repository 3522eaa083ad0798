// Operation: all that the engine knows of an I/O — what to do, the links it
// travels by, and whom to tell. A request embeds one; the backends, the timer
// wheel and the worker pool see nothing else, and call up only through the
// function tables the owner hands them (design.md, "Layers").
#pragma once
#include "engine/handoff_node.hpp"

#include <atomic>
#include <cstdint>

namespace wdfio::detail {

struct Operation;

// A worker thread running a blocking operation: cancel_fd becomes readable
// once the operation is cancelled.
struct WorkerContext {
    int cancel_fd = -1;
};

enum class OpCode : std::uint8_t {
    Read,      // pread (io_uring READ)
    Write,     // pwrite (io_uring WRITE)
    Send,      // send(MSG_NOSIGNAL) to a socket (io_uring SEND): a write would raise SIGPIPE
    Blocking,  // OperationOps::run on a worker thread (ioctls; every operation of the threads backend)
    Poll,      // wait until `file` (a plain descriptor) is ready for the poll events in `length`;
               // the result is the ready events (revents) or -errno. io_uring POLL_ADD, or a worker's
               // poll() beside its cancel fd. What a socket-driven target (NBD) runs its protocol by.
};

// What the kind of target that started the operation does with it.
struct OperationOps {
    // Engine thread, exactly once per start: bytes (or an ioctl's result) or
    // -errno; -ECANCELED when cancelled before it ran.
    void (*complete)(Operation& op, std::int64_t result) noexcept;
    // A worker thread: carry the operation out, blocking; same result as above.
    std::int64_t (*run)(Operation& op, const WorkerContext& worker);
};

// Who owns an operation: the core tells its kinds of owner apart by this.
// Target: a target's own operation (an NBD connection's readiness poll), never timed.
enum class OwnerKind : std::uint8_t { Request, Timer, WorkItem, Target };

// What the owner of operations (the core) does for the engine: one table,
// handed to the engine when it is made, the same for every operation.
struct OwnerOps {
    // Where the operation becomes visible to its group's cancel pass (engine
    // start, worker pick-up): true if such a pass ran after the operation was
    // sent, and so missed it. The engine then completes it as cancelled.
    bool (*missed_cancel)(Operation& op) noexcept;
    // The timer armed for start `seq` expired (engine thread).
    void (*timer_fired)(Operation& op, std::uint32_t seq) noexcept;
    // The owner stays alive while the engine holds a node or a timer of it.
    void (*retain)(Operation& op) noexcept;
    void (*release)(Operation& op) noexcept;
};

// The operations of one group (a target) that are in flight on the engine
// thread, so that its stop, purge or close can cancel them all.
struct OperationList {
    Operation* head = nullptr;                        // engine thread only
    HandoffNode node;                                 // CancelList, posted at most once at a time
    std::atomic<bool> queued{false};                  // node is on its way
    std::atomic<bool> include_sticky{false};          // the next pass cancels sticky operations too
    void* owner = nullptr;                            // kept alive while node is queued:
    void (*retain)(void* owner) noexcept = nullptr;   //   before the post
    void (*release)(void* owner) noexcept = nullptr;  //   once the engine handled it
};

struct Operation {
    // io_uring has at most 16384 registered buffers, so this index is never one.
    static constexpr std::uint16_t kNoBuffer = 0xFFFF;

    HandoffNode node;         // Submit, then (finished by a worker) Complete
    HandoffNode cancel_node;  // Cancel, from another thread
    // In flight: on its list (io_uring) or in the worker pool's queue.
    Operation* next = nullptr;
    Operation* prev = nullptr;
    OperationList* list = nullptr;      // its group; null: none
    const OperationOps* ops = nullptr;  // the kind of target that started it

    // ---- what to do (written by the sender before the start)
    void* data = nullptr;
    union {
        std::int64_t offset = -1;  // -1: the descriptor's position (a stream)
        std::int64_t result;       // once finished elsewhere (a worker): its result, for the engine thread
    };
    std::uint32_t length = 0;
    std::int32_t file = -1;                    // a descriptor, or a registered-file slot (fixed_file)
    std::uint32_t seq = 0;                     // bumped per start: tags io_uring operations and timers
    std::atomic<std::uint32_t> cancel_seq{0};  // the start a cancel is for
    OpCode code = OpCode::Read;
    bool fixed_file = false;
    bool sticky = false;                        // a list's cancel passes it by unless include_sticky
    bool unbounded = false;                     // Blocking: may wait without bound (a stream, an ioctl)
    std::atomic<bool> canceled{false};          // sticky cancel flag (the owner clears it for its next use)
    std::atomic<bool> cancel_queued{false};     // cancel_node is on its way
    OwnerKind owner_kind = OwnerKind::Request;  // set when the owner is made, never changed
    std::uint8_t core = 0;                      // its engine thread: an index in the engine's group
    // Read/Write: the registered buffer `data` lies in (io_uring READ_FIXED/WRITE_FIXED), or kNoBuffer.
    std::uint16_t buffer = kNoBuffer;

    // ---- the timer (guarded by the timer wheel's lock)
    std::int16_t timer_slot = -1;  // -1: not in the wheel (16 bits: the record fits Request::engine_)
    std::uint32_t timer_seq = 0;
    std::int64_t timer_deadline = 0;
    Operation* timer_next = nullptr;
    Operation* timer_prev = nullptr;

    explicit Operation(OwnerKind kind = OwnerKind::Request) noexcept : owner_kind(kind) {
        node.set(HandoffKind::Submit, this);
        cancel_node.set(HandoffKind::Cancel, this);
    }
    Operation(const Operation&) = delete;
    Operation& operator=(const Operation&) = delete;
};

}  // namespace wdfio::detail
