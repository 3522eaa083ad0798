// The baseline of --compare-raw: the same load (block size, depth, offsets,
// time; one ring on a thread of its own per --threads, results summed) on raw
// liburing rings set up as wdfio's engine sets up its own — io_uring_queue_init_params, 256 entries,
// IORING_SETUP_CQSIZE with 4096 completion entries, the file registered as wdfio registers it; with
// --fixedbufs each slot's buffer registered (io_uring_register_buffers, one
// iovec per slot, as fio does) and sent with READ_FIXED/WRITE_FIXED.
#pragma once
#include "checked.hpp"
#include "load_plan.hpp"
#include "load_result.hpp"

#include <string>

namespace wdfio::cli {

Checked<LoadResult> run_raw_load(const LoadPlan& plan, const std::string& path);

}  // namespace wdfio::cli
