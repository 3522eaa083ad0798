// ExAllocatePool2, ExAllocatePoolWithTag, ExAllocatePoolZero,
// ExAllocatePoolUninitialized, ExAllocatePool, ExFreePool, ExFreePoolWithTag,
// and WdfioHostFailPoolAllocations (fault injection for drivers' tests).
#include "compat/boundary.hpp"
#include "compat/fault_injection.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>

using namespace wdfio;
using namespace wdfio::compat;

namespace {

// Before each block: where the allocation starts (a cache-aligned block is
// offset into it), the tag, and a mark that tells a pool block from a
// foreign or freed pointer.
struct alignas(16) BlockHeader {
    void* base;
    std::uint32_t tag;
    std::uint32_t magic;
};
static_assert(sizeof(BlockHeader) == 16);
constexpr std::uint32_t kLive = 0x4C4F4F50;  // "POOL"
constexpr std::uint32_t kFreed = 0x45455246;
constexpr std::size_t kCacheLine = 64;
constexpr ULONG kNoTag = 0x656E6F4E;  // 'None', ExAllocatePool's tag on Windows

std::atomic<ULONG> g_fail_next{0};

bool injected_failure() {
    ULONG n = g_fail_next.load();
    while (n > 0)
        if (g_fail_next.compare_exchange_weak(n, n - 1)) return true;
    return false;
}

PVOID allocate(const char* call, SIZE_T bytes, ULONG tag, bool zero, bool cache_aligned) {
    if (injected_failure() || fault::fail_here()) return nullptr;
    const std::size_t align = cache_aligned ? kCacheLine : sizeof(BlockHeader);
    if (bytes > SIZE_MAX - sizeof(BlockHeader) - align) {
        log(LogLevel::Error, "%s: %zu bytes cannot be allocated", call, static_cast<std::size_t>(bytes));
        return nullptr;
    }
    void* base = std::malloc(sizeof(BlockHeader) + bytes + (cache_aligned ? align : 0));
    if (!base) return nullptr;
    auto start = reinterpret_cast<std::uintptr_t>(base) + sizeof(BlockHeader);
    if (cache_aligned) start = (start + align - 1) & ~(std::uintptr_t{align} - 1);
    auto* header = reinterpret_cast<BlockHeader*>(start - sizeof(BlockHeader));
    *header = BlockHeader{base, tag, kLive};
    void* block = reinterpret_cast<void*>(start);
    if (zero) std::memset(block, 0, bytes);
    return block;
}

// The valid base pool types, each optionally cache aligned.
bool valid_pool_type(std::uint32_t type, bool& cache_aligned) {
    switch (type) {
    case NonPagedPool:
    case PagedPool:
    case NonPagedPoolMustSucceed:
    case NonPagedPoolNx: cache_aligned = false; return true;
    case NonPagedPoolCacheAligned:
    case PagedPoolCacheAligned:
    case NonPagedPoolNxCacheAligned: cache_aligned = true; return true;
    default: return false;
    }
}

PVOID allocate_typed(const char* call, POOL_TYPE type, SIZE_T bytes, ULONG tag, bool zero) {
    return guard_value(call, PVOID{nullptr}, [&]() -> PVOID {
        bool cache_aligned = false;
        if (!valid_pool_type(raw_enum(type), cache_aligned)) {
            log(LogLevel::Error, "%s: unknown pool type %u", call, raw_enum(type));
            return nullptr;
        }
        return allocate(call, bytes, tag, zero, cache_aligned);
    });
}

void free_block(const char* call, PVOID p, ULONG tag, bool check_tag) {
    guard_void(call, [&] {
        if (!p) {
            log(LogLevel::Error, "%s: NULL pointer (nothing freed)", call);
            return;
        }
        auto* header = reinterpret_cast<BlockHeader*>(static_cast<char*>(p) - sizeof(BlockHeader));
        if (header->magic != kLive) {
            log(LogLevel::Error, "%s: %p is not a live pool block (freed twice, or not from ExAllocatePool*)", call, p);
            return;
        }
        if (check_tag && tag != 0 && tag != header->tag)
            log(LogLevel::Warning, "%s: tag 0x%08X does not match the block's 0x%08X (freed anyway)", call, tag,
                header->tag);
        header->magic = kFreed;
        std::free(header->base);
    });
}

}  // namespace

PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag) {
    constexpr const char* call = "ExAllocatePool2";
    return guard_value(call, PVOID{nullptr}, [&]() -> PVOID {
        constexpr POOL_FLAGS kKinds = POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED;
        constexpr POOL_FLAGS kKnownRequired = POOL_FLAG_USE_QUOTA | POOL_FLAG_UNINITIALIZED | POOL_FLAG_SESSION |
                                              POOL_FLAG_CACHE_ALIGNED | POOL_FLAG_RAISE_ON_FAILURE | kKinds;
        constexpr POOL_FLAGS kRequired = POOL_FLAG_OPTIONAL_START - 1;  // bits 0..31
        const POOL_FLAGS kind = Flags & kKinds;
        if (kind == 0 || (kind & (kind - 1)) != 0) {
            log(LogLevel::Error, "%s: flags 0x%llx need exactly one of POOL_FLAG_NON_PAGED, _NON_PAGED_EXECUTE, _PAGED",
                call, static_cast<unsigned long long>(Flags));
            return nullptr;
        }
        if ((Flags & kRequired & ~kKnownRequired) != 0) {
            log(LogLevel::Error, "%s: unknown required flags 0x%llx", call,
                static_cast<unsigned long long>(Flags & kRequired & ~kKnownRequired));
            return nullptr;
        }
        if (Tag == 0) {
            log(LogLevel::Error, "%s: a pool tag must not be 0", call);
            return nullptr;
        }
        return allocate(call, NumberOfBytes, Tag, (Flags & POOL_FLAG_UNINITIALIZED) == 0,
                        (Flags & POOL_FLAG_CACHE_ALIGNED) != 0);
    });
}

PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
    return allocate_typed("ExAllocatePoolWithTag", PoolType, NumberOfBytes, Tag, false);
}

PVOID ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
    return allocate_typed("ExAllocatePoolZero", PoolType, NumberOfBytes, Tag, true);
}

PVOID ExAllocatePoolUninitialized(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
    return allocate_typed("ExAllocatePoolUninitialized", PoolType, NumberOfBytes, Tag, false);
}

PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes) {
    return allocate_typed("ExAllocatePool", PoolType, NumberOfBytes, kNoTag, false);
}

VOID ExFreePool(PVOID P) { free_block("ExFreePool", P, 0, false); }

VOID ExFreePoolWithTag(PVOID P, ULONG Tag) { free_block("ExFreePoolWithTag", P, Tag, true); }

VOID WdfioHostFailPoolAllocations(ULONG Count) { g_fail_next.store(Count); }
