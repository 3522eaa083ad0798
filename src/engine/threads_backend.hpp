// ThreadsBackend: the portable fallback. I/O runs on the worker pool (but for
// reads the page cache answers at once: FileTarget::read_without_waiting); the
// engine thread only runs completions, sleeping on its eventfd.
#pragma once
#include "engine/engine_core.hpp"

namespace wdfio::detail {

class ThreadsBackend final : public Backend {
public:
    explicit ThreadsBackend(EngineCore& core) : core_(core) {}

    void start(Operation& op) override { core_.pool().enqueue(op); }
    void cancel(Operation& op) override { core_.pool().cancel(op); }
    void cancel_list(OperationList&, bool) override {}  // EngineCore::cancel_list asks the pool
    void cancel_everything() override { core_.pool().cancel_all(); }
    int reap() override { return 0; }
    bool has_ready() override { return false; }
    void wait(std::int64_t timeout_ns) override;

private:
    EngineCore& core_;
};

}  // namespace wdfio::detail
