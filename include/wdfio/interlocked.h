/* interlocked.h — the Interlocked* operations on LONG, LONG64 and pointers,
 * as the WDK's wdm.h offers them, with sequentially consistent atomics (the
 * full barrier each Windows interlocked operation is). Increment, Decrement
 * and Add return the new value; Exchange, CompareExchange, ExchangeAdd, And,
 * Or and Xor the old one. */
#ifndef WDFIO_INTERLOCKED_H
#define WDFIO_INTERLOCKED_H

#include <wdfio/ntdef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WDFIO_SEQ_CST __ATOMIC_SEQ_CST

static inline LONG InterlockedIncrement(LONG volatile* Addend) { return __atomic_add_fetch(Addend, 1, WDFIO_SEQ_CST); }
static inline LONG InterlockedDecrement(LONG volatile* Addend) { return __atomic_sub_fetch(Addend, 1, WDFIO_SEQ_CST); }
static inline LONG InterlockedAdd(LONG volatile* Addend, LONG Value) {
    return __atomic_add_fetch(Addend, Value, WDFIO_SEQ_CST);
}
static inline LONG InterlockedExchangeAdd(LONG volatile* Addend, LONG Value) {
    return __atomic_fetch_add(Addend, Value, WDFIO_SEQ_CST);
}
static inline LONG InterlockedExchange(LONG volatile* Target, LONG Value) {
    return __atomic_exchange_n(Target, Value, WDFIO_SEQ_CST);
}
static inline LONG InterlockedCompareExchange(LONG volatile* Destination, LONG ExChange, LONG Comperand) {
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, WDFIO_SEQ_CST, WDFIO_SEQ_CST);
    return Comperand; /* the value found: on failure the builtin stored it here */
}
static inline LONG InterlockedAnd(LONG volatile* Destination, LONG Value) {
    return __atomic_fetch_and(Destination, Value, WDFIO_SEQ_CST);
}
static inline LONG InterlockedOr(LONG volatile* Destination, LONG Value) {
    return __atomic_fetch_or(Destination, Value, WDFIO_SEQ_CST);
}
static inline LONG InterlockedXor(LONG volatile* Destination, LONG Value) {
    return __atomic_fetch_xor(Destination, Value, WDFIO_SEQ_CST);
}

static inline LONG64 InterlockedIncrement64(LONG64 volatile* Addend) {
    return __atomic_add_fetch(Addend, 1, WDFIO_SEQ_CST);
}
static inline LONG64 InterlockedDecrement64(LONG64 volatile* Addend) {
    return __atomic_sub_fetch(Addend, 1, WDFIO_SEQ_CST);
}
static inline LONG64 InterlockedAdd64(LONG64 volatile* Addend, LONG64 Value) {
    return __atomic_add_fetch(Addend, Value, WDFIO_SEQ_CST);
}
static inline LONG64 InterlockedExchangeAdd64(LONG64 volatile* Addend, LONG64 Value) {
    return __atomic_fetch_add(Addend, Value, WDFIO_SEQ_CST);
}
static inline LONG64 InterlockedExchange64(LONG64 volatile* Target, LONG64 Value) {
    return __atomic_exchange_n(Target, Value, WDFIO_SEQ_CST);
}
static inline LONG64 InterlockedCompareExchange64(LONG64 volatile* Destination, LONG64 ExChange, LONG64 Comperand) {
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, WDFIO_SEQ_CST, WDFIO_SEQ_CST);
    return Comperand;
}
static inline LONG64 InterlockedAnd64(LONG64 volatile* Destination, LONG64 Value) {
    return __atomic_fetch_and(Destination, Value, WDFIO_SEQ_CST);
}
static inline LONG64 InterlockedOr64(LONG64 volatile* Destination, LONG64 Value) {
    return __atomic_fetch_or(Destination, Value, WDFIO_SEQ_CST);
}
static inline LONG64 InterlockedXor64(LONG64 volatile* Destination, LONG64 Value) {
    return __atomic_fetch_xor(Destination, Value, WDFIO_SEQ_CST);
}

static inline PVOID InterlockedExchangePointer(PVOID volatile* Target, PVOID Value) {
    return __atomic_exchange_n(Target, Value, WDFIO_SEQ_CST);
}
static inline PVOID InterlockedCompareExchangePointer(PVOID volatile* Destination, PVOID ExChange, PVOID Comperand) {
    __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, WDFIO_SEQ_CST, WDFIO_SEQ_CST);
    return Comperand;
}

#undef WDFIO_SEQ_CST

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WDFIO_INTERLOCKED_H */
