// The load through wdfio: per thread an Engine, a target, and --qd requests
// whose completion routines re-format each request with the next offset, set
// the routine again and re-send it — asynchronous sends only, no allocation
// and no synchronous call per request.
#pragma once
#include "bench_target.hpp"
#include "checked.hpp"
#include "load_plan.hpp"
#include "load_result.hpp"

#include <wdfio/engine.hpp>

#include <functional>

namespace wdfio::cli {

struct WdfioRun {
    LoadResult result;
    bool interrupted = false;       // tick ended it
    bool stopped_by_error = false;  // a request failed and plan.continue_on_error was off
    BackendKind backend = BackendKind::Uring;
};

// Called about every 100 ms on the calling thread with the counts so far;
// returning true ends the run there (Ctrl-C).
using LoadTick = std::function<bool(const LoadResult& so_far)>;
// Called once per thread's engine after the run, before it goes (--trace).
using EngineVisit = std::function<void(Engine& engine, unsigned index)>;

// Runs plan.threads engines for plan.seconds against fresh targets from
// `stack`. At the deadline (or when `tick` says so, or at the first failed
// request unless plan.continue_on_error) requests still in flight are
// cancelled through the framework (a purge of each target), not waited out;
// those cancellations are not failures. Failing to open the target or to
// format the first requests is a set-up failure; failed requests are counted.
Checked<WdfioRun> run_wdfio_load(const LoadPlan& plan, const StackSpec& stack, const LoadTick& tick = {},
                                 const EngineVisit& before_teardown = {});

// The seed and first block of thread `index`, shared with the raw baseline
// so that its one thread makes the offsets wdfio's first thread makes.
std::uint64_t load_seed(unsigned index) noexcept;
std::uint64_t first_block(const LoadPlan& plan, unsigned index) noexcept;

// A transfer buffer's contents: not zeros, so writes carry data.
void fill_buffer(void* data, std::size_t bytes, std::uint64_t seed) noexcept;

}  // namespace wdfio::cli
