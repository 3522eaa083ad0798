#include "engine/uring_backend.hpp"

#include "core/request_access.hpp"
#include "core/target_access.hpp"
#include "engine/os_result.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace wdfio::detail {

namespace {
// user_data below 64 is never a request (requests are 64-byte aligned); a
// request's user_data carries its send sequence in the low 6 bits so that a
// late cancel cannot hit the next send of the same request.
constexpr std::uint64_t kEventTag = 1;
constexpr std::uint64_t kCancelTag = 2;
constexpr std::uint64_t kTagMask = 63;
constexpr unsigned kFixedFiles = 256;  // open file targets beyond this use plain fds

std::uint64_t user_data(Request& r, std::uint32_t seq) {
    return reinterpret_cast<std::uintptr_t>(&r) | (seq & kTagMask);
}
}  // namespace

UringBackend::UringBackend(EngineCore& core, unsigned entries, Status& status) : core_(core) {
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

void UringBackend::start_rw(Request& r, int fd, int fixed_slot, long long offset, bool socket) {
    const IoOperation& op = r.operation();
    io_uring_sqe* s = sqe();
    const auto len = static_cast<unsigned>(op.length);
    const int file = fixed_slot >= 0 ? fixed_slot : fd;
    if (op.type == RequestType::Read) io_uring_prep_read(s, file, op.data, len, static_cast<__u64>(offset));
    else if (socket) io_uring_prep_send(s, file, op.data, len, MSG_NOSIGNAL);  // a write would raise SIGPIPE
    else io_uring_prep_write(s, file, op.data, len, static_cast<__u64>(offset));
    if (fixed_slot >= 0) s->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(s, user_data(r, RequestAccess::send_seq(r)));
    TargetAccess::link_engine(r);
}

void UringBackend::cancel(Request& r) {
    io_uring_sqe* s = sqe();
    io_uring_prep_cancel64(s, user_data(r, r.cancel_seq_.load(std::memory_order_acquire)), 0);
    io_uring_sqe_set_data64(s, kCancelTag);
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
        auto* r = reinterpret_cast<Request*>(ud & ~kTagMask);
        TargetAccess::unlink_engine(*r);
        const OsResult o = os_result(*RequestAccess::sent_target(*r), r->operation(), res);
        core_.deliver(*r, o.status, o.information);
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
