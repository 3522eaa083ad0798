// Xorshift64: a few cycles per number, so that the generator does not blur a
// measurement. Shared by `wdfio bench` and the benchmarks in bench/, so that
// wdfio and its raw baselines draw the same offsets when seeded alike.
#pragma once
#include <cstdint>

namespace wdfio::cli {

struct Xorshift64 {
    std::uint64_t state;  // not 0
    std::uint64_t next() noexcept {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
};

}  // namespace wdfio::cli
