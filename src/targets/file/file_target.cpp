#include "targets/file/file_target.hpp"
#include "targets/target_kind.hpp"

#include <wdfio/engine.hpp>
#include <wdfio/log.hpp>

#include "core/memory_access.hpp"
#include "core/request_access.hpp"
#include "core/target_access.hpp"
#include "engine/engine_core.hpp"
#include "engine/engine_group.hpp"

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
    TargetAccess::spread(*this);
    const EngineGroup& group = TargetAccess::core(*this).group();
    engines_ = std::vector<PerEngine>(group.size());
    for (unsigned i = 0; i < group.size(); ++i) {
        PerEngine& e = engines_[i];
        e.core = &group.core(i);
        e.in_flight.owner = this;
        e.in_flight.retain = [](void* t) noexcept { static_cast<FileTarget*>(t)->add_ref(); };
        e.in_flight.release = [](void* t) noexcept { static_cast<FileTarget*>(t)->release(); };
        e.fixed_slot.store(e.core->register_file(fd), std::memory_order_relaxed);
    }
    seekable_ = lseek(fd_, 0, SEEK_CUR) >= 0;
    struct stat kind {};
    const bool known = fstat(fd_, &kind) == 0;
    socket_ = known && S_ISSOCK(kind.st_mode);
    block_device_ = known && S_ISBLK(kind.st_mode);
    if (const int fl = fcntl(fd_, F_GETFL); fl >= 0) access_ = fl & O_ACCMODE;
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
    for (PerEngine& e : engines_)
        if (const int slot = e.fixed_slot.exchange(-1); slot >= 0) e.core->unregister_file(slot);
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

// What the engine is asked to do: a read, write or send on the ring, or —
// ioctls, and everything on the threads backend — a Blocking operation that
// a worker carries out with run().
void FileTarget::start_io(Request& r) {
    const IoOperation& io = r.operation();
    Operation& op = RequestAccess::op(r);
    PerEngine& mine = engines_[op.core];
    EngineCore& core = *mine.core;
    op.ops = &kOps;
    op.list = &mine.in_flight;
    const bool ioctl = io.type == RequestType::DeviceControl;
    if (ioctl || core.backend() == BackendKind::Threads) {
        op.code = OpCode::Blocking;
        op.unbounded = ioctl || !seekable_;  // may wait without bound: the pool adds a thread rather than queue
        // Threads backend: a read the page cache answers now needs no worker.
        if (std::int64_t n; !ioctl && !RequestAccess::canceled(r) && read_without_waiting(io, n)) {
            core.complete_later(op, n);
            return;
        }
        core.submit(op);
        return;
    }
    const int slot = mine.fixed_slot.load(std::memory_order_relaxed);
    op.code = io.type == RequestType::Read ? OpCode::Read : socket_ ? OpCode::Send : OpCode::Write;
    op.fixed_file = slot >= 0;
    op.file = slot >= 0 ? slot : fd();
    op.data = io.data;
    const CompletionParams& params = r.completion_params();  // the Memory the window is of
    const Memory* memory = io.type == RequestType::Read ? params.read.buffer : params.write.buffer;
    op.buffer =
        op.code == OpCode::Send ? Operation::kNoBuffer : MemoryAccess::buffer_in(memory, core, io.data, io.length);
    op.length = static_cast<std::uint32_t>(io.length);  // checked at format: KMDF lengths are 32-bit
    op.offset = seekable_ ? io.device_offset : -1;
    core.submit(op);
}

// Decided from the format, not from the operation: a cancel can run while
// start_io is still filling that in.
bool FileTarget::cancel_io(Request& r) {
    Operation& op = RequestAccess::op(r);
    return engines_[op.core].core->cancel(op, r.operation().type == RequestType::DeviceControl);
}

void FileTarget::cancel_sent_io(bool include_ignore) {
    for (PerEngine& e : engines_)
        if (!e.core->gone()) e.core->cancel_list(e.in_flight, include_ignore);  // else it finished everything
}

// Engine thread: an OS result becomes the request's status and Information.
// An error means what this target says it means (status_from_errno); a read
// that returns 0 bytes of a non-empty ask hit the end: STATUS_END_OF_FILE.
void FileTarget::complete(Operation& op, std::int64_t result) noexcept {
    Request& r = RequestAccess::of(op);
    const IoOperation& io = r.operation();
    const auto& self = static_cast<const FileTarget&>(*RequestAccess::sent_target(r));
    if (result < 0) RequestAccess::lower_complete(r, self.status_from_errno(io, static_cast<int>(-result)), 0);
    else if (result == 0 && io.type == RequestType::Read && io.length > 0)
        RequestAccess::lower_complete(r, STATUS_END_OF_FILE, 0);
    else RequestAccess::lower_complete(r, STATUS_SUCCESS, static_cast<std::uint64_t>(result));
}

// A worker thread: the operation, blocking.
std::int64_t FileTarget::run(Operation& op, const WorkerContext& worker) {
    Request& r = RequestAccess::of(op);
    const IoOperation& io = r.operation();
    auto& self = static_cast<FileTarget&>(*RequestAccess::sent_target(r));
    return io.type == RequestType::DeviceControl ? self.run_ioctl(io) : self.run_transfer(op, io, worker);
}

// Threads backend: a read of a file or block device whose data is all in the
// page cache is done here and now (preadv2 with RWF_NOWAIT never blocks), not
// on a worker: no wake-up of another thread per request. Anything else — not
// cached, short, an error — goes to a worker, which reports it as it always has.
bool FileTarget::read_without_waiting(const IoOperation& io, std::int64_t& result) {
    if (!seekable_ || io.type != RequestType::Read || io.length == 0) return false;
    iovec v{io.data, static_cast<std::size_t>(io.length)};
    const ssize_t n = ::preadv2(fd(), &v, 1, io.device_offset, RWF_NOWAIT);
    if (n < 0 || static_cast<std::uint64_t>(n) != io.length) return false;
    result = n;
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

std::int64_t FileTarget::run_transfer(Operation& op, const IoOperation& io, const WorkerContext& worker) {
    const bool is_read = io.type == RequestType::Read;
    auto canceled = [&op] { return op.canceled.load(std::memory_order_seq_cst); };
    if (!seekable_) {
        // Streams may wait forever: wait in poll, where a cancel can reach us.
        pollfd fds[2] = {{fd(), static_cast<short>(is_read ? POLLIN : POLLOUT), 0}, {worker.cancel_fd, POLLIN, 0}};
        while (::poll(fds, 2, -1) < 0 || (fds[0].revents == 0 && fds[1].revents == 0)) {
            if (canceled()) break;
        }
        if (fds[1].revents || canceled()) return -ECANCELED;
    }
    long long res;
    if (seekable_) {
        res = is_read ? ::pread(fd(), io.data, io.length, io.device_offset)
                      : ::pwrite(fd(), io.data, io.length, io.device_offset);
    } else {
        res = is_read   ? ::read(fd(), io.data, io.length)
              : socket_ ? ::send(fd(), io.data, io.length, MSG_NOSIGNAL)  // a write would raise SIGPIPE
                        : ::write(fd(), io.data, io.length);
    }
    return res < 0 ? -errno : res;
}

// The ioctl's Information: what the kernel wrote back (_IOC_READ: the
// argument's size), the output buffer given for an unencoded number, or the
// call's return value when there is none.
std::int64_t FileTarget::run_ioctl(const IoOperation& io) {
    const unsigned dir = _IOC_DIR(io.ioctl_code);
    const std::uint64_t size = _IOC_SIZE(io.ioctl_code);
    void* arg;
    switch (dir) {
    case _IOC_NONE: arg = io.output ? io.output : io.input; break;  // unencoded numbers: the buffer given
    case _IOC_WRITE: arg = io.input; break;
    case _IOC_READ: arg = io.output; break;
    default:  // both ways through one buffer: the output, seeded from the input
        // size 0: nothing to seed, and the output may be absent (memcpy's pointers must not be null).
        if (size && io.input && io.input != io.output) std::memcpy(io.output, io.input, size);
        arg = io.output;
        break;
    }
    const int rc = ::ioctl(fd(), static_cast<unsigned long>(io.ioctl_code), arg);
    if (rc < 0) return -errno;
    if (dir & _IOC_READ) return static_cast<std::int64_t>(size);
    if (dir == _IOC_NONE) return io.output ? static_cast<std::int64_t>(io.output_length) : rc;
    return 0;
}

}  // namespace wdfio::detail
