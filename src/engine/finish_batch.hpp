// FinishBatch: the target counts the engine thread takes down in one pass of
// its loop, applied once per target at the end of the pass. A sender on
// another thread counts each send up; if the engine counted each finish down
// as it came, the counter's cache line would cross between the two cores
// twice per request.
#pragma once
#include <wdfio/io_target.hpp>

#include <array>
#include <cstdint>

namespace wdfio::detail {

class FinishBatch {
public:
    // The batch of the engine loop running on this thread, or null.
    static FinishBatch* current() noexcept;
    // Installs this batch for the calling (engine) thread, for its lifetime.
    FinishBatch() noexcept;
    ~FinishBatch();
    FinishBatch(const FinishBatch&) = delete;
    FinishBatch& operator=(const FinishBatch&) = delete;

    // Counts `step` down from t later; t stays alive meanwhile (its pending
    // count holds it). A full batch is applied first.
    void add(IoTarget& t, std::uint64_t step) noexcept;
    void flush() noexcept;

private:
    struct Entry {
        IoTarget* target;
        std::uint64_t steps;
    };
    std::array<Entry, 8> entries_{};
    std::size_t size_ = 0;
};

}  // namespace wdfio::detail
