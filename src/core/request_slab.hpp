// Storage for requests: 64-byte-aligned slabs of 64, kept for reuse and never
// returned to the OS. A request then costs exactly sizeof(Request) — no malloc
// header, no alignment slack — which is what "memory per in-flight request"
// counts (issue 5). Under AddressSanitizer requests come from the heap instead,
// so a use after free is still caught.
#pragma once
#include <wdfio/request.hpp>

#include <cstddef>

namespace wdfio::detail {

void* allocate_request_storage() noexcept;          // nullptr when out of memory
void free_request_storage(void* storage) noexcept;  // the request is destroyed already
RequestPoolStats request_pool_stats() noexcept;

}  // namespace wdfio::detail
