// EngineGroup: an Engine's engine threads, one EngineCore each (its own ring,
// timer wheel and worker pool), and the choice of the thread a
// send goes to. A send made on one of the group's engine threads stays on it;
// one from any other thread goes to the engine thread chosen for that thread
// once (its first send: threads are dealt round the group in turn), so that
// no single thread carries every request.
#pragma once
#include <wdfio/engine.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace wdfio::detail {

class EngineCore;
struct OwnerOps;

class EngineGroup {
public:
    // The number of engine threads options ask for: EngineOptions::engines, else
    // WDFIO_ENGINES if set (a bad value: a log line and the default), else cpus().
    static unsigned count(const EngineOptions& options);
    static constexpr unsigned kMaxEngines = Engine::kMaxEngineThreads;
    // The CPUs this process may run on (its affinity mask), from 1 to kMaxEngines.
    static unsigned cpus() noexcept;

    EngineGroup(const EngineOptions& options, const OwnerOps& owner);
    virtual ~EngineGroup();
    EngineGroup(const EngineGroup&) = delete;
    EngineGroup& operator=(const EngineGroup&) = delete;
    // Stops every engine thread, finishing what each carries: the first (the
    // one everything not spread over the group runs on) last, so that the
    // others' routines can still hand work to it while they drain.
    void shutdown();

    unsigned size() const noexcept { return static_cast<unsigned>(cores_.size()); }
    EngineCore& core(unsigned index) const noexcept { return *cores_[index]; }
    EngineCore& primary() const noexcept { return *cores_[0]; }
    // The engine thread (an index) for a send made on the calling thread.
    unsigned pick() const noexcept;
    // On one of this group's engine threads.
    bool on_engine_thread() const noexcept;
    // [data, data + size) in one registered-buffer slot, the same in the ring
    // of every engine thread that has one (a request may go to any of them),
    // or -errno as EngineCore::register_buffer. Any thread.
    int register_buffer(void* data, std::size_t bytes);
    void unregister_buffer(int slot);

private:
    bool has_ring(unsigned index) const noexcept;                      // io_uring: registered buffers are its
    void unregister_buffer_locked(int slot, unsigned below) noexcept;  // from the engine threads below `below`

    std::vector<std::unique_ptr<EngineCore>> cores_;
    std::mutex buffers_mutex_;  // one slot at a time, so that the rings' free slots stay alike
};

}  // namespace wdfio::detail
