// LoadPlan: the load a bench run puts on a target — what the command line
// asked for, checked — and the stream of offsets and operations it makes.
#pragma once
#include "checked.hpp"
#include "xorshift64.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wdfio::cli {

enum class Access : std::uint8_t { Sequential, Random };
enum class Mix : std::uint8_t { Read, Write, Mixed };  // Mixed: each request 50/50

// Recorder events kept per ring when a run is traced (64 bytes each: 16 MiB
// a ring); a longer run keeps its last ones, and the trace says so.
constexpr std::size_t kTraceEvents = std::size_t{1} << 18;

struct LoadPlan {
    std::string rw;  // as given: read, write, randread, randwrite, randrw
    Access access = Access::Random;
    Mix mix = Mix::Read;
    std::uint64_t block_bytes = 4096;
    unsigned queue_depth = 1;  // requests in flight per thread
    double seconds = 1;
    unsigned threads = 1;
    // 0: each thread has an Engine of its own. N: the threads share one Engine
    // of N engine threads, each thread sending its first requests itself.
    unsigned engines = 0;
    bool direct = false;
    // Buffers registered with the ring (wdfio: Memory::allocate_registered;
    // raw: io_uring_register_buffers), sent as READ_FIXED/WRITE_FIXED.
    bool fixed_buffers = false;
    bool continue_on_error = false;  // else the run stops at the first failed request
    bool trace = false;              // the engines' recorders keep a run's worth (kTraceEvents per ring)
    std::uint64_t region_bytes = 0;  // set once the target is known

    bool writes() const noexcept { return mix != Mix::Read; }
    bool reads() const noexcept { return mix != Mix::Write; }
    std::uint64_t blocks() const noexcept { return region_bytes / block_bytes; }
};

// What the command line gave, before checking.
struct LoadArgs {
    std::string rw;
    std::string bs;
    long long qd = 0;
    double seconds = 0;
    long long threads = 1;
    long long engines = 0;
    bool direct = false;
    bool fixed_buffers = false;
};

// Checks every field and says what to fix (exit 2) when one is wrong.
Checked<LoadPlan> make_load_plan(const LoadArgs& args);

struct NextIo {
    std::int64_t offset;
    bool write;
};

// The offsets of one thread's requests: block-aligned, uniform over the region
// (random) or one block after another, wrapping at its end (sequential).
class IoStream {
public:
    IoStream(const LoadPlan& plan, std::uint64_t seed, std::uint64_t first_block) noexcept
        : rng_{seed | 1},
          block_bytes_(plan.block_bytes),
          blocks_(plan.blocks()),
          next_block_(blocks_ ? first_block % blocks_ : 0),
          access_(plan.access),
          mix_(plan.mix) {}

    NextIo next() noexcept {
        const bool write = mix_ == Mix::Write || (mix_ == Mix::Mixed && (rng_.next() >> 63) != 0);
        return {static_cast<std::int64_t>(next_block() * block_bytes_), write};
    }

private:
    std::uint64_t next_block() noexcept {
        if (access_ == Access::Random)  // multiply-shift: uniform without a division
            return static_cast<std::uint64_t>((static_cast<unsigned __int128>(rng_.next()) * blocks_) >> 64);
        const std::uint64_t b = next_block_;
        if (++next_block_ == blocks_) next_block_ = 0;
        return b;
    }

    Xorshift64 rng_;
    std::uint64_t block_bytes_;
    std::uint64_t blocks_;
    std::uint64_t next_block_;
    Access access_;
    Mix mix_;
};

}  // namespace wdfio::cli
