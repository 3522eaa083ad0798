// RequestFifo: an intrusive FIFO of requests through a pair of their link
// fields (a request is in at most one list per pair). Not synchronised: the
// owner holds its own lock.
#pragma once
#include <wdfio/request.hpp>

#include <cstdint>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio::detail {

template <Request* Request::*Next, Request* Request::*Prev>
struct RequestFifo {
    Request* head = nullptr;
    Request* tail = nullptr;
    std::uint32_t count = 0;

    void push_back(Request& r) noexcept {
        r.*Next = nullptr;
        r.*Prev = tail;
        if (tail) tail->*Next = &r;
        else head = &r;
        tail = &r;
        ++count;
    }
    void push_front(Request& r) noexcept {
        r.*Prev = nullptr;
        r.*Next = head;
        if (head) head->*Prev = &r;
        else tail = &r;
        head = &r;
        ++count;
    }
    void remove(Request& r) noexcept {
        if (r.*Prev) r.*Prev->*Next = r.*Next;
        else head = r.*Next;
        if (r.*Next) r.*Next->*Prev = r.*Prev;
        else tail = r.*Prev;
        r.*Next = r.*Prev = nullptr;
        --count;
    }
    Request* pop_front() noexcept {
        Request* r = head;
        if (r) remove(*r);
        return r;
    }
    // Empties the list and returns its old head; the Next links still chain
    // the taken requests in order, for the caller to walk.
    Request* take_all() noexcept {
        Request* r = head;
        head = tail = nullptr;
        count = 0;
        return r;
    }
};

}  // namespace wdfio::detail
#pragma GCC visibility pop
