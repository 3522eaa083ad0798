#include "load_plan.hpp"

#include "size_arg.hpp"

#include <wdfio/engine.hpp>

namespace wdfio::cli {

namespace {
constexpr std::uint64_t kMaxBlock = 64ull << 20;  // far below the 32-bit length limit of a transfer
constexpr long long kMaxDepth = 4096;             // the completion ring of wdfio's engine holds 4096
constexpr long long kMaxThreads = 256;
constexpr unsigned kDirectAlign = 512;

bool set_rw(std::string_view rw, LoadPlan& plan) {
    struct Kind {
        std::string_view name;
        Access access;
        Mix mix;
    };
    static constexpr Kind kKinds[] = {
        {"read", Access::Sequential, Mix::Read}, {"write", Access::Sequential, Mix::Write},
        {"randread", Access::Random, Mix::Read}, {"randwrite", Access::Random, Mix::Write},
        {"randrw", Access::Random, Mix::Mixed},  {"rw", Access::Sequential, Mix::Mixed},
    };
    for (const Kind& k : kKinds) {
        if (k.name != rw) continue;
        plan.access = k.access;
        plan.mix = k.mix;
        return true;
    }
    return false;
}
}  // namespace

Checked<LoadPlan> make_load_plan(const LoadArgs& args) {
    LoadPlan plan;
    plan.rw = args.rw;
    if (!set_rw(args.rw, plan))
        return bad_input("unknown --rw '" + args.rw + "': use read, write, rw, randread, randwrite or randrw");

    const auto bs = parse_size(args.bs);
    if (!bs) return bad_input("--bs '" + args.bs + "' is not a size: give bytes or a K/M/G suffix, e.g. 4k");
    if (*bs == 0) return bad_input("--bs must be more than 0, e.g. 4k");
    if (*bs > kMaxBlock) return bad_input("--bs " + args.bs + " is too large: at most 64M");
    if (args.direct && *bs % kDirectAlign != 0)
        return bad_input("--bs " + args.bs + " with --direct must be a multiple of 512 (O_DIRECT alignment)");
    plan.block_bytes = *bs;

    if (args.qd < 1 || args.qd > kMaxDepth) return bad_input("--qd must be between 1 and 4096");
    plan.queue_depth = static_cast<unsigned>(args.qd);
    if (!(args.seconds > 0) || args.seconds > 86400)
        return bad_input("--time must be more than 0 seconds (and at most a day), e.g. --time 5");
    plan.seconds = args.seconds;
    if (args.threads < 1 || args.threads > kMaxThreads) return bad_input("--threads must be between 1 and 256");
    plan.threads = static_cast<unsigned>(args.threads);
    if (args.engines < 0 || args.engines > Engine::kMaxEngineThreads)
        return bad_input(
            "--engines must be between 0 (an engine per thread) and 64 (engine threads of one engine; e.g. one per "
            "CPU)");
    plan.engines = static_cast<unsigned>(args.engines);
    plan.direct = args.direct;
    plan.fixed_buffers = args.fixed_buffers;
    return plan;
}

}  // namespace wdfio::cli
