// Request: one I/O operation, formatted for a target, sent, completed (spec §1–4)
// — the sender's view. A driver that receives a request from a queue sees it
// as a DeliveredRequest (delivered_request.hpp), which can also do all this.
#pragma once
#include <wdfio/completion_params.hpp>
#include <wdfio/detail/completion_routine.hpp>
#include <wdfio/memory.hpp>
#include <wdfio/object.hpp>
#include <wdfio/result.hpp>
#include <wdfio/send_options.hpp>

#include <atomic>
#include <cstdint>
#include <optional>

// Defined in src/, declared before the exported region: not part of the ABI.
namespace wdfio::detail {
class SyncWaiter;
struct Operation;
struct RequestAccess;
struct DeliveredAccess;
}  // namespace wdfio::detail

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class IoTarget;
class Queue;
class DeliveredRequest;
enum class RecorderEventKind : std::uint8_t;  // recorder.hpp

// WDF_REQUEST_REUSE_PARAMS flags (spec §1.6).
enum ReuseFlags : std::uint32_t { REUSE_NO_FLAGS = 0 };

// Where the request came from (spec §1.1). Queue-delivered requests arrive with
// the in-process device stacks.
enum class RequestKind : std::uint8_t { Created, QueueDelivered };

// What was formatted: the operation a target carries out.
struct IoOperation {
    RequestType type = RequestType::NoFormat;
    std::uint32_t ioctl_code = 0;
    void* data = nullptr;            // read/write: buffer + offset
    std::uint64_t length = 0;        // read/write: transfer length
    std::int64_t device_offset = 0;  // read/write
    void* input = nullptr;           // ioctls: input window (nullptr, 0 when none)
    std::uint64_t input_length = 0;
    void* output = nullptr;  // ioctls: output window
    std::uint64_t output_length = 0;
    void* arguments[3] = {};  // internal ioctl others: arguments 1, 2 and 4
};

// Not final: DeliveredRequest adds the driver's view (only it can: the
// constructor is private).
class alignas(64) Request : public Object {  // 64: laid out by cache line
public:
    // WdfRequestCreate. With a target, the request is checked against it (a
    // closed target → STATUS_INVALID_DEVICE_STATE); without, it fits the first
    // target it is formatted for.
    static Result<Ref<Request>> create();
    static Result<Ref<Request>> create(IoTarget& target);
    // With attributes (object.hpp): parent, callbacks, a context (then the
    // request comes from the heap, with its context, instead of the slab).
    static Result<Ref<Request>> create(const ObjectAttributes& attributes);
    static Result<Ref<Request>> create(IoTarget& target, const ObjectAttributes& attributes);

    // ---- formatting (spec §2). Each first drops the previous format; on failure
    // the request is left unformatted. Outstanding requests are refused (verifier).
    Status format_read(IoTarget& target, const Ref<Memory>& buffer, const std::optional<MemoryOffset>& offsets = {},
                       std::int64_t device_offset = 0);
    Status format_write(IoTarget& target, const Ref<Memory>& buffer, const std::optional<MemoryOffset>& offsets = {},
                        std::int64_t device_offset = 0);
    Status format_ioctl(IoTarget& target, std::uint32_t code, const Ref<Memory>& input,
                        const std::optional<MemoryOffset>& input_offsets, const Ref<Memory>& output,
                        const std::optional<MemoryOffset>& output_offsets);
    Status format_internal_ioctl(IoTarget& target, std::uint32_t code, const Ref<Memory>& input,
                                 const std::optional<MemoryOffset>& input_offsets, const Ref<Memory>& output,
                                 const std::optional<MemoryOffset>& output_offsets);
    Status format_internal_ioctl_others(IoTarget& target, std::uint32_t code, const Ref<Memory>& argument1,
                                        const std::optional<MemoryOffset>& argument1_offsets,
                                        const Ref<Memory>& argument2,
                                        const std::optional<MemoryOffset>& argument2_offsets,
                                        const Ref<Memory>& argument4,
                                        const std::optional<MemoryOffset>& argument4_offsets);

    // ---- completion routine (spec §3): one-shot, cleared before it runs and by reuse().
    // Not while the request is outstanding: the engine thread takes the
    // routine when the request completes, so a change then races with it — a
    // verifier violation (abort mode: the process ends; report mode: the
    // routine of the send in flight stays).
    void set_completion(detail::CompletionRoutine routine) noexcept {
        if (!refuse_outstanding_routine()) routine_ = std::move(routine);
    }
    template <class F, class = std::enable_if_t<
                           !std::is_same_v<std::decay_t<F>, detail::CompletionRoutine> &&
                           std::is_invocable_v<std::decay_t<F>&, Request&, IoTarget&, const CompletionParams&>>>
    void set_completion(F&& routine) {  // a lambda: built in place
        if (!refuse_outstanding_routine()) routine_.emplace(std::forward<F>(routine));
    }
    void set_completion(CompletionFn fn, void* context) noexcept {
        if (!refuse_outstanding_routine()) routine_ = {fn, context};
    }
    bool has_completion() const noexcept { return static_cast<bool>(routine_); }

    // ---- sending (spec §4). Asynchronous: true = accepted, the routine will run
    // exactly once (perhaps before send returns). false = refused, status() says why.
    // SYNCHRONOUS: blocks, runs the routine, true if it was accepted (even if it failed).
    bool send(IoTarget& target, const SendOptions& options = {});
    // Cancel (spec §5): sets the sticky cancel flag; true if a cancel reached an
    // outstanding operation. Runs the completion here if this call claims it.
    bool cancel_sent_request();

    // ---- results
    Status status() const noexcept { return status_; }
    std::uint64_t information() const noexcept { return information_; }
    // Valid after completion until the next format, reuse or destruction.
    const CompletionParams& completion_params() const noexcept { return params_; }
    // What is formatted; an empty operation (type NoFormat) while unformatted.
    const IoOperation& operation() const noexcept { return is_formatted() ? op_ : kNoOperation; }
    bool is_formatted() const noexcept { return life() != Life::Idle; }
    bool is_outstanding() const noexcept { return completion_refs_.load(std::memory_order_acquire) != 0; }
    // The sticky cancel flag; for a queue-delivered request, also a cancel from above.
    bool is_canceled() const noexcept;
    RequestKind kind() const noexcept { return kind_; }

    // WdfRequestReuse (spec §1.6): drops the format and the routine, clears the
    // cancel flag, status := reuse_status. Unknown flags → STATUS_INVALID_PARAMETER.
    Status reuse(std::uint32_t flags = REUSE_NO_FLAGS, Status reuse_status = STATUS_SUCCESS);
    // WdfRequestChangeTarget (spec §6.1): drops the format, checks the target is open.
    Status change_target(IoTarget& target);

private:
    friend struct detail::RequestAccess;
    friend struct detail::DeliveredAccess;
    friend class Queue;             // its lists link requests
    friend class Device;            // its pool too
    friend class DeliveredRequest;  // the driver's view: delivered_request.hpp
    Request() noexcept;
    Status check_depth(const IoTarget& target);
    Status refuse_outstanding(const char* call);  // verifier report, STATUS_INVALID_DEVICE_STATE
    // True (and a verifier report) if outstanding: set_completion leaves the routine.
    bool refuse_outstanding_routine() noexcept { return is_outstanding() && report_routine_change(); }
    bool report_routine_change() noexcept;
    void last_reference_dropped() const noexcept override;
    // A queue-delivered request is completed, never deleted (driver spec R1.19).
    bool deletable() const noexcept override { return kind_ == RequestKind::Created; }
    ~Request() override;

    Status begin_format(IoTarget& target, const char* call);
    Status finish_format(IoTarget& target);
    void release_format() noexcept;
    // Unformatted again, cheaply: drops the references and the flags. The
    // stale rest of op_ and params_ is not read: operation() shows nothing
    // while unformatted, and every format starts from release_format's zeros
    // or copies a whole operation (format_using_current_type).
    void forget_format() noexcept;
    static constexpr IoOperation kNoOperation{};
    Status format_ioctl_common(RequestType type, IoTarget& target, std::uint32_t code, const Ref<Memory>& input,
                               const std::optional<MemoryOffset>& input_offsets, const Ref<Memory>& output,
                               const std::optional<MemoryOffset>& output_offsets);
    Status format_transfer(RequestType type, IoTarget& target, const Ref<Memory>& buffer,
                           const std::optional<MemoryOffset>& offsets, std::int64_t device_offset);

    enum class SubmitResult { Refused, Accepted };
    SubmitResult submit(IoTarget& target, const SendOptions& options, const char* call);
    // Acceptance (spec §4.3 step 5), the undo of a send cancelled first (step
    // 6: true if it was, with the send's result), the timer (step 8), and the
    // hand-off to the lower side.
    void accept(IoTarget& target, bool ignore_state, bool counted_sent, std::uint32_t epoch) noexcept;
    bool undo_if_canceled(SubmitResult& result) noexcept;
    void arm_timeout(IoTarget& target, const SendOptions& options);
    SubmitResult launch(IoTarget& target, const SendOptions& options);
    void timer_fired(std::uint32_t seq) noexcept;  // the send timeout expired (engine thread)
    bool send_synchronously(IoTarget& target, const SendOptions& options, bool run_routine);
    bool send_and_forget(IoTarget& target);
    void complete_claimed() noexcept;  // the claim count reached 0: finish, run the routine
    // +1 only if outstanding (cancel, timer); *lower_working: the lower side
    // had not finished yet. The lower side's own claim weighs kLowerClaim.
    bool take_claim(bool* lower_working) noexcept;
    static constexpr std::int32_t kLowerClaim = 1 << 16;
    static constexpr std::uint16_t kAnyDepth = UINT16_MAX;
    void drop_claim() noexcept;
    detail::Operation& record() noexcept;  // the engine's record (engine_)
    // An event of this request for target's engine's in-flight recorder (recorder.hpp).
    // time 0: now; else a time the recorder took already in this thread.
    void note(IoTarget& target, RecorderEventKind kind, Status status, std::uint64_t bytes, std::uint32_t depth,
              std::uint64_t time = 0) const noexcept;
    std::uint64_t format_bytes() const noexcept;  // what the format moves, as the recorder shows it
    friend class IoTarget;

    // Laid out by cache line (512 bytes in all, alignment included). The
    // first five lines hold what a send to an OS target and its completion
    // touch on both threads (the sender's and the engine's), so that a
    // hand-over moves as few lines between cores as it can; the rest is
    // formatting detail and queue-delivered state.
    enum class Owner : std::uint8_t { Queued, Driver, Completed };
    // A request's life. Idle → Formatted (a format) → Sent or Parked (an
    // accepted send; Parked only under the target's park lock, which alone
    // moves it on) → Completed (its routine runs or ran; the format and the
    // completion params are kept) → Formatted or Idle again (format, reuse).
    // Who writes it owns the request at that moment — its sender, the park
    // lock's holder, the claim protocol's winner — so a relaxed atomic does.
    // The flags beside it are the independent ones: cancel, timeout, how the
    // send was counted.
    enum class Life : std::uint8_t { Idle, Formatted, Parked, Sent, Completed };
    Life life() const noexcept { return life_.load(std::memory_order_relaxed); }
    void set_life(Life l) noexcept { life_.store(l, std::memory_order_relaxed); }
    // A delivered request's cancel routine (mark_cancelable): none, set, or
    // claimed by a canceller that is calling it.
    enum class Cancelable : std::uint8_t { No, Yes, CallbackClaimed };

    // ---- line 0 (after the Object base): status and the claim protocol (spec §1.4, §5.3)
    Status status_ = STATUS_SUCCESS;
    std::atomic<std::int32_t> completion_refs_{0};
    Status lower_status_ = STATUS_SUCCESS;  // what the lower side completed with
    std::uint16_t depth_ = kAnyDepth;       // locations left: unlimited unless queue-delivered (spec §1.3)
    // The low bits of the target's cancel epoch when this send passed its
    // gate: a lower side that starts the operation after a stop/purge/close
    // moved the epoch on cancels it (IoTarget::missed_cancel), so that no send
    // overtakes their cancel pass.
    std::uint16_t target_epoch_ = 0;
    bool counted_sent_ = false;  // counted in the target's sent I/O (stop waits for it)
    bool timer_armed_ = false;   // this send armed a timeout
    RequestKind kind_ = RequestKind::Created;
    std::atomic<Life> life_{Life::Idle};
    IoTarget* sent_target_ = nullptr;  // referenced while outstanding
    std::uint64_t information_ = 0;
    std::uint64_t lower_information_ = 0;

    // ---- lines 1–2: the format (the "next location"; a queue-delivered
    // request's current location is its parent's next location: parameters()),
    // the target's list links and the per-send flags.
    IoOperation op_;
    // The target's list this request is on: parked (guarded by the park lock)
    // or, for an in-process device, sent (its lock).
    Request* target_next_ = nullptr;
    Request* target_prev_ = nullptr;
    std::atomic<bool> timed_out_{false};  // CANCELLED_FROM_TIMER
    // Queue-delivered state (the flags fill this line's end).
    bool format_context_ = false;  // ever formatted with a format_* call (spec §4.2 step 3b)
    bool wdm_formatted_ = false;   // format_using_current_type since delivery
    // Written by whoever holds the request; read by cancellers under the queue's lock.
    std::atomic<Owner> owner_{Owner::Completed};
    std::atomic<Cancelable> cancel_state_{Cancelable::No};
    std::atomic<bool> cancel_listed_{false};  // on its queue's cancelable list (the queue's lock)
    std::atomic<bool> cancel_requested_{false};

    // ---- lines 2–4: the engine's record of the operation (src/engine/operation.hpp:
    // hand-over links, what the engine starts, the sticky cancel flag, the
    // timer), built in place by the constructor. Opaque here: not part of the ABI.
    alignas(8) unsigned char engine_[136];

    // ---- lines 4–6: completion parameters, a synchronous send's waiter, the routine
    CompletionParams params_;
    detail::SyncWaiter* waiter_ = nullptr;  // a synchronous send's waiter (fills the routine's alignment gap)
    detail::CompletionRoutine routine_;

    // ---- lines 6–7: what the format references, what a send to a device
    // keeps (the queue-delivered state itself is detail::DeliveredRequest's)
    Ref<Memory> memory_[3];                    // what the format references (spec §9)
    const IoTarget* format_target_ = nullptr;  // compared only, never dereferenced
    std::atomic<Request*> child_{nullptr};     // queue-delivered request one level down, this send
    // The queue-delivered request of the last dispatch, kept (one reference)
    // for the next send to the same device — as an IRP keeps its stack
    // locations — so a hop takes nothing from the device's pool.
    Request* lower_ = nullptr;
    // The device's queues and its pool of queue-delivered requests.
    Request* pool_next_ = nullptr;
    Request* pool_prev_ = nullptr;
    Owner owner() const noexcept { return owner_.load(std::memory_order_acquire); }
};

// Where requests live: slabs of 64 requests, kept for reuse (the footprint of
// QD N is about N * sizeof(Request)). Under AddressSanitizer, the heap.
struct RequestPoolStats {
    std::size_t in_use = 0;    // requests alive (created, pooled by devices, or in flight)
    std::size_t capacity = 0;  // request slots held, in use or free
    std::size_t bytes = 0;     // memory held for them
};
RequestPoolStats request_pool_stats() noexcept;

// The synchronous helpers (spec §8). `request` may be null (a private one is
// used); a supplied request is left unformatted and without a routine.
// *bytes receives Information when the format succeeded.
Status send_read_synchronously(IoTarget& target, Request* request, const Ref<Memory>& output,
                               const std::optional<MemoryOffset>& offsets, std::int64_t device_offset,
                               const SendOptions& options = {}, std::uint64_t* bytes_read = nullptr);
Status send_write_synchronously(IoTarget& target, Request* request, const Ref<Memory>& input,
                                const std::optional<MemoryOffset>& offsets, std::int64_t device_offset,
                                const SendOptions& options = {}, std::uint64_t* bytes_written = nullptr);
Status send_ioctl_synchronously(IoTarget& target, Request* request, std::uint32_t code, const Ref<Memory>& input,
                                const std::optional<MemoryOffset>& input_offsets, const Ref<Memory>& output,
                                const std::optional<MemoryOffset>& output_offsets, const SendOptions& options = {},
                                std::uint64_t* bytes_returned = nullptr);
Status send_internal_ioctl_synchronously(IoTarget& target, Request* request, std::uint32_t code,
                                         const Ref<Memory>& input, const std::optional<MemoryOffset>& input_offsets,
                                         const Ref<Memory>& output, const std::optional<MemoryOffset>& output_offsets,
                                         const SendOptions& options = {}, std::uint64_t* bytes_returned = nullptr);
Status send_internal_ioctl_others_synchronously(IoTarget& target, Request* request, std::uint32_t code,
                                                const Ref<Memory>& argument1, const Ref<Memory>& argument2,
                                                const Ref<Memory>& argument4, const SendOptions& options = {},
                                                std::uint64_t* bytes_returned = nullptr);

}  // namespace wdfio
#pragma GCC visibility pop
