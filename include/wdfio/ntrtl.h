/* ntrtl.h — the run-time library helpers drivers use around I/O: memory
 * copies and comparisons, and counted strings (UNICODE_STRING, ANSI_STRING),
 * as in the WDK's wdm.h/ntddk.h.
 *
 * The memory macros are the C library's (the WDK's are too). The string
 * functions check their pointers: where Windows would fault on NULL, these
 * do nothing (or return 0 / FALSE). */
#ifndef WDFIO_NTRTL_H
#define WDFIO_NTRTL_H

#include <wdfio/ntdef.h>

#include <string.h>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

#ifdef __cplusplus
extern "C" {
#endif

#define RtlCopyMemory(Destination, Source, Length) memcpy((Destination), (Source), (Length))
#define RtlMoveMemory(Destination, Source, Length) memmove((Destination), (Source), (Length))
#define RtlFillMemory(Destination, Length, Fill)   memset((Destination), (Fill), (Length))
#define RtlZeroMemory(Destination, Length)         memset((Destination), 0, (Length))
#define RtlEqualMemory(Source1, Source2, Length)   (!memcmp((Source1), (Source2), (Length)))

/* Zeroes in a way the compiler may not drop (for secrets about to be freed). */
static inline PVOID RtlSecureZeroMemory(PVOID Pointer, SIZE_T Size) {
    volatile UCHAR* p = (volatile UCHAR*)Pointer;
    while (Size--) *p++ = 0;
    return Pointer;
}

/* How many leading bytes are equal (Length when all are). NULL → 0. */
SIZE_T RtlCompareMemory(const VOID* Source1, const VOID* Source2, SIZE_T Length);

/* Points DestinationString at SourceString (not copied): Length is its size
 * in bytes without the NUL, MaximumLength with it. NULL source → an empty
 * string with a NULL Buffer. A source too long for a USHORT is cut short. */
VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString);
VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString);
VOID RtlInitString(PSTRING DestinationString, PCSTR SourceString);

/* Copies as much of SourceString as DestinationString's MaximumLength holds,
 * adds a NUL when there is room for one. NULL source → Length 0. */
VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString);
/* Equal lengths and characters; CaseInSensitive compares towupper() of each. */
BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive);
/* <0, 0, >0 as String1 sorts before, with, after String2. */
LONG RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive);

/* A UNICODE_STRING over a wide literal, for a const object:
 * DECLARE_CONST_UNICODE_STRING(Name, L"\\Device\\Ram0"); */
#define DECLARE_CONST_UNICODE_STRING(Name, Literal)                                     \
    const WCHAR Name##_wdfio_buffer[] = Literal;                                        \
    const UNICODE_STRING Name = {(USHORT)(sizeof(Name##_wdfio_buffer) - sizeof(WCHAR)), \
                                 (USHORT)sizeof(Name##_wdfio_buffer), (PWCH)Name##_wdfio_buffer}
#define DECLARE_GLOBAL_CONST_UNICODE_STRING(Name, Literal) DECLARE_CONST_UNICODE_STRING(Name, Literal)
/* An empty UNICODE_STRING with room for Size characters. */
#define DECLARE_UNICODE_STRING_SIZE(Name, Size) \
    WCHAR Name##_wdfio_buffer[Size];            \
    UNICODE_STRING Name = {0, (USHORT)((Size) * sizeof(WCHAR)), Name##_wdfio_buffer}

/* An initializer from a literal: UNICODE_STRING for L"..." and ANSI_STRING
 * for "..." (in C++ through an overload, in C through the void* that either
 * Buffer type accepts). */
#ifdef __cplusplus
} /* extern "C" */
extern "C++" {
template <size_t N>
constexpr UNICODE_STRING wdfio_constant_string(const WCHAR (&Literal)[N]) {
    return UNICODE_STRING{(USHORT)((N - 1) * sizeof(WCHAR)), (USHORT)(N * sizeof(WCHAR)), const_cast<PWCH>(Literal)};
}
template <size_t N>
constexpr ANSI_STRING wdfio_constant_string(const CHAR (&Literal)[N]) {
    return ANSI_STRING{(USHORT)(N - 1), (USHORT)N, const_cast<PCHAR>(Literal)};
}
}
#define RTL_CONSTANT_STRING(Literal) wdfio_constant_string(Literal)
extern "C" {
#else
#define RTL_CONSTANT_STRING(Literal) \
    { (USHORT)(sizeof(Literal) - sizeof((Literal)[0])), (USHORT)sizeof(Literal), (void*)(Literal) }
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#pragma GCC visibility pop
#endif /* WDFIO_NTRTL_H */
