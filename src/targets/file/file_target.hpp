// FileTarget: an OS descriptor — regular file, block or character device,
// FIFO, pipe or socket. Reads and writes go through the engine's io_uring;
// ioctls (and everything on the Threads backend, but for reads the page cache
// answers at once) run on the worker pool.
#pragma once
#include <wdfio/io_target.hpp>

#include <fcntl.h>

#include <string_view>

namespace wdfio::detail {

class FileTarget final : public IoTarget {
public:
    static Result<Ref<IoTarget>> open(Engine& engine, std::string_view path, const OpenOptions& options);
    static Result<Ref<IoTarget>> from_fd(Engine& engine, int fd, std::string_view name);

    int fd() const noexcept { return fd_.load(std::memory_order_relaxed); }

protected:
    Status check_format(const IoOperation& op) const override;
    void start_io(Request& r) override;
    bool cancel_io(Request& r) override;
    void cancel_sent_io(bool include_ignore) override;
    void release_resources() override;
    Status status_from_errno(const IoOperation& op, int err) const override;
    void run_blocking(Request& r, WorkerContext& worker) override;
    bool may_wait_indefinitely(const Request& r) const override {
        return !seekable_ || r.operation().type == RequestType::DeviceControl;
    }

private:
    FileTarget(Engine& engine, std::string name, int fd, bool direct);
    ~FileTarget() override;
    static Result<Ref<IoTarget>> adopt(Engine& engine, std::string name, int fd, bool direct);
    bool uses_pool(const Request& r) const noexcept;
    bool read_without_waiting(Request& r);
    Status check_direct(const IoOperation& op) const;
    Status check_access(const IoOperation& op) const;
    void run_transfer(Request& r, WorkerContext& worker);
    void run_ioctl(Request& r);

    std::atomic<int> fd_;              // -1 once close has released it; read by the engine thread
    std::atomic<int> fixed_slot_{-1};  // fd_'s registered-file slot in the engine's ring, or -1
    void unregister_file() noexcept;
    bool seekable_ = false;
    bool socket_ = false;
    bool block_device_ = false;
    mutable std::atomic<bool> logged_write_protected_{false};  // its log line once per target
    int access_ = O_RDWR;  // the descriptor's O_ACCMODE: a read-only one is not written, and the reverse  // written
                           // with send(MSG_NOSIGNAL): a write() would raise SIGPIPE
    bool direct_ = false;
    unsigned mem_align_ = 1;  // O_DIRECT: buffer address alignment
    unsigned off_align_ = 1;  // O_DIRECT: length and device offset alignment
};

}  // namespace wdfio::detail
