/* ntdef.h — the NT base types (VOID, ULONG, WCHAR, LARGE_INTEGER,
 * UNICODE_STRING, LIST_ENTRY, ...), NT_SUCCESS and its siblings, and the
 * small helper macros drivers use everywhere (UNREFERENCED_PARAMETER,
 * C_ASSERT, FIELD_OFFSET, CONTAINING_RECORD, ARRAYSIZE), named and sized as in
 * the WDK's ntdef.h for a 64-bit Linux.
 *
 * Where Linux differs: LONG and ULONG stay 32 bits (as on Windows, not
 * `long`); WCHAR is wchar_t, which is 32 bits here (UTF-32), so a
 * UNICODE_STRING's byte lengths are 4 per character — code that writes
 * sizeof(WCHAR) works unchanged, code that hard-codes 2 does not. */
#ifndef WDFIO_NTDEF_H
#define WDFIO_NTDEF_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VOID
#define VOID void
#endif
#ifndef CONST
#define CONST const
#endif
typedef void* PVOID;
typedef const void* PCVOID;
typedef PVOID HANDLE;
typedef HANDLE* PHANDLE;

typedef char CHAR;
typedef char CCHAR;
typedef unsigned char UCHAR;
typedef int16_t SHORT;
typedef uint16_t USHORT;
typedef int INT;
typedef unsigned int UINT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int32_t LONG32;
typedef uint32_t ULONG32;
typedef int64_t LONG64;
typedef uint64_t ULONG64;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef size_t SIZE_T;
typedef ptrdiff_t SSIZE_T;
typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint32_t DWORD;
typedef uint64_t DWORD64;
typedef ULONG_PTR DWORD_PTR;
typedef uint8_t BOOLEAN;
typedef int32_t NTSTATUS;
typedef wchar_t WCHAR;

typedef CHAR* PCHAR;
typedef CHAR* PCH;
typedef const CHAR* PCCH;
typedef CHAR* PSTR;
typedef CHAR* PSZ;
typedef const CHAR* PCSTR;
typedef const CHAR* PCSZ;
typedef UCHAR* PUCHAR;
typedef SHORT* PSHORT;
typedef USHORT* PUSHORT;
typedef INT* PINT;
typedef UINT* PUINT;
typedef LONG* PLONG;
typedef ULONG* PULONG;
typedef LONG64* PLONG64;
typedef ULONG64* PULONG64;
typedef LONGLONG* PLONGLONG;
typedef ULONGLONG* PULONGLONG;
typedef LONG_PTR* PLONG_PTR;
typedef ULONG_PTR* PULONG_PTR;
typedef SIZE_T* PSIZE_T;
typedef SSIZE_T* PSSIZE_T;
typedef BYTE* PBYTE;
typedef WORD* PWORD;
typedef DWORD* PDWORD;
typedef BOOLEAN* PBOOLEAN;
typedef NTSTATUS* PNTSTATUS;
typedef WCHAR* PWCHAR;
typedef WCHAR* PWCH;
typedef const WCHAR* PCWCH;
typedef WCHAR* PWSTR;
typedef WCHAR* PWSZ;
typedef const WCHAR* PCWSTR;
typedef const WCHAR* PCWSZ;

#ifndef TRUE
#define TRUE ((BOOLEAN)1)
#endif
#ifndef FALSE
#define FALSE ((BOOLEAN)0)
#endif
#define UNICODE_NULL ((WCHAR)0)
#define ANSI_NULL    ((CHAR)0)

/* The severity is the top two bits: 0 success, 1 information, 2 warning, 3 error. */
#define NT_SUCCESS(Status)     (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status)     ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status)       ((((ULONG)(Status)) >> 30) == 3)

/* LowPart/HighPart are reachable directly (an anonymous struct; __extension__
 * keeps C++ -Wpedantic quiet) and through u, as drivers write either. */
typedef union _LARGE_INTEGER {
    __extension__ struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    __extension__ struct {
        ULONG LowPart;
        ULONG HighPart;
    };
    struct {
        ULONG LowPart;
        ULONG HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY* Flink;
    struct _LIST_ENTRY* Blink;
} LIST_ENTRY, *PLIST_ENTRY;

/* Counted strings: Length and MaximumLength in bytes, Buffer not necessarily
 * NUL-terminated. */
typedef struct _UNICODE_STRING {
    USHORT Length;
    USHORT MaximumLength;
    PWCH Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING* PCUNICODE_STRING;

typedef struct _STRING {
    USHORT Length;
    USHORT MaximumLength;
    PCHAR Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING;
typedef const STRING* PCSTRING;
typedef const ANSI_STRING* PCANSI_STRING;

#define UNREFERENCED_PARAMETER(P)          ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P)      ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))

/* A compile-time check, at file or block scope, in C and C++. */
#ifdef __cplusplus
#define C_ASSERT(e) static_assert(e, #e)
#else
#define C_ASSERT(e) _Static_assert(e, #e)
#endif

#define FIELD_OFFSET(Type, Field)               ((LONG)offsetof(Type, Field))
#define RTL_FIELD_SIZE(Type, Field)             (sizeof(((Type*)0)->Field))
#define RTL_NUMBER_OF(A)                        (sizeof(A) / sizeof((A)[0]))
#define ARRAYSIZE(A)                            RTL_NUMBER_OF(A)
#define CONTAINING_RECORD(Address, Type, Field) ((Type*)((PCHAR)(Address)-offsetof(Type, Field)))

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_NTDEF_H */
