// Request: formatting, sending, the claim protocol and completion (spec §1–5).
#include <wdfio/engine.hpp>
#include <wdfio/io_target.hpp>
#include <wdfio/log.hpp>
#include <wdfio/request.hpp>
#include <wdfio/verifier.hpp>

#include "core/blocking.hpp"
#include "core/object_create.hpp"
#include "core/recorder.hpp"
#include "core/request_access.hpp"
#include "core/request_slab.hpp"
#include "core/sync_waiter.hpp"
#include "core/target_access.hpp"
#include "core/ticks.hpp"
#include "engine/engine_core.hpp"

#include <new>

namespace wdfio {

using detail::verifier_violation;

// ---------------------------------------------------------------- the recorder

void Request::note(IoTarget& target, RecorderEventKind kind, Status status, std::uint64_t bytes, std::uint32_t depth,
                   std::uint64_t time) const noexcept {
    detail::recorder_of(target.core())
        .record({kind, reinterpret_cast<std::uintptr_t>(this), reinterpret_cast<std::uintptr_t>(&target), bytes,
                 status.value(), depth, op_.type, IoTargetState::Undefined, time});
}

namespace {
// The target's pending count once this request's finish has counted it out.
std::uint32_t after_finish(const IoTarget& target) noexcept {
    const std::uint32_t p = target.pending();
    return p ? p - 1 : 0;
}
}  // namespace

std::uint64_t Request::format_bytes() const noexcept {
    switch (op_.type) {
    case RequestType::Read:
    case RequestType::Write: return op_.length;
    case RequestType::DeviceControl:
    case RequestType::DeviceControlInternal: return op_.input_length + op_.output_length;
    default: return 0;
    }
}

Result<Ref<Request>> Request::create() {
    void* storage = detail::allocate_request_storage();
    if (!storage) return STATUS_INSUFFICIENT_RESOURCES;
    return Ref<Request>::adopt(new (storage) Request());
}

Result<Ref<Request>> Request::create(IoTarget& target) {
    if (!target.is_open()) return STATUS_INVALID_DEVICE_STATE;
    return create();
}

Result<Ref<Request>> Request::create(const ObjectAttributes& attributes) {
    if (!attributes.context) {  // the slab; the record, if any, on its own
        if (Status s = detail::check_attributes(&attributes, detail::ParentRule::Allowed); !s.ok()) return s;
        auto made = create();
        if (made) {
            if (Status s = detail::commit(*made, 0, &attributes, nullptr); !s.ok()) return s;
        }
        return made;
    }
    return detail::make_object<Request>(&attributes, detail::ParentRule::Allowed, nullptr,
                                        [](void* storage) { return new (storage) Request(); });
}

Result<Ref<Request>> Request::create(IoTarget& target, const ObjectAttributes& attributes) {
    if (!target.is_open()) return STATUS_INVALID_DEVICE_STATE;
    return create(attributes);
}

Request::Request() noexcept {
    static_assert(sizeof(detail::Operation) == sizeof(engine_) && alignof(detail::Operation) <= alignof(Request),
                  "Request::engine_ must fit the engine's operation record exactly");
    new (engine_) detail::Operation();
}

Request::~Request() {
    if (lower_) lower_->release();  // back to its device's pool
    record().~Operation();
}

// Issue 5: memory per in-flight request — the request with its location, its
// engine record and its timer, all inside — at most 512 bytes.
static_assert(sizeof(Request) <= 512, "Request grew past 512 bytes: see the field order in request.hpp");

using detail::RequestAccess;

detail::Operation& Request::record() noexcept { return RequestAccess::op(*this); }

bool Request::is_canceled() const noexcept {
    return RequestAccess::op(*this).canceled.load(std::memory_order_acquire) ||
           cancel_requested_.load(std::memory_order_acquire);
}

void Request::last_reference_dropped() const noexcept {
    auto* self = const_cast<Request*>(this);
    const bool in_block = end_of_life();  // a request without a record: one load
    self->~Request();
    if (in_block) ::operator delete(self, std::align_val_t(alignof(Request)));
    else detail::free_request_storage(self);
}

Status Request::check_depth(const IoTarget& target) {
    // A queue-delivered request has only the locations below its driver
    // (spec §1.3); a created one is "re-allocated" to fit any target.
    if (depth_ == kAnyDepth) return STATUS_SUCCESS;
    return target.stack_size() > depth_ ? Status(STATUS_REQUEST_NOT_ACCEPTED) : Status(STATUS_SUCCESS);
}

Status Request::refuse_outstanding(const char* call) {
    verifier_violation(VerifierCheck::FormatWhileOutstanding, this, call);
    return STATUS_INVALID_DEVICE_STATE;  // report mode: refused, the request in flight is untouched
}

bool Request::report_routine_change() noexcept {
    verifier_violation(VerifierCheck::SetCompletionWhileOutstanding, this, "set_completion");
    return true;  // report mode: the routine of the send in flight stays
}

// ---------------------------------------------------------------- formatting

void Request::release_format() noexcept {
    forget_format();
    op_ = {};
    params_ = {};
}

void Request::forget_format() noexcept {
    if (memory_[0] || memory_[1] || memory_[2]) {  // usually none: a forwarded request has no buffers of its own
        for (auto& m : memory_) m = nullptr;
    }
    op_.type = RequestType::NoFormat;
    params_.type = RequestType::NoFormat;
    set_life(Life::Idle);
    format_target_ = nullptr;
}

Status Request::begin_format(IoTarget& target, const char* call) {
    if (is_outstanding()) return refuse_outstanding(call);
    release_format();  // spec §2.1 step 2: even if the rest fails
    if (!target.is_open()) return STATUS_INVALID_DEVICE_STATE;
    return check_depth(target);
}

Status Request::finish_format(IoTarget& target) {
    if (Status s = target.check_format(op_); !s.ok()) {
        release_format();
        return s;
    }
    set_life(Life::Formatted);
    format_context_ = true;
    format_target_ = &target;
    params_.type = op_.type;
    return STATUS_SUCCESS;
}

namespace {
// Resolves an optional memory + window into (pointer, length); no memory → (nullptr, 0).
Status resolve(const Ref<Memory>& m, const std::optional<MemoryOffset>& offsets, void*& ptr, std::uint64_t& len) {
    ptr = nullptr;
    len = 0;
    if (!m) return STATUS_SUCCESS;  // offsets ignored without a buffer (spec §2.2)
    auto w = m->window(offsets);
    if (!w) return w.status();
    ptr = w->data();
    len = w->size();
    return STATUS_SUCCESS;
}
std::size_t offset_of(const std::optional<MemoryOffset>& o) { return o ? o->offset : 0; }
}  // namespace

Status Request::format_transfer(RequestType type, IoTarget& target, const Ref<Memory>& buffer,
                                const std::optional<MemoryOffset>& offsets, std::int64_t device_offset) {
    const char* call = type == RequestType::Read ? "format_read" : "format_write";
    if (is_outstanding()) return refuse_outstanding(call);  // before the offsets are looked at
    void* data;
    std::uint64_t length;
    if (Status s = resolve(buffer, offsets, data, length); !s.ok()) return s;
    if (Status s = begin_format(target, call); !s.ok()) return s;
    op_.type = type;
    op_.data = data;
    op_.length = length;
    op_.device_offset = device_offset;
    memory_[0] = buffer;
    auto& t = type == RequestType::Read ? params_.read : params_.write;
    t.buffer = buffer.get();
    t.offset = buffer ? offset_of(offsets) : 0;
    return finish_format(target);
}

Status Request::format_read(IoTarget& target, const Ref<Memory>& buffer, const std::optional<MemoryOffset>& offsets,
                            std::int64_t device_offset) {
    return format_transfer(RequestType::Read, target, buffer, offsets, device_offset);
}

Status Request::format_write(IoTarget& target, const Ref<Memory>& buffer, const std::optional<MemoryOffset>& offsets,
                             std::int64_t device_offset) {
    return format_transfer(RequestType::Write, target, buffer, offsets, device_offset);
}

Status Request::format_ioctl_common(RequestType type, IoTarget& target, std::uint32_t code, const Ref<Memory>& input,
                                    const std::optional<MemoryOffset>& input_offsets, const Ref<Memory>& output,
                                    const std::optional<MemoryOffset>& output_offsets) {
    const char* call = type == RequestType::DeviceControl ? "format_ioctl" : "format_internal_ioctl";
    if (is_outstanding()) return refuse_outstanding(call);  // before the offsets are looked at
    void *in, *out;
    std::uint64_t in_len, out_len;
    if (Status s = resolve(input, input_offsets, in, in_len); !s.ok()) return s;  // input first (spec §2.3)
    if (Status s = resolve(output, output_offsets, out, out_len); !s.ok()) return s;
    if (Status s = begin_format(target, call); !s.ok()) return s;
    op_.type = type;
    op_.ioctl_code = code;
    op_.input = in;
    op_.input_length = in_len;
    op_.output = out;
    op_.output_length = out_len;
    memory_[0] = input;
    memory_[1] = output;
    params_.ioctl.code = code;
    params_.ioctl.input.buffer = input.get();
    params_.ioctl.input.offset = input ? offset_of(input_offsets) : 0;
    params_.ioctl.output.buffer = output.get();
    params_.ioctl.output.offset = output ? offset_of(output_offsets) : 0;
    return finish_format(target);
}

Status Request::format_ioctl(IoTarget& target, std::uint32_t code, const Ref<Memory>& input,
                             const std::optional<MemoryOffset>& input_offsets, const Ref<Memory>& output,
                             const std::optional<MemoryOffset>& output_offsets) {
    return format_ioctl_common(RequestType::DeviceControl, target, code, input, input_offsets, output, output_offsets);
}

Status Request::format_internal_ioctl(IoTarget& target, std::uint32_t code, const Ref<Memory>& input,
                                      const std::optional<MemoryOffset>& input_offsets, const Ref<Memory>& output,
                                      const std::optional<MemoryOffset>& output_offsets) {
    return format_ioctl_common(RequestType::DeviceControlInternal, target, code, input, input_offsets, output,
                               output_offsets);
}

Status Request::format_internal_ioctl_others(IoTarget& target, std::uint32_t code, const Ref<Memory>& argument1,
                                             const std::optional<MemoryOffset>& argument1_offsets,
                                             const Ref<Memory>& argument2,
                                             const std::optional<MemoryOffset>& argument2_offsets,
                                             const Ref<Memory>& argument4,
                                             const std::optional<MemoryOffset>& argument4_offsets) {
    if (is_outstanding()) return refuse_outstanding("format_internal_ioctl_others");
    const Ref<Memory>* mems[3] = {&argument1, &argument2, &argument4};
    const std::optional<MemoryOffset>* offs[3] = {&argument1_offsets, &argument2_offsets, &argument4_offsets};
    void* ptrs[3];
    for (int i = 0; i < 3; ++i) {  // validated in order 1, 2, 4 (spec §2.4)
        std::uint64_t unused;
        if (Status s = resolve(*mems[i], *offs[i], ptrs[i], unused); !s.ok()) return s;
    }
    if (Status s = begin_format(target, "format_internal_ioctl_others"); !s.ok()) return s;
    op_.type = RequestType::Other;
    op_.ioctl_code = code;
    for (int i = 0; i < 3; ++i) {
        op_.arguments[i] = ptrs[i];
        memory_[i] = *mems[i];
    }
    params_.others = {argument1.get(), argument2.get(), argument4.get()};
    return finish_format(target);
}

Status Request::change_target(IoTarget& target) {
    if (Status s = begin_format(target, "change_target"); !s.ok()) return s;
    return STATUS_SUCCESS;
}

Status Request::reuse(std::uint32_t flags, Status reuse_status) {
    if (flags != REUSE_NO_FLAGS) return STATUS_INVALID_PARAMETER;
    if (is_outstanding()) return refuse_outstanding("reuse");
    release_format();
    routine_.reset();
    status_ = reuse_status;
    information_ = 0;
    record().canceled.store(false, std::memory_order_release);
    // Its target is not known here: recorded when on an engine thread (a
    // completion routine re-sending, the common case), by that engine.
    detail::Recorder::record_here({RecorderEventKind::Reuse, reinterpret_cast<std::uintptr_t>(this), 0, 0,
                                   reuse_status.value(), 0, RequestType::NoFormat});
    return STATUS_SUCCESS;
}

// ---------------------------------------------------------------- sending

using detail::wait_for_ticks;

void Request::accept(IoTarget& target, bool ignore_state, bool counted_sent, std::uint32_t epoch) noexcept {
    // Step 5: the target references the request and vice versa (the target's
    // pending count holds the target: IoTarget::gate). A queue-delivered
    // request needs no reference: the request one level up keeps it, and
    // cannot finish before it.
    if (kind_ == RequestKind::Created) add_ref();
    sent_target_ = &target;
    timed_out_.store(false, std::memory_order_relaxed);
    detail::Operation& op = record();
    op.sticky = ignore_state;
    op.core = static_cast<std::uint8_t>(target.spread_ ? target.core().group().pick() : 0);
    counted_sent_ = counted_sent;
    target_epoch_ = static_cast<std::uint16_t>(epoch);
    set_life(Life::Sent);
    timer_armed_ = false;
    ++op.seq;
    // Before the lower side can have it: its completion is recorded after this.
    note(target, RecorderEventKind::Send, STATUS_PENDING, format_bytes(), target.pending());
    completion_refs_.store(kLowerClaim, std::memory_order_seq_cst);
}

bool Request::undo_if_canceled(SubmitResult& result) noexcept {
    // Step 6: a cancel that came first (sticky) undoes the send — unless a
    // canceller holds a claim, in which case it completes the request.
    if (!record().canceled.load(std::memory_order_seq_cst)) return false;
    lower_status_ = STATUS_CANCELLED;
    lower_information_ = 0;
    if (completion_refs_.fetch_sub(kLowerClaim, std::memory_order_acq_rel) == kLowerClaim) {
        IoTarget* target = std::exchange(sent_target_, nullptr);
        note(*target, RecorderEventKind::Refused, STATUS_CANCELLED, 0, after_finish(*target));
        target->finish(counted_sent_);
        status_ = STATUS_CANCELLED;
        set_life(Life::Formatted);  // refused: as it was before the send
        if (kind_ == RequestKind::Created) release();
        result = SubmitResult::Refused;
    } else {
        result = SubmitResult::Accepted;  // the canceller completes it
    }
    return true;
}

void Request::arm_timeout(IoTarget& target, const SendOptions& options) {
    // Step 8: the timer starts before the request goes down or is parked.
    if (!options.has(SEND_OPTION_TIMEOUT) || options.timeout == 0) return;
    timer_armed_ = true;
    detail::Operation& op = record();
    detail::TargetAccess::core_of(target, op)
        .arm_timer(op, detail::TimerWheel::now_ns() + wait_for_ticks(options.timeout).count(), op.seq);
}

Request::SubmitResult Request::submit(IoTarget& target, const SendOptions& options, const char* call) {
    if (is_outstanding()) {
        // Report mode: refused, and status_ is left alone — it belongs to the send in flight.
        verifier_violation(VerifierCheck::RequestAlreadySent, this, call);
        return SubmitResult::Refused;
    }
    if (!is_formatted()) {
        status_ = STATUS_REQUEST_NOT_ACCEPTED;
        return SubmitResult::Refused;
    }
    if (format_target_ && format_target_ != &target) {  // null: formatted with the current type
        verifier_violation(VerifierCheck::SendToOtherTarget, this, call);
        status_ = STATUS_REQUEST_NOT_ACCEPTED;
        return SubmitResult::Refused;
    }
    if (!check_depth(target).ok()) {  // spec §10 #3
        status_ = STATUS_REQUEST_NOT_ACCEPTED;
        return SubmitResult::Refused;
    }
    if (target.core().gone()) {  // the Engine was destroyed before this target
        log(LogLevel::Warning,
            "%s to %s: the target's engine has been destroyed; keep the Engine until its "
            "targets are closed",
            call, target.name().c_str());
        status_ = STATUS_INVALID_DEVICE_STATE;
        return SubmitResult::Refused;
    }
    const bool ignore = options.has(SEND_OPTION_IGNORE_TARGET_STATE);
    bool counted = false;
    std::uint32_t epoch = 0;
    const auto gate = target.gate(ignore, counted, epoch);
    if (gate == IoTarget::Gate::Refuse) {
        status_ = STATUS_INVALID_DEVICE_STATE;
        return SubmitResult::Refused;
    }
    // Not started: the state is read again, and the request accepted and
    // parked, in one step under the park lock (IoTarget::park).
    if (gate == IoTarget::Gate::Park) return target.park(*this, options, epoch);
    accept(target, ignore, counted, epoch);
    return launch(target, options);
}

Request::SubmitResult Request::launch(IoTarget& target, const SendOptions& options) {
    if (SubmitResult undone; undo_if_canceled(undone)) return undone;
    arm_timeout(target, options);
    // Always just after accept(), in this thread: the same moment as the
    // Send (a timer armed in between), so its time is taken again rather
    // than read from the clock (recorder.cpp, "Timestamps").
    note(target, RecorderEventKind::Start, STATUS_PENDING, format_bytes(), target.pending(),
         detail::Recorder::last_time_here());
    target.start_io(*this);
    return SubmitResult::Accepted;
}

bool Request::send(IoTarget& target, const SendOptions& options) {
    if (!options.validate().ok()) {
        if (is_outstanding()) return submit(target, options, "send") == SubmitResult::Accepted;  // verifier
        status_ = STATUS_INVALID_PARAMETER;  // even for other validation failures (spec §4.1)
        log(LogLevel::Warning,
            "send: invalid send options (flags 0x%x): use TIMEOUT, SYNCHRONOUS and "
            "IGNORE_TARGET_STATE together, or SEND_AND_FORGET alone",
            options.flags);
        return false;
    }
    if (options.has(SEND_OPTION_SYNCHRONOUS)) return send_synchronously(target, options, true);
    if (options.has(SEND_OPTION_SEND_AND_FORGET)) return send_and_forget(target);
    if (kind_ == RequestKind::QueueDelivered && !routine_) {  // spec §4.2 step 4, §10 #5
        detail::verifier_break(VerifierCheck::QueueRequestWithoutRoutine, this, "send");
        status_ = STATUS_INVALID_DEVICE_REQUEST;
        return false;
    }
    return submit(target, options, "send") == SubmitResult::Accepted;
}

bool Request::send_synchronously(IoTarget& target, const SendOptions& options, bool run_routine) {
    if (!detail::may_block(target.core())) {
        verifier_violation(VerifierCheck::BlockingOnEngineThread, this, "synchronous send");
        status_ = STATUS_INVALID_DEVICE_REQUEST;
        return false;
    }
    detail::SyncWaiter waiter;
    detail::CompletionRoutine saved;
    if (!run_routine) saved = std::move(routine_);  // helpers: never call the driver's routine
    waiter_ = &waiter;
    // The TIMEOUT flag is stripped: the wait below is the timeout (spec §4.5).
    SendOptions untimed = options;
    untimed.flags &= ~(SEND_OPTION_TIMEOUT | SEND_OPTION_SYNCHRONOUS);
    if (submit(target, untimed, "synchronous send") != SubmitResult::Accepted) {
        waiter_ = nullptr;
        if (!run_routine) routine_ = std::move(saved);
        return false;
    }
    const bool timed = options.has(SEND_OPTION_TIMEOUT) && options.timeout != 0;
    if (timed && !waiter.wait_for(wait_for_ticks(options.timeout))) {
        // Cancel, then wait for the real completion: the OS may still write the buffer.
        timed_out_.store(true, std::memory_order_seq_cst);
        cancel_sent_request();
    }
    waiter.wait();
    return true;
}

// ---------------------------------------------------------------- cancel, timeout, completion

bool Request::take_claim(bool* lower_working) noexcept {
    std::int32_t c = completion_refs_.load(std::memory_order_seq_cst);
    do {
        if (c == 0) return false;  // idle, completed, or not yet accepted
    } while (!completion_refs_.compare_exchange_weak(c, c + 1, std::memory_order_seq_cst));
    if (lower_working) *lower_working = c >= kLowerClaim;
    return true;
}

void Request::drop_claim() noexcept {
    if (completion_refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) complete_claimed();
}

bool Request::cancel_sent_request() {
    record().canceled.store(true, std::memory_order_seq_cst);
    bool lower_working = false;
    if (!take_claim(&lower_working)) return false;
    // Our claim keeps sent_target_ stable and the request from completing under
    // us. TRUE only if the cancel reached an operation still outstanding: the
    // lower side had not finished, and it (or the park queue) still had it.
    note(*sent_target_, RecorderEventKind::Cancel, STATUS_CANCELLED, 0, sent_target_->pending());
    const bool reached = sent_target_->cancel_one(*this) && lower_working;
    drop_claim();
    return reached;
}

void Request::timer_fired(std::uint32_t seq) noexcept {
    if (!take_claim(nullptr)) return;                       // finished before the timer
    if (record().seq == seq) {                              // not a later send of the same request
        timed_out_.store(true, std::memory_order_seq_cst);  // CANCELLED_FROM_TIMER
        record().canceled.store(true, std::memory_order_seq_cst);
        note(*sent_target_, RecorderEventKind::Timeout, STATUS_IO_TIMEOUT, 0, sent_target_->pending());
        sent_target_->cancel_one(*this);
    }
    drop_claim();
}

void Request::complete_claimed() noexcept {
    set_life(Life::Completed);
    IoTarget* target = std::exchange(sent_target_, nullptr);
    if (timer_armed_) detail::TargetAccess::core_of(*target, record()).disarm_timer(record());
    status_ = lower_status_;
    if (status_ == STATUS_CANCELLED && timed_out_.load(std::memory_order_seq_cst)) status_ = STATUS_IO_TIMEOUT;
    information_ = lower_information_;

    params_.status = status_;
    params_.information = information_;
    switch (params_.type) {
    case RequestType::Read: params_.read.length = information_; break;
    case RequestType::Write: params_.write.length = information_; break;
    case RequestType::DeviceControl:
    case RequestType::DeviceControlInternal: params_.ioctl.output.length = information_; break;
    default: break;
    }
    // Before the routine, which may send it again (that send's events follow).
    note(*target, RecorderEventKind::Complete, status_, information_, after_finish(*target),
         detail::Recorder::take_offered_time());

    // Per-send state is read now: once the routine runs, the request may be
    // sent again — and a queue-delivered one re-dispatched — so nothing below
    // touches it but the last line, for a created request.
    detail::SyncWaiter* waiter = waiter_;
    if (waiter) waiter_ = nullptr;  // no write otherwise: its line is the formatter's
    const bool counted_sent = counted_sent_;
    const bool created = kind_ == RequestKind::Created;
    detail::CompletionRoutine routine = std::move(routine_);  // one-shot (spec §3.1)
    if (routine) {
        detail::RoutineScope in_routine;  // blocking calls from here would wait for themselves
        routine(*this, *target, params_);
    }
    if (waiter) waiter->signal();
    target->finish(counted_sent);  // after the routine: waiters of stop/close see it returned
    if (created) release();        // the target's reference: the routine may have dropped the last other one
}

// ---------------------------------------------------------------- synchronous helpers

namespace {
// A supplied request, or a private one for the call (spec §8.3).
struct HelperRequest {
    Ref<Request> owned;
    Request* r = nullptr;
    Status init(Request* supplied) {
        if (supplied) {
            r = supplied;
            return STATUS_SUCCESS;
        }
        auto created = Request::create();
        if (!created) return created.status();
        owned = std::move(created).value();
        r = owned.get();
        return STATUS_SUCCESS;
    }
};

template <class Format>
Status run_helper(IoTarget& target, Request* supplied, const SendOptions& options, std::uint64_t* bytes,
                  Format&& format) {
    if (!detail::may_block(detail::TargetAccess::core(target))) {
        detail::verifier_violation(VerifierCheck::BlockingOnEngineThread, supplied, "synchronous helper");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    if (supplied && !supplied->is_outstanding()) supplied->change_target(target);  // drops the format first
    if (Status s = options.validate(); !s.ok()) return s;
    HelperRequest h;
    if (Status s = h.init(supplied); !s.ok()) return s;
    if (Status s = format(*h.r); !s.ok()) return s;
    SendOptions sync = options;
    sync.flags |= SEND_OPTION_SYNCHRONOUS;
    Request& r = *h.r;
    r.set_completion(nullptr, nullptr);
    r.send(target, sync);  // accepted or refused: status() and information() tell
    // Information, also after a refusal: then the request's current value,
    // 0 for a fresh or reused one (spec §8.2 step 7).
    if (bytes) *bytes = r.information();
    const Status result = r.status();
    r.change_target(target);  // leave it unformatted, without completion params
    return result;
}
}  // namespace

Status send_read_synchronously(IoTarget& target, Request* request, const Ref<Memory>& output,
                               const std::optional<MemoryOffset>& offsets, std::int64_t device_offset,
                               const SendOptions& options, std::uint64_t* bytes_read) {
    return run_helper(target, request, options, bytes_read,
                      [&](Request& r) { return r.format_read(target, output, offsets, device_offset); });
}

Status send_write_synchronously(IoTarget& target, Request* request, const Ref<Memory>& input,
                                const std::optional<MemoryOffset>& offsets, std::int64_t device_offset,
                                const SendOptions& options, std::uint64_t* bytes_written) {
    return run_helper(target, request, options, bytes_written,
                      [&](Request& r) { return r.format_write(target, input, offsets, device_offset); });
}

Status send_ioctl_synchronously(IoTarget& target, Request* request, std::uint32_t code, const Ref<Memory>& input,
                                const std::optional<MemoryOffset>& input_offsets, const Ref<Memory>& output,
                                const std::optional<MemoryOffset>& output_offsets, const SendOptions& options,
                                std::uint64_t* bytes_returned) {
    return run_helper(target, request, options, bytes_returned, [&](Request& r) {
        return r.format_ioctl(target, code, input, input_offsets, output, output_offsets);
    });
}

Status send_internal_ioctl_synchronously(IoTarget& target, Request* request, std::uint32_t code,
                                         const Ref<Memory>& input, const std::optional<MemoryOffset>& input_offsets,
                                         const Ref<Memory>& output, const std::optional<MemoryOffset>& output_offsets,
                                         const SendOptions& options, std::uint64_t* bytes_returned) {
    return run_helper(target, request, options, bytes_returned, [&](Request& r) {
        return r.format_internal_ioctl(target, code, input, input_offsets, output, output_offsets);
    });
}

Status send_internal_ioctl_others_synchronously(IoTarget& target, Request* request, std::uint32_t code,
                                                const Ref<Memory>& argument1, const Ref<Memory>& argument2,
                                                const Ref<Memory>& argument4, const SendOptions& options,
                                                std::uint64_t* bytes_returned) {
    return run_helper(target, request, options, bytes_returned, [&](Request& r) {
        return r.format_internal_ioctl_others(target, code, argument1, {}, argument2, {}, argument4, {});
    });
}

const char* to_string(RequestType t) noexcept {
    switch (t) {
    case RequestType::Read: return "Read";
    case RequestType::Write: return "Write";
    case RequestType::DeviceControl: return "DeviceControl";
    case RequestType::DeviceControlInternal: return "DeviceControlInternal";
    case RequestType::Other: return "Other";
    case RequestType::NoFormat: return "NoFormat";
    }
    return "?";
}

}  // namespace wdfio
