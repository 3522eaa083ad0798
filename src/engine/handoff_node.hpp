// The link an operation (or an operation list) embeds to travel through the
// engine's lock-free hand-over queue: no allocation per hand-over.
#pragma once
#include <atomic>
#include <cstdint>

namespace wdfio::detail {

enum class HandoffKind : std::uint8_t {
    Stub,        // the queue's own sentinel
    Submit,      // start this operation on the engine thread
    Complete,    // this operation finished elsewhere (a worker): complete it on the engine thread
    Cancel,      // cancel this operation (its cancel_seq says which start)
    CancelList,  // cancel every operation of this list (a target's stop, purge, close)
};

// 16 bytes: the owner's address carries the kind in its low 3 bits (owners
// are at least 8-byte aligned), since every operation embeds two nodes.
class HandoffNode {
public:
    HandoffNode() noexcept = default;
    HandoffNode(HandoffKind kind, void* owner) noexcept { set(kind, owner); }

    void set(HandoffKind kind, void* owner) noexcept {
        tagged_ = reinterpret_cast<std::uintptr_t>(owner) | static_cast<std::uintptr_t>(kind);
    }
    void set_kind(HandoffKind kind) noexcept { tagged_ = (tagged_ & ~kKindMask) | static_cast<std::uintptr_t>(kind); }
    HandoffKind kind() const noexcept { return static_cast<HandoffKind>(tagged_ & kKindMask); }
    template <class T>
    T* owner() const noexcept {
        return reinterpret_cast<T*>(tagged_ & ~kKindMask);
    }

    std::atomic<HandoffNode*> next{nullptr};

private:
    static constexpr std::uintptr_t kKindMask = 7;
    std::uintptr_t tagged_ = 0;
};

}  // namespace wdfio::detail
