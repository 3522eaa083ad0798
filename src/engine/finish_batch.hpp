// FinishBatch: counts the engine thread takes down in one pass of its loop
// (a target's pending and sent I/O), applied once per counter at the end of
// the pass. A sender on
// another thread counts each send up; if the engine counted each finish down
// as it came, the counter's cache line would cross between the two cores
// twice per request.
#pragma once
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

    // Takes `step` off a counter later, by apply(owner, steps); the owner
    // stays alive meanwhile (what it counts holds it). A full batch is applied first.
    using Apply = void (*)(void* owner, std::uint64_t steps) noexcept;
    void add(void* owner, Apply apply, std::uint64_t step) noexcept;
    void flush() noexcept;

private:
    struct Entry {
        void* owner;
        Apply apply;
        std::uint64_t steps;
    };
    std::array<Entry, 8> entries_{};
    std::size_t size_ = 0;
};

}  // namespace wdfio::detail
