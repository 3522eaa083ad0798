#include "engine/finish_batch.hpp"

namespace wdfio::detail {

namespace {
__attribute__((tls_model("initial-exec"))) thread_local FinishBatch* t_batch = nullptr;
}  // namespace

FinishBatch* FinishBatch::current() noexcept { return t_batch; }

FinishBatch::FinishBatch() noexcept { t_batch = this; }

FinishBatch::~FinishBatch() {
    flush();
    t_batch = nullptr;
}

void FinishBatch::add(void* owner, Apply apply, std::uint64_t step) noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
        if (entries_[i].owner == owner) {
            entries_[i].steps += step;
            return;
        }
    }
    if (size_ == entries_.size()) flush();
    entries_[size_++] = {owner, apply, step};
}

void FinishBatch::flush() noexcept {
    // Taken out first: counting down may run code that finishes more (a
    // target's last release), which then goes into the emptied batch.
    while (size_ > 0) {
        const Entry e = entries_[--size_];
        e.apply(e.owner, e.steps);
    }
}

}  // namespace wdfio::detail
