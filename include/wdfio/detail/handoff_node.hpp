// The link a request (or target) embeds to travel through the engine's
// lock-free hand-over queue: no allocation per hand-over.
#pragma once
#include <atomic>
#include <cstdint>

namespace wdfio::detail {

enum class HandoffKind : std::uint8_t {
    Stub,      // the queue's own sentinel
    Submit,    // start this request's I/O on the engine thread
    Complete,  // a worker finished this request's I/O
    Cancel,    // cancel this request's I/O (cancel_seq says which send)
    CancelAll, // cancel every request of this target (close)
};

struct HandoffNode {
    std::atomic<HandoffNode*> next{nullptr};
    HandoffKind kind = HandoffKind::Stub;
    void* owner = nullptr;  // Request* or IoTarget*, by kind
};

}  // namespace wdfio::detail
