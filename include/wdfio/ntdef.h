/* ntdef.h — the NT base types of the C API (VOID, ULONG, NTSTATUS, ...)
 * and NT_SUCCESS, named and sized as in the WDK's ntdef.h for a 64-bit
 * Linux (LP64: LONG stays 32 bits, as on Windows). */
#ifndef WDFIO_NTDEF_H
#define WDFIO_NTDEF_H

#include <stdint.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VOID
#define VOID void
#endif
typedef void* PVOID;
typedef uint8_t BOOLEAN;
typedef uint8_t UCHAR;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef ULONG* PULONG;
typedef int64_t LONGLONG;
typedef LONGLONG* PLONGLONG;
typedef uint64_t ULONGLONG;
typedef uintptr_t ULONG_PTR;
typedef ULONG_PTR* PULONG_PTR;
typedef int32_t NTSTATUS;
#ifndef TRUE
#define TRUE ((BOOLEAN)1)
#endif
#ifndef FALSE
#define FALSE ((BOOLEAN)0)
#endif

#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_NTDEF_H */
