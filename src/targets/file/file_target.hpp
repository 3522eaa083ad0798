// FileTarget: an OS descriptor — regular file, block or character device,
// FIFO, pipe or socket. Reads and writes go through the engine's io_uring;
// ioctls (and everything on the Threads backend, but for reads the page cache
// answers at once) run on the worker pool.
#pragma once
#include <wdfio/io_target.hpp>

#include "engine/operation.hpp"

#include <fcntl.h>

#include <string_view>
#include <vector>

namespace wdfio::detail {

class FileTarget final : public IoTarget {
public:
    static Result<Ref<IoTarget>> open(Engine& engine, std::string_view path, const OpenOptions& options);
    static Result<Ref<IoTarget>> from_fd(Engine& engine, int fd, std::string_view name);

    int fd() const noexcept { return fd_.load(std::memory_order_relaxed); }

private:
    Status check_format(const IoOperation& op) const override;
    void start_io(Request& r) override;
    bool cancel_io(Request& r) override;
    void cancel_sent_io(bool include_ignore) override;
    void release_resources() override;

    FileTarget(Engine& engine, std::string name, int fd, bool direct);
    ~FileTarget() override;
    static Result<Ref<IoTarget>> adopt(Engine& engine, std::string name, int fd, bool direct);
    bool read_without_waiting(const IoOperation& io, std::int64_t& result);
    Status check_direct(const IoOperation& op) const;
    Status check_access(const IoOperation& op) const;
    // The engine's callbacks for the operations this target starts.
    static void complete(Operation& op, std::int64_t result) noexcept;
    static std::int64_t run(Operation& op, const WorkerContext& worker);
    static constexpr OperationOps kOps{&FileTarget::complete, &FileTarget::run};
    // The status and Information of an OS result (bytes, or -errno).
    Status status_from_errno(const IoOperation& op, int err) const;
    std::int64_t run_transfer(Operation& op, const IoOperation& io, const WorkerContext& worker);
    std::int64_t run_ioctl(const IoOperation& io);

    // What the target keeps per engine thread (its requests are spread over them).
    struct PerEngine {
        EngineCore* core = nullptr;  // the engine thread
        // The operations in flight on that thread's ring, for stop, purge and close to cancel.
        OperationList in_flight;
        std::atomic<int> fixed_slot{-1};  // fd_'s registered-file slot in that ring, or -1
    };
    std::vector<PerEngine> engines_;  // one per engine thread, by Operation::core

    std::atomic<int> fd_;  // -1 once close has released it; read by the engine thread
    void unregister_file() noexcept;
    bool seekable_ = false;
    bool socket_ = false;
    bool block_device_ = false;
    mutable std::atomic<bool> logged_write_protected_{false};  // its log line once per target
    int access_ = O_RDWR;  // the descriptor's O_ACCMODE: a read-only one is not written, and the reverse
    bool direct_ = false;
    unsigned mem_align_ = 1;  // O_DIRECT: buffer address alignment
    unsigned off_align_ = 1;  // O_DIRECT: length and device offset alignment
};

}  // namespace wdfio::detail
