#include "targets/nbd/nbd_target.hpp"
#include "targets/nbd/nbd_connect.hpp"
#include "targets/target_kind.hpp"

#include <wdfio/engine.hpp>
#include <wdfio/log.hpp>

#include "core/request_access.hpp"
#include "core/target_access.hpp"
#include "engine/engine_core.hpp"

#include <libnbd.h>
#include <linux/fs.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>
#include <string>

namespace wdfio::detail {

namespace {
// A request's record while it is this target's: op.data says where it is.
// kQueued: on its way to the engine thread; a Command: libnbd has it; null: neither.
void* const kQueued = reinterpret_cast<void*>(std::uintptr_t{1});
// The result on_request is handed for "start it" (any other is a cancel's -ECANCELED).
constexpr std::int64_t kStart = std::int64_t{1} << 40;
// libnbd refuses larger reads and writes; a server without a maximum gets this one.
constexpr std::uint32_t kDefaultMaxRequest = 32u << 20;

bool misaligned(std::uint64_t v, std::uint32_t align) { return align > 1 && v % align != 0; }

std::string_view scheme_of(std::string_view name) {
    const auto end = name.find("://");
    return end == std::string_view::npos ? std::string_view{} : name.substr(0, end);
}

}  // namespace

const TargetKind kNbdTargetKind{
    "an NBD URI (nbd://host[:port][/export], nbd+unix:///export?socket=PATH, nbds://... with TLS)",
    [](std::string_view name) noexcept {
        const auto s = scheme_of(name);
        return s == "nbd" || s == "nbds" || s == "nbd+unix" || s == "nbds+unix";
    },
    &NbdTarget::open,
};

// ---------------------------------------------------------------- open, close

Result<Ref<IoTarget>> NbdTarget::open(Engine& engine, std::string_view uri, const OpenOptions& options) {
    if (!options.read && !options.write) {
        log(LogLevel::Warning, "open %.*s: ask for read, write or both", static_cast<int>(uri.size()), uri.data());
        return STATUS_INVALID_PARAMETER;
    }
    if (options.direct || options.create) {
        log(LogLevel::Warning, "open %.*s: O_DIRECT and create are for files; an NBD export takes neither",
            static_cast<int>(uri.size()), uri.data());
        return STATUS_INVALID_PARAMETER;
    }
    // Connecting blocks (the network, the handshake): never on the engine thread.
    if (EngineAccess::core(engine).on_engine_thread()) {
        log(LogLevel::Warning, "open %.*s: connecting blocks; open NBD targets from a thread other than the engine's",
            static_cast<int>(uri.size()), uri.data());
        return STATUS_INVALID_DEVICE_STATE;
    }
    auto settings = parse_nbd_uri(uri);
    if (!settings) return settings.status();
    auto h = connect_nbd(*settings, "connect to", uri);
    if (!h) return h.status();
    const bool writable = options.write && nbd_is_read_only(*h) == 0;
    const bool fua = settings->fua;
    auto* t = new (std::nothrow) NbdTarget(engine, std::string(uri), std::move(settings.value()), *h, writable);
    if (!t) {
        nbd_close(*h);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    t->fua_ = fua && t->can_fua_;
    if (t->size_ == 0 && nbd_get_size(*h) < 0) {
        Status s = nbd_failure("size of", uri);
        Ref<IoTarget>::adopt(t)->close();
        return s;
    }
    // Poll from now on, idle or not, so that a server that goes away is
    // noticed (connection_state()) before the next request finds it.
    t->add_ref();  // released by on_arm
    EngineAccess::core(engine).complete_later(t->arm_.op, 0);
    return Ref<IoTarget>::adopt(t);
}

NbdTarget::NbdTarget(Engine& engine, std::string name, NbdSettings settings, nbd_handle* handle, bool writable)
    : IoTarget(engine, std::move(name)), settings_(std::move(settings)), handle_(handle), writable_(writable) {
    reconnect_.object = this;
    reconnect_.op.ops = &kReconnectOps;
    arm_.object = this;
    arm_.op.ops = &kArmOps;
    poll_.object = this;
    close_.object = this;
    last_.object = this;
    last_.op.ops = &kLastOps;
    poll_.op.ops = &kPollOps;
    poll_.op.code = OpCode::Poll;
    close_.op.ops = &kCloseOps;
    fd_ = nbd_aio_get_fd(handle_);
    const std::int64_t size = nbd_get_size(handle_);
    size_ = size > 0 ? static_cast<std::uint64_t>(size) : 0;
    const std::int64_t min = nbd_get_block_size(handle_, LIBNBD_SIZE_MINIMUM);
    const std::int64_t pref = nbd_get_block_size(handle_, LIBNBD_SIZE_PREFERRED);
    const std::int64_t max = nbd_get_block_size(handle_, LIBNBD_SIZE_MAXIMUM);
    min_block_ = min > 0 ? static_cast<std::uint32_t>(min) : 1;
    preferred_block_ = pref > 0 ? static_cast<std::uint32_t>(pref) : 4096;
    max_request_ = max > 0 && max < kDefaultMaxRequest ? static_cast<std::uint32_t>(max) : kDefaultMaxRequest;
    can_flush_ = nbd_can_flush(handle_) == 1;
    can_trim_ = nbd_can_trim(handle_) == 1;
    can_zero_ = nbd_can_zero(handle_) == 1;
    can_fua_ = nbd_can_fua(handle_) == 1;
}

NbdTarget::~NbdTarget() {
    // No poll is armed (it holds a reference): libnbd is ours alone. Replies
    // still due are dropped with the handle; their commands go with commands_.
    if (handle_) nbd_close(handle_);
}

// Close has drained the requests: stop polling on the engine thread, which
// owns the handle. The target stays alive until that poll is back.
void NbdTarget::release_resources() {
    EngineCore& core = TargetAccess::core(*this);
    if (core.gone()) return;  // the engine's stop ended the poll already
    add_ref();                // released by on_close
    core.complete_later(close_.op, 0);
    if (core.on_engine_thread()) return;  // then the poll comes back after close returns
    std::unique_lock lock(mutex_);
    poll_back_cv_.wait_for(lock, std::chrono::seconds(10),
                           [this] { return close_seen_ && !polling_.load(std::memory_order_seq_cst); });
}

void NbdTarget::on_close(Operation& op, std::int64_t) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    if (!self.dead_) nbd_aio_disconnect(self.handle_, 0);  // polite: the server may see NBD_CMD_DISC
    self.closed_ = true;
    self.stop_polling();
    {
        std::lock_guard lock(self.mutex_);
        self.close_seen_ = true;
    }
    self.poll_back_cv_.notify_all();
    self.release();
}

void NbdTarget::last_reference_dropped() const noexcept {
    EngineCore& core = TargetAccess::core(*this);
    bool polling;
    {
        std::lock_guard lock(mutex_);  // on_poll is done with the target once it lets go of this
        polling = polling_.load(std::memory_order_seq_cst);
    }
    if (!polling || core.gone()) {
        IoTarget::last_reference_dropped();
        return;
    }
    revive();  // the engine thread's, until the poll is back (on_last_reference, on_poll)
    core.complete_later(last_.op, 0);
}

void NbdTarget::on_last_reference(Operation& op, std::int64_t) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    self.dying_ = true;
    self.stop_polling();
    if (self.poll_armed_) return;  // on_poll drops it
    self.polling_.store(false, std::memory_order_seq_cst);
    self.release();
}

// start() of a target whose connection dropped: connect again (blocking, on
// start()'s thread), then swap the new handle in on the engine thread and
// wait for that. Requests the old connection had failed already; requests
// parked while the target was stopped go out on the new one.
Status NbdTarget::restart() {
    if (!dead_.load(std::memory_order_acquire)) return STATUS_SUCCESS;
    EngineCore& core = TargetAccess::core(*this);
    if (core.on_engine_thread()) {
        log(LogLevel::Warning, "start %s: reconnecting blocks; call start() from a thread other than the engine's",
            name().c_str());
        return STATUS_INVALID_DEVICE_STATE;
    }
    std::lock_guard one(reconnect_mutex_);
    if (!dead_.load(std::memory_order_acquire)) return STATUS_SUCCESS;  // another start() did it
    auto connected = connect_nbd(settings_, "reconnect to", name());
    if (!connected) {
        last_error_.store(connected.status().value(), std::memory_order_relaxed);
        return connected.status();
    }
    nbd_handle* h = *connected;
    if (nbd_get_size(h) != static_cast<std::int64_t>(size_))
        log(LogLevel::Warning, "%s: the export's size changed on reconnect; requests are still checked against %llu",
            name().c_str(), static_cast<unsigned long long>(size_));
    std::unique_lock lock(mutex_);
    fresh_ = h;
    add_ref();  // released by on_reconnect
    core.complete_later(reconnect_.op, 0);
    reconnected_cv_.wait(lock, [this] { return fresh_ == nullptr; });
    log(LogLevel::Info, "%s: reconnected", name().c_str());
    return STATUS_SUCCESS;
}

ConnectionState NbdTarget::connection() const {
    return {!dead_.load(std::memory_order_acquire) && is_open(), Status(last_error_.load(std::memory_order_relaxed))};
}

void NbdTarget::on_reconnect(Operation& op, std::int64_t) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    nbd_handle* old = self.handle_;
    {
        std::lock_guard lock(self.mutex_);
        self.handle_ = self.fresh_;
    }
    self.fd_ = nbd_aio_get_fd(self.handle_);
    // The old connection's poll is back (it stopped when the connection
    // dropped), unless the target is closing or the engine stopping.
    const bool closing = self.dying_ || self.closed_;
    if (!closing) {
        self.stopped_ = false;
        self.dead_.store(false, std::memory_order_release);
        self.rearm();
    }
    nbd_close(old);  // commands it still had were completed when it dropped; their replies go with it
    {
        std::lock_guard lock(self.mutex_);
        self.fresh_ = nullptr;
    }
    self.reconnected_cv_.notify_all();
    self.release();
}

void NbdTarget::on_arm(Operation& op, std::int64_t) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    if (!self.stopped_) self.rearm();
    self.release();
}

void NbdTarget::stop_polling() {
    stopped_ = true;
    if (poll_armed_ && !poll_recall_) recall_poll();
}

// The armed poll back at once (-ECANCELED). The sticky flag first, as every
// owner of an operation sets it: a worker that has not picked the poll yet
// finds it there (WorkerPool::cancel interrupts only a running one).
void NbdTarget::recall_poll() {
    poll_recall_ = true;
    poll_.op.canceled.store(true, std::memory_order_seq_cst);
    TargetAccess::core(*this).cancel(poll_.op, false);
}

// ---------------------------------------------------------------- validation

Status NbdTarget::check_range(std::uint64_t offset, std::uint64_t length, const char* what) const {
    if (misaligned(offset, min_block_) || misaligned(length, min_block_)) {
        log(LogLevel::Warning,
            "%s %s: offset %llu and length %llu must be multiples of the server's minimum block size %u",
            name().c_str(), what, static_cast<unsigned long long>(offset), static_cast<unsigned long long>(length),
            min_block_);
        return STATUS_INVALID_PARAMETER;
    }
    if (offset > size_ || length > size_ - offset) {
        log(LogLevel::Warning, "%s %s: offset %llu + length %llu is past the end of the export (%llu bytes)",
            name().c_str(), what, static_cast<unsigned long long>(offset), static_cast<unsigned long long>(length),
            static_cast<unsigned long long>(size_));
        return STATUS_INVALID_PARAMETER;
    }
    return STATUS_SUCCESS;
}

Status NbdTarget::check_format(const IoOperation& op) const {
    switch (op.type) {
    case RequestType::Read:
    case RequestType::Write: {
        const bool write = op.type == RequestType::Write;
        if (write && !writable_) {
            log(LogLevel::Warning, "%s: the export is read-only, or was opened without write access", name().c_str());
            return STATUS_MEDIA_WRITE_PROTECTED;
        }
        if (op.device_offset < 0) return STATUS_INVALID_PARAMETER;
        if (op.length > max_request_) {
            log(LogLevel::Warning, "%s: %llu bytes is more than the server takes at once (%u); split the request",
                name().c_str(), static_cast<unsigned long long>(op.length), max_request_);
            return STATUS_INVALID_PARAMETER;
        }
        return check_range(static_cast<std::uint64_t>(op.device_offset), op.length, write ? "write" : "read");
    }
    case RequestType::DeviceControl:
        switch (op.ioctl_code) {
        case BLKGETSIZE64: return op.output_length < sizeof(std::uint64_t) ? STATUS_BUFFER_TOO_SMALL : STATUS_SUCCESS;
        case BLKSSZGET:
        case BLKPBSZGET: return op.output_length < sizeof(int) ? STATUS_BUFFER_TOO_SMALL : STATUS_SUCCESS;
        case BLKFLSBUF: return STATUS_SUCCESS;  // a server that cannot flush has nothing to flush: success
        case BLKDISCARD:
        case BLKZEROOUT: {
            if (op.input_length < 2 * sizeof(std::uint64_t) || !op.input) return STATUS_BUFFER_TOO_SMALL;
            const bool trim = op.ioctl_code == BLKDISCARD;
            if (!writable_) {
                log(LogLevel::Warning, "%s: the export is read-only, or was opened without write access",
                    name().c_str());
                return STATUS_MEDIA_WRITE_PROTECTED;
            }
            if (trim && !can_trim_) {
                log(LogLevel::Warning, "%s: the server does not support trim", name().c_str());
                return STATUS_NOT_SUPPORTED;
            }
            std::uint64_t range[2];
            std::memcpy(range, op.input, sizeof range);
            if (range[1] > max_request_) {
                log(LogLevel::Warning, "%s: a range of %llu bytes is more than one command takes (%u)", name().c_str(),
                    static_cast<unsigned long long>(range[1]), max_request_);
                return STATUS_INVALID_PARAMETER;
            }
            return check_range(range[0], range[1], trim ? "BLKDISCARD" : "BLKZEROOUT");
        }
        default: return STATUS_INVALID_DEVICE_REQUEST;
        }
    default: return STATUS_INVALID_DEVICE_REQUEST;
    }
}

// ---------------------------------------------------------------- start, cancel

// Any thread: hand the request to the engine thread, where libnbd is called.
void NbdTarget::start_io(Request& r) {
    Operation& op = RequestAccess::op(r);
    EngineCore& core = TargetAccess::core(*this);
    op.ops = &kRequestOps;
    op.list = nullptr;
    {
        std::lock_guard lock(mutex_);
        op.data = kQueued;
    }
    if (core.on_engine_thread()) engine_start(r);
    else core.complete_later(op, kStart);
}

void NbdTarget::on_request(Operation& op, std::int64_t result) noexcept {
    Request& r = RequestAccess::of(op);
    if (result == kStart) static_cast<NbdTarget*>(RequestAccess::sent_target(r))->engine_start(r);
    else RequestAccess::lower_complete(r, STATUS_CANCELLED, 0);  // a cancel abandoned it
}

// Engine thread: a request becomes an NBD command (or is answered at once).
void NbdTarget::engine_start(Request& r) {
    const IoOperation& io = r.operation();
    Operation& op = RequestAccess::op(r);
    if (answer_now(r, io)) return;
    const bool transfer = io.type == RequestType::Read || io.type == RequestType::Write;
    Command* c = take_command(transfer ? io.length : 0);
    {
        std::unique_lock lock(mutex_);
        // Under the lock: a cancel pass over the target either finds the
        // command below, or began before and is seen here.
        const bool cancelled = RequestAccess::canceled(r) || TargetAccess::missed_cancel(r);
        if (cancelled || dead_ || !c) {
            op.data = nullptr;
            if (c) free_command_locked(c);
            lock.unlock();
            RequestAccess::lower_complete(r,
                                          cancelled ? STATUS_CANCELLED
                                          : dead_   ? STATUS_CONNECTION_RESET
                                                    : STATUS_INSUFFICIENT_RESOURCES,
                                          0);
            return;
        }
        c->request = &r;
        c->issued = true;
        op.data = c;
    }
    if (io.type == RequestType::Write) std::memcpy(c->buffer.get(), io.data, io.length);
    if (issue(*c, io) == -1) {
        const Status s = check_alive() ? nbd_failure("send to", name()) : STATUS_CONNECTION_RESET;
        std::unique_lock lock(mutex_);
        Request* owner = c->request;  // null: a cancel completed it meanwhile
        if (owner) op.data = nullptr;
        free_command_locked(c);
        lock.unlock();
        if (owner) RequestAccess::lower_complete(r, s, 0);
    }
    check_alive();  // sending may find the connection gone: then its replies' errors mean that
    finish_done();
    rearm();
}

// What needs no server: empty transfers, the size and block-size queries, a
// flush the server has no use for.
bool NbdTarget::answer_now(Request& r, const IoOperation& io) {
    auto answer = [&](Status s, std::uint64_t info) {
        {
            std::lock_guard lock(mutex_);
            RequestAccess::op(r).data = nullptr;
        }
        RequestAccess::lower_complete(r, s, info);
        return true;
    };
    if (RequestAccess::canceled(r)) return answer(STATUS_CANCELLED, 0);
    if (io.type != RequestType::DeviceControl) return io.length == 0 ? answer(STATUS_SUCCESS, 0) : false;
    switch (io.ioctl_code) {
    case BLKGETSIZE64: std::memcpy(io.output, &size_, sizeof size_); return answer(STATUS_SUCCESS, sizeof size_);
    case BLKSSZGET:
    case BLKPBSZGET: {
        const int v = static_cast<int>(io.ioctl_code == BLKSSZGET ? min_block_ : preferred_block_);
        std::memcpy(io.output, &v, sizeof v);
        return answer(STATUS_SUCCESS, sizeof v);
    }
    case BLKFLSBUF: return can_flush_ ? false : answer(STATUS_SUCCESS, 0);
    default: return false;
    }
}

std::int64_t NbdTarget::issue(Command& c, const IoOperation& io) {
    nbd_completion_callback cb{&NbdTarget::on_reply, &c, nullptr};
    const auto offset = static_cast<std::uint64_t>(io.device_offset);
    switch (io.type) {
    case RequestType::Read: return nbd_aio_pread(handle_, c.buffer.get(), io.length, offset, cb, 0);
    case RequestType::Write:
        return nbd_aio_pwrite(handle_, c.buffer.get(), io.length, offset, cb, fua_ ? LIBNBD_CMD_FLAG_FUA : 0);
    default: break;
    }
    if (io.ioctl_code == BLKFLSBUF) return nbd_aio_flush(handle_, cb, 0);
    std::uint64_t range[2];
    std::memcpy(range, io.input, sizeof range);
    if (io.ioctl_code == BLKDISCARD) return nbd_aio_trim(handle_, range[1], range[0], cb, 0);
    if (can_zero_) return nbd_aio_zero(handle_, range[1], range[0], cb, 0);
    // No WRITE_ZEROES: write zeros from the (zeroed) bounce buffer.
    std::memset(c.buffer.get(), 0, c.capacity);
    return nbd_aio_pwrite(handle_, c.buffer.get(), range[1], range[0], cb, 0);
}

NbdTarget::Command* NbdTarget::take_command(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    Command* c = free_;
    if (c) free_ = c->next;
    else {
        auto fresh = std::unique_ptr<Command>(new (std::nothrow) Command);
        if (!fresh) return nullptr;
        fresh->target = this;
        c = fresh.get();
        commands_.push_back(std::move(fresh));
    }
    c->next = nullptr;
    c->error = 0;
    if (c->capacity < bytes) {
        c->buffer.reset(new (std::nothrow) std::byte[bytes]);
        c->capacity = c->buffer ? bytes : 0;
        if (!c->buffer) {
            free_command_locked(c);
            return nullptr;
        }
    }
    return c;
}

void NbdTarget::free_command_locked(Command* c) noexcept {
    c->request = nullptr;
    c->issued = false;
    c->next = free_;
    free_ = c;
}

// Any thread. NBD cannot take a command back: the request completes now (on
// the engine thread) and its command is abandoned, to be dropped when its
// reply comes — into the bounce buffer, never the caller's.
bool NbdTarget::cancel_io(Request& r) {
    Operation& op = RequestAccess::op(r);
    std::unique_lock lock(mutex_);
    if (op.data == kQueued) return true;  // the engine thread sees the cancel flag when it starts it
    auto* c = static_cast<Command*>(op.data);
    if (!c || c->request != &r) return false;  // answered already
    c->request = nullptr;
    op.data = nullptr;
    lock.unlock();
    TargetAccess::core(*this).complete_later(op, -ECANCELED);
    return true;
}

void NbdTarget::cancel_sent_io(bool include_ignore) {
    std::vector<Operation*> abandoned;
    {
        std::lock_guard lock(mutex_);
        for (auto& c : commands_) {
            Request* r = c->request;
            if (!r || !c->issued || (!include_ignore && RequestAccess::ignores_state(*r))) continue;
            RequestAccess::mark_canceled(*r);
            c->request = nullptr;
            RequestAccess::op(*r).data = nullptr;
            abandoned.push_back(&RequestAccess::op(*r));
        }
    }
    EngineCore& core = TargetAccess::core(*this);
    for (Operation* op : abandoned) core.complete_later(*op, -ECANCELED);
}

// ---------------------------------------------------------------- replies

// Inside libnbd, its handle lock held: record, copy a read out of the bounce
// buffer while the request is still ours, and leave completing to finish_done.
int NbdTarget::on_reply(void* command, int* error) {
    auto* c = static_cast<Command*>(command);
    NbdTarget& self = *c->target;
    std::lock_guard lock(self.mutex_);
    c->issued = false;
    if (!c->request) {  // abandoned: the reply has no one to go to
        self.free_command_locked(c);
        return 1;
    }
    c->error = *error;
    const IoOperation& io = c->request->operation();
    if (!c->error && io.type == RequestType::Read) std::memcpy(io.data, c->buffer.get(), io.length);
    RequestAccess::op(*c->request).data = nullptr;  // a cancel from now on finds nothing to take back
    c->next = self.done_;
    self.done_ = c;
    return 1;  // retire the command
}

void NbdTarget::finish_done() {
    if (finishing_) return;  // a routine re-sending from inside the loop below
    finishing_ = true;
    while (done_) {
        Command* c = done_;
        done_ = c->next;
        Request& r = *c->request;
        const int err = c->error;
        {
            std::lock_guard lock(mutex_);
            free_command_locked(c);
        }
        const IoOperation& io = r.operation();
        const bool transfer = io.type == RequestType::Read || io.type == RequestType::Write;
        if (err) RequestAccess::lower_complete(r, status_of(err), 0);
        else RequestAccess::lower_complete(r, STATUS_SUCCESS, transfer ? io.length : 0);
    }
    finishing_ = false;
}

Status NbdTarget::status_of(int error) const {
    if (dead_ || error == ENOTCONN || error == ESHUTDOWN) return STATUS_CONNECTION_RESET;
    return Status::from_errno(error);
}

// ---------------------------------------------------------------- the socket

// Engine thread: wait for what libnbd wants next (reading replies; writing
// while a command is only partly sent).
void NbdTarget::rearm() {
    if (!check_alive()) return;
    const unsigned dir = nbd_aio_get_direction(handle_);
    const short events = static_cast<short>(((dir & LIBNBD_AIO_DIRECTION_READ) ? POLLIN : 0) |
                                            ((dir & LIBNBD_AIO_DIRECTION_WRITE) ? POLLOUT : 0));
    if (poll_armed_) {
        if (events != poll_events_ && !poll_recall_) recall_poll();  // on_poll arms again with the new events
        return;
    }
    if (events == 0) return;
    Operation& op = poll_.op;
    op.file = fd_;
    op.length = static_cast<std::uint32_t>(static_cast<unsigned short>(events));
    ++op.seq;                                             // a late cancel of the previous poll cannot hit this one
    op.canceled.store(false, std::memory_order_seq_cst);  // a recall's flag was for the previous poll
    poll_events_ = events;
    poll_armed_ = true;
    polling_.store(true, std::memory_order_seq_cst);
    TargetAccess::core(*this).submit(op);
}

void NbdTarget::on_poll(Operation& op, std::int64_t result) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    const bool recalled = std::exchange(self.poll_recall_, false);
    self.poll_armed_ = false;
    if (result == -ECANCELED && !recalled) self.stopped_ = true;  // the engine is stopping
    if (result < 0 && result != -ECANCELED) {
        log(LogLevel::Warning, "%s: waiting for the socket failed (%s)", self.name().c_str(),
            std::strerror(static_cast<int>(-result)));
        self.connection_lost();
    } else if (result > 0) {
        int rc = 0;
        if (result & (POLLIN | POLLHUP | POLLERR)) rc = nbd_aio_notify_read(self.handle_);
        if (rc == 0 && (result & POLLOUT)) rc = nbd_aio_notify_write(self.handle_);
        if (rc == -1) self.connection_lost();
        else self.check_alive();
    }
    self.finish_done();
    if (self.stopped_) self.connection_lost();  // nothing more will come: fail what is still sent
    else self.rearm();
    if (self.dying_ && !self.poll_armed_) {
        self.polling_.store(false, std::memory_order_seq_cst);  // so that the release below deletes
        self.release();                                         // the last reference: deletes the target
        return;
    }
    // Last: once polling_ is false, a closer waiting in release_resources, or
    // the last reference's owner (last_reference_dropped), may destroy the
    // target as soon as the lock is free.
    std::lock_guard lock(self.mutex_);
    self.polling_.store(self.poll_armed_, std::memory_order_seq_cst);
    self.poll_back_cv_.notify_all();
}

// False (and every request out completed) if the connection died — noticed
// by libnbd while reading replies, or while sending a command.
bool NbdTarget::check_alive() {
    if (stopped_ || (!nbd_aio_is_dead(handle_) && !nbd_aio_is_closed(handle_))) return !stopped_;
    connection_lost();
    return false;
}

// The server will answer nothing more: every command still out completes now.
void NbdTarget::connection_lost() {
    if (!stopped_) {
        const char* msg = nbd_get_error();
        log(LogLevel::Warning,
            "%s: the connection to the server is gone (%s); requests fail with STATUS_CONNECTION_RESET until "
            "start() reconnects",
            name().c_str(), msg ? msg : "closed");
    }
    if (!stopped_) {
        last_error_.store(STATUS_CONNECTION_RESET, std::memory_order_relaxed);
        dead_.store(true, std::memory_order_release);
    }
    stopped_ = true;
    std::vector<Operation*> abandoned;
    {
        std::lock_guard lock(mutex_);
        for (auto& c : commands_) {
            Request* r = c->request;
            if (!r || !c->issued) continue;
            c->request = nullptr;
            RequestAccess::op(*r).data = nullptr;
            abandoned.push_back(&RequestAccess::op(*r));
        }
    }
    for (Operation* op : abandoned) {
        Request& r = RequestAccess::of(*op);
        RequestAccess::lower_complete(r, dead_ ? STATUS_CONNECTION_RESET : STATUS_CANCELLED, 0);
    }
}

}  // namespace wdfio::detail
