/* ntpool.h — pool allocation as the WDK's wdm.h declares it: ExAllocatePool2
 * with POOL_FLAG_* (the current call), the older ExAllocatePoolWithTag,
 * ExAllocatePoolZero, ExAllocatePoolUninitialized and ExAllocatePool, and
 * ExFreePool / ExFreePoolWithTag.
 *
 * All are the C heap underneath (there is no paged or nonpaged memory here;
 * the pool type only has to be a valid one). Blocks are 16-byte aligned, 64
 * with POOL_FLAG_CACHE_ALIGNED or a *CacheAligned pool type. Zeroed: every
 * ExAllocatePool2 block without POOL_FLAG_UNINITIALIZED, and ExAllocatePoolZero;
 * the others are not. Where Windows bugchecks (a zero tag for ExAllocatePool2,
 * an unknown pool type or flag, freeing NULL or a block not from the pool),
 * these log the mistake and return NULL or do nothing. There are no SEH
 * exceptions: POOL_FLAG_RAISE_ON_FAILURE is accepted, and failure still
 * returns NULL. Zero bytes gives a valid, distinct block, to be freed. */
#ifndef WDFIO_NTPOOL_H
#define WDFIO_NTPOOL_H

#include <wdfio/ntdef.h>
#include <wdfio/wdm.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_REQUIRED_START    0x0000000000000001ULL
#define POOL_FLAG_USE_QUOTA         0x0000000000000001ULL
#define POOL_FLAG_UNINITIALIZED     0x0000000000000002ULL
#define POOL_FLAG_SESSION           0x0000000000000004ULL
#define POOL_FLAG_CACHE_ALIGNED     0x0000000000000008ULL
#define POOL_FLAG_RESERVED1         0x0000000000000010ULL
#define POOL_FLAG_RAISE_ON_FAILURE  0x0000000000000020ULL
#define POOL_FLAG_NON_PAGED         0x0000000000000040ULL
#define POOL_FLAG_NON_PAGED_EXECUTE 0x0000000000000080ULL
#define POOL_FLAG_PAGED             0x0000000000000100ULL
#define POOL_FLAG_RESERVED2         0x0000000000000200ULL
#define POOL_FLAG_RESERVED3         0x0000000000000400ULL
#define POOL_FLAG_REQUIRED_END      0x0000000080000000ULL
#define POOL_FLAG_OPTIONAL_START    0x0000000100000000ULL
#define POOL_FLAG_SPECIAL_POOL      0x0000000100000000ULL
#define POOL_FLAG_OPTIONAL_END      0x8000000000000000ULL

/* Exactly one of NON_PAGED, NON_PAGED_EXECUTE, PAGED; the required flags not
 * listed above (RESERVED*, unknown bits below bit 32) → NULL. Optional flags
 * (bit 32 and up) are ignored, as on Windows. Tag must not be 0. */
PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePoolUninitialized(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes);
VOID ExFreePool(PVOID P);
/* Tag 0 or the block's tag; another tag is logged, and the block freed. */
VOID ExFreePoolWithTag(PVOID P, ULONG Tag);

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_NTPOOL_H */
