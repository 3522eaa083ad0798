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

namespace wdfio::cli {

struct WdfioRun {
    LoadResult result;
    BackendKind backend = BackendKind::Uring;
};

// Runs plan.threads engines for plan.seconds against fresh targets from
// `stack`. Failing to open the target or to format the first requests is a
// run failure; failed requests are counted in the result.
Checked<WdfioRun> run_wdfio_load(const LoadPlan& plan, const StackSpec& stack);

// The seed and first block of thread `index`, shared with the raw baseline
// so that its one thread makes the offsets wdfio's first thread makes.
std::uint64_t load_seed(unsigned index) noexcept;
std::uint64_t first_block(const LoadPlan& plan, unsigned index) noexcept;

// A transfer buffer's contents: not zeros, so writes carry data.
void fill_buffer(void* data, std::size_t bytes, std::uint64_t seed) noexcept;

}  // namespace wdfio::cli
