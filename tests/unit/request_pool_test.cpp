// The request pool: requests come from reusable slabs, each exactly sizeof(Request).
#include <wdfio/request.hpp>

#include <gtest/gtest.h>

#include <vector>

using namespace wdfio;

TEST(RequestPool, CountsRequestsAndHoldsExactlySizeofEach) {
    static_assert(sizeof(Request) <= 512, "issue 5: request + location + timer slot within 512 bytes");
    const RequestPoolStats before = request_pool_stats();
    std::vector<Ref<Request>> held;
    held.reserve(100);
    for (int i = 0; i < 100; ++i) held.push_back(Request::create().value());

    const RequestPoolStats during = request_pool_stats();
    EXPECT_EQ(during.in_use, before.in_use + 100);
    EXPECT_GE(during.capacity, during.in_use);
    EXPECT_EQ(during.bytes, during.capacity * sizeof(Request));  // no per-request slack
    // Distinct, aligned storage for each.
    for (std::size_t i = 1; i < held.size(); ++i) EXPECT_NE(held[i].get(), held[i - 1].get());
    for (auto& r : held) EXPECT_EQ(reinterpret_cast<std::uintptr_t>(r.get()) % alignof(Request), 0u);

    held.clear();
    const RequestPoolStats after = request_pool_stats();
    EXPECT_EQ(after.in_use, before.in_use);
    EXPECT_GE(after.capacity, after.in_use);
}

TEST(RequestPool, ReusesFreedSlots) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "under AddressSanitizer requests come from the heap, so that a use after free is caught";
#endif
    auto first = Request::create().value();
    Request* address = first.get();
    first = nullptr;
    const std::size_t capacity = request_pool_stats().capacity;
    auto second = Request::create().value();
    EXPECT_EQ(request_pool_stats().capacity, capacity);  // no new storage for a freed slot
    EXPECT_EQ(second.get(), address);                    // the slot just freed comes back first
}
