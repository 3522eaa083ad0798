#include "engine/uring_backend.hpp"

#include "engine/sigpipe.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cassert>
#include <cerrno>

namespace wdfio::detail {

namespace {
// user_data below 64 is never an operation (operations live in user memory,
// far above); an operation's user_data carries its start sequence in the top
// 16 bits — user-space addresses fit in 48 bits unless a program asks the
// kernel for more — so that a late cancel cannot hit a later start of the
// same operation.
constexpr std::uint64_t kEventTag = 1;
constexpr std::uint64_t kCancelTag = 2;
constexpr int kSeqShift = 48;
constexpr std::uint64_t kAddressMask = (std::uint64_t{1} << kSeqShift) - 1;
constexpr unsigned kFixedFiles = 256;  // open file targets beyond this use plain fds

std::uint64_t user_data(Operation& op, std::uint32_t seq) {
    return reinterpret_cast<std::uintptr_t>(&op) | (std::uint64_t{seq & 0xFFFF} << kSeqShift);
}

// io_uring operations in flight, per list (engine thread only).
void link(Operation& op) noexcept {
    OperationList* l = op.list;
    if (!l) return;
    op.prev = nullptr;
    op.next = l->head;
    if (l->head) l->head->prev = &op;
    l->head = &op;
}
void unlink(Operation& op) noexcept {
    OperationList* l = op.list;
    if (!l) return;
    if (op.prev) op.prev->next = op.next;
    else l->head = op.next;
    if (op.next) op.next->prev = op.prev;
    op.next = op.prev = nullptr;
}
}  // namespace

UringBackend::UringBackend(EngineCore& core, unsigned entries, unsigned buffers, Status& status) : core_(core) {
    io_uring_params p{};
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = entries * 16;  // deep queues of reads complete in bursts
    int rc = io_uring_queue_init_params(entries, &ring_, &p);
    if (rc < 0) {
        status = Status::from_errno(-rc);
        return;
    }
    ready_ = true;
    if (io_uring_register_files_sparse(&ring_, kFixedFiles) == 0)  // else: plain fds only
        for (int slot = kFixedFiles - 1; slot >= 0; --slot) free_file_slots_.push_back(slot);
    // Sparse: no memory is pinned until a buffer is put in a slot (register_buffer).
    buffer_table_ = buffers == 0 || io_uring_register_buffers_sparse(&ring_, buffers) == 0;  // 0: no slots, no table
    if (buffer_table_)
        for (int slot = static_cast<int>(buffers) - 1; slot >= 0; --slot) free_buffer_slots_.push_back(slot);
    arm_eventfd();
    io_uring_submit(&ring_);
}

UringBackend::~UringBackend() {
    if (ready_) io_uring_queue_exit(&ring_);
}

io_uring_sqe* UringBackend::sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    while (!s) {  // SQ full: hand what we have to the kernel and take a fresh slot
        io_uring_submit(&ring_);
        s = io_uring_get_sqe(&ring_);
    }
    return s;
}

void UringBackend::arm_eventfd() {
    io_uring_sqe* s = sqe();
    io_uring_prep_read(s, core_.event_fd(), &event_buf_, sizeof event_buf_, 0);
    io_uring_sqe_set_data64(s, kEventTag);
}

int UringBackend::register_file(int fd) {
    std::lock_guard lock(files_mutex_);
    if (free_file_slots_.empty()) return -1;
    const int slot = free_file_slots_.back();
    if (io_uring_register_files_update(&ring_, static_cast<unsigned>(slot), &fd, 1) != 1) return -1;
    free_file_slots_.pop_back();
    return slot;
}

void UringBackend::unregister_file(int slot) {
    int none = -1;
    std::lock_guard lock(files_mutex_);
    io_uring_register_files_update(&ring_, static_cast<unsigned>(slot), &none, 1);
    free_file_slots_.push_back(slot);
}

int UringBackend::register_buffer(void* data, std::size_t size, int want) {
    std::lock_guard lock(buffers_mutex_);
    if (!buffer_table_) return -EOPNOTSUPP;  // the kernel refused the table (sparse tables: Linux 5.19)
    const auto at = want < 0 ? free_buffer_slots_.end() - (free_buffer_slots_.empty() ? 0 : 1)
                             : std::find(free_buffer_slots_.begin(), free_buffer_slots_.end(), want);
    if (at == free_buffer_slots_.end()) return -ENOBUFS;
    const int slot = *at;
    iovec iov{data, size};
    const __u64 tag = 0;
    const int rc = io_uring_register_buffers_update_tag(&ring_, static_cast<unsigned>(slot), &iov, &tag, 1);
    if (rc != 1) return rc < 0 ? rc : -EIO;
    free_buffer_slots_.erase(at);
    return slot;
}

void UringBackend::unregister_buffer(int slot) {
    // An empty entry: the kernel drops its pin once the operations still using the old one finish.
    iovec none{nullptr, 0};
    const __u64 tag = 0;
    std::lock_guard lock(buffers_mutex_);
    io_uring_register_buffers_update_tag(&ring_, static_cast<unsigned>(slot), &none, &tag, 1);
    free_buffer_slots_.push_back(slot);
}

void UringBackend::start(Operation& op) {
    assert((reinterpret_cast<std::uintptr_t>(&op) & ~kAddressMask) == 0);  // see user_data
    io_uring_sqe* s = sqe();
    const auto offset = static_cast<__u64>(op.offset);  // -1: the file position (streams)
    switch (op.code) {
    case OpCode::Read:
        if (op.buffer != Operation::kNoBuffer)
            io_uring_prep_read_fixed(s, op.file, op.data, op.length, offset, op.buffer);
        else io_uring_prep_read(s, op.file, op.data, op.length, offset);
        break;
    case OpCode::Write:
        if (op.buffer != Operation::kNoBuffer)
            io_uring_prep_write_fixed(s, op.file, op.data, op.length, offset, op.buffer);
        else io_uring_prep_write(s, op.file, op.data, op.length, offset);
        break;
    case OpCode::Send: io_uring_prep_send(s, op.file, op.data, op.length, MSG_NOSIGNAL); break;
    case OpCode::Poll: io_uring_prep_poll_add(s, op.file, op.length); break;
    case OpCode::Blocking: io_uring_prep_nop(s); break;  // not ours: EngineCore gives these to workers
    }
    if (op.fixed_file) s->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(s, user_data(op, op.seq));
    link(op);
}

void UringBackend::cancel(Operation& op) {
    io_uring_sqe* s = sqe();
    io_uring_prep_cancel64(s, user_data(op, op.cancel_seq.load(std::memory_order_acquire)), 0);
    io_uring_sqe_set_data64(s, kCancelTag);
}

void UringBackend::cancel_list(OperationList& list, bool include_sticky) {
    // Each listed operation is unfinished (it leaves the list when reaped),
    // so its owner cannot reuse it while we walk.
    for (Operation* op = list.head; op; op = op->next) {
        if (op->sticky && !include_sticky) continue;
        op->canceled.store(true, std::memory_order_seq_cst);
        op->cancel_seq.store(op->seq, std::memory_order_release);
        cancel(*op);
    }
}

void UringBackend::cancel_everything() {
    io_uring_sqe* s = sqe();
    io_uring_prep_cancel64(s, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(s, kCancelTag);
}

int UringBackend::reap() {
    if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
    int handled = 0;
    io_uring_cqe* cqe;
    // Bounded, so that routines re-sending cached reads cannot starve hand-overs.
    while (handled < 512 && io_uring_peek_cqe(&ring_, &cqe) == 0) {
        const std::uint64_t ud = io_uring_cqe_get_data64(cqe);
        const int res = cqe->res;
        io_uring_cqe_seen(&ring_, cqe);  // advance first: the routine may reap again
        ++handled;
        if (ud == kEventTag) {
            core_.woken();
            arm_eventfd();
            continue;
        }
        if (ud < 64) continue;  // cancel results decide nothing (spec §13)
        auto* op = reinterpret_cast<Operation*>(ud & kAddressMask);
        unlink(*op);
        if (res == -EPIPE) consume_pending_sigpipe();  // ours: the engine thread wrote to the pipe
        core_.deliver(*op, res);
    }
    return handled;
}

void UringBackend::wait(std::int64_t timeout_ns) {
    if (timeout_ns < 0) {
        io_uring_submit_and_wait(&ring_, 1);
        return;
    }
    // A ring-level timeout (no SQE): the one timer that drives the wheel.
    __kernel_timespec ts{timeout_ns / 1'000'000'000, timeout_ns % 1'000'000'000};
    io_uring_cqe* cqe;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
}

}  // namespace wdfio::detail
