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

#include <algorithm>
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
// How long close waits for the replies to commands it abandoned (cancelled
// requests) before it says goodbye to the server anyway.
constexpr std::chrono::milliseconds kCloseDrain{500};

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
    auto settings = parse_nbd_uri(uri, kMaxConnections);
    if (!settings) return settings.status();
    auto first = connect_nbd(*settings, "connect to", uri);
    if (!first) return first.status();
    const bool multi_conn = nbd_can_multi_conn(*first) == 1;
    if (settings->connections > 1 && !multi_conn) {
        log(LogLevel::Warning,
            "open %.*s: the server does not allow multi-conn (NBD_FLAG_CAN_MULTI_CONN), so connections=%u could "
            "see stale data; open it with connections=1",
            static_cast<int>(uri.size()), uri.data(), settings->connections);
        nbd_close(*first);
        return STATUS_NOT_SUPPORTED;
    }
    // The default: as many as the server allows, up to the engine's threads.
    if (settings->connections == 0)
        settings->connections = multi_conn ? std::min(engine.engine_threads(), kMaxConnections) : 1;
    std::vector<nbd_handle*> handles{*first};
    if (settings->connections > 1) {
        auto more = connect_nbd_all(*settings, settings->connections - 1, "connect to", uri);
        if (!more) {
            nbd_close(*first);
            return more.status();
        }
        handles.insert(handles.end(), more->begin(), more->end());
    }
    const bool writable = options.write && nbd_is_read_only(*first) == 0;
    const bool fua = settings->fua;
    auto* t = new (std::nothrow) NbdTarget(engine, std::string(uri), std::move(settings.value()), handles, writable);
    if (!t) {
        for (nbd_handle* h : handles) nbd_close(h);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    t->fua_ = fua && t->can_fua_;
    if (t->size_ == 0 && nbd_get_size(*first) < 0) {
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

NbdTarget::NbdTarget(Engine& engine, std::string name, NbdSettings settings, std::vector<nbd_handle*> handles,
                     bool writable)
    : IoTarget(engine, std::move(name)), settings_(std::move(settings)), writable_(writable) {
    reconnect_.object = this;
    reconnect_.op.ops = &kReconnectOps;
    arm_.object = this;
    arm_.op.ops = &kArmOps;
    close_.object = this;
    close_.op.ops = &kCloseOps;
    close_now_.object = this;
    close_now_.op.ops = &kCloseNowOps;
    last_.object = this;
    last_.op.ops = &kLastOps;
    for (nbd_handle* h : handles) {
        auto c = std::make_unique<Connection>();
        c->poll.object = this;
        c->poll.op.ops = &kPollOps;
        c->poll.op.code = OpCode::Poll;
        c->handle = h;
        c->fd = nbd_aio_get_fd(h);
        conns_.push_back(std::move(c));
    }
    // What the server says is the same on every connection: the first one's.
    nbd_handle* h = handles.front();
    const std::int64_t size = nbd_get_size(h);
    size_ = size > 0 ? static_cast<std::uint64_t>(size) : 0;
    const std::int64_t min = nbd_get_block_size(h, LIBNBD_SIZE_MINIMUM);
    const std::int64_t pref = nbd_get_block_size(h, LIBNBD_SIZE_PREFERRED);
    const std::int64_t max = nbd_get_block_size(h, LIBNBD_SIZE_MAXIMUM);
    min_block_ = min > 0 ? static_cast<std::uint32_t>(min) : 1;
    preferred_block_ = pref > 0 ? static_cast<std::uint32_t>(pref) : 4096;
    max_request_ = max > 0 && max < kDefaultMaxRequest ? static_cast<std::uint32_t>(max) : kDefaultMaxRequest;
    can_flush_ = nbd_can_flush(h) == 1;
    can_trim_ = nbd_can_trim(h) == 1;
    can_zero_ = nbd_can_zero(h) == 1;
    can_fua_ = nbd_can_fua(h) == 1;
}

NbdTarget::~NbdTarget() {
    // No poll is armed (it holds a reference): libnbd is ours alone. Replies
    // still due are dropped with the handles; their commands go with commands_.
    for (auto& c : conns_)
        if (c->handle) nbd_close(c->handle);
}

// Close has drained the requests: stop polling on the engine thread, which
// owns the handle. The target stays alive until that poll is back. Commands
// that cancelled requests abandoned may still be out: the NBD protocol asks a
// client to let them be answered before NBD_CMD_DISC (a server answering on a
// socket the client closed may fail: nbdkit 1.32 aborts), so close reads
// their replies first, for at most kCloseDrain.
void NbdTarget::release_resources() {
    EngineCore& core = TargetAccess::core(*this);
    if (core.gone()) return;  // the engine's stop ended the poll already
    add_ref();                // released by on_close
    core.complete_later(close_.op, 0);
    if (core.on_engine_thread()) return;  // then the poll comes back after close returns
    std::unique_lock lock(mutex_);
    const auto back = [this] { return close_seen_ && !polling_.load(std::memory_order_seq_cst); };
    if (poll_back_cv_.wait_for(lock, kCloseDrain + std::chrono::milliseconds(100), back)) return;
    if (!close_seen_) {  // the server is silent: close without its replies
        add_ref();       // released by on_close_now
        core.complete_later(close_now_.op, 0);
    }
    poll_back_cv_.wait_for(lock, std::chrono::seconds(10), back);
}

void NbdTarget::on_close(Operation& op, std::int64_t) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    if (!self.closing_) {
        self.closing_ = true;
        self.close_deadline_ = std::chrono::steady_clock::now() + kCloseDrain;
    }
    if (!self.drained_for_close()) {
        if (!std::exchange(self.close_hold_, true)) self.add_ref();  // the target waits for the replies
    } else if (self.finish_close()) {
        self.release();  // the hold
    }
    self.release();
}

void NbdTarget::on_close_now(Operation& op, std::int64_t) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    if (self.finish_close()) self.release();  // the hold
    self.release();
}

// Engine thread: no abandoned command is still out (or waiting is over).
bool NbdTarget::drained_for_close() const {
    if (stopped_ || dead_ || std::chrono::steady_clock::now() >= close_deadline_) return true;
    for (const auto& c : conns_)
        if (nbd_aio_in_flight(c->handle) > 0) return false;
    return true;
}

// Engine thread: say goodbye and stop polling, once. True if the target held
// a reference while it waited for replies (the caller drops it, last).
bool NbdTarget::finish_close() {
    if (closed_) return false;
    if (!dead_)
        for (auto& c : conns_) nbd_aio_disconnect(c->handle, 0);  // polite: the server may see NBD_CMD_DISC
    closed_ = true;
    stop_polling();
    {
        std::lock_guard lock(mutex_);
        close_seen_ = true;
    }
    poll_back_cv_.notify_all();
    return std::exchange(close_hold_, false);
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
    if (self.any_armed()) return;  // on_poll drops it
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
    auto connected = connect_nbd_all(settings_, static_cast<unsigned>(conns_.size()), "reconnect to", name());
    if (!connected) {
        last_error_.store(connected.status().value(), std::memory_order_relaxed);
        return connected.status();
    }
    if (nbd_get_size(connected->front()) != static_cast<std::int64_t>(size_))
        log(LogLevel::Warning, "%s: the export's size changed on reconnect; requests are still checked against %llu",
            name().c_str(), static_cast<unsigned long long>(size_));
    std::unique_lock lock(mutex_);
    fresh_ = std::move(connected.value());
    add_ref();  // released by on_reconnect
    core.complete_later(reconnect_.op, 0);
    reconnected_cv_.wait(lock, [this] { return fresh_.empty(); });
    log(LogLevel::Info, "%s: reconnected", name().c_str());
    return STATUS_SUCCESS;
}

ConnectionState NbdTarget::connection() const {
    return {!dead_.load(std::memory_order_acquire) && is_open(), Status(last_error_.load(std::memory_order_relaxed))};
}

void NbdTarget::on_reconnect(Operation& op, std::int64_t) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    std::vector<nbd_handle*> fresh;
    {
        std::lock_guard lock(self.mutex_);
        fresh = self.fresh_;
    }
    // libnbd's calls outside mutex_: on_reply takes mutex_ inside libnbd's handle lock.
    std::vector<nbd_handle*> old;
    for (std::size_t i = 0; i < self.conns_.size(); ++i) {
        Connection& c = *self.conns_[i];
        old.push_back(std::exchange(c.handle, fresh[i]));
        c.fd = nbd_aio_get_fd(c.handle);
    }
    // The old connections' polls are back or recalled (connection_lost
    // stopped them); a recalled one comes back to the new handle and arms it.
    const bool closing = self.dying_ || self.closed_;
    if (!closing) {
        self.stopped_ = false;
        self.dead_.store(false, std::memory_order_release);
        for (auto& c : self.conns_) self.rearm(*c);
    }
    // Commands the old handles still had were completed when they dropped; their replies go with them.
    for (nbd_handle* h : old) nbd_close(h);
    {
        std::lock_guard lock(self.mutex_);
        self.fresh_.clear();
    }
    self.reconnected_cv_.notify_all();
    self.release();
}

void NbdTarget::on_arm(Operation& op, std::int64_t) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    if (!self.stopped_)
        for (auto& c : self.conns_) self.rearm(*c);
    self.release();
}

void NbdTarget::stop_polling() {
    stopped_ = true;
    for (auto& c : conns_)
        if (c->armed && !c->recall) recall_poll(*c);
}

bool NbdTarget::any_armed() const {
    for (const auto& c : conns_)
        if (c->armed) return true;
    return false;
}

NbdTarget::Connection& NbdTarget::connection_of(Operation& poll) {
    for (auto& c : conns_)
        if (&c->poll.op == &poll) return *c;
    return *conns_.front();  // not reached: every poll is a connection's
}

// The armed poll back at once (-ECANCELED). The sticky flag first, as every
// owner of an operation sets it: a worker that has not picked the poll yet
// finds it there (WorkerPool::cancel interrupts only a running one).
void NbdTarget::recall_poll(Connection& c) {
    c.recall = true;
    c.poll.op.canceled.store(true, std::memory_order_seq_cst);
    TargetAccess::core(*this).cancel(c.poll.op, false);
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
    Connection& conn = least_busy();
    if (issue(conn.handle, *c, io) == -1) {
        const Status s = check_alive(conn) ? nbd_failure("send to", name()) : STATUS_CONNECTION_RESET;
        std::unique_lock lock(mutex_);
        Request* owner = c->request;  // null: a cancel completed it meanwhile
        if (owner) op.data = nullptr;
        free_command_locked(c);
        lock.unlock();
        if (owner) RequestAccess::lower_complete(r, s, 0);
    }
    check_alive(conn);  // sending may find the connection gone: then its replies' errors mean that
    finish_done();
    rearm(conn);
}

// The connection with the fewest commands in flight (the first of equals).
NbdTarget::Connection& NbdTarget::least_busy() {
    if (conns_.size() == 1) return *conns_.front();
    Connection* best = conns_.front().get();
    std::int64_t fewest = nbd_aio_in_flight(best->handle);
    for (std::size_t i = 1; i < conns_.size() && fewest > 0; ++i) {
        const std::int64_t n = nbd_aio_in_flight(conns_[i]->handle);
        if (n >= 0 && n < fewest) {
            fewest = n;
            best = conns_[i].get();
        }
    }
    return *best;
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

std::int64_t NbdTarget::issue(nbd_handle* h, Command& c, const IoOperation& io) {
    nbd_completion_callback cb{&NbdTarget::on_reply, &c, nullptr};
    const auto offset = static_cast<std::uint64_t>(io.device_offset);
    switch (io.type) {
    case RequestType::Read: return nbd_aio_pread(h, c.buffer.get(), io.length, offset, cb, 0);
    case RequestType::Write:
        return nbd_aio_pwrite(h, c.buffer.get(), io.length, offset, cb, fua_ ? LIBNBD_CMD_FLAG_FUA : 0);
    default: break;
    }
    if (io.ioctl_code == BLKFLSBUF) return nbd_aio_flush(h, cb, 0);
    std::uint64_t range[2];
    std::memcpy(range, io.input, sizeof range);
    if (io.ioctl_code == BLKDISCARD) return nbd_aio_trim(h, range[1], range[0], cb, 0);
    if (can_zero_) return nbd_aio_zero(h, range[1], range[0], cb, 0);
    // No WRITE_ZEROES: write zeros from the (zeroed) bounce buffer.
    std::memset(c.buffer.get(), 0, c.capacity);
    return nbd_aio_pwrite(h, c.buffer.get(), range[1], range[0], cb, 0);
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
void NbdTarget::rearm(Connection& c) {
    if (!check_alive(c)) return;
    const unsigned dir = nbd_aio_get_direction(c.handle);
    const short events = static_cast<short>(((dir & LIBNBD_AIO_DIRECTION_READ) ? POLLIN : 0) |
                                            ((dir & LIBNBD_AIO_DIRECTION_WRITE) ? POLLOUT : 0));
    if (c.armed) {
        if (events != c.events && !c.recall) recall_poll(c);  // on_poll arms again with the new events
        return;
    }
    if (events == 0) return;
    Operation& op = c.poll.op;
    op.file = c.fd;
    op.length = static_cast<std::uint32_t>(static_cast<unsigned short>(events));
    ++op.seq;                                             // a late cancel of the previous poll cannot hit this one
    op.canceled.store(false, std::memory_order_seq_cst);  // a recall's flag was for the previous poll
    c.events = events;
    c.armed = true;
    polling_.store(true, std::memory_order_seq_cst);
    TargetAccess::core(*this).submit(op);
}

void NbdTarget::on_poll(Operation& op, std::int64_t result) noexcept {
    auto& self = static_cast<NbdTarget&>(*Owned::of(op).object);
    Connection& c = self.connection_of(op);
    const bool recalled = std::exchange(c.recall, false);
    c.armed = false;
    if (result == -ECANCELED && !recalled) self.stopped_ = true;  // the engine is stopping
    if (result < 0 && result != -ECANCELED) {
        log(LogLevel::Warning, "%s: waiting for the socket failed (%s)", self.name().c_str(),
            std::strerror(static_cast<int>(-result)));
        self.connection_lost();
    } else if (result > 0) {
        int rc = 0;
        if (result & (POLLIN | POLLHUP | POLLERR)) rc = nbd_aio_notify_read(c.handle);
        if (rc == 0 && (result & POLLOUT)) rc = nbd_aio_notify_write(c.handle);
        if (rc == -1) self.connection_lost();
        else self.check_alive(c);
    }
    self.finish_done();
    if (self.stopped_) self.connection_lost();  // nothing more will come: fail what is still sent
    // A close waiting for abandoned commands' replies: done once they are in.
    const bool drop_hold = self.closing_ && !self.closed_ && self.drained_for_close() && self.finish_close();
    if (!self.stopped_) self.rearm(c);
    const bool armed = self.any_armed();
    if (self.dying_ && !armed) {
        self.polling_.store(false, std::memory_order_seq_cst);  // so that the release below deletes
        self.release();                                         // the last reference: deletes the target
        return;
    }
    // Last: once polling_ is false, a closer waiting in release_resources, or
    // the last reference's owner (last_reference_dropped), may destroy the
    // target as soon as the lock is free.
    {
        std::lock_guard lock(self.mutex_);
        self.polling_.store(armed, std::memory_order_seq_cst);
        self.poll_back_cv_.notify_all();
    }
    if (drop_hold) self.release();  // may delete the target: nothing of it is touched after
}

// False (and every request out completed) if the connection died — noticed
// by libnbd while reading replies, or while sending a command. One
// connection gone fails the target: start() reconnects them all.
bool NbdTarget::check_alive(Connection& c) {
    if (stopped_ || (!nbd_aio_is_dead(c.handle) && !nbd_aio_is_closed(c.handle))) return !stopped_;
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
    stop_polling();  // the other connections' polls too: nothing is sent until start() reconnects
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
