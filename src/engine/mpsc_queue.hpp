// Intrusive multi-producer single-consumer queue (D. Vyukov's design): a push
// is one atomic exchange, nothing is allocated. pop() may briefly return null
// while a producer is between its two steps; the consumer simply comes back.
#pragma once
#include "engine/handoff_node.hpp"

namespace wdfio::detail {

class MpscQueue {
public:
    MpscQueue() : head_(&stub_), tail_(&stub_) {}

    void push(HandoffNode* n) noexcept {
        n->next.store(nullptr, std::memory_order_relaxed);
        HandoffNode* prev = head_.exchange(n, std::memory_order_seq_cst);
        prev->next.store(n, std::memory_order_release);
    }

    HandoffNode* pop() noexcept {
        HandoffNode* tail = tail_;
        HandoffNode* next = tail->next.load(std::memory_order_acquire);
        if (tail == &stub_) {
            if (!next) return nullptr;
            tail_ = next;
            tail = next;
            next = next->next.load(std::memory_order_acquire);
        }
        if (next) {
            tail_ = next;
            return tail;
        }
        if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // a push is half done
        push(&stub_);
        next = tail->next.load(std::memory_order_acquire);
        if (next) {
            tail_ = next;
            return tail;
        }
        return nullptr;
    }

    // Consumer side: true when nothing is queued or being pushed.
    bool empty() const noexcept {
        if (tail_ != &stub_) return false;  // tail_ is the stub or a node not yet popped
        return stub_.next.load(std::memory_order_acquire) == nullptr && head_.load(std::memory_order_seq_cst) == &stub_;
    }

private:
    // Producers exchange head_ on every push; the consumer moves tail_ on
    // every pop: lines of their own, so that neither write evicts the other's.
    alignas(64) std::atomic<HandoffNode*> head_;
    alignas(64) HandoffNode* tail_;
    HandoffNode stub_;
};

}  // namespace wdfio::detail
