#include "targets/file/file_target.hpp"
#include "targets/target_kind.hpp"

#include <wdfio/engine.hpp>
#include <wdfio/log.hpp>

#include "core/request_access.hpp"
#include "engine/engine_core.hpp"
#include "engine/os_result.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <new>
#include <string>

namespace wdfio::detail {

namespace {
bool misaligned(std::uint64_t v, unsigned align) { return align > 1 && v % align != 0; }

// Whether fd is a block device set read-only (BLKROGET).
bool read_only_device(int fd) {
    struct stat st {};
    int ro = 0;
    return fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && ioctl(fd, BLKROGET, &ro) == 0 && ro != 0;
}

// An open for writing refused (EACCES, EPERM or EROFS, as kernels differ): for
// a read-only block device, STATUS_MEDIA_WRITE_PROTECTED, as Windows says.
bool write_protected_device(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return false;
    const bool ro = read_only_device(fd);
    ::close(fd);
    return ro;
}
}  // namespace

FileTarget::FileTarget(Engine& engine, std::string name, int fd, bool direct)
    : IoTarget(engine, std::move(name)), fd_(fd), direct_(direct) {
    seekable_ = lseek(fd_, 0, SEEK_CUR) >= 0;
    struct stat kind {};
    const bool known = fstat(fd_, &kind) == 0;
    socket_ = known && S_ISSOCK(kind.st_mode);
    block_device_ = known && S_ISBLK(kind.st_mode);
    if (const int fl = fcntl(fd_, F_GETFL); fl >= 0) access_ = fl & O_ACCMODE;
    fixed_slot_.store(EngineAccess::core(engine).register_file(fd), std::memory_order_relaxed);
    if (!direct_) return;
    struct stat st {};
    if (fstat(fd_, &st) == 0 && S_ISBLK(st.st_mode)) {  // O_DIRECT alignment: the logical block size
        int lbs = 512;
        ioctl(fd_, BLKSSZGET, &lbs);
        mem_align_ = off_align_ = static_cast<unsigned>(lbs);
        return;
    }
    mem_align_ = off_align_ = 512;
#ifdef STATX_DIOALIGN
    struct statx sx {};
    if (statx(fd_, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN) &&
        sx.stx_dio_offset_align) {
        mem_align_ = sx.stx_dio_mem_align;
        off_align_ = sx.stx_dio_offset_align;
    }
#endif
}

FileTarget::~FileTarget() {
    unregister_file();
    if (const int fd = fd_.load(); fd >= 0) ::close(fd);
}

void FileTarget::release_resources() {
    unregister_file();  // the ring's reference too, or the file would stay open
    ::close(fd_.exchange(-1));
}

void FileTarget::unregister_file() noexcept {
    if (const int slot = fixed_slot_.exchange(-1); slot >= 0) core().unregister_file(slot);
}

Result<Ref<IoTarget>> FileTarget::adopt(Engine& engine, std::string name, int fd, bool direct) {
    auto* t = new (std::nothrow) FileTarget(engine, std::move(name), fd, direct);
    if (!t) {
        ::close(fd);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return Ref<IoTarget>::adopt(t);
}

Result<Ref<IoTarget>> FileTarget::open(Engine& engine, std::string_view path, const OpenOptions& options) {
    if (!options.read && !options.write) {
        log(LogLevel::Warning, "open %.*s: ask for read, write or both", static_cast<int>(path.size()), path.data());
        return STATUS_INVALID_PARAMETER;
    }
    const std::string p(path);
    int flags = O_CLOEXEC | (options.read && options.write ? O_RDWR : options.read ? O_RDONLY : O_WRONLY);
    if (options.direct) flags |= O_DIRECT;
    if (options.create) flags |= O_CREAT;
    // A FIFO opened for one direction would block until the other side opens.
    struct stat st {};
    const bool fifo = stat(p.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
    int fd = ::open(p.c_str(), flags | (fifo ? O_NONBLOCK : 0), 0644);
    if (fd < 0) {
        const int err = errno;
        if (options.write && (err == EACCES || err == EPERM || err == EROFS) && S_ISBLK(st.st_mode) &&
            write_protected_device(p)) {
            log(LogLevel::Warning,
                "open %s: a read-only block device cannot be opened for writing; open it with "
                "OpenOptions::read_only(), or make it writable (blockdev --setrw)",
                p.c_str());
            return STATUS_MEDIA_WRITE_PROTECTED;
        }
        return Status::from_errno(err);
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        return STATUS_FILE_IS_A_DIRECTORY;
    }
    if (fifo) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return adopt(engine, p, fd, options.direct);
}

Result<Ref<IoTarget>> FileTarget::from_fd(Engine& engine, int fd, std::string_view name) {
    if (fd < 0) return STATUS_INVALID_HANDLE;
    const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return Status::from_errno(errno);
    const bool direct = (fcntl(copy, F_GETFL) & O_DIRECT) != 0;
    std::string n = name.empty() ? "fd:" + std::to_string(fd) : std::string(name);
    return adopt(engine, std::move(n), copy, direct);
}

// Paths: anything that is not a URI (a scheme followed by "://"), which
// belongs to a kind of its own (nbd://, ...) or to none.
const TargetKind kFileTargetKind{
    "a path (/dev/loop0, ./disk.img, /tmp/fifo)",
    [](std::string_view name) noexcept { return !name.empty() && name.find("://") == std::string_view::npos; },
    &FileTarget::open,
};

// ---------------------------------------------------------------- validation

Status FileTarget::check_direct(const IoOperation& op) const {
    const auto addr = reinterpret_cast<std::uintptr_t>(op.data);
    if (!misaligned(addr, mem_align_) && !misaligned(op.length, off_align_) &&
        !misaligned(static_cast<std::uint64_t>(op.device_offset), off_align_))
        return STATUS_SUCCESS;
    log(LogLevel::Warning,
        "%s is open with O_DIRECT: buffer address must be a multiple of %u and length and device offset of %u "
        "(got address %#lx, length %llu, offset %lld); use Memory::allocate buffers and aligned offsets",
        name().c_str(), mem_align_, off_align_, static_cast<unsigned long>(addr),
        static_cast<unsigned long long>(op.length), static_cast<long long>(op.device_offset));
    return STATUS_INVALID_PARAMETER;
}

// A descriptor open for one direction only: the OS would fail the other with
// EBADF (a bad handle, which it is not). Refused here, as the access it lacks.
Status FileTarget::check_access(const IoOperation& op) const {
    const bool write = op.type == RequestType::Write;
    if (access_ != (write ? O_RDONLY : O_WRONLY)) return STATUS_SUCCESS;
    if (write && read_only_device(fd())) {  // the more precise reason: even a read-write open could not write
        log(LogLevel::Warning,
            "%s is a read-only block device: it cannot be written (make it writable with "
            "blockdev --setrw, or attach a loop device without -r)",
            name().c_str());
        return STATUS_MEDIA_WRITE_PROTECTED;
    }
    log(LogLevel::Warning,
        "%s was opened for %s only, so it cannot be %s: open it with %s access (OpenOptions{} gives read and "
        "write), or give from_fd a descriptor opened for %s",
        name().c_str(), write ? "reading" : "writing", write ? "written" : "read", write ? "write" : "read",
        write ? "writing" : "reading");
    return STATUS_ACCESS_DENIED;
}

Status FileTarget::check_format(const IoOperation& op) const {
    switch (op.type) {
    case RequestType::Read:
    case RequestType::Write:
        if (Status s = check_access(op); !s.ok()) return s;
        if (op.length > UINT32_MAX) return STATUS_INVALID_PARAMETER;  // KMDF lengths are 32-bit
        if (seekable_ && op.device_offset < 0) return STATUS_INVALID_PARAMETER;
        return direct_ ? check_direct(op) : STATUS_SUCCESS;
    case RequestType::DeviceControl: {
        // The Linux number says what the kernel reads and writes; check sizes
        // here rather than let the kernel fault on a short buffer.
        const unsigned dir = _IOC_DIR(op.ioctl_code);
        const std::uint64_t size = _IOC_SIZE(op.ioctl_code);
        if ((dir & _IOC_READ) && op.output_length < size) return STATUS_BUFFER_TOO_SMALL;
        if (dir == _IOC_WRITE && op.input_length < size) return STATUS_BUFFER_TOO_SMALL;
        if (dir == (_IOC_READ | _IOC_WRITE) && op.input && op.input_length < size) return STATUS_BUFFER_TOO_SMALL;
        return STATUS_SUCCESS;
    }
    default: return STATUS_INVALID_DEVICE_REQUEST;  // internal ioctls are for in-process targets only
    }
}

// ---------------------------------------------------------------- I/O

bool FileTarget::uses_pool(const Request& r) const noexcept {
    return r.operation().type == RequestType::DeviceControl || core().backend() == BackendKind::Threads;
}

void FileTarget::start_io(Request& r) {
    EngineCore& core = this->core();
    if (uses_pool(r)) {
        core.operation_started();
        if (read_without_waiting(r)) core.post_completion(r);  // completes on the engine thread, as a worker's
        else core.pool().enqueue(r);
        return;
    }
    core.start_rw(r, fd(), fixed_slot_.load(std::memory_order_relaxed), seekable_ ? r.operation().device_offset : -1,
                  socket_);
}

bool FileTarget::cancel_io(Request& r) {
    if (uses_pool(r)) return core().pool().cancel(r);
    core().cancel_rw(r);  // io_uring: reaches the operation unless its completion is already due
    return true;
}

void FileTarget::cancel_sent_io(bool include_ignore) {
    EngineCore& core = this->core();
    if (core.gone()) return;  // the engine finished everything before it went
    core.pool().cancel_target(*this, include_ignore);
    if (include_ignore) cancel_include_ignore_.store(true, std::memory_order_release);
    core.cancel_sent(*this, cancel_sent_node_, cancel_sent_queued_);
}

// Threads backend: a read of a file or block device whose data is all in the
// page cache is done here and now (preadv2 with RWF_NOWAIT never blocks), not
// on a worker: no wake-up of another thread per request. Anything else — not
// cached, short, an error, already cancelled — goes to a worker, which
// reports it as it always has.
bool FileTarget::read_without_waiting(Request& r) {
    const IoOperation& op = r.operation();
    if (!seekable_ || op.type != RequestType::Read || op.length == 0 || RequestAccess::canceled(r)) return false;
    iovec v{op.data, static_cast<std::size_t>(op.length)};
    const ssize_t n = ::preadv2(fd(), &v, 1, op.device_offset, RWF_NOWAIT);
    if (n < 0 || static_cast<std::uint64_t>(n) != op.length) return false;
    RequestAccess::record_result(r, STATUS_SUCCESS, op.length);
    return true;
}

// A block device set read-only fails writes with EPERM (EACCES or EROFS on
// some kernels): the medium is write-protected, which Windows reports as
// STATUS_MEDIA_WRITE_PROTECTED. Elsewhere those stay STATUS_ACCESS_DENIED.
Status FileTarget::status_from_errno(const IoOperation& op, int err) const {
    if (!block_device_ || op.type != RequestType::Write || (err != EPERM && err != EACCES && err != EROFS))
        return Status::from_errno(err);
    if (!logged_write_protected_.exchange(true, std::memory_order_relaxed))
        log(LogLevel::Warning,
            "%s is a read-only block device: writes fail with STATUS_MEDIA_WRITE_PROTECTED "
            "(make it writable with blockdev --setrw, or attach a loop device without -r)",
            name().c_str());
    return STATUS_MEDIA_WRITE_PROTECTED;
}

void FileTarget::run_blocking(Request& r, WorkerContext& worker) {
    if (r.operation().type == RequestType::DeviceControl) run_ioctl(r);
    else run_transfer(r, worker);
}

void FileTarget::run_transfer(Request& r, WorkerContext& worker) {
    const IoOperation& op = r.operation();
    const bool is_read = op.type == RequestType::Read;
    if (!seekable_) {
        // Streams may wait forever: wait in poll, where a cancel can reach us.
        pollfd fds[2] = {{fd(), static_cast<short>(is_read ? POLLIN : POLLOUT), 0}, {worker.cancel_fd, POLLIN, 0}};
        while (::poll(fds, 2, -1) < 0 || (fds[0].revents == 0 && fds[1].revents == 0)) {
            if (RequestAccess::canceled(r)) break;
        }
        if (fds[1].revents || RequestAccess::canceled(r)) {
            RequestAccess::record_result(r, STATUS_CANCELLED, 0);
            return;
        }
    }
    long long res;
    if (seekable_) {
        res = is_read ? ::pread(fd(), op.data, op.length, op.device_offset)
                      : ::pwrite(fd(), op.data, op.length, op.device_offset);
    } else {
        res = is_read   ? ::read(fd(), op.data, op.length)
              : socket_ ? ::send(fd(), op.data, op.length, MSG_NOSIGNAL)  // a write would raise SIGPIPE
                        : ::write(fd(), op.data, op.length);
    }
    if (res < 0) res = -errno;
    const OsResult o = os_result(*this, op, res);
    RequestAccess::record_result(r, o.status, o.information);
}

void FileTarget::run_ioctl(Request& r) {
    const IoOperation& op = r.operation();
    const unsigned dir = _IOC_DIR(op.ioctl_code);
    const std::uint64_t size = _IOC_SIZE(op.ioctl_code);
    void* arg;
    switch (dir) {
    case _IOC_NONE: arg = op.output ? op.output : op.input; break;  // unencoded numbers: the buffer given
    case _IOC_WRITE: arg = op.input; break;
    case _IOC_READ: arg = op.output; break;
    default:  // both ways through one buffer: the output, seeded from the input
        if (op.input && op.input != op.output) std::memcpy(op.output, op.input, size);
        arg = op.output;
        break;
    }
    const int rc = ::ioctl(fd(), static_cast<unsigned long>(op.ioctl_code), arg);
    if (rc < 0) {
        RequestAccess::record_result(r, Status::from_errno(errno), 0);
        return;
    }
    std::uint64_t information = 0;
    if (dir & _IOC_READ) information = size;
    else if (dir == _IOC_NONE) information = op.output ? op.output_length : static_cast<std::uint64_t>(rc);
    RequestAccess::record_result(r, STATUS_SUCCESS, information);
}

}  // namespace wdfio::detail
