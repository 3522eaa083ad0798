// UringBackend: one io_uring; reads and writes go straight into the SQ,
// completions are reaped in batches, one read on the engine's eventfd stays
// armed so other threads can wake the loop.
#pragma once
#include "engine/engine_core.hpp"

#include <liburing.h>

#include <mutex>
#include <vector>

namespace wdfio::detail {

class UringBackend final : public Backend {
public:
    // Sets `status` and leaves the object unusable if the ring cannot be set up.
    // buffers: the registered-buffer slots to set up (a sparse table; none if the kernel refuses).
    UringBackend(EngineCore& core, unsigned entries, unsigned buffers, Status& status);
    ~UringBackend() override;

    void start(Operation& op) override;
    int register_file(int fd) override;
    void unregister_file(int slot) override;
    int register_buffer(void* data, std::size_t size, int want) override;
    void unregister_buffer(int slot) override;
    void cancel(Operation& op) override;
    void cancel_list(OperationList& list, bool include_sticky) override;
    void cancel_everything() override;
    int reap() override;
    bool has_ready() override { return io_uring_cq_ready(&ring_) > 0; }
    void wait(std::int64_t timeout_ns) override;

private:
    io_uring_sqe* sqe();
    void arm_eventfd();

    EngineCore& core_;
    io_uring ring_{};
    bool ready_ = false;
    std::uint64_t event_buf_ = 0;
    // Registered files: a sparse table set up once; slots are handed out to
    // file targets from any thread (the kernel serialises the updates).
    std::mutex files_mutex_;
    std::vector<int> free_file_slots_;
    // Registered buffers: the same, for Memory::allocate_registered.
    std::mutex buffers_mutex_;
    std::vector<int> free_buffer_slots_;
    bool buffer_table_ = false;
};

}  // namespace wdfio::detail
