#include "engine/engine_group.hpp"

#include <wdfio/log.hpp>

#include "engine/engine_core.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <thread>

namespace wdfio::detail {

namespace {
// The sending thread's turn, taken at its first send to a group of more than
// one engine thread: a stable choice that deals threads round the group.
std::atomic<unsigned> g_next_turn{0};
thread_local unsigned t_turn = UINT_MAX;
}  // namespace

unsigned EngineGroup::cpus() noexcept {
    cpu_set_t set;
    CPU_ZERO(&set);
    const int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    return std::clamp(n > 0 ? static_cast<unsigned>(n) : std::thread::hardware_concurrency(), 1u, kMaxEngines);
}

unsigned EngineGroup::count(const EngineOptions& options) {
    if (options.engines > kMaxEngines)
        log(LogLevel::Warning, "EngineOptions::engines is %u; an engine has at most %u engine threads: using %u",
            options.engines, kMaxEngines, kMaxEngines);
    if (options.engines > 0) return std::min(options.engines, kMaxEngines);
    const char* env = std::getenv("WDFIO_ENGINES");
    if (!env || !*env) return cpus();
    char* end = nullptr;
    const unsigned long n = std::strtoul(env, &end, 10);
    if (*end == '\0' && n >= 1 && n <= kMaxEngines) return static_cast<unsigned>(n);
    log(LogLevel::Warning, "WDFIO_ENGINES=%s is not a number of engine threads from 1 to %u; using one per CPU (%u)",
        env, kMaxEngines, cpus());
    return cpus();
}

EngineGroup::EngineGroup(const EngineOptions& options, const OwnerOps& owner) {
    const unsigned n = count(options);
    cores_.reserve(n);
    for (unsigned i = 0; i < n; ++i) cores_.push_back(std::make_unique<EngineCore>(options, owner, *this, i));
}

EngineGroup::~EngineGroup() { shutdown(); }

void EngineGroup::shutdown() {
    for (unsigned i = size(); i-- > 0;) cores_[i]->shutdown();
}

unsigned EngineGroup::pick() const noexcept {
    if (cores_.size() == 1) return 0;
    if (const EngineCore* here = EngineCore::current(); here && &here->group() == this) return here->index();
    if (t_turn == UINT_MAX) t_turn = g_next_turn.fetch_add(1, std::memory_order_relaxed);
    return t_turn % size();
}

bool EngineGroup::has_ring(unsigned index) const noexcept { return core(index).backend() == BackendKind::Uring; }

int EngineGroup::register_buffer(void* data, std::size_t bytes) {
    std::lock_guard lock(buffers_mutex_);
    int slot = -EOPNOTSUPP;  // stays so without a ring
    for (unsigned i = 0; i < size(); ++i) {
        if (!has_ring(i)) continue;  // its workers need no slot
        const int got = core(i).register_buffer(data, bytes, slot < 0 ? -1 : slot);
        if (got < 0) {
            if (slot >= 0) unregister_buffer_locked(slot, i);
            return got;
        }
        slot = got;
    }
    return slot;
}

void EngineGroup::unregister_buffer(int slot) {
    std::lock_guard lock(buffers_mutex_);
    unregister_buffer_locked(slot, size());
}

void EngineGroup::unregister_buffer_locked(int slot, unsigned below) noexcept {
    for (unsigned i = 0; i < below; ++i)
        if (has_ring(i)) core(i).unregister_buffer(slot);
}

bool EngineGroup::on_engine_thread() const noexcept {
    const EngineCore* here = EngineCore::current();
    return here && &here->group() == this;
}

}  // namespace wdfio::detail
