/* wdfcore.h — KMDF's timeout helpers: 100 ns ticks, as send options and
 * the synchronous sends take them. */
#ifndef WDFIO_WDFCORE_H
#define WDFIO_WDFCORE_H

#include <wdfio/ntdef.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* Negative: relative to now; positive: absolute (since 1601-01-01); 0: none. */
static inline LONGLONG WDF_REL_TIMEOUT_IN_SEC(ULONGLONG Time) { return (LONGLONG)Time * -10000000LL; }
static inline LONGLONG WDF_REL_TIMEOUT_IN_MS(ULONGLONG Time) { return (LONGLONG)Time * -10000LL; }
static inline LONGLONG WDF_REL_TIMEOUT_IN_US(ULONGLONG Time) { return (LONGLONG)Time * -10LL; }
static inline LONGLONG WDF_ABS_TIMEOUT_IN_SEC(ULONGLONG Time) { return (LONGLONG)Time * 10000000LL; }
static inline LONGLONG WDF_ABS_TIMEOUT_IN_MS(ULONGLONG Time) { return (LONGLONG)Time * 10000LL; }
static inline LONGLONG WDF_ABS_TIMEOUT_IN_US(ULONGLONG Time) { return (LONGLONG)Time * 10LL; }

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_WDFCORE_H */
