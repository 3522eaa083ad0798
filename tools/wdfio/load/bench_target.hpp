// BenchTarget: the IoTarget one engine's requests go to, and what keeps it
// up — an opened path, or a built-in stack: a RamDisk with an optional
// FaultFilter above it and pass-through filters above that.
#pragma once
#include "target_spec.hpp"

#include <wdfio/engine.hpp>
#include <wdfio/fault_filter.hpp>
#include <wdfio/io_target.hpp>
#include <wdfio/result.hpp>

#include <memory>
#include <optional>
#include <string>

namespace wdfio::cli {

struct StackSpec {
    TargetSpec target;
    unsigned filters = 0;              // pass-through filters (ram: only)
    std::optional<FaultConfig> fault;  // a FaultFilter (ram: only)
    bool direct = false;               // O_DIRECT (paths only)
    bool writes = false;               // open for writing too
};

class BenchTarget {
public:
    virtual ~BenchTarget() = default;  // closes the target: every routine has returned after it
    virtual IoTarget& target() noexcept = 0;
};

// A fresh target on `engine`. `index` tells the stacks of several threads
// apart (each fault filter gets its own seed).
Result<std::unique_ptr<BenchTarget>> open_bench_target(Engine& engine, const StackSpec& spec, unsigned index);

// "2 pass-through filters > fault filter (fail 10% ...) > RAM disk 64 MiB", or the path.
std::string describe_stack(const StackSpec& spec);

}  // namespace wdfio::cli
