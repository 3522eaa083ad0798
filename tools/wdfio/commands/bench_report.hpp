// The bench's output: a short table, or one JSON object (--json).
#pragma once
#include "load_plan.hpp"
#include "load_result.hpp"

#include <cstdio>
#include <optional>
#include <string>

namespace wdfio::cli {

struct BenchReport {
    std::string target;       // what was measured: the path, or the stack
    std::string target_kind;  // "file", "block", "ram"
    LoadPlan plan;
    std::string backend;  // wdfio's engine backend
    LoadResult wdfio;
    std::optional<LoadResult> raw;  // --compare-raw
    bool stopped_at_first_error = false;
    bool interrupted = false;
    std::optional<std::string> flush;  // write loads on a path: "ok", or what failed

    double ratio() const noexcept { return raw && raw->iops() > 0 ? wdfio.iops() / raw->iops() : 0; }
    std::uint64_t errors() const noexcept { return wdfio.errors + (raw ? raw->errors : 0); }
};

void print_text(const BenchReport& report, std::FILE* out);
void print_json(const BenchReport& report, std::FILE* out);

}  // namespace wdfio::cli
