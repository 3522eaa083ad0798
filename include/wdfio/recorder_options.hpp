// The in-flight recorder's settings (recorder.hpp), given to an Engine when it is made.
#pragma once
#include <cstddef>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

struct RecorderOptions {
    bool enabled = true;
    // Events kept per ring (one ring per engine thread, one for every other
    // thread), rounded up to a power of two; 16 to 1 << 24 (others: the
    // default, with a log line).
    std::size_t events = 4096;
};

}  // namespace wdfio
#pragma GCC visibility pop
